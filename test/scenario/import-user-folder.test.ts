/**
 * Imported scenarios (#16 item 10): `import-cloudtrail` writes into a user data folder, never into the project's
 * recordings/; `start --scenario NAME` finds them there; and an imported event has one time everywhere a student
 * looks: LookupEvents, the log file's key, content and LastModified, and Athena — after a reset too.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { userDataDir, userScenariosDir } from "../../emulator/core/paths.ts";
import { describeScenarios, listScenarioEntries, locateScenario } from "../../emulator/scenario/catalog.ts";
import { importCloudTrail } from "../../emulator/scenario/import-cloudtrail.ts";
import { RECORDINGS_DIR } from "../../emulator/scenario/loader.ts";
import { ok, waitFor } from "../athena/helpers.ts";
import { BIN, startCli } from "../helpers/cli-process.ts";
import { aws, awsJson, hasAwsCli, startTestServer } from "../helpers/emulator.ts";

const INVICTUS = join(import.meta.dirname, "../fixtures/invictus-ir");
const BUCKET = "invictus-trail";
const DATABASE = "invictus_case_ir";
const OUTPUT = `s3://${BUCKET}/athena-results/`;
/** A privilege escalation in the Invictus IR dataset, in one of its delivered files. */
const ATTACH = { name: "AttachUserPolicy", id: "f4923a37-92d5-4dfd-9786-6caef2b5f33c", recorded: "2023-07-10T12:24:49Z" };

type Rec = { eventID: string; eventTime: string; eventName: string };
const gzRecords = (body: Buffer): Rec[] => JSON.parse(gunzipSync(body).toString("utf8")).Records;
/** The fixture's own files: name → records, in the recording's time. */
const recorded = new Map(
  readdirSync(INVICTUS)
    .filter((f) => f.endsWith(".json.gz"))
    .map((f) => [f, gzRecords(readFileSync(join(INVICTUS, f)))] as const),
);

/** CloudTrail's key layout, with the file's own id (the part the shift leaves alone) to match it to the fixture. */
const LOG_KEY =
  /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\1_CloudTrail_\2_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_([A-Za-z0-9]{16})\.json\.gz$/;
function parseKey(key: string) {
  const m = LOG_KEY.exec(key);
  if (!m) throw new Error(`not a CloudTrail log key: ${key}`);
  const [, , , y, mo, d, sy, smo, sd, h, mi, id] = m;
  return { datePath: `${y}-${mo}-${d}`, stamp: Date.parse(`${sy}-${smo}-${sd}T${h}:${mi}:00Z`), stampDate: `${sy}-${smo}-${sd}`, id };
}
/** The recorded file of the fixture with the same 16-character id. */
const fixtureFile = (id: string) => [...recorded.keys()].find((f) => f.includes(`_${id}.json.gz`)) as string;
const fixtureStamp = (file: string) => {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(file) as RegExpExecArray;
  return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`);
};

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "ir-range-user-scenarios-"));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(work, { recursive: true, force: true });
});

describe("the user folder", () => {
  it("is IR_RANGE_HOME's, else the platform's data folder", () => {
    const home = "/home/ada";
    expect(userDataDir({ env: { IR_RANGE_HOME: "/srv/range" }, platform: "linux", home })).toBe("/srv/range");
    expect(userDataDir({ env: { XDG_DATA_HOME: "/data/ada" }, platform: "linux", home })).toBe("/data/ada/ir-range");
    // A relative XDG_DATA_HOME is invalid by the XDG spec and ignored.
    expect(userDataDir({ env: { XDG_DATA_HOME: "rel" }, platform: "linux", home })).toBe("/home/ada/.local/share/ir-range");
    expect(userScenariosDir({ env: {}, platform: "linux", home })).toBe("/home/ada/.local/share/ir-range/scenarios");
    expect(userScenariosDir({ env: {}, platform: "darwin", home: "/Users/ada" })).toBe("/Users/ada/Library/Application Support/ir-range/scenarios");
    expect(userScenariosDir({ env: { LOCALAPPDATA: "C:\\Users\\ada\\AppData\\Local" }, platform: "win32", home: "C:\\Users\\ada" })).toBe(
      "C:\\Users\\ada\\AppData\\Local\\ir-range\\scenarios",
    );
  });

  it("holds imports; start finds built-in scenarios first, then each folder of IR_RANGE_SCENARIOS in order", () => {
    const [a, b] = [join(work, "a"), join(work, "b")];
    vi.stubEnv("IR_RANGE_SCENARIOS", [a, b].join(delimiter));
    const one = join(INVICTUS, [...recorded.keys()][0]);
    // Without --out an import goes into the first folder start searches.
    expect(importCloudTrail([one], { scenario: "case-one" }).dir).toBe(join(a, "case-one"));
    importCloudTrail([one], { scenario: "case-two", out: b });
    // A copy under a built-in's name (put there by hand: import refuses the name) is listed as hidden, never loaded.
    importCloudTrail([one], { scenario: "case-one", out: b });
    expect(locateScenario("case-two")).toMatchObject({ origin: "user", dir: join(b, "case-two") });
    expect(locateScenario("case-one").dir).toBe(join(a, "case-one"));
    expect(locateScenario("basic")).toMatchObject({ origin: "built-in", dir: join(RECORDINGS_DIR, "basic") });
    expect(listScenarioEntries().find((e) => e.dir === join(b, "case-one"))?.hiddenBy).toBe(join(a, "case-one"));
    expect(describeScenarios()).toMatch(new RegExp(`case-two +yours +${b.replaceAll("\\", "\\\\")}`));
    // --scenarios-dir replaces the environment's folders.
    expect(() => locateScenario("case-one", [b + sep])).not.toThrow();
    expect(() => locateScenario("case-two", [a])).toThrow(/no scenario named "case-two".*yours, in .*: case-one/);
  });

  it("refuses names that are paths, a built-in's name, and the project's recordings/", () => {
    const out = join(work, "user");
    for (const name of ["../escape", "/tmp/abs", "a/b", "..", "Bad Name", "-dash"]) {
      expect(() => importCloudTrail([INVICTUS], { scenario: name, out })).toThrow(/not allowed: .*a name, not a path/);
      expect(() => locateScenario(name, [out])).toThrow(/not allowed/);
    }
    expect(() => importCloudTrail([INVICTUS], { scenario: "basic", out })).toThrow(/"basic" is the name of a built-in scenario/);
    expect(() => importCloudTrail([INVICTUS], { scenario: "mine", out: RECORDINGS_DIR })).toThrow(/inside the project's built-in scenarios/);
    expect(() => importCloudTrail([INVICTUS], { scenario: "mine", out: join(RECORDINGS_DIR, "basic") })).toThrow(/inside the project's built-in/);
    // A folder that is there but holds no scenario is never replaced, --force or not.
    mkdirSync(join(out, "notes"), { recursive: true });
    expect(() => importCloudTrail([INVICTUS], { scenario: "notes", out, force: true })).toThrow(/is not a scenario/);
    expect(files(out)).toEqual([]);
    expect(existsSync(join(work, "escape"))).toBe(false);
  });
});

describe.skipIf(!hasAwsCli)("an imported scenario through the ir-range and aws CLIs", () => {
  it("is imported into the user folder, started by name, and shows one event at one time in LookupEvents, S3 and Athena", async () => {
    const env = { IR_RANGE_HOME: join(work, "home"), IR_RANGE_SCENARIOS: "" };
    const builtIn = files(RECORDINGS_DIR).map((f) => relative(RECORDINGS_DIR, f));

    const imported = await run(["import-cloudtrail", INVICTUS, "--scenario", "invictus-case", "--bucket", BUCKET], env);
    expect(imported.code, imported.stderr).toBe(0);
    const dir = join(work, "home", "scenarios", "invictus-case");
    expect(imported.stdout).toContain(`into ${dir}\n`);
    expect(imported.stdout).toContain("start it with: npx ir-range start --scenario invictus-case\n");
    expect(existsSync(join(dir, "scenario.json"))).toBe(true);
    expect(files(RECORDINGS_DIR).map((f) => relative(RECORDINGS_DIR, f))).toEqual(builtIn);

    const refused = await run(["import-cloudtrail", INVICTUS, "--scenario", "../escape"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/scenario name "\.\.\/escape" is not allowed/);

    const help = await run(["start", "--help"], env);
    expect(help.stdout).toMatch(/scenario to serve: basic,\s+exposed-credentials,\s+misconfigured-resource,\s+secutter,\s+invictus-case/);
    expect(help.stdout).toMatch(new RegExp(`invictus-case +yours +${dir}`));
    expect(help.stdout).toMatch(/secutter +built-in/);

    const cli = await startCli(["--scenario", "invictus-case", "--port", "0", "--state-dir", join(work, "state"), "--quiet"], env);
    try {
      const server = { env: { PATH: process.env.PATH, HOME: work, AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1", ...cli.exports } };
      const health = (await (await fetch(`${cli.exports.AWS_ENDPOINT_URL}/_ir-range/health`)).json()) as { now: string; anchor: string };
      const recordedDiscovery = JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8")).recordedDiscovery as string;
      const delta = Date.parse(health.anchor) - Date.parse(recordedDiscovery);

      // 1. LookupEvents: the escalation, moved with the discovery to "about two hours ago" on the range's clock.
      const found = await awsJson(server, ["cloudtrail", "lookup-events", "--lookup-attributes", `AttributeKey=EventName,AttributeValue=${ATTACH.name}`]);
      const event = JSON.parse(found.Events[0].CloudTrailEvent) as Rec;
      expect(event.eventID).toBe(ATTACH.id);
      const at = Date.parse(event.eventTime);
      expect(at - Date.parse(ATTACH.recorded)).toBe(delta);
      expect(Date.parse(health.now) - at).toBeGreaterThan(2 * 3600_000);
      expect(Date.parse(health.now) - at).toBeLessThan(3 * 3600_000);

      // 2. The trail bucket, as a student copies it: the one file with the event has it at the same time, and its
      // key's date and stamp moved with it.
      const local = join(work, "logs");
      const sync = await aws(server, ["s3", "sync", `s3://${BUCKET}/AWSLogs/`, local, "--only-show-errors"]);
      expect(sync.status, sync.stderr).toBe(0);
      const holding = files(local).filter((f) => gzRecords(readFileSync(f)).some((r) => r.eventID === ATTACH.id));
      expect(holding).toHaveLength(1);
      const key = `AWSLogs/${relative(local, holding[0]).split(sep).join("/")}`;
      expect(gzRecords(readFileSync(holding[0])).find((r) => r.eventID === ATTACH.id)?.eventTime).toBe(event.eventTime);
      const k = parseKey(key);
      expect(k.datePath).toBe(k.stampDate);
      const original = fixtureFile(k.id);
      // The file was written as long after the event as it was in the recording (the stamp keeps whole minutes).
      const lag = fixtureStamp(original) - Date.parse(ATTACH.recorded);
      expect(lag - (k.stamp - at)).toBeGreaterThanOrEqual(0);
      expect(lag - (k.stamp - at)).toBeLessThan(60_000);
      const head = await awsJson(server, ["s3api", "head-object", "--bucket", BUCKET, "--key", key]);
      expect(Date.parse(head.LastModified) - k.stamp).toBeGreaterThanOrEqual(0);
      expect(Date.parse(head.LastModified) - k.stamp).toBeLessThan(60_000);

      // 3. Athena's prepared table over the same files.
      const ath = new AthenaClient({
        endpoint: cli.exports.AWS_ENDPOINT_URL,
        region: cli.exports.AWS_REGION,
        credentials: { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY },
        maxAttempts: 1,
      });
      const start = await awsJson(server, [
        "athena",
        "start-query-execution",
        "--query-execution-context",
        `Database=${DATABASE}`,
        "--result-configuration",
        `OutputLocation=${OUTPUT}`,
        "--query-string",
        `SELECT eventtime, eventname FROM cloudtrail_logs WHERE eventid = '${ATTACH.id}'`,
      ]);
      expect((await waitFor(ath, start.QueryExecutionId)).Status?.State).toBe("SUCCEEDED");
      const res = await awsJson(server, ["athena", "get-query-results", "--query-execution-id", start.QueryExecutionId]);
      const rows = res.ResultSet.Rows.map((r: { Data: { VarCharValue?: string }[] }) => r.Data.map((d) => d.VarCharValue));
      expect(rows).toEqual([
        ["eventtime", "eventname"],
        [event.eventTime, ATTACH.name],
      ]);
    } finally {
      cli.proc.kill("SIGTERM");
      await cli.exited;
    }
  }, 120_000);

  it("starts a scenario imported with --out from --scenarios-dir, and says where it looked when it is not there", async () => {
    const env = { IR_RANGE_HOME: join(work, "home"), IR_RANGE_SCENARIOS: "" };
    const out = join(work, "course");
    const imported = await run(["import-cloudtrail", INVICTUS, "--scenario", "lab-1", "--out", out], env);
    expect(imported.code, imported.stderr).toBe(0);
    // A folder start does not search by itself: the printed command says where it is.
    expect(imported.stdout).toContain(`start it with: npx ir-range start --scenario lab-1 --scenarios-dir ${out}\n`);
    const missing = await run(["start", "--scenario", "lab-1", "--port", "0", "--state-dir", join(work, "s1")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `no scenario named "lab-1" (built-in: basic, exposed-credentials, misconfigured-resource, secutter; yours, in ${join(work, "home", "scenarios")}: none)`,
    );
    expect(existsSync(join(work, "s1"))).toBe(false);
    const cli = await startCli(["--scenario", "lab-1", "--scenarios-dir", out, "--port", "0", "--state-dir", join(work, "s2"), "--quiet"], env);
    try {
      const server = { env: { PATH: process.env.PATH, HOME: work, AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1", ...cli.exports } };
      expect((await awsJson(server, ["sts", "get-caller-identity"])).Arn).toBe("arn:aws:iam::123837392027:user/ir-responder");
    } finally {
      cli.proc.kill("SIGTERM");
      await cli.exited;
    }
  }, 60_000);
});

describe("every source of an imported scenario moves alike", () => {
  it("puts every record of every log file at its LookupEvents time, its key and LastModified beside it; after a reset too", async () => {
    vi.stubEnv("IR_RANGE_SCENARIOS", join(work, "user"));
    importCloudTrail([INVICTUS], { scenario: "invictus-case", bucket: BUCKET });
    // Found by name on the search path, as `ir-range start --scenario invictus-case` finds it.
    const server = await startTestServer({ scenario: "invictus-case", clock: "2026-03-01T12:00:00Z" });
    try {
      const s3 = new S3Client(server.sdk());
      const ct = new CloudTrailClient(server.sdk());
      const ath = new AthenaClient(server.sdk());

      const lookup = async () => {
        const times = new Map<string, string>();
        let NextToken: string | undefined;
        do {
          const page = await ct.send(new LookupEventsCommand({ MaxResults: 50, NextToken }));
          for (const e of page.Events ?? []) {
            const r = JSON.parse(e.CloudTrailEvent as string) as Rec;
            times.set(r.eventID, r.eventTime);
          }
          NextToken = page.NextToken;
        } while (NextToken);
        return times;
      };
      const bucket = async () => {
        const out: { key: string; lastModified: number; records: Rec[] }[] = [];
        // The dataset's files (named for account 218007301253); the trail also delivers this test's own calls.
        const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "AWSLogs/218007301253/" }));
        for (const o of list.Contents ?? []) {
          const body = Buffer.from(
            await ((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }))).Body?.transformToByteArray() as Promise<Uint8Array>),
          );
          expect(body.length).toBe(o.Size);
          out.push({ key: o.Key as string, lastModified: (o.LastModified as Date).getTime(), records: gzRecords(body) });
        }
        return out;
      };
      const athenaTime = async (id: string) =>
        (await ok(ath, `SELECT eventtime FROM cloudtrail_logs WHERE eventid = '${id}'`, { database: DATABASE, output: OUTPUT })).rows;

      const check = async () => {
        const times = await lookup();
        const objects = await bucket();
        expect(objects).toHaveLength(recorded.size);
        const delta = Date.parse(times.get(ATTACH.id) as string) - Date.parse(ATTACH.recorded);
        for (const o of objects) {
          const k = parseKey(o.key);
          const original = fixtureFile(k.id);
          // The key's date is its stamp's; the stamp and LastModified moved by the delta (to the whole minute).
          expect(k.datePath).toBe(k.stampDate);
          expect(fixtureStamp(original) + delta - k.stamp).toBeGreaterThanOrEqual(0);
          expect(fixtureStamp(original) + delta - k.stamp).toBeLessThan(60_000);
          expect(o.lastModified).toBe(fixtureStamp(original) + delta);
          // Every record is where LookupEvents has it, moved by the same delta from the recording.
          const before = recorded.get(original) as Rec[];
          expect(o.records.map((r) => r.eventID)).toEqual(before.map((r) => r.eventID));
          for (const [i, r] of o.records.entries()) {
            expect(r.eventTime).toBe(times.get(r.eventID));
            expect(Date.parse(r.eventTime) - Date.parse(before[i].eventTime)).toBe(delta);
          }
        }
        expect(await athenaTime(ATTACH.id)).toEqual([[times.get(ATTACH.id)]]);
        return times.get(ATTACH.id) as string;
      };

      const first = await check();
      const anchor = server.emulator.runtime.anchor.getTime();
      // A reset three days later places the incident anew: everything moves together, by as much as the discovery.
      server.emulator.runtime.clock.advance(3 * 24 * 3600_000);
      await server.emulator.runtime.reset();
      const moved = server.emulator.runtime.anchor.getTime() - anchor;
      expect(moved).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
      const second = await check();
      expect(Date.parse(second) - Date.parse(first)).toBe(moved);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
