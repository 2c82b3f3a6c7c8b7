/**
 * Lenient answer comparison against salted hashes: the key never sits in the recording in plain text.
 *
 * The range places the incident relative to now (and again at each reset), so what a student reads is the recording
 * shifted in time: times, and dates spelt into names (`db/secutter-20261204.sql.gz`). Answers are judged in that
 * shifted frame: times as minutes from the discovery moment, spelt dates written back to the recording's before
 * hashing — under the current discovery moment and under every earlier one of the state directory, so an answer noted
 * before a reset still counts.
 */
import { createHash } from "node:crypto";
import type { Question, Spelling } from "./assessment.ts";
import { type Evidence, evidence } from "./messages.ts";

export const hashAnswer = (salt: string, id: string, normalized: string) => createHash("sha256").update(`${salt}:${id}:${normalized}`).digest("hex");

export function normalizeText(s: string): string {
  return s.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");
}

/** "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc" and "i-0abc" are the same answer. */
export function normalizeId(s: string): string {
  const t = normalizeText(s);
  const last = t.split(/[/:]/).pop() ?? t;
  return last;
}

export function splitSet(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return String(v ?? "")
    .split(/[,\s]+/)
    .filter(Boolean);
}

/** Minutes from the discovery moment: times shift with the scenario, offsets do not. */
export function minuteOffset(iso: string, anchor: Date): number | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.round((t - anchor.getTime()) / 60_000);
}

/**
 * Where the incident sits in the range's time: the discovery moment now (first) and before earlier resets (newest
 * first), and the recording's own discovery moment (manifest.recordedDiscovery), from which each shift is measured.
 */
export interface TimeFrame {
  anchors: Date[];
  recordedDiscovery: Date;
}

/** A frame with no shift and no history: the recording's own time, discovered at `anchor`. */
export const frameAt = (anchor: Date, recordedDiscovery = anchor): TimeFrame => ({ anchors: [anchor], recordedDiscovery });

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** A moment as an answer writes it ("YYYYMMDD" at "+09:00" → "20260226"). */
export function spell(ms: number, format: string, utcOffset = "+00:00"): string {
  const sign = utcOffset.startsWith("-") ? -1 : 1;
  const [h, m] = utcOffset.slice(1).split(":").map(Number);
  const d = new Date(ms + sign * (h * 60 + m) * 60_000);
  return format
    .replace(/YYYY/g, String(d.getUTCFullYear()))
    .replace(/MM/g, pad(d.getUTCMonth() + 1))
    .replace(/DD/g, pad(d.getUTCDate()))
    .replace(/hh/g, pad(d.getUTCHours()))
    .replace(/mm/g, pad(d.getUTCMinutes()))
    .replace(/ss/g, pad(d.getUTCSeconds()));
}

/**
 * The student's answer (normalized) written back to the recording's spelling under one shift: each moment the
 * question spells, as the range showed it, becomes the recording's. A recording's spelling that the range did not show
 * (the shift moved it) is no answer the student read, so it can no longer match.
 */
export function unshift(normalized: string, spelled: readonly Spelling[], shiftMs: number, norm: (s: string) => string): string {
  let out = normalized;
  const marks: [string, string][] = [];
  spelled.forEach((sp, i) => {
    const at = Date.parse(sp.at);
    const recorded = norm(spell(at, sp.format, sp.utcOffset));
    const shown = norm(spell(at + shiftMs, sp.format, sp.utcOffset));
    if (recorded === shown) return;
    const mark = `\u0000${i}\u0000`;
    out = out.split(recorded).join("\u0001").split(shown).join(mark);
    marks.push([mark, recorded]);
  });
  for (const [mark, recorded] of marks) out = out.split(mark).join(recorded);
  return out;
}

export interface AnswerResult {
  fraction: number;
  evidence: Evidence;
  /**
   * The normalized values the student is known to have right, which the grade may name again: a right id or text, the
   * members of a set answer with no wrong member.
   */
  known: string[];
}

/** One answer under one shift of the incident (the discovery moment `anchor`). */
function judge(q: Question, salt: string, raw: unknown, anchor: Date, recorded: Date): AnswerResult {
  const expected = new Set(q.hashes);
  const h = (n: string) => hashAnswer(salt, q.id, n);
  const shift = anchor.getTime() - recorded.getTime();
  const back = (n: string, norm: (s: string) => string) => (q.spelled.length ? unshift(n, q.spelled, shift, norm) : n);
  const given = String(raw);
  switch (q.kind) {
    case "text": {
      const n = normalizeText(given);
      const ok = expected.has(h(back(n, normalizeText)));
      return ok ? { fraction: 1, evidence: evidence("correct"), known: [n, normalizeId(given)] } : wrong(given);
    }
    case "id": {
      const n = normalizeId(given);
      const ok = expected.has(h(back(n, normalizeId)));
      return ok ? { fraction: 1, evidence: evidence("correct"), known: [n, normalizeText(given)] } : wrong(given);
    }
    case "set": {
      const members = [...new Set(splitSet(raw).map(normalizeId))];
      const right = members.filter((g) => expected.has(h(back(g, normalizeId))));
      const wrongCount = members.length - right.length;
      const fraction = Math.max(0, (right.length - wrongCount) / expected.size);
      // Members are named again only when nothing given is wrong: then the score has already said each is right.
      const known = wrongCount === 0 ? right : [];
      return { fraction, evidence: evidence("setFound", { right: right.length, total: expected.size, wrong: wrongCount }), known };
    }
    case "time": {
      const off = minuteOffset(given, anchor);
      if (off === undefined) return { fraction: 0, evidence: evidence("notATime", { given }), known: [] };
      for (let d = -q.windowMinutes; d <= q.windowMinutes; d++) {
        if (expected.has(h(String(off + d)))) return { fraction: 1, evidence: evidence("correct"), known: [] };
      }
      return { fraction: 0, evidence: evidence("notWithin", { given, window: q.windowMinutes }), known: [] };
    }
  }
}

const wrong = (given: string): AnswerResult => ({ fraction: 0, evidence: evidence("notTheAnswer", { given }), known: [] });

/**
 * An answer in the range's time: the best of its readings under the current discovery moment and under the earlier
 * ones (the current one wins ties, so a reading before a reset is said only when it is what earns the points).
 */
export function checkAnswer(q: Question, salt: string, raw: unknown, frame: TimeFrame): AnswerResult {
  if (raw === undefined || raw === null || String(raw).trim() === "") return { fraction: 0, evidence: evidence("noAnswer"), known: [] };
  const [current, ...earlier] = frame.anchors;
  const best = judge(q, salt, raw, current, frame.recordedDiscovery);
  if (best.fraction >= 1) return best;
  let before: { r: AnswerResult; anchor: Date } | undefined;
  for (const anchor of earlier) {
    const r = judge(q, salt, raw, anchor, frame.recordedDiscovery);
    if (r.fraction > (before?.r.fraction ?? best.fraction)) before = { r, anchor };
  }
  if (!before) return best;
  const { r, anchor } = before;
  return r.fraction >= 1 ? { ...r, evidence: evidence("correctBeforeReset", { anchor: anchor.toISOString().replace(".000Z", "Z") }) } : r;
}
