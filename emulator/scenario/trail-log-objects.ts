/**
 * A recording's CloudTrail log files, moved in time with the rest of it: the key's date path and file stamp, the
 * records' times and the object's LastModified all move by the anchor's delta, exactly as LookupEvents' history does.
 * A student who finds an event in LookupEvents finds it at the same time in the bucket and in Athena.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { ObjectMeta } from "../core/records.ts";
import { etagOf } from "../services/s3/object-store.ts";
import { shiftTimes } from "./time-shift.ts";

/**
 * CloudTrail's delivery layout: …/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json[.gz]
 * (the prefix may hold an organization id or a trail prefix).
 */
const LOG_KEY =
  /^(.*\/CloudTrail\/[a-z0-9-]+\/)\d{4}\/\d{2}\/\d{2}\/(\d{12}_CloudTrail_[a-z0-9-]+_)(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z(_[A-Za-z0-9]+\.json(?:\.gz)?)$/;

export interface ShiftedLogKey {
  key: string;
  /** The file stamp moved by the delta: when CloudTrail wrote the file, so its LastModified. */
  written: string;
}

/** The key a CloudTrail log object has after moving by deltaMs, or undefined for any other key. */
export function shiftLogKey(key: string, deltaMs: number): ShiftedLogKey | undefined {
  const m = LOG_KEY.exec(key);
  if (!m) return undefined;
  const [, prefix, file, y, mo, d, h, mi, rest] = m;
  const at = new Date(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`) + deltaMs);
  const iso = at.toISOString();
  const [date, time] = [iso.slice(0, 10), iso.slice(11, 16)];
  const stamp = `${date.replaceAll("-", "")}T${time.replace(":", "")}Z`;
  return { key: `${prefix}${date.replaceAll("-", "/")}/${file}${stamp}${rest}`, written: iso.replace(/\.\d{3}Z$/, "Z") };
}

/**
 * The body with every record's times moved by deltaMs (shiftTimes, as the history is), gzipped again when it was.
 * A body that is not JSON is served as recorded.
 */
export function shiftLogBody(body: Buffer, deltaMs: number): Buffer {
  const gz = body[0] === 0x1f && body[1] === 0x8b;
  let doc: unknown;
  try {
    doc = JSON.parse((gz ? gunzipSync(body) : body).toString("utf8"));
  } catch {
    return body;
  }
  const text = Buffer.from(JSON.stringify(shiftTimes(doc, deltaMs)));
  // gzip output is a function of its input (no time in the header), so a body built again has the same ETag.
  return gz ? gzipSync(text) : text;
}

/**
 * An object's metadata whose size and ETag are computed from its body the first time a listing or HEAD shows
 * them, so a start does not rewrite every log file of a large import.
 */
export function lazyMeta(key: string, lastModified: string, body: () => Buffer): ObjectMeta {
  let figures: { size: number; etag: string } | undefined;
  const get = () => {
    if (!figures) {
      const b = body();
      figures = { size: b.length, etag: etagOf(b) };
    }
    return figures;
  };
  const meta = { key, lastModified } as ObjectMeta;
  Object.defineProperty(meta, "size", { enumerable: true, get: () => get().size });
  Object.defineProperty(meta, "etag", { enumerable: true, get: () => get().etag });
  return meta;
}
