/**
 * DuckDB as Athena's engine. One in-memory instance per running scenario; tables are materialized from the
 * S3 object store once and refreshed when their objects change. The instance is locked down: no extension
 * loading, no file access outside a private directory we write our own NDJSON into, configuration frozen.
 */
import { createHash, randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from "@duckdb/node-api";

type DuckDBModule = typeof import("@duckdb/node-api");
/** DuckDB's native module loads with the first query, not at every emulator start. */
let TypeId: DuckDBModule["DuckDBTypeId"];

import { importExternal } from "../../core/external.ts";
import type { Runtime } from "../../state/runtime.ts";
import { plainKey, readerFor, serdeKind } from "./serde.ts";
import { duckType, type HiveType, parseHiveType } from "./sql/hivetypes.ts";
import { quoteIdent, quoteString } from "./sql/tokens.ts";
import { AthenaQueryError, type TableRef, translate } from "./sql/translate.ts";
import type { AthenaState, TableDef } from "./state.ts";

export interface ColumnMeta {
  name: string;
  type: string;
  precision: number;
  scale: number;
  /** The Hive type a CREATE TABLE AS SELECT declares for this column. */
  hive?: string;
}

export interface ResultSet {
  columns: ColumnMeta[];
  rows: (string | null)[][];
}

export interface Scope {
  runtime: Runtime;
  accountId: string;
  region: string;
  state: AthenaState;
  now: Date;
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3a?n?:\/\/([^/]+)\/?(.*)$/i.exec(uri.trim());
  return m ? { bucket: m[1], prefix: m[2] } : undefined;
}

const dirPrefix = (p: string) => (p === "" || p.endsWith("/") ? p : `${p}/`);
const hidden = (key: string) => key.endsWith("/") || /(^|\/)[_.][^/]*$/.test(key) || key.endsWith("_$folder$");

type TableObject = { key: string; bucket: string; etag: string; size: number; parts: Record<string, string> };

interface Cached {
  sig: string;
  version: number;
  defKey: string;
  bytes: number;
}

export class Engine {
  private cache = new Map<string, Cached>();
  private running = new Map<string, { conn: DuckDBConnection; cancelled: boolean }>();
  private setupQueue: Promise<unknown> = Promise.resolve();
  private schemas = new Set<string>();
  /** Executions stopped before they reached DuckDB (still loading tables). */
  private stopped = new Set<string>();

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly setup: DuckDBConnection,
    private readonly dir: string,
    /** Per-query limit (IR_RANGE_ATHENA_TIMEOUT_MS, default 120 s); memory is IR_RANGE_ATHENA_MEMORY (default 1GB). */
    private readonly timeoutMs: number,
  ) {}

  static async create(): Promise<Engine> {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-athena-"));
    const duck = await importExternal<DuckDBModule>("@duckdb/node-api");
    TypeId = duck.DuckDBTypeId;
    const db = await duck.DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      memory_limit: process.env.IR_RANGE_ATHENA_MEMORY ?? "1GB",
      threads: "2",
    });
    const setup = await db.connect();
    for (const s of [
      // GLOBAL: every query runs on its own connection and must see these.
      "SET GLOBAL TimeZone='UTC'",
      "SET GLOBAL integer_division=true",
      "SET enable_external_file_cache=false",
      // Only our own load directory stays readable; then the configuration is frozen for every connection.
      `SET allowed_directories=[${quoteString(`${dir}/`)}]`,
      "SET enable_external_access=false",
      "SET lock_configuration=true",
      "CREATE MACRO __json_extract_scalar(j, p) AS CASE WHEN json_type(json_extract(j, p)) IN ('OBJECT','ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
      "CREATE MACRO __ipaddress(x) AS CASE WHEN regexp_matches(CAST(x AS VARCHAR), '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$') THEN (CAST(split_part(x, '.', 1) AS BIGINT) << 24) + (CAST(split_part(x, '.', 2) AS BIGINT) << 16) + (CAST(split_part(x, '.', 3) AS BIGINT) << 8) + CAST(split_part(x, '.', 4) AS BIGINT) END",
      "CREATE MACRO __cidr_contains(c, ip) AS ip >= __ipaddress(split_part(c, '/', 1)) AND ip < __ipaddress(split_part(c, '/', 1)) + (CAST(1 AS BIGINT) << (32 - CAST(split_part(c, '/', 2) AS INTEGER)))",
      "CREATE MACRO __json_size(j, p) AS CASE json_type(json_extract(j, p)) WHEN 'ARRAY' THEN json_array_length(json_extract(j, p)) WHEN 'OBJECT' THEN len(json_keys(json_extract(j, p))) ELSE 0 END",
    ]) {
      await setup.run(s);
    }
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return new Engine(db, setup, dir, Number(process.env.IR_RANGE_ATHENA_TIMEOUT_MS ?? 120_000));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.setupQueue.then(fn, fn);
    this.setupQueue = run.catch(() => undefined);
    return run;
  }

  /** Frees DuckDB and its load directory when the runtime closes. */
  dispose(): void {
    this.setup.closeSync();
    this.db.closeSync();
    rmSync(this.dir, { recursive: true, force: true });
  }

  schemaName(scope: Pick<Scope, "accountId" | "region">, db: string): string {
    return `${scope.accountId}_${scope.region}_${db}`;
  }

  relation(scope: Scope, ref: TableRef, withPath: boolean): string {
    const s = quoteIdent(this.schemaName(scope, ref.db));
    return withPath ? `${s}.${quoteIdent(`__data__${ref.name}`)}` : `${s}.${quoteIdent(ref.name)}`;
  }

  /** Objects a table reads, with the partition values each contributes. */
  tableObjects(scope: Scope, t: TableDef): { key: string; bucket: string; etag: string; size: number; parts: Record<string, string> }[] {
    const out: { key: string; bucket: string; etag: string; size: number; parts: Record<string, string> }[] = [];
    const listUnder = (uri: string, parts: Record<string, string>) => {
      const loc = parseS3Uri(uri);
      if (!loc) throw new AthenaQueryError("HIVE_INVALID_METADATA", `Invalid table location: ${uri}`);
      if (!scope.runtime.objects.bucket(scope.accountId, loc.bucket)) {
        throw new AthenaQueryError("HIVE_FILESYSTEM_ERROR", `The specified bucket does not exist (Bucket: ${loc.bucket})`);
      }
      for (const o of scope.runtime.objects.list(scope.accountId, loc.bucket, dirPrefix(loc.prefix))) {
        if (!hidden(o.key)) out.push({ key: o.key, bucket: loc.bucket, etag: o.etag, size: o.size, parts });
      }
    };
    if (!t.partitionKeys.length) {
      if (t.location) listUnder(t.location, {});
      return out;
    }
    if ((t.tableProperties["projection.enabled"] ?? "").toLowerCase() === "true") {
      for (const p of projectedPartitions(scope, t)) out.push(p);
      return out;
    }
    for (const p of t.partitions) {
      const parts: Record<string, string> = {};
      t.partitionKeys.forEach((k, i) => {
        parts[k.name] = p.values[i];
      });
      listUnder(p.location, parts);
    }
    return out;
  }

  /** Loads a table into DuckDB unless its definition and objects are unchanged since the last load. */
  private async materialize(scope: Scope, ref: TableRef, t: TableDef): Promise<number> {
    const cacheKey = `${this.schemaName(scope, ref.db)}.${ref.name}`;
    const defKey = JSON.stringify(t);
    const version = scope.runtime.objects.version;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.defKey === defKey && cached.version === version) return cached.bytes;
    const objects = this.tableObjects(scope, t);
    const sig = createHash("sha256")
      .update(defKey)
      .update(JSON.stringify(objects.map((o) => [o.bucket, o.key, o.etag, o.size])))
      .digest("hex");
    const bytes = objects.reduce((n, o) => n + o.size, 0);
    if (cached && cached.sig === sig) {
      this.cache.set(cacheKey, { ...cached, version });
      return bytes;
    }
    const cols = [...t.columns, ...t.partitionKeys].map((c) => ({ name: c.name, duck: duckType(parseHiveType(c.type)) }));
    cols.push({ name: "$path", duck: "VARCHAR" });
    const schema = quoteIdent(this.schemaName(scope, ref.db));
    const data = `${schema}.${quoteIdent(`__data__${ref.name}`)}`;
    if (serdeKind(t) === "parquet") {
      await this.loadParquet(scope, ref, t, objects, data, cols);
    } else {
      await this.loadText(scope, ref, t, objects, data, cols);
    }
    await this.serial(async () => {
      const visible = cols.filter((c) => c.name !== "$path").map((c) => quoteIdent(c.name));
      await this.setup.run(`CREATE OR REPLACE VIEW ${schema}.${quoteIdent(ref.name)} AS SELECT ${visible.join(", ")} FROM ${data}`);
    });
    this.cache.set(cacheKey, { sig, version, defKey, bytes });
    return bytes;
  }

  private async loadText(
    scope: Scope,
    ref: TableRef,
    t: TableDef,
    objects: TableObject[],
    data: string,
    cols: { name: string; duck: string }[],
  ): Promise<void> {
    const reader = readerFor(t);
    const partTypes = t.partitionKeys.map((k) => ({ name: k.name, type: parseHiveType(k.type) }));
    const log = loadLogs.get(scope.runtime);
    // Partition values and $path follow the columns in each row unless a name collides (then a key keeps its place).
    const names = new Set(t.columns.map((c) => c.name));
    const fastTail =
      partTypes.every((p) => !names.has(p.name) && p.name !== "$path" && plainKey(p.name)) && new Set(partTypes.map((p) => p.name)).size === partTypes.length;
    const started = Date.now();
    let lastLog = started;
    let rows = 0;
    // Rows are appended to the load file object by object: one big string would exceed V8's string limit.
    // A fresh name per load: DuckDB caches file contents by path and modification time.
    const file = join(this.dir, `${randomUUID()}.ndjson`);
    const fd = openSync(file, "w");
    try {
      try {
        for (let i = 0; i < objects.length; i++) {
          const o = objects[i];
          const body = scope.runtime.objects.read(scope.accountId, o.bucket, o.key);
          if (!body) continue;
          const uri = `s3://${o.bucket}/${o.key}`;
          let lines: string[] = [];
          if (reader.ndjson && fastTail) {
            // The members JSON.stringify(row) writes after the columns: partition values, then $path.
            const tail = [...partTypes.map((p) => `${JSON.stringify(p.name)}:${JSON.stringify(o.parts[p.name] ?? null)}`), `"$path":${JSON.stringify(uri)}`];
            lines = reader.ndjson(body, tail.join(","));
          } else {
            for (const row of reader.rows(body, uri)) {
              for (const p of partTypes) row[p.name] = o.parts[p.name] ?? null;
              row.$path = uri;
              lines.push(JSON.stringify(row));
            }
          }
          if (lines.length) writeSync(fd, `${lines.join("\n")}\n`);
          rows += lines.length;
          if (log && Date.now() - lastLog >= 5000) {
            lastLog = Date.now();
            log(
              `athena: loading ${ref.db}.${ref.name}: ${i + 1}/${objects.length} objects, ${rows.toLocaleString("en")} rows, ${((lastLog - started) / 1000).toFixed(1)} s`,
            );
          }
          // Parsing is synchronous: yield between objects so other API calls are answered meanwhile.
          await new Promise((r) => setImmediate(r));
        }
      } finally {
        closeSync(fd);
      }
      await this.serial(async () => {
        await this.ensureSchema(this.schemaName(scope, ref.db));
        if (rows) {
          const colSpec = cols.map((c) => `${quoteString(c.name)}: ${quoteString(c.duck)}`).join(", ");
          await this.setup.run(
            `CREATE OR REPLACE TABLE ${data} AS SELECT * FROM read_json(${quoteString(file)}, format='newline_delimited', columns={${colSpec}}, maximum_object_size=16777216)`,
          );
        } else {
          await this.setup.run(`CREATE OR REPLACE TABLE ${data} (${cols.map((c) => `${quoteIdent(c.name)} ${c.duck}`).join(", ")})`);
        }
      });
    } finally {
      rmSync(file, { force: true });
    }
    if (log && Date.now() - started >= 2000) {
      log(
        `athena: loaded ${ref.db}.${ref.name}: ${objects.length} objects, ${rows.toLocaleString("en")} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }

  /** Parquet objects are copied into the private directory and read by DuckDB; columns match by name, missing ones are NULL. */
  private async loadParquet(
    scope: Scope,
    ref: TableRef,
    t: TableDef,
    objects: TableObject[],
    data: string,
    cols: { name: string; duck: string }[],
  ): Promise<void> {
    const files: { file: string; o: TableObject }[] = [];
    try {
      for (const o of objects) {
        const body = scope.runtime.objects.read(scope.accountId, o.bucket, o.key);
        if (!body) continue;
        const file = join(this.dir, `${randomUUID()}.parquet`);
        writeFileSync(file, body);
        files.push({ file, o });
      }
      await this.serial(async () => {
        const selects: string[] = [];
        for (const { file, o } of files) {
          const desc = await this.setup.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file)})`);
          const have = new Map(desc.getRowsJson().map((r) => [String(r[0]).toLowerCase(), String(r[0])]));
          const items = cols.map((c) => {
            if (c.name === "$path") return `${quoteString(`s3://${o.bucket}/${o.key}`)} AS "$path"`;
            const part = t.partitionKeys.find((k) => k.name === c.name);
            if (part) return `TRY_CAST(${o.parts[c.name] === undefined ? "NULL" : quoteString(o.parts[c.name])} AS ${c.duck}) AS ${quoteIdent(c.name)}`;
            const src = have.get(c.name);
            return src ? `TRY_CAST(${quoteIdent(src)} AS ${c.duck}) AS ${quoteIdent(c.name)}` : `CAST(NULL AS ${c.duck}) AS ${quoteIdent(c.name)}`;
          });
          selects.push(`SELECT ${items.join(", ")} FROM read_parquet(${quoteString(file)})`);
        }
        await this.ensureSchema(this.schemaName(scope, ref.db));
        if (selects.length) await this.setup.run(`CREATE OR REPLACE TABLE ${data} AS ${selects.join(" UNION ALL ")}`);
        else await this.setup.run(`CREATE OR REPLACE TABLE ${data} (${cols.map((c) => `${quoteIdent(c.name)} ${c.duck}`).join(", ")})`);
      });
    } catch (e) {
      if (e instanceof AthenaQueryError) throw e;
      throw new AthenaQueryError("HIVE_CANNOT_OPEN_SPLIT", `Error opening Hive split: ${(e as Error).message.split("\n")[0]}`);
    } finally {
      for (const { file } of files) rmSync(file, { force: true });
    }
  }

  private async ensureSchema(name: string): Promise<void> {
    if (this.schemas.has(name)) return;
    await this.setup.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name)}`);
    this.schemas.add(name);
  }

  async dropTable(scope: Pick<Scope, "accountId" | "region">, db: string, name: string): Promise<void> {
    const schema = quoteIdent(this.schemaName(scope, db));
    this.cache.delete(`${this.schemaName(scope, db)}.${name}`);
    await this.serial(async () => {
      if (!this.schemas.has(this.schemaName(scope, db))) return;
      await this.setup.run(`DROP VIEW IF EXISTS ${schema}.${quoteIdent(name)}`);
      await this.setup.run(`DROP TABLE IF EXISTS ${schema}.${quoteIdent(`__data__${name}`)}`);
    });
  }

  /** Translates a SELECT and prepares every table and view it reads; returns DuckDB SQL and bytes scanned. */
  async prepare(scope: Scope, sql: string, defaultDb: string, params?: string[]): Promise<{ sql: string; bytes: number; aliases: Set<string> }> {
    const dbs = scope.state.catalog.databases;
    const opts = (db: string) => ({
      defaultDb: db,
      lookup: (d: string, n: string) => {
        const t = dbs[d]?.tables[n];
        return t ? (t.tableType === "VIRTUAL_VIEW" ? ("view" as const) : ("table" as const)) : undefined;
      },
      dbExists: (d: string) => !!dbs[d],
      now: scope.now,
      relation: (ref: TableRef, withPath: boolean) => this.relation(scope, ref, withPath),
      infoSchema: (name: string) => infoSchema(scope.state, name),
    });
    const main = translate(sql, { ...opts(defaultDb), params });
    let bytes = 0;
    const seen = new Set<string>();
    const visit = async (refs: TableRef[], depth: number): Promise<void> => {
      for (const ref of refs) {
        const key = `${ref.db}.${ref.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const t = dbs[ref.db]?.tables[ref.name];
        if (!t) continue;
        if (t.tableType === "VIRTUAL_VIEW") {
          if (depth > 10) throw new AthenaQueryError("VIEW_IS_RECURSIVE", `View '${key}' is recursive`);
          const v = translate(t.viewSql ?? "", opts(ref.db));
          await visit(v.refs, depth + 1);
          await this.serial(async () => {
            await this.ensureSchema(this.schemaName(scope, ref.db));
            await this.setup.run(`CREATE OR REPLACE VIEW ${this.relation(scope, ref, false)} AS ${v.sql}`);
          });
        } else bytes += await this.materialize(scope, ref, t);
      }
    };
    await visit(main.refs, 0);
    return { sql: main.sql, bytes, aliases: main.aliases };
  }

  /** Runs DuckDB SQL on its own connection so StopQueryExecution and the timeout can interrupt it. */
  async run(id: string, sql: string, names: { aliases: Set<string> }): Promise<ResultSet & { raw: Record<string, unknown>[] }> {
    if (this.stopped.delete(id)) throw new Cancelled();
    const conn = await this.db.connect();
    const entry = { conn, cancelled: false };
    this.running.set(id, entry);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, this.timeoutMs);
    try {
      const reader = await conn.runAndReadAll(sql);
      const types = reader.columnTypes();
      const columns = reader.columnNames().map((n, i) => columnMeta(n, i, types[i], names));
      const json = reader.getRowsJson();
      const rows = json.map((r) => r.map((v, i) => formatValue(types[i], v)));
      const raw = json.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])));
      return { columns, rows, raw };
    } catch (e) {
      if (entry.cancelled) throw new Cancelled();
      if (timedOut)
        throw new AthenaQueryError("EXCEEDED_TIME_LIMIT", `Query exhausted resources at this scale factor: ran longer than ${this.timeoutMs / 1000} seconds`);
      throw e;
    } finally {
      clearTimeout(timer);
      this.running.delete(id);
      conn.closeSync();
    }
  }

  cancel(id: string): boolean {
    const r = this.running.get(id);
    if (!r) {
      this.stopped.add(id);
      return false;
    }
    r.cancelled = true;
    r.conn.interrupt();
    return true;
  }
}

export class Cancelled extends Error {}

/** Optional progress lines for long table loads (the server console), per runtime. */
const loadLogs = new WeakMap<Runtime, (line: string) => void>();

export function setAthenaLog(runtime: Runtime, log: ((line: string) => void) | undefined): void {
  if (log) loadLogs.set(runtime, log);
  else loadLogs.delete(runtime);
}

const engines = new WeakMap<Runtime, Promise<Engine>>();

export function engineFor(runtime: Runtime): Promise<Engine> {
  let e = engines.get(runtime);
  if (!e) {
    const created = Engine.create();
    e = created;
    engines.set(runtime, e);
    runtime.onClose(async () => {
      engines.delete(runtime);
      (await created).dispose();
    });
  }
  return e;
}

/** Athena's name for a result column: unnamed expressions become _colN; names are lowercase. */
function columnMeta(name: string, i: number, t: DuckDBType, names: { aliases: Set<string> }): ColumnMeta {
  const lower = name.toLowerCase();
  // DuckDB names an unaliased expression by its text (count_star(), (a + b), 'x'); a bare name is a column or alias.
  const named = names.aliases.has(lower) || (/^[a-z_$][a-z0-9_$]*$/.test(lower) && !["true", "false", "null"].includes(lower));
  const [type, precision, scale] = athenaType(t);
  return { name: named ? lower : `_col${i}`, type, precision, scale, hive: hiveType(t) };
}

export function hiveType(t: DuckDBType): string {
  switch (t.typeId) {
    case TypeId.LIST:
    case TypeId.ARRAY:
      return `array<${hiveType(t.valueType)}>`;
    case TypeId.MAP:
      return `map<${hiveType(t.keyType)},${hiveType(t.valueType)}>`;
    case TypeId.STRUCT:
      return `struct<${t.entryNames.map((n, i) => `${n.toLowerCase() || `field${i}`}:${hiveType(t.entryTypes[i])}`).join(",")}>`;
    default: {
      const [a] = athenaType(t);
      return (
        {
          varchar: "string",
          integer: "int",
          "timestamp with time zone": "timestamp",
          json: "string",
          unknown: "string",
          "interval day to second": "string",
          varbinary: "binary",
        }[a] ?? (a === "decimal" && t.typeId === TypeId.DECIMAL ? `decimal(${t.width},${t.scale})` : a)
      );
    }
  }
}

export function athenaType(t: DuckDBType): [string, number, number] {
  if (t.alias?.toUpperCase() === "JSON") return ["json", 0, 0];
  switch (t.typeId) {
    case TypeId.VARCHAR:
      return ["varchar", 2147483647, 0];
    case TypeId.BIGINT:
    case TypeId.HUGEINT:
    case TypeId.UBIGINT:
    case TypeId.UINTEGER:
      return ["bigint", 19, 0];
    case TypeId.INTEGER:
    case TypeId.USMALLINT:
      return ["integer", 10, 0];
    case TypeId.SMALLINT:
    case TypeId.UTINYINT:
      return ["smallint", 5, 0];
    case TypeId.TINYINT:
      return ["tinyint", 3, 0];
    case TypeId.DOUBLE:
      return ["double", 17, 0];
    case TypeId.FLOAT:
      return ["float", 17, 0];
    case TypeId.BOOLEAN:
      return ["boolean", 0, 0];
    case TypeId.DATE:
      return ["date", 0, 0];
    case TypeId.TIMESTAMP:
    case TypeId.TIMESTAMP_MS:
    case TypeId.TIMESTAMP_S:
    case TypeId.TIMESTAMP_NS:
      return ["timestamp", 3, 0];
    case TypeId.TIMESTAMP_TZ:
      return ["timestamp with time zone", 3, 0];
    case TypeId.DECIMAL:
      return ["decimal", t.width, t.scale];
    case TypeId.LIST:
    case TypeId.ARRAY:
      return ["array", 0, 0];
    case TypeId.MAP:
      return ["map", 0, 0];
    case TypeId.STRUCT:
      return ["row", 0, 0];
    case TypeId.INTERVAL:
      return ["interval day to second", 0, 0];
    case TypeId.BLOB:
      return ["varbinary", 0, 0];
    case TypeId.SQLNULL:
      return ["unknown", 0, 0];
    default:
      return ["varchar", 2147483647, 0];
  }
}

function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) {
    const [m, e] = n.toExponential().split("e");
    return `${m.includes(".") ? m : `${m}.0`}E${Number(e)}`;
  }
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function fmtTimestamp(v: string, tz: boolean): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(v);
  if (!m) return v;
  return `${m[1]} ${m[2]}.${(m[3] ?? "").padEnd(3, "0").slice(0, 3)}${tz ? " UTC" : ""}`;
}

/** One value as Athena prints it in VarCharValue and in the CSV. */
export function formatValue(t: DuckDBType, v: unknown, nested = false): string | null {
  if (v === null || v === undefined) return nested ? "null" : null;
  if (t.alias?.toUpperCase() === "JSON") return String(v);
  switch (t.typeId) {
    case TypeId.DOUBLE:
    case TypeId.FLOAT:
      return typeof v === "number" ? javaDouble(v) : String(v);
    case TypeId.TIMESTAMP:
    case TypeId.TIMESTAMP_MS:
    case TypeId.TIMESTAMP_S:
    case TypeId.TIMESTAMP_NS:
      return fmtTimestamp(String(v), false);
    case TypeId.TIMESTAMP_TZ:
      return fmtTimestamp(String(v), true);
    case TypeId.LIST:
    case TypeId.ARRAY:
      return `[${(v as unknown[]).map((x) => formatValue(t.valueType, x, true)).join(", ")}]`;
    case TypeId.STRUCT: {
      const o = v as Record<string, unknown>;
      // Anonymous ROW(…) fields print as field0, field1, … in Athena.
      return `{${t.entryNames.map((n, i) => `${n || `field${i}`}=${formatValue(t.entryTypes[i], o[n], true)}`).join(", ")}}`;
    }
    case TypeId.MAP:
      return `{${(v as { key: unknown; value: unknown }[]).map((e) => `${formatValue(t.keyType, e.key, true)}=${formatValue(t.valueType, e.value, true)}`).join(", ")}}`;
    case TypeId.INTERVAL: {
      const iv = v as { months: number; days: number; micros: string };
      const ms = Number(iv.micros) / 1000;
      const hh = Math.floor(ms / 3_600_000);
      const mm = Math.floor((ms % 3_600_000) / 60_000);
      const ss = (ms % 60_000) / 1000;
      return `${iv.days} ${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}:${ss.toFixed(3).padStart(6, "0")}`;
    }
    default:
      return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
}

// --- partition projection -------------------------------------------------------------------------------

function javaDateRegex(fmt: string): string {
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss|[^A-Za-z]|[A-Za-z]+/g, (m) => {
    if (m === "yyyy") return "\\d{4}";
    if (/^(MM|dd|HH|mm|ss)$/.test(m)) return "\\d{2}";
    if (/^[A-Za-z]+$/.test(m)) return "[^/]+";
    return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
}

function parseJavaDate(fmt: string, v: string): Date | undefined {
  const fields: string[] = [];
  const re = new RegExp(
    `^${fmt.replace(/yyyy|MM|dd|HH|mm|ss|[^A-Za-z]/g, (m) => {
      if (/^[A-Za-z]+$/.test(m)) {
        fields.push(m);
        return m === "yyyy" ? "(\\d{4})" : "(\\d{2})";
      }
      return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })}$`,
  );
  const m = re.exec(v);
  if (!m) return undefined;
  const get = (f: string, d: number) => {
    const i = fields.indexOf(f);
    return i < 0 ? d : Number(m[i + 1]);
  };
  return new Date(Date.UTC(get("yyyy", 1970), get("MM", 1) - 1, get("dd", 1), get("HH", 0), get("mm", 0), get("ss", 0)));
}

function rangeBound(s: string, fmt: string, now: Date): Date | undefined {
  const m = /^NOW\s*(?:([+-])\s*(\d+)\s*(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?)?$/i.exec(s.trim());
  if (m) {
    const d = new Date(now);
    if (m[1]) {
      const n = Number(m[2]) * (m[1] === "-" ? -1 : 1);
      const u = m[3].toUpperCase();
      if (u === "YEAR") d.setUTCFullYear(d.getUTCFullYear() + n);
      else if (u === "MONTH") d.setUTCMonth(d.getUTCMonth() + n);
      else d.setTime(d.getTime() + n * { WEEK: 604800e3, DAY: 86400e3, HOUR: 3600e3, MINUTE: 60e3, SECOND: 1e3 }[u as "DAY"]);
    }
    return d;
  }
  return parseJavaDate(fmt, s.trim());
}

/** Partition projection: match object keys against storage.location.template and keep values the projection allows. */
function projectedPartitions(scope: Scope, t: TableDef) {
  const props = t.tableProperties;
  const keys = t.partitionKeys.map((k) => k.name);
  const template = props["storage.location.template"] ?? `${dirPrefix(t.location ?? "")}${keys.map((k) => `${k}=\${${k}}`).join("/")}/`;
  const loc = parseS3Uri(template);
  if (!loc) throw new AthenaQueryError("HIVE_INVALID_METADATA", `Invalid storage.location.template: ${template}`);
  const staticPrefix = loc.prefix.split("${")[0];
  const order: string[] = [];
  const pattern = loc.prefix.replace(/\$\{([^}]+)\}|[^$]+|\$/g, (m, name?: string) => {
    if (!name) return m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const k = name.toLowerCase();
    order.push(k);
    const type = (props[`projection.${k}.type`] ?? "").toLowerCase();
    if (type === "date") return `(${javaDateRegex(props[`projection.${k}.format`] ?? "yyyy-MM-dd")})`;
    return "([^/]+)";
  });
  const re = new RegExp(`^${pattern}${pattern.endsWith("/") ? "" : "/"}`);
  const allowed = (k: string, v: string): boolean => {
    const type = (props[`projection.${k}.type`] ?? "").toLowerCase();
    if (type === "enum")
      return (props[`projection.${k}.values`] ?? "")
        .split(",")
        .map((x) => x.trim())
        .includes(v);
    if (type === "integer") {
      const [lo, hi] = (props[`projection.${k}.range`] ?? "").split(",").map((x) => Number(x.trim()));
      const n = Number(v);
      return /^-?\d+$/.test(v) && n >= lo && n <= hi;
    }
    if (type === "date") {
      const fmt = props[`projection.${k}.format`] ?? "yyyy-MM-dd";
      const d = parseJavaDate(fmt, v);
      if (!d) return false;
      const [lo, hi] = (props[`projection.${k}.range`] ?? "").split(",");
      const from = lo ? rangeBound(lo, fmt, scope.now) : undefined;
      const to = hi ? rangeBound(hi, fmt, scope.now) : undefined;
      return (!from || d >= from) && (!to || d <= to);
    }
    return true;
  };
  const out: { key: string; bucket: string; etag: string; size: number; parts: Record<string, string> }[] = [];
  if (!scope.runtime.objects.bucket(scope.accountId, loc.bucket)) return out;
  for (const o of scope.runtime.objects.list(scope.accountId, loc.bucket, staticPrefix)) {
    if (hidden(o.key)) continue;
    const m = re.exec(o.key);
    if (!m) continue;
    const parts: Record<string, string> = {};
    order.forEach((k, i) => {
      parts[k] = m[i + 1];
    });
    if (order.every((k) => allowed(k, parts[k]))) out.push({ key: o.key, bucket: loc.bucket, etag: o.etag, size: o.size, parts });
  }
  return out;
}

// --- information_schema -----------------------------------------------------------------------------------

/** Hive type → the Trino spelling information_schema.columns shows. */
function trinoType(h: HiveType): string {
  switch (h.kind) {
    case "array":
      return `array(${trinoType(h.elem)})`;
    case "map":
      return `map(${trinoType(h.key)}, ${trinoType(h.value)})`;
    case "struct":
      return `row(${h.fields.map((f) => `${f.name} ${trinoType(f.type)}`).join(", ")})`;
    default:
      return { string: "varchar", int: "integer", float: "real" }[h.name] ?? (h.args ? `${h.name}(${h.args.join(",")})` : h.name);
  }
}

function values(cols: string[], rows: (string | number | null)[][]): string {
  const lit = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? String(v) : quoteString(v));
  if (!rows.length) return `SELECT ${cols.map((c) => `CAST(NULL AS VARCHAR) AS ${quoteIdent(c)}`).join(", ")} WHERE false`;
  return `SELECT * FROM (VALUES ${rows.map((r) => `(${r.map(lit).join(", ")})`).join(", ")}) AS t(${cols.map(quoteIdent).join(", ")})`;
}

function infoSchema(st: AthenaState, name: string): string | undefined {
  const dbs = Object.values(st.catalog.databases).sort((a, b) => a.name.localeCompare(b.name));
  const tables = dbs.flatMap((d) => Object.values(d.tables).map((t) => ({ d, t })));
  switch (name) {
    case "schemata":
      return values(["catalog_name", "schema_name"], [...dbs.map((d) => ["awsdatacatalog", d.name]), ["awsdatacatalog", "information_schema"]]);
    case "tables":
      return values(
        ["table_catalog", "table_schema", "table_name", "table_type"],
        tables.map(({ d, t }) => ["awsdatacatalog", d.name, t.name, t.tableType === "VIRTUAL_VIEW" ? "VIEW" : "BASE TABLE"]),
      );
    case "views":
      return values(
        ["table_catalog", "table_schema", "table_name", "view_definition"],
        tables.filter(({ t }) => t.tableType === "VIRTUAL_VIEW").map(({ d, t }) => ["awsdatacatalog", d.name, t.name, t.viewSql ?? ""]),
      );
    case "columns":
      return values(
        [
          "table_catalog",
          "table_schema",
          "table_name",
          "column_name",
          "ordinal_position",
          "column_default",
          "is_nullable",
          "data_type",
          "comment",
          "extra_info",
        ],
        tables.flatMap(({ d, t }) =>
          [...t.columns, ...t.partitionKeys].map((c, i) => [
            "awsdatacatalog",
            d.name,
            t.name,
            c.name,
            i + 1,
            null,
            "YES",
            trinoType(parseHiveType(c.type)),
            c.comment ?? null,
            i >= t.columns.length ? "partition key" : null,
          ]),
        ),
      );
    default:
      return undefined;
  }
}
