/** The secutter scenario served for real: SDK v3 calls see what the investigation finds (miners, the role behind the web server, the trail files, the SSRF in the nginx logs). */
import { gunzipSync } from "node:zlib";
import { DescribeIamInstanceProfileAssociationsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secutterFacts } from "../../recordings/secutter/generator/index.ts";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { listKeys } from "../helpers/s3.ts";

const CLOCK = "2026-03-01T12:00:00Z";
let server: TestServer;
let loadMs = 0;
beforeAll(async () => {
  const t0 = performance.now();
  server = await startTestServer({ scenario: "secutter", clock: CLOCK });
  loadMs = performance.now() - t0;
  console.info(`secutter server start (scenario load): ${loadMs.toFixed(0)} ms`);
});
afterAll(async () => {
  await server?.stop();
});

// The emulator anchors discovery 120 minutes before its start.
const facts = () => secutterFacts(new Date(Date.parse(CLOCK) - 120 * 60_000));

describe("secutter through the SDK", () => {
  it("DescribeInstances finds the stopped miners in both regions", async () => {
    const f = facts();
    for (const region of ["ap-northeast-1", "us-east-1"] as const) {
      const out = await new EC2Client(server.sdk(region)).send(new DescribeInstancesCommand({ Filters: [{ Name: "key-name", Values: ["miner-key"] }] }));
      const instances = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      expect(instances.map((i) => i.InstanceId).sort()).toEqual([...f.miners[region]].sort());
      for (const i of instances) {
        expect(i.InstanceType).toBe("c5.4xlarge");
        expect(i.State?.Name).toBe("stopped");
        expect(i.LaunchTime).toBeInstanceOf(Date);
      }
    }
  });

  it("the miners are found by key pair at home and by instance type in us-east-1, and their user data names the pool", async () => {
    const { answers, facts: f } = secutterAnswers(server.emulator.runtime.anchor);
    const ids = async (region: string, Name: string, value: string) =>
      (await new EC2Client(server.sdk(region)).send(new DescribeInstancesCommand({ Filters: [{ Name, Values: [value] }] }))).Reservations?.flatMap(
        (r) => r.Instances?.map((i) => i.InstanceId) ?? [],
      ) ?? [];
    expect((await ids("ap-northeast-1", "key-name", "miner-key")).sort()).toEqual([...f.miners["ap-northeast-1"]].sort());
    const use1 = await ids("us-east-1", "instance-type", "c5.4xlarge");
    expect([...use1].sort()).toEqual([...f.miners["us-east-1"]].sort());
    const userData = await new EC2Client(server.sdk("us-east-1")).send(new DescribeInstanceAttributeCommand({ InstanceId: use1[0], Attribute: "userData" }));
    const script = Buffer.from(userData.UserData?.Value ?? "", "base64").toString("utf8");
    expect(script).toContain(answers["miner-host"]);
    expect(script).toContain("pool.minexmr.example");
  });

  it("the web server's instance profile carries the over-privileged role, and it still allows IMDSv1", async () => {
    const f = facts();
    const ec2 = new EC2Client(server.sdk("ap-northeast-1"));
    const assoc = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [f.webServer.instanceId] }] }));
    expect(assoc.IamInstanceProfileAssociations?.[0]?.IamInstanceProfile?.Arn).toContain("secutter-web-role");
    const policies = await new IAMClient(server.sdk("us-east-1")).send(new ListAttachedRolePoliciesCommand({ RoleName: "secutter-web-role" }));
    expect(policies.AttachedPolicies?.map((p) => p.PolicyArn)).toContain("arn:aws:iam::aws:policy/AmazonEC2FullAccess");
    const web = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [f.webServer.instanceId] }))).Reservations?.[0]?.Instances?.[0];
    expect(web?.MetadataOptions?.HttpTokens).toBe("optional");
  });

  it("the nginx logs in the evidence bucket hold the attacker's SSRF to the role's credentials, answered 200", async () => {
    const s3 = new S3Client(server.sdk());
    const { answers } = secutterAnswers(server.emulator.runtime.anchor);
    const keys = await listKeys(s3, "secutter-ir-evidence", "nginx/");
    const lines: string[] = [];
    for (const key of keys.filter((k) => !k.includes("/error"))) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: "secutter-ir-evidence", Key: key }));
      const raw = Buffer.from(await obj.Body!.transformToByteArray());
      lines.push(...(key.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8").split("\n"));
    }
    expect(lines.length).toBeGreaterThan(50_000);
    const ssrf = lines.filter((l) => l.includes("169.254.169.254") && l.includes("security-credentials/secutter-web-role"));
    expect(ssrf.some((l) => l.startsWith(`${answers["attacker-ip"]} `) && / 200 \d+ /.test(l))).toBe(true);
  });

  it("the evidence bucket lists CloudTrail files, and one gunzips to {Records: […]}", async () => {
    const s3 = new S3Client(server.sdk());
    const prefix = "AWSLogs/111122223333/CloudTrail/ap-northeast-1/";
    const list = await s3.send(new ListObjectsV2Command({ Bucket: "secutter-ir-evidence", Prefix: prefix, MaxKeys: 50 }));
    expect(list.Contents?.length).toBe(50);
    expect(list.IsTruncated).toBe(true);
    const key = list.Contents![0].Key!;
    expect(key).toMatch(
      /^AWSLogs\/111122223333\/CloudTrail\/ap-northeast-1\/\d{4}\/\d{2}\/\d{2}\/111122223333_CloudTrail_ap-northeast-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
    );
    const obj = await s3.send(new GetObjectCommand({ Bucket: "secutter-ir-evidence", Key: key }));
    const body = Buffer.from(await obj.Body!.transformToByteArray());
    expect(body.length).toBe(list.Contents![0].Size);
    const doc = JSON.parse(gunzipSync(body).toString("utf8")) as { Records: { eventID: string; awsRegion: string }[] };
    expect(doc.Records.length).toBeGreaterThan(0);
    for (const r of doc.Records) expect(r.awsRegion).toBe("ap-northeast-1");
  });
});
