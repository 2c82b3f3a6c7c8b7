/**
 * The policy-case table against the engine: each documented example decides as AWS documents it. The table itself is
 * checked too: enough cases, each with an AWS documentation source, and every operator, element and policy type used.
 */
import { describe, expect, it } from "vitest";
import { BASE_OPERATORS } from "../../emulator/authz/engine/conditions.ts";
import { evaluate } from "../../emulator/authz/engine/index.ts";
import { POLICY_CASES, type PolicyCase } from "./policy-cases.ts";

function run(c: PolicyCase) {
  const d = evaluate(c.request, c.policies);
  return {
    decision: d.decision,
    deniedBy: d.deniedBy?.kind,
    deniedByPolicy: d.decision === "explicitDeny" ? d.deniedBy?.policy?.name : undefined,
    matched: d.matched.map((m) => m.sid ?? `#${m.index}`),
    missingContextKeys: d.missingContextKeys,
  };
}

describe("policy cases drawn from AWS's documentation", () => {
  it.each(POLICY_CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const got = run(c);
    expect(got.decision).toBe(c.expected.decision);
    expect(got.deniedBy).toBe(c.expected.deniedBy);
    if (c.expected.deniedByPolicy) expect(got.deniedByPolicy).toBe(c.expected.deniedByPolicy);
    if (c.expected.matched) expect(got.matched).toEqual(c.expected.matched);
    if (c.expected.missingContextKeys) expect(got.missingContextKeys).toEqual(c.expected.missingContextKeys);
  });
});

describe("the table", () => {
  const documents = POLICY_CASES.flatMap((c) => {
    const p = c.policies;
    return [...p.identity, ...(p.resource ? [p.resource] : []), ...(p.boundary ? [p.boundary] : []), ...(p.session ?? []), ...(p.scps ?? [])].map(
      (n) => n.document,
    );
  });
  const operators = new Set(
    documents.flatMap((d) => {
      const doc = JSON.parse(d) as { Statement: { Condition?: Record<string, unknown> } | { Condition?: Record<string, unknown> }[] };
      return [doc.Statement].flat().flatMap((s) => Object.keys(s.Condition ?? {}));
    }),
  );

  it("has at least 90 cases, each named once and sourced from AWS's documentation", () => {
    expect(POLICY_CASES.length).toBeGreaterThanOrEqual(90);
    expect(new Set(POLICY_CASES.map((c) => c.name)).size).toBe(POLICY_CASES.length);
    for (const c of POLICY_CASES) expect(c.source, c.name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/[\w-]+\/latest\/[\w-]+\/[\w-]+\.html(#[\w-]+)?$/);
  });

  it("uses every condition operator, an …IfExists form and both set qualifiers", () => {
    for (const op of BASE_OPERATORS.keys())
      expect(
        [...operators].some((o) => o.replace(/^For\w+Values?:/, "").replace(/IfExists$/, "") === op),
        op,
      ).toBe(true);
    expect([...operators].some((o) => o.endsWith("IfExists"))).toBe(true);
    expect([...operators].some((o) => o.startsWith("ForAnyValue:"))).toBe(true);
    expect([...operators].some((o) => o.startsWith("ForAllValues:"))).toBe(true);
  });

  it("uses NotAction, NotResource, NotPrincipal, policy variables and both policy language versions", () => {
    const all = documents.join("\n");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM policy variables, written literally.
    for (const element of ['"NotAction"', '"NotResource"', '"NotPrincipal"', "${aws:username}", "${*}", "${$}", ", 'company-wide'}", '"2008-10-17"'])
      expect(all, element).toContain(element);
  });

  it("reaches every decision, every principal type and every policy type that can deny", () => {
    const decisions = new Set(POLICY_CASES.map((c) => c.expected.decision));
    expect([...decisions].sort()).toEqual(["allowed", "explicitDeny", "implicitDeny"]);
    const types = new Set(POLICY_CASES.map((c) => c.request.principal.type));
    expect([...types].sort()).toEqual(["Anonymous", "AssumedRole", "FederatedUser", "IAMUser", "Root", "Service"]);
    const explicitKinds = new Set(POLICY_CASES.filter((c) => c.expected.decision === "explicitDeny").map((c) => c.expected.deniedBy));
    const implicitKinds = new Set(POLICY_CASES.filter((c) => c.expected.decision === "implicitDeny").map((c) => c.expected.deniedBy));
    for (const kind of ["identity", "resource", "boundary", "session", "scp"]) {
      expect(explicitKinds.has(kind as never), `explicit ${kind}`).toBe(true);
      expect(implicitKinds.has(kind as never), `implicit ${kind}`).toBe(true);
    }
    expect(POLICY_CASES.some((c) => c.request.resourceAccount && c.request.resourceAccount !== c.request.principal.accountId)).toBe(true);
  });
});
