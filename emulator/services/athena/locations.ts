/** Where a table's rows live: its S3 location, partitions or projected partitions, as the objects it reads. */
import type { Runtime } from "../../core/runtime.ts";
import { objectsOf } from "../s3/object-store.ts";
import { AthenaQueryError } from "./sql/translate.ts";
import type { AthenaState, TableDef } from "./state.ts";

export interface Scope {
  runtime: Runtime;
  accountId: string;
  region: string;
  state: AthenaState;
  now: Date;
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3a?n?:\/\/([^/]+)\/?(.*)$/i.exec(uri.trim());
  return m ? { bucket: m[1], prefix: m[2] } : undefined;
}

const dirPrefix = (p: string) => (p === "" || p.endsWith("/") ? p : `${p}/`);
const hidden = (key: string) => key.endsWith("/") || /(^|\/)[_.][^/]*$/.test(key) || key.endsWith("_$folder$");

export type TableObject = { key: string; bucket: string; etag: string; size: number; parts: Record<string, string> };

/** Objects a table reads, with the partition values each contributes. */
export function tableObjects(scope: Scope, t: TableDef): TableObject[] {
  const out: TableObject[] = [];
  const listUnder = (uri: string, parts: Record<string, string>) => {
    const loc = parseS3Uri(uri);
    if (!loc) throw new AthenaQueryError("HIVE_INVALID_METADATA", `Invalid table location: ${uri}`);
    if (!objectsOf(scope.runtime).bucket(scope.accountId, loc.bucket)) {
      throw new AthenaQueryError("HIVE_FILESYSTEM_ERROR", `The specified bucket does not exist (Bucket: ${loc.bucket})`);
    }
    for (const o of objectsOf(scope.runtime).list(scope.accountId, loc.bucket, dirPrefix(loc.prefix))) {
      if (!hidden(o.key)) out.push({ key: o.key, bucket: loc.bucket, etag: o.etag, size: o.size, parts });
    }
  };
  if (!t.partitionKeys.length) {
    if (t.location) listUnder(t.location, {});
    return out;
  }
  if ((t.tableProperties["projection.enabled"] ?? "").toLowerCase() === "true") {
    for (const p of projectedPartitions(scope, t)) out.push(p);
    return out;
  }
  for (const p of t.partitions) {
    const parts: Record<string, string> = {};
    t.partitionKeys.forEach((k, i) => {
      parts[k.name] = p.values[i];
    });
    listUnder(p.location, parts);
  }
  return out;
}

function javaDateRegex(fmt: string): string {
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss|[^A-Za-z]|[A-Za-z]+/g, (m) => {
    if (m === "yyyy") return "\\d{4}";
    if (/^(MM|dd|HH|mm|ss)$/.test(m)) return "\\d{2}";
    if (/^[A-Za-z]+$/.test(m)) return "[^/]+";
    return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
}

function parseJavaDate(fmt: string, v: string): Date | undefined {
  const fields: string[] = [];
  const re = new RegExp(
    `^${fmt.replace(/yyyy|MM|dd|HH|mm|ss|[^A-Za-z]/g, (m) => {
      if (/^[A-Za-z]+$/.test(m)) {
        fields.push(m);
        return m === "yyyy" ? "(\\d{4})" : "(\\d{2})";
      }
      return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })}$`,
  );
  const m = re.exec(v);
  if (!m) return undefined;
  const get = (f: string, d: number) => {
    const i = fields.indexOf(f);
    return i < 0 ? d : Number(m[i + 1]);
  };
  return new Date(Date.UTC(get("yyyy", 1970), get("MM", 1) - 1, get("dd", 1), get("HH", 0), get("mm", 0), get("ss", 0)));
}

function rangeBound(s: string, fmt: string, now: Date): Date | undefined {
  const m = /^NOW\s*(?:([+-])\s*(\d+)\s*(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?)?$/i.exec(s.trim());
  if (m) {
    const d = new Date(now);
    if (m[1]) {
      const n = Number(m[2]) * (m[1] === "-" ? -1 : 1);
      const u = m[3].toUpperCase();
      if (u === "YEAR") d.setUTCFullYear(d.getUTCFullYear() + n);
      else if (u === "MONTH") d.setUTCMonth(d.getUTCMonth() + n);
      else d.setTime(d.getTime() + n * { WEEK: 604800e3, DAY: 86400e3, HOUR: 3600e3, MINUTE: 60e3, SECOND: 1e3 }[u as "DAY"]);
    }
    return d;
  }
  return parseJavaDate(fmt, s.trim());
}

/** Partition projection: match object keys against storage.location.template and keep values the projection allows. */
function projectedPartitions(scope: Scope, t: TableDef) {
  const props = t.tableProperties;
  const keys = t.partitionKeys.map((k) => k.name);
  const template = props["storage.location.template"] ?? `${dirPrefix(t.location ?? "")}${keys.map((k) => `${k}=\${${k}}`).join("/")}/`;
  const loc = parseS3Uri(template);
  if (!loc) throw new AthenaQueryError("HIVE_INVALID_METADATA", `Invalid storage.location.template: ${template}`);
  const staticPrefix = loc.prefix.split("${")[0];
  const order: string[] = [];
  const pattern = loc.prefix.replace(/\$\{([^}]+)\}|[^$]+|\$/g, (m, name?: string) => {
    if (!name) return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const k = name.toLowerCase();
    order.push(k);
    const type = (props[`projection.${k}.type`] ?? "").toLowerCase();
    if (type === "date") return `(${javaDateRegex(props[`projection.${k}.format`] ?? "yyyy-MM-dd")})`;
    return "([^/]+)";
  });
  const re = new RegExp(`^${pattern}${pattern.endsWith("/") ? "" : "/"}`);
  const allowed = (k: string, v: string): boolean => {
    const type = (props[`projection.${k}.type`] ?? "").toLowerCase();
    if (type === "enum")
      return (props[`projection.${k}.values`] ?? "")
        .split(",")
        .map((x) => x.trim())
        .includes(v);
    if (type === "integer") {
      const [lo, hi] = (props[`projection.${k}.range`] ?? "").split(",").map((x) => Number(x.trim()));
      const n = Number(v);
      return /^-?\d+$/.test(v) && n >= lo && n <= hi;
    }
    if (type === "date") {
      const fmt = props[`projection.${k}.format`] ?? "yyyy-MM-dd";
      const d = parseJavaDate(fmt, v);
      if (!d) return false;
      const [lo, hi] = (props[`projection.${k}.range`] ?? "").split(",");
      const from = lo ? rangeBound(lo, fmt, scope.now) : undefined;
      const to = hi ? rangeBound(hi, fmt, scope.now) : undefined;
      return (!from || d >= from) && (!to || d <= to);
    }
    return true;
  };
  const out: TableObject[] = [];
  if (!objectsOf(scope.runtime).bucket(scope.accountId, loc.bucket)) return out;
  for (const o of objectsOf(scope.runtime).list(scope.accountId, loc.bucket, staticPrefix)) {
    if (hidden(o.key)) continue;
    const m = re.exec(o.key);
    if (!m) continue;
    const parts: Record<string, string> = {};
    order.forEach((k, i) => {
      parts[k] = m[i + 1];
    });
    if (order.every((k) => allowed(k, parts[k]))) out.push({ key: o.key, bucket: loc.bucket, etag: o.etag, size: o.size, parts });
  }
  return out;
}
