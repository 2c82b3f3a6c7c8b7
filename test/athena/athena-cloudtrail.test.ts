/** Athena over CloudTrail: AWS's published DDL, the query API through the real CLI and SDK v3, answers checked against TypeScript. */

import { gzipSync } from "node:zlib";
import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryRuntimeStatisticsCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { engineFor } from "../../emulator/services/athena/engine.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, cloudTrailRecords, OUTPUT, ok, query, read, upload, waitFor } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
const records = cloudTrailRecords();

/** The AWS Security Analytics Bootstrap CloudTrail DDL (CloudTrailSerde + partition projection), placeholders filled in. */
const bootstrapDdl = read("sql/aws-security-analytics-bootstrap/create_cloudtrail_table.sql")
  .replaceAll("<bucket_name>/<optional_prefix>/", `${BUCKET}/`)
  .replace("<YYYY>/<MM>/<DD>", "2023/07/01")
  .replace("<account_num_1>,<account_num_2>,...", "218007301253");

/** The Athena user guide's CloudTrail table (hcatalog JsonSerDe + CloudTrailInputFormat, partitions added by hand). */
const docsDdl = (
  /CREATE EXTERNAL TABLE cloudtrail_logs \([\s\S]*?LOCATION '[^']*'/.exec(read("sql/awsdocs-athena/cloudtrail-logs.md")) as RegExpExecArray
)[0].replace(/LOCATION '[^']*'/, `LOCATION 's3://${BUCKET}/AWSLogs/218007301253/CloudTrail/'`);

function countBy<T>(items: T[], key: (t: T) => string | undefined | null): Map<string | null, number> {
  const m = new Map<string | null, number>();
  for (const i of items) {
    const k = key(i) ?? null;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** A server with the CloudTrail fixture delivered to its bucket and the published table over it, in database ir. */
async function startIr(): Promise<{ server: TestServer; ath: AthenaClient; s3: S3Client }> {
  const server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z" });
  const ath = new AthenaClient(server.sdk());
  const s3 = new S3Client(server.sdk());
  await upload(s3, "cloudtrail");
  await ok(ath, "CREATE DATABASE ir");
  await ok(ath, bootstrapDdl, { database: "ir" });
  return { server, ath, s3 };
}

beforeAll(async () => {
  ({ server, ath } = await startIr());
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!hasAwsCli)("the real aws CLI", () => {
  it("runs GROUP BY eventname over the published CloudTrailSerde table and matches a count in TypeScript", async () => {
    const start = await aws(server, [
      "athena",
      "start-query-execution",
      "--query-string",
      "SELECT eventname, count(*) FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC, 1",
      "--query-execution-context",
      "Database=ir",
      "--result-configuration",
      `OutputLocation=${OUTPUT}`,
    ]);
    expect(start.status, start.stderr).toBe(0);
    const id = start.json().QueryExecutionId as string;
    await waitFor(ath, id);
    const ge = await aws(server, ["athena", "get-query-execution", "--query-execution-id", id]);
    const ex = ge.json().QueryExecution;
    expect(ex.Status.State).toBe("SUCCEEDED");
    expect(ex.StatementType).toBe("DML");
    expect(ex.EngineVersion).toEqual({ SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" });
    expect(ex.ResultConfiguration.OutputLocation).toBe(`${OUTPUT}${id}.csv`);
    expect(ex.Statistics.DataScannedInBytes).toBeGreaterThan(0);
    expect(typeof ex.Statistics.EngineExecutionTimeInMillis).toBe("number");
    // The CLI prints awsJson timestamps as epoch seconds by default.
    const ms = (v: number | string) => (typeof v === "number" ? v * 1000 : Date.parse(v));
    expect(ms(ex.Status.SubmissionDateTime)).toBeGreaterThanOrEqual(Date.parse("2023-07-11T09:00:00Z"));
    expect(ms(ex.Status.CompletionDateTime)).toBeGreaterThanOrEqual(ms(ex.Status.SubmissionDateTime));

    const res = await aws(server, ["athena", "get-query-results", "--query-execution-id", id]);
    expect(res.status, res.stderr).toBe(0);
    const rs = res.json().ResultSet;
    expect(rs.ResultSetMetadata.ColumnInfo.map((c: { Name: string; Type: string }) => [c.Name, c.Type])).toEqual([
      ["eventname", "varchar"],
      ["_col1", "bigint"],
    ]);
    expect(rs.Rows[0].Data.map((d: { VarCharValue: string }) => d.VarCharValue)).toEqual(["eventname", "_col1"]);
    const got = new Map<string, number>(
      rs.Rows.slice(1).map((r: { Data: { VarCharValue: string }[] }) => [r.Data[0].VarCharValue, Number(r.Data[1].VarCharValue)]),
    );
    expect(got).toEqual(countBy(records, (r) => r.eventName));

    // The same answer is in S3 as Athena's CSV.
    const cp = await aws(server, ["s3", "cp", `${OUTPUT}${id}.csv`, "-"]);
    expect(cp.status, cp.stderr).toBe(0);
    const lines = cp.stdout.trim().split("\n");
    expect(lines[0]).toBe('"eventname","_col1"');
    expect(lines.length).toBe(got.size + 1);
  });

  it("pages results with --max-items through NextToken", async () => {
    const r = await ok(ath, "SELECT eventid FROM cloudtrail ORDER BY eventid", { database: "ir" });
    const cli = await aws(server, ["athena", "get-query-results", "--query-execution-id", r.id, "--page-size", "100"]);
    expect(cli.status, cli.stderr).toBe(0);
    const rows = cli.json().ResultSet.Rows;
    expect(rows.length).toBe(records.length + 1);
    expect(rows.slice(1).map((x: { Data: { VarCharValue: string }[] }) => x.Data[0].VarCharValue)).toEqual(records.map((x) => x.eventID).sort());
  });

  it("refuses results of a failed query with InvalidRequestException", async () => {
    const r = await query(ath, "SELECT nosuchcolumn FROM cloudtrail", { database: "ir" });
    const cli = await aws(server, ["athena", "get-query-results", "--query-execution-id", r.id]);
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain("InvalidRequestException");
  });
});

describe("query API (SDK v3)", () => {
  it("struct access, $path, arrays and json_extract_scalar agree with the records", async () => {
    const r = await ok(
      ath,
      `SELECT eventid, useridentity.sessioncontext.sessionissuer.arn AS issuer, useridentity.type, "$path",
              json_extract_scalar(requestparameters, '$.name') AS trail, cardinality(resources) AS nres, eventtime
       FROM cloudtrail WHERE eventname = 'StopLogging' ORDER BY eventid`,
      { database: "ir" },
    );
    const expected = records
      .filter((x) => x.eventName === "StopLogging")
      .sort((a, b) => (a.eventID < b.eventID ? -1 : 1))
      .map((x) => [
        x.eventID,
        x.userIdentity?.sessionContext?.sessionIssuer?.arn ?? null,
        x.userIdentity?.type ?? null,
        expect.stringMatching(/^s3:\/\/basic-evidence\/AWSLogs\/218007301253\/CloudTrail\/us-east-1\/2023\/07\/10\/.*\.json\.gz$/),
        x.requestParameters?.name ?? null,
        x.resources ? String(x.resources.length) : null,
        x.eventTime,
      ]);
    expect(expected.length).toBeGreaterThan(0);
    expect(r.rows).toEqual(expected);
    expect(r.header).toEqual(["eventid", "issuer", "type", "$path", "trail", "nres", "eventtime"]);
  });

  it("partition projection exposes the partition columns from the S3 layout", async () => {
    const r = await ok(ath, "SELECT account_partition, region_partition, date_partition, count(*) FROM cloudtrail GROUP BY 1, 2, 3", { database: "ir" });
    expect(r.rows).toEqual([["218007301253", "us-east-1", "2023/07/10", String(records.length)]]);
    // Outside the projected range (dates after NOW) nothing is read.
    const none = await ok(ath, "SELECT count(*) FROM cloudtrail WHERE date_partition > '2023/07/10'", { database: "ir" });
    expect(none.rows).toEqual([["0"]]);
  });

  it("a partitioned table without partitions is empty until ALTER TABLE ADD PARTITION", async () => {
    await ok(ath, docsDdl, { database: "ir" });
    const before = await ok(ath, "SELECT count(*) FROM cloudtrail_logs", { database: "ir" });
    expect(before.rows).toEqual([["0"]]);
    await ok(
      ath,
      `ALTER TABLE cloudtrail_logs ADD PARTITION (region='us-east-1', year='2023', month='07', day='10') LOCATION 's3://${BUCKET}/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/'`,
      { database: "ir" },
    );
    const after = await ok(ath, "SELECT region, year, count(*) FROM ir.cloudtrail_logs GROUP BY 1, 2", {});
    expect(after.rows).toEqual([["us-east-1", "2023", String(records.length)]]);
    const parts = await ok(ath, "SHOW PARTITIONS cloudtrail_logs", { database: "ir" });
    expect(parts.rows).toEqual([["region=us-east-1/year=2023/month=07/day=10"]]);
  });

  it("time functions, CTEs, UNNEST and window functions", async () => {
    const r = await ok(
      ath,
      `WITH hourly AS (
         SELECT date_trunc('minute', from_iso8601_timestamp(eventtime)) AS minute, count(*) AS n
         FROM cloudtrail GROUP BY 1)
       SELECT date_format(minute, '%Y-%m-%d %H:%i') AS m, n, rank() OVER (ORDER BY n DESC, minute) AS rk
       FROM hourly ORDER BY rk LIMIT 3`,
      { database: "ir" },
    );
    const perMinute = countBy(records, (x) => (x.eventTime as string).slice(0, 16).replace("T", " "));
    const top = [...perMinute.entries()].sort((a, b) => b[1] - a[1] || ((a[0] as string) < (b[0] as string) ? -1 : 1)).slice(0, 3);
    expect(r.rows).toEqual(top.map(([m, n], i) => [m, String(n), String(i + 1)]));

    const un = await ok(
      ath,
      `SELECT r.arn, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(r)
       WHERE r.arn IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
      { database: "ir" },
    );
    const byArn = countBy(
      records.flatMap((x) => (x.resources ?? []) as { ARN?: string }[]).filter((x) => x.ARN),
      (x) => x.ARN,
    );
    const topArn = [...byArn.entries()].sort((a, b) => b[1] - a[1] || ((a[0] as string) < (b[0] as string) ? -1 : 1)).slice(0, 5);
    expect(un.rows).toEqual(topArn.map(([a, n]) => [a, String(n)]));
    // Trino spreads the row fields of an array of rows into the alias's columns.
    const spread = await ok(
      ath,
      `SELECT arn, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resources) AS r(arn, accountid, type)
       WHERE arn IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
      { database: "ir" },
    );
    expect(spread.rows).toEqual(un.rows);
  });

  it("now() is the emulator clock, so relative windows see the recorded incident", async () => {
    const r = await ok(ath, "SELECT count(*) FROM cloudtrail WHERE from_iso8601_timestamp(eventtime) > now() - interval '1' day", { database: "ir" });
    expect(r.rows).toEqual([[String(records.length)]]);
    const t = await ok(ath, "SELECT to_iso8601(current_timestamp), date_add('hour', -1, from_iso8601_timestamp('2023-07-10T12:00:00Z'))");
    expect(t.rows[0][0]).toMatch(/^2023-07-11T09:0\d:\d\d\.\d{3}Z$/);
    expect(t.rows[0][1]).toBe("2023-07-10 11:00:00.000 UTC");
  });

  it("ExecutionParameters fill ? placeholders", async () => {
    const r = await ok(ath, "SELECT count(*) FROM cloudtrail WHERE eventname = ? AND readonly = ?", { database: "ir", params: ["'GetSecretValue'", "'true'"] });
    expect(r.rows).toEqual([[String(records.filter((x) => x.eventName === "GetSecretValue" && x.readOnly === true).length)]]);
  });

  it("ClientRequestToken makes StartQueryExecution idempotent", async () => {
    const input = { QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: OUTPUT }, ClientRequestToken: "token-0123456789-0123456789-0123456789" };
    const a = await ath.send(new StartQueryExecutionCommand(input));
    const b = await ath.send(new StartQueryExecutionCommand(input));
    expect(b.QueryExecutionId).toBe(a.QueryExecutionId);
    await expect(ath.send(new StartQueryExecutionCommand({ ...input, QueryString: "SELECT 2" }))).rejects.toMatchObject({ name: "InvalidRequestException" });
  });

  it("List, BatchGet and runtime statistics describe past executions", async () => {
    const r = await ok(ath, "SELECT count(*) FROM cloudtrail", { database: "ir" });
    const list = await ath.send(new ListQueryExecutionsCommand({ MaxResults: 50 }));
    expect(list.QueryExecutionIds?.[0]).toBe(r.id);
    const batch = await ath.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: [r.id, "00000000-0000-0000-0000-000000000000"] }));
    expect(batch.QueryExecutions?.[0]).toMatchObject({ QueryExecutionId: r.id, Status: { State: "SUCCEEDED" }, WorkGroup: "primary" });
    expect(batch.UnprocessedQueryExecutionIds?.[0]?.QueryExecutionId).toBe("00000000-0000-0000-0000-000000000000");
    const stats = await ath.send(new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: r.id }));
    expect(stats.QueryRuntimeStatistics?.Rows?.OutputRows).toBe(1);
  });

  it("GetQueryResults pages with MaxResults and NextToken, header only on the first page", async () => {
    const r = await ok(ath, "SELECT eventid FROM cloudtrail ORDER BY eventid LIMIT 25", { database: "ir" });
    const p1 = await ath.send(new GetQueryResultsCommand({ QueryExecutionId: r.id, MaxResults: 10 }));
    const p2 = await ath.send(new GetQueryResultsCommand({ QueryExecutionId: r.id, MaxResults: 10, NextToken: p1.NextToken }));
    expect(p1.ResultSet?.Rows?.[0]?.Data?.[0]?.VarCharValue).toBe("eventid");
    expect(p2.ResultSet?.Rows?.[0]?.Data?.[0]?.VarCharValue).toBe(r.rows[9][0]);
    await expect(ath.send(new GetQueryResultsCommand({ QueryExecutionId: r.id, MaxResults: 1001 }))).rejects.toMatchObject({ name: "InvalidRequestException" });
  });

  it("a new CloudTrail delivery is picked up by the next query", async () => {
    // Its own server: the delivery would change every count the other tests compare with the fixture's records.
    const { server: own, ath, s3 } = await startIr();
    onTestFinished(() => own.stop());
    const before = await ok(ath, "SELECT count(*) FROM cloudtrail WHERE eventname = 'IrRangeProbe'", { database: "ir" });
    expect(before.rows).toEqual([["0"]]);
    // As on the shared server, the delivery comes once the table is cached (materialized in the background after
    // the first query), and is appended to it.
    await (await engineFor(own.emulator.runtime)).idle();
    const rec = { ...records[0], eventID: "11111111-2222-3333-4444-555555555555", eventName: "IrRangeProbe" };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/218007301253_CloudTrail_us-east-1_20230710T1300Z_probe.json.gz",
        Body: gzipSync(JSON.stringify({ Records: [rec] })),
      }),
    );
    const after = await ok(ath, "SELECT count(*), max(eventid) FROM cloudtrail WHERE eventname = 'IrRangeProbe'", { database: "ir" });
    expect(after.rows).toEqual([["1", "11111111-2222-3333-4444-555555555555"]]);
  });
});

describe("Athena's error forms", () => {
  it.each([
    ["SELECT nosuch FROM cloudtrail", /^COLUMN_NOT_FOUND: line 1:8: Column 'nosuch' cannot be resolved/],
    ["SELECT * FROM nosuchtable", /^TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog\.ir\.nosuchtable' does not exist/],
    ["SELECT * FROM nodb.t", /^SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist/],
    ["SELEC 1", /^SYNTAX_ERROR: line 1:1: /],
    ["SELECT nosuchfunction(eventname) FROM cloudtrail", /^FUNCTION_NOT_FOUND: line 1:8: Function 'nosuchfunction' not registered/],
  ])("%s fails with %s", async (sql, reason) => {
    const r = await query(ath, sql, { database: "ir" });
    expect(r.exec.Status?.State).toBe("FAILED");
    expect(r.exec.Status?.StateChangeReason).toMatch(reason);
  });

  it("rejects malformed API input with InvalidRequestException", async () => {
    await expect(ath.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1" }))).rejects.toMatchObject({
      name: "InvalidRequestException",
      message: expect.stringContaining("No output location provided"),
    });
    await expect(
      ath.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1", WorkGroup: "nope", ResultConfiguration: { OutputLocation: OUTPUT } })),
    ).rejects.toMatchObject({
      name: "InvalidRequestException",
    });
  });

  it("fails the query when the output bucket does not exist", async () => {
    const r = await query(ath, "SELECT 1", { output: "s3://no-such-bucket-for-results/x/" });
    expect(r.exec.Status?.State).toBe("FAILED");
    expect(r.exec.Status?.StateChangeReason).toContain("no-such-bucket-for-results");
  });
});
