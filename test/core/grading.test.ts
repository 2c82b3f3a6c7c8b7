/** Grading: answers against salted hashes, containment against live state, order against the journal. */

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from "@aws-sdk/client-ec2";
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import stringWidth from "string-width";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkAnswer, frameAt, hashAnswer } from "../../emulator/grading/answers.ts";
import { checks } from "../../emulator/grading/checks.ts";
import { formatReport, grade } from "../../emulator/grading/grade.ts";
import { answersTemplate, loadAssessment } from "../../emulator/grading/load.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { loadScenario, RECORDINGS_DIR } from "../../emulator/scenario/loader.ts";
import { BIN } from "../helpers/cli-process.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const run = promisify(execFile);
const assessment = loadAssessment(join(RECORDINGS_DIR, "basic"));
let server: TestServer;
const answers = {
  "web-instance": "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60001",
  "other-user": " Dev-Alice ",
  "user-created": "",
  "regions-with-instances": ["ap-northeast-1"],
};

describe("answer comparison", () => {
  const q = (id: string) => {
    const found = assessment.questions.find((x) => x.id === id);
    if (!found) throw new Error(id);
    return found;
  };
  // The range's discovery moment, and the recording's own: the range shows the recording shifted by their difference.
  const anchor = frameAt(new Date("2026-03-01T10:00:00Z"), new Date(loadScenario("basic").manifest.recordedDiscovery));
  it("accepts ids as ARNs, any case and spacing; rejects others", () => {
    expect(checkAnswer(q("web-instance"), assessment.salt, "I-0A1B2C3D4E5F60001", anchor).fraction).toBe(1);
    expect(checkAnswer(q("web-instance"), assessment.salt, "i-0000000000000000f", anchor).fraction).toBe(0);
  });
  it("accepts times within the window, relative to the shifted discovery moment", () => {
    // The recording says 2023-03-10T01:23:45Z with discovery at 2024-01-15T12:00:00Z; discovery is now anchor.
    const t = new Date(anchor.anchors[0].getTime() + (Date.parse("2023-03-10T01:23:45Z") - Date.parse("2024-01-15T12:00:00Z")));
    expect(checkAnswer(q("user-created"), assessment.salt, t.toISOString(), anchor).fraction).toBe(1);
    expect(checkAnswer(q("user-created"), assessment.salt, new Date(t.getTime() + 50_000).toISOString(), anchor).fraction).toBe(1);
    expect(checkAnswer(q("user-created"), assessment.salt, new Date(t.getTime() + 5 * 60_000).toISOString(), anchor).fraction).toBe(0);
  });
  it("gives partial credit for sets and takes wrong members off", () => {
    expect(checkAnswer(q("regions-with-instances"), assessment.salt, "ap-northeast-1, us-east-1", anchor).fraction).toBe(0);
    expect(checkAnswer(q("regions-with-instances"), assessment.salt, ["AP-NORTHEAST-1"], anchor).fraction).toBe(1);
  });
  it("stores no answer in plain text", () => {
    const text = JSON.stringify(assessment);
    expect(text).not.toContain('i-0a1b2c3d4e5f60001"]');
    expect(text).not.toMatch(/"dev-alice"\s*\]/);
    expect(hashAnswer(assessment.salt, "other-user", "dev-alice")).toBe(q("other-user").hashes[0]);
  });
});

describe("grading a live range", () => {
  // A fresh server per test: one of them contains and destroys, the others must see the range as recorded.
  beforeEach(async () => {
    server = await startTestServer({ scenario: "basic", clock: "2026-03-01T12:00:00Z" });
  });
  afterEach(async () => {
    await server?.stop();
  });

  it("fails containment before it is done, with hints and evidence, and is deterministic", async () => {
    const snap = await fetchSnapshot(server.url);
    const journalBefore = snap.journal.length;
    const a = grade(assessment, snap, answers);
    const b = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(b).toEqual(a);
    expect((await fetchSnapshot(server.url)).journal.length).toBe(journalBefore); // grading adds no calls
    const imds = a.items.find((i) => i.id === "imdsv2");
    expect(imds).toMatchObject({ status: "fail", points: 0 });
    expect(imds?.evidence.join()).toContain("still allows IMDSv1");
    expect(imds?.hint).toContain("modify-instance-metadata-options");
    expect(a.items.find((i) => i.id === "user-created")).toMatchObject({ status: "fail", evidence: ["no answer"] });
    expect(a.items.find((i) => i.id === "web-instance")?.status).toBe("pass");
    expect(a.passed).toBe(false);
  });

  it("credits containment done through the API and catches destroyed evidence", async () => {
    await new EC2Client(server.sdk()).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: "i-0a1b2c3d4e5f60001", HttpTokens: "required" }));
    const after = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(after.items.find((i) => i.id === "imdsv2")?.status).toBe("pass");
    expect(after.items.find((i) => i.id === "evidence-kept")?.status).toBe("pass");
    await new S3Client(server.sdk()).send(new DeleteObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    const destroyed = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(destroyed.items.find((i) => i.id === "evidence-kept")).toMatchObject({ status: "fail" });
    expect(destroyed.items.find((i) => i.id === "evidence-kept")?.evidence[0]).toMatch(/^DeleteObject on the evidence/);
  });

  it("ir-range grade prints a table or stable JSON and exits non-zero unless everything passes", async () => {
    const file = join(server.stateDir, "answers.yaml");
    writeFileSync(file, "web-instance: i-0a1b2c3d4e5f60001\nother-user: dev-alice\n");
    const r = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--answers", file, "--json"]).catch(
      (e) => e as { code: number; stdout: string },
    );
    expect((r as { code?: number }).code).toBe(1);
    const report = JSON.parse((r as { stdout: string }).stdout);
    expect(report).toMatchObject({ scenario: "basic", maxScore: 50 });
    expect(report.items.map((i: { id: string }) => i.id)).toEqual([
      "web-instance",
      "other-user",
      "user-created",
      "regions-with-instances",
      "imdsv2",
      "other-user-key",
      "evidence-kept",
    ]);
    const ja = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--answers", file, "--lang", "ja"]).catch((e) => e as { stdout: string });
    expect((ja as { stdout: string }).stdout).toContain("合計");
    const template = await run(process.execPath, [BIN, "answers", "--template", "--scenario", "basic"]);
    expect(template.stdout).toContain('web-instance: ""');
  });
});

describe("the session-revocation check", () => {
  const anchor = "2026-03-01T12:00:00.000Z";
  const snap = (role: Record<string, unknown>) => ({
    scenario: "t",
    accountId: "111122223333",
    anchor,
    anchors: [anchor],
    recordedDiscovery: anchor,
    now: anchor,
    journal: [],
    state: { format: 1 as const, scenario: "t", anchor, accounts: { "111122223333": { global: { iam: { roles: { web: role } } }, regions: {} } } },
  });
  const params = { role: "web", stolenAt: -60, overBroad: ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"] };
  const deny = (before: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: { Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": before } } },
    });

  it("passes on a deny of sessions issued before the theft, policies still attached (the document URL-encoded or not)", () => {
    const attached = ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"];
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: deny(anchor) } }), params).fraction).toBe(1);
    expect(
      checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: encodeURIComponent(deny(anchor)) } }), params).fraction,
    ).toBe(1);
    // A deny that ends before the stolen session was issued revokes nothing.
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: deny("2026-03-01T10:00:00Z") } }), params).fraction).toBe(0);
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: [], InlinePolicies: {} }), params).fraction).toBe(1);
  });
});

/** Runs the ir-range CLI with none of the range's variables but those given, from a directory of no state. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ["AWS_ENDPOINT_URL", "IR_RANGE_STATE_DIR", "IR_RANGE_SCENARIO"]) delete base[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, cwd: tmpdir() }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("what a grade tells the student (issue #16)", () => {
  let range: TestServer;
  let empty: string;
  beforeAll(async () => {
    range = await startTestServer({ scenario: "basic" });
    empty = mkdtempSync(join(tmpdir(), "ir-range-no-state-"));
  });
  afterAll(async () => {
    await range?.stop();
    rmSync(empty, { recursive: true, force: true });
  });
  // The exposed key's next moves, replayed (recordings/basic/attacker.json): they name nothing a question asks for.
  const STILL_POSSIBLE = [
    "still possible: The exposed key lists the account's buckets — the call succeeds",
    "still possible: The exposed key starts the web server (DryRun) — the call succeeds",
  ];
  const texts = (r: ReturnType<typeof grade>) => `${JSON.stringify(r)}\n${formatReport(r)}`;
  const item = (r: ReturnType<typeof grade>, id: string) => r.items.find((i) => i.id === id);

  it("names nothing a question asks for until it is answered, or --reveal is given (item 2)", async () => {
    const snap = await fetchSnapshot(range.url);
    const blind = grade(assessment, snap, {});
    // The web server is the answer to web-instance; the key names the user asked for in other-user.
    for (const secret of ["i-0a1b2c3d4e5f60001", "AKIAEXAMPLEALICE0001", "dev-alice", "alice"])
      expect(texts(blind).toLowerCase()).not.toContain(secret.toLowerCase());
    expect(item(blind, "imdsv2")?.evidence).toEqual(["the instance still allows IMDSv1 (HttpTokens optional)"]);
    expect(item(blind, "other-user-key")?.evidence).toEqual(STILL_POSSIBLE);
    expect(blind.withheld).toBe(true);
    expect(formatReport(blind)).toContain("--reveal");

    // A wrong answer reveals nothing; the right one names what it answers, and only that.
    expect(item(grade(assessment, snap, { "web-instance": "i-0ffffffffffffffff" }), "imdsv2")?.evidence[0]).not.toContain("i-0a1b2c3d4e5f60001");
    const half = grade(assessment, snap, { "web-instance": "i-0a1b2c3d4e5f60001" });
    expect(item(half, "imdsv2")?.evidence).toEqual(["i-0a1b2c3d4e5f60001 still allows IMDSv1 (HttpTokens optional)"]);
    expect(item(half, "other-user-key")?.evidence).toEqual(STILL_POSSIBLE);
    const answered = grade(assessment, snap, { "web-instance": "i-0a1b2c3d4e5f60001", "other-user": "dev-alice" });
    expect(item(answered, "other-user-key")?.evidence).toEqual(STILL_POSSIBLE);
    expect(answered.withheld).toBe(false);

    const debrief = grade(assessment, snap, {}, "en", { reveal: true });
    expect(item(debrief, "imdsv2")?.evidence).toEqual(["i-0a1b2c3d4e5f60001 still allows IMDSv1 (HttpTokens optional)"]);
    expect(item(debrief, "other-user-key")?.evidence).toEqual(STILL_POSSIBLE);

    const printed = await cli(["grade", "--endpoint", range.url]);
    expect(printed.code, printed.stderr).toBe(1);
    expect(printed.stdout).toContain(STILL_POSSIBLE[0]);
    expect(printed.stdout).not.toContain("AKIAEXAMPLEALICE0001");
    const revealed = await cli(["grade", "--endpoint", range.url, "--reveal"]);
    expect(revealed.stdout).toContain(STILL_POSSIBLE[1]);
  });

  it("finds the running server as reset does, honours AWS_ENDPOINT_URL, and says when none runs (item 3)", async () => {
    // No --endpoint: the lock of the state directory names the server (it listens on a random port, not :4566).
    const byLock = await cli(["grade", "--state-dir", range.stateDir, "--json"]);
    expect(byLock.stderr).toBe("");
    expect(JSON.parse(byLock.stdout)).toMatchObject({ scenario: "basic" });
    // No state directory of its own: what `eval "$(ir-range env)"` exported.
    const byEnv = await cli(["grade", "--json"], { AWS_ENDPOINT_URL: range.url, IR_RANGE_STATE_DIR: empty });
    expect(byEnv.stderr).toBe("");
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ scenario: "basic" });

    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const none = await cli(["grade"], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, IR_RANGE_STATE_DIR: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no ir-range server is running at http://127.0.0.1:${port} (AWS_ENDPOINT_URL)`);
    expect(none.stderr).not.toContain("fetch failed");
    const flag = await cli(["grade", "--endpoint", `http://127.0.0.1:${port}`]);
    expect(flag.stderr).toContain(`no ir-range server is running at http://127.0.0.1:${port} (--endpoint)`);

    // env and profile point where the server that owns the state directory listens, else at AWS_ENDPOINT_URL.
    const env = await cli(["env", "--scenario", "basic", "--state-dir", range.stateDir]);
    expect(env.stdout).toContain(`export AWS_ENDPOINT_URL=${range.url}\n`);
    const envElsewhere = await cli(["env", "--scenario", "basic", "--state-dir", empty], { AWS_ENDPOINT_URL: "http://127.0.0.1:4999" });
    expect(envElsewhere.stdout).toContain("export AWS_ENDPOINT_URL=http://127.0.0.1:4999\n");
    const config = join(empty, "aws-config");
    await cli(["profile", "--scenario", "basic", "--state-dir", range.stateDir], {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(empty, "aws-creds"),
    });
    expect(readFileSync(config, "utf8")).toContain(`endpoint_url = ${range.url}`);
  });

  it("speaks the chosen language throughout, its columns aligned by display width (item 4)", async () => {
    const report = grade(
      assessment,
      await fetchSnapshot(range.url),
      {
        "web-instance": "i-0ffffffffffffffff",
        "other-user": "dev-alice",
        "user-created": "2020-01-01T00:00:00Z",
        "regions-with-instances": "ap-northeast-1 us-east-1",
      },
      "ja",
    );
    const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
    for (const i of report.items) {
      expect(i.title).toMatch(japanese);
      for (const e of i.evidence) expect(e, `${i.id}: ${e}`).toMatch(japanese);
    }
    const text = formatReport(report, "ja");
    expect(text).not.toMatch(/\b(correct|found|wrong|is not|no answer|still|withheld|hint|Total)\b/);
    const lines = text.split("\n");
    const rows = lines.filter((l) => /^\S/.test(l) && l.includes("["));
    expect(rows.length).toBe(report.items.length);
    const column = new Set(rows.map((l) => stringWidth(l.slice(0, l.indexOf("[")))));
    expect([...column]).toHaveLength(1); // 合格 and 不合格 pad to the same width as PARTIAL would
    const [width] = column;
    for (const l of lines.filter((x) => /^\s+(- |ヒント: )/.test(x))) expect(l.length - l.trimStart().length).toBe(width);

    const template = answersTemplate(assessment, "ja");
    expect(template.split("\n")[0]).toMatch(japanese);
    expect(template).not.toMatch(/answers for scenario|e\.g\./);
  });
});
