/**
 * DuckDB's errors in Athena's terms: one table of DuckDB error kinds (exception type, subtype, the message's shape)
 * → Athena error code and Trino's message, placed where Trino places it. DuckDB reports a byte offset in the SQL it
 * ran; the translation's source map (translate.ts) turns it into the student's line:column. Where DuckDB gives no
 * offset, the reference is looked for in the student's SQL in the order Trino's analyzer meets it (structure.ts:
 * FROM, WHERE, SELECT, GROUP BY, HAVING, ORDER BY), so the first offending reference is the one reported.
 */
import { DuckError, type DuckErrorInfo } from "./duckproc.ts";
import { dottedChain, evaluationOrder, queryLevels } from "./sql/structure.ts";
import { identName, isIdent, isOp, isWord, lineCol, SqlSyntaxError, significant, type Token, tokenize } from "./sql/tokens.ts";
import { AthenaQueryError, COLUMN_NOT_FOUND_SUFFIX, type SourceMap, sourceOffset } from "./sql/translate.ts";
import { trinoTypeName } from "./sql/trino-types.ts";

/** A DuckDB error with what is needed to place it in the student's SQL. */
export class EngineFailure extends Error {
  constructor(
    readonly duck: DuckError,
    /** The SQL DuckDB ran (the translation, or a statement around it). */
    readonly executed: string,
    /** The translation and its map back to the student's SQL. */
    readonly translated: string,
    readonly map: SourceMap,
    /** The student's SQL that was translated (a CTAS's SELECT is part of its statement). */
    readonly source: string,
  ) {
    super(duck.message);
  }
}

/** What a rule reads: the student's SQL and its tokens, DuckDB's fields, and the student's offset DuckDB pointed at. */
interface Failure {
  sql: string;
  tokens: Token[];
  info: DuckErrorInfo;
  message: string;
  /** The student's offset of what DuckDB's position points at, when DuckDB gave one. */
  at?: number;
}

interface Rule {
  /** DuckDB's exception type (errors_as_json's exception_type) the rule is for. */
  type: string;
  subtype?: string;
  message?: RegExp;
  /** Athena's error code. */
  code: string;
  /**
   * Trino's message and where it points: an offset in the student's SQL (undefined: the statement's start), or null
   * for an error of the run rather than of the query's analysis, which Trino reports without a place.
   */
  render: (f: Failure, m: RegExpExecArray) => { text: string; at?: number | null };
}

const COLUMN_SUFFIX = COLUMN_NOT_FOUND_SUFFIX;

/** A dotted name's text as Trino prints it in COLUMN_NOT_FOUND (QualifiedName: lowercase parts). */
const qualifiedName = (chain: Token[]) => chain.map((t) => identName(t)).join(".");

/** Token index at a student offset. */
const tokenAt = (ts: Token[], at: number | undefined) => (at === undefined ? -1 : ts.findIndex((t) => t.pos === at));

/** Every dotted reference (a, a.b, a.b.c) in the student's SQL, by the index of its first token; calls and aliases left out. */
function references(ts: Token[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    if (!isIdent(ts[i]) || isOp(ts[i - 1], ".") || isWord(ts[i - 1], "as")) continue;
    const chain = dottedChain(ts, i);
    if (isOp(ts[i + chain.length * 2 - 1], "(")) continue;
    out.push(i);
  }
  return out;
}

/** The first reference, in Trino's analysis order, that `match` accepts; with the chain and where in it it matched. */
function firstReference(ts: Token[], match: (chain: Token[]) => number): { chain: Token[]; index: number; part: number } | undefined {
  const hits = new Map<number, number>();
  for (const i of references(ts)) {
    const part = match(dottedChain(ts, i));
    if (part >= 0) hits.set(i, part);
  }
  if (!hits.size) return undefined;
  const [first] = evaluationOrder(queryLevels(ts), [...hits.keys()]);
  return { chain: dottedChain(ts, first), index: first, part: hits.get(first) as number };
}

/** A column named by DuckDB: the reference DuckDB points at (whole dotted name), else the first one of that name. */
function columnNotFound(f: Failure, name: string): { text: string; at?: number } {
  const i = tokenAt(f.tokens, f.at);
  if (i >= 0 && isIdent(f.tokens[i])) {
    const chain = dottedChain(f.tokens, i);
    return { text: `Column '${qualifiedName(chain)}' ${COLUMN_SUFFIX}`, at: f.tokens[i].pos };
  }
  const lower = name.toLowerCase();
  const ref = firstReference(f.tokens, (c) => (identName(c[0]) === lower ? 0 : -1));
  return ref ? { text: `Column '${qualifiedName(ref.chain)}' ${COLUMN_SUFFIX}`, at: ref.chain[0].pos } : { text: `Column '${lower}' ${COLUMN_SUFFIX}` };
}

/** DuckDB's name of a struct-valued expression → its path: `struct_extract(a, 'b')` → [a, b], `t.a` → [t, a]. */
function expressionPath(e: string): string[] {
  const m = /^struct_extract\((.*), '((?:[^']|'')*)'\)$/.exec(e);
  if (m) return [...expressionPath(m[1]), m[2].replaceAll("''", "'")];
  return e.split(".").map((p) => p.replace(/^"(.*)"$/, "$1").toLowerCase());
}

/** The first `…base.field` reference whose base ends as DuckDB's expression does. */
function dereference(ts: Token[], expression: string, field: string): { chain: Token[]; part: number } | undefined {
  const path = expressionPath(expression);
  const last = path[path.length - 1];
  const f = field.toLowerCase();
  return firstReference(ts, (c) => {
    for (let k = 0; k + 1 < c.length; k++) if (identName(c[k]) === last && identName(c[k + 1]) === f) return k;
    return -1;
  });
}

/** DuckDB's argument types in a signature ('len(MAP(VARCHAR, INTEGER), INTEGER_LITERAL)') in Trino's words. */
function trinoArgs(args: string): string {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of args) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.map((t) => trinoTypeName(t.replace(/_LITERAL$/, "").replace(/^STRING$/, "VARCHAR"))).join(", ");
}

/** DuckDB's cast target names → Trino's, as INVALID_CAST_ARGUMENT prints them. */
const CAST_TYPES: Record<string, string> = {
  INT8: "TINYINT",
  INT16: "SMALLINT",
  INT32: "INT",
  INT64: "BIGINT",
  INT128: "BIGINT",
  FLOAT: "REAL",
  DOUBLE: "DOUBLE",
};

/** The table: the first rule whose type, subtype and message fit maps the error. */
const RULES: Rule[] = [
  {
    type: "Binder",
    message: /Referenced column "?([^"!]+)"? (?:not found|was not found)/,
    code: "COLUMN_NOT_FOUND",
    render: (f, m) => columnNotFound(f, m[1]),
  },
  {
    // a.b.c whose first part is neither a column nor a table: Trino names the whole reference.
    type: "Binder",
    message: /Referenced table "([^"]+)" not found/,
    code: "COLUMN_NOT_FOUND",
    render: (f, m) => columnNotFound(f, m[1]),
  },
  {
    type: "Binder",
    message: /Table "([^"]+)" does not have a column named "([^"]+)"/,
    code: "COLUMN_NOT_FOUND",
    render: (f, m) => columnNotFound(f, m[2]),
  },
  {
    type: "Binder",
    message: /Values list "[^"]*" does not have a column named "([^"]+)"/,
    code: "COLUMN_NOT_FOUND",
    render: (f, m) => columnNotFound(f, m[1]),
  },
  {
    // requestParameters.x where requestParameters is a string: Trino points at the base, printed as written.
    type: "Binder",
    message: /Cannot extract field '([^']+)' from expression "(.+)" because it is not a struct/,
    code: "TYPE_MISMATCH",
    render: (f, m) => {
      const ref = dereference(f.tokens, m[2], m[1]);
      if (!ref) return { text: `Expression ${m[2]} is not of type ROW` };
      const base = ref.chain.slice(0, ref.part + 1);
      return { text: `Expression ${base.map((t) => t.text).join(".")} is not of type ROW`, at: base[0].pos };
    },
  },
  {
    // A row without that field: Trino's missing attribute, the whole dotted name.
    type: "Binder",
    message: /Could not find key "([^"]+)" in struct/,
    code: "COLUMN_NOT_FOUND",
    render: (f, m) => {
      const key = m[1].toLowerCase();
      const ref = firstReference(f.tokens, (c) => c.slice(1).findIndex((t) => identName(t) === key));
      if (!ref) return { text: `Column '${key}' ${COLUMN_SUFFIX}` };
      return { text: `Column '${qualifiedName(ref.chain.slice(0, ref.part + 2))}' ${COLUMN_SUFFIX}`, at: ref.chain[0].pos };
    },
  },
  {
    type: "Catalog",
    message: /(?:Scalar|Aggregate|Table) Function with name "?([\w.]+?)"? does not exist/,
    code: "FUNCTION_NOT_FOUND",
    render: (f, m) => ({ text: `Function '${m[1].replace(/^trino\./, "").toLowerCase()}' not registered`, at: f.at }),
  },
  {
    type: "Catalog",
    message: /Type with name "?([^"!]+?)"? does not exist/,
    code: "TYPE_NOT_FOUND",
    render: (f, m) => ({ text: `Unknown type: ${m[1].toLowerCase()}`, at: f.at }),
  },
  {
    type: "Binder",
    message: /Macro "?(?:trino\.)?(\w+)"?\(\) does not support the supplied arguments/,
    code: "FUNCTION_NOT_FOUND",
    render: (f, m) => ({ text: `Unexpected parameters for function ${m[1]}`, at: f.at }),
  },
  {
    // 'a' + 1: Trino's analyzer finds no operator for the types (ExpressionAnalyzer: TYPE_MISMATCH).
    type: "Binder",
    message:
      /(?:No function matches the given name and argument types|Could not choose a best candidate function for the function call) ['"]([^\w\s(]+)\((.*)\)['"]/,
    code: "TYPE_MISMATCH",
    render: (f, m) => ({ text: `Cannot apply operator: ${trinoArgs(m[2]).split(", ").join(` ${m[1]} `)}`, at: f.at }),
  },
  {
    type: "Binder",
    message: /(?:No function matches the given name and argument types|Could not choose a best candidate function for the function call) ['"](.+?)\((.*)\)['"]/,
    code: "FUNCTION_NOT_FOUND",
    render: (f, m) => {
      // The name as the student wrote it (DuckDB names the function a macro or a rewrite called).
      const i = tokenAt(f.tokens, f.at);
      const name = i >= 0 && isIdent(f.tokens[i]) && isOp(f.tokens[i + 1], "(") ? identName(f.tokens[i]) : m[1];
      return { text: `Unexpected parameters (${trinoArgs(m[2])}) for function ${name}`, at: f.at };
    },
  },
  {
    type: "Binder",
    message:
      /column "?([^"\s]+)"? must appear in the GROUP BY clause|column "?([^"\s]+)"? must appear in the GROUP BY clause or be used in an aggregate function/,
    code: "EXPRESSION_NOT_AGGREGATE",
    render: (f, m) => {
      const name = (m[1] ?? m[2]).toLowerCase();
      const at = f.at ?? firstReference(f.tokens, (c) => (identName(c[c.length - 1]) === name ? 0 : -1))?.chain[0].pos;
      const i = tokenAt(f.tokens, at);
      const text = i >= 0 ? qualifiedName(dottedChain(f.tokens, i)) : name;
      return { text: `'${text}' must be an aggregate expression or appear in GROUP BY clause`, at };
    },
  },
  {
    type: "Parser",
    message: /syntax error at or near "(.*)"/,
    code: "SYNTAX_ERROR",
    render: (f, m) => ({ text: `mismatched input '${m[1]}'`, at: f.at }),
  },
  {
    type: "Parser",
    message: /syntax error at end of input/,
    code: "SYNTAX_ERROR",
    render: (f) => ({ text: "mismatched input '<EOF>'", at: f.sql.length }),
  },
  {
    type: "Conversion",
    message: /Could not convert string '(.*)' to (\w+)/,
    code: "INVALID_CAST_ARGUMENT",
    render: (_f, m) => ({ text: `Cannot cast '${m[1]}' to ${CAST_TYPES[m[2]] ?? m[2]}`, at: null }),
  },
  {
    type: "Conversion",
    message: /invalid (date|timestamp) field format: "(.*?)"/,
    code: "INVALID_CAST_ARGUMENT",
    render: (_f, m) => ({ text: `Value cannot be cast to ${m[1]}: ${m[2]}`, at: null }),
  },
  { type: "Conversion", code: "INVALID_CAST_ARGUMENT", render: (f) => ({ text: f.message, at: null }) },
  { type: "Out of Memory", code: "EXCEEDED_LOCAL_MEMORY_LIMIT", render: () => ({ text: "Query exceeded local memory limit", at: null }) },
  { type: "Invalid Input", code: "INVALID_FUNCTION_ARGUMENT", render: (f) => ({ text: f.message, at: null }) },
  { type: "Binder", code: "SYNTAX_ERROR", render: (f) => ({ text: f.message, at: f.at ?? 0 }) },
  { type: "Parser", code: "SYNTAX_ERROR", render: (f) => ({ text: f.message, at: f.at ?? 0 }) },
];

/** The student's offset DuckDB's byte position points at, through the statement DuckDB ran and the source map. */
function studentOffset(e: EngineFailure, sql: string): number | undefined {
  const pos = Number(e.duck.info?.position);
  if (!Number.isInteger(pos)) return undefined;
  // DuckDB counts bytes of UTF-8.
  const executed = Buffer.from(e.executed, "utf8").subarray(0, pos).toString("utf8").length;
  const start = e.executed.indexOf(e.translated);
  const base = sql.indexOf(e.source);
  if (start < 0 || executed < start || base < 0) return undefined;
  const at = sourceOffset(e.map, executed - start);
  return at === undefined ? undefined : base + at;
}

/** The text of DuckDB's message, first line, without DuckDB's hints (Candidate bindings: …, Did you mean …). */
function firstLine(s: string): string {
  return s.split("\n")[0].replace(/^[\w ]+ Error: /, "");
}

/** Athena's FAILED reason (`CODE: line L:C: message`) for an error of a query's run; `sql` is the student's. */
export function athenaReason(e: unknown, sql: string): string {
  if (e instanceof AthenaQueryError) return e.message;
  if (e instanceof SqlSyntaxError) return `SYNTAX_ERROR: ${lineCol(sql, e.pos)}: ${e.message}`;
  const failure = e instanceof EngineFailure ? e : undefined;
  const duck = failure?.duck ?? (e instanceof DuckError ? e : undefined);
  const info = duck?.info ?? classic((e as Error)?.message ?? String(e));
  if (!info) return `GENERIC_INTERNAL_ERROR: ${firstLine((e as Error)?.message ?? String(e))}`;
  let tokens: Token[] = [];
  try {
    tokens = significant(tokenize(sql));
  } catch {
    // An untokenizable statement never reached DuckDB; its offsets are not needed.
  }
  const f: Failure = { sql, tokens, info, message: firstLine(info.exception_message), at: failure ? studentOffset(failure, sql) : undefined };
  for (const rule of RULES) {
    if (rule.type !== info.exception_type || (rule.subtype && rule.subtype !== info.error_subtype)) continue;
    const m = rule.message ? rule.message.exec(info.exception_message) : ([] as unknown as RegExpExecArray);
    if (!m) continue;
    const { text, at } = rule.render(f, m);
    return at === null ? `${rule.code}: ${text}` : `${rule.code}: ${lineCol(sql, at ?? 0)}: ${text}`;
  }
  return `GENERIC_INTERNAL_ERROR: ${f.message}`;
}

/** A DuckDB error without its fields (raised before errors_as_json, or passed on as text): its classic `Type Error: …` form. */
function classic(message: string): DuckErrorInfo | undefined {
  const m = /^([\w ]+?) Error: ([\s\S]*)$/.exec(message);
  return m ? { exception_type: m[1], exception_message: m[2] } : undefined;
}
