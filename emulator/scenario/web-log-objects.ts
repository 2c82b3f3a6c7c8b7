/**
 * A recording's web access logs (timeline/web-logs.ts writes them: …access.log-YYYYMMDDHH.gz, nginx's combined
 * format), moved in time with the rest of it: the file's hour stamp and every line's [dd/Mon/yyyy:HH:mm:ss ±hhmm].
 */
import { gunzipSync, gzipSync } from "node:zlib";

const KEY = /^(.*access\.log-)(\d{4})(\d{2})(\d{2})(\d{2})(\.gz)$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LINE_TIME = /\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]/g;
const p2 = (n: number) => String(n).padStart(2, "0");

export function shiftWebLogKey(key: string, deltaMs: number): { key: string; written: string } | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const [, head, y, mo, d, h, tail] = m;
  const at = new Date(Date.parse(`${y}-${mo}-${d}T${h}:00:00Z`) + deltaMs);
  const stamp = `${at.getUTCFullYear()}${p2(at.getUTCMonth() + 1)}${p2(at.getUTCDate())}${p2(at.getUTCHours())}`;
  // Rotated at the end of its hour.
  return {
    key: `${head}${stamp}${tail}`,
    written: new Date(Date.parse(`${y}-${mo}-${d}T${h}:00:00Z`) + deltaMs + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

export function shiftWebLogBody(body: Buffer, deltaMs: number): Buffer {
  let text: string;
  try {
    text = gunzipSync(body).toString("utf8");
  } catch {
    return body;
  }
  const moved = text.replace(LINE_TIME, (all, dd, mon, yyyy, hh, mm, ss, sign, oh, om) => {
    const month = MONTHS.indexOf(mon);
    if (month < 0) return all;
    const off = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
    const t = Date.UTC(Number(yyyy), month, Number(dd), Number(hh), Number(mm), Number(ss)) - off + deltaMs;
    const l = new Date(t + off);
    return `[${p2(l.getUTCDate())}/${MONTHS[l.getUTCMonth()]}/${l.getUTCFullYear()}:${p2(l.getUTCHours())}:${p2(l.getUTCMinutes())}:${p2(l.getUTCSeconds())} ${sign}${oh}${om}]`;
  });
  return gzipSync(moved);
}
