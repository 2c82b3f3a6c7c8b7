/** The in-process shim: unmodified SDK v3 clients reach the emulator through msw with no listening socket. */
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type InProcessRange, startInProcess } from "../../sdk-shim/index.ts";

let range: InProcessRange;
beforeEach(async () => {
  range = await startInProcess({ scenario: "basic", clock: new Date("2026-03-01T12:00:00Z") });
});
afterEach(async () => {
  await range?.close();
});

describe("sdk-shim in-process", () => {
  it("answers SDK calls to the real AWS endpoints without opening a port", async () => {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    expect(handles.some((h) => h?.constructor?.name === "Server")).toBe(false);
    const id = await new STSClient(range.config()).send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe("arn:aws:iam::123456789012:user/ir-responder");
    const ec2 = await new EC2Client(range.config()).send(new DescribeInstancesCommand({}));
    expect(ec2.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe("i-0a1b2c3d4e5f60001");
  });

  it("serves S3 in virtual-host style (the SDK's default against AWS)", async () => {
    const s3 = new S3Client({ ...range.config(), forcePathStyle: false });
    const got = await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    expect(await got.Body?.transformToString()).toContain("Nothing happened here");
  });

  it("routes restJson1 by URI to Security Hub", async () => {
    const sh = new SecurityHubClient(range.config());
    await sh.send(new EnableSecurityHubCommand({}));
    const got = await sh.send(new GetFindingsCommand({ Filters: { ComplianceSecurityControlId: [{ Value: "EC2.8", Comparison: "EQUALS" }] } }));
    expect(got.Findings?.map((f) => [f.Resources?.[0]?.Id, f.Compliance?.Status])).toEqual([
      ["arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60001", "FAILED"],
    ]);
  });

  it("journals the calls like any other", async () => {
    await new STSClient(range.config()).send(new GetCallerIdentityCommand({}));
    await new EC2Client(range.config()).send(new DescribeInstancesCommand({}));
    await new S3Client({ ...range.config(), forcePathStyle: false }).send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    const sh = new SecurityHubClient(range.config());
    await sh.send(new EnableSecurityHubCommand({}));
    await sh.send(new GetFindingsCommand({}));
    const names = [...range.emulator.runtime.journal].map((r) => r.eventName);
    expect(names).toEqual(expect.arrayContaining(["GetCallerIdentity", "DescribeInstances", "GetObject", "GetFindings"]));
    const findings = [...range.emulator.runtime.journal].find((r) => r.eventName === "GetFindings");
    expect(findings).toMatchObject({ eventSource: "securityhub.amazonaws.com", readOnly: true, awsRegion: "ap-northeast-1" });
  });
});
