/** Times in a timeline: absolute ISO 8601, or relative to the recording's discovery ("-3d4h30m", "+10m"). */

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1h30m" → 5 400 000; "250ms" → 250. */
export function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|[dhms])/g)) total += Number(m[1]) * UNIT[m[2]];
  return total;
}

/** Epoch ms of a time spec, relative ones from `discovery`. */
export function timeOf(spec: string, discovery: number): number {
  if (/^[+-]/.test(spec)) {
    const ms = durationMs(spec.slice(1));
    return spec[0] === "-" ? discovery - ms : discovery + ms;
  }
  return Date.parse(spec);
}

export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
