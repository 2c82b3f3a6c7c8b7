/** The security standards Security Hub offers, which of this range's controls each contains, and their ARNs. */
import { CONTROLS, type ControlDef } from "./controls.ts";
import type { SecurityHubState } from "./state.ts";

export interface StandardDef {
  /** The ARN's path: "standards/aws-foundational-security-best-practices/v/1.0.0". */
  path: string;
  name: string;
  description: string;
  enabledByDefault: boolean;
  /** The standard's control id for one of ours, if it contains it (FSBP: EC2.8; CIS 1.2.0: CIS.4.1). */
  controlId: (c: ControlDef) => string | undefined;
}

export const STANDARDS: readonly StandardDef[] = [
  {
    path: "standards/aws-foundational-security-best-practices/v/1.0.0",
    name: "AWS Foundational Security Best Practices v1.0.0",
    description:
      "The AWS Foundational Security Best Practices standard is a set of automated security checks that detect when AWS accounts and deployed resources do not align to security best practices. The standard is defined by AWS security experts.",
    enabledByDefault: true,
    controlId: (c) => c.id,
  },
  {
    path: "ruleset/cis-aws-foundations-benchmark/v/1.2.0",
    name: "CIS AWS Foundations Benchmark v1.2.0",
    description:
      "The Center for Internet Security (CIS) AWS Foundations Benchmark v1.2.0 is a set of security configuration best practices for AWS. This Security Hub standard automatically checks for your compliance readiness against a subset of CIS requirements.",
    enabledByDefault: true,
    controlId: (c) => (c.cis12 ? `CIS.${c.cis12}` : undefined),
  },
  {
    path: "standards/cis-aws-foundations-benchmark/v/1.4.0",
    name: "CIS AWS Foundations Benchmark v1.4.0",
    description: "The Center for Internet Security (CIS) AWS Foundations Benchmark v1.4.0 is a set of security configuration best practices for AWS.",
    enabledByDefault: false,
    controlId: () => undefined,
  },
  {
    path: "standards/nist-800-53/v/5.0.0",
    name: "NIST Special Publication 800-53 Revision 5",
    description: "NIST SP 800-53 Rev. 5 is a cybersecurity and compliance framework developed by the National Institute of Standards and Technology (NIST).",
    enabledByDefault: false,
    controlId: () => undefined,
  },
  {
    path: "standards/pci-dss/v/3.2.1",
    name: "PCI DSS v3.2.1",
    description:
      "The Payment Card Industry Data Security Standard (PCI DSS) v3.2.1 is an information security standard for entities that store, process, and/or transmit cardholder data.",
    enabledByDefault: false,
    controlId: () => undefined,
  },
];

/** CIS 1.2.0 predates regional standards ARNs: arn:aws:securityhub:::ruleset/…; the others name the region. */
export const standardsArn = (s: StandardDef, region: string) =>
  s.path.startsWith("ruleset/") ? `arn:aws:securityhub:::${s.path}` : `arn:aws:securityhub:${region}::${s.path}`;

export const subscriptionArn = (s: StandardDef, region: string, accountId: string) =>
  `arn:aws:securityhub:${region}:${accountId}:subscription/${s.path.replace(/^(standards|ruleset)\//, "")}`;

export const standardsControlArn = (s: StandardDef, region: string, accountId: string, controlId: string) =>
  `arn:aws:securityhub:${region}:${accountId}:control/${s.path.replace(/^(standards|ruleset)\//, "")}/${controlId.replace(/^CIS\./, "")}`;

export function standardByArn(arn: string | undefined, region: string): StandardDef | undefined {
  return STANDARDS.find((s) => standardsArn(s, region) === arn);
}

export function standardBySubscription(arn: string | undefined, region: string, accountId: string): StandardDef | undefined {
  return STANDARDS.find((s) => subscriptionArn(s, region, accountId) === arn);
}

/** The standards enabled in a region's hub (ready subscriptions). */
export function enabledStandards(st: SecurityHubState, region: string): StandardDef[] {
  return STANDARDS.filter((s) => st.standards[standardsArn(s, region)]?.StandardsStatus === "READY");
}

/**
 * Per control, the enabled standards in which it is enabled (their StandardsIds, "standards/…" or "ruleset/…"):
 * a control none of them enables is not evaluated.
 */
export function activeControls(st: SecurityHubState, region: string, accountId: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of enabledStandards(st, region)) {
    for (const c of CONTROLS) {
      const id = s.controlId(c);
      if (!id || Object.hasOwn(st.disabledControls, standardsControlArn(s, region, accountId, id))) continue;
      out.set(c.id, [...(out.get(c.id) ?? []), s.path]);
    }
  }
  return out;
}
