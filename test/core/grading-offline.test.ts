/**
 * Grading with no server (issue #16, item 5): a saved state directory graded offline gets the grade its running server
 * gives, the student's directory is left byte for byte as it was, and a class folder becomes one report. And answer
 * keys that name no question are named, with the nearest question (item 8).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from "@aws-sdk/client-ec2";
import { GetUserCommand, IAMClient, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classReportFiles } from "../../emulator/grading/class-report.ts";
import { formatReport, grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { offlineSnapshot } from "../../emulator/grading/offline.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { gradeSubmission, writeSubmission } from "../../emulator/grading/submission.ts";
import { RECORDINGS_DIR } from "../../emulator/scenario/loader.ts";
import { createEmulator } from "../../emulator/server/app.ts";
import { BIN } from "../helpers/cli-process.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const basic = loadAssessment(join(RECORDINGS_DIR, "basic"));
const secutter = loadAssessment(join(RECORDINGS_DIR, "secutter"));
const work = mkdtempSync(join(tmpdir(), "ir-range-offline-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** The ir-range command as a user runs it, from `cwd`. */
function cli(args: string[], cwd = work): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, IR_RANGE_SCENARIO: "", IR_RANGE_STATE_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every file under dir with a hash of its bytes and its mode: what "unchanged" means. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${st.mode.toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
    }
  };
  walk(dir);
  return out;
}

/** The basic scenario's other user's CreateDate, as a student reads it with the SDK (in the range's shifted time). */
async function createdOfOtherUser(range: TestServer): Promise<string> {
  const { User } = await new IAMClient(range.sdk()).send(new GetUserCommand({ UserName: "dev-alice" }));
  if (!User?.CreateDate) throw new Error("GetUser gave no CreateDate");
  return User.CreateDate.toISOString();
}

async function requireImdsv2(range: TestServer) {
  await new EC2Client(range.sdk()).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: "i-0a1b2c3d4e5f60001", HttpTokens: "required" }));
}

async function deactivateOtherKey(range: TestServer) {
  await new IAMClient(range.sdk()).send(new UpdateAccessKeyCommand({ UserName: "dev-alice", AccessKeyId: "AKIAEXAMPLEALICE0001", Status: "Inactive" }));
}

/** A fresh secutter state directory, as a first `ir-range start` leaves it (a student who did nothing yet). */
async function freshState(scenario: string): Promise<string> {
  const dir = mkdtempSync(join(work, `${scenario}-`));
  const emulator = await createEmulator({ scenario, stateDir: dir });
  await emulator.close();
  return dir;
}

let secutterState: string;
beforeAll(async () => {
  secutterState = await freshState("secutter");
});

describe("grading a saved state directory with no server", () => {
  it("gives the running server's grade for the same state, across a reset, and leaves the directory byte for byte", async () => {
    // No --clock: the incident is placed two hours before now, and moves at the reset (item 1 holds offline too).
    const range = await startTestServer({ scenario: "basic" });
    const answersFile = join(work, "same-answers.yaml");
    let online!: ReturnType<typeof grade>;
    let answers!: Record<string, unknown>;
    try {
      const created = await createdOfOtherUser(range);
      range.emulator.runtime.clock.advance(10 * 60_000);
      await range.emulator.runtime.reset();
      await requireImdsv2(range);
      answers = { "web-instance": "i-0a1b2c3d4e5f60001", "other-user": "dev-alice", "user-created": created, "regions-with-instanses": "ap-northeast-1" };
      writeFileSync(
        answersFile,
        `${Object.entries(answers)
          .map(([k, v]) => `${k}: "${v}"`)
          .join("\n")}\n`,
      );
      online = grade(basic, await fetchSnapshot(range.url), answers);
      expect(online.items.find((i) => i.id === "user-created")?.evidence[0]).toMatch(/^correct in the range's time before a reset/);

      // While its server runs, the directory is its server's: a student is told to stop it before handing it in.
      const busy = await cli(["submit", "--name", "alice", "--scenario", "basic", "--state-dir", range.stateDir, "--answers", answersFile]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`${range.stateDir} is in use by the ir-range server (pid ${process.pid}, ${range.url}): stop it first`);
    } finally {
      await range.stop(false);
    }
    // As a server killed mid-append leaves it: opening the directory itself would cut this torn line off.
    appendFileSync(join(range.stateDir, "journal.ndjson"), '{"eventVersion":"1.08","eventTi');
    const before = tree(range.stateDir);
    try {
      const offline = grade(basic, await offlineSnapshot(range.stateDir), answers);
      expect(offline).toEqual(online);
      expect(offline).toMatchObject({
        score: 35,
        maxScore: 50,
        warnings: ["unknown answer key 'regions-with-instanses' — did you mean 'regions-with-instances'?"],
      });

      // The command a teacher runs: no server anywhere, the same grade.
      const printed = await cli(["grade", "--state-dir", range.stateDir, "--answers", answersFile, "--json"]);
      expect(printed.stderr).toBe("");
      expect(printed.code).toBe(1); // not a full pass
      expect(JSON.parse(printed.stdout)).toEqual(online);
      expect(tree(range.stateDir)).toEqual(before);
    } finally {
      rmSync(range.stateDir, { recursive: true, force: true });
    }
  });

  it("says why a directory cannot be graded: no state in it, or another scenario's", async () => {
    const empty = mkdtempSync(join(work, "empty-"));
    await expect(offlineSnapshot(empty)).rejects.toThrow(`${empty} holds no ir-range state (no state.json)`);
    await expect(offlineSnapshot(secutterState, { scenario: "basic" })).rejects.toThrow(`${secutterState} holds scenario "secutter", not "basic"`);
    const broken = mkdtempSync(join(work, "broken-"));
    writeFileSync(join(broken, "state.json"), '{"format": 1, "scenario": "basic", "acc');
    await expect(offlineSnapshot(broken)).rejects.toThrow(`${join(broken, "state.json")} is not an ir-range state file`);
    expect(readdirSync(broken)).toEqual(["state.json"]);
  });
});

describe("answer keys that name no question (item 8)", () => {
  it("names each, suggests the nearest question id in English and Japanese, and grades everything else", async () => {
    const snap = await offlineSnapshot(secutterState);
    const answers = { "atacker-ip": "203.0.113.45", "rogue-regions": ["ap-northeast-1", "us-east-1"], "favourite-colour": "blue" };
    const en = grade(secutter, snap, answers);
    expect(en.warnings).toEqual([
      "unknown answer key 'atacker-ip' — did you mean 'attacker-ip'?",
      "unknown answer key 'favourite-colour' — no question has that id (npx ir-range answers --template lists them)",
    ]);
    expect(en.items.find((i) => i.id === "attacker-ip")).toMatchObject({ status: "fail", evidence: ["no answer"] });
    expect(en.items.find((i) => i.id === "rogue-regions")).toMatchObject({ status: "pass", points: 5 });
    expect(formatReport(en).split("\n")[0]).toBe("warning: unknown answer key 'atacker-ip' — did you mean 'attacker-ip'?");
    const ja = grade(secutter, snap, answers, "ja");
    expect(ja.warnings[0]).toBe("不明な回答キー 'atacker-ip' — 'attacker-ip' のことですか?");
    expect(formatReport(ja, "ja").split("\n")[0]).toBe("警告: 不明な回答キー 'atacker-ip' — 'attacker-ip' のことですか?");
    // Case and underscores are no misspelling; a key that is right gets no warning.
    expect(grade(secutter, snap, { Attacker_IP: "x", "attacker-ip": "x" }).warnings).toEqual([
      "unknown answer key 'Attacker_IP' — did you mean 'attacker-ip'?",
    ]);
  });
});

describe("grading a class (ir-range submit, ir-range grade-class)", () => {
  const classDir = join(work, "class");
  const report = join(work, "report");
  let classBefore: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(classDir);
    // alice: every answer and all containment, handed in with `ir-range submit` as the docs tell students.
    const a = await startTestServer({ scenario: "basic" });
    const aliceAnswers = join(work, "alice-answers.yaml");
    try {
      writeFileSync(
        aliceAnswers,
        `web-instance: i-0a1b2c3d4e5f60001\nother-user: dev-alice\nuser-created: "${await createdOfOtherUser(a)}"\nregions-with-instances: [ap-northeast-1]\n`,
      );
      await requireImdsv2(a);
      await deactivateOtherKey(a);
    } finally {
      await a.stop(false);
    }
    const submitted = await cli(["submit", "--name", "alice", "--scenario", "basic", "--state-dir", a.stateDir, "--answers", aliceAnswers], classDir);
    expect(submitted.stderr).toBe("");
    expect(submitted.stdout).toContain(`wrote ${join(classDir, "alice")} (state/state.json, state/journal.ndjson, state/anchors.json, answers.yaml)`);
    expect(submitted.stdout).toContain("4 of 4 questions answered");
    expect(readdirSync(join(classDir, "alice", "state")).sort()).toEqual(["anchors.json", "journal.ndjson", "state.json"]);

    // bob: part of it, and a misspelt key.
    const b = await startTestServer({ scenario: "basic" });
    try {
      await requireImdsv2(b);
    } finally {
      await b.stop(false);
    }
    const bobAnswers = join(work, "bob-answers.json");
    writeFileSync(bobAnswers, JSON.stringify({ "web-instanse": "i-0a1b2c3d4e5f60001", "other-user": "dev-alice", "regions-with-instances": "ap-northeast-1" }));
    writeSubmission(join(classDir, "bob"), b.stateDir, bobAnswers);

    // carol: a damaged state.json. dave: the other scenario's state, and no answers.
    mkdirSync(join(classDir, "carol", "state"), { recursive: true });
    writeFileSync(join(classDir, "carol", "state", "state.json"), '{"format": 1, "scen');
    writeFileSync(join(classDir, "carol", "answers.yaml"), "web-instance: i-0a1b2c3d4e5f60001\n");
    writeSubmission(join(classDir, "dave"), secutterState, undefined);
    classBefore = tree(classDir);
  });

  it("writes one report: a row per student and item, a summary, the ungraded and why; the submissions unchanged", async () => {
    const r = await cli(["grade-class", "class", "--scenario", "basic", "--out", "report"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1); // two submissions could not be graded
    expect(r.stdout).toContain('graded 2 of 4 submissions of scenario "basic": mean 37.5, median 37.5 of 50; 1 with full marks');
    expect(r.stdout).toContain("not graded: carol: state/state.json is not an ir-range state file");

    expect(readFileSync(join(report, "grades.csv"), "utf8")).toBe(
      [
        "student,item,kind,status,score,max,passed,note",
        "alice,web-instance,question,pass,10,10,true,",
        "alice,other-user,question,pass,5,5,true,",
        "alice,user-created,question,pass,5,5,true,",
        "alice,regions-with-instances,question,pass,5,5,true,",
        "alice,imdsv2,containment,pass,10,10,true,",
        "alice,other-user-key,containment,pass,10,10,true,",
        "alice,evidence-kept,order,pass,5,5,true,",
        "alice,TOTAL,total,pass,50,50,true,",
        "bob,web-instance,question,fail,0,10,false,",
        "bob,other-user,question,pass,5,5,true,",
        "bob,user-created,question,fail,0,5,false,",
        "bob,regions-with-instances,question,pass,5,5,true,",
        "bob,imdsv2,containment,pass,10,10,true,",
        "bob,other-user-key,containment,fail,0,10,false,",
        "bob,evidence-kept,order,pass,5,5,true,",
        "bob,TOTAL,total,partial,25,50,false,unknown answer key 'web-instanse' — did you mean 'web-instance'?",
        'carol,TOTAL,total,error,,50,false,"state/state.json is not an ir-range state file (damaged, or not written by ir-range)"',
        'dave,TOTAL,total,error,,50,false,"the state is of scenario ""secutter"", not ""basic""; no answers file (answers.yaml, answers.yml or answers.json): the questions are graded as unanswered"',
        "",
      ].join("\n"),
    );

    const grades = JSON.parse(readFileSync(join(report, "grades.json"), "utf8"));
    expect(grades.students.map((s: { student: string; graded: boolean }) => [s.student, s.graded])).toEqual([
      ["alice", true],
      ["bob", true],
      ["carol", false],
      ["dave", false],
    ]);
    expect(grades.students[1].warnings).toEqual([
      {
        code: "unknown-answer-key",
        en: "unknown answer key 'web-instanse' — did you mean 'web-instance'?",
        ja: "不明な回答キー 'web-instanse' — 'web-instance' のことですか?",
      },
    ]);
    expect(grades.students[1].items.find((i: { id: string }) => i.id === "other-user-key")).toMatchObject({
      status: "fail",
      points: 0,
      maxPoints: 10,
      passed: false,
      // The exposed key's next moves, replayed on bob's state: his key still works.
      evidence: [
        "still possible: The exposed key lists the account's buckets — the call succeeds",
        "still possible: The exposed key starts the web server (DryRun) — the call succeeds",
      ],
    });
    expect(grades.students[3].error.code).toBe("wrong-scenario");

    const summary = JSON.parse(readFileSync(join(report, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ students: 4, graded: 2, ungraded: 2, mean: 37.5, median: 37.5, min: 25, max: 50, fullMarks: 1, maxScore: 50 });
    expect(summary.distribution.filter((d: { students: number }) => d.students)).toEqual([
      { band: "50-59%", students: 1 },
      { band: "100%", students: 1 },
    ]);
    // The most missed first, then in the assessment's order.
    expect(summary.items.map((i: { id: string; missedBy: number }) => `${i.id}:${i.missedBy}`)).toEqual([
      "web-instance:1",
      "user-created:1",
      "other-user-key:1",
      "other-user:0",
      "regions-with-instances:0",
      "imdsv2:0",
      "evidence-kept:0",
    ]);
    expect(summary.notGraded).toEqual([
      { student: "carol", code: "bad-state", reason: "state/state.json is not an ir-range state file (damaged, or not written by ir-range)" },
      { student: "dave", code: "wrong-scenario", reason: 'the state is of scenario "secutter", not "basic"' },
    ]);
    expect(summary.warnings.map((w: { student: string; code: string }) => `${w.student}:${w.code}`)).toEqual(["bob:unknown-answer-key", "dave:no-answers"]);

    const md = readFileSync(join(report, "summary.md"), "utf8");
    expect(md).toContain("| mean | 37.5 |");
    expect(md).toContain("| web-instance | question | 1 of 2 | 1 of 2 | 5 / 10 |");
    expect(md).toContain("| bob | 25 / 50 | partial | unknown answer key 'web-instanse' — did you mean 'web-instance'? |");
    expect(md).toContain("- carol: state/state.json is not an ir-range state file");
    expect(readFileSync(join(report, "feedback", "alice.txt"), "utf8")).toContain("Total: 50 / 50");
    expect(readdirSync(join(report, "feedback")).sort()).toEqual(["alice.txt", "bob.txt"]);

    expect(tree(classDir)).toEqual(classBefore);

    // The same class graded again, in this process: the same bytes.
    const again = [];
    for (const n of readdirSync(classDir).sort()) again.push(await gradeSubmission(join(classDir, n), basic, { scenario: "basic" }));
    for (const [path, text] of classReportFiles({ scenario: "basic", assessment: basic, results: again.reverse(), lang: "en" })) {
      expect(readFileSync(join(report, path), "utf8"), path).toBe(text);
    }
    const ja = classReportFiles({ scenario: "basic", assessment: basic, results: again, lang: "ja" });
    expect(ja.get("summary.md")).toContain("## 多くの学生が落とした項目");
    expect(ja.get("summary.md")).toContain("- bob: 不明な回答キー 'web-instanse' — 'web-instance' のことですか?");
    expect(ja.get("grades.csv")?.startsWith("\uFEFFstudent,")).toBe(true);
    expect(ja.get("feedback/bob.txt")).toContain("合計: 25 / 50");
  });

  it("takes a submission zipped with its own folder, and reports an archive left unextracted", async () => {
    const nested = mkdtempSync(join(work, "nested-"));
    writeSubmission(join(nested, "erin", "erin"), secutterState, undefined);
    writeFileSync(join(nested, "frank.zip"), "PK");
    const results = [];
    for (const n of readdirSync(nested).sort()) results.push(await gradeSubmission(join(nested, n), secutter, { scenario: "secutter" }));
    expect(results.map((s) => [s.student, s.reports?.en.maxScore, s.error?.code, s.warnings.map((w) => w.code)])).toEqual([
      [
        "erin",
        secutter.questions.reduce((a, q) => a + q.points, 0) + [...secutter.containment, ...secutter.order].reduce((a, o) => a + o.points, 0),
        undefined,
        ["no-answers"],
      ],
      ["frank", undefined, "not-a-folder", []],
    ]);
  });
});
