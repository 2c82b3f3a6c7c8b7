/**
 * DuckDB as Athena's engine. One in-memory instance per running scenario, in a process of its own (duckproc.ts):
 * a native abort inside DuckDB ends that process, the queries in flight fail, and the next query starts another.
 * Tables come from the S3 objects (tables.ts keeps them current). The instance is locked down: no extension
 * loading, no file access outside a private directory holding the objects' files and our own load files,
 * configuration frozen; and queries reach it only through the translator's allow-list of functions.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { processAlive } from "../../core/process.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceLifecycle } from "../../core/service.ts";
import { objectsOf } from "../s3/object-store.ts";
import { type Conn, DuckError, DuckProcess, type TypeDesc } from "./duckproc.ts";
import { EngineFailure } from "./errors.ts";
import type { Scope } from "./locations.ts";
import { tableObjects } from "./locations.ts";
import { NATIVE_MACROS } from "./native.ts";
import { partitionFilter } from "./scanned.ts";
import { type HiveType, parseHiveType } from "./sql/hivetypes.ts";
import { quoteIdent, quoteString } from "./sql/tokens.ts";
import { AthenaQueryError, type SourceMap, type TableRef, translate } from "./sql/translate.ts";
import { TRINO_MACROS } from "./sql/trino-macros.ts";
import { type AthenaState, athenaStateOf, type TableDef } from "./state.ts";
import { type BuildStep, type DuckHost, isReadError, TableLoader } from "./tables.ts";

export type { Scope } from "./locations.ts";

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

/** The macros every translated query may call (functions.ts's ENGINE_MACROS names them for the allow-list). */
export const ENGINE_MACROS_SQL = [
  // json_value gives a scalar's JSON text (NULL for objects and arrays, as Presto's json_extract_scalar) in one parse.
  "CREATE MACRO __json_extract_scalar(j, p) AS CAST(json_value(j, p) AS JSON) ->> '$'",
  "CREATE MACRO __ipaddress(x) AS CASE WHEN regexp_matches(CAST(x AS VARCHAR), '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$') THEN (CAST(split_part(x, '.', 1) AS BIGINT) << 24) + (CAST(split_part(x, '.', 2) AS BIGINT) << 16) + (CAST(split_part(x, '.', 3) AS BIGINT) << 8) + CAST(split_part(x, '.', 4) AS BIGINT) END",
  "CREATE MACRO __cidr_contains(c, ip) AS ip >= __ipaddress(split_part(c, '/', 1)) AND ip < __ipaddress(split_part(c, '/', 1)) + (CAST(1 AS BIGINT) << (32 - CAST(split_part(c, '/', 2) AS INTEGER)))",
  ...NATIVE_MACROS,
  "CREATE MACRO __json_size(j, p) AS CASE json_type(json_extract(j, p)) WHEN 'ARRAY' THEN json_array_length(json_extract(j, p)) WHEN 'OBJECT' THEN len(json_keys(json_extract(j, p))) ELSE 0 END",
];

/**
 * Trino's functions as macros of the `trino` schema (trino-macros.ts); the translator calls them qualified. Each is
 * defined when a query first calls it (Engine.defineMacros): defining all of them costs the first query ~40 ms.
 */
export const trinoMacroSql = (name: string): string => `CREATE OR REPLACE MACRO trino.${name}${TRINO_MACROS[name]}`;

/** The instance's settings, then frozen: `readable` are the only directories DuckDB may open (the first is ours). */
function setupStatements(dir: string, readable: string[]): string[] {
  return [
    // GLOBAL: every query runs on its own connection and must see these.
    "SET GLOBAL TimeZone='UTC'",
    "SET GLOBAL integer_division=true",
    // Errors with their kind and position (errors.ts maps them to Athena's).
    "SET GLOBAL errors_as_json=true",
    "SET enable_external_file_cache=false",
    // Only our own directory (which holds what spills) and the recording's object files stay readable;
    // then the configuration is frozen for every connection.
    `SET temp_directory=${quoteString(join(dir, "spill"))}`,
    `SET allowed_directories=[${readable.map(quoteString).join(", ")}]`,
    "SET enable_external_access=false",
    "SET lock_configuration=true",
    ...ENGINE_MACROS_SQL,
    "CREATE SCHEMA trino",
  ];
}

// --- private directories ------------------------------------------------------------------------------------

/** Engine directories are named ir-range-athena-<pid>-<random>: a start removes those of processes gone. */
const DIR_PREFIX = "ir-range-athena-";
const liveDirs = new Set<string>();
let dirExitHook = false;

/** Removes the directories earlier emulators left behind when they were killed or crashed. */
export function removeStaleDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function makeDir(): string {
  removeStaleDirs();
  const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  liveDirs.add(dir);
  if (!dirExitHook) {
    dirExitHook = true;
    // Whatever ends the process without closing the runtime (process.exit, an uncaught error) still removes them.
    process.once("exit", () => {
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

// --- the engine -------------------------------------------------------------------------------------------------

interface Backend {
  proc: DuckProcess;
  setup: Conn;
}

/** How long an interrupted query may take to stop before its engine process is killed (and restarted). */
const STOP_GRACE_MS = 10_000;

export class Engine {
  private readonly tables: TableLoader;
  private running = new Map<string, { conn: Conn; cancelled: boolean; stop: () => void }>();
  private setupQueue: Promise<unknown> = Promise.resolve();
  private schemas = new Set<string>();
  /** The `trino` macros defined in the engine process running now. */
  private macros = new Set<string>();
  /** Executions stopped before they reached DuckDB (still loading tables). */
  private stopped = new Set<string>();
  private backendP: Promise<Backend> | undefined;
  private current: DuckProcess | undefined;
  private disposed = false;
  /** How many times the engine process was started again after it stopped. */
  restarts = 0;

  private constructor(
    readonly dir: string,
    /** Per-query limit (IR_RANGE_ATHENA_TIMEOUT_MS, default 120 s); memory is IR_RANGE_ATHENA_MEMORY (default 1GB). */
    private readonly timeoutMs: number,
    private readonly readable: string[],
    private readonly say: (line: string) => void,
  ) {
    const host: DuckHost = {
      dir,
      roots: readable.slice(1),
      serial: (fn) => this.serial(async () => fn((await this.backend()).setup)),
      connect: async () => (await this.backend()).proc.connect(),
      ensureSchema: (setup, name) => this.ensureSchema(setup, name),
      log: (scope, line) => loadLogs.get(scope.runtime)?.(line),
    };
    this.tables = new TableLoader(host);
  }

  /** `roots`: directories of the recording's object files, which DuckDB may read in place. */
  static async create(roots: string[] = [], say: (line: string) => void = () => undefined): Promise<Engine> {
    const dir = makeDir();
    const readable = [dir, ...roots].map((d) => (d.endsWith(sep) ? d : `${d}${sep}`));
    const engine = new Engine(dir, Number(process.env.IR_RANGE_ATHENA_TIMEOUT_MS ?? 120_000), readable, say);
    try {
      await engine.backend();
    } catch (e) {
      await engine.dispose();
      throw e;
    }
    return engine;
  }

  /** The engine process and its setup connection, started on first use and again after it stopped. */
  private backend(): Promise<Backend> {
    if (this.disposed) return Promise.reject(new AthenaQueryError("GENERIC_INTERNAL_ERROR", "The query engine is shut down"));
    if (!this.backendP) {
      const options = {
        autoinstall_known_extensions: "false",
        autoload_known_extensions: "false",
        memory_limit: process.env.IR_RANGE_ATHENA_MEMORY ?? "1GB",
        threads: "2",
      };
      const started = DuckProcess.start(options, setupStatements(this.dir, this.readable)).then(async (proc) => {
        proc.onCrash = (why) => this.crashed(proc, why);
        this.current = proc;
        return { proc, setup: await proc.connect() };
      });
      this.backendP = started;
      started.catch(() => {
        if (this.backendP === started) this.backendP = undefined;
      });
    }
    return this.backendP;
  }

  /** The process stopped on its own: what lived in it (tables, views, schemas) is gone, and is rebuilt on demand. */
  private crashed(proc: DuckProcess, why: string): void {
    if (this.current !== proc) return;
    this.current = undefined;
    this.backendP = undefined;
    this.schemas.clear();
    this.macros.clear();
    this.tables.reset();
    this.restarts++;
    this.say(`athena: the query engine stopped (${why}); a new one starts with the next query`);
  }

  /** Ends the engine process at once, as a crash would (tests; a query that ignores its interrupt). */
  kill(): void {
    this.current?.kill();
  }

  /** Tests: whether the execution is inside DuckDB now (past loading its tables). */
  inDuckDB(id: string): boolean {
    return this.running.has(id);
  }

  /** Tests: resolves when the engine process running now has ended. */
  processExited(): Promise<void> | undefined {
    return this.current?.exited;
  }

  /** Tests only (no query reaches it): DuckDB SQL as is, on the setup connection, bypassing the translator. */
  async runUnchecked(sql: string): Promise<void> {
    await this.serial(async () => (await this.backend()).setup.run(sql));
  }

  /** CPU time and memory of the engine process. */
  async processStats(): Promise<{ pid?: number; rss: number; cpuMs: number }> {
    const b = await this.backend();
    return { pid: b.proc.pid, ...(await b.proc.stats()) };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.setupQueue.then(fn, fn);
    this.setupQueue = run.catch(() => undefined);
    return run;
  }

  /** Stops the engine process and removes its directory when the runtime closes, once background loads have stopped. */
  async dispose(): Promise<void> {
    this.tables.interruptAll();
    await this.tables.idle();
    this.disposed = true;
    const b = this.backendP;
    this.backendP = undefined;
    this.current = undefined;
    if (b) await b.then((x) => x.proc.close()).catch(() => undefined);
    removeDir(this.dir);
  }

  schemaName(scope: Pick<Scope, "accountId" | "region">, db: string): string {
    return `${scope.accountId}_${scope.region}_${db}`;
  }

  /** A table's relation (a subquery over its files, or its rows: tables.ts); a view is the DuckDB view made for it. */
  relation(scope: Scope, ref: TableRef, withPath: boolean): string {
    const schema = this.schemaName(scope, ref.db);
    return this.tables.relation(schema, ref.name, withPath) ?? `${quoteIdent(schema)}.${quoteIdent(ref.name)}`;
  }

  private async ensureSchema(setup: Conn, name: string): Promise<void> {
    if (this.schemas.has(name)) return;
    await setup.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name)}`);
    this.schemas.add(name);
  }

  /** Defines the `trino` macros a translation calls that the engine process does not have yet. */
  private async defineMacros(names: Iterable<string>): Promise<void> {
    const missing = [...names].filter((n) => !this.macros.has(n));
    if (!missing.length) return;
    await this.serial(async () => {
      const { setup, proc } = await this.backend();
      for (const n of missing) {
        if (this.macros.has(n)) continue;
        await setup.run(trinoMacroSql(n));
        // A restart meanwhile took the definition with the old process.
        if (this.current === proc) this.macros.add(n);
      }
    });
  }

  async dropTable(scope: Pick<Scope, "accountId" | "region">, db: string, name: string): Promise<void> {
    await this.tables.drop(this.schemaName(scope, db), name);
  }

  /** Resolves once every table the queries so far read from files is materialized (or gave up). */
  idle(): Promise<void> {
    return this.tables.idle();
  }

  tableState(scope: Pick<Scope, "accountId" | "region">, db: string, name: string): { reader: string; cached: boolean } | undefined {
    return this.tables.describe(this.schemaName(scope, db), name);
  }

  /** Tests: which load of the table the engine has (a reload makes a new one). */
  tableGeneration(scope: Pick<Scope, "accountId" | "region">, db: string, name: string): number | undefined {
    return this.tables.generation(this.schemaName(scope, db), name);
  }

  /** Tests pause caching to query tables straight from their files. */
  set cacheTables(on: boolean) {
    this.tables.cacheTables = on;
  }

  /** Tests: awaited at each step of a background build (tables.ts), to interleave queries and new objects with it. */
  set buildHook(fn: ((step: BuildStep, table: string) => Promise<void> | void) | undefined) {
    this.tables.buildStep = fn;
  }

  /** Tests compare DuckDB's own reading of CloudTrail and JSON files with the JavaScript serdes. */
  set nativeReads(on: boolean) {
    this.tables.nativeReads = on;
  }

  /**
   * Loads every table of the scope's databases before any query names it, and caches those read from their files
   * (prepareAthena): the first query of each then costs what a later one does. A table that fails to load is left
   * to its first query, which reports why; a query arriving meanwhile waits for its table's load, not for the rest.
   */
  async warm(scope: Scope): Promise<void> {
    for (const d of Object.values(scope.state.catalog.databases)) {
      for (const t of Object.values(d.tables)) {
        if (this.disposed) return;
        if (t.tableType === "VIRTUAL_VIEW") continue;
        try {
          await this.tables.prepare(scope, { db: d.name, name: t.name }, this.schemaName(scope, d.name), t);
        } catch {
          continue;
        }
        // Cached in the background while the next table loads.
        this.tables.startBuilds();
      }
    }
    await this.tables.idle();
  }

  /** Translates a SELECT and prepares every table and view it reads; returns DuckDB SQL and bytes scanned. */
  async prepare(scope: Scope, sql: string, defaultDb: string, params?: string[]): Promise<Prepared> {
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
      columns: (d: string, n: string) => {
        const t = dbs[d]?.tables[n];
        return t && t.tableType !== "VIRTUAL_VIEW" ? [...t.columns, ...t.partitionKeys].map((c) => c.name.toLowerCase()) : undefined;
      },
    });
    // Translated once to find the tables and views; the SQL that runs is translated once they are all prepared.
    const first = translate(sql, { ...opts(defaultDb), params });
    let bytes = 0;
    const seen = new Set<string>();
    const tables: { ref: TableRef; t: TableDef; schema: string }[] = [];
    /** Views the query reads, each after the views it reads. */
    const views: { ref: TableRef; t: TableDef }[] = [];
    const visit = async (refs: TableRef[], depth: number): Promise<void> => {
      for (const ref of refs) {
        const key = `${ref.db}.${ref.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const t = dbs[ref.db]?.tables[ref.name];
        if (!t) continue;
        if (t.tableType === "VIRTUAL_VIEW") {
          if (depth > 10) throw new AthenaQueryError("VIEW_IS_RECURSIVE", `View '${key}' is recursive`);
          await visit(translate(t.viewSql ?? "", opts(ref.db)).refs, depth + 1);
          views.push({ ref, t });
        } else {
          const schema = this.schemaName(scope, ref.db);
          const all = (await this.tables.prepare(scope, ref, schema, t)).bytes;
          // What Athena would read: the objects of the partitions the query's WHERE keeps (scanned.ts).
          bytes += t.partitionKeys.length ? partitionBytes(scope, t, partitionFilter(sql, defaultDb, ref, t.partitionKeys)) : all;
          tables.push({ ref, t, schema });
        }
      }
    };
    await visit(first.refs, 0);
    const keys = tables.map((d) => `${d.schema}.${d.ref.name}`);
    const prepared: Prepared = { sql: first.sql, bytes, aliases: first.aliases, map: first.map, source: sql };
    /** The tables the SQL reads straight from their files. */
    let direct: typeof tables = [];
    /**
     * Holds the tables' current generations and translates the query and its views over them in one step: whatever
     * other queries load meanwhile, the relations named stay until this query has run (Prepared.release).
     */
    const bind = async (): Promise<void> => {
      const release = this.tables.hold(keys);
      const earlier = prepared.release;
      prepared.release = () => {
        earlier?.();
        release();
      };
      const viewSql = views.map(({ ref, t }) => ({ ref, ...translate(t.viewSql ?? "", opts(ref.db)) }));
      const main = translate(sql, { ...opts(defaultDb), params });
      await this.defineMacros([...main.macros, ...viewSql.flatMap((v) => [...v.macros])]);
      direct = tables.filter((d) => this.tables.readsFiles(d.schema, d.ref.name));
      for (const v of viewSql) {
        await this.serial(async () => {
          const { setup } = await this.backend();
          await this.ensureSchema(setup, this.schemaName(scope, v.ref.db));
          await setup.run(`CREATE OR REPLACE VIEW ${this.relation(scope, v.ref, false)} AS ${v.sql}`);
        });
      }
      prepared.sql = main.sql;
      prepared.aliases = main.aliases;
      prepared.map = main.map;
    };
    try {
      await bind();
    } catch (e) {
      prepared.release?.();
      throw e;
    }
    // When DuckDB cannot read a table's files as planned, the JavaScript reader loads them and the query runs again.
    if (direct.length) {
      prepared.fallback = async () => {
        prepared.fallback = undefined;
        this.tables.demote(direct.map((d) => `${d.schema}.${d.ref.name}`));
        for (const d of direct) await this.tables.prepare(scope, d.ref, d.schema, d.t);
        await bind();
      };
    }
    return prepared;
  }

  /**
   * Runs `sql` (the prepared statement, or a statement that embeds it, e.g. `SELECT * FROM (…) LIMIT 0`) on a
   * connection of its own, so StopQueryExecution and the timeout can interrupt it.
   */
  async run(id: string, sql: string, prepared: Prepared): Promise<ResultSet & { raw: Record<string, unknown>[] }> {
    let ran = sql;
    try {
      try {
        return await this.runOnce(id, sql, prepared);
      } catch (e) {
        if (!prepared.fallback || e instanceof Cancelled || e instanceof AthenaQueryError || !isReadError(e as Error, this.dir)) throw e;
        const before = prepared.sql;
        await prepared.fallback();
        ran = sql === before ? prepared.sql : sql.replace(before, () => prepared.sql);
        return await this.runOnce(id, ran, prepared);
      }
    } catch (e) {
      // What DuckDB says is placed in the student's SQL through the translation's map (errors.ts).
      throw e instanceof DuckError ? new EngineFailure(e, ran, prepared.sql, prepared.map, prepared.source) : e;
    } finally {
      prepared.release?.();
      prepared.release = undefined;
      this.tables.startBuilds();
    }
  }

  private async runOnce(id: string, sql: string, names: { aliases: Set<string> }): Promise<ResultSet & { raw: Record<string, unknown>[] }> {
    if (this.stopped.delete(id)) throw new Cancelled();
    const { proc } = await this.backend();
    const conn = await proc.connect();
    // Interrupted, the query ends within moments; one that does not (stuck in native code) takes its process along.
    let grace: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      conn.interrupt();
      grace ??= setTimeout(() => proc.kill(), STOP_GRACE_MS);
    };
    const entry = { conn, cancelled: false, stop };
    this.running.set(id, entry);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, this.timeoutMs);
    try {
      const res = await conn.read(sql);
      const columns = res.names.map((n, i) => columnMeta(n, i, res.types[i], names));
      const rows = res.rows.map((r) => r.map((v, i) => formatValue(res.types[i], v)));
      const raw = res.rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])));
      return { columns, rows, raw };
    } catch (e) {
      if (entry.cancelled) throw new Cancelled();
      if (timedOut)
        throw new AthenaQueryError("EXCEEDED_TIME_LIMIT", `Query exhausted resources at this scale factor: ran longer than ${this.timeoutMs / 1000} seconds`);
      throw e;
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      this.running.delete(id);
      conn.close();
    }
  }

  cancel(id: string): boolean {
    const r = this.running.get(id);
    if (!r) {
      this.stopped.add(id);
      return false;
    }
    r.cancelled = true;
    r.stop();
    return true;
  }
}

export class Cancelled extends Error {}

export interface Prepared {
  sql: string;
  bytes: number;
  aliases: Set<string>;
  /** The translation's map back to the student's SQL, and that SQL. */
  map: SourceMap;
  source: string;
  /** Set when a table was read straight from its files: loads those tables with the JavaScript serdes instead. */
  fallback?: () => Promise<void>;
  /** Lets go of the table generations the SQL names (run calls it when the query has run). */
  release?: () => void;
}

/** The stored size of the table's objects in the partitions `keep` accepts. */
function partitionBytes(scope: Scope, t: TableDef, keep: (parts: Record<string, string>) => boolean): number {
  let n = 0;
  for (const o of tableObjects(scope, t)) if (keep(o.parts)) n += o.size;
  return n;
}

/** Optional progress lines for long table loads (the server console), per runtime. */
const loadLogs = new WeakMap<Runtime, (line: string) => void>();

export function setAthenaLog(runtime: Runtime, log: ((line: string) => void) | undefined): void {
  if (log) loadLogs.set(runtime, log);
  else loadLogs.delete(runtime);
}

const engines = new WeakMap<Runtime, Promise<Engine>>();

/** Tests: whether the runtime has an engine (without starting one). */
export function hasEngine(runtime: Runtime): boolean {
  return engines.has(runtime);
}

export function engineFor(runtime: Runtime): Promise<Engine> {
  let e = engines.get(runtime);
  if (!e) {
    const created = Engine.create(objectsOf(runtime).recordingRoots(), (line) => loadLogs.get(runtime)?.(line));
    e = created;
    engines.set(runtime, e);
    runtime.onClose(async () => {
      engines.delete(runtime);
      await (await created).dispose();
    });
  }
  return e;
}

/**
 * Loads and caches the tables the recording defines (Secutter's secutter_ir) while the server waits for its first
 * requests, so that a student's first query answers as fast as later ones. Starts no engine for a recording without
 * tables. Athena's lifecycle.prepare (`ir-range start` runs it once serving), not run for every runtime a test opens.
 */
export async function prepareAthena(runtime: Runtime): Promise<void> {
  for (const [accountId, acct] of Object.entries(runtime.document.accounts)) {
    for (const [region, services] of Object.entries(acct.regions ?? {})) {
      const stored = (services as Record<string, unknown>).athena as Partial<AthenaState> | undefined;
      const hasTables = Object.values(stored?.catalog?.databases ?? {}).some((d) => Object.keys(d.tables ?? {}).length > 0);
      if (!hasTables) continue;
      // The state as queries see it (defaults filled in), so that a query finds the very definitions loaded here.
      const state = await runtime.transact(() => athenaStateOf(runtime, accountId, region));
      const engine = await engineFor(runtime);
      await engine.warm({ runtime, accountId, region, state, now: runtime.clock.now() });
    }
  }
}

/** Athena's name for a result column: unnamed expressions become _colN; names are lowercase. */
function columnMeta(name: string, i: number, t: TypeDesc, names: { aliases: Set<string> }): ColumnMeta {
  const lower = name.toLowerCase();
  // DuckDB names an unaliased expression by its text (count_star(), (a + b), 'x'); a bare name is a column or alias.
  const named = names.aliases.has(lower) || (/^[a-z_$][a-z0-9_$]*$/.test(lower) && !["true", "false", "null"].includes(lower));
  const [type, precision, scale] = athenaType(t);
  return { name: named ? lower : `_col${i}`, type, precision, scale, hive: hiveType(t) };
}

export function hiveType(t: TypeDesc): string {
  switch (t.id) {
    case "LIST":
    case "ARRAY":
      return `array<${hiveType(t.valueType!)}>`;
    case "MAP":
      return `map<${hiveType(t.keyType!)},${hiveType(t.valueType!)}>`;
    case "STRUCT":
      return `struct<${t.entryNames!.map((n, i) => `${n.toLowerCase() || `field${i}`}:${hiveType(t.entryTypes![i])}`).join(",")}>`;
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
        }[a] ?? (a === "decimal" && t.id === "DECIMAL" ? `decimal(${t.width},${t.scale})` : a)
      );
    }
  }
}

export function athenaType(t: TypeDesc): [string, number, number] {
  if (t.alias?.toUpperCase() === "JSON") return ["json", 0, 0];
  switch (t.id) {
    case "VARCHAR":
      return ["varchar", 2147483647, 0];
    case "BIGINT":
    case "HUGEINT":
    case "UBIGINT":
    case "UINTEGER":
      return ["bigint", 19, 0];
    case "INTEGER":
    case "USMALLINT":
      return ["integer", 10, 0];
    case "SMALLINT":
    case "UTINYINT":
      return ["smallint", 5, 0];
    case "TINYINT":
      return ["tinyint", 3, 0];
    case "DOUBLE":
      return ["double", 17, 0];
    case "FLOAT":
      return ["float", 17, 0];
    case "BOOLEAN":
      return ["boolean", 0, 0];
    case "DATE":
      return ["date", 0, 0];
    case "TIMESTAMP":
    case "TIMESTAMP_MS":
    case "TIMESTAMP_S":
    case "TIMESTAMP_NS":
      return ["timestamp", 3, 0];
    case "TIMESTAMP_TZ":
      return ["timestamp with time zone", 3, 0];
    case "DECIMAL":
      return ["decimal", t.width ?? 0, t.scale ?? 0];
    case "LIST":
    case "ARRAY":
      return ["array", 0, 0];
    case "MAP":
      return ["map", 0, 0];
    case "STRUCT":
      return ["row", 0, 0];
    case "INTERVAL":
      return ["interval day to second", 0, 0];
    case "BLOB":
      return ["varbinary", 0, 0];
    case "SQLNULL":
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

/** DuckDB's text of a BLOB (printable bytes as they are, others as \xHH) → its bytes. */
function blobBytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === "x" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(...Buffer.from(text[i], "utf8"));
  }
  return out;
}

/** varbinary as Trino prints it: hex pairs, 8-byte words three spaces apart, 32 bytes a line (SqlVarbinary.toHexString). */
export function varbinaryText(bytes: number[]): string {
  const lines: string[] = [];
  for (let l = 0; l < bytes.length; l += 32) {
    const words: string[] = [];
    for (let w = l; w < Math.min(l + 32, bytes.length); w += 8) {
      words.push(
        bytes
          .slice(w, Math.min(w + 8, l + 32, bytes.length))
          .map((b) => b.toString(16).padStart(2, "0"))
          .join(" "),
      );
    }
    lines.push(words.join("   "));
  }
  return lines.join("\n");
}

/** One value as Athena prints it in VarCharValue and in the CSV. */
export function formatValue(t: TypeDesc, v: unknown, nested = false): string | null {
  if (v === null || v === undefined) return nested ? "null" : null;
  if (t.alias?.toUpperCase() === "JSON") return String(v);
  switch (t.id) {
    case "DOUBLE":
    case "FLOAT":
      return typeof v === "number" ? javaDouble(v) : String(v);
    case "TIMESTAMP":
    case "TIMESTAMP_MS":
    case "TIMESTAMP_S":
    case "TIMESTAMP_NS":
      return fmtTimestamp(String(v), false);
    case "TIMESTAMP_TZ":
      return fmtTimestamp(String(v), true);
    case "LIST":
    case "ARRAY":
      return `[${(v as unknown[]).map((x) => formatValue(t.valueType!, x, true)).join(", ")}]`;
    case "STRUCT": {
      const o = v as Record<string, unknown>;
      // Anonymous ROW(…) fields print as field0, field1, … in Athena.
      return `{${t.entryNames!.map((n, i) => `${n || `field${i}`}=${formatValue(t.entryTypes![i], o[n], true)}`).join(", ")}}`;
    }
    case "MAP":
      return `{${(v as { key: unknown; value: unknown }[]).map((e) => `${formatValue(t.keyType!, e.key, true)}=${formatValue(t.valueType!, e.value, true)}`).join(", ")}}`;
    case "BLOB":
      return varbinaryText(blobBytes(String(v)));
    case "INTERVAL": {
      // interval day to second: one length of time, days first (DuckDB keeps days and microseconds apart).
      const iv = v as { months: number; days: number; micros: string };
      const total = iv.days * 86_400_000 + Number(iv.micros) / 1000;
      const sign = total < 0 ? "-" : "";
      const ms = Math.round(Math.abs(total));
      const days = Math.floor(ms / 86_400_000);
      const hh = Math.floor((ms % 86_400_000) / 3_600_000);
      const mm = Math.floor((ms % 3_600_000) / 60_000);
      const ss = (ms % 60_000) / 1000;
      return `${sign}${days} ${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}:${ss.toFixed(3).padStart(6, "0")}`;
    }
    default:
      return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
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

/** Athena beside its API: long table loads report progress on the server's console. */
export const athenaLifecycle: ServiceLifecycle = {
  start: (runtime, env) => setAthenaLog(runtime, env.log),
  prepare: prepareAthena,
};
