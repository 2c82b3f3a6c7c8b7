/** The secutter scenario served for real: SDK v3 calls see the miners, the trail files and their contents. */
import { gunzipSync } from "node:zlib";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secutterFacts } from "../../recordings/secutter/generator/index.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

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
