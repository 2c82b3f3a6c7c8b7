/**
 * The class workflow: `ir-range submit` (a student packs their state directory and answers into one folder) and
 * `ir-range grade-class` (an instructor grades a folder of those, offline, into one report). docs/grading.md.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { type Command, Option } from "commander";
import { loadScenario } from "../scenario/loader.ts";
import { readLock } from "../state/lock.ts";
import { defaultStateDir } from "../state/state-dir.ts";

const scenarioName = (s: string | undefined) => s ?? process.env.IR_RANGE_SCENARIO ?? "secutter";

// Grading loads only for these commands.
const grading = () =>
  Promise.all([import("../grading/load.ts"), import("../grading/submission.ts"), import("../grading/class-report.ts"), import("../grading/offline.ts")]);

/** A student's name as a folder name: no path separators, not hidden, not "." or "..". */
function checkName(name: string): string {
  if (!name.trim() || /[/\\]/.test(name) || name.startsWith(".")) {
    throw new Error(`--name ${JSON.stringify(name)} cannot name a folder: use your student id or name, e.g. --name s1234567`);
  }
  return name.trim();
}

const SUBMIT_WORDS = {
  en: {
    wrote: (out: string, files: string, scenario: string, calls: number, given: number, total: number) =>
      `wrote ${out} (${files}): scenario "${scenario}", ${calls} calls of yours, ${given} of ${total} questions answered`,
    noAnswers: "no --answers: your instructor will grade the questions as unanswered",
    handIn: "Hand in this folder as your instructor asked (an upload usually takes it zipped).",
  },
  ja: {
    wrote: (out: string, files: string, scenario: string, calls: number, given: number, total: number) =>
      `${out} に書き出しました (${files}): シナリオ「${scenario}」、あなたの API 呼び出し ${calls} 件、設問 ${total} 問中 ${given} 問に回答`,
    noAnswers: "--answers がありません: 設問は未回答として採点されます",
    handIn: "このフォルダーを講師の指示どおりに提出してください (アップロードでは通常 zip に圧縮します)。",
  },
};

/** What grade-class prints when done: where the report is, and what needs the instructor's eye. */
const CLASS_WORDS = {
  en: {
    graded: (n: number, of: number, scenario: string) => `graded ${n} of ${of} submissions of scenario "${scenario}"`,
    stats: (mean: number, median: number, max: number, full: number) => `: mean ${mean}, median ${median} of ${max}; ${full} with full marks`,
    notGraded: (student: string, reason: string) => `not graded: ${student}: ${reason}`,
    warnings: (n: number, file: string) => `${n} ${n === 1 ? "warning" : "warnings"}: see ${file}`,
    report: (out: string) => `report: ${out} (grades.csv, grades.json, summary.json, summary.md, feedback/)`,
  },
  ja: {
    graded: (n: number, of: number, scenario: string) => `シナリオ「${scenario}」の提出 ${of} 件中 ${n} 件を採点しました`,
    stats: (mean: number, median: number, max: number, full: number) => `: 平均 ${mean}、中央値 ${median} (満点 ${max})、満点 ${full} 人`,
    notGraded: (student: string, reason: string) => `採点不可: ${student}: ${reason}`,
    warnings: (n: number, file: string) => `警告 ${n} 件: ${file} を見てください`,
    report: (out: string) => `採点結果: ${out} (grades.csv, grades.json, summary.json, summary.md, feedback/)`,
  },
};

interface ClassOpts {
  out: string;
  scenario?: string;
  lang: "en" | "ja" | "both";
  reveal?: boolean;
}

interface SubmitOpts {
  lang: "en" | "ja";
  name?: string;
  out?: string;
  answers?: string;
  scenario?: string;
  stateDir?: string;
}

export function registerClassCommands(program: Command, fail: (e: unknown) => never): void {
  program
    .command("submit")
    .description("pack your state directory and answers into one folder to hand in (stop the server first)")
    .option("--name <name>", "your student id or name: the folder's name, as your instructor asked")
    .option("--answers <file>", "your answers (answers.yaml or .json)")
    .option("--out <dir>", "the folder to write (default: ./<name>)")
    .option("--scenario <name>", "the scenario you worked on (default: IR_RANGE_SCENARIO, else secutter)")
    .option("--state-dir <dir>", "your state directory (default: .ir-range/<scenario>)")
    .addOption(new Option("--lang <lang>", "en or ja").choices(["en", "ja"]).default("en"))
    .action(async (opts: SubmitOpts) => {
      try {
        const [{ loadAnswers, loadAssessment }, { writeSubmission }, , { offlineSnapshot }] = await grading();
        const [{ unknownKeys }, { LABELS, UNKNOWN_KEY }] = await Promise.all([import("../grading/unknown-keys.ts"), import("../grading/messages.ts")]);
        if (!opts.name && !opts.out) throw new Error("say whose submission this is: --name <your student id> (or --out <folder>)");
        const out = resolve(opts.out ?? checkName(opts.name ?? ""));
        const scenario = scenarioName(opts.scenario);
        const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(scenario);
        const owner = readLock(stateDir);
        if (owner) {
          throw new Error(
            `${stateDir} is in use by the ir-range server (pid ${owner.pid}${owner.endpoint ? `, ${owner.endpoint}` : ""}): stop it first (Ctrl-C where \`npx ir-range start\` runs; your work is kept), then submit again`,
          );
        }
        const within = relative(stateDir, out);
        if (within === "" || (!within.startsWith("..") && !isAbsolute(within)))
          throw new Error(`--out ${out} is inside the state directory ${stateDir}: write it elsewhere`);
        const answers = opts.answers ? loadAnswers(opts.answers) : undefined;
        // Opened as the instructor's grading will open it: a state that cannot be graded is refused here, not there.
        const snap = await offlineSnapshot(stateDir, { scenario });
        const ids = loadAssessment(loadScenario(scenario).dir).questions.map((q) => q.id);
        const { files } = writeSubmission(out, stateDir, opts.answers);
        const given = answers ? ids.filter((id) => answers[id] !== undefined && answers[id] !== null && String(answers[id]).trim() !== "").length : 0;
        const W = SUBMIT_WORDS[opts.lang];
        const lines = [W.wrote(out, files.join(", "), scenario, snap.journal.length, given, ids.length)];
        for (const u of answers ? unknownKeys(answers, ids) : []) lines.push(`${LABELS[opts.lang].warning}: ${UNKNOWN_KEY[opts.lang](u.key, u.suggestion)}`);
        if (!answers) lines.push(`${LABELS[opts.lang].warning}: ${W.noAnswers}`);
        lines.push(W.handIn);
        process.stdout.write(`${lines.join("\n")}\n`);
      } catch (e) {
        fail(e);
      }
    });

  program
    .command("grade-class")
    .description("grade a folder of student submissions offline (no server) into one report: grades.csv/.json, summary.json/.md, feedback/")
    .argument("<class-dir>", "one folder per student, each as `ir-range submit` writes it: <student>/state/ and <student>/answers.yaml")
    .requiredOption("--out <dir>", "the report folder to write")
    .option("--scenario <name>", "the scenario every submission must hold (default: IR_RANGE_SCENARIO, else secutter)")
    .addOption(new Option("--lang <lang>", "language of summary.md, the feedback files and the CSV notes").choices(["en", "ja", "both"]).default("en"))
    .option("--reveal", "name every resource in the feedback (a debrief), answered or not")
    .action(async (classDir: string, opts: ClassOpts) => {
      try {
        const [{ loadAssessment }, { ARCHIVE, gradeSubmission }, { classReportFiles, summarize }] = await grading();
        const root = resolve(classDir);
        if (!existsSync(root) || !lstatSync(root).isDirectory()) throw new Error(`${root} is not a folder of submissions`);
        const out = resolve(opts.out);
        const scenario = scenarioName(opts.scenario);
        const assessment = loadAssessment(loadScenario(scenario).dir);
        // One folder per student; hidden entries, an archive tool's folders and the report itself are none. An archive
        // is reported (not extracted) unless it was extracted beside itself.
        const names = readdirSync(root).filter((n) => !n.startsWith(".") && n !== "__MACOSX" && resolve(root, n) !== out);
        const folders = new Set(names.filter((n) => lstatSync(join(root, n)).isDirectory()));
        const archives = names.filter((n) => ARCHIVE.test(n) && !folders.has(n.replace(ARCHIVE, "")));
        const entries = [...folders, ...archives].sort();
        const results = [];
        for (const n of entries) results.push(await gradeSubmission(join(root, n), assessment, { scenario, reveal: opts.reveal }));
        const input = { scenario, assessment, results, lang: opts.lang };
        mkdirSync(out, { recursive: true });
        rmSync(join(out, "feedback"), { recursive: true, force: true });
        const files = classReportFiles(input);
        for (const [path, text] of files) {
          mkdirSync(dirname(join(out, path)), { recursive: true });
          writeFileSync(join(out, path), text);
        }
        const s = summarize(input);
        const W = CLASS_WORDS[opts.lang === "ja" ? "ja" : "en"];
        const lines = [W.graded(s.graded, s.students, scenario) + (s.graded ? W.stats(s.mean ?? 0, s.median ?? 0, s.maxScore, s.fullMarks) : "")];
        for (const u of s.notGraded) lines.push(W.notGraded(u.student, u.reason));
        if (s.warnings.length) lines.push(W.warnings(s.warnings.length, join(out, "summary.md")));
        lines.push(W.report(out));
        process.stdout.write(`${lines.join("\n")}\n`);
        // Like grade's 0-on-pass: 0 only when every submission could be graded.
        process.exitCode = s.ungraded ? 1 : 0;
      } catch (e) {
        fail(e);
      }
    });
}
