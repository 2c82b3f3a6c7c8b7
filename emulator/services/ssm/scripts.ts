/**
 * The aws:executeScript steps of the range's runbooks, performed as the sequence of API calls each document's Script
 * comment names: the same calls AWS's Python makes, each one through the range's request path as the execution (so
 * each is authorized, journaled and may fail as it would in AWS). Keyed by document and Handler.
 */
import { randomBytes } from "../../core/entropy.ts";
import type { StepRun } from "./actions.ts";

/** A script's own failure (what its Python raises), worded as the step's failure. */
export class ScriptError extends Error {
  constructor(
    message: string,
    readonly code = "RuntimeError",
  ) {
    super(message);
  }
}

type Payload = Record<string, unknown>;
type Script = (p: Payload, run: StepRun) => Promise<unknown>;

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined || v === "" ? [] : [str(v)]);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(obj) : []);

// ---- security group rules (ASR EC2.18 / EC2.19 / EC2.2) ----

const OPEN_V4 = "0.0.0.0/0";
const OPEN_V6 = "::/0";
const PROTOCOLS = new Set(["tcp", "udp", "-1"]);
const HIGH_RISK_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300];

const isOpen = (r: Record<string, unknown>) => r.CidrIpv4 === OPEN_V4 || r.CidrIpv6 === OPEN_V6;

async function groupRules(run: StepRun, groupId: string): Promise<Record<string, unknown>[]> {
  const rules: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const page = await run.api("ec2", "DescribeSecurityGroupRules", {
      Filters: [{ Name: "group-id", Values: [groupId] }],
      ...(token ? { NextToken: token } : {}),
    });
    rules.push(...arr(page.SecurityGroupRules));
    token = str(page.NextToken) || undefined;
  } while (token);
  return rules;
}

/** Revokes each rule the test picks, one call per rule as ASR does; the ids revoked (a failed call is skipped). */
async function revokeRules(run: StepRun, groupId: string, pick: (r: Record<string, unknown>) => boolean): Promise<string[]> {
  const deleted: string[] = [];
  for (const r of await groupRules(run, groupId)) {
    if (r.IsEgress === true || !PROTOCOLS.has(str(r.IpProtocol)) || !isOpen(r) || !pick(r)) continue;
    try {
      await run.api("ec2", "RevokeSecurityGroupIngress", { GroupId: groupId, SecurityGroupRuleIds: [r.SecurityGroupRuleId] });
      deleted.push(str(r.SecurityGroupRuleId));
    } catch {
      // As ASR's script: a rule it could not revoke is reported by the empty result, not by this failure.
    }
  }
  if (!deleted.length)
    throw new ScriptError(`RuntimeError: Could not find rules to delete for Security Group ${groupId}. Please check the inbound rules manually.`);
  return deleted;
}

const allPorts = (r: Record<string, unknown>) => Number(r.FromPort) === -1 && Number(r.ToPort) === -1;

const disableHighRiskPorts: Script = async (p, run) => {
  const groupId = str(p.SecurityGroupId);
  const deleted = await revokeRules(run, groupId, (r) => allPorts(r) || HIGH_RISK_PORTS.some((port) => port >= Number(r.FromPort) && port <= Number(r.ToPort)));
  return { message: `Successfully removed security group rules on ${groupId}`, status: "Success", rules_deleted: deleted };
};

const revokeUnauthorizedInbound: Script = async (p, run) => {
  const groupId = str(p.SecurityGroupId);
  const tcp = new Set(strs(p.AuthorizedTcpPorts).map(Number));
  const udp = new Set(strs(p.AuthorizedUdpPorts).map(Number));
  const deleted = await revokeRules(run, groupId, (r) => {
    if (allPorts(r)) return true;
    const authorized = str(r.IpProtocol) === "tcp" ? tcp : udp;
    const from = Number(r.FromPort);
    const to = Number(r.ToPort);
    let inside = 0;
    for (const port of authorized) if (port >= from && port <= to) inside++;
    return inside < to - from + 1;
  });
  return { message: `Successfully removed security group rules on ${groupId}`, status: "Success", rules_deleted: deleted };
};

const removeDefaultGroupRules: Script = async (p, run) => {
  const groupId = str(p.GroupId);
  const group = arr((await run.api("ec2", "DescribeSecurityGroups", { GroupIds: [groupId] })).SecurityGroups)[0] ?? {};
  const ingress = arr(group.IpPermissions);
  const egress = arr(group.IpPermissionsEgress);
  if (ingress.length) await run.api("ec2", "RevokeSecurityGroupIngress", { GroupId: groupId, IpPermissions: ingress });
  if (egress.length) await run.api("ec2", "RevokeSecurityGroupEgress", { GroupId: groupId, IpPermissions: egress });
  return { Status: "Success", Message: `Removed VPC default security group rules from group ${groupId}` };
};

// ---- instances (ASR EC2.8) ----

const enableImdsV2: Script = async (p, run) => {
  const instanceId = str(p.instance_arn).split("/")[1] ?? "";
  await run.api("ec2", "ModifyInstanceMetadataOptions", { InstanceId: instanceId, HttpTokens: "required", HttpEndpoint: "enabled" });
  const d = await run.api("ec2", "DescribeInstances", { InstanceIds: [instanceId] });
  const options = obj(arr(arr(d.Reservations)[0]?.Instances)[0]?.MetadataOptions);
  if (options.HttpTokens === "required") return options;
  throw new ScriptError(`RuntimeError: ASR Remediation failed - ${instanceId} did not have IMDSv2 enabled.`);
};

// ---- access keys (ASR IAM.3) ----

const DAY_MS = 24 * 3600_000;

const revokeUnrotatedKeys: Script = async (p, run) => {
  const user = str(p.IAMUserName);
  const maxAge = Number(str(p.MaxCredentialUsageAge) || "90");
  const now = run.at.getTime();
  const responses: { AccessKeyId: string; Response: unknown }[] = [];
  const keys = arr((await run.api("iam", "ListAccessKeys", { UserName: user })).AccessKeyMetadata).filter((k) => k.Status === "Active");
  for (const key of keys) {
    const id = str(key.AccessKeyId);
    const lastUsed = obj((await run.api("iam", "GetAccessKeyLastUsed", { AccessKeyId: id })).AccessKeyLastUsed);
    const created = Math.floor((now - Date.parse(str(key.CreateDate))) / DAY_MS);
    const used = lastUsed.LastUsedDate ? Math.floor((now - Date.parse(str(lastUsed.LastUsedDate))) / DAY_MS) : 0;
    if (created > maxAge || used > maxAge) {
      responses.push({ AccessKeyId: id, Response: await run.api("iam", "UpdateAccessKey", { UserName: user, AccessKeyId: id, Status: "Inactive" }) });
    }
  }
  if (responses.length) {
    const after = arr((await run.api("iam", "ListAccessKeys", { UserName: user })).AccessKeyMetadata);
    for (const r of responses) {
      if (after.find((k) => k.AccessKeyId === r.AccessKeyId)?.Status !== "Inactive") {
        throw new ScriptError(`RuntimeError: VERIFICATION FAILED. ACCESS KEY ${r.AccessKeyId} NOT DEACTIVATED`);
      }
    }
  }
  return { output: "Verification of unrotated access keys is successful.", http_responses: { DeactivateUnusedKeysResponse: responses } };
};

// ---- AWSSupport-ContainEC2Instance ----

async function instanceOf(run: StepRun, instanceId: string): Promise<Record<string, unknown>> {
  const d = await run.api("ec2", "DescribeInstances", { InstanceIds: [instanceId] });
  return arr(arr(d.Reservations)[0]?.Instances)[0] ?? {};
}

function interfacesOf(instance: Record<string, unknown>): { NetworkInterfaceId: string; Groups: string[] }[] {
  return arr(instance.NetworkInterfaces).map((n) => ({ NetworkInterfaceId: str(n.NetworkInterfaceId), Groups: arr(n.Groups).map((g) => str(g.GroupId)) }));
}

const validateContainInputs: Script = async (p) => {
  const action = str(p.Action);
  if (action === "Contain" && !strs(p.BackupS3BucketAccess).filter(Boolean).length) {
    throw new ScriptError("ValueError: BackupS3BucketAccess is required when Action is Contain.", "ValueError");
  }
  if (action === "Release" && (!str(p.BackupS3BucketName) || !str(p.BackupS3KeyName))) {
    throw new ScriptError("ValueError: BackupS3BucketName and BackupS3KeyName are required when Action is Release.", "ValueError");
  }
  const tag = /^[Kk][Ee][Yy]=([^,]+),[Vv][Aa][Ll][Uu][Ee]=(.*)$/.exec(str(p.TagIdentifier));
  return { TagKey: tag?.[1] ?? "", TagValue: tag?.[2] ?? "" };
};

/** Whether a bucket exists and is ours to use (HeadBucket answers). */
async function bucketUsable(run: StepRun, bucket: string): Promise<boolean> {
  try {
    await run.api("s3", "HeadBucket", { Bucket: bucket });
    return true;
  } catch {
    return false;
  }
}

const checkBackupBucket: Script = async (p, run) => {
  const given = str(p.BackupS3BucketName);
  const contain = str(p.Action) === "Contain";
  const dryRun = str(p.DryRun) !== "false";
  if (given && (await bucketUsable(run, given))) return { BucketName: given };
  if (!contain) throw new ScriptError(`ValueError: The backup bucket ${given} does not exist or is not accessible.`, "ValueError");
  if (dryRun) return { BucketName: given };
  // A private bucket of its own, readable only by BackupS3BucketAccess and the automation's own identity.
  const bucket = `awssupport-containec2instance-${randomBytes(6).toString("hex")}`;
  await run.api("s3", "CreateBucket", {
    Bucket: bucket,
    ...(run.region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: run.region } }),
  });
  await run.api("s3", "PutPublicAccessBlock", {
    Bucket: bucket,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  const allowed = [...new Set([...strs(p.BackupS3BucketAccess).filter(Boolean), run.principalArn])];
  await run.api("s3", "PutBucketPolicy", {
    Bucket: bucket,
    Policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyAllButBackupS3BucketAccess",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { ArnNotEquals: { "aws:PrincipalArn": allowed } },
        },
      ],
    }),
  });
  return { BucketName: bucket };
};

const pad = (n: number) => String(n).padStart(2, "0");

const backupSecurityGroups: Script = async (p, run) => {
  const instanceId = str(p.InstanceId);
  const bucket = str(p.BucketName);
  const instance = await instanceOf(run, instanceId);
  const t = run.at;
  const key = `${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${pad(t.getUTCHours())}/${pad(t.getUTCMinutes())}/${run.executionId}.json`;
  const backup = { InstanceId: instanceId, VpcId: str(instance.VpcId), NetworkInterfaces: interfacesOf(instance) };
  await run.api("s3", "PutObject", { Bucket: bucket, Key: key, Body: JSON.stringify(backup), ContentType: "application/json" });
  return { VpcId: backup.VpcId, BackupS3Location: `s3://${bucket}/${key}`, BackupS3KeyName: key };
};

const replaceSecurityGroups: Script = async (p, run) => {
  const groupId = str(p.GroupId);
  const interfaces = interfacesOf(await instanceOf(run, str(p.InstanceId)));
  for (const n of interfaces) await run.api("ec2", "ModifyNetworkInterfaceAttribute", { NetworkInterfaceId: n.NetworkInterfaceId, Groups: [groupId] });
  return { GroupId: groupId, NetworkInterfaceIds: interfaces.map((n) => n.NetworkInterfaceId) };
};

const restoreSecurityGroups: Script = async (p, run) => {
  const instanceId = str(p.InstanceId);
  const out = await run.api("s3", "GetObject", { Bucket: str(p.BackupS3BucketName), Key: str(p.BackupS3KeyName) });
  let backup: Record<string, unknown>;
  try {
    backup = obj(JSON.parse(str(out.Body)));
  } catch {
    throw new ScriptError(`ValueError: s3://${str(p.BackupS3BucketName)}/${str(p.BackupS3KeyName)} is not a backup of this runbook.`, "ValueError");
  }
  if (backup.InstanceId !== instanceId)
    throw new ScriptError(`ValueError: The backup is of instance ${str(backup.InstanceId)}, not ${instanceId}.`, "ValueError");
  const restored: string[] = [];
  for (const n of arr(backup.NetworkInterfaces)) {
    await run.api("ec2", "ModifyNetworkInterfaceAttribute", { NetworkInterfaceId: str(n.NetworkInterfaceId), Groups: strs(n.Groups) });
    restored.push(str(n.NetworkInterfaceId));
  }
  return { RestoredNetworkInterfaces: restored };
};

const reportDryRun: Script = async (p, run) => {
  const instanceId = str(p.InstanceId);
  const interfaces = interfacesOf(await instanceOf(run, instanceId));
  const action = str(p.Action);
  const would =
    action === "Contain"
      ? `back up the security groups of ${interfaces.length} network interface(s) of ${instanceId}, move them to an all-access and then a containment security group${str(p.CreateAMIBackup) === "true" ? ", and create an AMI backup" : ""}`
      : `restore the security groups of ${instanceId}'s network interfaces from the backup`;
  return {
    DryRun: "true",
    Action: action,
    InstanceId: instanceId,
    NetworkInterfaces: JSON.stringify(interfaces),
    Message: `DryRun: no change was made. With DryRun false this runbook would ${would}.`,
  };
};

const SCRIPTS: Record<string, Script> = {
  "ASR-EnableIMDSV2OnInstance:lambda_handler": enableImdsV2,
  "ASR-DisableUnrestrictedAccessToHighRiskPorts:lambda_handler": disableHighRiskPorts,
  "ASR-RevokeUnauthorizedInboundRules:lambda_handler": revokeUnauthorizedInbound,
  "ASR-RemoveVPCDefaultSecurityGroupRules:handler": removeDefaultGroupRules,
  "ASR-RevokeUnrotatedKeys:unrotated_key_handler": revokeUnrotatedKeys,
  "AWSSupport-ContainEC2Instance:validate_inputs": validateContainInputs,
  "AWSSupport-ContainEC2Instance:check_backup_bucket": checkBackupBucket,
  "AWSSupport-ContainEC2Instance:backup_security_groups": backupSecurityGroups,
  "AWSSupport-ContainEC2Instance:replace_security_groups": replaceSecurityGroups,
  "AWSSupport-ContainEC2Instance:restore_security_groups": restoreSecurityGroups,
  "AWSSupport-ContainEC2Instance:report_dry_run": reportDryRun,
};

/** Runs a step's script: its payload, or ScriptError / ApiCallError as the script would fail. */
export async function runScript(run: StepRun): Promise<unknown> {
  const handler = str(run.inputs.Handler);
  const script = Object.hasOwn(SCRIPTS, `${run.documentName}:${handler}`) ? SCRIPTS[`${run.documentName}:${handler}`] : undefined;
  if (!script) throw new ScriptError(`ir-range does not run the script of ${run.documentName} (handler ${handler}).`, "UnsupportedScript");
  return script(obj(run.inputs.InputPayload), run);
}
