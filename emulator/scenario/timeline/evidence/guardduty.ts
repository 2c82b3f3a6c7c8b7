/**
 * GuardDuty findings from the timeline's detection rules, over the same CloudTrail records, traffic and DNS queries
 * the other evidence is made of. Each rule's evidence is grouped as GuardDuty aggregates repeats — one finding per
 * type, resource (an access key or an instance) and region, with a count and first/last seen — and becomes a finding
 * in GuardDuty's own schema in the detector of its region. Only evidence after the detector was created counts.
 */
import { createHash } from "node:crypto";
import type { Action, Finding, RemoteIpDetails, Resource } from "@aws-sdk/client-guardduty";
import type { CloudTrailRecord } from "../../../core/records.ts";
import { GLOBAL_SOURCES } from "../../../services/cloudtrail/delivery.ts";
import type { StoredInstance } from "../../../services/ec2/state.ts";
import type { GuardDutyState, StoredDetector } from "../../../services/guardduty/state.ts";
import type { Stored } from "../../../services/stored.ts";
import type { BuildOutput } from "../model.ts";
import type { Detection } from "../schema.ts";
import { accountOf, addressMatches, EvidenceError, fieldOf, isIp, isoMs, MIN, params, str, succeeded, timeOfRecord } from "./common.ts";
import { ec2Of, type LocalEnd, type Traffic, trafficOf } from "./network.ts";

type F = Stored<Finding>;
type IpInfo = NonNullable<BuildOutput["timeline"]["ipInfo"]>[string];

/** One piece of evidence for a rule: when, where, on what, and what happened. */
interface Evidence {
  at: number;
  last: number;
  region: string;
  resourceKey: string;
  resource: () => Stored<Resource>;
  action: () => Stored<Action>;
  count: number;
  role: "TARGET" | "ACTOR";
  words: Words;
}

/** What a finding's title and description speak of. */
interface Words {
  api?: string;
  ip?: string;
  userType?: string;
  userName?: string;
  instanceId?: string;
  trail?: string;
  domain?: string;
  port?: number;
}

const PORT_NAMES: Record<number, string> = {
  21: "FTP",
  22: "SSH",
  23: "Telnet",
  25: "SMTP",
  53: "DNS",
  80: "HTTP",
  110: "POP3",
  143: "IMAP",
  443: "HTTPS",
  445: "SMB",
  1433: "MSSQL",
  3306: "MYSQL",
  3389: "RDP",
  5432: "POSTGRESQL",
  6379: "REDIS",
  8080: "HTTP",
};

const portDetails = (port: number) => ({ Port: port, PortName: PORT_NAMES[port] ?? "Unknown" });

const TACTICS: Record<string, string> = {
  CredentialAccess: "Credential Access",
  DefenseEvasion: "Defense Evasion",
  Discovery: "Discovery",
  Exfiltration: "Exfiltration",
  Impact: "Impact",
  InitialAccess: "Initial Access",
  Persistence: "Persistence",
  PrivilegeEscalation: "Privilege Escalation",
  Stealth: "Stealth",
};

/** GuardDuty's own wording of the types a scenario is likely to raise; others get a plain sentence. */
function wording(type: string, w: Words): { title: string; description: string } {
  const who = `${w.userType ?? "IAMUser"} : ${w.userName ?? "unknown"}`;
  const anomalous = /^(\w+):IAMUser\/AnomalousBehavior$/.exec(type);
  if (anomalous) {
    const tactic = TACTICS[anomalous[1]] ?? anomalous[1];
    return {
      title: `The user ${who} is anomalously invoking APIs commonly used in ${tactic} tactics.`,
      description: `APIs commonly used in ${tactic} tactics were invoked by user ${who} under unusual circumstances. Such activity is not typically seen from this user.`,
    };
  }
  switch (type) {
    case "Stealth:IAMUser/CloudTrailLoggingDisabled":
      return {
        title: `AWS CloudTrail trail ${w.trail ?? "unknown"} was disabled.`,
        description: `AWS CloudTrail trail ${w.trail ?? "unknown"} was disabled by ${who} calling ${w.api ?? "StopLogging"} under unusual circumstances. This can be attackers attempt to cover their tracks by eliminating any trace of activity performed while they accessed your account.`,
      };
    case "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom":
      return {
        title: `API ${w.api} was invoked from an IP address on a custom threat list.`,
        description: `API ${w.api} was invoked from IP address ${w.ip} on the custom threat list. Unauthorized actors perform such activity after they have gained access to credentials of the user ${who}.`,
      };
    case "UnauthorizedAccess:IAMUser/MaliciousIPCaller":
      return {
        title: `API ${w.api} was invoked from a known malicious IP address.`,
        description: `API ${w.api} was invoked from IP address ${w.ip} which is on a threat list. Unauthorized actors perform such activity after they have gained access to credentials of the user ${who}.`,
      };
    case "UnauthorizedAccess:IAMUser/TorIPCaller":
      return {
        title: `API ${w.api} was invoked from a Tor exit node IP address.`,
        description: `API ${w.api} was invoked from a Tor exit node IP address ${w.ip} by ${who}.`,
      };
    case "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS":
      return {
        title: `Credentials for instance role ${w.userName} used from external IP address.`,
        description: `Credentials created exclusively for an EC2 instance using instance role ${w.userName} have been used from external IP address ${w.ip}.`,
      };
    case "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B":
      return {
        title: `Unusual console login was seen for principal ${w.userName}.`,
        description: `Principal ${w.userName} from IP address ${w.ip} logged in to the AWS Management Console under unusual circumstances.`,
      };
    case "Policy:IAMUser/RootCredentialUsage":
      return {
        title: `API ${w.api} was invoked using root credentials.`,
        description: `API ${w.api} was invoked using root credentials from IP address ${w.ip}.`,
      };
    case "Recon:IAMUser/MaliciousIPCaller.Custom":
      return {
        title: `Reconnaissance API ${w.api} was invoked from an IP address on a custom threat list.`,
        description: `API ${w.api}, commonly used in reconnaissance attacks, was invoked from IP address ${w.ip} on the custom threat list by ${who}.`,
      };
    case "Recon:EC2/PortProbeUnprotectedPort":
      return {
        title: `Unprotected port on EC2 instance ${w.instanceId} is being probed.`,
        description: `EC2 instance has an unprotected port which is being probed by a known malicious host.`,
      };
    case "UnauthorizedAccess:EC2/SSHBruteForce":
      return {
        title: `${w.ip} is performing SSH brute force attacks against ${w.instanceId}.`,
        description: `${w.ip} is performing SSH brute force attacks against ${w.instanceId}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.`,
      };
    case "UnauthorizedAccess:EC2/RDPBruteForce":
      return {
        title: `${w.ip} is performing RDP brute force attacks against ${w.instanceId}.`,
        description: `${w.ip} is performing RDP brute force attacks against ${w.instanceId}. Brute force attacks are used to gain unauthorized access to your instance by guessing the RDP password.`,
      };
    case "CryptoCurrency:EC2/BitcoinTool.B!DNS":
      return {
        title: `Bitcoin-related domain name queried by EC2 instance ${w.instanceId}.`,
        description: `EC2 instance ${w.instanceId} is querying a domain name that is associated with Bitcoin-related activity.`,
      };
    case "CryptoCurrency:EC2/BitcoinTool.B":
      return {
        title: `Bitcoin-related IP address contacted by EC2 instance ${w.instanceId}.`,
        description: `EC2 instance ${w.instanceId} is communicating with IP address ${w.ip} that is associated with Bitcoin-related activity.`,
      };
    case "Backdoor:EC2/C&CActivity.B!DNS":
      return {
        title: `Command and Control server domain name queried by EC2 instance ${w.instanceId}.`,
        description: `EC2 instance ${w.instanceId} is querying a domain name associated with a known Command & Control server.`,
      };
    case "Backdoor:EC2/C&CActivity.B":
      return {
        title: `Command and Control server IP address contacted by EC2 instance ${w.instanceId}.`,
        description: `EC2 instance ${w.instanceId} is communicating with IP address ${w.ip} associated with a known Command & Control server.`,
      };
    case "Impact:EC2/BitcoinDomainRequest.Reputation":
      return {
        title: `EC2 instance ${w.instanceId} queried a domain name associated with cryptocurrency.`,
        description: `EC2 instance ${w.instanceId} is querying ${w.domain}, a domain name associated with cryptocurrency-related activity.`,
      };
  }
  const subject = w.instanceId ? `EC2 instance ${w.instanceId}` : `${who}`;
  const detail = w.api ? ` (API ${w.api}${w.ip ? ` from ${w.ip}` : ""})` : w.domain ? ` (query of ${w.domain})` : w.ip ? ` (traffic with ${w.ip})` : "";
  return { title: `${type} activity seen for ${subject}.`, description: `GuardDuty observed activity of type ${type} involving ${subject}${detail}.` };
}

/** RemoteIpDetails from the timeline's ipInfo; scanners and addresses it does not describe say little. */
function remoteIp(out: BuildOutput, info: Map<string, IpInfo>, ip: string): Stored<RemoteIpDetails> {
  const i = info.get(ip);
  if (i) {
    return {
      City: { CityName: i.city ?? "" },
      Country: { CountryCode: i.countryCode, CountryName: i.country },
      ...(i.lat !== undefined && i.lon !== undefined ? { GeoLocation: { Lat: i.lat, Lon: i.lon } } : {}),
      IpAddressV4: ip,
      Organization: { Asn: i.asn ?? "0", AsnOrg: i.org.toUpperCase().replace(/[^A-Z0-9]+/g, "-"), Isp: i.org, Org: i.org },
    };
  }
  const scanner = ip.startsWith("192.0.2.") && !Object.values(out.timeline.ips ?? {}).includes(ip);
  return {
    City: { CityName: "" },
    Country: { CountryName: "Unknown" },
    GeoLocation: { Lat: 0, Lon: 0 },
    IpAddressV4: ip,
    // 64496–64511 is the documentation ASN range (RFC 5398).
    Organization: scanner
      ? { Asn: "64501", AsnOrg: "EXAMPLE-SCANNER-NET", Isp: "Example Scanner Network", Org: "Example Scanner Network" }
      : { Asn: "64496", AsnOrg: "UNKNOWN", Isp: "Unknown", Org: "Unknown" },
  };
}

/** InstanceDetails as GuardDuty reports them, from the instance as the run left it. */
function instanceResource(out: BuildOutput, account: string, region: string, instanceId: string): Stored<Resource> {
  const ec2 = ec2Of(out, account, region);
  const i = ec2?.instances[instanceId] as StoredInstance | undefined;
  if (!i) return { ResourceType: "Instance", InstanceDetails: { InstanceId: instanceId } };
  const image = i.ImageId ? ec2?.images[i.ImageId] : undefined;
  return {
    ResourceType: "Instance",
    InstanceDetails: {
      AvailabilityZone: i.Placement?.AvailabilityZone,
      ...(i.IamInstanceProfile ? { IamInstanceProfile: { Arn: i.IamInstanceProfile.Arn, Id: i.IamInstanceProfile.Id } } : {}),
      ...(image?.Description ? { ImageDescription: image.Description } : {}),
      ImageId: i.ImageId,
      InstanceId: instanceId,
      InstanceState: i.State?.Name,
      InstanceType: i.InstanceType,
      LaunchTime: i.LaunchTime,
      NetworkInterfaces: (i.NetworkInterfaces ?? []).map((n) => ({
        Ipv6Addresses: (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address as string),
        NetworkInterfaceId: n.NetworkInterfaceId,
        PrivateDnsName: n.PrivateDnsName,
        PrivateIpAddress: n.PrivateIpAddress,
        PrivateIpAddresses: (n.PrivateIpAddresses ?? []).map((a) => ({ PrivateDnsName: a.PrivateDnsName, PrivateIpAddress: a.PrivateIpAddress })),
        ...(n.Association?.PublicIp ? { PublicDnsName: n.Association.PublicDnsName, PublicIp: n.Association.PublicIp } : {}),
        SecurityGroups: (n.Groups ?? []).map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
        SubnetId: n.SubnetId,
        VpcId: n.VpcId,
      })),
      ...(i.Platform ? { Platform: i.Platform } : {}),
      ProductCodes: [],
      Tags: (i.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
    },
  };
}

/** The access key a record was signed with, as AccessKeyDetails. */
function accessKeyOf(r: CloudTrailRecord): { key: string; details: Stored<Resource>; userType: string; userName: string } {
  const ui = (r.userIdentity ?? {}) as Record<string, unknown>;
  const type = str(ui.type) ?? "Unknown";
  const issuer = str(fieldOf(ui, "sessionContext.sessionIssuer.userName"));
  const userName = type === "Root" ? "Root" : type === "AssumedRole" ? (issuer ?? str(ui.principalId) ?? "") : (str(ui.userName) ?? str(ui.principalId) ?? "");
  const keyId = str(ui.accessKeyId) ?? "";
  return {
    key: keyId || str(ui.principalId) || userName,
    userType: type,
    userName,
    details: {
      ResourceType: "AccessKey",
      AccessKeyDetails: { AccessKeyId: keyId || "GeneratedFindingAccessKeyId", PrincipalId: str(ui.principalId), UserName: userName, UserType: type },
    },
  };
}

/** A bucket as GuardDuty's S3 findings describe it (ResourceType S3Bucket), with the key that acted on it. */
function s3BucketResource(out: BuildOutput, account: string, bucket: string, key: Stored<Resource>): Stored<Resource> {
  const b = (out.accounts[account]?.global.s3 as { buckets?: Record<string, { creationDate?: string; tags?: { Key: string; Value: string }[] }> } | undefined)
    ?.buckets?.[bucket];
  return {
    ResourceType: "S3Bucket",
    AccessKeyDetails: key.AccessKeyDetails,
    S3BucketDetails: [
      {
        Arn: `arn:aws:s3:::${bucket}`,
        Name: bucket,
        Type: "Destination",
        ...(b?.creationDate ? { CreatedAt: b.creationDate } : {}),
        Owner: { Id: createHash("sha256").update(account).digest("hex") },
        DefaultServerSideEncryption: { EncryptionType: "SSEAlgorithm", KmsMasterKeyArn: "AES256" },
        Tags: (b?.tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
      },
    ],
  };
}

/** The resources a call acted on, as GuardDuty lists them (AffectedResources). */
function affected(r: CloudTrailRecord, account: string): Record<string, string> {
  const p = params(r);
  const region = str(r.awsRegion) ?? "";
  const out: Record<string, string> = {};
  const name = str(p.name) ?? str(p.trailName);
  if (r.eventSource === "cloudtrail.amazonaws.com" && name) {
    out["AWS::CloudTrail::Trail"] = name.startsWith("arn:") ? name : `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
  }
  if (str(p.bucketName)) out["AWS::S3::Bucket"] = p.bucketName as string;
  if (r.eventSource === "iam.amazonaws.com" && str(p.userName)) out["AWS::IAM::User"] = p.userName as string;
  if (r.eventSource === "iam.amazonaws.com" && str(p.roleName)) out["AWS::IAM::Role"] = p.roleName as string;
  if (str(p.instanceId)) out["AWS::EC2::Instance"] = p.instanceId as string;
  if (str(p.groupId)) out["AWS::EC2::SecurityGroup"] = p.groupId as string;
  if (r.eventSource === "guardduty.amazonaws.com" && str(p.detectorId)) out["AWS::GuardDuty::Detector"] = p.detectorId as string;
  return out;
}

function trailName(r: CloudTrailRecord): string | undefined {
  const n = str(params(r).name) ?? str(params(r).trailName);
  return n?.startsWith("arn:") ? n.split("/").pop() : n;
}

function valueMatches(actual: unknown, expected: string | boolean | string[], out: BuildOutput): boolean {
  if (typeof expected === "boolean") return actual === expected || String(actual) === String(expected);
  if (actual === undefined || actual === null) return false;
  const want = (Array.isArray(expected) ? expected : [expected]).map((e) => out.interpolate(e));
  return want.some((w) => String(actual) === w);
}

function principalOf(r: CloudTrailRecord, by: "principal" | "accessKey"): string {
  const ui = (r.userIdentity ?? {}) as Record<string, unknown>;
  if (by === "accessKey") return str(ui.accessKeyId) ?? str(ui.principalId) ?? "";
  return str(fieldOf(ui, "sessionContext.sessionIssuer.arn")) ?? str(ui.arn) ?? str(ui.principalId) ?? "";
}

function detectorOf(out: BuildOutput, account: string, region: string): StoredDetector | undefined {
  const gd = out.accounts[account]?.regions[region]?.guardduty as GuardDutyState | undefined;
  return Object.values(gd?.detectors ?? {}).sort((a, b) => (a.DetectorId < b.DetectorId ? -1 : 1))[0];
}

function regionsWithDetector(out: BuildOutput, account: string): string[] {
  return Object.keys(out.accounts[account]?.regions ?? {})
    .filter((r) => detectorOf(out, account, r))
    .sort();
}

/** The rule's evidence in CloudTrail records. */
function callEvidence(out: BuildOutput, rule: Detection, where: string, ipInfo: Map<string, IpInfo>): Evidence[] {
  const fallback = out.manifest.accountId;
  const outcome = rule.outcome ?? "any";
  const firsts = new Set<string>();
  const found: Evidence[] = [];
  for (const r of out.records) {
    if (!Object.entries(rule.calls ?? {}).every(([field, v]) => valueMatches(fieldOf(r, field), v, out))) continue;
    const ok = succeeded(r);
    if ((outcome === "success" && !ok) || (outcome === "failure" && ok)) continue;
    if (rule.firstTimeFor) {
      // A principal's first call of each kind the rule matches.
      const who = `${principalOf(r, rule.firstTimeFor)}|${r.eventSource}|${r.eventName}`;
      if (firsts.has(who)) continue;
      firsts.add(who);
    }
    const account = accountOf(r, fallback);
    const recRegion = str(r.awsRegion) ?? "";
    const global = GLOBAL_SOURCES.has(r.eventSource);
    // GuardDuty copies global services' events to every region it is enabled in.
    let regions = global ? regionsWithDetector(out, account) : [recRegion];
    if (rule.region) regions = regions.includes(rule.region) || global ? [rule.region] : [];
    if (global && !regions.length)
      throw new EvidenceError(where, `${r.eventName} at ${r.eventTime} matches, but no region has a GuardDuty detector (CreateDetector)`);
    const key = accessKeyOf(r);
    const ip = str(r.sourceIPAddress) ?? "";
    // S3 findings are about the bucket, with the key that touched it beside (GuardDuty's S3 protection).
    const bucket = /:S3\//.test(rule.type) ? str(params(r).bucketName) : undefined;
    const resource = bucket ? () => s3BucketResource(out, account, bucket, key.details) : () => key.details;
    for (const region of regions) {
      const at = timeOfRecord(r);
      found.push({
        at,
        last: at,
        region,
        resourceKey: bucket ? `S3Bucket|${key.key}|${bucket}` : `AccessKey|${key.key}`,
        resource,
        role: "TARGET",
        count: 1,
        words: { api: r.eventName, ip, userType: key.userType, userName: key.userName, trail: trailName(r) },
        action: () => ({
          ActionType: "AWS_API_CALL",
          AwsApiCallAction: {
            Api: r.eventName,
            CallerType: isIp(ip) ? "Remote IP" : "AWS Service",
            ...(ok ? {} : { ErrorCode: String(r.errorCode) }),
            ...(isIp(ip) ? { RemoteIpDetails: remoteIp(out, ipInfo, ip) } : { DomainDetails: { Domain: ip } }),
            ServiceName: r.eventSource,
            ...(str(r.userAgent) ? { UserAgent: r.userAgent as string } : {}),
            AffectedResources: affected(r, account),
          },
        }),
      });
    }
  }
  return found;
}

function endMatches(pattern: string | undefined, addr: string, local: LocalEnd | undefined, out: BuildOutput): boolean {
  if (!pattern) return true;
  const p = out.interpolate(pattern);
  return addressMatches(addr, p) || (!!local && (addressMatches(local.privateIp, p) || (!!local.publicIp && addressMatches(local.publicIp, p))));
}

/** The rule's evidence in the traffic that reached (or left) an instance. */
function flowEvidence(out: BuildOutput, rule: Detection, ipInfo: Map<string, IpInfo>): Evidence[] {
  const f = rule.flows ?? {};
  const account = out.manifest.accountId;
  const probe = /PortProbe/.test(rule.type);
  const found: Evidence[] = [];
  for (const t of trafficOf(out)) {
    if (t.action !== "ACCEPT") continue;
    const inbound = f.direction ? f.direction === "inbound" : !!t.dstEnd;
    const local = inbound ? t.dstEnd : t.srcEnd;
    if (!local) continue;
    // Inbound means from outside the account.
    if (inbound && t.srcEnd) continue;
    if (f.dstPort !== undefined && t.dstPort !== f.dstPort) continue;
    if (!endMatches(f.src, t.src, inbound ? undefined : t.srcEnd, out) || !endMatches(f.dst, t.dst, inbound ? t.dstEnd : undefined, out)) continue;
    if (rule.region && t.region !== rule.region) continue;
    const remote = inbound ? t.src : t.dst;
    const details = (x: Traffic): Stored<Action> =>
      probe
        ? {
            ActionType: "PORT_PROBE",
            PortProbeAction: {
              Blocked: false,
              PortProbeDetails: [
                { LocalPortDetails: portDetails(x.dstPort), LocalIpDetails: { IpAddressV4: local.privateIp }, RemoteIpDetails: remoteIp(out, ipInfo, remote) },
              ],
            },
          }
        : {
            ActionType: "NETWORK_CONNECTION",
            NetworkConnectionAction: {
              Blocked: false,
              ConnectionDirection: inbound ? "INBOUND" : "OUTBOUND",
              LocalPortDetails: portDetails(inbound ? x.dstPort : (x.srcPorts.at(-1) ?? 0)),
              LocalIpDetails: { IpAddressV4: local.privateIp },
              Protocol: x.protocol.toUpperCase(),
              RemoteIpDetails: remoteIp(out, ipInfo, remote),
              RemotePortDetails: portDetails(inbound ? (x.srcPorts.at(-1) ?? 0) : x.dstPort),
            },
          };
    found.push({
      at: t.start,
      last: t.end,
      region: t.region,
      resourceKey: `Instance|${local.instanceId}`,
      resource: () => instanceResource(out, account, t.region, local.instanceId),
      role: inbound ? "TARGET" : "ACTOR",
      count: t.srcPorts.length,
      words: { instanceId: local.instanceId, ip: remote, port: t.dstPort },
      action: () => details(t),
    });
  }
  return found;
}

/** The rule's evidence in instances' DNS queries. */
function dnsEvidence(out: BuildOutput, rule: Detection): Evidence[] {
  const account = out.manifest.accountId;
  const suffixes = (rule.dns ?? []).map((s) =>
    out
      .interpolate(s)
      .toLowerCase()
      .replace(/^\.+|\.+$/g, ""),
  );
  const found: Evidence[] = [];
  for (const d of out.dns) {
    const q = d.query.toLowerCase().replace(/\.+$/, "");
    if (!suffixes.some((s) => q === s || q.endsWith(`.${s}`))) continue;
    if (rule.region && d.region !== rule.region) continue;
    found.push({
      at: d.start,
      last: d.end,
      region: d.region,
      resourceKey: `Instance|${d.instanceId}`,
      resource: () => instanceResource(out, account, d.region, d.instanceId),
      role: "ACTOR",
      count: d.count,
      words: { instanceId: d.instanceId, domain: q },
      action: () => ({
        ActionType: "DNS_REQUEST",
        DnsRequestAction: { Domain: q, Protocol: "UDP", Blocked: false, DomainWithSuffix: q.split(".").slice(-2).join(".") },
      }),
    });
  }
  return found;
}

export interface GuardDutySummary {
  findings: number;
}

/** Derives every rule's findings into the detectors of out.accounts (see the module's comment). */
export function deriveGuardDutyFindings(out: BuildOutput): GuardDutySummary {
  const rng = out.rng("evidence/guardduty");
  const account = out.manifest.accountId;
  const ipInfo = new Map<string, IpInfo>();
  for (const [k, v] of Object.entries(out.timeline.ipInfo ?? {})) {
    let ip = k;
    try {
      ip = out.interpolate(k);
    } catch {
      ip = k;
    }
    ipInfo.set(ip, v);
  }
  let made = 0;
  (out.timeline.detections ?? []).forEach((rule, index) => {
    const where = `detections[${index}]`;
    if (!rule.calls && !rule.flows && !rule.dns) throw new EvidenceError(where, `${rule.type} has no calls, flows or dns to match`);
    const evidence = [
      ...(rule.calls ? callEvidence(out, rule, where, ipInfo) : []),
      ...(rule.flows ? flowEvidence(out, rule, ipInfo) : []),
      ...(rule.dns ? dnsEvidence(out, rule) : []),
    ];
    const groups = new Map<string, Evidence[]>();
    for (const e of evidence) {
      const detector = detectorOf(out, account, e.region);
      if (!detector) {
        throw new EvidenceError(
          where,
          `${rule.type}: evidence at ${isoMs(e.at)} in ${e.region}, where no GuardDuty detector was created (add a CreateDetector call there, or limit the rule with region:)`,
        );
      }
      if (e.at < Date.parse(detector.CreatedAt ?? "")) continue;
      const k = `${e.region}|${e.resourceKey}`;
      const list = groups.get(k) ?? [];
      list.push(e);
      groups.set(k, list);
    }
    for (const list of groups.values()) {
      const count = list.reduce((n, e) => n + e.count, 0);
      if (rule.flows?.minConnections !== undefined && count < rule.flows.minConnections) continue;
      const first = Math.min(...list.map((e) => e.at));
      const last = Math.max(...list.map((e) => e.last));
      const latest = list.reduce((a, b) => (b.at >= a.at ? b : a));
      const region = latest.region;
      const detector = detectorOf(out, account, region) as StoredDetector;
      const gd = out.accounts[account].regions[region].guardduty as GuardDutyState;
      const id = rng.hex(32);
      const created = first + rng.int(5 * MIN, 10 * MIN);
      const updated = Math.max(created, last + rng.int(5 * MIN, 12 * MIN));
      const words = wording(rule.type, latest.words);
      const finding: F = {
        AccountId: account,
        Arn: `arn:aws:guardduty:${region}:${account}:detector/${detector.DetectorId}/finding/${id}`,
        CreatedAt: isoMs(created),
        Description: rule.description ? out.interpolate(rule.description) : words.description,
        Id: id,
        Partition: "aws",
        Region: region,
        Resource: latest.resource(),
        SchemaVersion: "2.0",
        Service: {
          Action: latest.action(),
          Archived: false,
          Count: count,
          DetectorId: detector.DetectorId,
          EventFirstSeen: isoMs(first),
          EventLastSeen: isoMs(last),
          ResourceRole: latest.role,
          ServiceName: "guardduty",
          AdditionalInfo: { Value: "{}", Type: "default" },
        },
        Severity: rule.severity,
        Title: rule.title ? out.interpolate(rule.title) : words.title,
        Type: rule.type,
        UpdatedAt: isoMs(updated),
      };
      gd.findings[id] = finding;
      made++;
    }
  });
  return { findings: made };
}
