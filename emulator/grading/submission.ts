/**
 * A student's submission, as `ir-range submit` writes it and `ir-range grade-class` reads it: one folder holding the
 * state directory as `state/` (state.json, journal.ndjson, anchors.json) and the answers as `answers.yaml` (or .yml,
 * .json). Grading one never stops a class: what cannot be graded is said, in English and Japanese, for that student.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { Assessment } from "./assessment.ts";
import { type GradeReport, grade } from "./grade.ts";
import { loadAnswers } from "./load.ts";
import type { Lang } from "./messages.ts";
import { type OfflineOptions, offlineSnapshot, StateDirError } from "./offline.ts";

export const STATE_FOLDER = "state";
/** Where answers are looked for, in this order of preference. */
export const ANSWERS_FILES = ["answers.yaml", "answers.yml", "answers.json"] as const;
/** What a submission carries of a state directory: what grading reads. Not its secrets, lock or S3 bodies. */
export const SUBMITTED_STATE_FILES = ["state.json", "journal.ndjson", "anchors.json"] as const;

/** A sentence about one submission, in both languages, with a code a script can match. */
export interface Note {
  code: string;
  en: string;
  ja: string;
}

const NOTES = {
  noState: (where: string): Note => ({
    code: "no-state",
    en: `no state: expected ${where}state/state.json (the folder \`npx ir-range submit\` writes)`,
    ja: `状態がありません: ${where}state/state.json が必要です (\`npx ir-range submit\` が書き出すフォルダー)`,
  }),
  badState: (file: string): Note => ({
    code: "bad-state",
    en: `${file} is not an ir-range state file (damaged, or not written by ir-range)`,
    ja: `${file} は ir-range の状態ファイルではありません (壊れているか、ir-range が書いたものではありません)`,
  }),
  wrongScenario: (found: string, expected: string): Note => ({
    code: "wrong-scenario",
    en: `the state is of scenario "${found}", not "${expected}"`,
    ja: `状態はシナリオ「${found}」のもので、「${expected}」ではありません`,
  }),
  openFailed: (message: string): Note => ({
    code: "open-failed",
    en: `the state could not be opened: ${message}`,
    ja: `状態を開けませんでした: ${message}`,
  }),
  notAFolder: (name: string): Note => ({
    code: "not-a-folder",
    en: `${name} is a file, not a folder: extract it into a folder of its own`,
    ja: `${name} はフォルダーではなくファイルです: 専用のフォルダーに展開してください`,
  }),
  noAnswers: (): Note => ({
    code: "no-answers",
    en: "no answers file (answers.yaml, answers.yml or answers.json): the questions are graded as unanswered",
    ja: "回答ファイル (answers.yaml、answers.yml、answers.json) がありません: 設問は未回答として採点しました",
  }),
  badAnswers: (file: string, message: string): Note => ({
    code: "bad-answers",
    en: `${file} could not be read (${message}): the questions are graded as unanswered`,
    ja: `${file} を読めませんでした (${message}): 設問は未回答として採点しました`,
  }),
  severalAnswers: (used: string, ignored: string[]): Note => ({
    code: "several-answers",
    en: `several answers files: ${used} graded, ${ignored.join(", ")} ignored`,
    ja: `回答ファイルが複数あります: ${used} を採点し、${ignored.join("、")} は無視しました`,
  }),
  unknownKey: (en: string, ja: string): Note => ({ code: "unknown-answer-key", en, ja }),
};

/** What a student may hand in instead of a folder: reported, so that the instructor extracts it. */
export const ARCHIVE = /\.(zip|tar|tgz|tar\.gz|7z|rar)$/i;

/** Folders an archive tool adds beside the content (macOS's zip). */
const NOISE = new Set(["__MACOSX"]);
const visibleFolders = (dir: string) =>
  readdirSync(dir)
    .filter((n) => !n.startsWith(".") && !NOISE.has(n) && lstatSync(join(dir, n)).isDirectory())
    .sort();
const isFile = (p: string) => existsSync(p) && lstatSync(p).isFile();

export interface LocatedSubmission {
  /** The state directory (`state/`, or the folder itself when it holds state.json). */
  stateDir?: string;
  /** The answers file graded, and the others found beside it. */
  answersFile?: string;
  ignoredAnswers: string[];
  /** The path inside the student's folder where it was found ("" or "alice/", when a zip held its own folder). */
  inner: string;
}

/**
 * Finds the state and answers in a student's folder: `state/` and `answers.*` in it, or in its only sub-folder (an
 * archive that held the folder itself: class/alice/alice/state/), or state.json right in it.
 */
export function locateSubmission(folder: string): LocatedSubmission {
  const inside = visibleFolders(folder);
  const candidates = [{ dir: folder, inner: "" }];
  if (inside.length === 1 && inside[0] !== STATE_FOLDER) candidates.push({ dir: join(folder, inside[0]), inner: `${inside[0]}/` });
  for (const { dir, inner } of candidates) {
    const stateDir = isFile(join(dir, STATE_FOLDER, "state.json")) ? join(dir, STATE_FOLDER) : isFile(join(dir, "state.json")) ? dir : undefined;
    if (!stateDir) continue;
    const found = ANSWERS_FILES.filter((f) => isFile(join(dir, f)));
    return { stateDir, answersFile: found[0] && join(dir, found[0]), ignoredAnswers: found.slice(1), inner };
  }
  return { ignoredAnswers: [], inner: "" };
}

/** One student's outcome: graded (the same grade in each language), or why not; and what the grade could not use. */
export interface StudentResult {
  student: string;
  reports?: Record<Lang, GradeReport>;
  error?: Note;
  warnings: Note[];
}

export interface GradeSubmissionOptions extends OfflineOptions {
  scenario: string;
  reveal?: boolean;
}

/** Grades one student's folder offline; never throws for what is wrong with the submission. */
export async function gradeSubmission(folder: string, assessment: Assessment, opts: GradeSubmissionOptions): Promise<StudentResult> {
  const student = basename(folder);
  if (!lstatSync(folder).isDirectory()) return { student: student.replace(ARCHIVE, ""), error: NOTES.notAFolder(student), warnings: [] };
  const found = locateSubmission(folder);
  if (!found.stateDir) return { student, error: NOTES.noState(`${student}/`), warnings: [] };
  const warnings: Note[] = [];
  let answers: Record<string, unknown> = {};
  const rel = (file: string) => `${found.inner}${basename(file)}`;
  if (!found.answersFile) warnings.push(NOTES.noAnswers());
  else {
    try {
      answers = loadAnswers(found.answersFile);
    } catch (e) {
      // The parser's words only, without the path: the report reads the same wherever the class folder lies.
      warnings.push(NOTES.badAnswers(rel(found.answersFile), firstLine(e).split(found.answersFile).join(rel(found.answersFile))));
    }
    if (found.ignoredAnswers.length)
      warnings.push(
        NOTES.severalAnswers(
          rel(found.answersFile),
          found.ignoredAnswers.map((f) => `${found.inner}${f}`),
        ),
      );
  }
  const stateRel = `${found.inner}${found.stateDir === folder ? "" : `${STATE_FOLDER}/`}`;
  try {
    const snap = await offlineSnapshot(found.stateDir, opts);
    const reports = {
      en: grade(assessment, snap, answers, "en", { reveal: opts.reveal }),
      ja: grade(assessment, snap, answers, "ja", { reveal: opts.reveal }),
    };
    reports.en.warnings.forEach((w, i) => {
      warnings.push(NOTES.unknownKey(w, reports.ja.warnings[i]));
    });
    return { student, reports, warnings };
  } catch (e) {
    if (e instanceof StateDirError) {
      const error =
        e.problem === "wrongScenario"
          ? NOTES.wrongScenario(e.found ?? "?", opts.scenario)
          : e.problem === "badState"
            ? NOTES.badState(`${stateRel}state.json`)
            : NOTES.noState(`${student}/`);
      return { student, error, warnings };
    }
    return { student, error: NOTES.openFailed(firstLine(e).split(found.stateDir).join(`${student}/${stateRel}`.replace(/\/$/, ""))), warnings };
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/**
 * Writes a submission folder: `state/` with the files grading reads, and the answers file under its usual name.
 * Earlier answers files there are replaced (a second submit is the newer one); nothing else in the folder is touched.
 */
export function writeSubmission(out: string, stateDir: string, answersFile: string | undefined): { files: string[] } {
  const state = join(out, STATE_FOLDER);
  rmSync(state, { recursive: true, force: true });
  for (const f of ANSWERS_FILES) rmSync(join(out, f), { force: true });
  mkdirSync(state, { recursive: true });
  const files: string[] = [];
  for (const f of SUBMITTED_STATE_FILES) {
    if (!isFile(join(stateDir, f))) continue;
    copyFileSync(join(stateDir, f), join(state, f));
    files.push(`${STATE_FOLDER}/${f}`);
  }
  if (answersFile) {
    // Read as load.ts reads it: JSON by its extension, YAML otherwise.
    const name = extname(answersFile) === ".json" ? "answers.json" : extname(answersFile) === ".yml" ? "answers.yml" : "answers.yaml";
    copyFileSync(answersFile, join(out, name));
    files.push(name);
  }
  return { files };
}
