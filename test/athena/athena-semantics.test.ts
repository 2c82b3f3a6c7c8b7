/**
 * Trino's semantics where DuckDB's differ (issue #15), over AWS's published CloudTrail DDL: each case cites the
 * Trino (Athena engine 3) documentation or analyzer behaviour it holds the range to.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AthenaClient, GetQueryRuntimeStatisticsCommand } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type QueryPhase, setAthenaPhaseHook } from "../../emulator/services/athena/queries.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, cloudTrailRecords, FIXTURES, OUTPUT, ok, query, read, upload, waitFor } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
const records = cloudTrailRecords();

beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z" });
  ath = new AthenaClient(server.sdk());
  await upload(new S3Client(server.sdk()), "cloudtrail");
  await ok(ath, "CREATE DATABASE ir");
  const ddl = read("sql/aws-security-analytics-bootstrap/create_cloudtrail_table.sql")
    .replaceAll("<bucket_name>/<optional_prefix>/", `${BUCKET}/`)
    .replace("<YYYY>/<MM>/<DD>", "2023/07/01")
    .replace("<account_num_1>,<account_num_2>,...", "218007301253");
  await ok(ath, ddl, { database: "ir" });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function failure(sql: string): Promise<string> {
  const r = await query(ath, sql, { database: "ir" });
  expect(r.exec.Status?.State, sql).toBe("FAILED");
  return r.exec.Status?.StateChangeReason ?? "";
}

describe("replace(string, search): https://trino.io/docs/current/functions/string.html#replace", () => {
  it("removes every occurrence of search", async () => {
    expect((await ok(ath, "SELECT replace('a-b-c', '-'), replace('a-b-c', '-', '+')")).rows).toEqual([["abc", "a+b+c"]]);
  });

  it("runs in AWS's CloudTrail UNNEST pattern (the ARN of each resource, its prefix removed)", async () => {
    const r = await ok(
      ath,
      `SELECT DISTINCT replace(res.arn, 'arn:aws:s3:::') AS bucket FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(res)
       WHERE res.arn LIKE 'arn:aws:s3:::%' ORDER BY 1`,
      { database: "ir" },
    );
    const expected = [
      ...new Set(
        records.flatMap((rec) => (rec.resources ?? []).map((x: { ARN?: string }) => x.ARN)).filter((a: string | undefined) => a?.startsWith("arn:aws:s3:::")),
      ),
    ]
      .map((a) => (a as string).replaceAll("arn:aws:s3:::", ""))
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(r.rows.map((x) => x[0])).toEqual(expected);
  });
});

describe("names Trino resolves against the input only (StatementAnalyzer: FROM, WHERE, SELECT, GROUP BY, HAVING)", () => {
  it("HAVING on a SELECT alias is COLUMN_NOT_FOUND, pointed at the alias", async () => {
    expect(await failure("SELECT eventname, count(*) AS call_count FROM cloudtrail GROUP BY eventname HAVING call_count > 10")).toBe(
      "COLUMN_NOT_FOUND: line 1:84: Column 'call_count' cannot be resolved or requester is not authorized to access requested resources",
    );
  });

  it("WHERE and GROUP BY on a SELECT alias are COLUMN_NOT_FOUND too", async () => {
    expect(await failure("SELECT eventname AS n FROM cloudtrail WHERE n = 'x'")).toMatch(/^COLUMN_NOT_FOUND: line 1:45: Column 'n' cannot be resolved/);
    expect(await failure("SELECT lower(eventname) AS n, count(*) FROM cloudtrail GROUP BY n")).toMatch(
      /^COLUMN_NOT_FOUND: line 1:65: Column 'n' cannot be resolved/,
    );
  });

  it("an alias that is also a column means the column there, and ORDER BY may use the alias", async () => {
    const name = records[0].eventName as string;
    const r = await ok(
      ath,
      `SELECT lower(eventname) AS eventname, count(*) AS n FROM cloudtrail WHERE eventname = '${name}' GROUP BY 1 HAVING count(*) > 0 ORDER BY n DESC`,
      { database: "ir" },
    );
    expect(r.rows).toEqual([[name.toLowerCase(), String(records.filter((x) => x.eventName === name).length)]]);
    const h = await ok(ath, "SELECT eventname, count(*) AS c FROM cloudtrail GROUP BY eventname HAVING count(*) > 10 ORDER BY c DESC, 1 LIMIT 1", {
      database: "ir",
    });
    expect(h.rows).toHaveLength(1);
  });

  it("a dotted reference whose first part is no column names the whole reference", async () => {
    expect(await failure("SELECT eventname, useridentity.type, identity.user.type FROM cloudtrail")).toBe(
      "COLUMN_NOT_FOUND: line 1:38: Column 'identity.user.type' cannot be resolved or requester is not authorized to access requested resources",
    );
  });

  it("a row field that does not exist names the dotted reference", async () => {
    expect(await failure("SELECT useridentity.nosuchfield FROM cloudtrail")).toBe(
      "COLUMN_NOT_FOUND: line 1:8: Column 'useridentity.nosuchfield' cannot be resolved or requester is not authorized to access requested resources",
    );
  });

  it("positions count lines of the student's statement, whatever the translation wrote", async () => {
    expect(await failure("SELECT 0.5 * 2,\n  json_extract_scalar(requestparameters, '$.bucketName'),\n  nosuch\nFROM cloudtrail")).toMatch(
      /^COLUMN_NOT_FOUND: line 3:3: Column 'nosuch' cannot be resolved/,
    );
  });
});

describe.skipIf(!hasAwsCli)("the real aws CLI", () => {
  it("shows the student Trino's error for a HAVING on an alias, and Trino's types from typeof()", async () => {
    const run = async (sql: string) => {
      const start = await aws(server, [
        "athena",
        "start-query-execution",
        "--query-string",
        sql,
        "--query-execution-context",
        "Database=ir",
        "--result-configuration",
        `OutputLocation=${OUTPUT}`,
      ]);
      expect(start.status, start.stderr).toBe(0);
      const id = start.json().QueryExecutionId as string;
      await waitFor(ath, id);
      return id;
    };
    const failed = await run("SELECT eventname, count(*) AS call_count FROM cloudtrail GROUP BY eventname HAVING call_count > 10");
    const ge = await aws(server, ["athena", "get-query-execution", "--query-execution-id", failed]);
    expect(ge.json().QueryExecution.Status.StateChangeReason).toBe(
      "COLUMN_NOT_FOUND: line 1:84: Column 'call_count' cannot be resolved or requester is not authorized to access requested resources",
    );
    const typed = await run("SELECT typeof('abc'), typeof(useridentity.sessioncontext.attributes) FROM cloudtrail LIMIT 1");
    const gr = await aws(server, ["athena", "get-query-results", "--query-execution-id", typed]);
    expect(gr.json().ResultSet.Rows[1].Data).toEqual([{ VarCharValue: "varchar(3)" }, { VarCharValue: "row(mfaauthenticated varchar, creationdate varchar)" }]);
  });
});

describe("DuckDB's errors in Athena's words (errors.ts: one rule per DuckDB error kind), at Trino's position", () => {
  it.each([
    // Trino's missing attribute names a qualified reference whole, lowercase.
    [
      "SELECT c.NoSuch FROM cloudtrail c",
      "COLUMN_NOT_FOUND: line 1:8: Column 'c.nosuch' cannot be resolved or requester is not authorized to access requested resources",
    ],
    [
      "SELECT v.y FROM (VALUES 1) AS v(x)",
      "COLUMN_NOT_FOUND: line 1:8: Column 'v.y' cannot be resolved or requester is not authorized to access requested resources",
    ],
    // Arithmetic: Trino places the error at the operator.
    ["SELECT eventname + 1 FROM cloudtrail", "TYPE_MISMATCH: line 1:18: Cannot apply operator: varchar + integer"],
    ["SELECT lower(ARRAY[1]) FROM cloudtrail", "FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (array(integer)) for function lower"],
    ["SELECT replace('a') FROM cloudtrail", "FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters for function replace"],
    ["SELECT CAST(1 AS nosuchtype)", "TYPE_NOT_FOUND: line 1:18: Unknown type: nosuchtype"],
    [
      "SELECT eventname, eventsource FROM cloudtrail GROUP BY eventname",
      "EXPRESSION_NOT_AGGREGATE: line 1:19: 'eventsource' must be an aggregate expression or appear in GROUP BY clause",
    ],
    // A HAVING name that is a column (and a SELECT alias) but not grouped: the column, as Trino reads it.
    [
      "SELECT eventname, count(*) AS eventsource FROM cloudtrail GROUP BY eventname HAVING eventsource > 1",
      "EXPRESSION_NOT_AGGREGATE: line 1:85: 'eventsource' must be an aggregate expression or appear in GROUP BY clause",
    ],
    ["SELECT * FROM cloudtrail WHERE", "SYNTAX_ERROR: line 1:31: mismatched input '<EOF>'"],
    // A CTAS's SELECT is placed within the whole statement.
    [
      "CREATE TABLE ctas_fails AS\nSELECT eventname, nosuch FROM cloudtrail",
      "COLUMN_NOT_FOUND: line 2:19: Column 'nosuch' cannot be resolved or requester is not authorized to access requested resources",
    ],
    // Errors of the run, not of the analysis: no place.
    ["SELECT CAST('abc' AS integer)", "INVALID_CAST_ARGUMENT: Cannot cast 'abc' to INT"],
    ["SELECT CAST('x' AS date)", "INVALID_CAST_ARGUMENT: Value cannot be cast to date: x"],
  ])("%s", async (sql, reason) => {
    expect(await failure(sql)).toBe(reason);
  });
});

describe("TYPE_MISMATCH on a field of a non-ROW (ExpressionAnalyzer: Expression %s is not of type ROW)", () => {
  it("prints the expression as written, unquoted, at the first reference in evaluation order (WHERE before SELECT)", async () => {
    const sql = "SELECT requestParameters.bucketName FROM cloudtrail\nWHERE RequestParameters.bucketName = 'b'";
    expect(await failure(sql)).toBe("TYPE_MISMATCH: line 2:7: Expression RequestParameters is not of type ROW");
  });

  it("within one clause, the first one written", async () => {
    expect(await failure("SELECT eventname, additionalEventData.bytesTransferredOut, requestParameters.key FROM cloudtrail")).toBe(
      "TYPE_MISMATCH: line 1:19: Expression additionalEventData is not of type ROW",
    );
  });
});

describe("types (https://trino.io/docs/current/language/types.html, conversion.html#typeof)", () => {
  it("CAST(ROW(…) AS ROW(…)) casts by position, whatever the fields are named", async () => {
    const r = await ok(ath, "SELECT CAST(ROW(1, 'a') AS ROW(x integer, y varchar)) AS r, CAST(ROW(1, 'a') AS ROW(x integer, y varchar)).y");
    expect(r.rows).toEqual([["{x=1, y=a}", "a"]]);
    const named = await ok(ath, "SELECT CAST(useridentity AS ROW(kind varchar, who varchar)).kind FROM cloudtrail LIMIT 1", { database: "ir" });
    expect(named.rows[0][0]).toBe(records.find(() => true)?.userIdentity?.type ?? null);
  });

  it("a JSON value casts to ROW by field name", async () => {
    const r = await ok(ath, `SELECT CAST(json_parse('{"b": 2, "a": 1}') AS ROW(a integer, b integer))`);
    expect(r.rows).toEqual([["{a=1, b=2}"]]);
  });

  it.each([
    ["'abc'", "varchar(3)"],
    ["ROW(1, 'a')", "row(integer, varchar(1))"],
    ["0.1", "decimal(1,1)"],
    ["123.45", "decimal(5,2)"],
    ["1", "integer"],
    ["10000000000", "bigint"],
    ["1e0", "double"],
    ["true", "boolean"],
    ["DATE '2024-01-01'", "date"],
    ["TIMESTAMP '2024-01-01 00:00:00.000'", "timestamp(3)"],
    ["ARRAY['a', 'bc']", "array(varchar(2))"],
    ["CAST(ROW(1, 'a') AS ROW(x integer, y varchar))", "row(x integer, y varchar)"],
    ["CAST('1' AS bigint)", "bigint"],
    ["now()", "timestamp(3) with time zone"],
    ["0.1 + 0.2", "decimal(2,1)"],
    ["split('a.b', '.')", "array(varchar)"],
    ["map(ARRAY['k'], ARRAY[1])", "map(varchar, integer)"],
  ])("typeof(%s) is %s", async (expr, type) => {
    expect((await ok(ath, `SELECT typeof(${expr})`)).rows).toEqual([[type]]);
  });

  it("typeof() of columns answers Trino's names", async () => {
    const r = await ok(ath, "SELECT typeof(eventname), typeof(useridentity.sessioncontext.attributes), typeof(resources) FROM cloudtrail LIMIT 1", {
      database: "ir",
    });
    expect(r.rows).toEqual([["varchar", "row(mfaauthenticated varchar, creationdate varchar)", "array(row(arn varchar, accountid varchar, type varchar))"]]);
  });

  it("the literal 0.1 is decimal(1,1) in the result's metadata too", async () => {
    const r = await query(ath, "SELECT 0.1");
    expect(r.rows).toEqual([["0.1"]]);
    expect(r.types).toEqual(["decimal"]);
  });

  it("to_utf8 and from_utf8 (https://trino.io/docs/current/functions/string.html#to_utf8): varbinary prints as hex bytes", async () => {
    const r = await ok(ath, "SELECT to_utf8('abc'), from_utf8(to_utf8('é')), to_hex(md5(to_utf8('abc'))), typeof(to_utf8('abc'))");
    expect(r.rows).toEqual([["61 62 63", "é", "900150983CD24FB0D6963F7D28E17F72", "varbinary"]]);
  });
});

describe("QueryExecution.Statistics: what the range spends in each phase, on its clock", () => {
  it("times queue, pre-processing, planning, execution and publishing apart, and adds them up", async () => {
    // Each phase moves the range's clock by its own amount (powers of ten apart): whatever else a phase takes in real
    // time (milliseconds) cannot make one phase look like another.
    const step: Record<QueryPhase, number> = { queued: 1e3, preprocessing: 1e4, planning: 1e5, executing: 1e6, publishing: 1e7 };
    const runtime = server.emulator.runtime;
    setAthenaPhaseHook(runtime, (phase) => runtime.clock.advance(step[phase]));
    onTestFinished(() => setAthenaPhaseHook(runtime, undefined));
    const r = await ok(ath, "SELECT eventname, count(*) FROM cloudtrail GROUP BY 1", { database: "ir" });
    const st = r.exec.Statistics ?? {};
    const within = (v: number | undefined, lo: number) => expect(v).toSatisfy((x: number) => x >= lo && x < lo * 5, `${v} for ${lo}`);
    within(st.QueryQueueTimeInMillis, step.queued);
    within(st.ServicePreProcessingTimeInMillis, step.preprocessing);
    within(st.QueryPlanningTimeInMillis, step.planning);
    within(st.EngineExecutionTimeInMillis, step.planning + step.executing);
    within(st.ServiceProcessingTimeInMillis, step.publishing);
    expect(st.TotalExecutionTimeInMillis).toBe(
      (st.QueryQueueTimeInMillis ?? 0) +
        (st.ServicePreProcessingTimeInMillis ?? 0) +
        (st.EngineExecutionTimeInMillis ?? 0) +
        (st.ServiceProcessingTimeInMillis ?? 0),
    );
    const timeline = (await ath.send(new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: r.id }))).QueryRuntimeStatistics?.Timeline;
    expect(timeline).toEqual({
      QueryQueueTimeInMillis: st.QueryQueueTimeInMillis,
      ServicePreProcessingTimeInMillis: st.ServicePreProcessingTimeInMillis,
      QueryPlanningTimeInMillis: st.QueryPlanningTimeInMillis,
      EngineExecutionTimeInMillis: st.EngineExecutionTimeInMillis,
      ServiceProcessingTimeInMillis: st.ServiceProcessingTimeInMillis,
      TotalExecutionTimeInMillis: st.TotalExecutionTimeInMillis,
    });
  });

  /** The fixture's objects: one partition (2023/07/10, us-east-1, account 218007301253). */
  const fixtureBytes = (() => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    return walk(join(FIXTURES, "cloudtrail")).reduce((n, f) => n + statSync(f).size, 0);
  })();

  it.each([
    ["", fixtureBytes],
    ["WHERE eventname <> 'x'", fixtureBytes],
    ["WHERE date_partition = '2023/07/10'", fixtureBytes],
    ["WHERE date_partition BETWEEN '2023/07/01' AND '2023/07/10' AND region_partition IN ('us-east-1', 'eu-west-1')", fixtureBytes],
    ["WHERE date_partition = '2023/07/09'", 0],
    ["WHERE region_partition = 'us-west-2' AND eventname <> 'x'", 0],
    ["WHERE date_partition > '2023/07/10'", 0],
    ["WHERE date_partition = '2023/07/09' OR eventname <> 'x'", fixtureBytes],
  ])("DataScannedInBytes counts the objects of the partitions the query reads: %s", async (where, bytes) => {
    const r = await ok(ath, `SELECT count(*) FROM cloudtrail ${where}`, { database: "ir" });
    expect(r.exec.Statistics?.DataScannedInBytes).toBe(bytes);
  });
});
