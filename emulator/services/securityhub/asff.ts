/**
 * Findings in the AWS Security Finding Format: the control findings Security Hub makes from its evaluations, and
 * the GuardDuty findings GuardDuty sends it (ids, types, severities and fields as the GuardDuty integration maps them).
 */
import { createHash } from "node:crypto";
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import type { StoredFinding } from "../guardduty/findings.ts";
import type { Stored } from "../stored.ts";
import type { ControlDef } from "./controls.ts";
import type { ControlObservation, FindingUpdate } from "./state.ts";

export type Finding = Stored<AwsSecurityFinding> & { Id: string; UpdatedAt: string };

const CONTROL_TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards"];

/** Security Hub's normalized severity for each label, and back: the bands it files a 0–100 severity under. */
export const NORMALIZED_BY_LABEL: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

export function labelOfNormalized(normalized: number): string {
  if (normalized >= 90) return "CRITICAL";
  if (normalized >= 70) return "HIGH";
  if (normalized >= 40) return "MEDIUM";
  if (normalized >= 1) return "LOW";
  return "INFORMATIONAL";
}

/** An ASFF Resource (Type, Id, Partition, Region, Tags, Details). */
export type AsffResource = Record<string, unknown> & { Type: string; Id: string };

export function asffResource(region: string, type: string, id: string, details?: Record<string, unknown>, tags?: Record<string, string>): AsffResource {
  const r: AsffResource = { Type: type, Id: id, Partition: "aws", Region: region };
  if (tags) r.Tags = tags;
  if (details) r.Details = details;
  return r;
}

/** EC2-style tags ([{Key, Value}]) as ASFF's tag map; none when there are none. */
export const asffTags = (tags: { Key?: string; Value?: string }[] | undefined) =>
  tags?.length ? Object.fromEntries(tags.filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? ""])) : undefined;

/** A stable UUID from a name: the same control on the same resource is always the same finding. */
function uuidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function controlFindingId(region: string, accountId: string, controlId: string, resourceId: string): string {
  return `arn:aws:securityhub:${region}:${accountId}:security-control/${controlId}/finding/${uuidOf(`${accountId}|${region}|${controlId}|${resourceId}`)}`;
}

/** The workflow a finding shows before anyone sets one: passed control checks are RESOLVED, the rest NEW. */
export function defaultWorkflow(compliance: string | undefined): string {
  return compliance === "PASSED" ? "RESOLVED" : "NEW";
}

export function controlFinding(
  id: string,
  region: string,
  accountId: string,
  control: ControlDef,
  obs: ControlObservation,
  /** The StandardsIds of the enabled standards that contain the control. */
  standards: readonly string[],
  evaluatedAt: string,
): Finding {
  const resource = obs.resource as Record<string, unknown>;
  const passed = obs.status === "PASSED";
  const label = passed ? "INFORMATIONAL" : control.severity;
  const ruleHash = createHash("sha256").update(`${accountId}|${region}|${control.configRule}`).digest("hex").slice(0, 8);
  return {
    SchemaVersion: "2018-10-08",
    Id: id,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: "Security Hub",
    CompanyName: "AWS",
    Region: region,
    GeneratorId: `security-control/${control.id}`,
    AwsAccountId: accountId,
    Types: CONTROL_TYPES,
    FirstObservedAt: obs.createdAt,
    LastObservedAt: obs.archivedAt ?? evaluatedAt,
    CreatedAt: obs.createdAt,
    UpdatedAt: obs.updatedAt,
    Severity: { Label: label, Normalized: NORMALIZED_BY_LABEL[label], Original: control.severity },
    Title: control.title,
    Description: control.description,
    Remediation: {
      Recommendation: {
        Text: "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
        Url: `https://docs.aws.amazon.com/console/securityhub/${control.id}/remediation`,
      },
    },
    ProductFields: {
      "RelatedAWSResources:0/name": `securityhub-${control.configRule}-${ruleHash}`,
      "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
      "aws/securityhub/ProductName": "Security Hub",
      "aws/securityhub/CompanyName": "AWS",
      "Resources:0/Id": String(resource.Id),
      "aws/securityhub/FindingId": `arn:aws:securityhub:${region}::product/aws/securityhub/${id}`,
    },
    Resources: [resource as never],
    Compliance: {
      Status: obs.status,
      SecurityControlId: control.id,
      AssociatedStandards: standards.map((StandardsId) => ({ StandardsId })),
      ...(obs.reason && !passed ? { StatusReasons: [obs.reason] } : {}),
    },
    WorkflowState: "NEW",
    Workflow: { Status: defaultWorkflow(obs.status) },
    RecordState: obs.archivedAt ? "ARCHIVED" : "ACTIVE",
    FindingProviderFields: { Severity: { Label: label, Original: control.severity }, Types: CONTROL_TYPES },
    ProcessedAt: evaluatedAt,
  } as Finding;
}

/** The category Security Hub files a GuardDuty finding type under (the GuardDuty integration's table). */
function asffCategory(type: string): string {
  const [purpose, rest = ""] = type.split(":");
  const [resourceType, family = ""] = rest.split("/");
  switch (purpose) {
    case "Backdoor":
    case "CryptoCurrency":
      return "TTPs/Command and Control/";
    case "Behavior":
      return "Unusual Behaviors/VM/";
    case "Recon":
      return "TTPs/Discovery/";
    case "Discovery":
      return resourceType === "S3" ? "TTPs/" : "TTPs/Discovery/";
    case "Impact":
      return resourceType === "EC2" ? "TTPs/Impact/" : "TTPs/";
    case "Persistence":
      return "TTPs/Persistence/";
    case "PrivilegeEscalation":
      return "TTPs/Privilege Escalation/";
    case "ResourceConsumption":
      return "Unusual Behaviors/User/";
    case "Stealth":
      return "TTPs/Defense Evasion/";
    case "Policy":
      return family === "BucketBlockPublicAccessDisabled" ? "Effects/Data Exposure/" : "TTPs/";
    case "Trojan":
      if (family.startsWith("DropPoint")) return "Effects/Data Exfiltration/";
      if (family.startsWith("DriveBySourceTraffic")) return "TTPs/Initial Access/";
      return "TTPs/Command and Control/";
    case "UnauthorizedAccess":
      if (family.startsWith("InstanceCredentialExfiltration")) return "Effects/Data Exfiltration/";
      if (family === "SSHBruteForce" || family === "RDPBruteForce") return "TTPs/Initial Access/";
      if (family === "TorClient" || family === "TorRelay") return "Effects/Resource Consumption/";
      if (family === "ConsoleLogin") return "Unusual Behaviors/User/";
      if (family === "TorIPCaller" && resourceType === "IAMUser") return "TTPs/Command and Control/";
      if (family === "MaliciousIPCaller.Custom" && resourceType === "EC2") return "TTPs/Command and Control/";
      return "TTPs/";
    default:
      return "TTPs/";
  }
}

/** "CryptoCurrency:EC2/BitcoinTool.B!DNS" → "TTPs/Command and Control/CryptoCurrency:EC2-BitcoinTool.B!DNS". */
export function asffType(type: string): string {
  return `${asffCategory(type)}${type.replace("/", "-")}`;
}

function severityLabel(s: number): string {
  if (s >= 9) return "CRITICAL";
  if (s >= 7) return "HIGH";
  if (s >= 4) return "MEDIUM";
  return "LOW";
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj => (x && typeof x === "object" ? (x as Obj) : {});

function remoteIp(d: unknown): Obj | undefined {
  const r = obj(d);
  if (!Object.keys(r).length) return undefined;
  const org = obj(r.Organization);
  return {
    IpAddressV4: r.IpAddressV4,
    Organization: Object.keys(org).length
      ? { Asn: org.Asn === undefined ? undefined : Number(org.Asn), AsnOrg: org.AsnOrg, Isp: org.Isp, Org: org.Org }
      : undefined,
    Country: r.Country ? { CountryCode: obj(r.Country).CountryCode, CountryName: obj(r.Country).CountryName } : undefined,
    City: r.City ? { CityName: obj(r.City).CityName } : undefined,
    GeoLocation: r.GeoLocation ? { Lat: obj(r.GeoLocation).Lat, Lon: obj(r.GeoLocation).Lon } : undefined,
  };
}

const port = (p: unknown) => (p ? { Port: obj(p).Port, PortName: obj(p).PortName } : undefined);

/** GuardDuty's Service.Action in ASFF's Action shape. */
function action(a: Obj): Obj | undefined {
  const type = a.ActionType as string | undefined;
  if (!type) return undefined;
  const out: Obj = { ActionType: type };
  if (a.AwsApiCallAction) {
    const c = obj(a.AwsApiCallAction);
    out.AwsApiCallAction = { Api: c.Api, ServiceName: c.ServiceName, CallerType: c.CallerType, RemoteIpDetails: remoteIp(c.RemoteIpDetails) };
  }
  if (a.DnsRequestAction) {
    const d = obj(a.DnsRequestAction);
    out.DnsRequestAction = { Domain: d.Domain, Protocol: d.Protocol, Blocked: d.Blocked };
  }
  if (a.NetworkConnectionAction) {
    const n = obj(a.NetworkConnectionAction);
    out.NetworkConnectionAction = {
      ConnectionDirection: n.ConnectionDirection,
      RemoteIpDetails: remoteIp(n.RemoteIpDetails),
      RemotePortDetails: port(n.RemotePortDetails),
      LocalPortDetails: port(n.LocalPortDetails),
      Protocol: n.Protocol,
      Blocked: n.Blocked,
    };
  }
  if (a.PortProbeAction) {
    const p = obj(a.PortProbeAction);
    out.PortProbeAction = {
      Blocked: p.Blocked,
      PortProbeDetails: ((p.PortProbeDetails as Obj[] | undefined) ?? []).map((d) => ({
        LocalPortDetails: port(d.LocalPortDetails),
        LocalIpDetails: d.LocalIpDetails ? { IpAddressV4: obj(d.LocalIpDetails).IpAddressV4 } : undefined,
        RemoteIpDetails: remoteIp(d.RemoteIpDetails),
      })),
    };
  }
  return out;
}

/** The Network section Security Hub derives from a connection or a probe. */
function network(a: Obj, localIp: string | undefined): Obj | undefined {
  const n = a.NetworkConnectionAction ? obj(a.NetworkConnectionAction) : undefined;
  if (!n) return undefined;
  const remote = obj(n.RemoteIpDetails).IpAddressV4 as string | undefined;
  const inbound = n.ConnectionDirection === "INBOUND";
  return {
    Direction: inbound ? "IN" : "OUT",
    Protocol: n.Protocol,
    SourceIpV4: inbound ? remote : localIp,
    SourcePort: inbound ? obj(n.RemotePortDetails).Port : obj(n.LocalPortDetails).Port,
    DestinationIpV4: inbound ? localIp : remote,
    DestinationPort: inbound ? obj(n.LocalPortDetails).Port : obj(n.RemotePortDetails).Port,
  };
}

/** The resources of a GuardDuty finding as ASFF resources. */
function gdResources(f: StoredFinding, region: string, accountId: string): AsffResource[] {
  const r = obj(f.Resource);
  const out: AsffResource[] = [];
  if (r.InstanceDetails) {
    const i = obj(r.InstanceDetails);
    const enis = (i.NetworkInterfaces as Obj[] | undefined) ?? [];
    const ips = enis.flatMap((n) => [n.PublicIp, n.PrivateIpAddress]).filter((x): x is string => typeof x === "string");
    const details = {
      AwsEc2Instance: {
        Type: i.InstanceType,
        ImageId: i.ImageId,
        IpV4Addresses: ips,
        IamInstanceProfileArn: obj(i.IamInstanceProfile).Arn,
        VpcId: enis[0]?.VpcId,
        SubnetId: enis[0]?.SubnetId,
        LaunchedAt: i.LaunchTime,
      },
    };
    out.push(asffResource(region, "AwsEc2Instance", `arn:aws:ec2:${region}:${accountId}:instance/${i.InstanceId}`, details, asffTags(i.Tags as never)));
  }
  if (r.AccessKeyDetails) {
    const k = obj(r.AccessKeyDetails);
    out.push(
      asffResource(region, "AwsIamAccessKey", `AWS::IAM::AccessKey:${k.AccessKeyId}`, {
        AwsIamAccessKey: { AccessKeyId: k.AccessKeyId, PrincipalId: k.PrincipalId, PrincipalName: k.UserName, PrincipalType: k.UserType, AccountId: accountId },
      }),
    );
  }
  for (const b of (r.S3BucketDetails as Obj[] | undefined) ?? []) {
    out.push(asffResource(region, "AwsS3Bucket", String(b.Arn ?? `arn:aws:s3:::${b.Name}`), { AwsS3Bucket: { Name: b.Name, CreatedAt: b.CreatedAt } }));
  }
  if (!out.length) out.push(asffResource(region, "Other", `arn:aws:guardduty:${region}:${accountId}:detector/${obj(f.Service).DetectorId}`));
  return out;
}

function isSample(f: StoredFinding): boolean {
  try {
    return JSON.parse(String(obj(obj(f.Service).AdditionalInfo).Value ?? "{}")).sample === true;
  } catch {
    return false;
  }
}

/** A GuardDuty finding as GuardDuty sends it to Security Hub. */
export function guardDutyFinding(f: StoredFinding, region: string, accountId: string): Finding {
  const service = obj(f.Service);
  const detector = service.DetectorId as string;
  const gdId = `arn:aws:guardduty:${region}:${accountId}:detector/${detector}/finding/${f.Id}`;
  const severity = Number(f.Severity ?? 0);
  const label = severityLabel(severity);
  const types = [asffType(String(f.Type))];
  const a = obj(service.Action);
  const resources = gdResources(f, region, accountId);
  const localIp = ((obj(obj(f.Resource).InstanceDetails).NetworkInterfaces as Obj[] | undefined) ?? [])[0]?.PrivateIpAddress as string | undefined;
  const productFields: Record<string, string> = {
    "aws/guardduty/service/archived": String(!!service.Archived),
    "aws/guardduty/service/count": String(service.Count ?? 1),
    "aws/guardduty/service/detectorId": detector,
    "aws/guardduty/service/eventFirstSeen": String(service.EventFirstSeen ?? f.CreatedAt),
    "aws/guardduty/service/eventLastSeen": String(service.EventLastSeen ?? f.UpdatedAt),
    "aws/guardduty/service/resourceRole": String(service.ResourceRole ?? "TARGET"),
    "aws/guardduty/service/serviceName": "guardduty",
    "aws/securityhub/FindingId": `arn:aws:securityhub:${region}::product/aws/guardduty/${gdId}`,
    "aws/securityhub/ProductName": "GuardDuty",
    "aws/securityhub/CompanyName": "Amazon",
  };
  if (a.ActionType) productFields["aws/guardduty/service/action/actionType"] = String(a.ActionType);
  const finding: Obj = {
    SchemaVersion: "2018-10-08",
    Id: gdId,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/guardduty`,
    ProductName: "GuardDuty",
    CompanyName: "Amazon",
    Region: region,
    GeneratorId: `arn:aws:guardduty:${region}:${accountId}:detector/${detector}`,
    AwsAccountId: accountId,
    Types: types,
    FirstObservedAt: service.EventFirstSeen ?? f.CreatedAt,
    LastObservedAt: service.EventLastSeen ?? f.UpdatedAt,
    CreatedAt: f.CreatedAt,
    UpdatedAt: f.UpdatedAt,
    Severity: { Product: severity, Label: label, Normalized: Math.round(severity * 10) },
    Title: f.Title,
    Description: f.Description,
    SourceUrl: `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${f.Id}`,
    ProductFields: productFields,
    Resources: resources,
    WorkflowState: "NEW",
    Workflow: { Status: "NEW" },
    RecordState: "ACTIVE",
    FindingProviderFields: { Severity: { Label: label, Original: String(severity) }, Types: types },
    Sample: isSample(f),
  };
  const act = action(a);
  if (act) finding.Action = act;
  const net = network(a, localIp);
  if (net) finding.Network = net;
  return finding as Finding;
}

/** A finding with what responders set on it (BatchUpdateFindings), over the provider's own fields. */
/** The deprecated WorkflowState that goes with a workflow status. */
const WORKFLOW_STATE: Record<string, string> = { NEW: "NEW", NOTIFIED: "ASSIGNED", RESOLVED: "RESOLVED", SUPPRESSED: "DEFERRED" };

/** A finding with what responders set on it (BatchUpdateFindings), over the provider's own fields. */
export function withUpdate(f: Finding, u: FindingUpdate | undefined): Finding {
  if (!u) return f;
  const out: Obj = { ...f };
  if (u.Workflow) {
    out.Workflow = { Status: u.Workflow.Status };
    out.WorkflowState = WORKFLOW_STATE[u.Workflow.Status] ?? "NEW";
  }
  if (u.Note) out.Note = u.Note;
  if (u.Severity) out.Severity = { ...obj(f.Severity), Label: u.Severity.Label, Normalized: u.Severity.Normalized };
  if (u.VerificationState) out.VerificationState = u.VerificationState;
  if (u.Confidence !== undefined) out.Confidence = u.Confidence;
  if (u.Criticality !== undefined) out.Criticality = u.Criticality;
  if (u.Types) out.Types = u.Types;
  if (u.UserDefinedFields) out.UserDefinedFields = u.UserDefinedFields;
  if (u.RelatedFindings) out.RelatedFindings = u.RelatedFindings;
  return out as Finding;
}
