/**
 * The functions an Athena query may call, as an allow-list: anything else is refused before DuckDB sees the query,
 * so none of DuckDB's own functions (file readers, settings, logging and profiling, extensions, query(), getenv, …)
 * can be reached, however the name is spelt or qualified.
 *
 * Athena engine 3 is Trino, so the list is Trino's ("List of functions and operators",
 * https://trino.io/docs/current/functions/list.html) narrowed to what answers here with Trino's meaning:
 * - the names the translator rewrites (translate.ts's FUNCTIONS), added by `athenaFunctions`;
 * - SAME_NAME: Trino functions DuckDB has under the same name with the same meaning (checked one by one against
 *   duckdb_functions() of the DuckDB this project pins; left out where DuckDB's function of that name means something
 *   else: bar, millisecond, reduce, repeat, timezone, to_milliseconds, to_timestamp);
 * - SPECIAL_FORMS: Trino's function-like syntax that DuckDB parses alike (IF, TRY, COALESCE, EXTRACT, …);
 * - ENGINE_MACROS: the engine's own `__…` macros, which translated queries call.
 *
 * Athena has no table functions besides UNNEST: translate.ts refuses any other name where a table would stand.
 */

/** Trino functions DuckDB has under the same name with the same meaning. */
const SAME_NAME = [
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
  "listagg",
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
  "bit_count",
  "cbrt",
  "ceil",
  "ceiling",
  "cos",
  "cosh",
  "degrees",
  "exp",
  "floor",
  "greatest",
  "least",
  "ln",
  "log",
  "log10",
  "log2",
  "mod",
  "pi",
  "pow",
  "power",
  "radians",
  "random",
  "round",
  "sign",
  "sin",
  "sinh",
  "sqrt",
  "tan",
  "tanh",
  "to_base",
  // string and binary
  "chr",
  "concat",
  "concat_ws",
  "ends_with",
  "from_base64",
  "from_hex",
  "length",
  "lower",
  "lpad",
  "ltrim",
  "regexp_extract_all",
  "replace",
  "reverse",
  "rpad",
  "rtrim",
  "sha1",
  "sha256",
  "split_part",
  "starts_with",
  "strpos",
  "substr",
  "to_base64",
  "translate",
  "upper",
  "url_decode",
  "url_encode",
  // date and time
  "date_diff",
  "date_trunc",
  "day",
  "hour",
  "minute",
  "month",
  "now",
  "quarter",
  "second",
  "timezone_hour",
  "timezone_minute",
  "week",
  "year",
  // arrays, maps, JSON
  "array_intersect",
  "flatten",
  "json_array",
  "json_array_length",
  "json_exists",
  "json_object",
  "json_value",
  "map",
  "map_concat",
  "map_entries",
  "map_from_entries",
  "map_keys",
  "map_values",
  // other
  "typeof",
  "uuid",
  "version",
];

/** Trino's function-like syntax that DuckDB parses the same way (CAST, TRY_CAST and ROW the translator rewrites). */
const SPECIAL_FORMS = ["cast", "try_cast", "if", "try", "coalesce", "nullif", "extract", "position", "substring", "trim", "grouping", "unnest"];

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

/** The allow-list: SAME_NAME, SPECIAL_FORMS and ENGINE_MACROS, plus the names the translator rewrites. */
export function athenaFunctions(rewritten: Iterable<string>): ReadonlySet<string> {
  return new Set([...rewritten, ...SAME_NAME, ...SPECIAL_FORMS, ...ENGINE_MACROS]);
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
