/**
 * A recording's VPC flow log files, moved in time with the rest of it (as trail-log-objects.ts moves CloudTrail's):
 * the key's date folders (and hour folder, for per-hour partitions) and file stamp, and each record's start and end,
 * all by the same delta, so a connection a student finds in a flow log lines up with CloudTrail and GuardDuty.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { ShiftedLogKey } from "./trail-log-objects.ts";

/**
 * AWS's S3 layout: …/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<account>_vpcflowlogs_<region>_<flowLogId>_<YYYYMMDDTHHmmZ>_<hash>.log[.gz]
 * (the prefix may hold the flow log's own prefix).
 */
const FLOW_KEY =
  /^(.*\/vpcflowlogs\/[a-z0-9-]+\/)\d{4}\/\d{2}\/\d{2}\/(\d{2}\/)?(\d{12}_vpcflowlogs_[a-z0-9-]+_fl-[0-9a-f]+_)(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z(_[0-9a-f]+\.log(?:\.gz)?)$/;

/** The version-2 default format's fields: a file without a header line is read as these. */
export const DEFAULT_FLOW_LOG_FIELDS = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
] as const;

/** The default format in EC2's own ${field} LogFormat syntax (built, so no string looks like a broken template). */
export const DEFAULT_FLOW_LOG_FORMAT = DEFAULT_FLOW_LOG_FIELDS.map((f) => `$\{${f}}`).join(" ");

/** The key a flow log file has after moving by deltaMs, or undefined for any other key. */
export function shiftFlowLogKey(key: string, deltaMs: number): ShiftedLogKey | undefined {
  const m = FLOW_KEY.exec(key);
  if (!m) return undefined;
  const [, prefix, hourFolder, file, y, mo, d, h, mi, rest] = m;
  const iso = new Date(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`) + deltaMs).toISOString();
  const [date, time] = [iso.slice(0, 10), iso.slice(11, 16)];
  const stamp = `${date.replaceAll("-", "")}T${time.replace(":", "")}Z`;
  const folder = `${date.replaceAll("-", "/")}/${hourFolder ? `${time.slice(0, 2)}/` : ""}`;
  return { key: `${prefix}${folder}${file}${stamp}${rest}`, written: iso.replace(/\.\d{3}Z$/, "Z") };
}

/**
 * The body with every record's start and end (Unix seconds) moved by deltaMs, gzipped again when it was. The header
 * line says which columns they are; records without data ("-") and anything that is not a flow log stay as they were.
 */
export function shiftFlowLogBody(body: Buffer, deltaMs: number): Buffer {
  const gz = body[0] === 0x1f && body[1] === 0x8b;
  let text: string;
  try {
    text = (gz ? gunzipSync(body) : body).toString("utf8");
  } catch {
    return body;
  }
  const lines = text.split("\n");
  const header = /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$/.test(lines[0] ?? "") ? lines[0].split(" ") : undefined;
  const fields: readonly string[] = header ?? DEFAULT_FLOW_LOG_FIELDS;
  const cols = ["start", "end"].map((f) => fields.indexOf(f)).filter((i) => i >= 0);
  if (!cols.length) return body;
  const moved = lines.map((line, n) => {
    if ((header && n === 0) || !line) return line;
    const parts = line.split(" ");
    if (parts.length !== fields.length) return line;
    // As ISO times move (shiftIso): to the millisecond, then down to the whole second the field holds.
    for (const c of cols) if (/^\d+$/.test(parts[c])) parts[c] = String(Math.floor((Number(parts[c]) * 1000 + deltaMs) / 1000));
    return parts.join(" ");
  });
  const out = Buffer.from(moved.join("\n"));
  // gzip output is a function of its input (no time in the header): a body moved again has the same ETag.
  return gz ? gzipSync(out, { level: 6 }) : out;
}
