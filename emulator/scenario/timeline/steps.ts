/**
 * The run's schedule: setup calls, the timeline's steps (repeats unrolled) and the background's calls (drawn from
 * their rates and mixes with a seeded generator), merged in time order. Equal times keep the authored order.
 */
import type { Rng } from "../prng.ts";
import type { Background, CallStep, Step, Timeline } from "./schema.ts";
import { durationMs, timeOf } from "./times.ts";

export interface Scheduled {
  at: number;
  /** Where it came from, for messages: ["timeline", 12] or ["background", 0, "mix", 2]. */
  path: (string | number)[];
  step: Step;
  /** Setup and background calls sort before timeline steps at the same millisecond. */
  rank: number;
  /** Which repeat this is (0 for the first). */
  repeat: number;
}

const DAY = 86_400_000;

function offsetMinutes(tz: string | undefined): number {
  if (!tz) return 0;
  const sign = tz[0] === "-" ? -1 : 1;
  const [h, m] = tz.slice(1).split(":").map(Number);
  return sign * (h * 60 + m);
}

/** Call times of one background actor: Poisson-like arrivals inside active hours, on active days. */
function backgroundTimes(b: Background, discovery: number, rng: Rng): number[] {
  const from = timeOf(b.from, discovery);
  const until = timeOf(b.until, discovery);
  const tz = offsetMinutes(b.timezoneOffset) * 60_000;
  const [h0, h1] = (b.hours ?? "00:00-24:00").split("-").map((x) => {
    const [h, m] = x.split(":").map(Number);
    return (h * 60 + m) * 60_000;
  });
  const out: number[] = [];
  // Day by day in the actor's local time; each day gets perDay calls give or take, spread over its active hours.
  for (let dayStart = Math.floor((from + tz) / DAY) * DAY - tz; dayStart < until; dayStart += DAY) {
    const weekday = new Date(dayStart + tz).getUTCDay();
    if (b.weekdaysOnly && (weekday === 0 || weekday === 6)) continue;
    const n = Math.max(0, Math.round(b.perDay * (0.6 + 0.8 * rng.next())));
    for (let i = 0; i < n; i++) {
      const t = dayStart + h0 + Math.floor(rng.next() * (h1 - h0));
      if (t >= from && t < until) out.push(t - (t % 1000));
    }
  }
  return out.sort((a, c) => a - c);
}

export function schedule(tl: Timeline, discovery: number, rng: (label: string) => Rng): Scheduled[] {
  const start = timeOf(tl.start, discovery);
  const out: Scheduled[] = [];
  (tl.setup ?? []).forEach((s, i) => {
    const { at, ...rest } = s;
    const step = { ...rest, at: at ?? tl.start } as CallStep;
    const t = at ? timeOf(at, discovery) : start;
    const n = s.repeat ?? 1;
    for (let r = 0; r < n; r++) out.push({ at: t + r * durationMs(s.every ?? "1s"), path: ["setup", i], step, rank: 0, repeat: r });
  });
  tl.timeline.forEach((step, i) => {
    const t = timeOf(step.at, discovery);
    if ("call" in step) {
      const n = step.repeat ?? 1;
      for (let r = 0; r < n; r++) out.push({ at: t + r * durationMs(step.every ?? "1s"), path: ["timeline", i], step, rank: 2, repeat: r });
    } else out.push({ at: t, path: ["timeline", i], step, rank: 2, repeat: 0 });
  });
  (tl.background ?? []).forEach((b, i) => {
    const r = rng(`background/${i}/${b.actor}`);
    const weights = b.mix.map((m) => m.weight ?? 1);
    const total = weights.reduce((a, w) => a + w, 0);
    for (const t of backgroundTimes(b, discovery, r)) {
      let x = r.next() * total;
      let k = 0;
      while (k < weights.length - 1 && x >= weights[k]) x -= weights[k++];
      const m = b.mix[k];
      const step: CallStep = { at: new Date(t).toISOString(), actor: b.actor, call: m.call, ...(m.expectError ? { expectError: m.expectError } : {}) };
      out.push({ at: t, path: ["background", i, "mix", k], step, rank: 1, repeat: 0 });
    }
  });
  return out
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.at - b.s.at || a.s.rank - b.s.rank || a.i - b.i)
    .map(({ s }) => s);
}
