/** Codec round trips over tricky shapes: what the CLI (botocore) and SDK v3 send decodes to the input they meant. */

import * as ct from "@aws-sdk/client-cloudtrail";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import * as ec2 from "@aws-sdk/client-ec2";
import { AuthorizeSecurityGroupIngressCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import * as gd from "@aws-sdk/client-guardduty";
import { GuardDutyClient, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import * as iam from "@aws-sdk/client-iam";
import { IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import * as s3 from "@aws-sdk/client-s3";
import { DeleteObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { codecs } from "../../emulator/protocols/codecs/index.ts";
import { InputError } from "../../emulator/protocols/decode.ts";
import { operationsOf } from "../../emulator/protocols/schema.ts";
import { allServices } from "../../emulator/services/index.ts";
import { botocoreRequest, hasBotocore, sdkRequest } from "../helpers/wire.ts";

const svc = (id: string) => {
  const s = allServices().find((x) => x.id === id);
  if (!s) throw new Error(id);
  return s;
};

function decode(id: string, mod: Record<string, unknown>, req: Parameters<(typeof codecs)["ec2Query"]["decode"]>[0]) {
  const s = svc(id);
  const codec = codecs[s.protocol];
  const routed = codec.route(req, s, mod);
  if (!routed) throw new Error("no route");
  const op = operationsOf(mod).get(routed.operation);
  if (!op) throw new Error(`no op ${routed.operation}`);
  return { operation: routed.operation, input: codec.decode(req, op, routed, s) };
}

const creds = { accessKeyId: "AKIAEXAMPLE000000001", secretAccessKey: "x".repeat(40) };
const cfg = { region: "us-east-1", credentials: creds, endpoint: "http://127.0.0.1:1", maxAttempts: 1 };

describe("ec2Query", () => {
  const filters = [
    { Name: "tag:Name", Values: ["web-*", "db"] },
    { Name: "instance-state-name", Values: ["running"] },
  ];
  it.skipIf(!hasBotocore)("decodes botocore's Filter.N.Value.M and flat lists", () => {
    const { operation, input } = decode(
      "ec2",
      ec2,
      botocoreRequest("ec2", "DescribeInstances", { Filters: filters, InstanceIds: ["i-1", "i-2"], DryRun: false }),
    );
    expect(operation).toBe("DescribeInstances");
    expect(input).toEqual({ Filters: filters, InstanceIds: ["i-1", "i-2"], DryRun: false });
  });

  it("decodes SDK v3's nested lists of structures with numbers", async () => {
    const perms = [
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "ssh & more" }], UserIdGroupPairs: [{ GroupId: "sg-2" }] },
    ];
    const req = await sdkRequest(new EC2Client(cfg), new AuthorizeSecurityGroupIngressCommand({ GroupId: "sg-1", IpPermissions: perms }));
    expect(decode("ec2", ec2, req).input).toEqual({ GroupId: "sg-1", IpPermissions: perms });
  });

  it("reads an empty list as empty and rejects a non-number", async () => {
    const req = await sdkRequest(new EC2Client(cfg), new DescribeInstancesCommand({ InstanceIds: ["i-1"], MaxResults: 6 }));
    const bad = { ...req, body: Buffer.from(req.body.toString().replace("MaxResults=6", "MaxResults=six")) };
    expect(() => decode("ec2", ec2, bad)).toThrow(InputError);
    const empty = { ...req, body: Buffer.from("Action=DescribeInstances&Version=2016-11-15&InstanceId=") };
    expect(decode("ec2", ec2, empty).input).toEqual({ InstanceIds: [] });
  });

  it("reports a missing required member by name", () => {
    const req = {
      method: "POST",
      rawPath: "/",
      query: [],
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.from("Action=CreateSnapshot&Version=2016-11-15"),
    };
    expect(() => decode("ec2", ec2, req)).toThrow(/VolumeId/);
  });
});

describe("awsQuery", () => {
  const doc = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" } } }],
  });
  it.skipIf(!hasBotocore)("decodes IAM's URL-encoded policy documents from botocore", () => {
    const { input } = decode("iam", iam, botocoreRequest("iam", "PutUserPolicy", { UserName: "u", PolicyName: "p", PolicyDocument: doc }));
    expect(input).toEqual({ UserName: "u", PolicyName: "p", PolicyDocument: doc });
  });
  it("decodes the same from SDK v3", async () => {
    const req = await sdkRequest(new IAMClient(cfg), new PutUserPolicyCommand({ UserName: "u", PolicyName: "p", PolicyDocument: doc }));
    expect(decode("iam", iam, req).input).toEqual({ UserName: "u", PolicyName: "p", PolicyDocument: doc });
  });
});

describe("awsJson1.1", () => {
  it("decodes timestamps (epoch seconds) and lists of structures", async () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const req = await sdkRequest(
      new CloudTrailClient(cfg),
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }], StartTime: start, MaxResults: 50 }),
    );
    const { operation, input } = decode("cloudtrail", ct, req);
    expect(operation).toBe("LookupEvents");
    expect(input).toEqual({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }], StartTime: start, MaxResults: 50 });
  });
  it.skipIf(!hasBotocore)("decodes botocore's JSON with the CLI's target header", () => {
    const { input } = decode("cloudtrail", ct, botocoreRequest("cloudtrail", "LookupEvents", { MaxResults: 5, EndTime: 1767225600 }));
    expect(input).toEqual({ MaxResults: 5, EndTime: new Date("2026-01-01T00:00:00Z") });
  });
  it("rejects wrong types with the member's path", async () => {
    const req = await sdkRequest(new CloudTrailClient(cfg), new LookupEventsCommand({ MaxResults: 5 }));
    expect(() => decode("cloudtrail", ct, { ...req, body: Buffer.from('{"MaxResults":"5"}') })).toThrow(/MaxResults/);
    expect(() => decode("cloudtrail", ct, { ...req, body: Buffer.from("{not json") })).toThrow(/JSON/);
  });
});

describe("restJson1", () => {
  it("routes by the http trait, binds the URI label and maps jsonName members", async () => {
    const criteria = { Criterion: { severity: { Gte: 7 }, "service.archived": { Eq: ["false"] } } };
    const req = await sdkRequest(new GuardDutyClient(cfg), new ListFindingsCommand({ DetectorId: "abc123", FindingCriteria: criteria, MaxResults: 10 }));
    expect(req.rawPath).toBe("/detector/abc123/findings");
    const { operation, input } = decode("guardduty", gd, req);
    expect(operation).toBe("ListFindings");
    expect(input).toEqual({ DetectorId: "abc123", FindingCriteria: criteria, MaxResults: 10 });
  });
});

describe("restXml", () => {
  it("decodes S3 DeleteObjects' flattened XML list and the bucket from the path", async () => {
    const req = await sdkRequest(
      new S3Client({ ...cfg, forcePathStyle: true }),
      new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: [{ Key: "a/1" }, { Key: "a/2" }], Quiet: true } }),
    );
    const { operation, input } = decode("s3", s3, req);
    expect(operation).toBe("DeleteObjects");
    expect(input.Bucket).toBe("b");
    expect(input.Delete).toEqual({ Objects: [{ Key: "a/1" }, { Key: "a/2" }], Quiet: true });
  });
  it.skipIf(!hasBotocore)("tells GetObject from ListObjectsV2 and reads the greedy key label", () => {
    const get = decode("s3", s3, { ...botocoreRequest("s3", "GetObject", { Bucket: "b", Key: "dir/x y.gz" }), rawPath: "/b/dir/x%20y.gz" });
    expect(get).toEqual({ operation: "GetObject", input: { Bucket: "b", Key: "dir/x y.gz" } });
    const list = decode("s3", s3, {
      method: "GET",
      rawPath: "/b",
      query: [
        ["list-type", "2"],
        ["prefix", "AWSLogs/"],
      ],
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(list).toEqual({ operation: "ListObjectsV2", input: { Bucket: "b", Prefix: "AWSLogs/" } });
  });
});

describe("responses read back by SDK v3", () => {
  it("EC2 XML with reservation sets, booleans, timestamps and tags round-trips", async () => {
    const s = svc("ec2");
    const op = operationsOf(ec2).get("DescribeInstances");
    if (!op) throw new Error("op");
    const launch = new Date("2026-01-02T03:04:05.000Z");
    const output = {
      Reservations: [
        {
          ReservationId: "r-1",
          OwnerId: "111122223333",
          Instances: [
            {
              InstanceId: "i-1",
              LaunchTime: launch,
              EbsOptimized: false,
              Tags: [],
              SecurityGroups: [{ GroupId: "sg-1", GroupName: "web" }],
              State: { Code: 16, Name: "running" },
            },
          ],
        },
      ],
    };
    const wire = codecs.ec2Query.encode(op, output, s, "req-1");
    const client = new EC2Client(cfg);
    (client.config as { requestHandler: unknown }).requestHandler = {
      handle: async () => ({ response: { statusCode: 200, headers: wire.headers, body: Buffer.from(wire.body as string) } }),
    };
    const got = await client.send(new DescribeInstancesCommand({}));
    expect(got.Reservations).toEqual([
      {
        ReservationId: "r-1",
        OwnerId: "111122223333",
        Instances: [
          {
            InstanceId: "i-1",
            LaunchTime: launch,
            EbsOptimized: false,
            Tags: [],
            SecurityGroups: [{ GroupId: "sg-1", GroupName: "web" }],
            State: { Code: 16, Name: "running" },
          },
        ],
      },
    ]);
    expect(got.$metadata.requestId).toBe("req-1");
  });
});
