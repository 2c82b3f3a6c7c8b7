/** Lenient answer comparison against salted hashes: the key never sits in the recording in plain text. */
import { createHash } from "node:crypto";
import type { Question } from "./assessment.ts";

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

export interface AnswerResult {
  fraction: number;
  evidence: string;
}

export function checkAnswer(q: Question, salt: string, raw: unknown, anchor: Date): AnswerResult {
  if (raw === undefined || raw === null || String(raw).trim() === "") return { fraction: 0, evidence: "no answer" };
  const expected = new Set(q.hashes);
  const h = (n: string) => hashAnswer(salt, q.id, n);
  switch (q.kind) {
    case "text": {
      const ok = expected.has(h(normalizeText(String(raw))));
      return { fraction: ok ? 1 : 0, evidence: ok ? "correct" : `"${String(raw)}" is not the answer` };
    }
    case "id": {
      const ok = expected.has(h(normalizeId(String(raw))));
      return { fraction: ok ? 1 : 0, evidence: ok ? "correct" : `${String(raw)} is not the answer` };
    }
    case "set": {
      const given = [...new Set(splitSet(raw).map(normalizeId))];
      const right = given.filter((g) => expected.has(h(g)));
      const wrong = given.length - right.length;
      const fraction = Math.max(0, (right.length - wrong) / expected.size);
      return { fraction, evidence: `${right.length} of ${expected.size} found${wrong ? `, ${wrong} wrong` : ""}` };
    }
    case "time": {
      const off = minuteOffset(String(raw), anchor);
      if (off === undefined) return { fraction: 0, evidence: `"${String(raw)}" is not an ISO 8601 time` };
      for (let d = -q.windowMinutes; d <= q.windowMinutes; d++) {
        if (expected.has(h(String(off + d)))) return { fraction: 1, evidence: "correct" };
      }
      return { fraction: 0, evidence: `${String(raw)} is not within ${q.windowMinutes} min of the moment asked for` };
    }
  }
}
