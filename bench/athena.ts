/**
 * Athena over a generated CloudTrail table (1,000,000 records by default, BENCH_ATHENA_RECORDS overrides) stored
 * as gz files in CloudTrail's S3 layout: the cold and warm queries end to end through the API (SDK v3 over
 * loopback HTTP, polling like a client), next to DuckDB reading the same files directly; a fresh object's
 * visibility; RSS with the table loaded.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ObjectMeta, RecordingObjects } from "../emulator/core/records.ts";
import type { GeneratorOptions, ScenarioContent } from "../emulator/core/scenario.ts";
import { writeInstalledSecrets } from "../emulator/state/install-credentials.ts";
import { benchIam, freePort, ms, rng, table, writeBenchScenario } from "./lib.ts";

const ACCOUNT = "777788889999";
const BUCKET = "bench-cloudtrail";
const REGIONS = ["us-east-1", "ap-northeast-1"];
const creds = { accessKeyId: "AKIABENCHATHENARESP1", secretAccessKey: "benchAthenaResponderSecretKey00000000001" };
const PRINCIPAL_ID = "AIDABENCHATHENARESP1";

/** eventName, eventSource, readOnly, request parameters. */
const EVENTS: [string, string, boolean, (r: () => number) => Record<string, unknown> | null][] = [
  ["DescribeInstances", "ec2.amazonaws.com", true, () => ({ instancesSet: {}, filterSet: {} })],
  [
    "GetObject",
    "s3.amazonaws.com",
    true,
    (r) => ({ bucketName: `data-${Math.floor(r() * 20)}`, Host: "s3.amazonaws.com", key: `k/${Math.floor(r() * 1e6)}.csv` }),
  ],
  ["ListBuckets", "s3.amazonaws.com", true, () => ({ Host: "s3.amazonaws.com" })],
  [
    "AssumeRole",
    "sts.amazonaws.com",
    true,
    (r) => ({ roleArn: `arn:aws:iam::${ACCOUNT}:role/r${Math.floor(r() * 10)}`, roleSessionName: "s", durationSeconds: 3600 }),
  ],
  [
    "RunInstances",
    "ec2.amazonaws.com",
    false,
    () => ({ instanceType: "c5.4xlarge", instancesSet: { items: [{ imageId: "ami-0b5c74e235ed808b9", minCount: 1, maxCount: 1 }] } }),
  ],
  ["GetCallerIdentity", "sts.amazonaws.com", true, () => null],
  [
    "PutObject",
    "s3.amazonaws.com",
    false,
    (r) => ({ bucketName: `data-${Math.floor(r() * 20)}`, Host: "s3.amazonaws.com", key: `up/${Math.floor(r() * 1e6)}` }),
  ],
  ["DescribeSecurityGroups", "ec2.amazonaws.com", true, () => ({ securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} })],
  ["ListUsers", "iam.amazonaws.com", true, () => null],
  ["ConsoleLogin", "signin.amazonaws.com", false, () => null],
];

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

interface BenchFile {
  key: string;
  path: string;
  size: number;
  etag: string;
  lastModified: string;
}

/** A CloudTrail record shaped like bench/synthetic.ts's, with request parameters, resources and session context. */
function record(i: number, time: number, region: string, rand: () => number, keys: string[]): Record<string, unknown> {
  const n = Math.floor(rand() * EVENTS.length);
  const [eventName, eventSource, readOnly, params] = EVENTS[n];
  const k = keys[Math.floor(rand() * keys.length)];
  const role = rand() < 0.3;
  const eventTime = new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    eventVersion: "1.09",
    userIdentity: role
      ? {
          type: "AssumedRole",
          principalId: `AROA${k.slice(4)}:i-0${k.slice(-8)}`,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/i-0${k.slice(-8)}`,
          accountId: ACCOUNT,
          accessKeyId: `ASIA${k.slice(4)}`,
          sessionContext: {
            sessionIssuer: {
              type: "Role",
              principalId: `AROA${k.slice(4)}`,
              arn: `arn:aws:iam::${ACCOUNT}:role/app-role`,
              accountId: ACCOUNT,
              userName: "app-role",
            },
            attributes: { creationDate: eventTime, mfaAuthenticated: "false" },
            ec2RoleDelivery: "2.0",
          },
        }
      : {
          type: "IAMUser",
          principalId: `AIDA${k.slice(4)}`,
          arn: `arn:aws:iam::${ACCOUNT}:user/u${k.slice(-3)}`,
          accountId: ACCOUNT,
          accessKeyId: k,
          userName: `u${k.slice(-3)}`,
        },
    eventTime,
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: rand() < 0.9 ? "198.51.100.1" : `203.0.113.${Math.floor(rand() * 255)}`,
    userAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
    ...(rand() < 0.05 ? { errorCode: "AccessDenied", errorMessage: "User is not authorized to perform this operation" } : {}),
    requestParameters: params(rand),
    responseElements: null,
    requestID: `${(i * 2654435761) >>> 0}`.padStart(10, "0"),
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    readOnly,
    ...(n === 1 || n === 6 ? { resources: [{ type: "AWS::S3::Object", ARN: `arn:aws:s3:::data-${n}/k` }] } : {}),
    eventType: "AwsApiCall",
    managementEvent: n !== 1 && n !== 6,
    recipientAccountId: ACCOUNT,
    eventCategory: n === 1 || n === 6 ? "Data" : "Management",
    tlsDetails: {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: `${eventSource.split(".")[0]}.${region}.amazonaws.com`,
    },
  };
}

function fileKey(region: string, t: Date, rand: () => number): string {
  const y = t.getUTCFullYear();
  const mo = pad(t.getUTCMonth() + 1);
  const d = pad(t.getUTCDate());
  let suffix = "";
  for (let i = 0; i < 16; i++) suffix += ALNUM[Math.floor(rand() * ALNUM.length)];
  const stamp = `${y}${mo}${d}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}Z`;
  return `AWSLogs/${ACCOUNT}/CloudTrail/${region}/${y}/${mo}/${d}/${ACCOUNT}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
}

/** Writes `records` CloudTrail records as gz files (one per region per 5 minutes) under dir; returns them sorted by key. */
export function writeCloudTrail(dir: string, records: number, anchor: Date): BenchFile[] {
  const rand = rng(7);
  const keys = Array.from({ length: 200 }, (_, i) => `AKIABENCH${String(i).padStart(11, "0")}`);
  const perFile = 350;
  const windows = Math.max(1, Math.ceil(records / perFile / REGIONS.length));
  const start = anchor.getTime() - windows * 300_000;
  const files: BenchFile[] = [];
  let i = 0;
  for (let w = 0; w < windows && i < records; w++) {
    for (const region of REGIONS) {
      const n = Math.min(perFile, records - i);
      if (n <= 0) break;
      const recs = new Array(n);
      for (let j = 0; j < n; j++) recs[j] = record(i + j, start + w * 300_000 + (j * 300_000) / n, region, rand, keys);
      i += n;
      const delivered = new Date(start + (w + 1) * 300_000 + 60_000);
      const body = gzipSync(JSON.stringify({ Records: recs }), { level: 1 });
      const key = fileKey(region, delivered, rand);
      const path = join(dir, key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, body);
      files.push({ key, path, size: body.length, etag: `"${createHash("md5").update(body).digest("hex")}"`, lastModified: delivered.toISOString() });
    }
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The generator module's entry: the bucket, and the gz files as recording objects read from disk. */
export function benchAthenaContent(opts: GeneratorOptions, index: string): ScenarioContent {
  const files = JSON.parse(readFileSync(index, "utf8")) as BenchFile[];
  const metas: ObjectMeta[] = files.map((f) => ({ key: f.key, size: f.size, etag: f.etag, lastModified: f.lastModified, contentType: "application/json" }));
  const byKey = new Map(files.map((f, i) => [f.key, { f, m: metas[i] }]));
  // The directory all the files lie under: each file is in it under its own name.
  const root =
    files.reduce(
      (r, f) => {
        let d = r ?? dirname(f.path);
        while (!f.path.startsWith(`${d}/`)) d = dirname(d);
        return d;
      },
      undefined as string | undefined,
    ) ?? dirname(index);
  const objects: RecordingObjects = {
    list: (acct, b) => (acct === ACCOUNT && b === BUCKET ? metas : []),
    head: (acct, b, key) => (acct === ACCOUNT && b === BUCKET ? byKey.get(key)?.m : undefined),
    read: (acct, b, key) => {
      const e = acct === ACCOUNT && b === BUCKET ? byKey.get(key) : undefined;
      return e ? readFileSync(e.f.path) : undefined;
    },
    file: (acct, b, key) => (acct === ACCOUNT && b === BUCKET ? byKey.get(key)?.f.path : undefined),
    fileRoots: () => [root],
  };
  const created = new Date(opts.anchor.getTime() - 90 * 86400_000).toISOString();
  return {
    accounts: {
      [ACCOUNT]: {
        global: {
          iam: benchIam(ACCOUNT, creds.accessKeyId, PRINCIPAL_ID),
          s3: { buckets: { [BUCKET]: { name: BUCKET, region: "us-east-1", creationDate: created, objects: {}, deleted: [] } } },
        },
        regions: {},
      },
    },
    objects,
    history: [],
  };
}

function benchScenario(recordings: string, index: string): void {
  writeBenchScenario(recordings, {
    name: "bench-athena",
    accountId: ACCOUNT,
    credentials: creds,
    principalId: PRINCIPAL_ID,
    generator:
      `import { benchAthenaContent } from ${JSON.stringify(new URL("./athena.ts", import.meta.url).pathname)};\n` +
      `export const generate = (opts) => benchAthenaContent(opts, ${JSON.stringify(index)});\n`,
  });
}

/** The table the CloudTrail console's "Create Athena table" writes: CloudTrailSerde, no partitions. */
const DDL = `CREATE EXTERNAL TABLE cloudtrail_logs (
  eventversion STRING,
  useridentity STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, invokedby:STRING, accesskeyid:STRING, username:STRING,
    sessioncontext:STRUCT<attributes:STRUCT<mfaauthenticated:STRING, creationdate:STRING>,
      sessionissuer:STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, username:STRING>, ec2roledelivery:STRING>>,
  eventtime STRING, eventsource STRING, eventname STRING, awsregion STRING, sourceipaddress STRING, useragent STRING,
  errorcode STRING, errormessage STRING, requestparameters STRING, responseelements STRING, additionaleventdata STRING,
  requestid STRING, eventid STRING, resources ARRAY<STRUCT<arn:STRING, accountid:STRING, type:STRING>>,
  eventtype STRING, apiversion STRING, readonly STRING, recipientaccountid STRING, serviceeventdetails STRING,
  sharedeventid STRING, vpcendpointid STRING, eventcategory STRING,
  tlsdetails STRUCT<tlsversion:STRING, ciphersuite:STRING, clientprovidedhostheader:STRING>
)
ROW FORMAT SERDE 'com.amazon.emr.hive.serde.CloudTrailSerde'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://${BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/'`;

/** The same columns for DuckDB's read_json over {"Records":[…]}, keys as CloudTrail spells them. */
const DIRECT_RECORD =
  "STRUCT(eventVersion VARCHAR, userIdentity STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, invokedBy VARCHAR, accessKeyId VARCHAR, userName VARCHAR, " +
  "sessionContext STRUCT(attributes STRUCT(mfaAuthenticated VARCHAR, creationDate VARCHAR), sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR), ec2RoleDelivery VARCHAR)), " +
  "eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR, " +
  "requestParameters JSON, responseElements JSON, additionalEventData JSON, requestID VARCHAR, eventID VARCHAR, resources STRUCT(ARN VARCHAR, accountId VARCHAR, type VARCHAR)[], " +
  "eventType VARCHAR, apiVersion VARCHAR, readOnly VARCHAR, recipientAccountId VARCHAR, serviceEventDetails JSON, sharedEventID VARCHAR, vpcEndpointId VARCHAR, eventCategory VARCHAR, " +
  "tlsDetails STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR))";

const COLD = "SELECT eventname, count(*) AS n FROM cloudtrail_logs GROUP BY eventname ORDER BY n DESC, eventname";
const WARM: [string, string][] = [
  [
    "filter on useridentity.accesskeyid",
    "SELECT eventtime, eventname, sourceipaddress FROM cloudtrail_logs WHERE useridentity.accesskeyid = 'AKIABENCH00000000042' ORDER BY eventtime DESC LIMIT 50",
  ],
  ["GROUP BY eventname", COLD],
  [
    "json_extract_scalar(requestparameters, '$.bucketName')",
    "SELECT json_extract_scalar(requestparameters, '$.bucketName') AS bucket, count(*) AS n FROM cloudtrail_logs WHERE eventsource = 's3.amazonaws.com' GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
  ],
];

/**
 * StartQueryExecution, GetQueryExecution until done (every 5 ms at first, backing off to 50 ms as clients do:
 * a poll costs the server CPU the query is using), then every page of GetQueryResults.
 */
/** The engine process's CPU time so far, once the server's engine exists: a query's CPU is the emulator's plus DuckDB's. */
let engineCpuMs: (() => Promise<number>) | undefined;

async function runQuery(
  ath: AthenaClient,
  sql: string,
  database: string | null = "bench",
  output = `s3://${BUCKET}/athena-results/`,
): Promise<{ ms: number; cpuMs: number; engineMs: number; rows: (string | undefined)[][] }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const engine0 = (await engineCpuMs?.()) ?? 0;
  const { QueryExecutionId } = await ath.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: database ? { Database: database } : undefined,
      ResultConfiguration: { OutputLocation: output },
    }),
  );
  let engineMs = 0;
  let wait = 5;
  for (;;) {
    const ex = (await ath.send(new GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution;
    const s = ex?.Status?.State;
    if (s === "SUCCEEDED") {
      engineMs = ex?.Statistics?.EngineExecutionTimeInMillis ?? 0;
      break;
    }
    if (s === "FAILED" || s === "CANCELLED") throw new Error(`${s}: ${ex?.Status?.StateChangeReason}\n${sql}`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(50, wait * 1.5);
  }
  const rows: (string | undefined)[][] = [];
  let token: string | undefined;
  do {
    const r = await ath.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: token }));
    for (const row of r.ResultSet?.Rows ?? []) rows.push((row.Data ?? []).map((d) => d.VarCharValue));
    token = r.NextToken;
  } while (token);
  const cpu = process.cpuUsage(cpu0);
  const engineCpu = ((await engineCpuMs?.()) ?? 0) - engine0;
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 + engineCpu, engineMs, rows: rows.slice(1) };
}

/** DuckDB alone (no emulator), a fresh instance over the same gz files: the GROUP BY, or a full read of every column. */
async function direct(dir: string, what: "query" | "load"): Promise<{ ms: number; cpuMs: number; rows: number }> {
  const duck = await import("@duckdb/node-api");
  const db = await duck.DuckDBInstance.create(":memory:", { threads: "2", memory_limit: process.env.IR_RANGE_ATHENA_MEMORY ?? "1GB" });
  const conn = await db.connect();
  const src = `(SELECT unnest(Records) AS r FROM read_json('${dir}/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz', format='auto', columns={Records: '${DIRECT_RECORD}[]'}, maximum_object_size=16777216))`;
  try {
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const cpuMs = () => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1000;
    };
    if (what === "query") {
      const r = await conn.runAndReadAll(`SELECT r.eventName AS eventname, count(*) AS n FROM ${src} GROUP BY 1 ORDER BY n DESC, eventname`);
      return { ms: performance.now() - t, cpuMs: cpuMs(), rows: r.getRows().length };
    }
    await conn.run(`CREATE TABLE t AS SELECT unnest(r) FROM ${src}`);
    const ms = performance.now() - t;
    return { ms, cpuMs: cpuMs(), rows: Number((await conn.runAndReadAll("SELECT count(*) FROM t")).getRows()[0][0]) };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Rounds of the cold comparison: DuckDB's own read and the first query through the API, taken in turns. */
const COLD_ROUNDS = Number(process.env.BENCH_ATHENA_ROUNDS ?? 3);

export async function benchAthena(): Promise<string> {
  const records = Number(process.env.BENCH_ATHENA_RECORDS ?? 1_000_000);
  const root = mkdtempSync(join(tmpdir(), "ir-range-bench-athena-"));
  const dataDir = join(root, "files");
  const anchor = new Date("2026-01-01T00:00:00Z");
  try {
    const t = performance.now();
    const files = writeCloudTrail(dataDir, records, anchor);
    const genMs = performance.now() - t;
    const gzBytes = files.reduce((n, f) => n + f.size, 0);
    const index = join(root, "index.json");
    writeFileSync(index, JSON.stringify(files));
    benchScenario(join(root, "recordings"), index);

    const { startServer } = await import("../emulator/server/app.ts");
    const { engineFor, setAthenaLog } = await import("../emulator/services/athena/engine.ts");
    writeInstalledSecrets(join(root, "state"), { [creds.accessKeyId]: creds.secretAccessKey });
    const srv = await startServer({
      scenario: "bench-athena",
      stateDir: join(root, "state"),
      recordingsDir: join(root, "recordings"),
      clock: anchor,
      port: await freePort(),
    });
    const log = (l: string) => process.stderr.write(`  [server] ${l}\n`);
    setAthenaLog(srv.emulator.runtime, log);
    const cfg = { endpoint: srv.url, region: "us-east-1", credentials: creds, maxAttempts: 1, forcePathStyle: true };
    const ath = new AthenaClient(cfg);
    const s3 = new S3Client(cfg);
    const colds: { ms: number; cpuMs: number; engineMs: number }[] = [];
    const directs: { ms: number; cpuMs: number }[] = [];
    const warm: { name: string; times: number[]; engine: number[] }[] = [];
    let before = "";
    let after = "";
    let freshMs = 0;
    let cacheMs = 0;
    let rss = 0;
    try {
      await runQuery(ath, "CREATE DATABASE bench", null);
      const engine = await engineFor(srv.emulator.runtime);
      // DuckDB runs in its own process: its CPU and memory count with the emulator's.
      engineCpuMs = async () => (await engine.processStats()).cpuMs;
      // The comparison is of first queries: no cache is built behind them until the rounds are done. On a shared
      // machine the two are taken in turns and compared by their medians.
      engine.cacheTables = false;
      process.stderr.write(`athena bench: ${records.toLocaleString("en")} records in ${files.length} gz files, ${COLD_ROUNDS} rounds of cold queries…\n`);
      for (let i = 0; i < COLD_ROUNDS; i++) {
        directs.push(await direct(dataDir, "query"));
        if (i > 0) await runQuery(ath, "DROP TABLE cloudtrail_logs");
        await runQuery(ath, DDL);
        colds.push(await runQuery(ath, COLD));
      }
      // The table is then materialized in the background for later queries.
      const cacheStart = performance.now();
      engine.cacheTables = true;
      await engine.idle();
      cacheMs = performance.now() - cacheStart;
      global.gc?.();
      rss = process.memoryUsage().rss + (await engine.processStats()).rss;
      for (const [name, sql] of WARM) {
        const times: number[] = [];
        const engineTimes: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await runQuery(ath, sql);
          times.push(r.ms);
          engineTimes.push(r.engineMs);
        }
        warm.push({ name, times, engine: engineTimes });
      }
      const countSql = "SELECT count(*) FROM cloudtrail_logs";
      before = (await runQuery(ath, countSql)).rows[0][0] ?? "";
      const fresh = record(records, anchor.getTime(), "us-east-1", rng(99), ["AKIABENCHFRESH000001"]);
      const key = fileKey("us-east-1", anchor, rng(98));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(JSON.stringify({ Records: [fresh, { ...fresh, eventID: "fresh-2" }] })) }));
      const r = await runQuery(ath, countSql);
      after = r.rows[0][0] ?? "";
      freshMs = r.ms;
    } finally {
      await srv.close();
    }

    const load = await direct(dataDir, "load");
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const coldMs = median(colds.map((c) => c.ms));
    const directMs = median(directs.map((d) => d.ms));
    // CPU time (server and client in this process, DuckDB's threads included) moves far less with other load.
    const coldCpu = median(colds.map((c) => c.cpuMs));
    const directCpu = median(directs.map((d) => d.cpuMs));
    const each = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(", ");
    return table([
      [`Athena over CloudTrail: ${records.toLocaleString("en")} records, ${files.length} gz files, ${(gzBytes / 2 ** 20).toFixed(0)} MB gz`, "time", "target"],
      ["generate + gzip the files (setup)", ms(genMs), ""],
      [
        `cold GROUP BY eventname through the API (first query, reads the files), median of ${COLD_ROUNDS}`,
        `${ms(coldMs)} (${each(colds.map((c) => c.ms))} s; engine ${each(colds.map((c) => c.engineMs))} s)`,
        "≤1.1× DuckDB",
      ],
      [`DuckDB direct: same GROUP BY over the gz files, median of ${COLD_ROUNDS} taken in turn`, `${ms(directMs)} (${each(directs.map((d) => d.ms))} s)`, ""],
      ["cold through the API / DuckDB direct: wall time", `${(coldMs / directMs).toFixed(2)}×`, "≤1.1×"],
      [
        "cold through the API / DuckDB direct: CPU time of the process (medians)",
        `${(coldCpu / directCpu).toFixed(2)}× (${(coldCpu / 1000).toFixed(2)} s / ${(directCpu / 1000).toFixed(2)} s)`,
        "",
      ],
      ["the table cached in the background, ready after the cold queries in", ms(cacheMs), ""],
      [`DuckDB direct: read every column into a table (${load.rows.toLocaleString("en")} rows)`, ms(load.ms), ""],
      ...warm.map((w) => [
        `warm: ${w.name}, median of 5 (max; server's engine time)`,
        `${ms(median(w.times))} (${ms(Math.max(...w.times))}; ${median(w.engine)} ms)`,
        "≤200 ms",
      ]),
      ["count(*) before / after PutObject of a fresh file (2 records)", `${before} / ${after} (${ms(freshMs)}, appended)`, `+2`],
      ["RSS with the table loaded (emulator + DuckDB)", `${Math.round(rss / 2 ** 20)} MB`, ""],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const SECUTTER_TABLES = ["cloudtrail_logs", "nginx_logs", "vpc_flow_logs"];

/**
 * The first query (`SELECT count(*)`) of each Secutter table after the server starts: on a server that loads each
 * table at its first query, and on one whose tables were loaded and cached ahead by prepareAthena (the runtime's
 * prepare step, while the server waits for requests). A fresh server in this process for each; the engine time is
 * the server's EngineExecutionTimeInMillis.
 */
export async function benchAthenaFirst(): Promise<string> {
  const { startServer } = await import("../emulator/server/app.ts");
  const { prepareAthena } = await import("../emulator/services/athena/engine.ts");
  const rows: string[][] = [["Athena: first query per Secutter table after start (SELECT count(*))", "engine time (wall)", "target"]];
  for (const warmed of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-athena-first-"));
    const srv = await startServer({ scenario: "secutter", stateDir: dir, port: await freePort() });
    try {
      const runtime = srv.emulator.runtime;
      const ath = new AthenaClient({
        endpoint: srv.url,
        region: runtime.manifest.homeRegion,
        credentials: runtime.responder(),
        maxAttempts: 1,
      });
      let prepared = "";
      if (warmed) {
        const t = performance.now();
        await prepareAthena(runtime);
        prepared = ` (loaded ahead in ${ms(performance.now() - t)})`;
      }
      for (const name of SECUTTER_TABLES) {
        const r = await runQuery(ath, `SELECT count(*) FROM ${name}`, "secutter_ir", "s3://secutter-ir-evidence/athena-results/");
        rows.push([`${warmed ? "prepared ahead" : "loaded by the query"}${prepared}: ${name}`, `${ms(r.engineMs)} (${ms(r.ms)})`, "≤500 ms"]);
      }
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return table(rows);
}
