// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ip.attacker} is a timeline reference, resolved by the build.
/**
 * The evidence a timeline build derives (emulator/scenario/timeline/evidence/): CloudTrail files only while a trail
 * logged, VPC flow logs with the security groups' verdicts, GuardDuty findings from detection rules, Security Hub's
 * control findings dated from the calls that made them so — all from one BuildOutput, byte-identical on every build,
 * and served by the range like any recording.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { type Finding, GetFindingsCommand, GuardDutyClient, ListDetectorsCommand, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetFindingsCommand as GetHubFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "../../emulator/core/records.ts";
import { shiftFlowLogBody, shiftFlowLogKey } from "../../emulator/scenario/flow-log-objects.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import { Rng } from "../../emulator/scenario/prng.ts";
import { writeFlowLogs } from "../../emulator/scenario/timeline/evidence/flow-logs.ts";
import { deriveGuardDutyFindings } from "../../emulator/scenario/timeline/evidence/guardduty.ts";
import { deriveEvidence, EvidenceError } from "../../emulator/scenario/timeline/evidence/index.ts";
import { deriveSecurityHub } from "../../emulator/scenario/timeline/evidence/security-hub.ts";
import { writeTrailFiles } from "../../emulator/scenario/timeline/evidence/trail-files.ts";
import { build } from "../../emulator/scenario/timeline/index.ts";
import type { BuildOutput, ResolvedFlow } from "../../emulator/scenario/timeline/model.ts";
import { newScenario } from "../../emulator/scenario/timeline/new.ts";
import type { Detection, Timeline } from "../../emulator/scenario/timeline/schema.ts";
import { shiftLogKey } from "../../emulator/scenario/trail-log-objects.ts";
import type { GuardDutyState } from "../../emulator/services/guardduty/state.ts";
import type { SecurityHubState } from "../../emulator/services/securityhub/state.ts";
import { awsJson, hasAwsCli, startTestServer } from "../helpers/emulator.ts";

const ACCOUNT = "111122223333";
const HOME = "ap-northeast-1";
const USE1 = "us-east-1";
const MIN = 60_000;
const HOUR = 60 * MIN;
const D = Date.parse("2026-03-10T12:00:00Z");
const S = D - 72 * HOUR;
const IP = { office: "198.51.100.20", attacker: "203.0.113.50", pool: "203.0.113.99", webPublic: "198.51.100.10", webPrivate: "10.0.1.10" };
const IDS = {
  vpc: "vpc-0a1a1a1a1a1a1a1a1",
  subnet: "subnet-0b2b2b2b2b2b2b2b2",
  defaultSg: "sg-0c3c3c3c3c3c3c3c3",
  webSg: "sg-0d4d4d4d4d4d4d4d4",
  instance: "i-0e5e5e5e5e5e5e5e5",
  eni: "eni-0f6f6f6f6f6f6f6f6",
  flowLog: "fl-0a7a7a7a7a7a7a7a7",
  detectorHome: "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
  detectorUse1: "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2",
  sshRule: "sgr-0aaaaaaaaaaaaaaa1",
};
const KEYS = { admin: "AKIAADMINKEY00000001", dev: "AKIADEVKEY0000000001", backdoor: "AKIABACKDOORKEY00001" };
const T = {
  attackStart: D - 6 * HOUR,
  stop: D - 5 * HOUR - 50 * MIN,
  open: D - 5 * HOUR - 20 * MIN,
  eastDeleted: D - 4 * HOUR,
  restart: D - 2 * HOUR,
  selectors: D - 90 * MIN,
  detectors: S + 30 * MIN,
  hub: D - 48 * HOUR,
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const isoMs = (ms: number) => new Date(ms).toISOString();

type Who = "admin" | "dev" | "attacker" | "backdoor";
const users: Record<Who, { userName: string; key: string; ip: string; id: string }> = {
  admin: { userName: "cloud-admin", key: KEYS.admin, ip: IP.office, id: "AIDAADMINADMINADMIN01" },
  dev: { userName: "dev-mika", key: KEYS.dev, ip: IP.office, id: "AIDADEVDEVDEVDEVDEV01" },
  attacker: { userName: "dev-mika", key: KEYS.dev, ip: IP.attacker, id: "AIDADEVDEVDEVDEVDEV01" },
  backdoor: { userName: "backup-svc", key: KEYS.backdoor, ip: IP.attacker, id: "AIDABACKDOORBACKDOOR1" },
};

interface RecOpts {
  who: Who;
  source: string;
  region?: string;
  params?: Record<string, unknown>;
  response?: Record<string, unknown>;
  readOnly?: boolean;
  data?: boolean;
  error?: string;
  resources?: { type: string; ARN: string }[];
}

/** A hand-made BuildOutput: an account with a trail, a web server, flow logs and detectors, and an attack on it. */
function fixture(opts: { detections?: Detection[]; securityHub?: boolean; detectorRegions?: string[] } = {}) {
  let seq = 0;
  const records: CloudTrailRecord[] = [];
  const rec = (at: number, eventName: string, o: RecOpts) => {
    const u = users[o.who];
    seq++;
    records.push({
      eventVersion: "1.11",
      userIdentity: {
        type: "IAMUser",
        principalId: u.id,
        arn: `arn:aws:iam::${ACCOUNT}:user/${u.userName}`,
        accountId: ACCOUNT,
        accessKeyId: u.key,
        userName: u.userName,
      },
      eventTime: iso(at),
      eventSource: o.source,
      eventName,
      awsRegion: o.region ?? HOME,
      sourceIPAddress: u.ip,
      userAgent: o.who === "attacker" || o.who === "backdoor" ? "aws-cli/2.13.5 Linux/6.5.0-kali3-amd64" : "aws-cli/2.15.30 Darwin/23.4.0",
      ...(o.error ? { errorCode: o.error, errorMessage: "not authorized" } : {}),
      requestParameters: o.params ?? null,
      responseElements: o.response ?? null,
      requestID: `req-${seq}`,
      eventID: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
      ...(o.resources ? { resources: o.resources } : {}),
      readOnly: o.readOnly ?? false,
      eventType: "AwsApiCall",
      managementEvent: !o.data,
      recipientAccountId: ACCOUNT,
      eventCategory: o.data ? "Data" : "Management",
    });
  };
  const ct = "cloudtrail.amazonaws.com";
  const mainArn = `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/main`;
  rec(S, "CreateTrail", {
    who: "admin",
    source: ct,
    params: { name: "main", s3BucketName: "trail-bucket", isMultiRegionTrail: true },
    response: { name: "main", s3BucketName: "trail-bucket", includeGlobalServiceEvents: true, isMultiRegionTrail: true, trailARN: mainArn },
  });
  rec(S, "StartLogging", { who: "admin", source: ct, params: { name: "main" } });
  rec(S + MIN, "CreateTrail", {
    who: "admin",
    source: ct,
    region: USE1,
    params: { name: "east", s3BucketName: "east-bucket", includeGlobalServiceEvents: false },
    response: {
      name: "east",
      s3BucketName: "east-bucket",
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
      trailARN: `arn:aws:cloudtrail:${USE1}:${ACCOUNT}:trail/east`,
    },
  });
  rec(S + MIN, "StartLogging", { who: "admin", source: ct, region: USE1, params: { name: "east" } });
  rec(S + 10 * MIN, "GetCallerIdentity", { who: "attacker", source: "sts.amazonaws.com", region: USE1, readOnly: true });
  rec(T.detectors, "CreateDetector", { who: "admin", source: "guardduty.amazonaws.com", params: { enable: true }, response: { detectorId: IDS.detectorHome } });
  rec(T.detectors, "CreateDetector", {
    who: "admin",
    source: "guardduty.amazonaws.com",
    region: USE1,
    params: { enable: true },
    response: { detectorId: IDS.detectorUse1 },
  });
  rec(S + 2 * HOUR, "CreateUser", { who: "dev", source: "iam.amazonaws.com", region: USE1, params: { userName: "ci-bot" } });
  let n = 0;
  for (let t = S + HOUR; t < D - HOUR; t += 45 * MIN, n++) {
    rec(t, "DescribeInstances", { who: "dev", source: "ec2.amazonaws.com", readOnly: true });
    if (n % 2 === 0) rec(t + MIN, "ListUsers", { who: "dev", source: "iam.amazonaws.com", region: USE1, readOnly: true });
    if (n % 4 === 1) rec(t + 2 * MIN, "DescribeSecurityGroups", { who: "dev", source: "ec2.amazonaws.com", region: USE1, readOnly: true });
  }
  rec(T.attackStart, "GetCallerIdentity", { who: "attacker", source: "sts.amazonaws.com", region: USE1, readOnly: true });
  rec(T.attackStart + 2 * MIN, "ListUsers", { who: "attacker", source: "iam.amazonaws.com", region: USE1, readOnly: true });
  rec(T.attackStart + 5 * MIN, "DescribeInstances", { who: "attacker", source: "ec2.amazonaws.com", readOnly: true });
  rec(T.stop, "StopLogging", { who: "attacker", source: ct, params: { name: "main" } });
  rec(T.stop + 5 * MIN, "StopLogging", { who: "attacker", source: ct, region: USE1, params: { name: "east" }, error: "AccessDeniedException" });
  rec(T.stop + 10 * MIN, "CreateUser", { who: "attacker", source: "iam.amazonaws.com", region: USE1, params: { userName: "backup-svc" } });
  rec(T.stop + 11 * MIN, "CreateAccessKey", {
    who: "attacker",
    source: "iam.amazonaws.com",
    region: USE1,
    params: { userName: "backup-svc" },
    response: { accessKey: { userName: "backup-svc", accessKeyId: KEYS.backdoor, status: "Active" } },
  });
  rec(T.stop + 20 * MIN, "ListBuckets", { who: "backdoor", source: "s3.amazonaws.com", region: USE1, readOnly: true });
  rec(T.open, "AuthorizeSecurityGroupIngress", {
    who: "backdoor",
    source: "ec2.amazonaws.com",
    params: { groupId: IDS.webSg, ipPermissions: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }] },
    response: {
      return: true,
      securityGroupRules: [
        { securityGroupRuleId: IDS.sshRule, groupId: IDS.webSg, isEgress: false, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
      ],
    },
  });
  rec(T.eastDeleted, "DeleteTrail", { who: "admin", source: ct, region: USE1, params: { name: "east" } });
  rec(T.restart, "StartLogging", { who: "admin", source: ct, params: { name: "main" } });
  rec(T.restart + 10 * MIN, "DescribeInstances", { who: "admin", source: "ec2.amazonaws.com", readOnly: true });
  const selectors = [
    { readWriteType: "WriteOnly", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::data-bucket/"] }] },
  ];
  rec(T.selectors, "PutEventSelectors", {
    who: "admin",
    source: ct,
    params: { trailName: "main", eventSelectors: selectors },
    response: { trailARN: mainArn, eventSelectors: selectors },
  });
  const object = (key: string) => [
    { type: "AWS::S3::Object", ARN: `arn:aws:s3:::data-bucket/${key}` },
    { type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::data-bucket" },
  ];
  rec(D - 80 * MIN, "GetObject", {
    who: "backdoor",
    source: "s3.amazonaws.com",
    data: true,
    readOnly: true,
    params: { bucketName: "data-bucket", key: "customers.csv" },
    resources: object("customers.csv"),
  });
  rec(D - 79 * MIN, "PutObject", {
    who: "backdoor",
    source: "s3.amazonaws.com",
    data: true,
    params: { bucketName: "data-bucket", key: "README-ransom.txt" },
    resources: object("README-ransom.txt"),
  });
  rec(D - 78 * MIN, "DescribeInstances", { who: "backdoor", source: "ec2.amazonaws.com", readOnly: true });
  rec(D - 77 * MIN, "CreateTags", {
    who: "backdoor",
    source: "ec2.amazonaws.com",
    params: { resourcesSet: [IDS.instance], tagSet: [{ key: "pwned", value: "yes" }] },
  });
  const order = records.map((r, i) => ({ r, i })).sort((a, b) => Date.parse(a.r.eventTime) - Date.parse(b.r.eventTime) || a.i - b.i);

  const detectorRegions = opts.detectorRegions ?? [HOME, USE1];
  const detector = (id: string) => ({
    DetectorId: id,
    Status: "ENABLED",
    CreatedAt: isoMs(T.detectors),
    UpdatedAt: isoMs(T.detectors),
    FindingPublishingFrequency: "FIFTEEN_MINUTES",
  });
  const rule = (id: string, group: string, egress: boolean, extra: Record<string, unknown>) => ({
    SecurityGroupRuleId: id,
    GroupId: group,
    GroupOwnerId: ACCOUNT,
    IsEgress: egress,
    SecurityGroupRuleArn: `arn:aws:ec2:${HOME}:${ACCOUNT}:security-group-rule/${id}`,
    Tags: [],
    ...extra,
  });
  const user = (name: string, id: string, key: string, policies: string[]) => ({
    Path: "/",
    UserName: name,
    UserId: id,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    CreateDate: iso(S - 200 * 24 * HOUR),
    AccessKeys: [{ UserName: name, AccessKeyId: key, Status: "Active", CreateDate: iso(S - 200 * 24 * HOUR) }],
    InlinePolicies: {},
    AttachedPolicies: policies,
    Groups: [],
  });
  const accounts: BuildOutput["accounts"] = {
    [ACCOUNT]: {
      global: {
        iam: {
          users: {
            "ir-responder": user("ir-responder", "AIDARESPONDERRESPOND1", "AKIAEXAMPLERESPOND01", ["arn:aws:iam::aws:policy/AdministratorAccess"]),
            "cloud-admin": user("cloud-admin", users.admin.id, KEYS.admin, ["arn:aws:iam::aws:policy/AdministratorAccess"]),
            "dev-mika": user("dev-mika", users.dev.id, KEYS.dev, ["arn:aws:iam::aws:policy/AdministratorAccess"]),
            "backup-svc": { ...user("backup-svc", users.backdoor.id, KEYS.backdoor, []), CreateDate: iso(T.stop + 10 * MIN) },
          },
          roles: {},
          policies: {},
          groups: {},
          instanceProfiles: {},
        },
        s3: {
          buckets: Object.fromEntries(
            ["trail-bucket", "east-bucket", "flow-bucket", "data-bucket"].map((b) => [
              b,
              { name: b, region: b === "east-bucket" ? USE1 : HOME, creationDate: iso(S - HOUR), objects: {}, deleted: [] },
            ]),
          ),
        },
      },
      regions: {
        [HOME]: {
          cloudtrail: {
            trails: {
              [mainArn]: {
                Name: "main",
                S3BucketName: "trail-bucket",
                IncludeGlobalServiceEvents: true,
                IsMultiRegionTrail: true,
                HomeRegion: HOME,
                TrailARN: mainArn,
                LogFileValidationEnabled: false,
                HasCustomEventSelectors: true,
                IsLogging: true,
                EventSelectors: [
                  {
                    ReadWriteType: "WriteOnly",
                    IncludeManagementEvents: true,
                    DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::data-bucket/"] }],
                  },
                ],
              },
            },
          },
          ec2: {
            instances: {
              [IDS.instance]: {
                ReservationId: "r-0123456789abcdef0",
                InstanceId: IDS.instance,
                ImageId: "ami-0b5c74e235ed808b9",
                InstanceType: "t3.small",
                State: { Code: 16, Name: "running" },
                LaunchTime: iso(S - 10 * 24 * HOUR),
                Placement: { AvailabilityZone: "ap-northeast-1a", GroupName: "", Tenancy: "default" },
                PrivateIpAddress: IP.webPrivate,
                PublicIpAddress: IP.webPublic,
                PrivateDnsName: "ip-10-0-1-10.ap-northeast-1.compute.internal",
                PublicDnsName: "ec2-198-51-100-10.ap-northeast-1.compute.amazonaws.com",
                VpcId: IDS.vpc,
                SubnetId: IDS.subnet,
                SecurityGroups: [{ GroupId: IDS.webSg, GroupName: "web" }],
                IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web`, Id: "AIPAWEBWEBWEBWEBWEB01" },
                MetadataOptions: { State: "applied", HttpTokens: "optional", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 1 },
                NetworkInterfaces: [
                  {
                    NetworkInterfaceId: IDS.eni,
                    SubnetId: IDS.subnet,
                    VpcId: IDS.vpc,
                    PrivateIpAddress: IP.webPrivate,
                    PrivateDnsName: "ip-10-0-1-10.ap-northeast-1.compute.internal",
                    Groups: [{ GroupId: IDS.webSg, GroupName: "web" }],
                    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: IP.webPrivate, PrivateDnsName: "ip-10-0-1-10.ap-northeast-1.compute.internal" }],
                    Association: { IpOwnerId: "amazon", PublicIp: IP.webPublic, PublicDnsName: "ec2-198-51-100-10.ap-northeast-1.compute.amazonaws.com" },
                    Ipv6Addresses: [],
                  },
                ],
                Tags: [{ Key: "Name", Value: "web-1" }],
              },
            },
            securityGroups: {
              [IDS.defaultSg]: { GroupId: IDS.defaultSg, GroupName: "default", Description: "default VPC security group", VpcId: IDS.vpc, OwnerId: ACCOUNT },
              [IDS.webSg]: { GroupId: IDS.webSg, GroupName: "web", Description: "web", VpcId: IDS.vpc, OwnerId: ACCOUNT },
            },
            securityGroupRules: {
              "sgr-0bbbbbbbbbbbbbbb1": rule("sgr-0bbbbbbbbbbbbbbb1", IDS.defaultSg, false, {
                IpProtocol: "-1",
                FromPort: -1,
                ToPort: -1,
                ReferencedGroupInfo: { GroupId: IDS.defaultSg },
              }),
              "sgr-0bbbbbbbbbbbbbbb2": rule("sgr-0bbbbbbbbbbbbbbb2", IDS.defaultSg, true, {
                IpProtocol: "-1",
                FromPort: -1,
                ToPort: -1,
                CidrIpv4: "0.0.0.0/0",
              }),
              "sgr-0ccccccccccccccc1": rule("sgr-0ccccccccccccccc1", IDS.webSg, false, {
                IpProtocol: "tcp",
                FromPort: 443,
                ToPort: 443,
                CidrIpv4: "0.0.0.0/0",
              }),
              "sgr-0ccccccccccccccc2": rule("sgr-0ccccccccccccccc2", IDS.webSg, true, { IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" }),
              [IDS.sshRule]: rule(IDS.sshRule, IDS.webSg, false, { IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: "0.0.0.0/0" }),
            },
            volumes: {},
            snapshots: {},
            images: {},
            keyPairs: {},
            networkInterfaces: {},
            vpcs: { [IDS.vpc]: { VpcId: IDS.vpc, CidrBlock: "10.0.0.0/16", State: "available", OwnerId: ACCOUNT, IsDefault: false } },
            subnets: {
              [IDS.subnet]: {
                SubnetId: IDS.subnet,
                VpcId: IDS.vpc,
                CidrBlock: "10.0.1.0/24",
                AvailabilityZone: "ap-northeast-1a",
                MapPublicIpOnLaunch: true,
                State: "available",
              },
            },
            flowLogs: {
              [IDS.flowLog]: {
                FlowLogId: IDS.flowLog,
                CreationTime: isoMs(S),
                DeliverLogsStatus: "SUCCESS",
                FlowLogStatus: "ACTIVE",
                ResourceId: IDS.vpc,
                TrafficType: "ALL",
                LogDestinationType: "s3",
                LogDestination: "arn:aws:s3:::flow-bucket",
                MaxAggregationInterval: 600,
              },
            },
            iamInstanceProfileAssociations: {},
          },
          ...(detectorRegions.includes(HOME)
            ? { guardduty: { detectors: { [IDS.detectorHome]: detector(IDS.detectorHome) }, findings: {}, filters: {} } }
            : {}),
        },
        [USE1]: detectorRegions.includes(USE1)
          ? { guardduty: { detectors: { [IDS.detectorUse1]: detector(IDS.detectorUse1) }, findings: {}, filters: {} } }
          : {},
      },
    },
  };
  const local = (side: "src" | "dst"): ResolvedFlow["local"] => ({
    instanceId: IDS.instance,
    eni: IDS.eni,
    privateIp: IP.webPrivate,
    publicIp: IP.webPublic,
    vpcId: IDS.vpc,
    subnetId: IDS.subnet,
    side,
  });
  const flow = (f: Partial<ResolvedFlow> & Pick<ResolvedFlow, "step" | "start" | "end" | "src" | "dst" | "dstPort">): ResolvedFlow => ({
    region: HOME,
    protocol: "tcp",
    connections: 1,
    packets: 3,
    bytes: 180,
    replyBytes: 0,
    action: "ACCEPT",
    ...f,
  });
  const flows: ResolvedFlow[] = [
    // Knocking on SSH before it was opened: the group turns it away.
    flow({
      step: 0,
      start: D - 5 * HOUR - 40 * MIN,
      end: D - 5 * HOUR - 39 * MIN,
      src: IP.attacker,
      dst: IP.webPublic,
      dstPort: 22,
      connections: 5,
      bytes: 300,
      packets: 5,
      local: local("dst"),
    }),
    // The brute force once the attacker's own rule let it in.
    flow({
      step: 1,
      start: D - 3 * HOUR,
      end: D - 3 * HOUR + 30 * MIN,
      src: IP.attacker,
      dst: IP.webPublic,
      dstPort: 22,
      connections: 40,
      bytes: 2000,
      packets: 14,
      replyBytes: 3000,
      local: local("dst"),
    }),
    // The miner's stratum connection to the pool, an hour long.
    flow({
      step: 2,
      start: D - 150 * MIN,
      end: D - 90 * MIN,
      src: IP.webPrivate,
      dst: IP.pool,
      dstPort: 3333,
      bytes: 60_000,
      packets: 600,
      replyBytes: 120_000,
      local: local("src"),
    }),
  ];
  const timeline: Timeline = {
    seed: "evidence-test/1",
    start: "-3d",
    flowLogWindow: "10m",
    ips: { attacker: IP.attacker, office: IP.office },
    ipInfo: {
      [IP.attacker]: { country: "Netherlands", countryCode: "NL", city: "Amsterdam", asn: "64500", org: "Example VPS Hosting", lat: 52.37, lon: 4.89 },
    },
    actors: {},
    timeline: [],
    detections: opts.detections ?? DETECTIONS,
    ...(opts.securityHub === false ? {} : { securityHub: { enabled: "-2d" } }),
  };
  const rngs = new Map<string, Rng>();
  const objects: { bucket: string; key: string; body: Buffer }[] = [];
  const log: string[] = [];
  const out: BuildOutput = {
    manifest: {
      name: "evidence-test",
      title: { en: "Evidence test", ja: "証拠のテスト" },
      accountId: ACCOUNT,
      homeRegion: HOME,
      regions: [HOME, USE1],
      recordedDiscovery: iso(D),
      discoveredMinutesBeforeStart: 120,
      credentials: [
        {
          label: "responder",
          accessKeyId: "AKIAEXAMPLERESPOND01",
          principal: {
            type: "IAMUser",
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/ir-responder`,
            principalId: "AIDARESPONDERRESPOND1",
            userName: "ir-responder",
          },
        },
      ],
      briefing: { en: "briefing.en.md", ja: "briefing.ja.md" },
      responder: "responder",
    },
    timeline,
    discovery: D,
    start: S,
    records: order.map((x) => x.r),
    accounts,
    flows,
    web: [],
    dns: [{ step: 3, start: D - 150 * MIN, end: D - 90 * MIN, region: HOME, instanceId: IDS.instance, query: "pool.minexmr.example", count: 12 }],
    saved: {},
    interpolate: (text) => text.replace(/\$\{ip\.(\w+)\}/g, (_, k: string) => (timeline.ips as Record<string, string>)[k]),
    rng: (label) => {
      let r = rngs.get(label);
      if (!r) {
        r = new Rng(`${timeline.seed}/${label}`);
        rngs.set(label, r);
      }
      return r;
    },
    writeObject: (bucket, key, body) => objects.push({ bucket, key, body }),
    log: (line) => log.push(line),
  };
  return { out, objects, log };
}

const DETECTIONS: Detection[] = [
  { type: "Stealth:IAMUser/CloudTrailLoggingDisabled", severity: 2, calls: { eventName: "StopLogging" }, outcome: "success", firstTimeFor: "principal" },
  { type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", severity: 5, calls: { sourceIPAddress: "${ip.attacker}" } },
  { type: "Persistence:IAMUser/AnomalousBehavior", severity: 5, calls: { eventName: ["CreateUser", "CreateAccessKey"] }, firstTimeFor: "principal" },
  { type: "UnauthorizedAccess:EC2/SSHBruteForce", severity: 2, flows: { dstPort: 22, src: "${ip.attacker}", minConnections: 20 } },
  { type: "Recon:EC2/PortProbeUnprotectedPort", severity: 2, flows: { dstPort: 443, direction: "inbound" } },
  { type: "CryptoCurrency:EC2/BitcoinTool.B!DNS", severity: 8, dns: ["minexmr.example"] },
];

interface TrailFile {
  bucket: string;
  key: string;
  records: CloudTrailRecord[];
}

const trailFiles = (objects: { bucket: string; key: string; body: Buffer }[]): TrailFile[] =>
  objects
    .filter((o) => o.key.includes("/CloudTrail/"))
    .map((o) => ({ bucket: o.bucket, key: o.key, records: (JSON.parse(gunzipSync(o.body).toString("utf8")) as { Records: CloudTrailRecord[] }).Records }));

/** How many files of the bucket hold the record. */
const filesHolding = (files: TrailFile[], bucket: string, r: CloudTrailRecord) =>
  files.filter((f) => f.bucket === bucket && f.records.some((x) => x.eventID === r.eventID)).length;

const FLOW_HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

interface FlowRow {
  eni: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: string;
  key: string;
}

function flowRows(objects: { bucket: string; key: string; body: Buffer }[]): FlowRow[] {
  return objects
    .filter((o) => o.key.includes("/vpcflowlogs/"))
    .flatMap((o) => {
      const [header, ...lines] = gunzipSync(o.body).toString("utf8").trimEnd().split("\n");
      expect(header).toBe(FLOW_HEADER);
      return lines.map((l) => {
        const f = l.split(" ");
        expect(f).toHaveLength(14);
        expect(f.slice(0, 2)).toEqual(["2", ACCOUNT]);
        expect(f[13]).toBe("OK");
        return {
          eni: f[2],
          src: f[3],
          dst: f[4],
          sport: Number(f[5]),
          dport: Number(f[6]),
          packets: Number(f[8]),
          bytes: Number(f[9]),
          start: Number(f[10]) * 1000,
          end: Number(f[11]) * 1000,
          action: f[12],
          key: o.key,
        };
      });
    });
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("CloudTrail log files", () => {
  const { out, objects } = fixture();
  writeTrailFiles(out);
  const files = trailFiles(objects);
  const timeOf = (r: CloudTrailRecord) => Date.parse(r.eventTime);

  it("hold every record made while the trail logged, once, and none made while it was stopped (LookupEvents still has them)", () => {
    // From the trail's first StartLogging (its CreateTrail came just before: not logging yet).
    const started = out.records.findIndex((r) => r.eventName === "StartLogging");
    const before = out.records.filter((r, i) => i >= started && timeOf(r) <= T.stop);
    expect(filesHolding(files, "trail-bucket", out.records[started - 1])).toBe(0);
    const gap = out.records.filter((r) => timeOf(r) > T.stop && timeOf(r) < T.restart);
    const restarted = out.records.findIndex((r) => r.eventName === "StartLogging" && timeOf(r) === T.restart);
    const after = out.records.filter((r, i) => i >= restarted && timeOf(r) < T.selectors);
    const gapEnd = out.records.filter((r, i) => i < restarted && timeOf(r) === T.restart);
    for (const r of gapEnd) expect(filesHolding(files, "trail-bucket", r), `${r.eventName} ${r.eventTime}`).toBe(0);
    expect(gap.map((r) => r.eventName)).toEqual(expect.arrayContaining(["CreateUser", "CreateAccessKey", "AuthorizeSecurityGroupIngress"]));
    for (const r of before) expect(filesHolding(files, "trail-bucket", r), `${r.eventName} ${r.eventTime}`).toBe(1);
    for (const r of gap) expect(filesHolding(files, "trail-bucket", r), `${r.eventName} ${r.eventTime}`).toBe(0);
    for (const r of after) expect(filesHolding(files, "trail-bucket", r), `${r.eventName} ${r.eventTime}`).toBe(1);
    // The attacker's own StopLogging is the trail's last record before the gap; the admin's StartLogging its first after.
    const stop = out.records.find((r) => r.eventName === "StopLogging" && !r.errorCode) as CloudTrailRecord;
    expect(filesHolding(files, "trail-bucket", stop)).toBe(1);
    expect(filesHolding(files, "trail-bucket", out.records.find((r) => r.eventName === "StartLogging" && timeOf(r) === T.restart) as CloudTrailRecord)).toBe(1);
  });

  it("are laid out and batched as CloudTrail delivers them, and the loader can move them in time", () => {
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const m =
        /^AWSLogs\/111122223333\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/111122223333_CloudTrail_\1_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$/.exec(
          f.key,
        );
      expect(m, f.key).not.toBeNull();
      const [, region, y, mo, d, stamp] = m as RegExpExecArray;
      const written = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:00Z`);
      expect(`${y}${mo}${d}`).toBe(stamp.slice(0, 8));
      for (const r of f.records) {
        expect(r.awsRegion).toBe(region);
        // Delivered within five minutes of the call, never before it.
        expect(written).toBeGreaterThan(timeOf(r));
        expect(written - timeOf(r)).toBeLessThanOrEqual(5 * MIN);
      }
      const moved = shiftLogKey(f.key, 86_400_000);
      expect(moved?.key).toContain(`_${new Date(written + 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")}T`);
    }
    // The trail's status says when it last delivered.
    const trail = Object.values(
      (out.accounts[ACCOUNT].regions[HOME].cloudtrail as { trails: Record<string, { Delivery?: { LatestDeliveryTime?: string } }> }).trails,
    )[0];
    const stampOf = (key: string) => (/_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(key) as RegExpExecArray).slice(1);
    const last = Math.max(
      ...files
        .filter((f) => f.bucket === "trail-bucket")
        .map((f) => {
          const [y, mo, d, h, mi] = stampOf(f.key);
          return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`);
        }),
    );
    expect(Date.parse(trail.Delivery?.LatestDeliveryTime ?? "")).toBe(last);
  });

  it("follow the trail's selectors: write-only management events and the data bucket's object writes after PutEventSelectors", () => {
    const late = out.records.filter((r) => timeOf(r) > T.selectors);
    const taken = late.filter((r) => filesHolding(files, "trail-bucket", r) === 1).map((r) => r.eventName);
    const left = late.filter((r) => filesHolding(files, "trail-bucket", r) === 0).map((r) => r.eventName);
    expect(taken).toEqual(["PutObject", "CreateTags"]);
    expect(left).toEqual(expect.arrayContaining(["GetObject", "DescribeInstances"]));
    for (const r of late.filter((x) => filesHolding(files, "trail-bucket", x) === 0)) expect(r.readOnly, r.eventName).toBe(true);
    // Before the change, read-only management events were delivered.
    const early = out.records.filter((r) => r.eventName === "DescribeInstances" && timeOf(r) > T.restart && timeOf(r) < T.selectors);
    expect(early.length).toBeGreaterThan(0);
    for (const r of early) expect(filesHolding(files, "trail-bucket", r)).toBe(1);
  });

  it("reach a single-region trail only for its region, without global events when it excludes them, until it is deleted", () => {
    const east = out.records.filter((r) => filesHolding(files, "east-bucket", r) > 0);
    expect(east.length).toBeGreaterThan(3);
    for (const r of east) {
      expect(r.awsRegion).toBe(USE1);
      expect(["iam.amazonaws.com", "sts.amazonaws.com"]).not.toContain(r.eventSource);
      expect(timeOf(r)).toBeLessThan(T.eastDeleted);
      expect(filesHolding(files, "east-bucket", r)).toBe(1);
    }
    // The failed StopLogging on it is logged (the trail went on logging); everything of its region before deletion is there.
    const started = out.records.findIndex((r) => r.eventName === "StartLogging" && r.awsRegion === USE1);
    const expected = out.records.filter(
      (r, i) => i >= started && r.awsRegion === USE1 && !["iam.amazonaws.com", "sts.amazonaws.com"].includes(r.eventSource) && timeOf(r) < T.eastDeleted,
    );
    expect(east.map((r) => r.eventID)).toEqual(expected.map((r) => r.eventID));
    expect(east.some((r) => r.eventName === "StopLogging" && r.errorCode)).toBe(true);
  });
});

describe("VPC flow logs", () => {
  const { out, objects } = fixture();
  writeFlowLogs(out);
  const rows = flowRows(objects);
  const attackerIn = rows.filter((r) => r.src === IP.attacker && r.dport === 22);

  it("are written per flow log about every five minutes, in AWS's key layout, each record delivered after its window", () => {
    const keys = [...new Set(rows.map((r) => r.key))];
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) {
      const m =
        /^AWSLogs\/111122223333\/vpcflowlogs\/ap-northeast-1\/\d{4}\/\d{2}\/\d{2}\/111122223333_vpcflowlogs_ap-northeast-1_fl-0a7a7a7a7a7a7a7a7_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[0-9a-f]{8}\.log\.gz$/.exec(
          k,
        );
      expect(m, k).not.toBeNull();
      const [, y, mo, d, h, mi] = m as RegExpExecArray;
      const written = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`);
      for (const r of rows.filter((x) => x.key === k)) expect(r.end).toBeLessThan(written);
    }
    for (const r of rows) expect(r.eni).toBe(IDS.eni);
  });

  it("reject what the security group did not admit then, and accept it once the attacker's rule was there", () => {
    const early = attackerIn.filter((r) => r.start < T.open);
    expect(early).toHaveLength(5);
    for (const r of early) expect(r).toMatchObject({ dst: IP.webPrivate, action: "REJECT" });
    expect(rows.filter((r) => r.dst === IP.attacker && r.start < T.open)).toEqual([]);
    const late = attackerIn.filter((r) => r.start > T.open);
    expect(new Set(late.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
    // Forty connections, each its own source port, sharing the step's bytes both ways.
    expect(new Set(late.map((r) => r.sport)).size).toBe(40);
    expect(sum(late.map((r) => r.bytes))).toBe(2000);
    const replies = rows.filter((r) => r.src === IP.webPrivate && r.dst === IP.attacker && r.sport === 22);
    expect(sum(replies.map((r) => r.bytes))).toBe(3000);
    expect(new Set(replies.map((r) => r.dport))).toEqual(new Set(late.map((r) => r.sport)));
  });

  it("cut a long connection into the aggregation windows, one record per direction per window", () => {
    const out1 = rows.filter((r) => r.src === IP.webPrivate && r.dst === IP.pool && r.dport === 3333);
    const back = rows.filter((r) => r.src === IP.pool && r.dst === IP.webPrivate);
    expect(out1).toHaveLength(6);
    expect(back).toHaveLength(6);
    expect(sum(out1.map((r) => r.bytes))).toBe(60_000);
    expect(sum(back.map((r) => r.bytes))).toBe(120_000);
    expect(sum(out1.map((r) => r.packets))).toBe(600);
    for (const r of out1) {
      const window = Math.floor(r.start / (10 * MIN));
      expect(Math.floor((r.end - 1) / (10 * MIN))).toBeLessThanOrEqual(window);
      expect(r.action).toBe("ACCEPT");
    }
  });

  it("show the internet's scanners: a few probes an hour from documentation addresses, rejected unless the group admits the port", () => {
    const probes = rows.filter((r) => r.src.startsWith("192.0.2.") && r.dst === IP.webPrivate);
    const hours = (D - S) / HOUR;
    expect(probes.length).toBeGreaterThan(hours);
    expect(probes.length).toBeLessThan(hours * 8);
    for (const r of probes) {
      const open = r.dport === 443 || (r.dport === 22 && r.start >= T.open);
      expect(r.action, `${r.dport} at ${new Date(r.start).toISOString()}`).toBe(open ? "ACCEPT" : "REJECT");
    }
    expect(probes.some((r) => r.action === "REJECT" && r.dport === 3389)).toBe(true);
  });

  it("can be moved in time by the loader: key, folders and every record's start and end", () => {
    const file = objects.find((o) => o.key.includes("/vpcflowlogs/")) as { key: string; body: Buffer };
    const day = 86_400_000;
    const moved = shiftFlowLogKey(file.key, day + 30 * MIN);
    const stamp = /_(\d{8}T\d{4}Z)_[0-9a-f]{8}\.log\.gz$/.exec(file.key)?.[1] as string;
    const at = Date.parse(stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:00Z")) + day + 30 * MIN;
    const want = new Date(at).toISOString();
    expect(moved?.key).toBe(
      file.key
        .replace(/\/\d{4}\/\d{2}\/\d{2}\//, `/${want.slice(0, 10).replaceAll("-", "/")}/`)
        .replace(stamp, `${want.slice(0, 10).replaceAll("-", "")}T${want.slice(11, 16).replace(":", "")}Z`),
    );
    expect(moved?.written).toBe(want.replace(/\.000Z$/, "Z"));
    const before = gunzipSync(file.body).toString("utf8").trimEnd().split("\n");
    const after = gunzipSync(shiftFlowLogBody(file.body, day + 30 * MIN))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    expect(after[0]).toBe(FLOW_HEADER);
    expect(after).toHaveLength(before.length);
    before.slice(1).forEach((line, i) => {
      const a = line.split(" ");
      const b = after[i + 1].split(" ");
      expect(Number(b[10]) - Number(a[10])).toBe(86_400 + 1800);
      expect(Number(b[11]) - Number(a[11])).toBe(86_400 + 1800);
      expect([...b.slice(0, 10), ...b.slice(12)]).toEqual([...a.slice(0, 10), ...a.slice(12)]);
    });
    // Per-hour partitions move their hour folder too; other keys are not flow logs.
    expect(
      shiftFlowLogKey(
        "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/09/23/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260309T2355Z_0a1b2c3d.log.gz",
        10 * MIN,
      )?.key,
    ).toBe("AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/03/10/00/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260310T0005Z_0a1b2c3d.log.gz");
    expect(shiftFlowLogKey("nginx/access.log", day)).toBeUndefined();
  });
});

describe("GuardDuty findings", () => {
  const { out, objects } = fixture();
  writeFlowLogs(out);
  deriveGuardDutyFindings(out);
  const findings = (region: string) => Object.values((out.accounts[ACCOUNT].regions[region].guardduty as GuardDutyState).findings) as Finding[];
  const ofType = (region: string, type: string) => findings(region).filter((f) => f.Type === type);
  const timeOf = (r: CloudTrailRecord) => Date.parse(r.eventTime);

  it("raise CloudTrailLoggingDisabled once, for the principal's first StopLogging, in GuardDuty's schema", () => {
    const [f] = ofType(HOME, "Stealth:IAMUser/CloudTrailLoggingDisabled");
    expect(ofType(HOME, "Stealth:IAMUser/CloudTrailLoggingDisabled")).toHaveLength(1);
    expect(f).toMatchObject({
      AccountId: ACCOUNT,
      Region: HOME,
      Partition: "aws",
      SchemaVersion: "2.0",
      Severity: 2,
      Title: "AWS CloudTrail trail main was disabled.",
      Resource: {
        ResourceType: "AccessKey",
        AccessKeyDetails: { AccessKeyId: KEYS.dev, UserName: "dev-mika", UserType: "IAMUser", PrincipalId: users.dev.id },
      },
      Service: {
        Count: 1,
        DetectorId: IDS.detectorHome,
        ServiceName: "guardduty",
        ResourceRole: "TARGET",
        Archived: false,
        EventFirstSeen: isoMs(T.stop),
        EventLastSeen: isoMs(T.stop),
        Action: {
          ActionType: "AWS_API_CALL",
          AwsApiCallAction: {
            Api: "StopLogging",
            CallerType: "Remote IP",
            ServiceName: "cloudtrail.amazonaws.com",
            AffectedResources: { "AWS::CloudTrail::Trail": `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/main` },
            RemoteIpDetails: {
              IpAddressV4: IP.attacker,
              Country: { CountryCode: "NL", CountryName: "Netherlands" },
              City: { CityName: "Amsterdam" },
              Organization: { Asn: "64500" },
            },
          },
        },
      },
    });
    expect(f.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(f.Arn).toBe(`arn:aws:guardduty:${HOME}:${ACCOUNT}:detector/${IDS.detectorHome}/finding/${f.Id}`);
    const created = Date.parse(f.CreatedAt as string);
    expect(created - T.stop).toBeGreaterThanOrEqual(5 * MIN);
    expect(created - T.stop).toBeLessThanOrEqual(10 * MIN);
    expect(Date.parse(f.UpdatedAt as string)).toBeGreaterThanOrEqual(created);
  });

  it("aggregate repeats of a type on one access key into one finding per region, counting only what came after the detector", () => {
    const global = new Set(["iam.amazonaws.com", "sts.amazonaws.com"]);
    for (const region of [HOME, USE1]) {
      const caller = ofType(region, "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom");
      expect(caller.map((f) => f.Resource?.AccessKeyDetails?.AccessKeyId).sort()).toEqual([KEYS.backdoor, KEYS.dev].sort());
      for (const f of caller) {
        const key = f.Resource?.AccessKeyDetails?.AccessKeyId;
        // GuardDuty sees global services' events in every region it is enabled in.
        const mine = out.records.filter(
          (r) =>
            r.sourceIPAddress === IP.attacker &&
            (r.userIdentity as { accessKeyId?: string }).accessKeyId === key &&
            (r.awsRegion === region || global.has(r.eventSource)) &&
            timeOf(r) >= T.detectors,
        );
        expect(f.Service?.Count, `${region} ${key}`).toBe(mine.length);
        expect(f.Service?.EventFirstSeen).toBe(isoMs(timeOf(mine[0])));
        expect(f.Service?.EventLastSeen).toBe(isoMs(timeOf(mine[mine.length - 1])));
        expect(f.Service?.Action?.AwsApiCallAction?.Api).toBe(mine[mine.length - 1].eventName);
      }
    }
    // The attacker's GetCallerIdentity before the detector existed is in no count.
    const devHome = ofType(USE1, "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom").find((f) => f.Resource?.AccessKeyDetails?.AccessKeyId === KEYS.dev);
    expect(devHome?.Service?.EventFirstSeen).toBe(isoMs(T.attackStart));
  });

  it("count only a principal's first call of a kind with firstTimeFor, and word the anomaly as GuardDuty does", () => {
    const [f] = ofType(USE1, "Persistence:IAMUser/AnomalousBehavior");
    // dev's own CreateUser came first; the attacker's CreateUser with the same key is not new, its CreateAccessKey is.
    expect(f.Service?.Count).toBe(2);
    expect(f.Service?.EventFirstSeen).toBe(isoMs(S + 2 * HOUR));
    expect(f.Service?.Action?.AwsApiCallAction?.Api).toBe("CreateAccessKey");
    expect(f.Title).toBe("The user IAMUser : dev-mika is anomalously invoking APIs commonly used in Persistence tactics.");
  });

  it("raise network findings on the instance from accepted connections only, and DNS findings from its queries", () => {
    const [brute] = ofType(HOME, "UnauthorizedAccess:EC2/SSHBruteForce");
    expect(ofType(HOME, "UnauthorizedAccess:EC2/SSHBruteForce")).toHaveLength(1);
    expect(brute.Service?.Count).toBe(40);
    expect(brute.Title).toBe(`${IP.attacker} is performing SSH brute force attacks against ${IDS.instance}.`);
    expect(brute.Service?.Action?.NetworkConnectionAction).toMatchObject({
      ConnectionDirection: "INBOUND",
      Blocked: false,
      Protocol: "TCP",
      LocalPortDetails: { Port: 22, PortName: "SSH" },
      LocalIpDetails: { IpAddressV4: IP.webPrivate },
      RemoteIpDetails: { IpAddressV4: IP.attacker, Country: { CountryName: "Netherlands" } },
    });
    expect(brute.Resource).toMatchObject({
      ResourceType: "Instance",
      InstanceDetails: {
        InstanceId: IDS.instance,
        InstanceType: "t3.small",
        ImageId: "ami-0b5c74e235ed808b9",
        InstanceState: "running",
        IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web` },
        NetworkInterfaces: [
          {
            NetworkInterfaceId: IDS.eni,
            PrivateIpAddress: IP.webPrivate,
            PublicIp: IP.webPublic,
            SecurityGroups: [{ GroupId: IDS.webSg, GroupName: "web" }],
            VpcId: IDS.vpc,
            SubnetId: IDS.subnet,
          },
        ],
        Tags: [{ Key: "Name", Value: "web-1" }],
      },
    });
    // The scanners' probes of the open HTTPS port: the same probes the flow logs show as accepted.
    const [probe] = ofType(HOME, "Recon:EC2/PortProbeUnprotectedPort");
    const accepted443 = flowRows(objects).filter((r) => r.src.startsWith("192.0.2.") && r.dport === 443 && r.action === "ACCEPT");
    expect(accepted443.length).toBeGreaterThan(0);
    expect(probe.Service?.Count).toBe(accepted443.length);
    expect(probe.Service?.Action?.PortProbeAction?.PortProbeDetails?.[0]).toMatchObject({ LocalPortDetails: { Port: 443, PortName: "HTTPS" } });
    const [dns] = ofType(HOME, "CryptoCurrency:EC2/BitcoinTool.B!DNS");
    expect(dns.Service?.Count).toBe(12);
    expect(dns.Service?.ResourceRole).toBe("ACTOR");
    expect(dns.Service?.Action).toEqual({
      ActionType: "DNS_REQUEST",
      DnsRequestAction: { Domain: "pool.minexmr.example", Protocol: "UDP", Blocked: false, DomainWithSuffix: "minexmr.example" },
    });
    expect(dns.Title).toBe(`Bitcoin-related domain name queried by EC2 instance ${IDS.instance}.`);
  });

  it("name the rule when its evidence falls in a region without a detector", () => {
    const { out: bad } = fixture({
      detectorRegions: [HOME],
      detections: [{ type: "Discovery:IAMUser/AnomalousBehavior", severity: 2, calls: { eventName: "DescribeSecurityGroups" } }],
    });
    expect(() => deriveGuardDutyFindings(bad)).toThrow(EvidenceError);
    expect(() => deriveGuardDutyFindings(bad)).toThrow(
      /^detections\[0\]: Discovery:IAMUser\/AnomalousBehavior: evidence at .* in us-east-1, where no GuardDuty detector was created/,
    );
  });
});

describe("Security Hub control findings", () => {
  const { out } = fixture();
  deriveEvidence(out);
  const hub = (region: string) => out.accounts[ACCOUNT].regions[region].securityhub as SecurityHubState;
  const control = (id: string, resource: string) =>
    Object.values(hub(HOME).controls).find((c) => c.controlId === id && (c.resource as { Id?: string }).Id === resource);
  const sg = `arn:aws:ec2:${HOME}:${ACCOUNT}:security-group/${IDS.webSg}`;

  it("enable the hub at the timeline's time in every region, with the default standards", () => {
    for (const region of [HOME, USE1]) {
      expect(hub(region).hub).toMatchObject({ HubArn: `arn:aws:securityhub:${region}:${ACCOUNT}:hub/default`, SubscribedAt: isoMs(T.hub) });
      expect(Object.keys(hub(region).standards).length).toBeGreaterThan(0);
    }
  });

  it("date a failing control from the call that made it fail, plus Config's minutes, never before the hub", () => {
    for (const id of ["EC2.13", "EC2.18", "EC2.19"]) {
      expect(control(id, sg), id).toMatchObject({ status: "FAILED", createdAt: isoMs(T.open + 3 * MIN) });
    }
    // Failing since its launch, ten days before the hub existed: from the hub's first evaluation.
    expect(control("EC2.8", `arn:aws:ec2:${HOME}:${ACCOUNT}:instance/${IDS.instance}`)).toMatchObject({ status: "FAILED", createdAt: isoMs(T.hub) });
    // The multi-region trail was stopped, started again, then narrowed to write-only events: failing since that change.
    expect(control("CloudTrail.1", `AWS::::Account:${ACCOUNT}`)).toMatchObject({ status: "FAILED", createdAt: isoMs(T.selectors + 3 * MIN) });
    expect(control("GuardDuty.1", `AWS::::Account:${ACCOUNT}`)).toMatchObject({ status: "PASSED", createdAt: isoMs(T.hub) });
  });

  it("date CloudTrail.1 from the StopLogging when the trail stays stopped", () => {
    const { out: stopped } = fixture();
    stopped.records = stopped.records.filter((r) => !(r.eventName === "StartLogging" && Date.parse(r.eventTime) === T.restart));
    const trail = Object.values((stopped.accounts[ACCOUNT].regions[HOME].cloudtrail as { trails: Record<string, { IsLogging: boolean }> }).trails)[0];
    trail.IsLogging = false;
    deriveSecurityHub(stopped);
    const c = Object.values((stopped.accounts[ACCOUNT].regions[HOME].securityhub as SecurityHubState).controls).find((x) => x.controlId === "CloudTrail.1");
    expect(c).toMatchObject({ status: "FAILED", createdAt: isoMs(T.stop + 3 * MIN) });
  });
});

describe("a build's evidence", () => {
  it("is the same bytes on every run", () => {
    const a = fixture();
    const b = fixture();
    deriveEvidence(a.out);
    deriveEvidence(b.out);
    expect(a.objects.length).toBeGreaterThan(50);
    expect(b.objects.map((o) => `${o.bucket}/${o.key}`)).toEqual(a.objects.map((o) => `${o.bucket}/${o.key}`));
    a.objects.forEach((o, i) => {
      expect(b.objects[i].body.equals(o.body), o.key).toBe(true);
    });
    expect(JSON.stringify(b.out.accounts)).toBe(JSON.stringify(a.out.accounts));
    expect(b.log).toEqual(a.log);
  });

  describe("served by the range like any recording", () => {
    const root = mkdtempSync(join(tmpdir(), "ir-range-evidence-"));
    const { out, objects } = fixture();
    deriveEvidence(out);
    const day = 86_400_000;
    let server: Awaited<ReturnType<typeof startTestServer>>;
    beforeAll(async () => {
      const dir = join(root, "evidence-test");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "scenario.json"), JSON.stringify(out.manifest, null, 1));
      writeFileSync(join(dir, "briefing.en.md"), "# Evidence\n");
      writeFileSync(join(dir, "briefing.ja.md"), "# 証拠\n");
      writeFileSync(join(dir, "state.json"), JSON.stringify({ accounts: out.accounts }));
      writeFileSync(join(dir, "history.ndjson"), out.records.map((r) => `${JSON.stringify(r)}\n`).join(""));
      for (const o of objects) {
        const file = join(dir, "objects", o.bucket, ...o.key.split("/"));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, o.body);
      }
      // Discovery is placed 120 minutes before the clock: everything moves by exactly one day.
      server = await startTestServer({ scenario: "evidence-test", recordingsDir: root, clock: new Date(D + day + 120 * MIN).toISOString() });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it("GetFindings returns the findings through the SDK, moved with the recording", async () => {
      const gd = new GuardDutyClient(server.sdk());
      const { DetectorIds } = await gd.send(new ListDetectorsCommand({}));
      expect(DetectorIds).toEqual([IDS.detectorHome]);
      const { FindingIds } = await gd.send(new ListFindingsCommand({ DetectorId: IDS.detectorHome }));
      const stored = Object.values((out.accounts[ACCOUNT].regions[HOME].guardduty as GuardDutyState).findings);
      expect([...(FindingIds ?? [])].sort()).toEqual(stored.map((f) => f.Id).sort());
      const { Findings } = await gd.send(new GetFindingsCommand({ DetectorId: IDS.detectorHome, FindingIds }));
      const brute = Findings?.find((f) => f.Type === "UnauthorizedAccess:EC2/SSHBruteForce") as Finding;
      const want = stored.find((f) => f.Type === "UnauthorizedAccess:EC2/SSHBruteForce") as Finding;
      expect(brute.Service?.EventFirstSeen).toBe(new Date(Date.parse(want.Service?.EventFirstSeen as string) + day).toISOString());
      expect(brute.Service?.Count).toBe(40);
      expect(brute.Resource?.InstanceDetails?.NetworkInterfaces?.[0]?.PublicIp).toBe(IP.webPublic);
      expect(brute.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.GeoLocation).toEqual({ Lat: 52.37, Lon: 4.89 });
    });

    it.skipIf(!hasAwsCli)("the aws CLI shows the trail's disabling and the attacker's calls after it only in LookupEvents, not in the bucket", async () => {
      const found = await awsJson<{ Findings: { Title: string; Service: { EventFirstSeen: string } }[] }>(server, [
        "guardduty",
        "get-findings",
        "--detector-id",
        IDS.detectorHome,
        "--finding-ids",
        Object.values((out.accounts[ACCOUNT].regions[HOME].guardduty as GuardDutyState).findings).find((f) => f.Type?.startsWith("Stealth:"))?.Id as string,
      ]);
      expect(found.Findings[0].Title).toBe("AWS CloudTrail trail main was disabled.");
      expect(Date.parse(found.Findings[0].Service.EventFirstSeen)).toBe(T.stop + day);
      const ct = new CloudTrailClient(server.sdk(USE1));
      const events = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccessKey" }] }));
      expect(events.Events?.map((e) => e.EventTime?.getTime())).toEqual([T.stop + 11 * MIN + day]);
      const s3 = new S3Client(server.sdk());
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "trail-bucket", Prefix: "AWSLogs/" }));
      expect(listed.KeyCount).toBe(objects.filter((o) => o.bucket === "trail-bucket").length);
      let names: string[] = [];
      for (const o of listed.Contents ?? []) {
        const body = await (await s3.send(new GetObjectCommand({ Bucket: "trail-bucket", Key: o.Key }))).Body?.transformToByteArray();
        const recs = (JSON.parse(gunzipSync(Buffer.from(body as Uint8Array)).toString("utf8")) as { Records: CloudTrailRecord[] }).Records;
        names = names.concat(recs.map((r) => `${r.eventName}@${r.eventTime}`));
      }
      expect(names).toContain(`StopLogging@${iso(T.stop + day)}`);
      expect(names.filter((n) => n.startsWith("CreateAccessKey@"))).toEqual([]);
    });

    it("Security Hub serves the control finding dated from the attacker's rule", async () => {
      const sh = new SecurityHubClient(server.sdk());
      const res = await sh.send(
        new GetHubFindingsCommand({
          Filters: {
            ComplianceSecurityControlId: [{ Value: "EC2.13", Comparison: "EQUALS" }],
            ResourceId: [{ Value: `arn:aws:ec2:${HOME}:${ACCOUNT}:security-group/${IDS.webSg}`, Comparison: "EQUALS" }],
          },
        }),
      );
      expect(res.Findings?.map((f) => [f.Compliance?.Status, f.CreatedAt])).toEqual([["FAILED", isoMs(T.open + 3 * MIN + day)]]);
    });
  });
});

describe("the template's build", () => {
  const root = mkdtempSync(join(tmpdir(), "ir-range-evidence-template-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("delivers the trail's records up to the intruder's StopLogging and none after it", async () => {
    const dir = join(root, "demo");
    newScenario(dir, "demo");
    const lines: string[] = [];
    await build(dir, loadScenario("demo", root).manifest, { log: (l) => lines.push(l) });
    expect(lines.some((l) => /^evidence: \d+ CloudTrail log file/.test(l))).toBe(true);
    const history = readFileSync(join(dir, "build", "history.ndjson"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CloudTrailRecord);
    const stop = history.find((r) => r.eventName === "StopLogging") as CloudTrailRecord;
    const { readdirSync, statSync } = await import("node:fs");
    const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
    const delivered = walk(join(dir, "build", "objects"))
      .filter((f) => f.endsWith(".json.gz"))
      .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(f)).toString("utf8")) as { Records: CloudTrailRecord[] }).Records);
    const ids = new Set(delivered.map((r) => r.eventID));
    expect(ids.size).toBe(delivered.length);
    // From the admin's StartLogging (the bucket and trail made just before it are not logged) to the StopLogging.
    const started = history.findIndex((r) => r.eventName === "StartLogging");
    const stopped = history.indexOf(stop);
    history.forEach((r, i) => {
      expect(ids.has(r.eventID), `${r.eventName} ${r.eventTime}`).toBe(i >= started && i <= stopped);
    });
    const state = JSON.parse(readFileSync(join(dir, "build", "state.json"), "utf8"));
    const gd = Object.values(state.accounts["444455556666"].regions["ap-northeast-1"].guardduty.findings) as Finding[];
    expect(gd.find((f) => f.Type === "Stealth:IAMUser/CloudTrailLoggingDisabled")?.Service?.EventFirstSeen).toBe(
      new Date(Date.parse(stop.eventTime)).toISOString(),
    );
  }, 60_000);
});
