/**
 * Trino (Athena engine 3) SELECT → DuckDB SQL, by rewriting tokens: calls of Trino's functions (to the engine's
 * `trino` macros, functions.ts's registry, or a rewrite below where a macro cannot do), type names, the emulator
 * clock for now(), `?` parameters, catalog prefixes, literals typed as Trino types them. It also refuses
 * DuckDB-only escape hatches (COPY, ATTACH, PRAGMA, file paths, …) and every function call that is not on
 * Athena's allow-list before anything reaches DuckDB. The SQL it returns carries a map back to the student's text,
 * so that DuckDB's errors are reported where the student wrote the offending part (errors.ts).
 */
import { jodaToStrftime, mysqlToStrftime } from "./datetime-formats.ts";
import { allowedFunctions, type FunctionEntry, functionRegistry, PARAMETERIZED_TYPES, SQL_WORDS } from "./functions.ts";
import { lambdaParams, placeOf, queryLevels } from "./structure.ts";
import { identName, isIdent, isOp, isWord, lineCol, quoteIdent, quoteString, significant, stringValue, type Token, tokenize } from "./tokens.ts";
import { TRINO_MACROS } from "./trino-macros.ts";
import { decimalLiteralType, literalType } from "./trino-types.ts";

export { jodaToStrftime, mysqlToStrftime };

/** What Athena adds to Trino's "Column 'x' cannot be resolved". */
export const COLUMN_NOT_FOUND_SUFFIX = "cannot be resolved or requester is not authorized to access requested resources";

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
  /** A catalog table's column names (partition keys included), lowercase; undefined when unknown. */
  columns?: (db: string, name: string) => string[] | undefined;
}

/** Offsets in the translated SQL, each with the offset in the student's SQL of the token written there. */
export type SourceMap = [out: number, src: number][];

export interface Translation {
  sql: string;
  refs: TableRef[];
  aliases: Set<string>;
  /** Ascending by output offset. */
  map: SourceMap;
  /** The `trino` macros the SQL calls (the engine defines each on first use). */
  macros: Set<string>;
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

/** Calls whose parentheses hold a FROM of their own. */
const FROM_CALLS = new Set(["extract", "trim", "substring"]);

/** The name of the call whose parentheses hold token i (lowercase), if they are a call's. */
function enclosingCall(ts: Token[], i: number): string | undefined {
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    if (isOp(ts[k], ")")) depth++;
    else if (isOp(ts[k], "(")) {
      if (depth === 0) return isIdent(ts[k - 1]) ? identName(ts[k - 1]) : undefined;
      depth--;
    }
  }
  return undefined;
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
    // FROM inside EXTRACT/TRIM/SUBSTRING(… FROM …) is an argument, not a table.
    if (isWord(t, "from", "join") && ts[i + 1] && !FROM_CALLS.has(enclosingCall(ts, i) ?? "")) {
      const n = ts[i + 1];
      // DuckDB would scan a file named by a string or a path-like quoted name; Athena has only catalog tables.
      if (n.kind === "string" || ((n.kind === "qident" || n.kind === "bident") && /[/\\:]|\.(csv|json|parquet|gz|txt|tsv|ndjson|db|duckdb)/i.test(n.text))) {
        refuse(sql, n, "Reading files");
      }
    }
    if (t.kind === "op" && t.text === "$" && !isOp(ts[i - 1], "'")) refuse(sql, t, "'$' parameters");
  }
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

/** What a rewrite may do besides reading its arguments: translate tokens with lambda parameters replaced. */
interface RewriteContext {
  /** Tokens translated, identifiers named in `subst` replaced by the given SQL. */
  walk(tokens: Token[], subst?: Record<string, string>): string;
  /** A name for a lambda parameter of our own, unique in the query. */
  fresh(): string;
  /** The source-map marker of a token (put before text written for it). */
  mark(t: Token): string;
}

type Rewriter = (args: string[], raw: Token[][], x: RewriteContext) => string;

const literal = (raw: Token[] | undefined): string | undefined => (raw && raw.length === 1 && raw[0].kind === "string" ? stringValue(raw[0]) : undefined);

/** Whether the expression is a date by its text: a DATE literal, current_date, date(…), a CAST to date, … */
function dateValued(raw: Token[] | undefined): boolean {
  if (!raw?.length) return false;
  if (literalType(raw) === "date") return true;
  if (raw.length === 1 && isWord(raw[0], "current_date")) return true;
  return isWord(raw[0], "date", "from_iso8601_date", "last_day_of_month") && isOp(raw[1], "(") && isOp(raw[raw.length - 1], ")");
}

/** A lambda's parameters and body: `x -> body`, `(k, v) -> body`. */
function lambda(raw: Token[] | undefined): { params: string[]; body: Token[] } | undefined {
  if (!raw) return undefined;
  const arrow = raw.findIndex((t) => isOp(t, "->"));
  if (arrow < 0) return undefined;
  const params = raw
    .slice(0, arrow)
    .filter(isIdent)
    .map((t) => identName(t));
  return { params, body: raw.slice(arrow + 1) };
}

function lambdaArg(raw: Token[] | undefined, name: string, arity: number): { params: string[]; body: Token[] } {
  const l = lambda(raw);
  if (!l || l.params.length !== arity) {
    throw new AthenaQueryError(
      "FUNCTION_NOT_FOUND",
      `Unexpected parameters for function ${name}: a lambda of ${arity} argument${arity === 1 ? "" : "s"} is expected`,
    );
  }
  return l;
}

/**
 * Calls a macro cannot express: a lambda argument (DuckDB macros take none), an argument read as text at translation
 * (date formats, JSON paths, time units), or Trino syntax inside the parentheses (listagg's WITHIN GROUP is handled
 * in the walk). Everything else is a `trino` macro (trino-macros.ts) or DuckDB's function of the same name.
 */
const FUNCTIONS: Record<string, Rewriter> = {
  json_extract_scalar: (a, r) => `__json_extract_scalar(${a[0]}, ${pathArg(a[1], r[1])})`,
  json_extract: (a, r) => `json_extract(${a[0]}, ${pathArg(a[1], r[1])})`,
  json_size: (a, r) => `__json_size(${a[0]}, ${pathArg(a[1], r[1])})`,
  // SQL/JSON path modes: DuckDB's paths have none.
  json_exists: (a, r) => `json_exists(${a[0]}, ${sqlJsonPath(a[1], r[1])})`,
  json_value: (a, r) => `(json_value(${a[0]}, ${sqlJsonPath(a[1], r[1])}) ->> '$')`,
  json_query: (a, r) => `CAST(json_extract(${a[0]}, ${sqlJsonPath(a[1], r[1])}) AS VARCHAR)`,
  date_format: (a, r) => `strftime(${a[0]}, ${fmtArg(a[1], r[1], mysqlToStrftime)})`,
  date_parse: (a, r) => `strptime(${a[0]}, ${fmtArg(a[1], r[1], mysqlToStrftime)})`,
  format_datetime: (a, r) => `strftime(${a[0]}, ${fmtArg(a[1], r[1], jodaToStrftime)})`,
  // Trino's parse_datetime answers a timestamp with time zone (UTC here).
  parse_datetime: (a, r) => `CAST(strptime(${a[0]}, ${fmtArg(a[1], r[1], jodaToStrftime)}) AS TIMESTAMPTZ)`,
  date_add: (a, r) => {
    const unit = literal(r[0])?.toLowerCase();
    if (a.length !== 3 || !unit || !UNITS[unit]) throw new AthenaQueryError("INVALID_FUNCTION_ARGUMENT", `'${unit}' is not a valid Time field`);
    const sum = `(${a[2]} + (${a[1]}) * INTERVAL ${UNITS[unit]})`;
    // DuckDB's DATE + INTERVAL is a TIMESTAMP; Trino's date_add keeps a date a date (known here from the text only).
    return dateValued(r[2]) ? `CAST(${sum} AS DATE)` : sum;
  },
  contains: (a, r) => {
    const cidr = literal(r[0]);
    // contains('10.0.0.0/8', CAST(ip AS IPADDRESS)): Trino's CIDR membership.
    if (cidr !== undefined && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) return `__cidr_contains(${a[0]}, ${a[1]})`;
    return `list_contains(${a.join(", ")})`;
  },
  // Named fields: DuckDB's anonymous structs would collapse to one key when converted for output.
  row: (a) => `struct_pack(${a.map((x, i) => `field${i} := ${x}`).join(", ")})`,
  // typeof: the literal's type when the text fixes it (DuckDB has no varchar(n)), else the value's, in Trino's words.
  typeof: (a, r) => {
    const t = r.length === 1 ? literalType(r[0]) : undefined;
    return t !== undefined ? quoteString(t) : `__trino_type_name(typeof(${a[0]}))`;
  },
  // Lambdas: DuckDB's list functions take them as they are written; two-parameter lambdas over map entries or
  // two arrays are rewritten into one parameter whose fields the body reads.
  transform: (a) => `list_transform(${a[0]}, ${a[1]})`,
  filter: (a) => `list_filter(${a[0]}, ${a[1]})`,
  any_match: (a) => `coalesce(list_bool_or(list_transform(${a[0]}, ${a[1]})), false)`,
  all_match: (a) => `coalesce(list_bool_and(list_transform(${a[0]}, ${a[1]})), true)`,
  none_match: (a) => `NOT coalesce(list_bool_or(list_transform(${a[0]}, ${a[1]})), false)`,
  reduce: (a, r, x) => {
    const input = lambdaArg(r[2], "reduce", 2);
    const output = lambdaArg(r[3], "reduce", 1);
    const state = x.fresh();
    const element = x.fresh();
    const step = x.walk(input.body, { [input.params[0]]: state, [input.params[1]]: element });
    return `(${x.walk(output.body, { [output.params[0]]: `list_reduce(${a[0]}, (${state}, ${element}) -> ${step}, ${a[1]})` })})`;
  },
  zip_with: (a, r, x) => {
    const f = lambdaArg(r[2], "zip_with", 2);
    const i = x.fresh();
    const body = x.walk(f.body, { [f.params[0]]: `(${a[0]})[${i}]`, [f.params[1]]: `(${a[1]})[${i}]` });
    return `list_transform(range(1, greatest(len(${a[0]}), len(${a[1]})) + 1), ${i} -> ${body})`;
  },
  map_filter: (a, r, x) => {
    const f = lambdaArg(r[1], "map_filter", 2);
    const e = x.fresh();
    return `map_from_entries(list_filter(map_entries(${a[0]}), ${e} -> ${x.walk(f.body, { [f.params[0]]: `${e}.key`, [f.params[1]]: `${e}.value` })}))`;
  },
  transform_keys: (a, r, x) => {
    const f = lambdaArg(r[1], "transform_keys", 2);
    const e = x.fresh();
    const key = x.walk(f.body, { [f.params[0]]: `${e}.key`, [f.params[1]]: `${e}.value` });
    return `map_from_entries(list_transform(map_entries(${a[0]}), ${e} -> struct_pack(k := ${key}, v := ${e}.value)))`;
  },
  transform_values: (a, r, x) => {
    const f = lambdaArg(r[1], "transform_values", 2);
    const e = x.fresh();
    const value = x.walk(f.body, { [f.params[0]]: `${e}.key`, [f.params[1]]: `${e}.value` });
    return `map_from_entries(list_transform(map_entries(${a[0]}), ${e} -> struct_pack(k := ${e}.key, v := ${value})))`;
  },
};

/** Rewrites that translate their lambda arguments themselves, with the lambda's parameters replaced. */
const SUBSTITUTING = new Set(["reduce", "zip_with", "map_filter", "transform_keys", "transform_values"]);

/** Calls the walk rewrites itself, for syntax around the call (listagg's WITHIN GROUP). */
const WALK_REWRITES = ["listagg"];

/** Every Trino function and how it answers here (functions.ts): the source of the allow-list and of docs/athena.md. */
export const FUNCTION_REGISTRY: FunctionEntry[] = functionRegistry([...Object.keys(FUNCTIONS), ...WALK_REWRITES]);

/** Every function a query may call. */
const ALLOWED = allowedFunctions(FUNCTION_REGISTRY);

/** EXTRACT fields whose meaning or name differs in DuckDB (Trino's DOW is ISO: Monday 1 … Sunday 7). */
const EXTRACT_FIELDS: Record<string, string> = {
  dow: "isodow",
  day_of_week: "isodow",
  day_of_month: "day",
  day_of_year: "doy",
  year_of_week: "isoyear",
  yow: "isoyear",
};

/** Words that are not a column where an identifier stands (keywords of expressions). */
const EXPRESSION_WORDS = new Set([
  "and",
  "or",
  "not",
  "is",
  "null",
  "true",
  "false",
  "in",
  "like",
  "between",
  "case",
  "when",
  "then",
  "else",
  "end",
  "exists",
  "escape",
  "interval",
  "distinct",
  "from",
  "by",
  "asc",
  "desc",
  "nulls",
  "first",
  "last",
  "at",
  "time",
  "zone",
  "as",
  "array",
  "row",
  "map",
  "date",
  "timestamp",
  "ipaddress",
  "rollup",
  "cube",
  "grouping",
  "sets",
  "all",
  "any",
  "some",
  "over",
  "partition",
  "filter",
  "within",
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "current_schema",
  "current_catalog",
]);

/** Where a marker in the translated text says which offset of the student's SQL the next token comes from. */
const MARK_OPEN = "\ue000";
const MARK_CLOSE = "\ue001";
const MARKS = new RegExp(`${MARK_OPEN}(\\d+)${MARK_CLOSE}`, "g");

function sqlJsonPath(a: string | undefined, raw: Token[] | undefined): string {
  const lit = literal(raw);
  if (lit === undefined) return a ?? "'$'";
  return quoteString(jsonPath(lit.replace(/^\s*(lax|strict)\s+/i, "")));
}

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

/**
 * Unqualified names in WHERE, GROUP BY and HAVING that a SELECT alias of the same level also bears. Trino resolves
 * them to input columns only (an alias there is COLUMN_NOT_FOUND); DuckDB would bind the alias (in HAVING, even over a
 * column). Qualified with their relation, DuckDB binds them as Trino does, or fails where Trino fails. Token index →
 * the relation name to qualify with. In HAVING DuckDB reports any ungrouped name as such, existing or not: a name
 * the relations are known not to have fails here, as Trino fails it.
 */
function aliasReferences(sql: string, ts: Token[], opts: TranslateOptions, ctes: Set<string>): Map<number, string> {
  const out = new Map<number, string>();
  const levels = queryLevels(ts);
  for (const level of levels) {
    if (!level.aliases.size || !level.relations.length) continue;
    const known = level.relations.map((rel) => {
      if (rel.columns) return rel.columns;
      // A WITH query of that name hides the catalog's table.
      if (rel.table && !(rel.table.db === undefined && ctes.has(rel.table.name))) return opts.columns?.(rel.table.db ?? opts.defaultDb, rel.table.name);
      return undefined;
    });
    for (const clause of level.clauses) {
      if (clause.kind !== "where" && clause.kind !== "group" && clause.kind !== "having") continue;
      const params = lambdaParams(ts, clause.start, clause.end);
      for (let i = clause.start; i < clause.end; i++) {
        const t = ts[i];
        if (!isIdent(t) || isOp(ts[i - 1], ".") || isOp(ts[i + 1], "(") || isOp(ts[i + 1], "->")) continue;
        const name = identName(t);
        if (!level.aliases.has(name) || params.has(name)) continue;
        if (t.kind === "ident" && EXPRESSION_WORDS.has(name)) continue;
        // EXTRACT(field FROM …), CAST(… AS type), INTERVAL '1' DAY: not names.
        if (isWord(ts[i - 1], "as") || ts[i - 1]?.kind === "string" || (isOp(ts[i - 1], "(") && isWord(ts[i - 2], "extract"))) continue;
        if (placeOf(levels, i)?.level !== level) continue;
        // A relation's own name (t.x) is not a column.
        if (level.relations.some((r) => r.name === name) && isOp(ts[i + 1], ".")) continue;
        let rel = level.relations.length === 1 ? level.relations[0].name : undefined;
        const holders = level.relations.filter((_, k) => known[k]?.includes(name));
        if (level.relations.length > 1 && known.every((k) => k)) rel = (holders.length === 1 ? holders[0] : level.relations[0]).name;
        if (clause.kind === "having" && !holders.length && known.every((k) => k)) {
          const chain = [t];
          for (let k = i; isOp(ts[k + 1], ".") && isIdent(ts[k + 2]); k += 2) chain.push(ts[k + 2]);
          throw new AthenaQueryError("COLUMN_NOT_FOUND", `${lineCol(sql, t.pos)}: Column '${chain.map(identName).join(".")}' ${COLUMN_NOT_FOUND_SUFFIX}`);
        }
        if (rel) out.set(i, rel);
      }
    }
  }
  return out;
}

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
  const qualify = aliasReferences(sql, ts, opts, ctes);
  // A marker before each token written out maps the output back to the student's text; a statement that already
  // holds our marker characters gets no map rather than a wrong one.
  const marking = !sql.includes(MARK_OPEN) && !sql.includes(MARK_CLOSE);
  const mark = (t: Token) => (marking ? `${MARK_OPEN}${t.pos}${MARK_CLOSE}` : "");
  let paramIndex = 0;
  let freshNames = 0;
  const macros = new Set<string>();
  /** Lambda parameters being replaced (reduce, zip_with, map_filter, …). */
  let subst: Record<string, string> = {};
  const indexOf = (t: Token): number => ts.indexOf(t);
  const rewriteContext: RewriteContext = {
    walk: (tokens, replace = {}) => {
      if (!tokens.length) return "";
      const saved = subst;
      subst = { ...subst, ...replace };
      try {
        const s = indexOf(tokens[0]);
        return walk(s, s + tokens.length);
      } finally {
        subst = saved;
      }
    },
    fresh: () => `__l${freshNames++}`,
    mark: (t) => mark(t),
  };

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
        out.push(`${mark(t)}(${p})`);
        continue;
      }
      if (isIdent(t) && !isOp(prev, ".") && !isOp(ts[i + 1], "(") && !isOp(ts[i + 1], "->") && Object.hasOwn(subst, identName(t))) {
        out.push(`${mark(t)}(${subst[identName(t)]})`);
        continue;
      }
      if (t.kind === "number") {
        // Trino types 0.1 as decimal(1,1) (DuckDB: DECIMAL(2,1)): the literal keeps Trino's type.
        const dec = decimalLiteralType(t.text);
        out.push(dec ? `${mark(t)}CAST(${t.text} AS DECIMAL(${dec[0]},${dec[1]}))` : `${mark(t)}${t.text}`);
        continue;
      }
      const rel = qualify.get(i);
      if (rel !== undefined) {
        out.push(`${mark(t)}${quoteIdent(rel)}.${t.kind === "bident" ? quoteIdent(t.text.slice(1, -1)) : t.text}`);
        continue;
      }
      if (t.kind === "ident" && !isOp(prev, ".")) {
        const w = t.text.toLowerCase();
        if (w === "current_timestamp" && !isOp(ts[i + 1], "(")) {
          out.push(`${mark(t)}TIMESTAMPTZ '${fmtTs(opts.now)}'`);
          continue;
        }
        if (w === "localtimestamp" && !isOp(ts[i + 1], "(")) {
          out.push(`${mark(t)}TIMESTAMP '${fmtTs(opts.now).slice(0, -3)}'`);
          continue;
        }
        if (w === "current_date" && !isOp(ts[i + 1], "(")) {
          out.push(`${mark(t)}DATE '${opts.now.toISOString().slice(0, 10)}'`);
          continue;
        }
        if ((w === "current_time" || w === "localtime") && !isOp(ts[i + 1], "(")) {
          const time = opts.now.toISOString().slice(11, 23);
          out.push(w === "localtime" ? `${mark(t)}TIME '${time}'` : `${mark(t)}TIMETZ '${time}+00'`);
          continue;
        }
        if (w === "current_schema" && !isOp(ts[i + 1], "(")) {
          out.push(`${mark(t)}${quoteString(opts.defaultDb)}`);
          continue;
        }
        if (w === "current_catalog" && !isOp(ts[i + 1], "(")) {
          out.push(`${mark(t)}'awsdatacatalog'`);
          continue;
        }
        if (w === "now" && isOp(ts[i + 1], "(") && isOp(ts[i + 2], ")")) {
          out.push(`${mark(t)}TIMESTAMPTZ '${fmtTs(opts.now)}'`);
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
            const s = indexOf(r[0]);
            return `(${walk(s, s + r.length)})`;
          });
          out.push(`${mark(t)}VALUES ${items.join(", ")}`);
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
              const s0 = indexOf(args[0][0]);
              const names = cols.map((c) => quoteIdent(identName(c[0]))).join(", ");
              out.push(
                `${mark(t)}LATERAL (SELECT __u.* FROM (SELECT unnest(${walk(s0, s0 + args[0].length)}) AS __u)) AS ${quoteIdent(identName(alias))}(${names})`,
              );
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
          out.push(mark(t) + castSql(w, ts.slice(i + 2, asAt), target, rewriteContext));
          i = end;
          continue;
        }
        if (w === "extract" && isOp(ts[i + 1], "(") && isIdent(ts[i + 2]) && isWord(ts[i + 3], "from")) {
          const field = identName(ts[i + 2]);
          out.push(`${mark(t)}extract(${EXTRACT_FIELDS[field] ?? field}`);
          i += 2;
          continue;
        }
        if (w === "listagg" && isOp(ts[i + 1], "(")) {
          out.push(mark(t) + listagg(ts, i, rewriteContext, (end) => (i = end)));
          continue;
        }
        if (w === "ipaddress" && ts[i + 1]?.kind === "string") {
          out.push(`${mark(t)}__ipaddress(${ts[i + 1].text})`);
          i++;
          continue;
        }
        const fn = FUNCTIONS[w];
        // agg(x) FILTER (WHERE …) is a clause, not Trino's filter(array, lambda).
        if (fn && isOp(ts[i + 1], "(") && !(w === "filter" && isOp(prev, ")"))) {
          const end = matching(ts, i + 1);
          const raw = splitArgs(ts, i + 2, end);
          // A lambda the rewrite walks itself (its parameters replaced) is not walked twice: `?` would count twice.
          const args = raw.map((r) => {
            const s = indexOf(r[0]);
            return r.length && !(SUBSTITUTING.has(w) && r.some((x) => isOp(x, "->"))) ? walk(s, s + r.length) : "";
          });
          out.push(mark(t) + fn(args, raw, rewriteContext));
          i = end;
          continue;
        }
        // A Trino function the engine defines as a macro of its schema.
        if (Object.hasOwn(TRINO_MACROS, w) && isOp(ts[i + 1], "(") && ALLOWED.has(w)) {
          macros.add(w);
          out.push(`${mark(t)}trino.${w}`);
          continue;
        }
      }
      // A table reference: db.table or table, after FROM/JOIN (materialized before the query runs).
      if (isIdent(t) && !isOp(prev, ".") && !isOp(ts[i + 1], "(")) {
        const chain = isOp(ts[i + 1], ".") && isIdent(ts[i + 2]) && !isOp(ts[i + 3], ".") ? [t, ts[i + 2]] : [t];
        const db = chain.length === 2 ? identName(chain[0]) : opts.defaultDb;
        const name = identName(chain[chain.length - 1]);
        const inFrom =
          isWord(prev, "join") || (isWord(prev, "from") && !FROM_CALLS.has(enclosingCall(ts, i - 1) ?? "")) || (isOp(prev, ",") && inFromClause(ts, i));
        if (inFrom && db === "information_schema") {
          // Athena's information_schema describes the catalog, not DuckDB's internals.
          const view = opts.infoSchema?.(name);
          if (!view) throw new AthenaQueryError("TABLE_NOT_FOUND", `${lineCol(sql, t.pos)}: Table 'awsdatacatalog.information_schema.${name}' does not exist`);
          const next = ts[i + chain.length * 2 - 1];
          const hasAlias = isWord(next, "as") || (isIdent(next) && !isWord(next, ...CLAUSE_WORDS));
          out.push(mark(t) + (hasAlias ? `(${view})` : `(${view}) AS ${quoteIdent(name)}`));
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
            out.push(mark(t) + (hasAlias ? rel : `${rel} AS ${quoteIdent(name)}`));
            i += chain.length * 2 - 2;
            continue;
          }
        } else if (inFrom && !ctes.has(name)) {
          if (chain.length === 2 && !opts.dbExists(db)) throw new AthenaQueryError("SCHEMA_NOT_FOUND", `${lineCol(sql, t.pos)}: Schema '${db}' does not exist`);
          throw new AthenaQueryError("TABLE_NOT_FOUND", `${lineCol(sql, t.pos)}: Table 'awsdatacatalog.${db}.${name}' does not exist`);
        }
      }
      out.push(mark(t) + (t.kind === "bident" ? quoteIdent(t.text.slice(1, -1)) : t.text));
    }
    return out.join(" ");
  };
  const marked = walk(0, ts.length);
  if (opts.params && paramIndex !== opts.params.length) {
    throw new AthenaQueryError("INVALID_PARAMETER", `Incorrect number of parameters: expected ${paramIndex} but found ${opts.params.length}`);
  }
  const { text, map } = unmark(marked);
  return { sql: text, refs, aliases, map, macros };
}

/** The translated text without its markers, and where each marked token landed. */
function unmark(marked: string): { text: string; map: SourceMap } {
  const map: SourceMap = [];
  let text = "";
  let last = 0;
  for (const m of marked.matchAll(MARKS)) {
    text += marked.slice(last, m.index);
    map.push([text.length, Number(m[1])]);
    last = (m.index as number) + m[0].length;
  }
  text += marked.slice(last);
  return { text, map };
}

/** The student's offset of the token written at `out` in the translated SQL (the nearest marked token at or before it). */
export function sourceOffset(map: SourceMap, out: number): number | undefined {
  let lo = 0;
  let hi = map.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map[mid][0] <= out) {
      found = map[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Whether the value is JSON (json_parse(…), json_extract(…), CAST(… AS JSON), JSON '…'): it casts to ROW by field name. */
function jsonValued(value: Token[]): boolean {
  const head = value[0];
  if (!head) return false;
  if (isWord(head, "json") && value[1]?.kind === "string" && value.length === 2) return true;
  if (isWord(head, "json_parse", "json_extract", "json_query") && isOp(value[1], "(")) return true;
  if (isWord(head, "cast", "try_cast") && isOp(value[1], "(")) {
    const last = value[value.length - 2];
    return isWord(last, "json") && isWord(value[value.length - 3], "as");
  }
  return false;
}

/** A ROW target's fields: names and types as written. */
function rowFields(target: Token[]): { name: string; type: Token[] }[] | undefined {
  if (!isWord(target[0], "row") || !isOp(target[1], "(") || !isOp(target[target.length - 1], ")")) return undefined;
  const parts = splitArgs(target, 2, target.length - 1);
  const out: { name: string; type: Token[] }[] = [];
  for (const p of parts) {
    if (p.length < 2 || !isIdent(p[0])) return undefined;
    out.push({ name: identName(p[0]), type: p.slice(1) });
  }
  return out;
}

/**
 * CAST and TRY_CAST. Trino casts a ROW by position, whatever its fields are named; DuckDB by name (an unnamed
 * ROW(…) by position). A ROW(…) literal keeps DuckDB's unnamed ROW; another value has each field rebuilt in order.
 * IPADDRESS has no DuckDB type here: IPv4 addresses become comparable numbers (NULL for anything else).
 */
function castSql(w: string, value: Token[], target: Token[], x: RewriteContext): string {
  if (target.length === 1 && isWord(target[0], "ipaddress")) return `__ipaddress(${x.walk(value)})`;
  const fn = w.toUpperCase();
  const fields = rowFields(target);
  const arrayOfRows = isWord(target[0], "array") && (isOp(target[1], "(") || isOp(target[1], "<")) && rowFields(target.slice(2, -1));
  // The type carries its own marker: DuckDB's "Type with name … does not exist" points there.
  const type = (t: Token[]) => `${x.mark(t[0])}${translateType(t)}`;
  if ((!fields && !arrayOfRows) || jsonValued(value)) return `${fn}(${x.walk(value)} AS ${type(target)})`;
  if (fields && isWord(value[0], "row") && isOp(value[1], "(") && isOp(value[value.length - 1], ")") && matchingSafe(value, 1) === value.length - 1) {
    const items = splitArgs(value, 2, value.length - 1).map((p) => x.walk(p));
    return `${fn}(ROW(${items.join(", ")}) AS ${type(target)})`;
  }
  const rebuild = (v: string, f: { name: string; type: Token[] }[]): string => {
    const parts = f.map((field, k) => {
      const inner = `struct_extract_at(${v}, ${k + 1})`;
      const sub = rowFields(field.type);
      return `${quoteIdent(field.name)} := ${sub ? rebuild(inner, sub) : `${fn}(${inner} AS ${translateType(field.type)})`}`;
    });
    return `CASE WHEN (${v}) IS NULL THEN NULL ELSE struct_pack(${parts.join(", ")}) END`;
  };
  const v = `(${x.walk(value)})`;
  if (fields) return rebuild(v, fields);
  const e = x.fresh();
  return `list_transform(${v}, ${e} -> ${rebuild(e, arrayOfRows as { name: string; type: Token[] }[])})`;
}

/** listagg(x, sep) WITHIN GROUP (ORDER BY …) → string_agg(x, sep ORDER BY …); calls `done` with the last token used. */
function listagg(ts: Token[], i: number, x: RewriteContext, done: (end: number) => void): string {
  const end = matching(ts, i + 1);
  const args = splitArgs(ts, i + 2, end);
  // ON OVERFLOW … is Trino's; DuckDB has no limit to overflow.
  const last = args[args.length - 1];
  const overflow = last?.findIndex((t) => isWord(t, "on")) ?? -1;
  if (overflow >= 0) args[args.length - 1] = last.slice(0, overflow);
  const parts = args.map((a) => x.walk(a));
  let order = "";
  let stop = end;
  if (isWord(ts[end + 1], "within") && isWord(ts[end + 2], "group") && isOp(ts[end + 3], "(")) {
    const close = matching(ts, end + 3);
    order = ` ${x.walk(ts.slice(end + 4, close))}`;
    stop = close;
  }
  done(stop);
  return `string_agg(${parts.join(", ")}${order})`;
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
