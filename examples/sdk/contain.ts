/**
 * The Secutter containment as a responder would script it with SDK v3: find the stolen key in GuardDuty,
 * follow it through CloudTrail in every region, preserve, then contain. Runs unmodified against AWS or the range.
 *
 *   npm start            # in another shell, then:
 *   node bin/run-ts.js examples/sdk/contain.ts
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CloudTrailClient, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import {
  CreateSnapshotCommand,
  DeleteKeyPairCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceMetadataOptionsCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { ArchiveFindingsCommand, GetFindingsCommand, GuardDutyClient, ListDetectorsCommand, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { DetachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";

export type ConfigFor = (region: string) => object;

export interface Incident {
  stolenKey: string;
  role: string;
  attackerIp: string;
  /** Per region: what the stolen key created. */
  created: Record<string, { instances: string[]; keyPairs: string[]; securityGroups: string[] }>;
}

const ids = (text: string, re: RegExp) => [...new Set(text.match(re) ?? [])];

/** Reads GuardDuty's exfiltration finding, then the stolen key's calls in each region's CloudTrail. */
export async function investigate(config: ConfigFor, homeRegion: string, regions: string[]): Promise<Incident> {
  const gd = new GuardDutyClient(config(homeRegion));
  const [detector] = (await gd.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
  const found = await gd.send(
    new ListFindingsCommand({
      DetectorId: detector,
      FindingCriteria: { Criterion: { type: { Eq: ["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"] } } },
    }),
  );
  const [finding] = (await gd.send(new GetFindingsCommand({ DetectorId: detector, FindingIds: found.FindingIds ?? [] }))).Findings ?? [];
  if (!finding) throw new Error("no credential exfiltration finding");
  const stolenKey = finding.Resource?.AccessKeyDetails?.AccessKeyId ?? "";
  const role = finding.Resource?.AccessKeyDetails?.UserName ?? "";
  const attackerIp = finding.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4 ?? "";
  const created: Incident["created"] = {};
  for (const region of regions) {
    const ct = new CloudTrailClient(config(region));
    const mine = { instances: [] as string[], keyPairs: [] as string[], securityGroups: [] as string[] };
    for await (const page of paginateLookupEvents({ client: ct }, { LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: stolenKey }] })) {
      for (const e of page.Events ?? []) {
        const record = JSON.parse(e.CloudTrailEvent ?? "{}");
        if (record.errorCode) continue;
        if (e.EventName === "RunInstances") mine.instances.push(...ids(JSON.stringify(record.responseElements), /\bi-[0-9a-f]{17}\b/g));
        if (e.EventName === "CreateKeyPair") mine.keyPairs.push(record.requestParameters?.keyName);
        if (e.EventName === "CreateSecurityGroup") mine.securityGroups.push(...ids(JSON.stringify(record.responseElements), /\bsg-[0-9a-f]{17}\b/g));
      }
    }
    created[region] = mine;
  }
  return { stolenKey, role, attackerIp, created };
}

/** Preserve (snapshots) then contain: terminate, remove the attacker's access paths, revoke sessions, harden IMDS. */
export async function contain(config: ConfigFor, incident: Incident, opts: { snapshotFirst?: boolean; now?: Date } = {}): Promise<void> {
  const snapshotFirst = opts.snapshotFirst ?? true;
  for (const [region, made] of Object.entries(incident.created)) {
    const ec2 = new EC2Client(config(region));
    const volumes: string[] = [];
    if (made.instances.length) {
      const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: made.instances }));
      for (const r of d.Reservations ?? [])
        for (const i of r.Instances ?? []) for (const b of i.BlockDeviceMappings ?? []) if (b.Ebs?.VolumeId) volumes.push(b.Ebs.VolumeId);
    }
    const snapshot = async () => {
      for (const v of volumes)
        await ec2.send(new CreateSnapshotCommand({ VolumeId: v, Description: `IR evidence ${incident.stolenKey}` })).catch(() => undefined);
    };
    if (snapshotFirst) await snapshot();
    if (made.instances.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: made.instances }));
    if (!snapshotFirst) await snapshot();
    for (const k of made.keyPairs) await ec2.send(new DeleteKeyPairCommand({ KeyName: k }));
    if (made.securityGroups.length) {
      const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: made.securityGroups }));
      for (const g of groups.SecurityGroups ?? []) {
        if (g.IpPermissions?.length) await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: g.IpPermissions }));
      }
    }
  }
  const iam = new IAMClient(config("us-east-1"));
  const now = (opts.now ?? new Date()).toISOString();
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: incident.role,
      PolicyName: "AWSRevokeOlderSessions",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": now } } }],
      }),
    }),
  );
  for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: incident.role }))).AttachedPolicies ?? []) {
    if (p.PolicyName?.endsWith("FullAccess")) await iam.send(new DetachRolePolicyCommand({ RoleName: incident.role, PolicyArn: p.PolicyArn }));
  }
  for (const region of Object.keys(incident.created)) {
    const ec2 = new EC2Client(config(region));
    const web = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "iam-instance-profile.arn", Values: [`*/${incident.role}`] }] }));
    for (const r of web.Reservations ?? []) {
      for (const i of r.Instances ?? [])
        if (i.InstanceId)
          await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: i.InstanceId, HttpTokens: "required", HttpEndpoint: "enabled" }));
    }
  }
}

/** Archive the findings once the threat is contained. */
export async function archiveFindings(config: ConfigFor, regions: string[]): Promise<number> {
  let n = 0;
  for (const region of regions) {
    const gd = new GuardDutyClient(config(region));
    for (const detector of (await gd.send(new ListDetectorsCommand({}))).DetectorIds ?? []) {
      const open = await gd.send(new ListFindingsCommand({ DetectorId: detector, FindingCriteria: { Criterion: { "service.archived": { Eq: ["false"] } } } }));
      if (open.FindingIds?.length) {
        await gd.send(new ArchiveFindingsCommand({ DetectorId: detector, FindingIds: open.FindingIds }));
        n += open.FindingIds.length;
      }
    }
  }
  return n;
}

// Run directly (`node bin/run-ts.js examples/sdk/contain.ts`, a relative path as the header says): against a started
// range (or real AWS, if you mean it) with the responder's credentials.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { clientConfig } = await import("../../sdk-shim/index.ts");
  const config = (region: string) => clientConfig({ region, endpoint: process.env.AWS_ENDPOINT_URL });
  console.log("investigating: GuardDuty's exfiltration finding, then the stolen key's calls in every region…");
  const incident = await investigate(config, "ap-northeast-1", ["ap-northeast-1", "us-east-1"]);
  console.log(JSON.stringify(incident, null, 2));
  console.log("containing: snapshots first, then the attacker's instances, key pairs and groups, the role's sessions…");
  await contain(config, incident);
  console.log(`contained; archived ${await archiveFindings(config, Object.keys(incident.created))} findings`);
}
