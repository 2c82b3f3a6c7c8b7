/** Grades a snapshot against an assessment and answers: deterministic, read-only. */
import stringWidth from "string-width";
import { checkAnswer, hashAnswer, normalizeId, normalizeText, type TimeFrame } from "./answers.ts";
import type { Assessment, Objective } from "./assessment.ts";
import { checks } from "./checks.ts";
import { type Evidence, LABELS, type Lang, render, renderSummary, summaryKey, UNKNOWN_KEY } from "./messages.ts";
import type { GradingSnapshot } from "./snapshot.ts";
import { unknownKeys } from "./unknown-keys.ts";

export type { Lang } from "./messages.ts";
export type ItemKind = "question" | "containment" | "order";
export type ItemStatus = "pass" | "partial" | "fail";

export interface GradeItem {
  id: string;
  kind: ItemKind;
  title: string;
  status: ItemStatus;
  points: number;
  maxPoints: number;
  evidence: string[];
  hint?: string;
}

export interface GradeReport {
  scenario: string;
  score: number;
  maxScore: number;
  passed: boolean;
  /** True when some evidence was counted rather than named, because naming it would answer a question. */
  withheld: boolean;
  /** What the grade could not use, such as answer keys that name no question ("did you mean …?"); graded all the same. */
  warnings: string[];
  items: GradeItem[];
}

export interface GradeOptions {
  /** Name everything, answers or not: the instructor's debrief (`ir-range grade --reveal`). */
  reveal?: boolean;
}

const round = (x: number) => Math.round(x * 100) / 100;

function statusOf(fraction: number): ItemStatus {
  return fraction >= 1 ? "pass" : fraction > 0 ? "partial" : "fail";
}

/** The incident's place in the range's time, as the snapshot tells it (a snapshot without history: no shift known). */
export function frameOf(snap: GradingSnapshot): TimeFrame {
  const current = snap.anchor;
  const earlier = [...(snap.anchors ?? [])].reverse().filter((a) => a !== current);
  return {
    anchors: [current, ...earlier].map((a) => new Date(a)),
    recordedDiscovery: new Date(snap.recordedDiscovery ?? current),
  };
}

/**
 * Whether the grade may name a value: not when it is (part of) the answer to a question the student has not answered
 * with it. Answers are hashed, so a value is recognised by hashing it as each question would.
 */
function namer(assessment: Assessment, known: Map<string, Set<string>>, reveal: boolean): (values: string[]) => boolean {
  const cache = new Map<string, boolean>();
  const nameable = (value: string): boolean => {
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const forms = [...new Set([normalizeId(value), normalizeText(value)])];
    const ok = assessment.questions.every((q) => {
      if (q.kind === "time") return true;
      const asked = forms.filter((f) => q.hashes.includes(hashAnswer(assessment.salt, q.id, f)));
      return asked.length === 0 || asked.some((f) => known.get(q.id)?.has(f));
    });
    cache.set(value, ok);
    return ok;
  };
  return (values) => reveal || values.every(nameable);
}

/** The evidence in words: named where allowed; the rest counted per kind, before the named pieces. */
function renderEvidence(evidence: Evidence[], total: number | undefined, canName: (values: string[]) => boolean, lang: Lang) {
  const named: string[] = [];
  const groups = new Map<string, { all: Evidence[]; hidden: boolean }>();
  const shown: Evidence[] = [];
  for (const e of evidence) {
    const key = summaryKey(e);
    const group = groups.get(key) ?? { all: [], hidden: false };
    groups.set(key, group);
    group.all.push(e);
    const values = [...Object.values(e.args).filter((v): v is string => typeof v === "string"), ...(e.about ?? [])];
    if (canName(values)) shown.push(e);
    else group.hidden = true;
  }
  const counted: string[] = [];
  for (const g of groups.values()) if (g.hidden) counted.push(renderSummary(g.all, total ?? g.all.length, lang));
  for (const e of shown) named.push(render(e, lang));
  return { lines: [...counted, ...named], withheld: counted.length > 0 };
}

export function grade(
  assessment: Assessment,
  snap: GradingSnapshot,
  answers: Record<string, unknown>,
  lang: Lang = "en",
  opts: GradeOptions = {},
): GradeReport {
  const frame = frameOf(snap);
  const items: GradeItem[] = [];
  const known = new Map<string, Set<string>>();
  for (const q of assessment.questions) {
    const r = checkAnswer(q, assessment.salt, answers[q.id], frame);
    known.set(q.id, new Set(r.known));
    const status = statusOf(r.fraction);
    items.push({
      id: q.id,
      kind: "question",
      title: q.prompt[lang],
      status,
      points: round(q.points * r.fraction),
      maxPoints: q.points,
      evidence: [render(r.evidence, lang)],
      ...(status !== "pass" ? { hint: q.hint[lang] } : {}),
    });
  }
  const canName = namer(assessment, known, opts.reveal === true);
  let withheld = false;
  const objectiveItem = (o: Objective, kind: ItemKind): GradeItem => {
    const check = checks[o.check];
    if (!check) throw new Error(`assessment names an unknown check "${o.check}" (objective ${o.id})`);
    const r = check(snap, o.params);
    const fraction = Math.min(1, Math.max(0, r.fraction));
    const status = statusOf(fraction);
    const shown = renderEvidence(r.evidence, r.total, canName, lang);
    withheld ||= shown.withheld;
    return {
      id: o.id,
      kind,
      title: o.title[lang],
      status,
      points: round(o.points * fraction),
      maxPoints: o.points,
      evidence: shown.lines,
      ...(status !== "pass" ? { hint: o.hint[lang] } : {}),
    };
  };
  for (const o of assessment.containment) items.push(objectiveItem(o, "containment"));
  for (const o of assessment.order) items.push(objectiveItem(o, "order"));
  const score = round(items.reduce((a, i) => a + i.points, 0));
  const maxScore = round(items.reduce((a, i) => a + i.maxPoints, 0));
  const warnings = unknownKeys(
    answers,
    assessment.questions.map((q) => q.id),
  ).map((u) => UNKNOWN_KEY[lang](u.key, u.suggestion));
  return { scenario: assessment.scenario, score, maxScore, passed: score === maxScore, withheld, warnings, items };
}

/** Pads to a display width (a CJK character takes two columns of a terminal). */
const padEnd = (s: string, width: number) => s + " ".repeat(Math.max(0, width - stringWidth(s)));
const padStart = (s: string, width: number) => " ".repeat(Math.max(0, width - stringWidth(s))) + s;

/** The per-item table a student reads, its columns aligned by display width. */
export function formatReport(r: GradeReport, lang: Lang = "en"): string {
  const L = LABELS[lang];
  const statusWidth = Math.max(...(["pass", "partial", "fail"] as const).map((s) => stringWidth(L[s])));
  const pointsOf = (i: GradeItem) => `${i.points}/${i.maxPoints}`;
  const pointsWidth = Math.max(7, ...r.items.map((i) => stringWidth(pointsOf(i))));
  const indent = " ".repeat(statusWidth + 1 + pointsWidth + 2);
  // First, where a student reads before the table: a misspelt key explains an unanswered question below.
  const lines: string[] = r.warnings.map((w) => `${L.warning}: ${w}`);
  if (lines.length) lines.push("");
  for (const i of r.items) {
    lines.push(`${padEnd(L[i.status], statusWidth)} ${padStart(pointsOf(i), pointsWidth)}  [${L[i.kind]}] ${i.id}: ${i.title}`);
    for (const e of i.evidence.filter(Boolean)) lines.push(`${indent}- ${e}`);
    if (i.hint) lines.push(`${indent}${L.hint}: ${i.hint}`);
  }
  lines.push("", `${L.total}: ${r.score} / ${r.maxScore}`);
  if (r.withheld) lines.push("", L.withheld);
  return lines.join("\n");
}
