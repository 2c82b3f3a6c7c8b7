/** Recorded times move with the anchor, so the incident is always "two hours ago". */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function shiftIso(value: string, deltaMs: number): string {
  if (deltaMs === 0) return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  const shifted = new Date(t + deltaMs).toISOString();
  // Keep the recording's precision: whole seconds stay whole seconds, and digits below the millisecond (CloudTrail's
  // microseconds in responseElements) are kept, the shift being whole milliseconds.
  const frac = /\.(\d+)/.exec(value)?.[1];
  if (!frac) return shifted.replace(/\.\d{3}Z$/, "Z");
  const ms = shifted.slice(20, 23);
  return `${shifted.slice(0, 19)}.${frac.length <= 3 ? ms.slice(0, frac.length) : ms + frac.slice(3)}Z`;
}

/** Returns a copy of a JSON value with every ISO-8601 timestamp string moved by deltaMs. */
export function shiftTimes<T>(value: T, deltaMs: number): T {
  if (typeof value === "string") return (ISO.test(value) ? shiftIso(value, deltaMs) : value) as T;
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, deltaMs)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shiftTimes(v, deltaMs);
    return out as T;
  }
  return value;
}
