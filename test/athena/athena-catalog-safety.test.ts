/** Athena DDL and utility statements, the catalog seen through Athena and Glue, named queries, workgroups, cancellation and safety. */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AthenaClient,
  BatchGetNamedQueryCommand,
  CreateNamedQueryCommand,
  CreateWorkGroupCommand,
  DeleteNamedQueryCommand,
  GetDatabaseCommand,
  GetDataCatalogCommand,
  GetNamedQueryCommand,
  GetQueryExecutionCommand,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  ListDatabasesCommand,
  ListDataCatalogsCommand,
  ListNamedQueriesCommand,
  ListTableMetadataCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { GetDatabasesCommand, GetPartitionsCommand, GetTableCommand, GetTablesCommand, GlueClient } from "@aws-sdk/client-glue";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, OUTPUT, ok, query, waitFor } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
let glue: GlueClient;
let s3: S3Client;

const JSON_LINES = [
  { user: "alice", Action: "login", n: 1, tags: ["a", "b"], meta: { ip: "192.0.2.1", ok: true } },
  { user: "bob", Action: "upload", n: 5, tags: [], meta: { ip: "198.51.100.7", ok: false } },
  { user: "mallory", Action: "upload", n: 40, tags: ["x"], meta: { ip: "203.0.113.9", ok: true } },
];

/**
 * A fresh server with the lab database and its app_events table over two days of JSON lines, partitions not yet
 * loaded (MSCK REPAIR TABLE does that): each catalog test starts from this and changes only its own server.
 */
async function startLab(): Promise<void> {
  server = await startTestServer({ scenario: "basic", clock: "2024-01-15T12:00:00Z" });
  ath = new AthenaClient(server.sdk());
  glue = new GlueClient(server.sdk());
  s3 = new S3Client(server.sdk());
  for (const [day, lines] of [
    ["2024-01-14", JSON_LINES.slice(0, 2)],
    ["2024-01-15", JSON_LINES.slice(2)],
  ] as const) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `app/dt=${day}/events.json`, Body: lines.map((l) => JSON.stringify(l)).join("\n") }));
  }
  await ok(ath, "CREATE DATABASE IF NOT EXISTS lab COMMENT 'practice'");
  await ok(
    ath,
    `CREATE EXTERNAL TABLE app_events (user string, action string, n int, tags array<string>, meta struct<ip:string,ok:boolean>)
     PARTITIONED BY (dt string)
     ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
     LOCATION 's3://${BUCKET}/app/'`,
    { database: "lab" },
  );
}

const repair = () => ok(ath, "MSCK REPAIR TABLE app_events", { database: "lab" });

/** Registers a fresh lab (startLab) for each test of the enclosing describe. */
function freshLabPerTest(): void {
  beforeEach(startLab, 60_000);
  afterEach(async () => {
    await server?.stop();
  });
}

/** Registers one lab (startLab) for the enclosing describe, whose tests only read it or change what no other test reads. */
function sharedLab(): void {
  beforeAll(startLab, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
}

describe("DDL and utility statements", () => {
  freshLabPerTest();

  it("MSCK REPAIR TABLE finds Hive-style partitions; the openx JSON serde maps keys case-insensitively", async () => {
    const empty = await ok(ath, "SELECT count(*) FROM app_events", { database: "lab" });
    expect(empty.rows).toEqual([["0"]]);
    const repaired = await repair();
    expect(repaired.exec.StatementType).toBe("DDL");
    expect(repaired.rows.flat().join("\n")).toContain("Repair: Added partition to metastore app_events:dt=2024-01-15");
    const r = await ok(ath, "SELECT dt, user, action, n, tags, meta.ip, meta FROM app_events ORDER BY n", { database: "lab" });
    expect(r.rows).toEqual([
      ["2024-01-14", "alice", "login", "1", "[a, b]", "192.0.2.1", "{ip=192.0.2.1, ok=true}"],
      ["2024-01-14", "bob", "upload", "5", "[]", "198.51.100.7", "{ip=198.51.100.7, ok=false}"],
      ["2024-01-15", "mallory", "upload", "40", "[x]", "203.0.113.9", "{ip=203.0.113.9, ok=true}"],
    ]);
    expect(r.types).toEqual(["varchar", "varchar", "varchar", "integer", "array", "varchar", "row"]);
    const lam = await ok(ath, "SELECT user FROM app_events WHERE any_match(tags, t -> t = 'x') OR cardinality(filter(tags, t -> t = 'b')) > 0 ORDER BY 1", {
      database: "lab",
    });
    expect(lam.rows).toEqual([["alice"], ["mallory"]]);
  });

  it("information_schema describes the Athena catalog", async () => {
    const cols = await ok(
      ath,
      "SELECT column_name, data_type, extra_info FROM information_schema.columns WHERE table_schema = 'lab' AND table_name = 'app_events' ORDER BY ordinal_position",
    );
    expect(cols.rows).toEqual([
      ["user", "varchar", null],
      ["action", "varchar", null],
      ["n", "integer", null],
      ["tags", "array(varchar)", null],
      ["meta", "row(ip varchar, ok boolean)", null],
      ["dt", "varchar", "partition key"],
    ]);
    const t = await ok(ath, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'lab' AND table_type = 'BASE TABLE' ORDER BY 1");
    expect(t.rows.flat()).toContain("app_events");
  });

  it("SHOW DATABASES / TABLES / COLUMNS and DESCRIBE describe the catalog", async () => {
    expect((await ok(ath, "SHOW DATABASES")).rows).toEqual([["default"], ["lab"]]);
    expect((await ok(ath, "SHOW TABLES IN lab")).rows).toEqual([["app_events"]]);
    const cols = await ok(ath, "SHOW COLUMNS IN app_events", { database: "lab" });
    expect(cols.rows.flat()).toEqual(["user", "action", "n", "tags", "meta", "dt"]);
    const create = await ok(ath, "SHOW CREATE TABLE lab.app_events");
    expect(create.rows.flat().join("\n")).toMatch(
      /^CREATE EXTERNAL TABLE `lab`\.`app_events`\(\n {2}`user` string,[\s\S]*PARTITIONED BY[\s\S]*LOCATION\n {2}'s3:\/\/basic-evidence\/app\/'/,
    );
    const d = await ok(ath, "DESCRIBE lab.app_events");
    expect(d.exec.StatementType).toBe("UTILITY");
    expect(d.rows[3][0]).toMatch(/^tags\s+\tarray<string>/);
  });

  it("CREATE VIEW and CREATE TABLE AS SELECT give queryable relations", async () => {
    await repair();
    await ok(ath, "CREATE VIEW uploads AS SELECT user, n FROM app_events WHERE action = 'upload'", { database: "lab" });
    const v = await ok(ath, "SELECT sum(n) FROM lab.uploads");
    expect(v.rows).toEqual([["45"]]);
    const ctas = await ok(ath, "CREATE TABLE big_uploads AS SELECT user, n FROM uploads WHERE n > 10", { database: "lab" });
    expect(ctas.rows).toEqual([["1"]]);
    const t = await ok(ath, "SELECT user, n FROM big_uploads", { database: "lab" });
    expect(t.rows).toEqual([["mallory", "40"]]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `athena-results/tables/${ctas.id}/` }));
    expect(listed.KeyCount).toBe(1);
    await ok(ath, "DROP TABLE big_uploads", { database: "lab" });
    const gone = await query(ath, "SELECT * FROM big_uploads", { database: "lab" });
    expect(gone.exec.Status?.StateChangeReason).toMatch(/^TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog\.lab\.big_uploads' does not exist/);
  });

  it("a STORED AS PARQUET table reads columns by name (any case); columns missing from the file are NULL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-parquet-"));
    try {
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      const file = join(dir, "flows.parquet");
      await c.run(`COPY (SELECT 2 AS Version, 22 AS DstPort, 'ACCEPT' AS Action UNION ALL SELECT 2, 3389, 'REJECT') TO '${file}' (FORMAT parquet)`);
      c.closeSync();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "pq/flows/part-0000.parquet", Body: readFileSync(file) }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await ok(
      ath,
      `CREATE EXTERNAL TABLE flows_pq (version int, dstport int, action string, srcaddr string) STORED AS PARQUET LOCATION 's3://${BUCKET}/pq/flows/'`,
      {
        database: "lab",
      },
    );
    const r = await ok(ath, `SELECT dstport, action, srcaddr, "$path" FROM flows_pq ORDER BY dstport`, { database: "lab" });
    expect(r.rows).toEqual([
      ["22", "ACCEPT", null, `s3://${BUCKET}/pq/flows/part-0000.parquet`],
      ["3389", "REJECT", null, `s3://${BUCKET}/pq/flows/part-0000.parquet`],
    ]);
  });

  it("reports DDL mistakes as FAILED executions", async () => {
    const dup = await query(ath, "CREATE DATABASE lab");
    expect(dup.exec.Status?.StateChangeReason).toMatch(/already exists/);
    await ok(ath, "CREATE DATABASE scratch");
    await ok(ath, `CREATE EXTERNAL TABLE scratch.t (a string) LOCATION 's3://${BUCKET}/nothing/'`);
    const notEmpty = await query(ath, "DROP DATABASE scratch");
    expect(notEmpty.exec.Status?.StateChangeReason).toMatch(/^SCHEMA_NOT_EMPTY/);
    await ok(ath, "DROP DATABASE scratch CASCADE");
    expect((await ok(ath, "SHOW DATABASES LIKE 'scr*'")).rows).toEqual([]);
    const bad = await query(ath, "CREATE EXTERNAL TABLE x (a string) ROW FORMAT SERDE");
    expect(bad.exec.Status?.StateChangeReason).toMatch(/^SYNTAX_ERROR: line 1:\d+: mismatched input '<EOF>'/);
  });
});

describe("catalog APIs (Athena and Glue views of the same catalog)", () => {
  sharedLab();

  it("Athena lists the data catalog, databases and table metadata", async () => {
    const cats = await ath.send(new ListDataCatalogsCommand({}));
    expect(cats.DataCatalogsSummary).toEqual([{ CatalogName: "AwsDataCatalog", Type: "GLUE", Status: "CREATE_COMPLETE" }]);
    expect((await ath.send(new GetDataCatalogCommand({ Name: "AwsDataCatalog" }))).DataCatalog?.Type).toBe("GLUE");
    const dbs = await ath.send(new ListDatabasesCommand({ CatalogName: "AwsDataCatalog" }));
    expect(dbs.DatabaseList?.map((d) => d.Name)).toEqual(["default", "lab"]);
    expect((await ath.send(new GetDatabaseCommand({ CatalogName: "AwsDataCatalog", DatabaseName: "lab" }))).Database?.Description).toBe("practice");
    const tables = await ath.send(new ListTableMetadataCommand({ CatalogName: "AwsDataCatalog", DatabaseName: "lab" }));
    expect(tables.TableMetadataList?.map((t) => t.Name)).toContain("app_events");
    const t = await ath.send(new GetTableMetadataCommand({ CatalogName: "AwsDataCatalog", DatabaseName: "lab", TableName: "app_events" }));
    expect(t.TableMetadata).toMatchObject({
      TableType: "EXTERNAL_TABLE",
      PartitionKeys: [{ Name: "dt", Type: "string" }],
      Parameters: expect.objectContaining({ location: `s3://${BUCKET}/app/`, "serde.serialization.lib": "org.openx.data.jsonserde.JsonSerDe" }),
    });
    expect(t.TableMetadata?.Columns?.find((c) => c.Name === "meta")?.Type).toBe("struct<ip:string,ok:boolean>");
    await expect(ath.send(new GetTableMetadataCommand({ CatalogName: "AwsDataCatalog", DatabaseName: "lab", TableName: "nope" }))).rejects.toMatchObject({
      name: "MetadataException",
    });
  });

  it("Glue GetDatabases / GetTables / GetTable / GetPartitions show the same tables", async () => {
    await repair();
    const dbs = await glue.send(new GetDatabasesCommand({}));
    expect(dbs.DatabaseList?.map((d) => d.Name)).toEqual(["default", "lab"]);
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: "lab" }));
    expect(tables.TableList?.map((t) => t.Name)).toContain("app_events");
    const t = await glue.send(new GetTableCommand({ DatabaseName: "lab", Name: "app_events" }));
    expect(t.Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe("org.openx.data.jsonserde.JsonSerDe");
    expect(t.Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/app/`);
    expect(t.Table?.CreateTime).toBeInstanceOf(Date);
    const parts = await glue.send(new GetPartitionsCommand({ DatabaseName: "lab", TableName: "app_events" }));
    expect(parts.Partitions?.map((p) => p.Values)).toEqual([["2024-01-14"], ["2024-01-15"]]);
    await expect(glue.send(new GetTableCommand({ DatabaseName: "lab", Name: "nope" }))).rejects.toMatchObject({ name: "EntityNotFoundException" });
    await expect(glue.send(new GetTablesCommand({ DatabaseName: "nodb" }))).rejects.toMatchObject({ name: "EntityNotFoundException" });
  });

  it("named queries: create, get, list, batch-get, delete", async () => {
    const { NamedQueryId } = await ath.send(new CreateNamedQueryCommand({ Name: "uploads", Database: "lab", QueryString: "SELECT * FROM uploads" }));
    const got = await ath.send(new GetNamedQueryCommand({ NamedQueryId }));
    expect(got.NamedQuery).toMatchObject({ Name: "uploads", Database: "lab", QueryString: "SELECT * FROM uploads", WorkGroup: "primary" });
    expect((await ath.send(new ListNamedQueriesCommand({}))).NamedQueryIds).toContain(NamedQueryId);
    const batch = await ath.send(new BatchGetNamedQueryCommand({ NamedQueryIds: [NamedQueryId as string, "missing"] }));
    expect(batch.NamedQueries?.map((q) => q.NamedQueryId)).toEqual([NamedQueryId]);
    expect(batch.UnprocessedNamedQueryIds?.map((q) => q.NamedQueryId)).toEqual(["missing"]);
    await ath.send(new DeleteNamedQueryCommand({ NamedQueryId }));
    await expect(ath.send(new GetNamedQueryCommand({ NamedQueryId }))).rejects.toMatchObject({ name: "InvalidRequestException" });
  });

  it("workgroups: primary exists; a created workgroup supplies the output location", async () => {
    expect((await ath.send(new GetWorkGroupCommand({ WorkGroup: "primary" }))).WorkGroup?.State).toBe("ENABLED");
    await ath.send(new CreateWorkGroupCommand({ Name: "ir", Configuration: { ResultConfiguration: { OutputLocation: `s3://${BUCKET}/ir-wg/` } } }));
    expect((await ath.send(new ListWorkGroupsCommand({}))).WorkGroups?.map((w) => w.Name)).toEqual(["ir", "primary"]);
    const { QueryExecutionId } = await ath.send(new StartQueryExecutionCommand({ QueryString: "SELECT 42 AS answer", WorkGroup: "ir" }));
    const ex = await waitFor(ath, QueryExecutionId as string);
    expect(ex.ResultConfiguration?.OutputLocation).toBe(`s3://${BUCKET}/ir-wg/${QueryExecutionId}.csv`);
    expect(ex.WorkGroup).toBe("ir");
  });
});

/** Queries that need no catalog share one server. */
describe("queries of their own", () => {
  beforeAll(async () => {
    server = await startTestServer({ scenario: "basic", clock: "2024-01-15T12:00:00Z" });
    ath = new AthenaClient(server.sdk());
    glue = new GlueClient(server.sdk());
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("a runaway query", () => {
    it("does not block other API calls and StopQueryExecution cancels it", async () => {
      const { QueryExecutionId } = await ath.send(
        new StartQueryExecutionCommand({
          QueryString: "SELECT count(*) FROM UNNEST(sequence(1, 200000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 200000)) AS b(y) WHERE (x * y) % 7 = 3",
          ResultConfiguration: { OutputLocation: OUTPUT },
        }),
      );
      const id = QueryExecutionId as string;
      // Polled until it runs (QUEUED first), for at most 30 s.
      let state: string | undefined;
      for (const deadline = Date.now() + 30_000; state !== "RUNNING" && Date.now() < deadline; ) {
        state = (await ath.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status?.State;
        if (state === "QUEUED") await new Promise((r) => setTimeout(r, 20));
        else expect(state).toBe("RUNNING");
      }
      expect(state).toBe("RUNNING");
      await glue.send(new GetDatabasesCommand({}));
      const quick = await ok(ath, "SELECT 1");
      expect(quick.rows).toEqual([["1"]]);
      // The quick query finished while the runaway one was still running: it did not wait its turn behind it.
      expect((await ath.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status?.State).toBe("RUNNING");
      await ath.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      const ex = await waitFor(ath, id, 10_000);
      expect(ex.Status?.State).toBe("CANCELLED");
    }, 30_000);
  });

  describe("escape hatches are refused", () => {
    it.each([
      ["SELECT * FROM read_csv('/etc/passwd')", /^FUNCTION_NOT_FOUND: line 1:15: Function 'read_csv' not registered$/],
      ["SELECT * FROM read_json_auto('/etc/hosts')", /^FUNCTION_NOT_FOUND: .*'read_json_auto' not registered/],
      ["SELECT * FROM read_parquet('x.parquet')", /^FUNCTION_NOT_FOUND: .*'read_parquet' not registered/],
      ["SELECT * FROM glob('/*')", /^FUNCTION_NOT_FOUND: .*'glob' not registered/],
      ["SELECT * FROM '/etc/passwd'", /^NOT_SUPPORTED: .*Reading files/],
      ['SELECT * FROM "/etc/hostname.csv"', /^NOT_SUPPORTED: .*Reading files/],
      ["SELECT read_text('/etc/passwd')", /^FUNCTION_NOT_FOUND: .*'read_text' not registered/],
      ["SELECT getenv('HOME')", /^FUNCTION_NOT_FOUND: .*'getenv' not registered/],
      ["SELECT current_setting('threads')", /^FUNCTION_NOT_FOUND: .*'current_setting' not registered/],
      ["SELECT * FROM duckdb_settings()", /^FUNCTION_NOT_FOUND: .*'duckdb_settings' not registered/],
      ["COPY (SELECT 1) TO '/tmp/x.csv'", /^NOT_SUPPORTED: .*COPY/],
      ["ATTACH '/tmp/x.db' AS x", /^NOT_SUPPORTED: .*ATTACH/],
      ["INSTALL httpfs", /^NOT_SUPPORTED: .*INSTALL/],
      ["LOAD httpfs", /^NOT_SUPPORTED: .*LOAD/],
      ["SET memory_limit = '100GB'", /^NOT_SUPPORTED: .*SET/],
      ["PRAGMA database_list", /^NOT_SUPPORTED: .*PRAGMA/],
      ["EXPORT DATABASE '/tmp/out'", /^NOT_SUPPORTED: .*EXPORT/],
      ["IMPORT DATABASE '/tmp/out'", /^NOT_SUPPORTED: .*IMPORT/],
      ["CALL pragma_version()", /^NOT_SUPPORTED: .*CALL/],
      ["SELECT 1; SELECT 2", /^SYNTAX_ERROR: line 1:9: mismatched input ';'/],
      ["WITH x AS (SELECT 1) SELECT * FROM x; COPY x TO '/tmp/y'", /^(SYNTAX_ERROR|NOT_SUPPORTED)/],
    ])("%s", async (sql, reason) => {
      const r = await query(ath, sql);
      expect(r.exec.Status?.State).toBe("FAILED");
      expect(r.exec.Status?.StateChangeReason).toMatch(reason);
    });
  });
});

describe.skipIf(!hasAwsCli)("CLI over the catalog", () => {
  sharedLab();

  it("aws glue get-tables and aws athena list-table-metadata agree", async () => {
    const g = await aws(server, ["glue", "get-tables", "--database-name", "lab"]);
    expect(g.status, g.stderr).toBe(0);
    const a = await aws(server, ["athena", "list-table-metadata", "--catalog-name", "AwsDataCatalog", "--database-name", "lab"]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.json().TableMetadataList.map((t: { Name: string }) => t.Name)).toEqual(g.json().TableList.map((t: { Name: string }) => t.Name));
  });
});
