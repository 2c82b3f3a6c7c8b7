/** Small helpers the evidence writers share: times as AWS prints them, record fields, addresses, gzip. */
import { gzipSync } from "node:zlib";
import { inRanges, parseAddress, parseRange } from "../../../authz/engine/addresses.ts";
import type { CloudTrailRecord } from "../../../core/records.ts";

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const pad = (n: number) => String(n).padStart(2, "0");

/** ISO 8601 with milliseconds, as the range's state keeps times. */
export const isoMs = (ms: number): string => new Date(ms).toISOString();

/** "20260520T0315Z": the stamp CloudTrail and VPC flow logs put in a file name. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
}

/** "2026/05/20": the date folders of an AWSLogs key (UTC). */
export function datePath(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
}

export const hourOf = (ms: number): string => pad(new Date(ms).getUTCHours());

/** gzip without a time or name in its header: the same text gives the same bytes on every build. */
export const gz = (text: string): Buffer => gzipSync(Buffer.from(text), { level: 6 });

export const timeOfRecord = (r: CloudTrailRecord): number => Date.parse(r.eventTime);

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export const succeeded = (r: CloudTrailRecord): boolean => r.errorCode === undefined || r.errorCode === null;

export const params = (r: CloudTrailRecord): Record<string, unknown> => (r.requestParameters ?? {}) as Record<string, unknown>;

export const response = (r: CloudTrailRecord): Record<string, unknown> => (r.responseElements ?? {}) as Record<string, unknown>;

/** A field of a record by dotted path ("userIdentity.sessionContext.sessionIssuer.userName"). */
export function fieldOf(r: unknown, path: string): unknown {
  let cur = r;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** CloudTrail's camelCase members as the SDK's PascalCase (request parameters → stored shapes). */
export function pascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascal);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k ? k[0].toUpperCase() + k.slice(1) : k] = pascal(v);
    return out;
  }
  return value;
}

/** Whether `ip` is `pattern`: one address or a CIDR range. */
export function addressMatches(ip: string, pattern: string): boolean {
  if (ip === pattern) return true;
  const a = parseAddress(ip);
  const r = pattern.includes("/") ? parseRange(pattern) : undefined;
  return !!a && !!r && inRanges([r], a);
}

export const isIp = (text: string): boolean => parseAddress(text) !== undefined;

/** The account a record belongs to. */
export const accountOf = (r: CloudTrailRecord, fallback: string): string => str(r.recipientAccountId) ?? fallback;

/** Sorted copy by a string key (plain code-unit order: the same on every machine and locale). */
export function sortedBy<T>(xs: Iterable<T>, key: (x: T) => string): T[] {
  return [...xs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** A mistake in the timeline found while deriving evidence; `where` names the section (detections[2]). */
export class EvidenceError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "EvidenceError";
  }
}
