/**
 * Trino's types where DuckDB's differ: the type of a literal (`'abc'` is varchar(3), `0.1` decimal(1,1)), a type as
 * written in a CAST in Trino's canonical spelling, and DuckDB's type names in Trino's words (trino-type-name.mjs).
 * typeof() answers from the literal's type when its argument is made of literals (DuckDB has no varchar(n)), and
 * from the value's DuckDB type otherwise.
 */
import { trinoTypeName } from "../trino-type-name.mjs";
import { identName, isIdent, isOp, isWord, stringValue, type Token } from "./tokens.ts";

export { trinoTypeName };

/** A decimal literal's precision and scale as Trino types it (leading zeros do not count): `0.1` → [1, 1]. */
export function decimalLiteralType(text: string): [number, number] | undefined {
  if (!/^\d*\.\d*$/.test(text) || text === ".") return undefined;
  const [int, frac] = text.split(".");
  const digits = int.replace(/^0+/, "");
  const scale = frac.length;
  return [Math.max(digits.length + scale, 1), scale];
}

/** An integer literal's type: integer when it fits 32 bits, else bigint (decimal past 64 bits). */
function integerLiteralType(text: string): string {
  const n = BigInt(text);
  if (n <= 2147483647n) return "integer";
  if (n <= 9223372036854775807n) return "bigint";
  return `decimal(${text.replace(/^0+/, "").length},0)`;
}

/** The common type of literal elements (ARRAY['a', 'bc'] is array(varchar(2))), or undefined. */
function common(types: string[]): string | undefined {
  if (!types.length) return "unknown";
  const known = types.filter((t) => t !== "unknown");
  if (!known.length) return "unknown";
  if (known.every((t) => /^varchar\(\d+\)$/.test(t))) return `varchar(${Math.max(...known.map((t) => Number(/\d+/.exec(t)?.[0])))})`;
  if (known.every((t) => t === known[0])) return known[0];
  if (known.every((t) => t === "integer" || t === "bigint")) return "bigint";
  return undefined;
}

function splitTop(ts: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let d = 0;
  for (const t of ts) {
    if (isOp(t, "(") || isOp(t, "[")) d++;
    if (isOp(t, ")") || isOp(t, "]")) d--;
    if (d === 0 && isOp(t, ",")) {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length || out.length) out.push(cur);
  return out;
}

/** A type as written after AS, in Trino's spelling: lowercase, `int` → integer, `string` → varchar, `array<x>` → array(x). */
export function canonicalType(ts: Token[]): string | undefined {
  if (!ts.length) return undefined;
  const head = ts[0];
  if (!isIdent(head)) return undefined;
  const name = identName(head);
  const open = ts[1];
  const inner = (): Token[][] | undefined => {
    const close = isOp(open, "(") ? ")" : ">";
    if (!isOp(ts[ts.length - 1], close)) return undefined;
    return splitTop(ts.slice(2, -1));
  };
  if ((name === "array" || name === "map" || name === "row" || name === "struct") && (isOp(open, "(") || isOp(open, "<"))) {
    const parts = inner();
    if (!parts) return undefined;
    if (name === "array") {
      const e = canonicalType(parts[0]);
      return e && `array(${e})`;
    }
    if (name === "map") {
      const k = canonicalType(parts[0]);
      const v = canonicalType(parts[1] ?? []);
      return k && v && `map(${k}, ${v})`;
    }
    const fields = parts.map((p) => {
      // row(x integer) / struct<x:int>; an anonymous field is a type alone.
      const colon = p.findIndex((t) => isOp(t, ":"));
      if (colon === 1 && isIdent(p[0])) return `${identName(p[0])} ${canonicalType(p.slice(2))}`;
      if (p.length >= 2 && isIdent(p[0]) && !isOp(p[1], "(") && !isOp(p[1], "<")) {
        const t = canonicalType(p.slice(1));
        if (t) return `${identName(p[0])} ${t}`;
      }
      return canonicalType(p);
    });
    return fields.every((f) => f && !f.includes("undefined")) ? `row(${fields.join(", ")})` : undefined;
  }
  const args = isOp(open, "(")
    ? ts
        .slice(2, -1)
        .filter((t) => t.kind === "number")
        .map((t) => t.text)
    : [];
  const rest = ts
    .slice(isOp(open, "(") ? ts.findIndex((t) => isOp(t, ")")) + 1 : 1)
    .map((t) => t.text.toLowerCase())
    .join(" ");
  const zone = rest === "with time zone" ? " with time zone" : "";
  switch (name) {
    case "varchar":
    case "char":
      return args.length ? `${name}(${args[0]})` : name === "char" ? "char(1)" : "varchar";
    case "string":
      return "varchar";
    case "int":
    case "integer":
      return "integer";
    case "bigint":
    case "smallint":
    case "tinyint":
    case "double":
    case "boolean":
    case "date":
    case "varbinary":
    case "json":
    case "ipaddress":
    case "uuid":
      return name;
    case "real":
    case "float":
      return "real";
    case "decimal":
    case "numeric":
      return `decimal(${args[0] ?? 38},${args[1] ?? 0})`;
    case "timestamp":
    case "time":
      return `${name}(${args[0] ?? 3})${zone}`;
    default:
      return undefined;
  }
}

/**
 * The Trino type of an expression whose type the text alone fixes (strings, numbers, booleans, NULL, DATE/TIMESTAMP
 * literals, CAST(… AS type), ROW(…) and ARRAY[…] of those), or undefined when it depends on the data's types.
 */
export function literalType(ts: Token[]): string | undefined {
  if (!ts.length) return undefined;
  if (ts.length === 1) {
    const t = ts[0];
    if (t.kind === "string") return `varchar(${[...stringValue(t)].length})`;
    if (t.kind === "number") {
      if (/[eE]/.test(t.text)) return "double";
      const dec = decimalLiteralType(t.text);
      if (dec) return `decimal(${dec[0]},${dec[1]})`;
      return integerLiteralType(t.text);
    }
    if (isWord(t, "true", "false")) return "boolean";
    if (isWord(t, "null")) return "unknown";
    return undefined;
  }
  if (isOp(ts[0], "-") || isOp(ts[0], "+")) {
    const inner = literalType(ts.slice(1));
    return inner && inner !== "varchar" && !inner.startsWith("varchar(") ? inner : undefined;
  }
  if (isOp(ts[0], "(") && isOp(ts[ts.length - 1], ")")) return literalType(ts.slice(1, -1));
  if (ts.length === 2 && ts[1].kind === "string") {
    const v = stringValue(ts[1]);
    if (isWord(ts[0], "date")) return "date";
    if (isWord(ts[0], "timestamp")) {
      const frac = /\d\d:\d\d:\d\d(?:\.(\d+))?/.exec(v);
      const zone = /(?:[+-]\d\d:?\d\d|Z|\s[A-Za-z_/]+)$/.test(v.trim()) && /\d:\d\d/.test(v) ? " with time zone" : "";
      return `timestamp(${frac?.[1]?.length ?? 0})${zone}`;
    }
    return undefined;
  }
  if ((isWord(ts[0], "row") && isOp(ts[1], "(")) || (isWord(ts[0], "array") && isOp(ts[1], "["))) {
    const close = isWord(ts[0], "row") ? ")" : "]";
    if (!isOp(ts[ts.length - 1], close)) return undefined;
    const parts = splitTop(ts.slice(2, -1)).filter((p) => p.length);
    const types = parts.map(literalType);
    if (types.some((t) => t === undefined)) return undefined;
    if (isWord(ts[0], "row")) return `row(${types.join(", ")})`;
    const e = common(types as string[]);
    return e && `array(${e})`;
  }
  if (isWord(ts[0], "cast", "try_cast") && isOp(ts[1], "(") && isOp(ts[ts.length - 1], ")")) {
    let d = 0;
    for (let k = 2; k < ts.length - 1; k++) {
      if (isOp(ts[k], "(") || isOp(ts[k], "[")) d++;
      if (isOp(ts[k], ")") || isOp(ts[k], "]")) d--;
      // A CAST's type is its target's, whatever the value.
      if (d === 0 && isWord(ts[k], "as")) return canonicalType(ts.slice(k + 1, -1));
    }
  }
  return undefined;
}
