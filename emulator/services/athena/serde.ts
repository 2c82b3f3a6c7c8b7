/** Hive serdes over S3 object bodies: CloudTrail, JSON, RegexSerDe, delimited text and OpenCSV → row objects. */
import { gunzipSync } from "node:zlib";
import { coerce, duckType, type HiveType, parseHiveType } from "./sql/hivetypes.ts";
import { AthenaQueryError } from "./sql/translate.ts";
import type { TableDef } from "./state.ts";

export interface Reader {
  /** Rows of one object, keyed by lowercase column name. */
  rows(body: Buffer, uri: string): Record<string, unknown>[];
  /**
   * The same rows as JSON.stringify would write them, with `tail` (preformatted `"key":value` members that
   * are not columns) appended, without building row objects. Absent where a reader has no such path.
   */
  ndjson?(body: Buffer, tail: string): string[];
}

export function decompress(body: Buffer): Buffer {
  return body.length > 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
}

const lc = (s: string | undefined) => (s ?? "").toLowerCase();

export function serdeKind(t: TableDef): "cloudtrail" | "json" | "regex" | "grok" | "csv" | "delimited" | "parquet" {
  const serde = lc(t.serde);
  if (serde.includes("cloudtrailserde") || lc(t.inputFormat).includes("cloudtrailinputformat")) return "cloudtrail";
  if (serde.includes("jsonserde")) return "json";
  if (serde.includes("regexserde")) return "regex";
  if (serde.includes("grokserde")) return "grok";
  if (serde.includes("opencsvserde")) return "csv";
  if (serde.includes("parquet") || lc(t.inputFormat).includes("parquet")) return "parquet";
  return "delimited";
}

function lines(body: Buffer, delim = "\n"): string[] {
  const text = decompress(body).toString("utf8");
  const out = text.split(delim === "\n" ? /\r?\n/ : delim);
  if (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

export function readerFor(t: TableDef): Reader {
  const cols = t.columns.map((c) => ({ name: c.name, type: parseHiveType(c.type) }));
  const props = t.serdeProperties;
  const kind = serdeKind(t);
  const fast = compileRow(cols);
  const fromObject = (rec: Record<string, unknown>, mapping: Record<string, string> = {}): Record<string, unknown> => {
    if (fast && !hasKeys(mapping)) return fast(rec);
    const lower = new Map<string, unknown>();
    for (const [k, v] of Object.entries(rec)) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
    const row: Record<string, unknown> = {};
    for (const c of cols) {
      const key = mapping[c.name];
      row[c.name] = coerce(c.type, key !== undefined ? (rec[key] ?? lower.get(key.toLowerCase())) : lower.get(c.name));
    }
    return row;
  };
  if (kind === "cloudtrail") {
    const records = (body: Buffer): Record<string, unknown>[] => {
      const text = decompress(body).toString("utf8").trim();
      if (!text) return [];
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new AthenaQueryError("HIVE_CURSOR_ERROR", "Row is not a valid JSON Object - JSONException: A JSONObject text must begin with '{'");
      }
      const all = Array.isArray(doc) ? doc : ((doc as { Records?: unknown[] }).Records ?? []);
      return all.filter((r) => r && typeof r === "object");
    };
    const json = compileRowJson(cols);
    return {
      rows(body) {
        return records(body).map((r) => fromObject(r));
      },
      ndjson: json ? (body, tail) => records(body).map((r) => json(r, tail)) : undefined,
    };
  }
  if (kind === "json") {
    const mapping: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) if (k.toLowerCase().startsWith("mapping.")) mapping[k.slice(8).toLowerCase()] = v;
    const ignoreMalformed = lc(props["ignore.malformed.json"]) === "true";
    return {
      rows(body) {
        const out: Record<string, unknown>[] = [];
        for (const line of lines(body)) {
          if (!line.trim()) continue;
          let rec: unknown;
          try {
            rec = JSON.parse(line);
          } catch {
            if (ignoreMalformed) {
              out.push(fromObject({}));
              continue;
            }
            throw new AthenaQueryError("HIVE_CURSOR_ERROR", `Row is not a valid JSON Object - JSONException: ${line.slice(0, 80)}`);
          }
          out.push(fromObject(rec && typeof rec === "object" && !Array.isArray(rec) ? (rec as Record<string, unknown>) : {}, mapping));
        }
        return out;
      },
    };
  }
  const nullFormat = props["serialization.null.format"] ?? "\\N";
  const textRow = (fields: (string | undefined)[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    cols.forEach((c, i) => {
      const f = fields[i];
      row[c.name] = f === undefined || f === nullFormat ? null : coerceText(c.type, f, props);
    });
    return row;
  };
  const skip = Number(t.tableProperties["skip.header.line.count"] ?? 0) || 0;
  if (kind === "regex") {
    const pattern = props["input.regex"];
    if (!pattern) throw new AthenaQueryError("HIVE_INVALID_METADATA", 'This table does not have serde property "input.regex"!');
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${javaRegex(pattern)})$`, lc(props["input.regex.case.insensitive"]) === "true" ? "i" : "");
    } catch (e) {
      throw new AthenaQueryError("HIVE_INVALID_METADATA", `invalid input.regex: ${(e as Error).message}`);
    }
    return {
      rows(body) {
        return lines(body)
          .slice(skip)
          .map((line) => {
            const m = re.exec(line);
            return m ? textRow(m.slice(1)) : textRow([]);
          });
      },
    };
  }
  if (kind === "grok") {
    const { re, names } = grokRegex(props["input.format"] ?? "", props);
    const idx = cols.map((c, i) => {
      const n = names.indexOf(c.name);
      return n >= 0 ? n : i;
    });
    return {
      rows(body) {
        return lines(body)
          .slice(skip)
          .map((line) => {
            const m = re.exec(line);
            return textRow(m ? idx.map((n) => m[n + 1]) : []);
          });
      },
    };
  }
  if (kind === "csv") {
    const sep = props.separatorChar ?? ",";
    const quote = props.quoteChar ?? '"';
    const esc = props.escapeChar ?? "\\";
    return {
      rows(body) {
        return lines(body)
          .slice(skip)
          .map((line) => textRow(splitCsv(line, sep, quote, esc)));
      },
    };
  }
  if (kind === "parquet") throw new AthenaQueryError("NOT_SUPPORTED", "ir-range reads text, JSON and CloudTrail tables; Parquet tables are not supported");
  const delim = props["field.delim"] ?? props["serialization.format"] ?? "\u0001";
  return {
    rows(body) {
      return lines(body, props["line.delim"] ?? "\n")
        .slice(skip)
        .map((line) => textRow(line.split(delim === "\t" || delim === "t" ? "\t" : delim)));
    },
  };
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

const lowered = new Map<string, string>();
/** k.toLowerCase(), cached: JSON keys repeat on every record. */
function lower(k: string): string {
  let l = lowered.get(k);
  if (l === undefined) {
    l = k.toLowerCase();
    if (lowered.size < 100_000) lowered.set(k, l);
  }
  return l;
}

type Coercer = (v: unknown) => unknown;

/**
 * coerce(t, ·) compiled once per table: the same values, without re-walking the type or lowercasing every key
 * of every nested object per field. Struct fields match as in coerce (an exact key first, else the first key
 * equal ignoring case); a struct with two fields of the same name falls back to coerce.
 */
function compile(t: HiveType): Coercer {
  switch (t.kind) {
    case "array": {
      const elem = compile(t.elem);
      return (v) => (v === undefined || v === null ? null : Array.isArray(v) ? v.map((x) => elem(x)) : null);
    }
    case "map":
      return (v) => coerce(t, v);
    case "struct": {
      const fields = t.fields.map((f) => ({ name: f.name, c: compile(f.type) }));
      const idx = new Map(fields.map((f, i) => [f.name, i]));
      if (idx.size !== fields.length) return (v) => coerce(t, v);
      return (v) => {
        if (v === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return null;
        const o = v as Record<string, unknown>;
        const vals: unknown[] = new Array(fields.length);
        const found: number[] = new Array(fields.length).fill(0);
        for (const k of Object.keys(o)) {
          const i = idx.get(lower(k));
          if (i === undefined || found[i] === 2) continue;
          if (k === fields[i].name) {
            vals[i] = o[k];
            found[i] = 2;
          } else if (found[i] === 0) {
            vals[i] = o[k];
            found[i] = 1;
          }
        }
        const out: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) out[fields[i].name] = fields[i].c(vals[i]);
        return out;
      };
    }
    default:
      if (t.name !== "decimal" && duckType(t) === "VARCHAR") return (v) => (typeof v === "string" ? v : coerce(t, v));
      return (v) => coerce(t, v);
  }
}

/** fromObject without a mapping, compiled: a column takes the first key equal to its name ignoring case. */
function compileRow(cols: { name: string; type: HiveType }[]): ((rec: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const idx = new Map(cols.map((c, i) => [c.name, i]));
  if (idx.size !== cols.length) return undefined;
  const cs = cols.map((c) => compile(c.type));
  return (rec) => {
    const vals: unknown[] = new Array(cols.length);
    const found: boolean[] = new Array(cols.length).fill(false);
    for (const k of Object.keys(rec)) {
      const i = idx.get(lower(k));
      if (i === undefined || found[i]) continue;
      vals[i] = rec[k];
      found[i] = true;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < cols.length; i++) row[cols[i].name] = cs[i](vals[i]);
    return row;
  };
}

type JsonWriter = (v: unknown) => string;

/** A key JSON.stringify writes in insertion order: not an array index (those come first) nor __proto__. */
export function plainKey(k: string): boolean {
  return k !== "__proto__" && !/^(0|[1-9]\d*)$/.test(k);
}

/** JSON.stringify(coerce(t, v)), compiled; undefined where a field name needs JSON.stringify's own handling. */
function compileJson(t: HiveType): JsonWriter | undefined {
  switch (t.kind) {
    case "array": {
      const elem = compileJson(t.elem);
      if (!elem) return undefined;
      return (v) => {
        if (v === undefined || v === null || !Array.isArray(v)) return "null";
        let s = "[";
        for (let i = 0; i < v.length; i++) s += i ? `,${elem(v[i])}` : elem(v[i]);
        return `${s}]`;
      };
    }
    case "map":
      return (v) => JSON.stringify(coerce(t, v));
    case "struct": {
      const fields: { name: string; key: string; w: JsonWriter }[] = [];
      for (const f of t.fields) {
        const w = compileJson(f.type);
        if (!w || !plainKey(f.name)) return undefined;
        fields.push({ name: f.name, key: `${JSON.stringify(f.name)}:`, w });
      }
      const idx = new Map(fields.map((f, i) => [f.name, i]));
      if (idx.size !== fields.length) return undefined;
      return (v) => {
        if (v === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return "null";
        const o = v as Record<string, unknown>;
        const vals: unknown[] = new Array(fields.length);
        const found: number[] = new Array(fields.length).fill(0);
        for (const k of Object.keys(o)) {
          const i = idx.get(lower(k));
          if (i === undefined || found[i] === 2) continue;
          if (k === fields[i].name) {
            vals[i] = o[k];
            found[i] = 2;
          } else if (found[i] === 0) {
            vals[i] = o[k];
            found[i] = 1;
          }
        }
        let s = "{";
        for (let i = 0; i < fields.length; i++) s += `${i ? "," : ""}${fields[i].key}${fields[i].w(vals[i])}`;
        return `${s}}`;
      };
    }
    default:
      if (t.name !== "decimal" && duckType(t) === "VARCHAR") return (v) => JSON.stringify(typeof v === "string" ? v : coerce(t, v));
      return (v) => JSON.stringify(coerce(t, v));
  }
}

/** JSON.stringify(fromObject(rec)) plus `tail`, compiled; undefined when a column name rules the fast path out. */
function compileRowJson(cols: { name: string; type: HiveType }[]): ((rec: Record<string, unknown>, tail: string) => string) | undefined {
  const idx = new Map(cols.map((c, i) => [c.name, i]));
  if (idx.size !== cols.length || idx.has("$path") || !cols.every((c) => plainKey(c.name))) return undefined;
  const ws: JsonWriter[] = [];
  for (const c of cols) {
    const w = compileJson(c.type);
    if (!w) return undefined;
    ws.push(w);
  }
  const keys = cols.map((c) => `${JSON.stringify(c.name)}:`);
  return (rec, tail) => {
    const vals: unknown[] = new Array(cols.length);
    const found: boolean[] = new Array(cols.length).fill(false);
    for (const k of Object.keys(rec)) {
      const i = idx.get(lower(k));
      if (i === undefined || found[i]) continue;
      vals[i] = rec[k];
      found[i] = true;
    }
    let s = "{";
    for (let i = 0; i < cols.length; i++) s += `${i ? "," : ""}${keys[i]}${ws[i](vals[i])}`;
    return `${s}${cols.length && tail ? "," : ""}${tail}}`;
  };
}

function coerceText(t: HiveType, v: string, props: Record<string, string>): unknown {
  if (t.kind === "array") return v.split(props["collection.delim"] ?? "\u0002").map((x) => coerce(t.elem, x));
  if (t.kind === "map") {
    const out: Record<string, unknown> = {};
    for (const kv of v.split(props["collection.delim"] ?? "\u0002")) {
      const [k, x] = kv.split(props["mapkey.delim"] ?? "\u0003");
      out[k] = coerce(t.value, x);
    }
    return out;
  }
  if (t.kind === "struct") return null;
  return coerce(t, v);
}

/** Java regex syntax the AWS docs use that JavaScript spells differently (possessive quantifiers, \A, \z). */
function javaRegex(p: string): string {
  return p
    .replace(/([*+?}])\+/g, "$1")
    .replace(/\\A/g, "^")
    .replace(/\\[zZ]/g, "$");
}

function splitCsv(line: string, sep: string, quote: string, esc: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQ) {
      if (c === esc && esc !== quote && i + 1 < line.length) cur += line[++i];
      else if (c === quote && line[i + 1] === quote) {
        cur += quote;
        i++;
      } else if (c === quote) inQ = false;
      else cur += c;
    } else if (c === quote) inQ = true;
    else if (c === sep) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The grok patterns AWS's GrokSerDe examples use, as JavaScript regex sources. */
const GROK: Record<string, string> = {
  IPV4: "(?:\\d{1,3}\\.){3}\\d{1,3}",
  IPV6: "[0-9A-Fa-f:]+",
  IP: "(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f:]+)",
  IPORHOST: "[^\\s]+",
  HOSTNAME: "[0-9A-Za-z.-]+",
  USERNAME: "[a-zA-Z0-9._-]+",
  USER: "[a-zA-Z0-9._-]+",
  WORD: "\\w+",
  NOTSPACE: "\\S+",
  SPACE: "\\s*",
  DATA: ".*?",
  GREEDYDATA: ".*",
  QUOTEDSTRING: '"(?:[^"\\\\]|\\\\.)*"',
  QS: '"(?:[^"\\\\]|\\\\.)*"',
  INT: "[+-]?\\d+",
  POSINT: "\\d+",
  NONNEGINT: "\\d+",
  NUMBER: "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)",
  BASE10NUM: "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)",
  HTTPDATE: "\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}",
  TIMESTAMP_ISO8601: "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?",
  URIPATHPARAM: "\\S+",
  URI: "\\S+",
  LOGLEVEL: "[A-Za-z]+",
};

function grokRegex(format: string, props: Record<string, string>): { re: RegExp; names: string[] } {
  const custom: Record<string, string> = {};
  for (const line of (props["input.grokCustomPatterns"] ?? "").split("\n")) {
    const m = /^\s*(\w+)\s+(.+)$/.exec(line);
    if (m) custom[m[1]] = m[2];
  }
  const names: string[] = [];
  const expand = (f: string, depth: number): string =>
    f.replace(/%\{(\w+)(?::\s*([\w.-]+))?(?::\w+)?\}/g, (_m, pat: string, name?: string) => {
      const body = custom[pat] !== undefined && depth < 5 ? expand(custom[pat], depth + 1) : GROK[pat];
      if (body === undefined) throw new AthenaQueryError("HIVE_INVALID_METADATA", `Unknown grok pattern %{${pat}}`);
      if (!name) return `(?:${body})`;
      names.push(name.toLowerCase());
      return `(${body})`;
    });
  return { re: new RegExp(expand(format, 0)), names };
}
