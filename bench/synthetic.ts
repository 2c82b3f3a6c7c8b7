/** A synthetic account for benchmarks: N CloudTrail events and M GuardDuty findings, from a fixed seed. */

import type { AccountState, CloudTrailRecord } from "../emulator/core/records.ts";
import { noRecordingObjects } from "../emulator/core/records.ts";
import type { GeneratorOptions, ScenarioContent } from "../emulator/core/scenario.ts";
import { benchIam, rng } from "./lib.ts";

export const BENCH_ACCOUNT = "444455556666";
export const BENCH_DETECTOR = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
/** The benchmark's caller (bench/history.ts signs with this key). */
export const BENCH_RESPONDER = { accessKeyId: "AKIABENCHRESPONDER01", principalId: "AIDABENCHRESPONDER01" };

const NAMES = [
  "DescribeInstances",
  "GetObject",
  "ListBuckets",
  "AssumeRole",
  "RunInstances",
  "GetCallerIdentity",
  "PutObject",
  "DescribeSecurityGroups",
  "ListUsers",
  "ConsoleLogin",
];
const SOURCES = [
  "ec2.amazonaws.com",
  "s3.amazonaws.com",
  "s3.amazonaws.com",
  "sts.amazonaws.com",
  "ec2.amazonaws.com",
  "sts.amazonaws.com",
  "s3.amazonaws.com",
  "ec2.amazonaws.com",
  "iam.amazonaws.com",
  "signin.amazonaws.com",
];

/** N events from a fixed seed, one at a time: the store takes them in without a million objects at once. */
function* benchEvents(events: number, start: number, end: number): Generator<CloudTrailRecord> {
  const rand = rng(42);
  const step = (end - start) / events;
  const keys = Array.from({ length: 200 }, (_, i) => `AKIABENCH${String(i).padStart(11, "0")}`);
  for (let i = 0; i < events; i++) {
    const n = Math.floor(rand() * NAMES.length);
    const k = keys[Math.floor(rand() * keys.length)];
    yield {
      eventVersion: "1.09",
      userIdentity: {
        type: "IAMUser",
        principalId: `AIDA${k.slice(4)}`,
        arn: `arn:aws:iam::${BENCH_ACCOUNT}:user/u${k.slice(-3)}`,
        accountId: BENCH_ACCOUNT,
        accessKeyId: k,
        userName: `u${k.slice(-3)}`,
      },
      eventTime: new Date(start + i * step).toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventSource: SOURCES[n],
      eventName: NAMES[n],
      awsRegion: "us-east-1",
      sourceIPAddress: "198.51.100.1",
      userAgent: "aws-cli/2.15.0",
      requestParameters: null,
      responseElements: null,
      eventID: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      readOnly: n !== 4 && n !== 6,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: BENCH_ACCOUNT,
    };
  }
}

export function generateBench(events: number, findings: number, anchor: Date): ScenarioContent {
  const rand = rng(43);
  const start = anchor.getTime() - 80 * 24 * 3600_000;
  const history = { [Symbol.iterator]: () => benchEvents(events, start, anchor.getTime()) };
  const found: Record<string, unknown> = {};
  const types = [
    "Recon:EC2/PortProbeUnprotectedPort",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Discovery:IAMUser/AnomalousBehavior",
  ];
  for (let i = 0; i < findings; i++) {
    const id = `f${String(i).padStart(31, "0")}`;
    const t = new Date(start + rand() * (anchor.getTime() - start)).toISOString();
    found[id] = {
      AccountId: BENCH_ACCOUNT,
      Arn: `arn:aws:guardduty:us-east-1:${BENCH_ACCOUNT}:detector/${BENCH_DETECTOR}/finding/${id}`,
      CreatedAt: t,
      UpdatedAt: t,
      Id: id,
      Partition: "aws",
      Region: "us-east-1",
      SchemaVersion: "2.0",
      Severity: Math.round(rand() * 80 + 10) / 10,
      Title: "synthetic",
      Description: "synthetic",
      Type: types[i % types.length],
      Resource: { ResourceType: "Instance", InstanceDetails: { InstanceId: `i-0${String(i % 500).padStart(16, "0")}` } },
      Service: {
        ServiceName: "guardduty",
        DetectorId: BENCH_DETECTOR,
        Archived: rand() < 0.2,
        Count: 1,
        EventFirstSeen: t,
        EventLastSeen: t,
        ResourceRole: "TARGET",
      },
    };
  }
  const account: AccountState = {
    global: { iam: benchIam(BENCH_ACCOUNT, BENCH_RESPONDER.accessKeyId, BENCH_RESPONDER.principalId) },
    regions: {
      "us-east-1": {
        guardduty: {
          detectors: { [BENCH_DETECTOR]: { DetectorId: BENCH_DETECTOR, Status: "ENABLED", CreatedAt: anchor.toISOString() } },
          findings: found,
          filters: {},
        },
      },
    },
  };
  return { accounts: { [BENCH_ACCOUNT]: account }, objects: noRecordingObjects, history };
}

export function generate(opts: GeneratorOptions): ScenarioContent {
  return generateBench(Number(process.env.BENCH_EVENTS ?? 1_000_000), Number(process.env.BENCH_FINDINGS ?? 10_000), opts.anchor);
}
