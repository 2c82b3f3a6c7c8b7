/**
 * A student with the real aws CLI works the secutter incident: downloads evidence from the bucket, and meets AWS's
 * errors for wrong ids and states.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSITION_MS } from "../../emulator/services/ec2/lifecycle.ts";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let answers: ReturnType<typeof secutterAnswers>["answers"];
const HOME = ["--region", "ap-northeast-1"];
const USE1 = ["--region", "us-east-1"];

beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  ({ answers } = secutterAnswers(server.emulator.runtime.anchor));
});
afterAll(async () => {
  await server?.stop();
});

/**
 * The evidence a student downloads with the CLI. The rest of the investigation through the CLI is
 * examples/cli/walkthrough.sh (examples/cli/walkthrough.test.ts); what each step finds is checked through the SDK
 * in secutter-server.test.ts and in the generated recording in secutter.test.ts.
 */
describe.skipIf(!hasAwsCli)("a student investigates secutter with the aws CLI", () => {
  it("downloads a day of gzipped CloudTrail files with s3 cp --recursive and finds the stolen key's calls in them", async () => {
    const dir = join(server.stateDir, "download");
    // The attacker's RunInstances in us-east-1 sits in the file of its five minutes.
    const runAt = new Date(Date.parse(answers["first-malicious-time"]) + 28 * 60_000);
    const day = runAt.toISOString().slice(0, 10).replace(/-/g, "/");
    const cp = await aws(server, ["s3", "cp", "--recursive", `s3://secutter-ir-evidence/AWSLogs/111122223333/CloudTrail/us-east-1/${day}/`, dir]);
    expect(cp.status, cp.stderr).toBe(0);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^111122223333_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/);
    expect(cp.stdout.match(/^download: /gm)).toHaveLength(files.length);
    const records = files.flatMap((f) => JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString()).Records);
    const attacker = records.filter((r: { userIdentity: { accessKeyId?: string } }) => r.userIdentity.accessKeyId === answers["stolen-key"]);
    expect(attacker.length).toBeGreaterThan(0);
    expect(attacker.every((r: { sourceIPAddress: string }) => r.sourceIPAddress === answers["attacker-ip"])).toBe(true);
    expect(attacker.some((r: { eventName: string }) => r.eventName === "RunInstances")).toBe(true);
  });
});

/**
 * The wrong ids and states a student runs into while containing, as the CLI prints them. The containment itself,
 * through the CLI, is examples/cli/walkthrough.sh (examples/cli/walkthrough.test.ts); through the SDK,
 * examples/sdk/contain.ts; each step's API behaviour is in test/services/ec2-*.test.ts and iam-*.test.ts.
 */
describe.skipIf(!hasAwsCli)("a student's mistakes while containing secutter", () => {
  let own: TestServer;
  beforeAll(async () => {
    own = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  });
  afterAll(async () => {
    await own?.stop();
  });

  it("wrong ids and states answer AWS's errors and change nothing", async () => {
    const { facts: f } = secutterAnswers(own.emulator.runtime.anchor);
    const terminated = f.miners["us-east-1"][0];
    const use1 = new EC2Client(own.sdk("us-east-1"));
    await use1.send(new TerminateInstancesCommand({ InstanceIds: [terminated] }));
    own.emulator.runtime.clock.advance(TRANSITION_MS);
    const stateOf = async (client: EC2Client, id: string) =>
      (await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
    expect(await stateOf(use1, terminated)).toBe("terminated");

    const cases: [string[], string][] = [
      [["ec2", "terminate-instances", ...HOME, "--instance-ids", "i-0000000000000000f"], "InvalidInstanceID.NotFound"],
      [["ec2", "start-instances", ...USE1, "--instance-ids", terminated], "IncorrectInstanceState"],
      [["iam", "detach-role-policy", "--role-name", "no-such-role", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEC2FullAccess"], "NoSuchEntity"],
    ];
    for (const [args, code] of cases) {
      const r = await aws(own, args);
      // CLI v1 exits 255 on a service error (v2 uses 254).
      expect([254, 255], args.join(" ")).toContain(r.status);
      expect(r.stderr, args.join(" ")).toContain(`An error occurred (${code})`);
    }
    expect(await stateOf(use1, terminated)).toBe("terminated");
    expect(await stateOf(new EC2Client(own.sdk("ap-northeast-1")), f.miners["ap-northeast-1"][1])).toBe("stopped");
  });
});
