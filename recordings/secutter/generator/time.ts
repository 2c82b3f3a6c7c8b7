/** Time helpers: offsets from discovery become ISO strings once the anchor is known. */
import { HOUR, RECORDED_DISCOVERY } from "./world.ts";

const dayCache = new Map<number, string>();

/** ISO-8601 to the second, as CloudTrail and the SDK shapes print it (the date part cached: it is called ~100k times). */
export function iso(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const day = Math.floor(sec / 86400);
  let d = dayCache.get(day);
  if (d === undefined) {
    d = new Date(day * 86400_000).toISOString().slice(0, 10);
    dayCache.set(day, d);
  }
  const rem = sec - day * 86400;
  const h = Math.floor(rem / 3600);
  const m = Math.floor((rem % 3600) / 60);
  const s = rem % 60;
  return `${d}T${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}:${s < 10 ? "0" : ""}${s}Z`;
}

/** Hour of day in Japan for an offset, laid out on the recording's own calendar (so shifts keep the rhythm). */
export function jstHour(offset: number): number {
  return new Date(RECORDED_DISCOVERY + offset + 9 * HOUR).getUTCHours();
}

/** Day of week in Japan (0 = Sunday) on the recording's calendar. */
export function jstWeekday(offset: number): number {
  return new Date(RECORDED_DISCOVERY + offset + 9 * HOUR).getUTCDay();
}

/** The offset of the most recent JST midnight at or before an offset (recording calendar). */
export function jstMidnight(offset: number): number {
  const abs = RECORDED_DISCOVERY + offset + 9 * HOUR;
  return abs - (abs % (24 * HOUR)) - 9 * HOUR - RECORDED_DISCOVERY;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Absolute time → "YYYYMMDD" in JST (the web server's local time). */
export function jstDate(ms: number): string {
  const d = new Date(ms + 9 * HOUR);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** nginx $time_local with the server in Asia/Tokyo: 26/Feb/2026:23:37:05 +0900. */
export function nginxTime(ms: number): string {
  const d = new Date(ms + 9 * HOUR);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0900`;
}

/** nginx error log time: 2026/02/26 23:37:05 (local). */
export function nginxErrorTime(ms: number): string {
  const d = new Date(ms + 9 * HOUR);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** CloudTrail / flow-log file stamps: 20260226T1435Z. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
}

/** The YYYY/MM/DD path part of AWSLogs keys (UTC). */
export function datePath(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
}
