/**
 * Trino (Athena engine 3) SELECT → DuckDB SQL, by rewriting tokens: function renames and argument-aware
 * rewrites, type names, the emulator clock for now(), `?` parameters, catalog prefixes. It also refuses
 * DuckDB-only escape hatches (COPY, ATTACH, PRAGMA, file paths, …) and every function call that is not on
 * Athena's allow-list (functions.ts) before anything reaches DuckDB.
 */
import { athenaFunctions, PARAMETERIZED_TYPES, SQL_WORDS } from "./functions.ts";
import { identName, isIdent, isOp, isWord, lineCol, quoteIdent, quoteString, significant, stringValue, type Token, tokenize } from "./tokens.ts";

/** A failed query in Athena's terms: `CODE: message` in StateChangeReason. */
export class AthenaQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface TableRef {
  db: string;
  name: string;
}

export interface TranslateOptions {
  defaultDb: string;
  /** "table", "view" or undefined for a name in a database. */
  lookup: (db: string, name: string) => "table" | "view" | undefined;
  dbExists: (db: string) => boolean;
  now: Date;
  params?: string[];
  /** The DuckDB relation for a catalog table or view; withPath: the one that also carries "$path". */
  relation: (ref: TableRef, withPath: boolean) => string;
  /** SQL for information_schema.<name> (tables, columns, schemata, views), or undefined when there is no such view. */
  infoSchema?: (name: string) => string | undefined;
}

export interface Translation {
  sql: string;
  refs: TableRef[];
  aliases: Set<string>;
}

const FORBIDDEN_STATEMENT = new Set([
  "insert",
  "update",
  "delete",
  "merge",
  "copy",
  "attach",
  "detach",
  "pragma",
  "install",
  "load",
  "force",
  "export",
  "import",
  "checkpoint",
  "vacuum",
  "call",
  "set",
  "reset",
  "use",
  "summarize",
  "pivot",
  "unpivot",
  "create",
  "drop",
  "alter",
  "from",
  "prepare",
  "execute",
  "deallocate",
  "begin",
  "commit",
  "rollback",
  "analyze",
]);
/** Words that are only statements or DuckDB clauses: refused anywhere in a query. */
const FORBIDDEN_ANYWHERE = new Set(["insert", "update", "delete", "copy", "attach", "detach", "pragma", "install", "checkpoint", "vacuum", "pivot", "unpivot"]);
function refuse(sql: string, t: Token, what: string): never {
  throw new AthenaQueryError("NOT_SUPPORTED", `${lineCol(sql, t.pos)}: ${what} is not supported by Athena`);
}

function check(sql: string, ts: Token[]): void {
  const first = ts[0];
  if (first && first.kind === "ident" && FORBIDDEN_STATEMENT.has(first.text.toLowerCase())) refuse(sql, first, `${first.text.toUpperCase()} statement`);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (isOp(t, ";") && i < ts.length - 1) {
      throw new AthenaQueryError("SYNTAX_ERROR", `${lineCol(sql, t.pos)}: mismatched input ';'. Only one sql statement is allowed.`);
    }
    if (t.kind === "ident" && FORBIDDEN_ANYWHERE.has(t.text.toLowerCase())) refuse(sql, t, t.text.toUpperCase());
    if (isWord(t, "from", "join") && ts[i + 1]) {
      const n = ts[i + 1];
      // DuckDB would scan a file named by a string or a path-like quoted name; Athena has only catalog tables.
      if (n.kind === "string" || ((n.kind === "qident" || n.kind === "bident") && /[/\\:]|\.(csv|json|parquet|gz|txt|tsv|ndjson|db|duckdb)/i.test(n.text))) {
        refuse(sql, n, "Reading files");
      }
    }
    if (t.kind === "op" && t.text === "$" && !isOp(ts[i - 1], "'")) refuse(sql, t, "'$' parameters");
  }
}

const MYSQL: Record<string, string> = {
  a: "%a",
  b: "%b",
  c: "%-m",
  D: "%-d",
  d: "%d",
  e: "%-d",
  f: "%f",
  H: "%H",
  h: "%I",
  I: "%I",
  i: "%M",
  j: "%j",
  k: "%-H",
  l: "%-I",
  M: "%B",
  m: "%m",
  p: "%p",
  r: "%I:%M:%S %p",
  S: "%S",
  s: "%S",
  T: "%H:%M:%S",
  v: "%V",
  W: "%A",
  w: "%w",
  x: "%G",
  Y: "%Y",
  y: "%y",
  "%": "%%",
};

export function mysqlToStrftime(f: string): string {
  return f.replace(/%(.)/g, (_m, c: string) => MYSQL[c] ?? c);
}

const JODA: [RegExp, string][] = [
  [/^yyyy+/, "%Y"],
  [/^yy/, "%y"],
  [/^y/, "%Y"],
  [/^MMMM+/, "%B"],
  [/^MMM/, "%b"],
  [/^MM/, "%m"],
  [/^M/, "%-m"],
  [/^dd/, "%d"],
  [/^d/, "%-d"],
  [/^DDD/, "%j"],
  [/^HH/, "%H"],
  [/^H/, "%-H"],
  [/^hh/, "%I"],
  [/^h/, "%-I"],
  [/^mm/, "%M"],
  [/^m/, "%-M"],
  [/^ss/, "%S"],
  [/^s/, "%-S"],
  [/^SSSSSS+/, "%f"],
  [/^S+/, "%g"],
  [/^a/, "%p"],
  [/^EEEE+/, "%A"],
  [/^E+/, "%a"],
  [/^Z+/, "%z"],
  [/^z+/, "%Z"],
];

export function jodaToStrftime(f: string): string {
  let out = "";
  let i = 0;
  while (i < f.length) {
    if (f[i] === "'") {
      const end = f.indexOf("'", i + 1);
      const lit = f.slice(i + 1, end < 0 ? f.length : end);
      out += lit === "" ? "'" : lit.replaceAll("%", "%%");
      i = end < 0 ? f.length : end + 1;
      continue;
    }
    const rest = f.slice(i);
    const hit = JODA.find(([re]) => re.test(rest));
    if (hit) {
      const m = hit[0].exec(rest) as RegExpExecArray;
      out += hit[1];
      i += m[0].length;
    } else {
      out += f[i] === "%" ? "%%" : f[i];
      i++;
    }
  }
  return out;
}

/** Presto JSON paths → DuckDB's: `$["a b"]` and `$.a["b"]` become `$."a b"`. */
function jsonPath(p: string): string {
  return p.replace(/\[\s*"((?:[^"\\]|\\.)*)"\s*\]/g, '."$1"');
}

const UNITS: Record<string, string> = {
  millisecond: "1 MILLISECOND",
  second: "1 SECOND",
  minute: "1 MINUTE",
  hour: "1 HOUR",
  day: "1 DAY",
  week: "7 DAY",
  month: "1 MONTH",
  quarter: "3 MONTH",
  year: "1 YEAR",
};

type Rewriter = (args: string[], raw: Token[][]) => string;

const literal = (raw: Token[] | undefined): string | undefined => (raw && raw.length === 1 && raw[0].kind === "string" ? stringValue(raw[0]) : undefined);

const rename =
  (to: string): Rewriter =>
  (a) =>
    `${to}(${a.join(", ")})`;

const FUNCTIONS: Record<string, Rewriter> = {
  json_extract_scalar: (a, r) => `__json_extract_scalar(${a[0]}, ${pathArg(a[1], r[1])})`,
  json_extract: (a, r) => `json_extract(${a[0]}, ${pathArg(a[1], r[1])})`,
  json_array_get: (a) => `json_extract(${a[0]}, '$[' || CAST(${a[1]} AS VARCHAR) || ']')`,
  json_size: (a, r) => `__json_size(${a[0]}, ${pathArg(a[1], r[1])})`,
  json_format: (a) => `CAST(${a[0]} AS VARCHAR)`,
  json_parse: (a) => `json(${a[0]})`,
  json_array_contains: (a) => `list_contains(CAST(json(${a[0]}) AS VARCHAR[]), CAST(${a[1]} AS VARCHAR))`,
  from_iso8601_timestamp: (a) => `CAST(${a[0]} AS TIMESTAMPTZ)`,
  from_iso8601_date: (a) => `CAST(${a[0]} AS DATE)`,
  to_iso8601: (a) => `strftime(CAST(${a[0]} AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ')`,
  from_unixtime: (a) => `to_timestamp(${a[0]})`,
  to_unixtime: (a) => `epoch(${a[0]})`,
  date_format: (a, r) => `strftime(${a[0]}, ${fmtArg(a[1], r[1], mysqlToStrftime)})`,
  date_parse: (a, r) => `strptime(${a[0]}, ${fmtArg(a[1], r[1], mysqlToStrftime)})`,
  format_datetime: (a, r) => `strftime(${a[0]}, ${fmtArg(a[1], r[1], jodaToStrftime)})`,
  parse_datetime: (a, r) => `strptime(${a[0]}, ${fmtArg(a[1], r[1], jodaToStrftime)})`,
  date_add: (a, r) => {
    const unit = literal(r[0])?.toLowerCase();
    if (a.length !== 3 || !unit || !UNITS[unit]) throw new AthenaQueryError("INVALID_FUNCTION_ARGUMENT", `'${unit}' is not a valid Time field`);
    return `(${a[2]} + (${a[1]}) * INTERVAL ${UNITS[unit]})`;
  },
  day_of_week: rename("isodow"),
  dow: rename("isodow"),
  day_of_year: rename("dayofyear"),
  doy: rename("dayofyear"),
  day_of_month: rename("dayofmonth"),
  week_of_year: rename("weekofyear"),
  date: (a) => `CAST(${a[0]} AS DATE)`,
  regexp_like: rename("regexp_matches"),
  regexp_replace: (a, r) => {
    const repl = a.length > 2 ? (literal(r[2]) !== undefined ? quoteString((literal(r[2]) as string).replace(/\$(\d)/g, "\\$1")) : a[2]) : "''";
    return `regexp_replace(${a[0]}, ${a[1]}, ${repl}, 'g')`;
  },
  regexp_extract: (a) => `CASE WHEN regexp_matches(${a[0]}, ${a[1]}) THEN regexp_extract(${a.join(", ")}) END`,
  approx_distinct: rename("approx_count_distinct"),
  approx_percentile: (a) => `approx_quantile(${a[0]}, ${a[a.length - 1]})`,
  split: rename("string_split"),
  element_at: (a) => `(${a[0]})[${a[1]}]`,
  cardinality: rename("len"),
  // Trino keeps the first occurrence order; DuckDB's list_distinct does not.
  array_distinct: (a) => `list_filter(${a[0]}, (__x, __i) -> list_position(${a[0]}, __x) = __i)`,
  array_join: (a) => `array_to_string(${a.slice(0, 2).join(", ")})`,
  array_position: rename("list_position"),
  array_max: rename("list_max"),
  array_min: rename("list_min"),
  array_sort: rename("list_sort"),
  array_remove: (a) => `list_filter(${a[0]}, __x -> __x <> ${a[1]})`,
  slice: (a) => `list_slice(${a[0]}, ${a[1]}, (${a[1]}) + (${a[2]}) - 1)`,
  transform: rename("list_transform"),
  filter: rename("list_filter"),
  any_match: (a) => `coalesce(list_bool_or(list_transform(${a[0]}, ${a[1]})), false)`,
  all_match: (a) => `coalesce(list_bool_and(list_transform(${a[0]}, ${a[1]})), true)`,
  none_match: (a) => `NOT coalesce(list_bool_or(list_transform(${a[0]}, ${a[1]})), false)`,
  sequence: rename("generate_series"),
  url_extract_host: (a) => `nullif(regexp_extract(${a[0]}, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1), '')`,
  url_extract_path: (a) => `nullif(regexp_extract(${a[0]}, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1), '')`,
  url_extract_parameter: (a) => `nullif(regexp_extract(${a[0]}, '[?&]' || ${a[1]} || '=([^&#]*)', 1), '')`,
  format: rename("printf"),
  codepoint: rename("unicode"),
  contains: (a, r) => {
    const cidr = literal(r[0]);
    // contains('10.0.0.0/8', CAST(ip AS IPADDRESS)): Trino's CIDR membership.
    if (cidr !== undefined && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) return `__cidr_contains(${a[0]}, ${a[1]})`;
    return `contains(${a.join(", ")})`;
  },
  // Named fields: DuckDB's anonymous structs would collapse to one key when converted for output.
  row: (a) => `struct_pack(${a.map((x, i) => `field${i} := ${x}`).join(", ")})`,
  is_nan: rename("isnan"),
  set_agg: (a) => `list_distinct(array_agg(${a[0]}))`,
  array_contains: rename("list_contains"),
  to_hex: rename("hex"),
  md5: (a) => `md5(CAST(${a[0]} AS VARCHAR))`,
  arbitrary: rename("any_value"),
};

/** Every function a query may call: see functions.ts. */
const ALLOWED = athenaFunctions(Object.keys(FUNCTIONS));

function notRegistered(sql: string, at: Token, name: string): never {
  throw new AthenaQueryError("FUNCTION_NOT_FOUND", `${lineCol(sql, at.pos)}: Function '${name}' not registered`);
}

const onlyNames = (ts: Token[], from: number, to: number): boolean => {
  if (to <= from) return false;
  for (let k = from; k < to; k++) if (!((k - from) % 2 === 0 ? isIdent(ts[k]) : isOp(ts[k], ","))) return false;
  return (to - from) % 2 === 1;
};

/** Whether the parenthesis around token i belongs to a function call (EXTRACT(x FROM …), TRIM(… FROM …)) rather than a subquery. */
function insideCall(ts: Token[], i: number): boolean {
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    if (isOp(ts[k], ")")) depth++;
    else if (isOp(ts[k], "(")) {
      if (depth === 0) {
        const before = ts[k - 1];
        return isIdent(before) && !(before.kind === "ident" && SQL_WORDS.has(identName(before)));
      }
      depth--;
    }
  }
  return false;
}

/**
 * Token i is a name followed by "(": a function call unless it is SQL syntax (IN (…), OVER (…)) or names columns
 * (WITH t(a, b) AS (…), … AS t(a, b), UNNEST(…) t(a)). A call must be on the allow-list, unqualified
 * (system.main.f(…) and DuckDB's x.f() are refused whatever f is); where a table stands only UNNEST may be called.
 */
function checkCall(sql: string, ts: Token[], i: number): void {
  const t = ts[i];
  const name = identName(t);
  if (isOp(ts[i - 1], ".")) {
    let k = i;
    const parts = [name];
    while (isOp(ts[k - 1], ".") && isIdent(ts[k - 2])) {
      parts.unshift(identName(ts[k - 2]));
      k -= 2;
    }
    notRegistered(sql, ts[k], parts.join("."));
  }
  const word = t.kind === "ident";
  if (word && SQL_WORDS.has(name)) return;
  const close = matchingSafe(ts, i + 1);
  if (close < ts.length && onlyNames(ts, i + 2, close)) {
    if (isWord(ts[close + 1], "as") && isOp(ts[close + 2], "(")) return;
    const prev = ts[i - 1];
    const afterTable = isWord(ts[i - 2], "from", "join") || (isOp(ts[i - 2], ".") && isWord(ts[i - 4], "from", "join"));
    if (isWord(prev, "as", "ordinality") || isOp(prev, ")") || (isIdent(prev) && afterTable)) return;
  }
  const prev = ts[i - 1];
  const fromClause = isWord(prev, "join", "lateral") || (isWord(prev, "from") && !isWord(ts[i - 2], "distinct"));
  const table = (fromClause || (isOp(prev, ",") && inFromClause(ts, i))) && !insideCall(ts, i);
  if (table) {
    if (word && name === "unnest") return;
    notRegistered(sql, t, name);
  }
  if (!ALLOWED.has(name)) notRegistered(sql, t, name);
}

/** A CAST's target type: names, numbers and brackets only, and only type names take parameters. */
function checkType(sql: string, ts: Token[], from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const x = ts[k];
    const plain = x.kind === "number" || isIdent(x) || ["(", ")", ",", "<", ">", "[", "]"].some((o) => isOp(x, o));
    if (!plain || (isIdent(x) && isOp(ts[k + 1], "(") && !PARAMETERIZED_TYPES.has(identName(x)))) {
      const text = ts
        .slice(from, to)
        .map((y) => y.text)
        .join(" ");
      throw new AthenaQueryError("TYPE_NOT_FOUND", `${lineCol(sql, ts[from].pos)}: Unknown type: ${text}`);
    }
  }
}

function pathArg(a: string | undefined, raw: Token[] | undefined): string {
  const lit = literal(raw);
  return lit !== undefined ? quoteString(jsonPath(lit)) : (a ?? "'$'");
}

function fmtArg(_a: string | undefined, raw: Token[] | undefined, conv: (f: string) => string): string {
  const lit = literal(raw);
  if (lit === undefined) throw new AthenaQueryError("NOT_SUPPORTED", "ir-range needs the date format pattern as a string literal");
  return quoteString(conv(lit));
}

/** Trino type spellings inside CAST → DuckDB's. */
function translateType(ts: Token[]): string {
  const out: string[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (isWord(t, "array") && (isOp(ts[i + 1], "(") || isOp(ts[i + 1], "<"))) {
      const close = isOp(ts[i + 1], "(") ? ")" : ">";
      const end = matching(ts, i + 1, isOp(ts[i + 1], "(") ? "(" : "<", close);
      out.push(`${translateType(ts.slice(i + 2, end))}[]`);
      i = end;
    } else if (isWord(t, "row") && isOp(ts[i + 1], "(")) out.push("STRUCT");
    else if (isWord(t, "map") && isOp(ts[i + 1], "<")) {
      out.push("MAP(");
      const end = matching(ts, i + 1, "<", ">");
      out.push(translateType(ts.slice(i + 2, end)));
      out.push(")");
      i = end;
    } else if (isOp(t, "<")) out.push("(");
    else if (isOp(t, ">")) out.push(")");
    else if (isWord(t, "string")) out.push("VARCHAR");
    else if (isWord(t, "int")) out.push("INTEGER");
    else if (isWord(t, "real")) out.push("FLOAT");
    else if (isWord(t, "varbinary")) out.push("BLOB");
    else out.push(t.text);
  }
  return out
    .join(" ")
    .replace(/\s*\(\s*/g, "(")
    .replace(/\s*\)/g, ")");
}

function matching(ts: Token[], open: number, o = "(", c = ")"): number {
  let depth = 0;
  for (let i = open; i < ts.length; i++) {
    if (isOp(ts[i], o)) depth++;
    else if (isOp(ts[i], c)) {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new AthenaQueryError("SYNTAX_ERROR", `line 1:${(ts[open]?.pos ?? 0) + 1}: mismatched input '<EOF>'. Expecting: '${c}'`);
}

function splitArgs(ts: Token[], from: number, to: number): Token[][] {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = ts[i];
    if (isOp(t, "(") || isOp(t, "[")) depth++;
    if (isOp(t, ")") || isOp(t, "]")) depth--;
    if (depth === 0 && isOp(t, ",")) {
      args.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length || args.length) args.push(cur);
  return args;
}

const fmtTs = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "+00");

export function translate(sql: string, opts: TranslateOptions): Translation {
  const ts = significant(tokenize(sql));
  check(sql, ts);
  while (ts.length && isOp(ts[ts.length - 1], ";")) ts.pop();
  const refs: TableRef[] = [];
  const aliases = new Set<string>();
  const usesPath = ts.some((t) => t.kind === "qident" && t.text.toLowerCase() === '"$path"');
  const ctes = new Set<string>();
  for (let i = 0; i < ts.length; i++) {
    if (isIdent(ts[i]) && isWord(ts[i + 1], "as") && isOp(ts[i + 2], "(")) ctes.add(identName(ts[i]));
    if (isIdent(ts[i]) && isOp(ts[i + 1], "(") && isWord(ts[matchingSafe(ts, i + 1) + 1], "as") && isOp(ts[matchingSafe(ts, i + 1) + 2], "(")) {
      ctes.add(identName(ts[i]));
    }
    if (isWord(ts[i], "as") && isIdent(ts[i + 1]) && !isOp(ts[i + 2], "(")) aliases.add(identName(ts[i + 1]));
  }
  let paramIndex = 0;

  const walk = (from: number, to: number): string => {
    const out: string[] = [];
    for (let i = from; i < to; i++) {
      const t = ts[i];
      const prev = ts[i - 1];
      if (isIdent(t) && isOp(ts[i + 1], "(")) checkCall(sql, ts, i);
      // Catalog prefix: AwsDataCatalog.db.table → db.table.
      if (isIdent(t) && identName(t) === "awsdatacatalog" && isOp(ts[i + 1], ".") && isIdent(ts[i + 2])) {
        i++;
        continue;
      }
      if (isOp(t, "?")) {
        const p = opts.params?.[paramIndex++];
        if (p === undefined) throw new AthenaQueryError("INVALID_PARAMETER", "Incorrect number of parameters: expected more than provided");
        out.push(`(${p})`);
        continue;
      }
      if (t.kind === "ident" && !isOp(prev, ".")) {
        const w = t.text.toLowerCase();
        if ((w === "current_timestamp" || w === "localtimestamp") && !isOp(ts[i + 1], "(")) {
          out.push(`TIMESTAMPTZ '${fmtTs(opts.now)}'`);
          continue;
        }
        if (w === "current_date" && !isOp(ts[i + 1], "(")) {
          out.push(`DATE '${opts.now.toISOString().slice(0, 10)}'`);
          continue;
        }
        if (w === "now" && isOp(ts[i + 1], "(") && isOp(ts[i + 2], ")")) {
          out.push(`TIMESTAMPTZ '${fmtTs(opts.now)}'`);
          i += 2;
          continue;
        }
        if (w === "values" && ts[i + 1] && !isOp(ts[i + 1], "(")) {
          // Trino's VALUES 1, 2, 3 is DuckDB's VALUES (1), (2), (3).
          let end = i + 1;
          let depth = 0;
          for (; end < to; end++) {
            if (isOp(ts[end], "(") || isOp(ts[end], "[")) depth++;
            else if (isOp(ts[end], ")") || isOp(ts[end], "]")) {
              if (depth === 0) break;
              depth--;
            } else if (depth === 0 && isWord(ts[end], "order", "limit", "offset", "union", "except", "intersect")) break;
          }
          const items = splitArgs(ts, i + 1, end).map((r) => {
            const s = ts.indexOf(r[0]);
            return `(${walk(s, s + r.length)})`;
          });
          out.push(`VALUES ${items.join(", ")}`);
          i = end - 1;
          continue;
        }
        if (w === "unnest" && isOp(ts[i + 1], "(") && (isWord(prev, "join", "from") || isOp(prev, ","))) {
          // UNNEST(array_of_rows) AS t(a, b, c): Trino spreads the row fields into columns; DuckDB needs a lateral struct expansion.
          const end = matching(ts, i + 1);
          const args = splitArgs(ts, i + 2, end);
          let k = end + 1;
          const ordinality = isWord(ts[k], "with") && isWord(ts[k + 1], "ordinality");
          if (ordinality) k += 2;
          if (isWord(ts[k], "as")) k++;
          const alias = ts[k];
          if (!ordinality && args.length === 1 && isIdent(alias) && isOp(ts[k + 1], "(")) {
            const colsEnd = matching(ts, k + 1);
            const cols = splitArgs(ts, k + 2, colsEnd);
            if (cols.length > 1) {
              const s0 = ts.indexOf(args[0][0]);
              const names = cols.map((c) => quoteIdent(identName(c[0]))).join(", ");
              out.push(`LATERAL (SELECT __u.* FROM (SELECT unnest(${walk(s0, s0 + args[0].length)}) AS __u)) AS ${quoteIdent(identName(alias))}(${names})`);
              i = colsEnd;
              continue;
            }
          }
        }
        if ((w === "cast" || w === "try_cast") && isOp(ts[i + 1], "(")) {
          const end = matching(ts, i + 1);
          let asAt = -1;
          let depth = 0;
          for (let k = i + 2; k < end; k++) {
            if (isOp(ts[k], "(") || isOp(ts[k], "[")) depth++;
            if (isOp(ts[k], ")") || isOp(ts[k], "]")) depth--;
            if (depth === 0 && isWord(ts[k], "as")) asAt = k;
          }
          if (asAt < 0) throw new AthenaQueryError("SYNTAX_ERROR", `${lineCol(sql, t.pos)}: mismatched input ')'. Expecting: 'AS'`);
          const target = ts.slice(asAt + 1, end);
          checkType(sql, ts, asAt + 1, end);
          // IPADDRESS has no DuckDB type here: IPv4 addresses become comparable numbers (NULL for anything else).
          if (target.length === 1 && isWord(target[0], "ipaddress")) out.push(`__ipaddress(${walk(i + 2, asAt)})`);
          else out.push(`${w.toUpperCase()}(${walk(i + 2, asAt)} AS ${translateType(target)})`);
          i = end;
          continue;
        }
        if (w === "ipaddress" && ts[i + 1]?.kind === "string") {
          out.push(`__ipaddress(${ts[i + 1].text})`);
          i++;
          continue;
        }
        const fn = FUNCTIONS[w];
        // agg(x) FILTER (WHERE …) is a clause, not Trino's filter(array, lambda).
        if (fn && isOp(ts[i + 1], "(") && !(w === "filter" && isOp(prev, ")"))) {
          const end = matching(ts, i + 1);
          const raw = splitArgs(ts, i + 2, end);
          const args = raw.map((r) => {
            const s = ts.indexOf(r[0]);
            return r.length ? walk(s, s + r.length) : "";
          });
          out.push(fn(args, raw));
          i = end;
          continue;
        }
      }
      // A table reference: db.table or table, after FROM/JOIN (materialized before the query runs).
      if (isIdent(t) && !isOp(prev, ".") && !isOp(ts[i + 1], "(")) {
        const chain = isOp(ts[i + 1], ".") && isIdent(ts[i + 2]) && !isOp(ts[i + 3], ".") ? [t, ts[i + 2]] : [t];
        const db = chain.length === 2 ? identName(chain[0]) : opts.defaultDb;
        const name = identName(chain[chain.length - 1]);
        const inFrom = isWord(prev, "from", "join") || (isOp(prev, ",") && inFromClause(ts, i));
        if (inFrom && db === "information_schema") {
          // Athena's information_schema describes the catalog, not DuckDB's internals.
          const view = opts.infoSchema?.(name);
          if (!view) throw new AthenaQueryError("TABLE_NOT_FOUND", `${lineCol(sql, t.pos)}: Table 'awsdatacatalog.information_schema.${name}' does not exist`);
          const next = ts[i + chain.length * 2 - 1];
          const hasAlias = isWord(next, "as") || (isIdent(next) && !isWord(next, ...CLAUSE_WORDS));
          out.push(hasAlias ? `(${view})` : `(${view}) AS ${quoteIdent(name)}`);
          i += chain.length * 2 - 2;
          continue;
        }
        const kind = chain.length === 2 && !opts.dbExists(db) ? undefined : opts.lookup(db, name);
        if (kind && (chain.length === 2 || !ctes.has(name) || !inFrom)) {
          refs.push({ db, name });
          if (inFrom) {
            const rel = opts.relation({ db, name }, usesPath && kind === "table");
            const next = ts[i + chain.length * 2 - 1];
            const hasAlias = isWord(next, "as") || (isIdent(next) && !isWord(next, ...CLAUSE_WORDS));
            out.push(hasAlias ? rel : `${rel} AS ${quoteIdent(name)}`);
            i += chain.length * 2 - 2;
            continue;
          }
        } else if (inFrom && !ctes.has(name)) {
          if (chain.length === 2 && !opts.dbExists(db)) throw new AthenaQueryError("SCHEMA_NOT_FOUND", `${lineCol(sql, t.pos)}: Schema '${db}' does not exist`);
          throw new AthenaQueryError("TABLE_NOT_FOUND", `${lineCol(sql, t.pos)}: Table 'awsdatacatalog.${db}.${name}' does not exist`);
        }
      }
      out.push(t.kind === "bident" ? quoteIdent(t.text.slice(1, -1)) : t.text);
    }
    return out.join(" ");
  };
  const out = walk(0, ts.length);
  if (opts.params && paramIndex !== opts.params.length) {
    throw new AthenaQueryError("INVALID_PARAMETER", `Incorrect number of parameters: expected ${paramIndex} but found ${opts.params.length}`);
  }
  return { sql: out, refs, aliases };
}

const CLAUSE_WORDS = [
  "where",
  "group",
  "order",
  "limit",
  "having",
  "join",
  "inner",
  "left",
  "right",
  "full",
  "cross",
  "on",
  "using",
  "union",
  "except",
  "intersect",
  "window",
  "offset",
  "fetch",
  "natural",
  "tablesample",
];

function matchingSafe(ts: Token[], open: number): number {
  try {
    return matching(ts, open);
  } catch {
    return ts.length;
  }
}

/** Whether a comma at i sits in a FROM list (walks back to the nearest FROM/SELECT at the same depth). */
function inFromClause(ts: Token[], i: number): boolean {
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    if (isOp(ts[k], ")")) depth++;
    else if (isOp(ts[k], "(")) {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && isWord(ts[k], "from")) return true;
    else if (depth === 0 && isWord(ts[k], "select", "where", "on", "group", "order", "by")) return false;
  }
  return false;
}
