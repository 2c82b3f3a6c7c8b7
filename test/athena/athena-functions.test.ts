/** Trino functions and syntax as Athena evaluates them, each expected value taken from Trino's documented semantics. */
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { ok } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2024-01-15T12:00:00Z" });
  ath = new AthenaClient(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

const J = `'{"a":{"b":"x","n":3},"arr":[10,20,30],"k y":"v"}'`;

describe("Trino → DuckDB translation", () => {
  it.each([
    [`json_extract_scalar(${J}, '$.a.b')`, "x"],
    [`json_extract_scalar(${J}, '$.a')`, null],
    [`json_extract_scalar(${J}, '$["k y"]')`, "v"],
    [`json_extract(${J}, '$.a')`, '{"b":"x","n":3}'],
    [`json_array_get(json_extract(${J}, '$.arr'), 1)`, "20"],
    [`json_size(${J}, '$.arr')`, "3"],
    ["from_iso8601_timestamp('2023-07-10T11:45:00Z')", "2023-07-10 11:45:00.000 UTC"],
    ["to_iso8601(from_iso8601_timestamp('2023-07-10T11:45:00.123Z'))", "2023-07-10T11:45:00.123Z"],
    ["from_unixtime(1418530010)", "2014-12-14 04:06:50.000 UTC"],
    ["to_unixtime(from_iso8601_timestamp('1970-01-02T00:00:00Z'))", "86400.0"],
    ["date_format(from_iso8601_timestamp('2023-07-10T09:05:07Z'), '%Y/%m/%d %H:%i:%s')", "2023/07/10 09:05:07"],
    ["date_parse('2023/07/10 09:05', '%Y/%m/%d %H:%i')", "2023-07-10 09:05:00.000"],
    ["format_datetime(from_iso8601_timestamp('2023-07-10T09:05:07Z'), 'yyyy-MM-dd HH:mm')", "2023-07-10 09:05"],
    ["parse_datetime('10/Oct/2019:13:55:36', 'dd/MMM/yyyy:HH:mm:ss')", "2019-10-10 13:55:36.000 UTC"],
    ["date_add('day', -30, from_iso8601_timestamp('2023-07-10T00:00:00Z'))", "2023-06-10 00:00:00.000 UTC"],
    ["date_trunc('hour', from_iso8601_timestamp('2023-07-10T09:35:00Z'))", "2023-07-10 09:00:00.000 UTC"],
    ["day_of_week(DATE '2024-01-14')", "7"],
    ["date_diff('minute', TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 01:30:00')", "90"],
    ["current_date", "2024-01-15"],
    ["split('a.b.c', '.')", "[a, b, c]"],
    ["split_part('a.b.c', '.', 2)", "b"],
    ["element_at(split('www.example.com', '.'), -2)", "example"],
    ["element_at(MAP(ARRAY['k'], ARRAY['v']), 'k')", "v"],
    ["cardinality(ARRAY[1, 2, 3])", "3"],
    ["array_distinct(ARRAY[1, 1, 2])", "[1, 2]"],
    ["contains(ARRAY['a', 'b'], 'b')", "true"],
    ["transform(ARRAY[1, 2], x -> x * 10)", "[10, 20]"],
    ["filter(ARRAY[1, 2, 3], x -> x > 1)", "[2, 3]"],
    ["any_match(ARRAY[1, 2], x -> x > 5)", "false"],
    ["regexp_like('GetObject', '^Get')", "true"],
    ["regexp_extract('user=alice;', 'user=([a-z]+)', 1)", "alice"],
    ["regexp_extract('nothing', 'user=([a-z]+)', 1)", null],
    ["regexp_replace('a-b-c', '-', '+')", "a+b+c"],
    ["try_cast('abc' AS integer)", null],
    ["CAST('12' AS bigint) + 1", "13"],
    ["'a_b' LIKE 'a\\_b' ESCAPE '\\'", "true"],
    ["7 / 2", "3"],
    ["url_extract_host('https://bucket.s3.amazonaws.com/key?x=1')", "bucket.s3.amazonaws.com"],
    ["CAST('10.1.2.3' AS IPADDRESS) > IPADDRESS '10.0.0.0'", "true"],
    ["if(1 > 2, 'y', 'n')", "n"],
    ["ROW(1, 'a')", "{field0=1, field1=a}"],
  ])("%s", async (expr, expected) => {
    const r = await ok(ath, `SELECT ${expr}`);
    expect(r.rows).toEqual([[expected]]);
  });

  it("aggregates: approx_distinct, approx_percentile, array_agg, count_if, max_by", async () => {
    const r = await ok(
      ath,
      `SELECT approx_distinct(x), approx_percentile(x, 0.5), array_agg(x ORDER BY x DESC), count_if(x > 2), max_by(name, x)
       FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c'), (3, 'd')) AS t(x, name)`,
    );
    expect(r.rows[0].slice(0, 4)).toEqual(["3", "2", "[3, 3, 2, 1]", "2"]);
    expect(["c", "d"]).toContain(r.rows[0][4]);
  });

  it("window functions and interval arithmetic", async () => {
    const r = await ok(
      ath,
      `SELECT x, sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
              lag(x) OVER (ORDER BY x) AS prev, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '3' DAY AS later
       FROM (VALUES 1, 2, 3) AS t(x) ORDER BY x`,
    );
    expect(r.rows).toEqual([
      ["1", "1", null, "2024-01-04 00:00:00.000"],
      ["2", "3", "1", "2024-01-04 00:00:00.000"],
      ["3", "6", "2", "2024-01-04 00:00:00.000"],
    ]);
    expect(r.types).toEqual(["integer", "bigint", "integer", "timestamp"]);
  });
});
