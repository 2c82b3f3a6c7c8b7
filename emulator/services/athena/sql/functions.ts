/**
 * The function registry: how each of Trino's functions (trino-functions.ts, the topics Athena engine 3 lists) answers
 * here, and from it the allow-list — anything else is refused before DuckDB sees the query, so none of DuckDB's own
 * functions (file readers, settings, logging and profiling, extensions, query(), getenv, …) can be reached, however
 * the name is spelt or qualified. docs/athena.md's function table is generated from this registry
 * (scripts/athena-functions-doc.ts), and every supported function has a case in test/athena/function-cases.ts.
 *
 * How a supported function answers:
 * - same: DuckDB's function of that name means the same (checked one by one against the DuckDB this project pins);
 * - macro: a DuckDB macro named after the function in the engine's `trino` schema (trino-macros.ts), which the
 *   translator calls by qualifying the name — the meaning lives in SQL, not in the translator;
 * - translated: translate.ts rewrites the call, where a macro cannot do (lambda arguments, a literal argument read
 *   at translation: a date format, a JSON path, a time unit), or where the answer is fixed by the query's text;
 * - syntax: Trino syntax DuckDB parses alike (IF, TRY, COALESCE, CAST, EXTRACT, …), adjusted where noted.
 * Athena has no table functions besides UNNEST: translate.ts refuses any other name where a table would stand.
 */

import { TRINO_TOPICS } from "./trino-functions.ts";
import { TRINO_MACROS } from "./trino-macros.ts";

export type SupportKind = "same" | "macro" | "translated" | "syntax" | "unsupported";

export interface FunctionEntry {
  name: string;
  topics: string[];
  kind: SupportKind;
  /** What differs from Trino, or why the function is not supported. */
  note?: string;
}

/** Trino functions DuckDB has under the same name with the same meaning. */
const SAME_NAME = new Set([
  // aggregate
  "any_value",
  "array_agg",
  "avg",
  "bool_and",
  "bool_or",
  "corr",
  "count",
  "count_if",
  "covar_pop",
  "covar_samp",
  "geometric_mean",
  "histogram",
  "kurtosis",
  "max",
  "max_by",
  "min",
  "min_by",
  "regr_intercept",
  "regr_slope",
  "skewness",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "sum",
  "var_pop",
  "var_samp",
  "variance",
  // window
  "cume_dist",
  "dense_rank",
  "first_value",
  "lag",
  "last_value",
  "lead",
  "nth_value",
  "ntile",
  "percent_rank",
  "rank",
  "row_number",
  // mathematical
  "abs",
  "acos",
  "asin",
  "atan",
  "atan2",
  "ceil",
  "ceiling",
  "cos",
  "cosh",
  "degrees",
  "exp",
  "floor",
  "ln",
  "log",
  "log10",
  "log2",
  "mod",
  "pi",
  "pow",
  "power",
  "radians",
  "round",
  "sign",
  "sin",
  "sinh",
  "sqrt",
  "tan",
  "tanh",
  // string and binary
  "chr",
  "concat_ws",
  "ends_with",
  "from_base64",
  "from_hex",
  "length",
  "lower",
  "lpad",
  "ltrim",
  "regexp_extract_all",
  "reverse",
  "rpad",
  "rtrim",
  "starts_with",
  "substr",
  "to_base64",
  "translate",
  "upper",
  // date and time
  "date_trunc",
  "day",
  "hour",
  "minute",
  "month",
  "quarter",
  "second",
  "timezone_hour",
  "timezone_minute",
  "week",
  "year",
  // arrays, maps, JSON
  "flatten",
  "json_array",
  "map",
  "map_concat",
  "map_from_entries",
  "map_keys",
  "map_values",
  // other
  "uuid",
]);

/** Trino's function-like syntax that DuckDB parses the same way; translate.ts handles the niladic ones. */
const SYNTAX = new Set([
  "cast",
  "try_cast",
  "if",
  "try",
  "coalesce",
  "nullif",
  "extract",
  "position",
  "substring",
  "trim",
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "now",
  "current_catalog",
  "current_schema",
]);

/** Names callable that are no function of Trino's lists: ROW(…), grouping sets' grouping() and UNNEST. */
const OTHER_FORMS = ["row", "grouping", "unnest"];

/** The macros the engine defines (engine.ts and native.ts): translated queries call them. */
export const ENGINE_MACROS = [
  "__json_extract_scalar",
  "__ipaddress",
  "__cidr_contains",
  "__json_size",
  "__trimmed",
  "__coerce_int",
  "__coerce_double_any",
  "__coerce_double",
  "__coerce_bool",
];

/** Where a supported function differs from Trino. */
const NOTES: Record<string, string> = {
  cast: "ROW targets cast by position, as in Trino (a JSON value casts by field name)",
  extract: "DOW/DAY_OF_WEEK, DOY, YOW and DAY_OF_MONTH fields mean Trino's (ISO day of week)",
  current_time: "the range's clock",
  current_timestamp: "the range's clock",
  current_date: "the range's clock",
  localtime: "the range's clock",
  localtimestamp: "the range's clock",
  now: "the range's clock",
  current_schema: "the query's database",
  typeof: "varchar(n), decimal(p,s) from literals; a column's varchar is unbounded",
  cardinality: "arrays (a map's size: cardinality(map_keys(m)))",
  reverse: "strings (not arrays)",
  length: "strings",
  concat: "strings and arrays; NULL when any argument is NULL, as in Trino",
  format: "C-style conversions (%s takes strings)",
  reduce: "the state must have the array's element type",
  sequence: "integers and timestamps (dates come back as timestamps)",
  from_utf8: "invalid UTF-8 fails instead of being replaced",
  normalize: "NFC only",
  listagg: "WITHIN GROUP (ORDER BY …) becomes string_agg; ON OVERFLOW is not supported",
  json_exists: "lax and strict path modes are accepted and ignored",
  json_value: "lax and strict path modes are accepted and ignored; RETURNING and ON EMPTY/ON ERROR are not supported",
  json_query: "lax and strict path modes are accepted and ignored; wrapper and ON EMPTY/ON ERROR clauses are not supported",
  contains: "arrays, and an IPv4 CIDR literal with an IPADDRESS",
  approx_percentile: "without weights",
  regexp_replace: "a replacement string with $n groups (not a lambda)",
  array_sort: "ascending, NULLs last (no comparator lambda)",
};

/** Why a Trino function is refused (FUNCTION_NOT_FOUND), by name or by topic. */
const UNSUPPORTED: Record<string, string> = {
  approx_most_frequent: "no DuckDB counterpart",
  approx_set: "HyperLogLog sketches are not implemented",
  empty_approx_set: "HyperLogLog sketches are not implemented",
  merge: "sketch types (HyperLogLog, qdigest, T-Digest) are not implemented",
  checksum: "no DuckDB counterpart",
  numeric_histogram: "no DuckDB counterpart",
  qdigest_agg: "quantile digests are not implemented",
  tdigest_agg: "T-Digests are not implemented",
  reduce_agg: "lambda aggregates are not implemented",
  combinations: "not implemented",
  crc32: "no DuckDB counterpart",
  from_base32: "no DuckDB counterpart",
  to_base32: "no DuckDB counterpart",
  from_ieee754_32: "not implemented",
  from_ieee754_64: "not implemented",
  to_ieee754_32: "not implemented",
  to_ieee754_64: "not implemented",
  hmac_md5: "no DuckDB counterpart",
  hmac_sha1: "no DuckDB counterpart",
  hmac_sha256: "no DuckDB counterpart",
  hmac_sha512: "no DuckDB counterpart",
  murmur3: "no DuckDB counterpart",
  sha512: "no DuckDB counterpart",
  spooky_hash_v2_32: "no DuckDB counterpart",
  spooky_hash_v2_64: "no DuckDB counterpart",
  xxhash64: "no DuckDB counterpart",
  format_number: "not implemented",
  at_timezone: "timestamps carry no zone other than UTC here",
  with_timezone: "timestamps carry no zone other than UTC here",
  json_object: "Trino's SQL/JSON constructor syntax (KEY … VALUE …) is not implemented",
  map_zip_with: "not implemented",
  beta_cdf: "no DuckDB counterpart",
  inverse_beta_cdf: "no DuckDB counterpart",
  inverse_normal_cdf: "no DuckDB counterpart",
  normal_cdf: "no DuckDB counterpart",
  cosine_distance: "not implemented",
  cosine_similarity: "not implemented",
  quantile_at_value: "quantile digests are not implemented",
  value_at_quantile: "quantile digests and T-Digests are not implemented",
  values_at_quantiles: "quantile digests and T-Digests are not implemented",
  current_groups: "no groups here",
  current_user: "not implemented",
  soundex: "no DuckDB counterpart",
  word_stem: "needs DuckDB's fts extension, which the engine does not load",
  version: "not implemented",
  char2hexint: "not implemented",
  to_char: "Teradata format strings are not implemented",
  to_date: "Teradata format strings are not implemented",
  to_timestamp: "Teradata format strings are not implemented",
  invoker_principal: "not implemented",
};

const UNSUPPORTED_TOPICS: Record<string, string> = {
  Color: "terminal colors are not implemented",
  Geospatial: "DuckDB's spatial extension is not loaded",
  "Machine learning": "not implemented",
  "Set Digest": "set digests are not implemented",
};

/** Every Trino function with how it answers here; `translated` are the names translate.ts rewrites. */
export function functionRegistry(translated: Iterable<string>): FunctionEntry[] {
  const rewritten = new Set(translated);
  const byName = new Map<string, FunctionEntry>();
  for (const topic of TRINO_TOPICS) {
    for (const name of topic.names) {
      const e = byName.get(name);
      if (e) {
        e.topics.push(topic.title);
        continue;
      }
      let kind: SupportKind = "unsupported";
      if (rewritten.has(name)) kind = "translated";
      else if (name in TRINO_MACROS) kind = "macro";
      else if (SAME_NAME.has(name)) kind = "same";
      else if (SYNTAX.has(name)) kind = "syntax";
      const note = kind === "unsupported" ? (UNSUPPORTED[name] ?? UNSUPPORTED_TOPICS[topic.title] ?? "not implemented") : NOTES[name];
      byName.set(name, { name, topics: [topic.title], kind, ...(note ? { note } : {}) });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The allow-list: the supported functions, grouping()/UNNEST and the engine's macros. */
export function allowedFunctions(registry: FunctionEntry[]): ReadonlySet<string> {
  return new Set([...registry.filter((e) => e.kind !== "unsupported").map((e) => e.name), ...OTHER_FORMS, ...ENGINE_MACROS]);
}

/**
 * SQL words a parenthesis may follow without being a function call (IN (…), OVER (…), FILTER (WHERE …),
 * WITHIN GROUP (…), AS (…), GROUPING SETS (…), …). Only unquoted words count: "in"(…) is a call.
 */
export const SQL_WORDS = new Set([
  "all",
  "and",
  "any",
  "array",
  "as",
  "between",
  "by",
  "case",
  "cube",
  "distinct",
  "else",
  "escape",
  "except",
  "exists",
  "filter",
  "from",
  "group",
  "having",
  "in",
  "intersect",
  "is",
  "join",
  "lateral",
  "like",
  "limit",
  "not",
  "offset",
  "on",
  "or",
  "order",
  "ordinality",
  "over",
  "partition",
  "rollup",
  "select",
  "sets",
  "some",
  "then",
  "union",
  "using",
  "values",
  "when",
  "where",
  "window",
  "with",
  "within",
]);

/** Type names that take parameters inside CAST(… AS type(…)): anything else there is refused. */
export const PARAMETERIZED_TYPES = new Set(["decimal", "numeric", "varchar", "char", "varbinary", "row", "array", "map", "timestamp", "time", "struct"]);
