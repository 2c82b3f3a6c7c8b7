/** One operation and one error per protocol, through the real aws CLI and SDK v3. */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudTrailClient, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeInstancesCommand, DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
});
afterAll(async () => {
  await server?.stop();
});

describe("SDK v3 against the emulator", () => {
  it("STS GetCallerIdentity returns the responder's identity (awsQuery)", async () => {
    const out = await new STSClient(server.sdk()).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/ir-responder", UserId: "AIDAIRRANGERESPOND01" });
  });

  it("EC2 DescribeInstances groups instances by reservation with dates (ec2Query)", async () => {
    const out = await new EC2Client(server.sdk()).send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["running"] }] }));
    const inst = out.Reservations?.[0]?.Instances?.[0];
    expect(inst?.InstanceId).toBe("i-0a1b2c3d4e5f60001");
    expect(inst?.LaunchTime).toBeInstanceOf(Date);
    expect(inst?.SecurityGroups?.[0]?.GroupId).toBe("sg-0a1b2c3d4e5f60001");
    expect(inst?.Tags).toEqual([{ Key: "Name", Value: "web-1" }]);
  });

  it("EC2 DescribeRegions honours RegionNames", async () => {
    const out = await new EC2Client(server.sdk()).send(new DescribeRegionsCommand({ RegionNames: ["us-east-1", "ap-northeast-1"] }));
    expect(out.Regions?.map((r) => r.RegionName).sort()).toEqual(["ap-northeast-1", "us-east-1"]);
  });

  it("IAM ListUsers (awsQuery, global)", async () => {
    const out = await new IAMClient(server.sdk("us-east-1")).send(new ListUsersCommand({}));
    expect(out.Users?.map((u) => u.UserName)).toEqual(["dev-alice", "ir-responder"]);
    expect(out.Users?.[0].CreateDate).toBeInstanceOf(Date);
  });

  it("CloudTrail DescribeTrails (awsJson1.1)", async () => {
    const out = await new CloudTrailClient(server.sdk()).send(new DescribeTrailsCommand({}));
    expect(out.trailList?.[0]).toMatchObject({ Name: "management-events", S3BucketName: "basic-evidence", IsMultiRegionTrail: true });
  });

  it("GuardDuty ListDetectors (restJson1)", async () => {
    const out = await new GuardDutyClient(server.sdk()).send(new ListDetectorsCommand({}));
    expect(out.DetectorIds).toEqual(["12abc34d567e8fa901bc2d34e56789f0"]);
  });

  it("S3 put, list and get round-trip (restXml, path style, streaming body)", async () => {
    const s3 = new S3Client(server.sdk());
    await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "upload/a b+c.txt", Body: "hello range", ContentType: "text/plain" }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: "basic-evidence", Prefix: "upload/" }));
    expect(list.Contents?.map((c) => c.Key)).toEqual(["upload/a b+c.txt"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "upload/a b+c.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello range");
    expect(got.ContentType).toBe("text/plain");
  });

  it("errors come back as the SDK's typed exceptions", async () => {
    const ec2 = new EC2Client(server.sdk());
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0000000000000000f"] }))).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
    });
    const bad = new STSClient({ ...server.sdk(), credentials: { accessKeyId: "AKIAIRRANGERESPOND01", secretAccessKey: "wrong-secret-wrong-secret" } });
    await expect(bad.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    const unknown = new S3Client({ ...server.sdk(), credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x".repeat(40) } });
    await expect(unknown.send(new ListObjectsV2Command({ Bucket: "basic-evidence" }))).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
  });
});

describe.skipIf(!hasAwsCli)("the real aws CLI against the emulator", () => {
  it("lists instances, users, trails, detectors and objects (one call per protocol; aws s3 ls is in s3-cli)", async () => {
    expect((await aws(server, ["ec2", "describe-instances", "--query", "Reservations[].Instances[].InstanceId"])).json()).toEqual(["i-0a1b2c3d4e5f60001"]);
    // awsQuery (aws sts get-caller-identity is in cli.test.ts and iam-cli.test.ts).
    expect((await aws(server, ["iam", "list-users", "--query", "Users[].UserName"])).json()).toEqual(["dev-alice", "ir-responder"]);
    expect((await aws(server, ["cloudtrail", "describe-trails", "--query", "trailList[].Name"])).json()).toEqual(["management-events"]);
    expect((await aws(server, ["guardduty", "list-detectors"])).json().DetectorIds).toHaveLength(1);
    expect((await aws(server, ["s3api", "list-objects-v2", "--bucket", "basic-evidence", "--prefix", "notes/"])).json().Contents[0].Key).toBe(
      "notes/readme.txt",
    );
  });

  it("answers an unknown operation with a 4xx the CLI does not retry", async () => {
    // --debug logs each HTTP request botocore sends: one, though it may try five times.
    const r = await aws(server, ["ec2", "describe-vpc-endpoints", "--debug"], { AWS_MAX_ATTEMPTS: "5" });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("An error occurred (InvalidAction)");
    expect(r.stderr.match(/botocore\.endpoint - DEBUG - Sending http request/g)).toHaveLength(1);
    expect(r.stderr).toContain("No retry needed.");
  });

  it("renders each protocol's error shape", async () => {
    const cases: [string[], string][] = [
      [["ec2", "describe-instances", "--instance-ids", "i-0000000000000000f"], "InvalidInstanceID.NotFound"],
      [["iam", "get-user", "--user-name", "nobody"], "NoSuchEntity"],
      [["cloudtrail", "get-trail", "--name", "no-such-trail"], "TrailNotFoundException"],
      [["guardduty", "list-detectors", "--max-results", "99"], "BadRequestException"],
      [["s3api", "get-object", "--bucket", "basic-evidence", "--key", "missing", "/dev/null"], "NoSuchKey"],
    ];
    for (const [args, code] of cases) {
      const r = await aws(server, args);
      expect(r.status, args.join(" ")).toBeGreaterThan(0);
      expect(r.stderr, args.join(" ")).toContain(code);
    }
  });

  it("serves presigned URLs from aws s3 presign, SigV2 (the CLI v1 default) and SigV4", async () => {
    const v2 = (await aws(server, ["s3", "presign", "s3://basic-evidence/notes/readme.txt"])).stdout.trim();
    expect(v2).toContain("AWSAccessKeyId=");
    expect(await (await fetch(v2)).text()).toContain("Nothing happened here");
    writeFileSync(join(server.stateDir, "s3v4-config"), "[default]\ns3 =\n    signature_version = s3v4\n");
    const v4 = (
      await aws(server, ["s3", "presign", "s3://basic-evidence/notes/readme.txt"], { AWS_CONFIG_FILE: join(server.stateDir, "s3v4-config") })
    ).stdout.trim();
    expect(v4).toContain("X-Amz-Signature=");
    expect(await (await fetch(v4)).text()).toContain("Nothing happened here");
    const forged = await fetch(v4.replace("notes/readme.txt", "notes/other.txt"));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("rejects a bad signature and an unknown key", async () => {
    const bad = await aws(server, ["sts", "get-caller-identity"], { AWS_SECRET_ACCESS_KEY: "not-the-secret" });
    expect(bad.stderr).toContain("An error occurred (SignatureDoesNotMatch)");
    const unknown = await aws(server, ["ec2", "describe-instances"], { AWS_ACCESS_KEY_ID: "AKIANOTKNOWN00000000" });
    expect(unknown.stderr).toContain("An error occurred (AuthFailure)");
  });
});
