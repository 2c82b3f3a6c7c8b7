/**
 * Trino's functions as DuckDB macros, in a schema of their own (`trino`): the translator only qualifies a call
 * (`replace(a, b)` → `trino.replace(a, b)`), and what the function means lives here, one definition per function,
 * each overload by arity. Built-ins are called by their own names inside (nothing here shadows them: DuckDB's own
 * SQL — the table readers' — keeps DuckDB's meaning). A macro cannot take a lambda, nor tell argument types apart
 * except through typeof() (folded once per query): functions that need either are translate.ts's.
 */

/** Overloads 2…n of a variadic function whose result is NULL when any argument is NULL. */
function nullPropagating(n: number, body: (args: string[]) => string): string {
  const out: string[] = [];
  for (let k = 2; k <= n; k++) {
    const args = Array.from({ length: k }, (_, i) => `a${i}`);
    out.push(`(${args.join(", ")}) AS CASE WHEN ${args.map((a) => `${a} IS NULL`).join(" OR ")} THEN NULL ELSE ${body(args)} END`);
  }
  return out.join(", ");
}

function variadic(from: number, n: number, body: (args: string[]) => string): string {
  const out: string[] = [];
  for (let k = from; k <= n; k++) {
    const args = Array.from({ length: k }, (_, i) => `a${i}`);
    out.push(`(${args.join(", ")}) AS ${body(args)}`);
  }
  return out.join(", ");
}

/** Java's URI parts of a URL, as Trino's url_extract_* read them (NULL when the text is not a URL with a scheme). */
const URL = "'^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)(?::([0-9]*))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?$'";
const urlPart = (group: number) => `(u) AS CASE WHEN regexp_matches(u, ${URL}) THEN nullif(regexp_extract(u, ${URL}, ${group}), '') END`;

/** parse_duration's number and unit. */
const DURATION = "'^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([a-z]+)\\s*$'";
/** Units of Trino's human-readable durations (parse_duration), in microseconds. */
const DURATION_UNIT = `CASE regexp_extract(s, ${DURATION}, 2) WHEN 'ns' THEN 0.001 WHEN 'us' THEN 1 WHEN 'ms' THEN 1000 WHEN 's' THEN 1000000 WHEN 'm' THEN 60000000 WHEN 'h' THEN 3600000000 WHEN 'd' THEN 86400000000 END`;

/** Wilson score interval bound of s successes in n trials at z (Trino's wilson_interval_lower/upper). */
const wilson = (sign: "+" | "-") => {
  const p = "(CAST(s AS DOUBLE) / n)";
  return `(${p} + z * z / (2.0 * n) ${sign} z * sqrt(${p} * (1 - ${p}) / n + z * z / (4.0 * n * n))) / (1 + z * z / n)`;
};

const plural = (n: string, unit: string) => `CASE WHEN ${n} > 0 THEN ${n} || ' ${unit}' || CASE WHEN ${n} = 1 THEN '' ELSE 's' END END`;

/** name → `(params) AS body[, (params) AS body…]`. */
export const TRINO_MACROS: Record<string, string> = {
  // --- string -------------------------------------------------------------------------------------------------
  replace: "(s, f) AS replace(s, f, ''), (s, f, r) AS replace(s, f, r)",
  concat: nullPropagating(10, (a) => a.join(" || ")),
  codepoint: "(s) AS unicode(s)",
  // Trino answers NULL past the last field; DuckDB an empty string.
  split_part: "(s, d, i) AS CASE WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
  split:
    "(s, d) AS string_split(s, d), (s, d, n) AS CASE WHEN len(string_split(s, d)) <= n THEN string_split(s, d) ELSE list_append(string_split(s, d)[1:n - 1], array_to_string(string_split(s, d)[n:], d)) END",
  strpos:
    "(s, f) AS strpos(s, f), " +
    "(s, f, n) AS CASE WHEN n > 0 AND len(string_split(s, f)) > n THEN len(array_to_string(string_split(s, f)[1:n], f)) + 1 " +
    "WHEN n < 0 AND len(string_split(s, f)) > -n THEN len(array_to_string(string_split(s, f)[1:len(string_split(s, f)) + n], f)) + 1 ELSE 0 END",
  index: "(s, f) AS strpos(s, f)",
  from_utf8: "(b) AS decode(b), (b, r) AS decode(b)",
  to_utf8: "(s) AS encode(s)",
  hamming_distance: "(a, b) AS hamming(a, b)",
  levenshtein_distance: "(a, b) AS levenshtein(a, b)",
  normalize: "(s) AS nfc_normalize(s)",
  luhn_check:
    "(s) AS CASE WHEN s IS NULL THEN NULL WHEN NOT regexp_full_match(s, '[0-9]+') THEN NULL ELSE list_sum(list_transform(string_split(reverse(s), ''), " +
    "(c, i) -> CASE WHEN i % 2 = 0 THEN CAST(c AS INTEGER) * 2 - CASE WHEN CAST(c AS INTEGER) * 2 > 9 THEN 9 ELSE 0 END ELSE CAST(c AS INTEGER) END)) % 10 = 0 END",
  split_to_map:
    "(s, e, kv) AS map_from_entries(list_transform(list_filter(string_split(s, e), x -> x <> ''), x -> struct_pack(k := split_part(x, kv, 1), v := split_part(x, kv, 2))))",
  split_to_multimap:
    "(s, e, kv) AS map_from_entries(list_transform(list_distinct(list_transform(list_filter(string_split(s, e), x -> x <> ''), x -> split_part(x, kv, 1))), " +
    "k -> struct_pack(k := k, v := list_transform(list_filter(list_filter(string_split(s, e), x -> x <> ''), x -> split_part(x, kv, 1) = k), x -> split_part(x, kv, 2)))))",
  format: variadic(1, 12, (a) => `printf(${a.join(", ")})`),
  // --- binary -------------------------------------------------------------------------------------------------
  // Trino hashes varbinary into varbinary (to_hex(md5(to_utf8(s))) is the usual spelling).
  md5: "(b) AS unhex(md5(b))",
  sha1: "(b) AS unhex(sha1(b))",
  sha256: "(b) AS unhex(sha256(b))",
  to_hex: "(b) AS hex(b)",
  to_base64url: "(b) AS replace(replace(to_base64(b), '+', '-'), '/', '_')",
  from_base64url: "(s) AS from_base64(replace(replace(s, '-', '+'), '_', '/'))",
  to_big_endian_32: "(x) AS unhex(lpad(to_base((CAST(x AS BIGINT) + 4294967296) % 4294967296, 16), 8, '0'))",
  from_big_endian_32:
    "(b) AS CAST(CASE WHEN CAST(('0x' || hex(b)) AS BIGINT) >= 2147483648 THEN CAST(('0x' || hex(b)) AS BIGINT) - 4294967296 ELSE CAST(('0x' || hex(b)) AS BIGINT) END AS INTEGER)",
  to_big_endian_64:
    "(x) AS unhex(lpad(to_base((CAST(x AS BIGINT) >> 32) & 4294967295, 16), 8, '0') || lpad(to_base(CAST(x AS BIGINT) & 4294967295, 16), 8, '0'))",
  from_big_endian_64:
    "(b) AS CAST(CAST(CAST(('0x' || hex(b)) AS UBIGINT) AS HUGEINT) - CASE WHEN CAST(('0x' || hex(b)) AS UBIGINT) >= 9223372036854775808 THEN 18446744073709551616 ELSE 0 END AS BIGINT)",
  // --- bitwise ------------------------------------------------------------------------------------------------
  bit_count: "(x, n) AS CAST(bit_count(CAST(x AS BIGINT) & CASE WHEN n >= 64 THEN CAST(-1 AS BIGINT) ELSE (CAST(1 AS BIGINT) << n) - 1 END) AS BIGINT)",
  bitwise_and: "(x, y) AS CAST(x AS BIGINT) & CAST(y AS BIGINT)",
  bitwise_or: "(x, y) AS CAST(x AS BIGINT) | CAST(y AS BIGINT)",
  bitwise_xor: "(x, y) AS xor(CAST(x AS BIGINT), CAST(y AS BIGINT))",
  bitwise_not: "(x) AS ~CAST(x AS BIGINT)",
  bitwise_left_shift: "(x, n) AS CASE WHEN n >= 64 THEN CAST(0 AS BIGINT) ELSE CAST(x AS BIGINT) << n END",
  // Logical (zero-filling) shift of a 64-bit value.
  bitwise_right_shift:
    "(x, n) AS CASE WHEN n >= 64 THEN CAST(0 AS BIGINT) WHEN n = 0 THEN CAST(x AS BIGINT) ELSE (CAST(x AS BIGINT) >> n) & ((CAST(1 AS BIGINT) << (64 - n)) - 1) END",
  bitwise_right_shift_arithmetic: "(x, n) AS CAST(x AS BIGINT) >> least(n, 63)",
  // --- comparison and conditional -----------------------------------------------------------------------------
  greatest: nullPropagating(10, (a) => `greatest(${a.join(", ")})`),
  least: nullPropagating(10, (a) => `least(${a.join(", ")})`),
  // --- date and time ------------------------------------------------------------------------------------------
  // Trino counts whole units elapsed (Joda's difference); DuckDB's date_diff counts boundaries crossed.
  date_diff: "(u, a, b) AS date_sub(u, a, b)",
  date: "(x) AS CAST(x AS DATE)",
  day_of_week: "(x) AS isodow(x)",
  dow: "(x) AS isodow(x)",
  day_of_year: "(x) AS dayofyear(x)",
  doy: "(x) AS dayofyear(x)",
  day_of_month: "(x) AS dayofmonth(x)",
  week_of_year: "(x) AS weekofyear(x)",
  year_of_week: "(x) AS isoyear(x)",
  yow: "(x) AS isoyear(x)",
  millisecond: "(x) AS millisecond(x) % 1000",
  last_day_of_month: "(x) AS last_day(x)",
  current_timezone: "() AS 'UTC'",
  from_iso8601_timestamp: "(s) AS CAST(s AS TIMESTAMPTZ)",
  from_iso8601_timestamp_nanos: "(s) AS CAST(s AS TIMESTAMPTZ)",
  from_iso8601_date: "(s) AS CAST(s AS DATE)",
  // A DATE prints as a date, a timestamp without zone without the Z.
  to_iso8601:
    "(x) AS CASE typeof(x) WHEN 'DATE' THEN strftime(CAST(x AS DATE), '%Y-%m-%d') WHEN 'TIMESTAMP' THEN strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') " +
    "ELSE strftime(CAST(x AS TIMESTAMPTZ), '%Y-%m-%dT%H:%M:%S.%gZ') END",
  from_unixtime: "(x) AS to_timestamp(x)",
  from_unixtime_nanos: "(x) AS to_timestamp(CAST(x AS HUGEINT) // 1000 / 1000000.0)",
  to_unixtime: "(x) AS epoch(x)",
  to_milliseconds: "(x) AS CAST(round(epoch(x) * 1000) AS BIGINT)",
  human_readable_seconds:
    "(x) AS CASE WHEN x IS NULL THEN NULL WHEN round(x) = 0 THEN '0 seconds' ELSE array_to_string(list_filter([" +
    [
      plural("CAST(round(x) // 604800 AS BIGINT)", "week"),
      plural("CAST(round(x) % 604800 // 86400 AS BIGINT)", "day"),
      plural("CAST(round(x) % 86400 // 3600 AS BIGINT)", "hour"),
      plural("CAST(round(x) % 3600 // 60 AS BIGINT)", "minute"),
      plural("CAST(round(x) % 60 AS BIGINT)", "second"),
    ].join(", ") +
    "], p -> p IS NOT NULL), ', ') END",
  parse_duration: `(s) AS to_microseconds(CAST(round(CAST(regexp_extract(s, ${DURATION}, 1) AS DOUBLE) * ${DURATION_UNIT}) AS BIGINT))`,
  // --- math ---------------------------------------------------------------------------------------------------
  // Java's Math.cbrt is exact on perfect cubes; DuckDB's cbrt may be off by an ulp.
  cbrt: "(x) AS CASE WHEN pow(round(cbrt(x)), 3) = x THEN CAST(round(cbrt(x)) AS DOUBLE) ELSE cbrt(x) END",
  e: "() AS exp(1)",
  infinity: "() AS CAST('Infinity' AS DOUBLE)",
  nan: "() AS CAST('NaN' AS DOUBLE)",
  is_finite: "(x) AS isfinite(CAST(x AS DOUBLE))",
  is_infinite: "(x) AS isinf(CAST(x AS DOUBLE))",
  is_nan: "(x) AS isnan(CAST(x AS DOUBLE))",
  rand: "() AS random(), (n) AS CAST(floor(random() * n) AS BIGINT), (m, n) AS m + CAST(floor(random() * (n - m)) AS BIGINT)",
  random: "() AS random(), (n) AS CAST(floor(random() * n) AS BIGINT), (m, n) AS m + CAST(floor(random() * (n - m)) AS BIGINT)",
  truncate: "(x) AS trunc(x), (x, n) AS CAST(trunc(x * pow(10, n)) / pow(10, n) AS DOUBLE)",
  to_base: "(x, r) AS CASE WHEN x < 0 THEN '-' || lower(to_base(-x, r)) ELSE lower(to_base(x, r)) END",
  from_base:
    "(s, r) AS CASE WHEN starts_with(s, '-') THEN -1 ELSE 1 END * list_reduce(list_transform(string_split(lower(ltrim(s, '-')), ''), " +
    "c -> CAST(strpos('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1 AS BIGINT)), (acc, d) -> acc * r + d)",
  width_bucket:
    "(x, bins) AS CAST(len(list_filter(bins, b -> b <= x)) AS BIGINT), " +
    "(x, lo, hi, n) AS CAST(CASE WHEN lo < hi THEN CASE WHEN x < lo THEN 0 WHEN x >= hi THEN n + 1 ELSE floor((x - lo) / (hi - lo) * n) + 1 END " +
    "ELSE CASE WHEN x > lo THEN 0 WHEN x <= hi THEN n + 1 ELSE floor((lo - x) / (lo - hi) * n) + 1 END END AS BIGINT)",
  // The engine divides integers as integers (Trino does): the proportion is a double.
  wilson_interval_lower: `(s, n, z) AS ${wilson("-")}`,
  wilson_interval_upper: `(s, n, z) AS ${wilson("+")}`,
  // --- regular expressions ------------------------------------------------------------------------------------
  regexp_like: "(s, p) AS regexp_matches(s, p)",
  regexp_count: "(s, p) AS CAST(len(regexp_extract_all(s, p)) AS BIGINT)",
  regexp_extract:
    "(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) END, (s, p, g) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END",
  regexp_position:
    "(s, p) AS CASE WHEN regexp_matches(s, p) THEN CAST(len(regexp_extract(s, '^((?s:.)*?)(?:' || p || ')', 1)) + 1 AS INTEGER) ELSE -1 END, " +
    "(s, p, st) AS CASE WHEN regexp_matches(substr(s, st), p) THEN CAST(len(regexp_extract(substr(s, st), '^((?s:.)*?)(?:' || p || ')', 1)) + st AS INTEGER) ELSE -1 END",
  // Trino's replacement refers to groups as $1 (DuckDB: \1) and replaces every match.
  regexp_replace: "(s, p) AS regexp_replace(s, p, '', 'g'), (s, p, r) AS regexp_replace(s, p, regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')",
  regexp_split: "(s, p) AS regexp_split_to_array(s, p)",
  // --- arrays -------------------------------------------------------------------------------------------------
  cardinality: "(x) AS CAST(len(x) AS BIGINT)",
  element_at: "(c, k) AS c[k]",
  // First occurrences, in order (DuckDB's list_distinct neither keeps order nor NULL).
  array_distinct: "(a) AS list_filter(a, (x, i) -> list_position(a, x) = i)",
  array_except:
    "(a, b) AS list_filter(a, (x, i) -> list_position(a, x) = i AND NOT coalesce(list_contains(b, x), false) AND NOT (x IS NULL AND list_position(b, NULL) IS NOT NULL))",
  array_intersect:
    "(a, b) AS list_filter(a, (x, i) -> list_position(a, x) = i AND (list_contains(b, x) OR (x IS NULL AND list_position(b, NULL) IS NOT NULL)))",
  array_union: "(a, b) AS list_filter(a || b, (x, i) -> list_position(a || b, x) = i)",
  arrays_overlap: "(a, b) AS list_has_any(a, b)",
  array_join: "(a, sep) AS array_to_string(a, sep), (a, sep, nul) AS array_to_string(list_transform(a, x -> coalesce(CAST(x AS VARCHAR), nul)), sep)",
  // Trino answers NULL when any element is NULL.
  array_max: "(a) AS CASE WHEN list_position(a, NULL) IS NOT NULL THEN NULL ELSE list_max(a) END",
  array_min: "(a) AS CASE WHEN list_position(a, NULL) IS NOT NULL THEN NULL ELSE list_min(a) END",
  array_position: "(a, x) AS CAST(coalesce(list_position(a, x), 0) AS BIGINT)",
  array_remove: "(a, x) AS list_filter(a, e -> e IS DISTINCT FROM x)",
  array_sort: "(a) AS list_sort(a, 'ASC', 'NULLS LAST')",
  array_histogram: "(a) AS list_aggregate(list_filter(a, x -> x IS NOT NULL), 'histogram')",
  contains_sequence: "(a, q) AS len(q) = 0 OR coalesce(list_bool_or(list_transform(range(1, len(a) - len(q) + 2), i -> a[i:i + len(q) - 1] = q)), false)",
  ngrams: "(a, n) AS CASE WHEN n >= len(a) THEN [a] ELSE list_transform(range(1, len(a) - n + 2), i -> a[i:i + n - 1]) END",
  repeat: "(x, n) AS list_transform(range(n), i -> x)",
  sequence: "(a, b) AS generate_series(a, b), (a, b, s) AS generate_series(a, b, s)",
  shuffle: "(a) AS list_transform(list_sort(list_transform(a, x -> struct_pack(r := random(), x := x))), y -> y.x)",
  slice: "(a, s, n) AS list_slice(a, s, s + n - 1)",
  trim_array: "(a, n) AS list_slice(a, 1, len(a) - n)",
  zip: variadic(
    2,
    5,
    (a) =>
      `list_transform(range(1, greatest(${a.map((x) => `len(${x})`).join(", ")}) + 1), i -> struct_pack(${a.map((x, k) => `field${k} := ${x}[i]`).join(", ")}))`,
  ),
  // --- maps ---------------------------------------------------------------------------------------------------
  // Entries are anonymous ROWs in Trino (Athena prints {field0=k, field1=v}).
  map_entries: "(m) AS list_transform(map_entries(m), e -> struct_pack(field0 := e.key, field1 := e.value))",
  multimap_from_entries:
    "(a) AS map_from_entries(list_transform(list_distinct(list_transform(a, e -> struct_extract_at(e, 1))), " +
    "k -> struct_pack(k := k, v := list_transform(list_filter(a, e -> struct_extract_at(e, 1) = k), e -> struct_extract_at(e, 2)))))",
  // --- JSON ---------------------------------------------------------------------------------------------------
  json_parse: "(s) AS json(s)",
  json_format: "(j) AS CAST(j AS VARCHAR)",
  is_json_scalar: "(j) AS json_type(json(j)) NOT IN ('OBJECT', 'ARRAY')",
  json_array_length: "(j) AS CASE WHEN json_type(json(j)) = 'ARRAY' THEN CAST(json_array_length(json(j)) AS BIGINT) END",
  json_array_get:
    "(j, i) AS CASE WHEN json_type(json(j)) = 'ARRAY' THEN json_extract(json(j), CASE WHEN i < 0 THEN '$[#' || CAST(i AS VARCHAR) || ']' ELSE '$[' || CAST(i AS VARCHAR) || ']' END) END",
  json_array_contains: "(j, v) AS CASE WHEN json_type(json(j)) = 'ARRAY' THEN list_contains(CAST(json(j) AS VARCHAR[]), CAST(v AS VARCHAR)) END",
  // --- URLs (Java's URI and URLEncoder, as Trino uses them) ---------------------------------------------------
  url_extract_protocol: urlPart(1),
  url_extract_host: urlPart(2),
  url_extract_port: `(u) AS CASE WHEN regexp_matches(u, ${URL}) THEN TRY_CAST(nullif(regexp_extract(u, ${URL}, 3), '') AS BIGINT) END`,
  url_extract_path: `(u) AS CASE WHEN regexp_matches(u, ${URL}) THEN regexp_extract(u, ${URL}, 4) END`,
  url_extract_query: urlPart(5),
  url_extract_fragment: urlPart(6),
  // The raw value of the first parameter of that name ('' when it has no value), as Trino answers it.
  url_extract_parameter:
    `(u, p) AS CASE WHEN regexp_matches(u, ${URL}) AND regexp_matches('&' || regexp_extract(u, ${URL}, 5), '&' || regexp_escape(p) || '(=|&|$)') ` +
    `THEN regexp_extract('&' || regexp_extract(u, ${URL}, 5), '&' || regexp_escape(p) || '=([^&]*)', 1) END`,
  url_encode: "(s) AS replace(replace(replace(url_encode(s), '%20', '+'), '~', '%7E'), '%2A', '*')",
  url_decode: "(s) AS url_decode(replace(s, '+', ' '))",
  // --- aggregates ---------------------------------------------------------------------------------------------
  approx_distinct: "(x) AS approx_count_distinct(x), (x, e) AS approx_count_distinct(x)",
  approx_percentile: "(x, p) AS approx_quantile(x, p)",
  arbitrary: "(x) AS any_value(x)",
  every: "(x) AS bool_and(x)",
  bitwise_and_agg: "(x) AS bit_and(CAST(x AS BIGINT))",
  bitwise_or_agg: "(x) AS bit_or(CAST(x AS BIGINT))",
  bitwise_xor_agg: "(x) AS bit_xor(CAST(x AS BIGINT))",
  set_agg: "(x) AS list_distinct(array_agg(x))",
  set_union: "(x) AS list_distinct(flatten(array_agg(x)))",
  // One value per key (Trino keeps any one of duplicate keys; DuckDB's map() refuses them); NULL keys are skipped.
  map_agg:
    "(k, v) AS map_from_entries(list_filter(list(struct_pack(k := k, v := v)) FILTER (WHERE k IS NOT NULL), " +
    "(e, i) -> list_position(list_transform(list(struct_pack(k := k, v := v)) FILTER (WHERE k IS NOT NULL), x -> x.k), e.k) = i))",
  multimap_agg:
    "(k, v) AS map_from_entries(list_transform(list_distinct(list(k)), " +
    "key -> struct_pack(k := key, v := list_transform(list_filter(list(struct_pack(k := k, v := v)), e -> e.k = key), e -> e.v))))",
  map_union:
    "(m) AS map_from_entries(list_filter(flatten(list(map_entries(m))), (e, i) -> list_position(list_transform(flatten(list(map_entries(m))), x -> x.key), e.key) = i))",
};
