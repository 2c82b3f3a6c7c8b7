/**
 * A student with the real aws CLI works the secutter incident: reads the briefing facts back through the
 * APIs and the evidence bucket, then contains it, checking every effect with describe calls.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let answers: ReturnType<typeof secutterAnswers>["answers"];
let facts: ReturnType<typeof secutterAnswers>["facts"];
const HOME = ["--region", "ap-northeast-1"];
const USE1 = ["--region", "us-east-1"];

beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  ({ answers, facts } = secutterAnswers(server.emulator.runtime.anchor));
});
afterAll(async () => {
  await server?.stop();
});

const json = (args: string[]) => awsJson(server, args);

describe.skipIf(!hasAwsCli)("a student investigates secutter with the aws CLI", () => {
  it("finds the miners in both regions and decodes their user data", async () => {
    const home = await json([
      "ec2",
      "describe-instances",
      ...HOME,
      "--filters",
      "Name=key-name,Values=miner-key",
      "--query",
      "Reservations[].Instances[].[InstanceId,InstanceType,State.Name]",
    ]);
    const use1 = await json([
      "ec2",
      "describe-instances",
      ...USE1,
      "--filters",
      "Name=instance-type,Values=c5.4xlarge",
      "--query",
      "Reservations[].Instances[].InstanceId",
    ]);
    expect(home.map((i: string[]) => i[0]).sort()).toEqual([...facts.miners["ap-northeast-1"]].sort());
    expect(home.every((i: string[]) => i[1] === "c5.4xlarge" && i[2] === "stopped")).toBe(true);
    expect([...use1].sort()).toEqual([...facts.miners["us-east-1"]].sort());
    const userData = await json(["ec2", "describe-instance-attribute", ...USE1, "--instance-id", use1[0], "--attribute", "userData"]);
    const script = Buffer.from(userData.UserData.Value, "base64").toString("utf8");
    expect(script).toContain(answers["miner-host"]);
    expect(script).toContain("pool.minexmr.example");
  });

  it("finds the over-privileged role behind the web server", async () => {
    const assoc = await json([
      "ec2",
      "describe-iam-instance-profile-associations",
      ...HOME,
      "--filters",
      `Name=instance-id,Values=${facts.webServer.instanceId}`,
    ]);
    expect(assoc.IamInstanceProfileAssociations[0].IamInstanceProfile.Arn).toContain("secutter-web-role");
    const policies = await json(["iam", "list-attached-role-policies", "--role-name", "secutter-web-role", "--query", "AttachedPolicies[].PolicyArn"]);
    expect(policies).toContain("arn:aws:iam::aws:policy/AmazonEC2FullAccess");
    const md = await json([
      "ec2",
      "describe-instances",
      ...HOME,
      "--instance-ids",
      facts.webServer.instanceId,
      "--query",
      "Reservations[0].Instances[0].MetadataOptions.HttpTokens",
      "--output",
      "json",
    ]);
    expect(md).toBe("optional");
  });

  it("reads the evidence: a CloudTrail file with the stolen key and the SSRF line in the nginx logs", async () => {
    const listing = await aws(server, ["s3", "ls", "s3://secutter-ir-evidence/AWSLogs/111122223333/CloudTrail/us-east-1/", "--recursive"]);
    const keys = listing.stdout
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[3]);
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys)
      expect(k).toMatch(
        /^AWSLogs\/111122223333\/CloudTrail\/us-east-1\/\d{4}\/\d{2}\/\d{2}\/111122223333_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
      );
    const dir = join(server.stateDir, "download");
    // The attacker's RunInstances in us-east-1 sits in the file of its five minutes.
    const runAt = new Date(Date.parse(answers["first-malicious-time"]) + 28 * 60_000);
    const day = runAt.toISOString().slice(0, 10).replace(/-/g, "/");
    expect((await aws(server, ["s3", "cp", "--recursive", `s3://secutter-ir-evidence/AWSLogs/111122223333/CloudTrail/us-east-1/${day}/`, dir])).status).toBe(0);
    const records = readdirSync(dir).flatMap((f) => JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString()).Records);
    const attacker = records.filter((r: { userIdentity: { accessKeyId?: string } }) => r.userIdentity.accessKeyId === answers["stolen-key"]);
    expect(attacker.length).toBeGreaterThan(0);
    expect(attacker.every((r: { sourceIPAddress: string }) => r.sourceIPAddress === answers["attacker-ip"])).toBe(true);
    expect(attacker.some((r: { eventName: string }) => r.eventName === "RunInstances")).toBe(true);

    const logs = join(server.stateDir, "nginx");
    expect((await aws(server, ["s3", "sync", "s3://secutter-ir-evidence/nginx/", logs, "--exclude", "error*"])).status).toBe(0);
    const lines = readdirSync(logs).flatMap((f) => {
      const raw = readFileSync(join(logs, f));
      return (f.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8").split("\n");
    });
    expect(lines.length).toBeGreaterThan(50_000);
    const ssrf = lines.filter((l) => l.includes("169.254.169.254") && l.includes("security-credentials/secutter-web-role"));
    expect(ssrf.length).toBeGreaterThan(0);
    expect(ssrf.some((l) => l.startsWith(`${answers["attacker-ip"]} `) && / 200 \d+ /.test(l))).toBe(true);
  });
});

describe.skipIf(!hasAwsCli)("a student contains secutter with the aws CLI", () => {
  it("snapshots, isolates, hardens, terminates, deactivates and detaches, and sees each effect", async () => {
    const miner = facts.miners["ap-northeast-1"][0];
    const vol = await json([
      "ec2",
      "describe-instances",
      ...HOME,
      "--instance-ids",
      miner,
      "--query",
      "Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId",
      "--output",
      "json",
    ]);
    const snap = await json(["ec2", "create-snapshot", ...HOME, "--volume-id", vol, "--description", "IR evidence"]);
    expect(snap.SnapshotId).toMatch(/^snap-0[0-9a-f]{16}$/);
    const mine = await json([
      "ec2",
      "describe-snapshots",
      ...HOME,
      "--owner-ids",
      "self",
      "--filters",
      `Name=volume-id,Values=${vol}`,
      "--query",
      "Snapshots[].SnapshotId",
    ]);
    expect(mine).toContain(snap.SnapshotId);

    // Isolate the web server: a group with no rules at all, in its VPC.
    const vpc = await json([
      "ec2",
      "describe-instances",
      ...HOME,
      "--instance-ids",
      facts.webServer.instanceId,
      "--query",
      "Reservations[0].Instances[0].VpcId",
      "--output",
      "json",
    ]);
    const iso = await json(["ec2", "create-security-group", ...HOME, "--group-name", "ir-isolation", "--description", "no traffic", "--vpc-id", vpc]);
    await json(["ec2", "revoke-security-group-egress", ...HOME, "--group-id", iso.GroupId, "--ip-permissions", "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"]);
    expect(
      (await aws(server, ["ec2", "modify-instance-attribute", ...HOME, "--instance-id", facts.webServer.instanceId, "--groups", iso.GroupId])).status,
    ).toBe(0);
    const groups = await json([
      "ec2",
      "describe-instances",
      ...HOME,
      "--instance-ids",
      facts.webServer.instanceId,
      "--query",
      "Reservations[0].Instances[0].[SecurityGroups[].GroupId, NetworkInterfaces[0].Groups[].GroupId]",
    ]);
    expect(groups).toEqual([[iso.GroupId], [iso.GroupId]]);
    const rules = await json([
      "ec2",
      "describe-security-groups",
      ...HOME,
      "--group-ids",
      iso.GroupId,
      "--query",
      "SecurityGroups[0].[IpPermissions, IpPermissionsEgress]",
    ]);
    expect(rules).toEqual([[], []]);

    expect(
      (await aws(server, ["ec2", "modify-instance-metadata-options", ...HOME, "--instance-id", facts.webServer.instanceId, "--http-tokens", "required"]))
        .status,
    ).toBe(0);
    expect(
      await json([
        "ec2",
        "describe-instances",
        ...HOME,
        "--instance-ids",
        facts.webServer.instanceId,
        "--query",
        "Reservations[0].Instances[0].MetadataOptions.HttpTokens",
        "--output",
        "json",
      ]),
    ).toBe("required");

    const term = await json(["ec2", "terminate-instances", ...USE1, "--instance-ids", ...facts.miners["us-east-1"]]);
    expect(term.TerminatingInstances.map((t: { CurrentState: { Name: string } }) => t.CurrentState.Name)).toContain("shutting-down");

    const keys = await json(["iam", "list-access-keys", "--user-name", "dev-tanaka", "--query", "AccessKeyMetadata[].AccessKeyId"]);
    expect((await aws(server, ["iam", "update-access-key", "--user-name", "dev-tanaka", "--access-key-id", keys[0], "--status", "Inactive"])).status).toBe(0);
    expect(await json(["iam", "list-access-keys", "--user-name", "dev-tanaka", "--query", "AccessKeyMetadata[0].Status", "--output", "json"])).toBe("Inactive");

    expect(
      (await aws(server, ["iam", "detach-role-policy", "--role-name", "secutter-web-role", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEC2FullAccess"]))
        .status,
    ).toBe(0);
    expect(await json(["iam", "list-attached-role-policies", "--role-name", "secutter-web-role", "--query", "AttachedPolicies[].PolicyArn"])).not.toContain(
      "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
    );

    const states = await json([
      "ec2",
      "describe-instances",
      ...USE1,
      "--instance-ids",
      ...facts.miners["us-east-1"],
      "--query",
      "Reservations[].Instances[].State.Name",
    ]);
    expect(states.every((s: string) => s === "shutting-down" || s === "terminated")).toBe(true);
  });

  it("wrong ids and states answer AWS's errors and change nothing", async () => {
    const cases: [string[], string][] = [
      [["ec2", "terminate-instances", ...HOME, "--instance-ids", "i-0000000000000000f"], "InvalidInstanceID.NotFound"],
      [["ec2", "start-instances", ...USE1, "--instance-ids", facts.miners["us-east-1"][0]], "IncorrectInstanceState"],
      [["ec2", "delete-security-group", ...HOME, "--group-id", "sg-0000000000000000f"], "InvalidGroup.NotFound"],
      [["iam", "detach-role-policy", "--role-name", "no-such-role", "--policy-arn", "arn:aws:iam::aws:policy/AmazonEC2FullAccess"], "NoSuchEntity"],
      [["s3api", "get-object", "--bucket", "secutter-ir-evidence", "--key", "nope", "/dev/null"], "NoSuchKey"],
    ];
    for (const [args, code] of cases) {
      const r = await aws(server, args);
      // CLI v1 exits 255 on a service error (v2 uses 254).
      expect([254, 255], args.join(" ")).toContain(r.status);
      expect(r.stderr, args.join(" ")).toContain(`An error occurred (${code})`);
    }
    expect(
      await json([
        "ec2",
        "describe-instances",
        ...HOME,
        "--instance-ids",
        facts.miners["ap-northeast-1"][1],
        "--query",
        "Reservations[0].Instances[0].State.Name",
        "--output",
        "json",
      ]),
    ).toBe("stopped");
  });
});
