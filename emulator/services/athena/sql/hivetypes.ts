/** Hive column types (as written in Athena DDL) → a tree, DuckDB type strings and JS value coercion. */

export type HiveType =
  | { kind: "prim"; name: string; args?: number[] }
  | { kind: "array"; elem: HiveType }
  | { kind: "map"; key: HiveType; value: HiveType }
  | { kind: "struct"; fields: { name: string; type: HiveType }[] };

export function parseHiveType(text: string): HiveType {
  let i = 0;
  const s = text.replace(/\s+/g, "");
  const word = (): string => {
    const m = /^[`"]?([A-Za-z0-9_$]+)[`"]?/.exec(s.slice(i));
    if (!m) throw new Error(`bad type near '${s.slice(i, i + 20)}'`);
    i += m[0].length;
    return m[1];
  };
  const expect = (c: string) => {
    if (s[i] !== c) throw new Error(`expected '${c}' in type ${text}`);
    i++;
  };
  const parse = (): HiveType => {
    const w = word().toLowerCase();
    if (w === "array") {
      expect("<");
      const elem = parse();
      expect(">");
      return { kind: "array", elem };
    }
    if (w === "map") {
      expect("<");
      const key = parse();
      expect(",");
      const value = parse();
      expect(">");
      return { kind: "map", key, value };
    }
    if (w === "struct") {
      expect("<");
      const fields: { name: string; type: HiveType }[] = [];
      while (s[i] !== ">") {
        const name = word().toLowerCase();
        expect(":");
        fields.push({ name, type: parse() });
        if (s[i] === ",") i++;
      }
      expect(">");
      return { kind: "struct", fields };
    }
    let args: number[] | undefined;
    if (s[i] === "(") {
      const end = s.indexOf(")", i);
      args = s
        .slice(i + 1, end)
        .split(",")
        .map((x) => Number(x));
      i = end + 1;
    }
    return { kind: "prim", name: w, args };
  };
  const t = parse();
  if (i !== s.length) throw new Error(`unexpected '${s.slice(i)}' in type ${text}`);
  return t;
}

/** The canonical spelling Athena shows in metadata: lowercase, no spaces. */
export function hiveTypeString(t: HiveType): string {
  switch (t.kind) {
    case "array":
      return `array<${hiveTypeString(t.elem)}>`;
    case "map":
      return `map<${hiveTypeString(t.key)},${hiveTypeString(t.value)}>`;
    case "struct":
      return `struct<${t.fields.map((f) => `${f.name}:${hiveTypeString(f.type)}`).join(",")}>`;
    default:
      return t.args ? `${t.name}(${t.args.join(",")})` : t.name;
  }
}

const PRIM: Record<string, string> = {
  string: "VARCHAR",
  varchar: "VARCHAR",
  char: "VARCHAR",
  int: "INTEGER",
  integer: "INTEGER",
  bigint: "BIGINT",
  smallint: "SMALLINT",
  tinyint: "TINYINT",
  double: "DOUBLE",
  float: "FLOAT",
  real: "FLOAT",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  date: "DATE",
  binary: "BLOB",
};

export function duckType(t: HiveType): string {
  switch (t.kind) {
    case "array":
      return `${duckType(t.elem)}[]`;
    case "map":
      return `MAP(${duckType(t.key)}, ${duckType(t.value)})`;
    case "struct":
      return `STRUCT(${t.fields.map((f) => `"${f.name.replaceAll('"', '""')}" ${duckType(f.type)}`).join(", ")})`;
    default:
      if (t.name === "decimal") return `DECIMAL(${t.args?.[0] ?? 10}, ${t.args?.[1] ?? 0})`;
      return PRIM[t.name] ?? "VARCHAR";
  }
}

/** Finds a JSON key case-insensitively, the way Hive's JSON serdes match lowercase column names. */
function getCI(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  for (const k of Object.keys(obj)) if (k.toLowerCase() === name) return obj[k];
  return undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function timestampText(raw: string): string | null {
  const v = raw.replace(/([+-]\d\d)$/, "$1:00");
  const d = new Date(/^\d{4}-\d{2}-\d{2} /.test(v) && !/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? `${v.replace(" ", "T")}Z` : v);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Coerces a raw value (parsed JSON or a text field) to what DuckDB's read_json expects for the column type. */
export function coerce(t: HiveType, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (t.kind) {
    case "array":
      return Array.isArray(v) ? v.map((x) => coerce(t.elem, x)) : null;
    case "map": {
      if (typeof v !== "object" || Array.isArray(v)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = coerce(t.value, x);
      return out;
    }
    case "struct": {
      if (typeof v !== "object" || Array.isArray(v)) return null;
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[f.name] = coerce(f.type, getCI(v as Record<string, unknown>, f.name));
      return out;
    }
  }
  switch (PRIM[t.name] ?? (t.name === "decimal" ? "DECIMAL" : "VARCHAR")) {
    case "VARCHAR":
      return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
    case "INTEGER":
    case "BIGINT":
    case "SMALLINT":
    case "TINYINT": {
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? Math.trunc(n) : null;
    }
    case "DOUBLE":
    case "FLOAT":
    case "DECIMAL": {
      const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? n : null;
    }
    case "BOOLEAN":
      if (typeof v === "boolean") return v;
      if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
      return null;
    case "TIMESTAMP":
      return typeof v === "string" ? timestampText(v) : typeof v === "number" ? timestampText(new Date(v).toISOString()) : null;
    case "DATE":
      return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
    default:
      return typeof v === "string" ? v : JSON.stringify(v);
  }
}
