/** A scenario can ship a prepared Athena database and named queries in state.json; results survive a restart. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AthenaClient, GetQueryResultsCommand, ListNamedQueriesCommand } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { tableFromDdl } from "../../emulator/services/athena/ddlexec.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, cloudTrailRecords, ok, read, upload } from "./helpers.ts";

const stateDir = mkdtempSync(join(tmpdir(), "ir-range-athena-prepared-"));
let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop(false);
  rmSync(stateDir, { recursive: true, force: true });
});

describe("prepared catalog", () => {
  it("queries a table the state file ships, and re-reads results from S3 after a restart", async () => {
    server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z", stateDir });
    await upload(new S3Client(server.sdk()), "cloudtrail");
    const region = server.region;
    const accountId = server.accountId;
    await server.stop(false);

    // What a scenario generator writes: the table as the bootstrap DDL defines it, plus a named query.
    const ddl = read("sql/aws-security-analytics-bootstrap/create_cloudtrail_table.sql")
      .replaceAll("<bucket_name>/<optional_prefix>/", `${BUCKET}/`)
      .replace("<YYYY>/<MM>/<DD>", "2023/07/01")
      .replace("<account_num_1>,<account_num_2>,...", "218007301253");
    const { table } = tableFromDdl(ddl, "2023-07-10T13:00:00Z");
    const file = join(stateDir, "state.json");
    const doc = JSON.parse(readFileSync(file, "utf8"));
    doc.accounts[accountId].regions[region].athena = {
      catalog: { databases: { prepared_ir: { name: "prepared_ir", createTime: "2023-07-10T13:00:00Z", tables: { cloudtrail: table } } } },
      namedQueries: {
        "7d1c2a4e-0000-4000-8000-000000000001": {
          id: "7d1c2a4e-0000-4000-8000-000000000001",
          name: "StopLogging calls",
          database: "prepared_ir",
          queryString: "SELECT eventtime, eventname FROM cloudtrail WHERE eventname = 'StopLogging'",
          workGroup: "primary",
        },
      },
    };
    writeFileSync(file, JSON.stringify(doc));

    server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z", stateDir });
    let ath = new AthenaClient(server.sdk());
    expect((await ath.send(new ListNamedQueriesCommand({}))).NamedQueryIds).toEqual(["7d1c2a4e-0000-4000-8000-000000000001"]);
    const r = await ok(ath, "SELECT count(*) FROM cloudtrail", { database: "prepared_ir" });
    expect(r.rows).toEqual([[String(cloudTrailRecords().length)]]);
    await server.stop(false);

    // A new process has no result cache: GetQueryResults reads the CSV Athena wrote to the output location.
    server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z", stateDir });
    ath = new AthenaClient(server.sdk());
    const again = await ath.send(new GetQueryResultsCommand({ QueryExecutionId: r.id }));
    expect(again.ResultSet?.Rows?.map((row) => row.Data?.map((d) => d.VarCharValue))).toEqual([["_col0"], [String(cloudTrailRecords().length)]]);
    expect(again.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]).toMatchObject({ Name: "_col0", Type: "bigint" });
  }, 60_000);
});
