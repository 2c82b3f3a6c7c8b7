/**
 * Scenarios authored as timelines (#14): the template builds through the range itself into a recording that is the
 * same byte for byte on every build, loads like any scenario (moved to the range's time), and `scenario check`
 * names the file and line of every mistake.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { CloudTrailClient, GetTrailStatusCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { IAMClient, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DecodeAuthorizationMessageCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import { BuildError, build, check } from "../../emulator/scenario/timeline/index.ts";
import { interpolate } from "../../emulator/scenario/timeline/interpolate.ts";
import { newScenario } from "../../emulator/scenario/timeline/new.ts";
import { BIN } from "../helpers/cli-process.ts";
import { startTestServer } from "../helpers/emulator.ts";

const run = promisify(execFile);

type Rec = Record<string, unknown> & {
  eventName: string;
  eventTime: string;
  sourceIPAddress: string;
  errorCode?: string;
  userIdentity: { userName?: string; accessKeyId?: string };
};

const root = mkdtempSync(join(tmpdir(), "ir-range-timeline-"));
const dir = join(root, "demo");
const records = (out: string): Rec[] =>
  readFileSync(join(out, "history.ndjson"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);

/** Every file under a folder, by relative path. */
function files(base: string, sub = ""): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(join(base, sub))) {
    const rel = sub ? `${sub}/${f}` : f;
    if (statSync(join(base, rel)).isDirectory()) for (const [k, v] of files(base, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(base, rel)));
  }
  return out;
}

beforeAll(async () => {
  newScenario(dir, "demo");
  // A user with no permissions, denied as the build runs it: the record says AccessDenied.
  writeFileSync(
    join(dir, "timeline", "denied.yaml"),
    [
      "actors:",
      "  intern:",
      "    user: intern",
      "    sourceIp: 203.0.113.26",
      "timeline:",
      "  - at: -3h",
      "    actor: intern",
      "    call: { service: iam, operation: ListUsers }",
      "    expectError: AccessDenied",
      "  - at: -3h",
      "    actor: intern",
      "    call: { service: ec2, operation: DescribeInstances }",
      "    expectError: UnauthorizedOperation",
      "",
    ].join("\n"),
  );
  await build(dir, loadScenario("demo", root).manifest);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("building a timeline", () => {
  it("runs every call through the range: CloudTrail records with the actors' keys, addresses and clients", () => {
    const recs = records(join(dir, "build"));
    const stop = recs.filter((r) => r.eventName === "StopLogging");
    expect(stop).toHaveLength(1);
    expect(stop[0]).toMatchObject({ sourceIPAddress: "198.51.100.77", eventTime: "2026-05-20T03:10:00Z", userIdentity: { userName: "dev-mika" } });
    expect(stop[0].userAgent).toMatch(/kali/);
    // The attacker used the developer's own key, as provisioned.
    const devKey = recs.find((r) => r.userIdentity.userName === "dev-mika" && r.sourceIPAddress === "203.0.113.25")?.userIdentity.accessKeyId;
    expect(stop[0].userIdentity.accessKeyId).toBe(devKey);
    // Background work: the developer's calls on weekdays in Tokyo office hours, from the office.
    const background = recs.filter((r) => r.userIdentity.userName === "dev-mika" && r.sourceIPAddress === "203.0.113.25");
    expect(background.length).toBeGreaterThan(50);
    for (const r of background) {
      const local = new Date(Date.parse(r.eventTime) + 9 * 3_600_000);
      expect(local.getUTCHours()).toBeGreaterThanOrEqual(9);
      expect(local.getUTCHours()).toBeLessThan(19);
      expect([0, 6]).not.toContain(local.getUTCDay());
    }
    // A call the actor was not allowed: recorded as AWS records a denial, and the build went on.
    expect(recs.find((r) => r.userIdentity.userName === "intern")).toMatchObject({ eventName: "ListUsers", errorCode: "AccessDenied" });
    const times = recs.map((r) => r.eventTime);
    expect([...times].sort()).toEqual(times);
  });

  it("leaves the state the calls made: the backdoor user and its key, the trail stopped", () => {
    const state = JSON.parse(readFileSync(join(dir, "build", "state.json"), "utf8"));
    const acct = state.accounts["444455556666"];
    expect(acct.global.iam.users["backup-svc"].AccessKeys).toHaveLength(1);
    expect(Object.values(acct.regions["ap-northeast-1"].cloudtrail.trails)).toMatchObject([{ Name: "main-trail", IsLogging: false }]);
    const facts = JSON.parse(readFileSync(join(dir, "build", "facts.json"), "utf8"));
    expect(facts.saved.backdoorKey.AccessKey.UserName).toBe("backup-svc");
  });

  it("is reproducible byte for byte", async () => {
    const again = join(root, "again");
    await build(dir, loadScenario("demo", root).manifest, { out: again });
    const a = files(join(dir, "build"));
    const b = files(again);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k)?.equals(v), k).toBe(true);
  }, 60_000);

  it("loads like any scenario, moved to the range's time, and is rebuilt when its timeline changes", async () => {
    const server = await startTestServer({ scenario: "demo", recordingsDir: root, clock: "2027-01-10T12:00:00Z" });
    try {
      const ct = new CloudTrailClient(server.sdk());
      const found = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "StopLogging" }] }));
      // Discovery is 2 hours before the start; StopLogging was 5h50m before discovery.
      expect(found.Events?.map((e) => e.EventTime?.toISOString())).toEqual(["2027-01-10T04:10:00.000Z"]);
      expect((await ct.send(new GetTrailStatusCommand({ Name: "main-trail" }))).IsLogging).toBe(false);
      // The build's EC2 denial carries its encoded message, and this installation opens it (byte-identical builds
      // seal it under secrets derived from the seed, which the recording carries).
      const denied = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "intern" }] }));
      const ec2Denial = denied.Events?.map((e) => JSON.parse(String(e.CloudTrailEvent))).find((r) => r.eventName === "DescribeInstances");
      expect(ec2Denial.errorCode).toBe("Client.UnauthorizedOperation");
      const encoded = /Encoded authorization failure message: (\S+)/.exec(ec2Denial.errorMessage)?.[1];
      const decoded = await new STSClient(server.sdk()).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
      expect(JSON.parse(String(decoded.DecodedMessage))).toMatchObject({ allowed: false, context: { action: "ec2:DescribeInstances" } });
      const keys = await new IAMClient(server.sdk("us-east-1")).send(new ListAccessKeysCommand({ UserName: "backup-svc" }));
      expect(keys.AccessKeyMetadata?.[0]?.CreateDate?.toISOString()).toBe("2027-01-10T04:21:00.000Z");
    } finally {
      await server.stop();
    }
    const copy = join(root, "copy");
    cpSync(dir, join(copy, "demo"), { recursive: true });
    const before = readFileSync(join(copy, "demo", "build", "build.json"), "utf8");
    const attack = join(copy, "demo", "timeline", "attack.yaml");
    writeFileSync(
      attack,
      readFileSync(attack, "utf8").replace("UserName: backup-svc }", "UserName: svc-backup }").replace("UserName: backup-svc }", "UserName: svc-backup }"),
    );
    const content = await loadScenario("demo", copy).content(new Date("2027-01-10T10:00:00Z"));
    expect(readFileSync(join(copy, "demo", "build", "build.json"), "utf8")).not.toBe(before);
    expect(Object.keys((content.accounts["444455556666"].global.iam as { users: object }).users)).toContain("svc-backup");
  }, 60_000);
});

describe("scenario check", () => {
  const broken = join(root, "broken");
  beforeAll(() => {
    cpSync(dir, join(broken, "broken"), { recursive: true });
    const m = join(broken, "broken", "scenario.json");
    writeFileSync(m, readFileSync(m, "utf8").replace('"name": "demo"', '"name": "broken"'));
  });
  const problemsWith = (file: string, text: string) => {
    const f = join(broken, "broken", "timeline", file);
    writeFileSync(f, text);
    try {
      return check(join(broken, "broken"), loadScenario("broken", broken).manifest).map((p) => `${p.where}: ${p.message}`);
    } finally {
      rmSync(f);
    }
  };

  it("accepts the template as it is", () => {
    expect(check(dir, loadScenario("demo", root).manifest)).toEqual([]);
  });

  it("names unknown operations (with the likely one), actors and references to outputs saved later, by file and line", () => {
    const problems = problemsWith(
      "zz.yaml",
      [
        "timeline:",
        "  - at: -5h",
        "    actor: intruder",
        "    call: { service: iam, operation: ListUserz }",
        "  - at: -4h",
        "    actor: nobody",
        "    call: { service: ec2, operation: DescribeInstances }",
        "  - at: -3h",
        "    actor: intruder",
        '    call: { service: ec2, operation: DescribeInstances, input: { InstanceIds: ["${web.Instances.0.InstanceId}"] } }',
        "  - at: -2h",
        "    actor: intruder",
        "    call: { service: lambda, operation: ListFunctions }",
        "",
      ].join("\n"),
    );
    expect(problems).toEqual([
      'timeline/zz.yaml:4: iam has no operation "ListUserz" in the range (did you mean ListUsers?)',
      expect.stringMatching(/^timeline\/zz\.yaml:6: no actor named "nobody"/),
      'timeline/zz.yaml:8: ${web…} refers to "web", which no earlier call saves',
      expect.stringMatching(/^timeline\/zz\.yaml:13: no service "lambda"/),
    ]);
  });

  it("names fields of the wrong shape and YAML that does not parse, by file and line", () => {
    expect(problemsWith("zz.yaml", "timeline:\n  - at: -5h\n    actor: intruder\n    call: { service: iam, operation: ListUsers, inptu: {} }\n")).toEqual([
      'timeline/zz.yaml:4: call: Unrecognized key: "inptu"',
    ]);
    expect(problemsWith("zz.yaml", "timeline:\n  - at: -1h\n    actor: [oops\n")[0]).toMatch(/^timeline\/zz\.yaml:4: /);
    expect(problemsWith("zz.yaml", "actors:\n  dev:\n    user: someone-else\n")).toEqual([
      expect.stringMatching(/^timeline\/zz\.yaml:2: actors\.dev is defined twice \(first at timeline\/world\.yaml:\d+\)/),
    ]);
  });
});

describe("the scenario commands", () => {
  it("new, check and build, as docs/scenarios.md runs them", async () => {
    const folder = join(root, "cli");
    const env = { ...process.env, IR_RANGE_SCENARIOS: folder };
    const made = await run(process.execPath, [BIN, "scenario", "new", "my-incident", "--scenarios-dir", folder], { env });
    expect(made.stdout).toContain(`made scenario "my-incident" in ${join(folder, "my-incident")}`);
    expect((await run(process.execPath, [BIN, "scenario", "check", "my-incident"], { env })).stdout).toBe("my-incident: the timeline is consistent\n");
    const built = await run(process.execPath, [BIN, "scenario", "build", "my-incident"], { env });
    expect(built.stdout).toMatch(/running \d+ steps from 2026-04-30T09:00:00Z/);
    expect(built.stdout).toMatch(/built .*my-incident\/build: \d+ calls/);
    const again = await run(process.execPath, [BIN, "scenario", "build", "my-incident", "--if-stale"], { env });
    expect(again.stdout).toContain("is up to date");
    // A typo: exit 1, the file and line.
    const attack = join(folder, "my-incident", "timeline", "attack.yaml");
    writeFileSync(attack, readFileSync(attack, "utf8").replace("operation: ListUsers", "operation: ListUser"));
    const failed = await run(process.execPath, [BIN, "scenario", "check", "my-incident"], { env }).catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toContain(
      'my-incident/timeline/attack.yaml:8: iam has no operation "ListUser" in the range (did you mean ListUsers?)',
    );
  }, 60_000);

  it("stops at a call that fails unexpectedly, naming its file and line and AWS's error", async () => {
    const folder = join(root, "failing");
    cpSync(dir, join(folder, "demo"), { recursive: true });
    rmSync(join(folder, "demo", "build"), { recursive: true, force: true });
    writeFileSync(
      join(folder, "demo", "timeline", "zz.yaml"),
      "timeline:\n  - at: -1h\n    actor: intruder\n    call: { service: iam, operation: GetUser, input: { UserName: nobody-here } }\n",
    );
    const err = await build(join(folder, "demo"), loadScenario("demo", folder).manifest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toMatch(/^timeline\/zz\.yaml:2: iam:GetUser as intruder failed: NoSuchEntity: /);
  }, 60_000);
});

describe("web requests", () => {
  it("become the server's access log (hourly, gzipped, in its bucket) and its flows, moved in time on load", async () => {
    const folder = join(root, "web");
    cpSync(dir, join(folder, "demo"), { recursive: true });
    rmSync(join(folder, "demo", "build"), { recursive: true, force: true });
    writeFileSync(
      join(folder, "demo", "timeline", "web.yaml"),
      [
        "network:",
        "  - region: ap-northeast-1",
        "    vpcId: vpc-0a0a0a0a0a0a0a0a0",
        "    cidr: 10.1.0.0/16",
        "    defaultSecurityGroupId: sg-0a0a0a0a0a0a0a0a0",
        "    subnets: [{ subnetId: subnet-0a0a0a0a0a0a0a0a0, cidr: 10.1.1.0/24, zone: ap-northeast-1a, public: true }]",
        "images:",
        "  - { region: ap-northeast-1, imageId: ami-0f0f0f0f0f0f0f0f0, name: al2023-ami-2023.4.20240513.0-kernel-6.1-x86_64, imdsSupport: v2.0 }",
        "setup:",
        "  - actor: admin",
        '    call: { service: s3, operation: CreateBucket, input: { Bucket: "web-logs-${account}", CreateBucketConfiguration: { LocationConstraint: ap-northeast-1 } } }',
        "  - actor: admin",
        "    call: { service: ec2, operation: RunInstances, input: { ImageId: ami-0f0f0f0f0f0f0f0f0, InstanceType: t3.micro, MinCount: 1, MaxCount: 1, SubnetId: subnet-0a0a0a0a0a0a0a0a0 } }",
        "    save: site",
        "webLogs:",
        "  - { instance: site, bucket: \"web-logs-${account}\", prefix: nginx/, utcOffset: '+09:00' }",
        "timeline:",
        "  - at: -7h",
        "    for: 30m",
        "    web: { src: 198.51.100.77, dst: instance:site, path: /.env, status: 404, bytes: 153, userAgent: curl/8.4.0, count: 3 }",
        "",
      ].join("\n"),
    );
    await build(join(folder, "demo"), loadScenario("demo", folder).manifest);
    const server = await startTestServer({ scenario: "demo", recordingsDir: folder, clock: "2027-01-10T12:00:00Z" });
    try {
      const s3 = new S3Client(server.sdk());
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "web-logs-444455556666", Prefix: "nginx/" }));
      // -7h from a discovery moved to 10:00Z: 03:00Z, the file of that UTC hour.
      expect(listed.Contents?.map((o) => o.Key)).toEqual(["nginx/access.log-2027011003.gz"]);
      const body = await s3.send(new GetObjectCommand({ Bucket: "web-logs-444455556666", Key: "nginx/access.log-2027011003.gz" }));
      const lines = gunzipSync(Buffer.from(await body.Body!.transformToByteArray()))
        .toString("utf8")
        .trim()
        .split("\n");
      expect(lines).toEqual([
        '198.51.100.77 - - [10/Jan/2027:12:00:00 +0900] "GET /.env HTTP/1.1" 404 153 "-" "curl/8.4.0"',
        '198.51.100.77 - - [10/Jan/2027:12:10:00 +0900] "GET /.env HTTP/1.1" 404 153 "-" "curl/8.4.0"',
        '198.51.100.77 - - [10/Jan/2027:12:20:00 +0900] "GET /.env HTTP/1.1" 404 153 "-" "curl/8.4.0"',
      ]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe("references", () => {
  const scope = {
    account: "444455556666",
    region: "ap-northeast-1",
    ips: { office: "203.0.113.25" },
    vars: {},
    saved: { web: { Instances: [{ InstanceId: "i-0abc" }] } },
  };
  it("write values into text, take a whole value as it is, and leave $${…} as a literal ${…}", () => {
    expect(interpolate("arn:aws:iam::${account}:user/$${aws:username}", scope)).toBe("arn:aws:iam::444455556666:user/${aws:username}");
    expect(interpolate("${web.Instances}", scope)).toEqual([{ InstanceId: "i-0abc" }]);
    expect(interpolate({ ip: "${ip.office}", ids: ["${web.Instances.0.InstanceId}"] }, scope)).toEqual({ ip: "203.0.113.25", ids: ["i-0abc"] });
    expect(() => interpolate("${nothing.here}", scope)).toThrow(/nothing named "nothing"/);
  });
});
