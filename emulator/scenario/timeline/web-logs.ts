/**
 * Web servers' access logs, from the run's web steps: nginx's combined format, one gzipped file per hour of traffic
 * (named by the UTC hour, as a server on UTC rotates them), in the bucket `webLogs` ships them to.
 */
import { gzipSync } from "node:zlib";
import type { BuildOutput } from "./model.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const HOUR = 3_600_000;
const p2 = (n: number) => String(n).padStart(2, "0");

/** "[20/May/2026:09:15:02 +0900]" for an epoch ms at a UTC offset of `offsetMin` minutes. */
export function nginxTime(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const off = Math.abs(offsetMin);
  return `[${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(off / 60))}${p2(off % 60)}]`;
}

/** The hour stamp of a log file's name: YYYYMMDDHH in UTC. */
export function hourStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}`;
}

const offsetMinutes = (s: string | undefined) => {
  if (!s) return 0;
  const [h, m] = s.slice(1).split(":").map(Number);
  return (s[0] === "-" ? -1 : 1) * (h * 60 + m);
};

export function writeWebLogs(out: BuildOutput): void {
  for (const target of out.timeline.webLogs ?? []) {
    const id = (out.saved[target.instance] as { Instances?: { InstanceId?: string }[] } | undefined)?.Instances?.[0]?.InstanceId;
    if (!id) throw new Error(`webLogs: "${target.instance}" is not a saved RunInstances output`);
    const offset = offsetMinutes(target.utcOffset);
    const lines: { t: number; line: string }[] = [];
    for (const w of out.web) {
      if (w.instanceId !== id) continue;
      for (const t of w.times) {
        lines.push({ t, line: `${w.src} - - ${nginxTime(t, offset)} "${w.method} ${w.path} HTTP/1.1" ${w.status} ${w.bytes} "${w.referer}" "${w.userAgent}"` });
      }
    }
    lines.sort((a, b) => a.t - b.t);
    const byHour = new Map<number, string[]>();
    for (const l of lines) {
      const h = l.t - (l.t % HOUR);
      const list = byHour.get(h) ?? [];
      list.push(l.line);
      byHour.set(h, list);
    }
    const prefix = out.interpolate(target.prefix ?? `web-logs/${id}/`);
    const bucket = out.interpolate(target.bucket);
    for (const [h, list] of byHour) out.writeObject(bucket, `${prefix}access.log-${hourStamp(h)}.gz`, gzipSync(`${list.join("\n")}\n`));
    out.log(`web logs: ${lines.length} requests of ${id} in ${byHour.size} hourly files`);
  }
}
