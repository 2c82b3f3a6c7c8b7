/**
 * DuckDB reading CloudTrail and JSON files itself must give exactly what the JavaScript serdes give: two
 * servers over the same objects, one reading natively, one with native reads off, answer the same queries
 * with the same rows and types — straight from the files, once cached, after new and deleted objects, and
 * where DuckDB cannot read the files as planned (the JavaScript reader takes over).
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { AthenaClient } from "@aws-sdk/client-athena";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFor } from "../../emulator/services/athena/engine.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, FIXTURES, ok, query, read, upload } from "./helpers.ts";

interface Side {
  server: TestServer;
  ath: AthenaClient;
  s3: S3Client;
}

let native: Side;
let js: Side;
/** A server whose recording ships the CloudTrail files as its own: DuckDB reads them where they lie. */
let recorded: Side;
const recordings = mkdtempSync(join(tmpdir(), "ir-range-native-"));
const both = () => [native, js];

const ACCOUNT = "218007301253";
const scope = { accountId: "", region: "" };

/** Tricky JSON for coerce's rules: numbers as strings, booleans as words, keys spelled in other cases, nesting. */
const APP_LINES = [
  {
    id: 1,
    user: "alice",
    n: 1.9,
    ok: "TRUE",
    score: "2.5",
    tags: ["a", "b"],
    meta: { IP: "192.0.2.1", Ok: true, Depth: { Level: "3" } },
    attrs: { k: "1", j: 2 },
    note: { x: [1, 2], u: 'é\u2028"q"' },
    list: [
      { Name: "x", V: 1 },
      { Name: "y", V: "2" },
    ],
  },
  { id: 2, user: "bob", n: "7", ok: 1, score: " 12 ", tags: null, meta: null, attrs: {}, note: "plain", list: [] },
  { id: "3", user: null, n: " 8 ", ok: "yes", score: "abc", tags: [], meta: { IP: "198.51.100.2", Depth: null }, note: 42 },
  { id: 4, n: "1.5", ok: false, score: 1e3, note: true, meta: { IP: "203.0.113.9", Ok: "false", Depth: { Level: 2.7 } } },
  { id: 5, user: "carol", n: -2, ok: "False", score: -0.5, tags: ["x"], list: [{ Name: "z" }] },
];
const APP_DDL = (name: string, prefix: string) =>
  `CREATE EXTERNAL TABLE ${name} (id int, user string, n bigint, ok boolean, score double, tags array<string>,
     meta struct<ip:string, ok:boolean, depth:struct<level:int>>, attrs map<string,int>, note string,
     list array<struct<name:string, v:int>>)
   ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://${BUCKET}/${prefix}/'`;

/** The AWS Security Analytics Bootstrap CloudTrail DDL (CloudTrailSerde, partition projection), placeholders filled in. */
const bootstrap = read("sql/aws-security-analytics-bootstrap/create_cloudtrail_table.sql")
  .replaceAll("<bucket_name>/<optional_prefix>/", `${BUCKET}/`)
  .replace("<YYYY>/<MM>/<DD>", "2023/07/01")
  .replace("<account_num_1>,<account_num_2>,...", ACCOUNT);

const ndjson = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

async function put(key: string, body: string | Buffer): Promise<void> {
  for (const s of both()) await s.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** Every row of the query on both sides, sorted (row order is not part of Athena's contract without ORDER BY). */
async function rowsOf(s: Side, sql: string): Promise<{ rows: string[]; types: string[]; header: string[] }> {
  const r = await ok(s.ath, sql, { database: "lab" });
  return { rows: r.rows.map((x) => JSON.stringify(x)).sort(), types: r.types, header: r.header };
}

async function same(sql: string): Promise<string[]> {
  const a = await rowsOf(native, sql);
  const b = await rowsOf(js, sql);
  expect(a.header).toEqual(b.header);
  expect(a.types).toEqual(b.types);
  expect(a.rows).toEqual(b.rows);
  return a.rows;
}

async function state(name: string) {
  return (await engineFor(native.server.emulator.runtime)).tableState(scope, "lab", name);
}

async function side(recordingsDir?: string): Promise<Side> {
  // A recording's CloudTrail files move in time with its history (docs/scenarios.md, "Time"): the recorded side
  // starts at the recording's own moment (discovery + 2 h), so its files read as shipped and match the uploads.
  const clock = recordingsDir ? "2024-01-15T14:00:00Z" : "2023-07-11T09:00:00Z";
  const server = await startTestServer({ scenario: "basic", clock, recordingsDir });
  return { server, ath: new AthenaClient(server.sdk()), s3: new S3Client(server.sdk()) };
}

beforeAll(async () => {
  native = await side();
  js = await side();
  cpSync(join(import.meta.dirname, "../../recordings/basic"), join(recordings, "basic"), { recursive: true });
  cpSync(join(FIXTURES, "cloudtrail"), join(recordings, "basic/objects", BUCKET), { recursive: true });
  recorded = await side(recordings);
  const m = native.server.emulator.runtime.scenario.manifest;
  scope.accountId = m.accountId;
  scope.region = m.homeRegion;
  (await engineFor(js.server.emulator.runtime)).nativeReads = false;
  for (const s of both()) {
    await upload(s.s3, "cloudtrail");
    await ok(s.ath, "CREATE DATABASE lab");
  }
  await put("app/part-1.json", ndjson(APP_LINES.slice(0, 3)));
  await put("app/part-2.json.gz", gzipSync(ndjson(APP_LINES.slice(3))));
  // CloudTrail shapes: a delivery with a null record, a bare JSON array, an empty file, no records at all.
  await put(
    "odd/AWSLogs/a.json.gz",
    gzipSync(
      JSON.stringify({
        Records: [
          {
            eventName: "A",
            userIdentity: { type: "IAMUser", userName: "x" },
            readOnly: true,
            requestParameters: { b: 1, a: "é" },
            resources: [{ ARN: "arn:aws:s3:::b", type: "AWS::S3::Bucket" }],
          },
          null,
          { eventName: "B", readOnly: "false", requestParameters: null, resources: [] },
        ],
      }),
    ),
  );
  await put("odd/AWSLogs/c.json", "");
  await put("odd/AWSLogs/d.json.gz", gzipSync(JSON.stringify({ Records: [] })));
  const array = JSON.stringify([{ eventName: "C", userIdentity: { type: "Root" }, sourceIPAddress: "203.0.113.45" }]);
  await put("arr/b.json", array);
  await put("shapes/a.json", JSON.stringify({ Records: [{ eventName: "D" }] }));
  await put("shapes/b.json", array);
  // Seventeen files: the sample (first and last eight) misses the ninth, where DuckDB's plan breaks.
  for (let i = 0; i < 17; i++) {
    const good = { id: i, user: `u${i}`, meta: { IP: `192.0.2.${i}` } };
    await put(`bad/f${String(i).padStart(2, "0")}.json`, i === 8 ? `${JSON.stringify(good)}\n{"id": oops\n` : ndjson([good]));
    await put(`mixed/f${String(i).padStart(2, "0")}.json`, ndjson([i === 8 ? { ...good, meta: "not an object", tags: "nor an array" } : good]));
  }
  await put("amb/1.json", ndjson([{ userName: "lower" }]));
  await put("amb/2.json", ndjson([{ UserName: "upper" }]));
  const docs = (
    /CREATE EXTERNAL TABLE cloudtrail_logs \([\s\S]*?LOCATION '[^']*'/.exec(read("sql/awsdocs-athena/cloudtrail-logs.md")) as RegExpExecArray
  )[0].replace(/LOCATION '[^']*'/, `LOCATION 's3://${BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/'`);
  await ok(recorded.ath, "CREATE DATABASE lab");
  await ok(recorded.ath, bootstrap, { database: "lab" });
  for (const s of both()) {
    await ok(s.ath, bootstrap, { database: "lab" });
    await ok(s.ath, docs, { database: "lab" });
    await ok(
      s.ath,
      `ALTER TABLE cloudtrail_logs ADD PARTITION (region='us-east-1', year='2023', month='07', day='10') LOCATION 's3://${BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2023/07/10/'`,
      { database: "lab" },
    );
    await ok(s.ath, APP_DDL("app", "app"), { database: "lab" });
    await ok(s.ath, APP_DDL("bad", "bad"), { database: "lab" });
    await ok(s.ath, APP_DDL("mixed", "mixed"), { database: "lab" });
    await ok(s.ath, `CREATE EXTERNAL TABLE amb (username string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://${BUCKET}/amb/'`, {
      database: "lab",
    });
    for (const [name, prefix] of [
      ["odd", "odd"],
      ["arr", "arr"],
      ["shapes", "shapes"],
    ]) {
      await ok(
        s.ath,
        `CREATE EXTERNAL TABLE ${name} (eventname string, useridentity struct<type:string, username:string>, readonly string,
           requestparameters string, resources array<struct<arn:string, type:string>>, sourceipaddress string)
         ROW FORMAT SERDE 'com.amazon.emr.hive.serde.CloudTrailSerde'
         STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
         OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
         LOCATION 's3://${BUCKET}/${prefix}/'`,
        { database: "lab" },
      );
    }
  }
}, 120_000);

afterAll(async () => {
  for (const s of [native, js, recorded]) await s?.server.stop();
  rmSync(recordings, { recursive: true, force: true });
});

describe("DuckDB reading the files matches the JavaScript serdes", () => {
  it("reads CloudTrail with AWS's published DDLs, straight from the files and then cached", async () => {
    const engine = await engineFor(native.server.emulator.runtime);
    engine.cacheTables = false;
    const sqlAll = `SELECT *, "$path" FROM cloudtrail`;
    const direct = await same(sqlAll);
    expect(direct.length).toBe(1011);
    expect(await state("cloudtrail")).toEqual({ reader: "native", cached: false });
    engine.cacheTables = true;
    await engine.idle();
    expect(await state("cloudtrail")).toEqual({ reader: "native", cached: true });
    expect(await same(sqlAll)).toEqual(direct);
    const docs = await same(`SELECT *, "$path" FROM cloudtrail_logs`);
    expect(docs.length).toBe(1011);
    await same("SELECT useridentity.sessioncontext.sessionissuer.username, useridentity.accesskeyid, count(*) FROM cloudtrail_logs GROUP BY 1, 2");
    await same("SELECT eventname, json_extract_scalar(requestparameters, '$.bucketName'), resources FROM cloudtrail WHERE cardinality(resources) > 0");
  });

  it("reads a recording's own CloudTrail files where they lie, with the same rows", async () => {
    const sqlAll = `SELECT *, "$path" FROM cloudtrail`;
    expect((await rowsOf(recorded, sqlAll)).rows).toEqual((await rowsOf(js, sqlAll)).rows);
    const engine = await engineFor(recorded.server.emulator.runtime);
    expect(engine.tableState({ accountId: scope.accountId, region: scope.region }, "lab", "cloudtrail")).toMatchObject({ reader: "native" });
    // The recording's files stay as they are when the table goes: nothing of theirs is removed.
    await ok(recorded.ath, "DROP TABLE cloudtrail", { database: "lab" });
    const shipped = join(recordings, "basic/objects", BUCKET, "AWSLogs", ACCOUNT, "CloudTrail/us-east-1/2023/07/10");
    expect(readdirSync(shipped)).toHaveLength(readdirSync(join(FIXTURES, "cloudtrail/AWSLogs", ACCOUNT, "CloudTrail/us-east-1/2023/07/10")).length);
    await ok(recorded.ath, bootstrap, { database: "lab" });
    expect((await rowsOf(recorded, sqlAll)).rows).toHaveLength(1011);
  });

  it("reads every kind of CloudTrail file the JavaScript reader accepts", async () => {
    const rows = await same(`SELECT *, "$path" FROM odd`);
    expect(rows.map((r) => JSON.parse(r)[0]).sort()).toEqual(["A", "B"]);
    expect(await state("odd")).toMatchObject({ reader: "native" });
    expect(await same(`SELECT *, "$path" FROM arr`)).toHaveLength(1);
    expect(await state("arr")).toMatchObject({ reader: "native" });
    // Delivery documents and bare arrays in one table: DuckDB cannot read both in one pass, JavaScript can.
    expect((await same(`SELECT *, "$path" FROM shapes`)).map((r) => JSON.parse(r)[0])).toEqual(["C", "D"]);
    expect(await state("shapes")).toMatchObject({ reader: "js" });
  });

  it("converts JSON values by coerce's rules: numbers from strings, booleans from words, keys spelled in other cases", async () => {
    const rows = await same(`SELECT *, "$path" FROM app`);
    expect(rows).toHaveLength(5);
    expect(await state("app")).toMatchObject({ reader: "native" });
    const typed = await same("SELECT id, n + 1, ok, score * 2, meta.depth.level, attrs['j'], list[1].v, cardinality(tags) FROM app");
    expect(typed).toContain(JSON.stringify(["1", "2", "true", "5.0", "3", "2", "1", "2"]));
    expect(typed).toContain(JSON.stringify(["5", "-1", "false", "-1.0", null, null, null, "1"]));
    expect(typed).toContain(JSON.stringify(["3", "9", null, null, null, null, null, "0"]));
  });

  it("appends a new object to the cached rows, and reloads after a delete", async () => {
    // A table of its own (the app lines again), so the other tests' app table keeps its five rows.
    await put("appendable/part-1.json", ndjson(APP_LINES.slice(0, 3)));
    await put("appendable/part-2.json.gz", gzipSync(ndjson(APP_LINES.slice(3))));
    for (const s of both()) await ok(s.ath, APP_DDL("appendable", "appendable"), { database: "lab" });
    expect(await same("SELECT count(*) FROM appendable")).toEqual([JSON.stringify(["5"])]);
    await (await engineFor(native.server.emulator.runtime)).idle();
    expect(await state("appendable")).toEqual({ reader: "native", cached: true });
    await put("appendable/part-3.json", ndjson([{ id: 6, user: "dave", meta: { IP: "192.0.2.66", Ok: true } }]));
    expect(await same("SELECT count(*) FROM appendable")).toEqual([JSON.stringify(["6"])]);
    expect(await state("appendable")).toEqual({ reader: "native", cached: true });
    await same(`SELECT *, "$path" FROM appendable`);
    for (const s of both()) await s.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "appendable/part-1.json" }));
    expect(await same("SELECT count(*) FROM appendable")).toEqual([JSON.stringify(["3"])]);
    await same(`SELECT *, "$path" FROM appendable`);
  });

  it("hands a table to the JavaScript reader where DuckDB cannot read a file as planned", async () => {
    const mixed = await same(`SELECT *, "$path" FROM mixed`);
    expect(mixed).toHaveLength(17);
    expect(await state("mixed")).toMatchObject({ reader: "js" });
    for (const s of both()) {
      const r = await query(s.ath, "SELECT count(*) FROM bad", { database: "lab" });
      expect(r.exec.Status?.State).toBe("FAILED");
      expect(r.exec.Status?.StateChangeReason).toMatch(/^HIVE_CURSOR_ERROR: Row is not a valid JSON Object/);
    }
    expect((await state("bad"))?.reader).not.toBe("native");
  });

  it("leaves data that spells a key two ways to the JavaScript reader", async () => {
    expect(await same("SELECT username FROM amb")).toEqual([JSON.stringify(["lower"]), JSON.stringify(["upper"])]);
    expect(await state("amb")).toMatchObject({ reader: "js" });
  });
});
