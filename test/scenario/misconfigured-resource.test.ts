/**
 * The misconfigured-resource scenario (a timeline): every source tells the same story — GuardDuty's findings,
 * CloudTrail's event history and trail files, VPC flow logs, Security Hub's control findings and the resources agree
 * on every id, address and time — and the containment the walkthrough teaches (SSM Automation, then the remediation
 * runbooks, revocation and least privilege), done with the real aws CLI, earns a full grade with the attacker
 * blocked, while a grade before any answer names none of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateImageCommand,
  CreateSnapshotsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceMetadataOptionsCommand,
  RevokeSecurityGroupIngressCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { type Finding as GdFinding, GetFindingsCommand, GuardDutyClient, ListDetectorsCommand, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { IAMClient, ListAttachedRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient, GetFindingsCommand as ShFindings } from "@aws-sdk/client-securityhub";
import { DescribeInstanceInformationCommand, GetAutomationExecutionCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "../../emulator/core/records.ts";
import { formatReport, grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { gradingSnapshot } from "../../emulator/server/app.ts";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const ACCOUNT = "381492076155";
const REGION = "ap-northeast-1";
const TRAIL_BUCKET = `tsubame-cloudtrail-${ACCOUNT}`;
const FLOW_BUCKET = `tsubame-vpc-flow-logs-${ACCOUNT}`;
const EXPORTS = `tsubame-customer-exports-${ACCOUNT}`;
const SSH_ATTACKER = "198.51.100.73";
const CREDS_ATTACKER = "198.51.100.150";
const DROP_HOST = "198.51.100.200";

let server: TestServer;
let sdk: ReturnType<TestServer["sdk"]>;
/** What a responder finds in the range, source by source; the answers are taken from here. */
const found = {} as {
  findings: GdFinding[];
  instanceId: string;
  groupId: string;
  publicIp: string;
  key: string;
  keyEvents: CloudTrailRecord[];
  trailRecords: CloudTrailRecord[];
  openedSsh: CloudTrailRecord;
};

const ofType = (type: string) => {
  const f = found.findings.find((x) => x.Type === type);
  if (!f) throw new Error(`no ${type} finding`);
  return f;
};
const day = (iso: string) => iso.slice(0, 10).replaceAll("-", "/");
const gz = async (s3: S3Client, bucket: string, key: string) =>
  gunzipSync(
    Buffer.from(
      await (
        (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray(),
    ),
  ).toString();

/** Every key under a prefix whose file-name stamp (…_YYYYMMDDTHHmmZ_…) lies in [from, to]. */
async function keysBetween(s3: S3Client, bucket: string, prefix: string, from: number, to: number): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const m = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_/.exec(o.Key ?? "");
      const t = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : Number.NaN;
      if (t >= from && t <= to) keys.push(o.Key as string);
    }
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Lists as CloudTrail writes EC2's (`{items: […]}`) or plain. */
const items = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v : ((v as { items?: Record<string, unknown>[] } | undefined)?.items ?? []));
/** An AuthorizeSecurityGroupIngress whose permissions let 0.0.0.0/0 reach port 22. */
const opensSshToWorld = (params: unknown) =>
  items((params as { ipPermissions?: unknown } | null)?.ipPermissions).some(
    (p) => Number(p.fromPort) <= 22 && 22 <= Number(p.toPort) && items(p.ipRanges).some((x) => x.cidrIp === "0.0.0.0/0"),
  );

beforeAll(async () => {
  const t0 = performance.now();
  // A timeline scenario is built on first use when its build/ is missing or stale.
  server = await startTestServer({ scenario: "misconfigured-resource", clock: "2026-06-01T12:00:00Z" });
  console.info(`misconfigured-resource: range up in ${(performance.now() - t0).toFixed(0)} ms`);
  sdk = server.sdk();
  const gd = new GuardDutyClient(sdk);
  const detector = (await gd.send(new ListDetectorsCommand({}))).DetectorIds?.[0];
  const ids = (await gd.send(new ListFindingsCommand({ DetectorId: detector }))).FindingIds ?? [];
  found.findings = (await gd.send(new GetFindingsCommand({ DetectorId: detector, FindingIds: ids }))).Findings ?? [];
  found.instanceId = String(ofType("UnauthorizedAccess:EC2/SSHBruteForce").Resource?.InstanceDetails?.InstanceId);
  found.key = String(ofType("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS").Resource?.AccessKeyDetails?.AccessKeyId);
  const inst = (await new EC2Client(sdk).send(new DescribeInstancesCommand({ InstanceIds: [found.instanceId] }))).Reservations?.[0]?.Instances?.[0];
  found.groupId = String(inst?.SecurityGroups?.[0]?.GroupId);
  found.publicIp = String(inst?.PublicIpAddress);
  // The key's management events: IAM's in us-east-1's event history (a global service), the rest in the region's.
  found.keyEvents = [];
  for (const region of [REGION, "us-east-1"]) {
    const page = await new CloudTrailClient(server.sdk(region)).send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: found.key }], MaxResults: 50 }),
    );
    found.keyEvents.push(...(page.Events ?? []).map((e) => JSON.parse(String(e.CloudTrailEvent)) as CloudTrailRecord));
  }
  found.keyEvents.sort((a, b) => (a.eventTime < b.eventTime ? -1 : 1));
  const ingress = await new CloudTrailClient(sdk).send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AuthorizeSecurityGroupIngress" }] }),
  );
  const opened = (ingress.Events ?? []).map((e) => JSON.parse(String(e.CloudTrailEvent)) as CloudTrailRecord).find((r) => opensSshToWorld(r.requestParameters));
  if (!opened) throw new Error("no AuthorizeSecurityGroupIngress opening port 22 to the internet");
  found.openedSsh = opened;
  // The trail's files around the stolen key's first use from outside: its S3 data events are only there.
  const s3 = new S3Client(sdk);
  const first = Date.parse(found.keyEvents.find((r) => r.sourceIPAddress === CREDS_ATTACKER)?.eventTime ?? "");
  const keys = await keysBetween(
    s3,
    TRAIL_BUCKET,
    `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day(new Date(first).toISOString())}/`,
    first,
    first + 40 * 60_000,
  );
  found.trailRecords = (await Promise.all(keys.map((k) => gz(s3, TRAIL_BUCKET, k)))).flatMap(
    (text) => (JSON.parse(text) as { Records: CloudTrailRecord[] }).Records,
  );
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

const answers = () => {
  const outside = found.keyEvents.filter((r) => r.sourceIPAddress === CREDS_ATTACKER);
  const reads = found.trailRecords.filter((r) => r.eventName === "GetObject" && (r.userIdentity as { accessKeyId?: string }).accessKeyId === found.key);
  return {
    "affected-instance": found.instanceId,
    "ssh-attacker-ip": SSH_ATTACKER,
    "entry-method": "ssh-password-brute-force",
    "failing-controls": "EC2.8, EC2.9, EC2.13, EC2.18, EC2.19",
    "ssh-opened-by": `arn:aws:iam::${ACCOUNT}:user/kenji.dev`,
    "ssh-opened-time": found.openedSsh.eventTime,
    "stolen-key": found.key,
    "credential-ip": CREDS_ATTACKER,
    "drop-host-ip": DROP_HOST,
    "exfiltrated-objects": reads.map((r) => {
      const p = r.requestParameters as { bucketName: string; key: string };
      return `s3://${p.bucketName}/${p.key}`;
    }),
    "mining-domain": String(ofType("CryptoCurrency:EC2/BitcoinTool.B!DNS").Service?.Action?.DnsRequestAction?.Domain),
    "first-outside-call-time": String(outside[0]?.eventTime),
  };
};

describe("every source tells the same story", () => {
  it("GuardDuty: six findings on one instance and its role's key, from the attacker's addresses", () => {
    expect(found.findings.map((f) => `${f.Severity} ${f.Type}`).sort()).toEqual([
      "2 Recon:EC2/PortProbeUnprotectedPort",
      "2 UnauthorizedAccess:EC2/SSHBruteForce",
      "5 Trojan:EC2/DropPoint!DNS",
      "8 CryptoCurrency:EC2/BitcoinTool.B",
      "8 CryptoCurrency:EC2/BitcoinTool.B!DNS",
      "8 UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    ]);
    const onInstance = found.findings.filter((f) => f.Resource?.ResourceType === "Instance");
    expect(new Set(onInstance.map((f) => f.Resource?.InstanceDetails?.InstanceId))).toEqual(new Set([found.instanceId]));
    const brute = ofType("UnauthorizedAccess:EC2/SSHBruteForce");
    expect(brute.Service?.Action?.NetworkConnectionAction).toMatchObject({ ConnectionDirection: "INBOUND", LocalPortDetails: { Port: 22 } });
    expect(brute.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4).toBe(SSH_ATTACKER);
    expect(brute.Service?.Count).toBeGreaterThan(2000);
    const exfil = ofType("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
    expect(exfil.Resource?.AccessKeyDetails).toMatchObject({
      UserName: "tracking-api-role",
      PrincipalId: expect.stringMatching(new RegExp(`:${found.instanceId}$`)),
    });
    expect(exfil.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4).toBe(CREDS_ATTACKER);
    expect(ofType("CryptoCurrency:EC2/BitcoinTool.B").Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4).toBe("198.51.100.88");
  });

  it("CloudTrail: the key GuardDuty names was delivered through IMDSv1 to the instance, used on it, then from outside", () => {
    const ev = found.keyEvents;
    expect(new Set(ev.map((r) => (r.userIdentity as { arn: string }).arn))).toEqual(
      new Set([`arn:aws:sts::${ACCOUNT}:assumed-role/tracking-api-role/${found.instanceId}`]),
    );
    expect(ev.every((r) => (r.userIdentity as { sessionContext: { ec2RoleDelivery: string } }).sessionContext.ec2RoleDelivery === "1.0")).toBe(true);
    // The kit's first check ran on the instance (its public address); the operator's calls came from elsewhere.
    expect(ev[0]).toMatchObject({ eventName: "GetCallerIdentity", sourceIPAddress: found.publicIp });
    expect(ev[0].userAgent).toMatch(/^aws-cli\/1\./);
    const outside = ev.filter((r) => r.sourceIPAddress === CREDS_ATTACKER);
    expect(outside.map((r) => `${r.eventName}${r.errorCode ? `:${r.errorCode}` : ""}`)).toEqual([
      "GetCallerIdentity",
      "ListAttachedRolePolicies:AccessDenied",
      "GetRole:AccessDenied",
      "DescribeInstanceInformation:AccessDeniedException",
      "ListBuckets",
    ]);
    expect(ev.filter((r) => r.sourceIPAddress !== CREDS_ATTACKER).every((r) => r.sourceIPAddress === found.publicIp)).toBe(true);
    // GuardDuty's first and last sightings are the calls from outside (the data events among them).
    const exfil = ofType("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
    expect(Date.parse(String(exfil.Service?.EventFirstSeen))).toBe(Date.parse(outside[0].eventTime));
    const dataOutside = found.trailRecords.filter(
      (r) => r.eventCategory === "Data" && r.sourceIPAddress === CREDS_ATTACKER && (r.userIdentity as { accessKeyId: string }).accessKeyId === found.key,
    );
    // GuardDuty reads S3's data events itself, also those of buckets no trail selects: its last sighting is no earlier.
    expect(Date.parse(String(exfil.Service?.EventLastSeen))).toBeGreaterThanOrEqual(
      Math.max(...[...outside, ...dataOutside].map((r) => Date.parse(r.eventTime))),
    );
    // Who opened port 22 to everyone, and when; the instance's group is that group.
    expect(found.openedSsh.userIdentity).toMatchObject({ type: "IAMUser", userName: "kenji.dev" });
    expect((found.openedSsh.requestParameters as { groupId: string }).groupId).toBe(found.groupId);
  });

  it("trail files: the same events, plus the S3 data events LookupEvents does not keep", () => {
    const byId = new Map(found.trailRecords.map((r) => [r.eventID, r]));
    for (const r of found.keyEvents.filter((x) => x.awsRegion === REGION && x.sourceIPAddress === CREDS_ATTACKER)) expect(byId.get(r.eventID)).toEqual(r);
    const reads = found.trailRecords.filter((r) => r.eventName === "GetObject" && (r.userIdentity as { accessKeyId: string }).accessKeyId === found.key);
    expect(reads.map((r) => (r.requestParameters as { key: string }).key).sort()).toEqual([
      "config/app.json",
      "exports/addresses.csv",
      "exports/customers.csv",
    ]);
    expect(reads.every((r) => r.eventCategory === "Data" && r.sourceIPAddress === CREDS_ATTACKER)).toBe(true);
    // Listing a bucket's objects is a data event too, as in AWS: in the files of a trail that selects the bucket, not
    // in LookupEvents.
    const lists = found.trailRecords.filter((r) => r.eventName === "ListObjectsV2" && (r.userIdentity as { accessKeyId: string }).accessKeyId === found.key);
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.every((r) => r.eventCategory === "Data" && !found.keyEvents.some((k) => k.eventID === r.eventID))).toBe(true);
    expect(reads.filter((r) => found.keyEvents.some((k) => k.eventID === r.eventID))).toEqual([]);
  });

  it("flow logs: the brute force, the shell that lasted, the drop host and the pool, on the instance's interface", async () => {
    const s3 = new S3Client(sdk);
    const brute = ofType("UnauthorizedAccess:EC2/SSHBruteForce");
    const from = Date.parse(String(brute.Service?.EventFirstSeen));
    const to = Date.parse(String(ofType("CryptoCurrency:EC2/BitcoinTool.B").Service?.EventFirstSeen)) + 30 * 60_000;
    const prefix = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${day(new Date(from).toISOString())}/`;
    const keys = await keysBetween(s3, FLOW_BUCKET, prefix, from, to);
    const lines = (await Promise.all(keys.map((k) => gz(s3, FLOW_BUCKET, k)))).flatMap((t) => t.trim().split("\n").slice(1));
    const rows = lines
      .map((l) => l.split(" "))
      .map(([, account, eni, src, dst, sport, dport, , , bytes, start, , action]) => ({
        account,
        eni,
        src,
        dst,
        sport: Number(sport),
        dport: Number(dport),
        bytes: Number(bytes),
        start: Number(start) * 1000,
        action,
      }));
    const inst = (await new EC2Client(sdk).send(new DescribeInstancesCommand({ InstanceIds: [found.instanceId] }))).Reservations?.[0]?.Instances?.[0];
    const eni = inst?.NetworkInterfaces?.[0];
    const ssh = rows.filter((r) => r.src === SSH_ATTACKER && r.dport === 22);
    expect(ssh.length).toBeGreaterThan(1000);
    expect(ssh.every((r) => r.eni === eni?.NetworkInterfaceId && r.dst === eni?.PrivateIpAddress && r.action === "ACCEPT" && r.account === ACCOUNT)).toBe(true);
    // The finding's first sighting is the first window of the guessing; the shell is one connection with real traffic.
    expect(Math.min(...ssh.map((r) => r.start))).toBe(from);
    expect(Math.max(...ssh.map((r) => r.bytes))).toBeGreaterThan(10_000);
    // Connections the instance opened (not its replies to the SSH and HTTPS clients).
    const out = rows.filter((r) => r.src === eni?.PrivateIpAddress && ![22, 443].includes(r.sport));
    expect(new Set(out.map((r) => `${r.dst}:${r.dport}`))).toEqual(new Set([`${DROP_HOST}:443`, "198.51.100.88:3333"]));
    // The kit came from the drop host: the first connection the instance opened after the login, with a large reply.
    const first = out.sort((a, b) => a.start - b.start)[0];
    expect(first.dst).toBe(DROP_HOST);
    const reply = rows.find((r) => r.src === DROP_HOST && r.dport === first.sport);
    expect(reply?.bytes).toBeGreaterThan(1_000_000);
  });

  it("Security Hub: the controls that fail for the instance and its group, dated by the changes that made them fail", async () => {
    const sh = new SecurityHubClient(sdk);
    const arns = [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${found.instanceId}`, `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${found.groupId}`];
    const failed =
      (
        await sh.send(
          new ShFindings({
            Filters: {
              ComplianceStatus: [{ Value: "FAILED", Comparison: "EQUALS" }],
              RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
              ResourceId: arns.map((Value) => ({ Value, Comparison: "EQUALS" })),
            },
          }),
        )
      ).Findings ?? [];
    expect(failed.map((f) => f.Compliance?.SecurityControlId).sort()).toEqual(["EC2.13", "EC2.18", "EC2.19", "EC2.8", "EC2.9"]);
    const ec213 = failed.find((f) => f.Compliance?.SecurityControlId === "EC2.13");
    // Config evaluates a change-triggered rule minutes after the change.
    const lag = Date.parse(String(ec213?.FirstObservedAt)) - Date.parse(found.openedSsh.eventTime);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual(15 * 60_000);
    // GuardDuty's findings are there too, on the same resources.
    const gd = (await sh.send(new ShFindings({ Filters: { ProductName: [{ Value: "GuardDuty", Comparison: "EQUALS" }] } }))).Findings ?? [];
    expect(gd.map((f) => f.Id?.split("/").pop()).sort()).toEqual(found.findings.map((f) => f.Id).sort());
  });

  it("resources: the misconfigurations the controls point at, as the account has them", async () => {
    const ec2 = new EC2Client(sdk);
    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [found.instanceId] }))).Reservations?.[0]?.Instances?.[0];
    expect(inst?.MetadataOptions?.HttpTokens).toBe("optional");
    expect(inst?.IamInstanceProfile?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/tracking-api-profile`);
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [found.groupId] }))).SecurityGroups?.[0];
    expect(group?.IpPermissions?.find((p) => p.FromPort === 22)?.IpRanges?.map((r) => r.CidrIp)).toContain("0.0.0.0/0");
    const userData = (await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: found.instanceId, Attribute: "userData" }))).UserData?.Value;
    expect(Buffer.from(String(userData), "base64").toString()).toContain("ssh_pwauth: true");
    const policies = (await new IAMClient(server.sdk("us-east-1")).send(new ListAttachedRolePoliciesCommand({ RoleName: "tracking-api-role" })))
      .AttachedPolicies;
    expect(policies?.map((p) => p.PolicyName).sort()).toEqual(["AmazonS3FullAccess", "AmazonSSMManagedInstanceCore"]);
    const managed = (await new SSMClient(sdk).send(new DescribeInstanceInformationCommand({}))).InstanceInformationList ?? [];
    expect(managed.find((m) => m.InstanceId === found.instanceId)?.PingStatus).toBe("Online");
  });

  it("the attacker's next moves and the assessment were made from this build", () => {
    const dir = server.emulator.runtime.scenario.dir;
    const plan = JSON.parse(readFileSync(join(dir, "attacker.json"), "utf8"));
    expect(plan.actors["stolen-instance-credentials"]).toMatchObject({ accessKeyId: found.key, sourceIp: CREDS_ATTACKER });
    expect(plan.attempts.find((a: { id: string }) => a.id === "resteal-through-imdsv1").door.instanceId).toBe(found.instanceId);
    expect(plan.attempts.find((a: { id: string }) => a.id === "ssh-password-again").door.sourceIp).toBe(SSH_ATTACKER);
    expect(plan.attempts.find((a: { id: string }) => a.id === "stolen-read-export").call.input.Bucket).toBe(EXPORTS);
  });
});

describe.skipIf(!hasAwsCli)("the walkthrough's containment with the real aws CLI", () => {
  /** Advances the range's clock until the automation ends (its steps run by that clock), asking with the CLI. */
  async function completed(id: string): Promise<string> {
    const ssm = new SSMClient(sdk);
    for (let i = 0; i < 20; i++) {
      const status = (await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }))).AutomationExecution?.AutomationExecutionStatus;
      if (status && !["Pending", "InProgress", "Waiting"].includes(status)) break;
      server.emulator.runtime.clock.advance(15_000);
    }
    return (await awsJson(server, ["ssm", "get-automation-execution", "--automation-execution-id", id])).AutomationExecution.AutomationExecutionStatus;
  }

  it("grades nothing away before containment, and gives a full grade after it", async () => {
    const assessment = loadAssessment(server.emulator.runtime.scenario.dir);
    const given = answers();
    const before = await gradingSnapshot(server.emulator);
    // Hidden-answer hygiene: before any answer, no grade line (in either language) names one.
    const blind = grade(assessment, before, {});
    const text = `${JSON.stringify(blind)}\n${formatReport(blind)}\n${formatReport(grade(assessment, before, {}, "ja"), "ja")}`;
    for (const s of [
      found.instanceId,
      SSH_ATTACKER,
      CREDS_ATTACKER,
      DROP_HOST,
      found.key,
      "kenji.dev",
      "xmr-hub",
      "customers.csv",
      "addresses.csv",
      "EC2.13",
      "EC2.8",
    ]) {
      expect(text).not.toContain(s);
    }
    expect(blind.items.filter((i) => i.kind !== "question" && i.status === "pass").map((i) => i.id)).toEqual(["evidence-kept"]);
    // The answers as the sources above give them are the assessment's.
    expect(grade(assessment, before, given).items.filter((i) => i.kind === "question" && i.status !== "pass")).toEqual([]);

    // 1. Preserve first.
    const snaps = await awsJson(server, [
      "ec2",
      "create-snapshots",
      "--instance-specification",
      `InstanceId=${found.instanceId}`,
      "--description",
      "IR before containment",
    ]);
    expect(snaps.Snapshots).toHaveLength(1);
    // 2. Isolate with AWSSupport-ContainEC2Instance, as ir-automation.
    const role = `arn:aws:iam::${ACCOUNT}:role/ir-automation`;
    const params = JSON.stringify({
      InstanceId: [found.instanceId],
      Action: ["Contain"],
      DryRun: ["false"],
      CreateAMIBackup: ["true"],
      AutomationAssumeRole: [role],
      BackupS3BucketAccess: [`arn:aws:iam::${ACCOUNT}:user/ir-responder`],
    });
    const contain = await awsJson(server, ["ssm", "start-automation-execution", "--document-name", "AWSSupport-ContainEC2Instance", "--parameters", params]);
    expect(await completed(contain.AutomationExecutionId)).toBe("Success");
    // 3. Revoke the role's sessions issued before now.
    const now = server.emulator.runtime.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    const revoke = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": now } } }],
    };
    const put = await aws(server, [
      "iam",
      "put-role-policy",
      "--role-name",
      "tracking-api-role",
      "--policy-name",
      "AWSRevokeOlderSessions",
      "--policy-document",
      JSON.stringify(revoke),
    ]);
    expect(put.stderr).toBe("");
    // 4. The ASR runbooks for EC2.8 and EC2.19.
    const imds = await awsJson(server, [
      "ssm",
      "start-automation-execution",
      "--document-name",
      "ASR-EnableIMDSV2OnInstance",
      "--parameters",
      `AutomationAssumeRole=${role},InstanceARN=arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${found.instanceId}`,
    ]);
    const ports = await awsJson(server, [
      "ssm",
      "start-automation-execution",
      "--document-name",
      "ASR-DisableUnrestrictedAccessToHighRiskPorts",
      "--parameters",
      `AutomationAssumeRole=${role},SecurityGroupId=${found.groupId}`,
    ]);
    expect([await completed(imds.AutomationExecutionId), await completed(ports.AutomationExecutionId)]).toEqual(["Success", "Success"]);
    // 5. Least privilege: only the assets bucket.
    const assets = `arn:aws:s3:::tsubame-tracking-assets-${ACCOUNT}`;
    const least = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [assets, `${assets}/*`] }] };
    expect(
      (
        await aws(server, [
          "iam",
          "put-role-policy",
          "--role-name",
          "tracking-api-role",
          "--policy-name",
          "read-tracking-assets",
          "--policy-document",
          JSON.stringify(least),
        ])
      ).status,
    ).toBe(0);
    expect(
      (await aws(server, ["iam", "detach-role-policy", "--role-name", "tracking-api-role", "--policy-arn", "arn:aws:iam::aws:policy/AmazonS3FullAccess"]))
        .status,
    ).toBe(0);

    const after = await gradingSnapshot(server.emulator);
    expect(after.attacker?.filter((a) => !a.blocked)).toEqual([]);
    const report = grade(assessment, after, given);
    expect(report.items.filter((i) => i.status !== "pass").map((i) => `${i.id}: ${i.evidence.join("; ")}`)).toEqual([]);
    expect(report).toMatchObject({ passed: true, score: report.maxScore });
    // Contained, the grade still names nothing a question asks for.
    const blindAfter = formatReport(grade(assessment, after, {}));
    for (const s of [found.instanceId, found.key, CREDS_ATTACKER]) expect(blindAfter).not.toContain(s);
  }, 120_000);
});

describe("containment graded by its effect, whichever way it was reached", () => {
  const revokeBefore = (time: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": time } } }],
    });

  it("counts what stops the attacker, not what was typed, and preservation only when it came first", async () => {
    const own = await startTestServer({ scenario: "misconfigured-resource", clock: "2026-06-01T12:00:00Z" });
    try {
      const assessment = loadAssessment(own.emulator.runtime.scenario.dir);
      const status = async () => Object.fromEntries(grade(assessment, await gradingSnapshot(own.emulator), {}).items.map((i) => [i.id, i.status]));
      const ec2 = new EC2Client(own.sdk());
      const iam = new IAMClient(own.sdk());
      const firstOutside = found.keyEvents.find((r) => r.sourceIPAddress === CREDS_ATTACKER)?.eventTime ?? "";
      // An image instead of snapshots; the open rule revoked by hand instead of isolating; IMDSv2 by the EC2 API.
      await ec2.send(new CreateImageCommand({ InstanceId: found.instanceId, Name: "ir-tracking-api", NoReboot: true }));
      await ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: found.groupId,
          IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        }),
      );
      await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: found.instanceId, HttpTokens: "required" }));
      // A revocation dated before the theft leaves the stolen key working.
      const early = new Date(Date.parse(firstOutside) - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      await iam.send(new PutRolePolicyCommand({ RoleName: "tracking-api-role", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: revokeBefore(early) }));
      expect(await status()).toMatchObject({
        "disk-preserved": "pass",
        "preserved-before-destructive": "pass",
        "ssh-rule-removed": "pass",
        "ssh-door-closed": "pass",
        "imdsv2-required": "pass",
        "stolen-credentials-refused": "fail",
        "role-least-privilege": "fail",
      });
      // Dated now it works; the role still reaches the exports with a fresh session: least privilege is not revocation.
      const now = own.emulator.runtime.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z");
      await iam.send(new PutRolePolicyCommand({ RoleName: "tracking-api-role", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: revokeBefore(now) }));
      const after = await status();
      expect([after["stolen-credentials-refused"], after["role-least-privilege"]]).toEqual(["pass", "fail"]);

      // Stopped before any snapshot: volatile evidence lost first, whatever is snapshotted afterwards.
      await own.emulator.runtime.reset();
      await ec2.send(new StopInstancesCommand({ InstanceIds: [found.instanceId] }));
      await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: found.instanceId } }));
      const stopped = grade(assessment, await gradingSnapshot(own.emulator), { "affected-instance": found.instanceId });
      expect(stopped.items.find((i) => i.id === "disk-preserved")?.status).toBe("pass");
      expect(stopped.items.find((i) => i.id === "preserved-before-destructive")).toMatchObject({
        status: "fail",
        evidence: [expect.stringMatching(/^StopInstances on the evidence at /)],
      });
    } finally {
      await own.stop();
    }
  }, 60_000);
});
