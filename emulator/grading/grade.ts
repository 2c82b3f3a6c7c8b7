/** Grades a snapshot against an assessment and answers: deterministic, read-only. */
import { checkAnswer } from "./answers.ts";
import type { Assessment, Objective } from "./assessment.ts";
import { checks } from "./checks.ts";
import type { GradingSnapshot } from "./snapshot.ts";

export type ItemKind = "question" | "containment" | "order";
export type ItemStatus = "pass" | "partial" | "fail";
export type Lang = "en" | "ja";

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
  items: GradeItem[];
}

const round = (x: number) => Math.round(x * 100) / 100;

function statusOf(fraction: number): ItemStatus {
  return fraction >= 1 ? "pass" : fraction > 0 ? "partial" : "fail";
}

function objectiveItem(o: Objective, kind: ItemKind, snap: GradingSnapshot, lang: Lang): GradeItem {
  const check = checks[o.check];
  if (!check) throw new Error(`assessment names an unknown check "${o.check}" (objective ${o.id})`);
  const r = check(snap, o.params);
  const fraction = Math.min(1, Math.max(0, r.fraction));
  const status = statusOf(fraction);
  return {
    id: o.id,
    kind,
    title: o.title[lang],
    status,
    points: round(o.points * fraction),
    maxPoints: o.points,
    evidence: r.evidence,
    ...(status !== "pass" ? { hint: o.hint[lang] } : {}),
  };
}

export function grade(assessment: Assessment, snap: GradingSnapshot, answers: Record<string, unknown>, lang: Lang = "en"): GradeReport {
  const anchor = new Date(snap.anchor);
  const items: GradeItem[] = [];
  for (const q of assessment.questions) {
    const r = checkAnswer(q, assessment.salt, answers[q.id], anchor);
    const status = statusOf(r.fraction);
    items.push({
      id: q.id,
      kind: "question",
      title: q.prompt[lang],
      status,
      points: round(q.points * r.fraction),
      maxPoints: q.points,
      evidence: [r.evidence],
      ...(status !== "pass" ? { hint: q.hint[lang] } : {}),
    });
  }
  for (const o of assessment.containment) items.push(objectiveItem(o, "containment", snap, lang));
  for (const o of assessment.order) items.push(objectiveItem(o, "order", snap, lang));
  const score = round(items.reduce((a, i) => a + i.points, 0));
  const maxScore = round(items.reduce((a, i) => a + i.maxPoints, 0));
  return { scenario: assessment.scenario, score, maxScore, passed: score === maxScore, items };
}

const LABELS: Record<Lang, Record<string, string>> = {
  en: { pass: "PASS", partial: "PARTIAL", fail: "FAIL", question: "question", containment: "containment", order: "order", total: "Total", hint: "hint" },
  ja: { pass: "合格", partial: "一部", fail: "不合格", question: "設問", containment: "封じ込め", order: "手順", total: "合計", hint: "ヒント" },
};

/** The per-item table a student reads. */
export function formatReport(r: GradeReport, lang: Lang = "en"): string {
  const L = LABELS[lang];
  const lines: string[] = [];
  for (const i of r.items) {
    lines.push(`${L[i.status].padEnd(8)} ${`${i.points}/${i.maxPoints}`.padStart(7)}  [${L[i.kind]}] ${i.id}: ${i.title}`);
    for (const e of i.evidence.filter(Boolean)) lines.push(`${" ".repeat(18)}- ${e}`);
    if (i.hint) lines.push(`${" ".repeat(18)}${L.hint}: ${i.hint}`);
  }
  lines.push("", `${L.total}: ${r.score} / ${r.maxScore}`);
  return lines.join("\n");
}
