/**
 * A class's report from its students' grades: grades.csv and grades.json (a row per student and item), summary.json
 * and summary.md (score distribution, mean and median, the items most students missed, the submissions that could not
 * be graded and why), and feedback/<student>.txt (the grade as the student would read it). Pure and deterministic:
 * the same grades give the same bytes, students sorted by name.
 */
import type { Assessment } from "./assessment.ts";
import { formatReport, type GradeReport, type ItemKind, type ItemStatus } from "./grade.ts";
import type { Lang } from "./messages.ts";
import type { Note, StudentResult } from "./submission.ts";

export type ReportLang = Lang | "both";

export interface ClassReportInput {
  scenario: string;
  assessment: Assessment;
  results: StudentResult[];
  lang: ReportLang;
}

const round = (x: number) => Math.round(x * 100) / 100;
/** Code-point order: the same on every machine, whatever its locale. */
const byStudent = (a: StudentResult, b: StudentResult) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0);

interface ItemInfo {
  id: string;
  kind: ItemKind;
  maxPoints: number;
  title: Record<Lang, string>;
}

function itemsOf(a: Assessment): ItemInfo[] {
  return [
    ...a.questions.map((q) => ({ id: q.id, kind: "question" as const, maxPoints: q.points, title: q.prompt })),
    ...a.containment.map((o) => ({ id: o.id, kind: "containment" as const, maxPoints: o.points, title: o.title })),
    ...a.order.map((o) => ({ id: o.id, kind: "order" as const, maxPoints: o.points, title: o.title })),
  ];
}

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2);
}

/** Score bands as a share of the maximum: 0–9 %, …, 90–99 %, and full marks on their own. */
function band(score: number, max: number): number {
  if (score >= max) return 10;
  return Math.min(9, Math.floor((score / max) * 10));
}
const bandLabel = (b: number) => (b === 10 ? "100%" : `${b * 10}-${b * 10 + 9}%`);

export interface ItemSummary {
  id: string;
  kind: ItemKind;
  maxPoints: number;
  /** Students (graded) who did not pass it: partial or fail. */
  missedBy: number;
  passedBy: number;
  partialBy: number;
  failedBy: number;
  meanPoints: number | null;
}

export interface ClassSummary {
  scenario: string;
  maxScore: number;
  students: number;
  graded: number;
  ungraded: number;
  /** Over the graded students. */
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  fullMarks: number;
  distribution: { band: string; students: number }[];
  /** Every item, the most missed first (then in the assessment's order). */
  items: ItemSummary[];
  notGraded: { student: string; code: string; reason: string }[];
  warnings: { student: string; code: string; warning: string }[];
}

/** The language of the one-language files (CSV notes, summary.json reasons): Japanese only when asked for alone. */
const primary = (lang: ReportLang): Lang => (lang === "ja" ? "ja" : "en");

export function summarize({ scenario, assessment, results, lang }: ClassReportInput): ClassSummary {
  const students = [...results].sort(byStudent);
  const graded = students.filter((s) => s.reports);
  const scores = graded.map((s) => s.reports?.en.score ?? 0);
  const items = itemsOf(assessment);
  const maxScore = round(items.reduce((a, i) => a + i.maxPoints, 0));
  const bands = Array<number>(11).fill(0);
  for (const s of scores) bands[band(s, maxScore)]++;
  const L = primary(lang);
  const itemSummaries = items.map((info, order) => {
    const got = graded.map((s) => s.reports?.en.items.find((i) => i.id === info.id)).filter((i) => i !== undefined);
    const count = (st: ItemStatus) => got.filter((i) => i.status === st).length;
    return {
      order,
      summary: {
        id: info.id,
        kind: info.kind,
        maxPoints: info.maxPoints,
        missedBy: count("partial") + count("fail"),
        passedBy: count("pass"),
        partialBy: count("partial"),
        failedBy: count("fail"),
        meanPoints: got.length ? round(got.reduce((a, i) => a + i.points, 0) / got.length) : null,
      },
    };
  });
  itemSummaries.sort((a, b) => b.summary.missedBy - a.summary.missedBy || a.order - b.order);
  return {
    scenario,
    maxScore,
    students: students.length,
    graded: graded.length,
    ungraded: students.length - graded.length,
    mean: scores.length ? round(scores.reduce((a, b) => a + b, 0) / scores.length) : null,
    median: median(scores),
    min: scores.length ? Math.min(...scores) : null,
    max: scores.length ? Math.max(...scores) : null,
    fullMarks: graded.filter((s) => s.reports?.en.passed).length,
    distribution: bands.map((n, b) => ({ band: bandLabel(b), students: n })),
    items: itemSummaries.map((x) => x.summary),
    notGraded: students.flatMap((s) => (s.error ? [{ student: s.student, code: s.error.code, reason: s.error[L] }] : [])),
    warnings: students.flatMap((s) => s.warnings.map((w) => ({ student: s.student, code: w.code, warning: w[L] }))),
  };
}

/** A CSV field: quoted when it must be, and never read as a formula by a spreadsheet (a name may start with "="). */
function csvField(v: string | number | boolean): string {
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvRow = (fields: (string | number | boolean)[]) => fields.map(csvField).join(",");

/** grades.csv: a row per student and item, then the student's TOTAL (item ids are lower case, so it names none). */
export function gradesCsv(input: ClassReportInput): string {
  const L = primary(input.lang);
  const max = summarize(input).maxScore;
  const rows = [csvRow(["student", "item", "kind", "status", "score", "max", "passed", "note"])];
  for (const s of [...input.results].sort(byStudent)) {
    const notes = s.warnings.map((w) => w[L]).join("; ");
    const r = s.reports?.[L];
    if (!r) {
      rows.push(csvRow([s.student, "TOTAL", "total", "error", "", max, false, [s.error?.[L], notes].filter(Boolean).join("; ")]));
      continue;
    }
    for (const i of r.items) rows.push(csvRow([s.student, i.id, i.kind, i.status, i.points, i.maxPoints, i.status === "pass", ""]));
    rows.push(csvRow([s.student, "TOTAL", "total", r.passed ? "pass" : r.score > 0 ? "partial" : "fail", r.score, r.maxScore, r.passed, notes]));
  }
  // Excel reads a CSV as the system's code page unless it starts with a byte-order mark: Japanese notes need one.
  return `${L === "ja" ? "\uFEFF" : ""}${rows.join("\n")}\n`;
}

const noteJson = (n: Note) => ({ code: n.code, en: n.en, ja: n.ja });

/** grades.json: the items once, then each student's grade (every item with its evidence) or why it has none. */
export function gradesJson(input: ClassReportInput): string {
  const L = primary(input.lang);
  const items = itemsOf(input.assessment);
  const students = [...input.results].sort(byStudent).map((s) => {
    const r: GradeReport | undefined = s.reports?.[L];
    if (!r) return { student: s.student, graded: false, error: s.error && noteJson(s.error), warnings: s.warnings.map(noteJson) };
    return {
      student: s.student,
      graded: true,
      score: r.score,
      maxScore: r.maxScore,
      passed: r.passed,
      withheld: r.withheld,
      warnings: s.warnings.map(noteJson),
      items: r.items.map(({ title: _title, ...i }) => ({ ...i, passed: i.status === "pass" })),
    };
  });
  return `${JSON.stringify({ scenario: input.scenario, lang: L, maxScore: summarize(input).maxScore, items, students }, null, 2)}\n`;
}

export function summaryJson(input: ClassReportInput): string {
  return `${JSON.stringify(summarize(input), null, 2)}\n`;
}

/** The words of summary.md. */
const WORDS = {
  en: {
    title: (s: string) => `# Class report: scenario "${s}"`,
    counts: (c: ClassSummary) =>
      `${c.students} ${c.students === 1 ? "submission" : "submissions"}: ${c.graded} graded, ${c.ungraded} could not be graded. Maximum score ${c.maxScore}; mean and median are over the graded ones.`,
    stats: "| | score |\n| --- | --- |",
    mean: "mean",
    median: "median",
    lowest: "lowest",
    highest: "highest",
    fullMarks: "full marks",
    distribution: "## Score distribution",
    bandHead: (max: number) => `| score (share of ${max}) | students |\n| --- | --- |`,
    missed: "## Items most students missed",
    missedHead: "| item | kind | missed by | passed by | mean points |\n| --- | --- | --- | --- | --- |",
    noneMissed: "Every graded student passed every item.",
    of: (n: number, total: number) => `${n} of ${total}`,
    kinds: { question: "question", containment: "containment", order: "order" } as Record<ItemKind, string>,
    students: "## Students",
    studentHead: "| student | score | result | notes |\n| --- | --- | --- | --- |",
    full: "full marks",
    partial: "partial",
    notGradedResult: "not graded",
    ungraded: "## Could not be graded",
    noneUngraded: "Every submission was graded.",
    warnings: "## Warnings",
  },
  ja: {
    title: (s: string) => `# クラスの採点結果: シナリオ「${s}」`,
    counts: (c: ClassSummary) =>
      `提出 ${c.students} 件: 採点 ${c.graded} 件、採点できなかったもの ${c.ungraded} 件。満点は ${c.maxScore} 点。平均と中央値は採点できた提出についての値です。`,
    stats: "| | 得点 |\n| --- | --- |",
    mean: "平均",
    median: "中央値",
    lowest: "最低",
    highest: "最高",
    fullMarks: "満点",
    distribution: "## 得点分布",
    bandHead: (max: number) => `| 得点 (${max} 点に対する割合) | 人数 |\n| --- | --- |`,
    missed: "## 多くの学生が落とした項目",
    missedHead: "| 項目 | 種類 | 落とした人数 | 合格した人数 | 平均点 |\n| --- | --- | --- | --- | --- |",
    noneMissed: "採点できた全員がすべての項目に合格しました。",
    of: (n: number, total: number) => `${total} 人中 ${n} 人`,
    kinds: { question: "設問", containment: "封じ込め", order: "手順" } as Record<ItemKind, string>,
    students: "## 学生ごとの結果",
    studentHead: "| 学生 | 得点 | 結果 | 備考 |\n| --- | --- | --- | --- |",
    full: "満点",
    partial: "部分点",
    notGradedResult: "採点不可",
    ungraded: "## 採点できなかった提出",
    noneUngraded: "すべての提出を採点しました。",
    warnings: "## 警告",
  },
};

/** A Markdown table cell: no pipe or line break may end it early. */
const cell = (s: string | number | null) =>
  String(s ?? "—")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");

function summaryMdIn(input: ClassReportInput, lang: Lang): string {
  const W = WORDS[lang];
  const c = summarize({ ...input, lang });
  const out: string[] = [W.title(c.scenario), "", W.counts(c), "", W.stats];
  out.push(`| ${W.mean} | ${cell(c.mean)} |`, `| ${W.median} | ${cell(c.median)} |`, `| ${W.lowest} | ${cell(c.min)} |`, `| ${W.highest} | ${cell(c.max)} |`);
  out.push(`| ${W.fullMarks} | ${W.of(c.fullMarks, c.graded)} |`, "", W.distribution, "", W.bandHead(c.maxScore));
  for (const d of c.distribution) out.push(`| ${d.band} | ${d.students}${d.students ? ` ${"#".repeat(d.students)}` : ""} |`);
  out.push("", W.missed, "");
  const missed = c.items.filter((i) => i.missedBy > 0);
  if (!missed.length) out.push(W.noneMissed);
  else {
    out.push(W.missedHead);
    for (const i of missed) {
      out.push(`| ${i.id} | ${W.kinds[i.kind]} | ${W.of(i.missedBy, c.graded)} | ${W.of(i.passedBy, c.graded)} | ${cell(i.meanPoints)} / ${i.maxPoints} |`);
    }
  }
  out.push("", W.students, "", W.studentHead);
  for (const s of [...input.results].sort(byStudent)) {
    const r = s.reports?.[lang];
    const result = !r ? W.notGradedResult : r.passed ? W.full : W.partial;
    const notes = [s.error?.[lang], ...s.warnings.map((w) => w[lang])].filter(Boolean).join("; ");
    out.push(`| ${cell(s.student)} | ${r ? `${r.score} / ${r.maxScore}` : "—"} | ${result} | ${cell(notes || "")} |`);
  }
  out.push("", W.ungraded, "");
  const ungraded = [...input.results].sort(byStudent).filter((s) => s.error);
  if (!ungraded.length) out.push(W.noneUngraded);
  for (const s of ungraded) out.push(`- ${s.student}: ${s.error?.[lang]}`);
  const warned = [...input.results].sort(byStudent).filter((s) => s.warnings.length);
  if (warned.length) {
    out.push("", W.warnings, "");
    for (const s of warned) for (const w of s.warnings) out.push(`- ${s.student}: ${w[lang]}`);
  }
  return `${out.join("\n")}\n`;
}

/** summary.md in the report's language, or English then Japanese. */
export function summaryMd(input: ClassReportInput): string {
  return input.lang === "both" ? `${summaryMdIn(input, "en")}\n---\n\n${summaryMdIn(input, "ja")}` : summaryMdIn(input, input.lang);
}

/** A student's grade as `ir-range grade` would print it, for handing back. */
export function feedbackText(r: Record<Lang, GradeReport>, lang: ReportLang): string {
  return lang === "both" ? `${formatReport(r.en, "en")}\n\n${formatReport(r.ja, "ja")}\n` : `${formatReport(r[lang], lang)}\n`;
}

/** Every file of the report, by its path inside the report folder. */
export function classReportFiles(input: ClassReportInput): Map<string, string> {
  const files = new Map<string, string>([
    ["grades.csv", gradesCsv(input)],
    ["grades.json", gradesJson(input)],
    ["summary.json", summaryJson(input)],
    ["summary.md", summaryMd(input)],
  ]);
  for (const s of [...input.results].sort(byStudent)) if (s.reports) files.set(`feedback/${s.student}.txt`, feedbackText(s.reports, input.lang));
  return files;
}
