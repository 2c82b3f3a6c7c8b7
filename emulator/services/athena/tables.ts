/**
 * A table's rows in DuckDB, kept current with its S3 objects. A query names a table by one of two relations:
 * with the partition keys and "$path", or only what SELECT * shows. CloudTrail and JSON tables are read by
 * DuckDB straight from the object files at first (the relations are subqueries over read_json, bound once,
 * by the query): the first query costs one scan, as it would on Athena. After that query the rows are
 * materialized in the background, and the relations name that table once it is there. Other serdes are converted
 * in JavaScript (serde.ts) and materialized before the query. New objects in a table's location are added (to the
 * files read, or appended to the rows, while a build runs to both); a changed or deleted object, or a changed
 * definition, reloads the table.
 *
 * Each load is a generation with DuckDB objects (and object files) of its own. A query holds the generations its SQL
 * names from its translation until it has run: a generation replaced meanwhile (a reload, DROP TABLE) keeps its
 * objects and files until the last query holding it ends, so a query answers with the objects as they were when it
 * was prepared, never with an error or a partial answer because another query reloaded the table.
 */
import { createHash, randomUUID } from "node:crypto";
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { objectsOf } from "../s3/object-store.ts";
import type { Conn } from "./duckproc.ts";
import { type Scope, type TableObject, tableObjects } from "./locations.ts";
import { ObjectMirror, objectId } from "./mirror.ts";
import { Ambiguous, type NativeFile, type NativePlan, nativeKind, nativeSelect, sampleRecords, spellColumns } from "./native.ts";
import { plainKey, readerFor, serdeKind } from "./serde.ts";
import { duckType, parseHiveType } from "./sql/hivetypes.ts";
import { quoteIdent, quoteString } from "./sql/tokens.ts";
import { AthenaQueryError, type TableRef } from "./sql/translate.ts";
import type { TableDef } from "./state.ts";

/** What the loader needs of the engine: its private directory and connections to DuckDB (in the engine process). */
export interface DuckHost {
  readonly dir: string;
  /** Directories of recording files DuckDB may read in place. */
  readonly roots: string[];
  /** Runs catalog changes one at a time on the setup connection. */
  serial<T>(fn: (setup: Conn) => Promise<T>): Promise<T>;
  /** A connection of its own, for a background load that must not hold up the setup connection. */
  connect(): Promise<Conn>;
  ensureSchema(setup: Conn, name: string): Promise<void>;
  log(scope: Scope, line: string): void;
}

type Reader = "native" | "js" | "parquet";

/** Steps of a background build a test may hold: before its CREATE TABLE, and before queries move to the table. */
export type BuildStep = "create" | "switch";

interface Loaded extends TableObject {
  id: string;
  file?: NativeFile;
}

interface Entry {
  key: string;
  schema: string;
  ref: TableRef;
  def: TableDef;
  defKey: string;
  version: number;
  sig: string;
  bytes: number;
  /** Bumped by every load: a background build of an older generation is thrown away. */
  gen: number;
  reader: Reader;
  plan?: NativePlan;
  objects: Map<string, Loaded>;
  /** DuckDB objects of this generation: the file → "$path"/partition map (native) and the materialized rows. */
  filesTable?: string;
  table?: string;
  /** Until the rows are materialized (native): the relations as subqueries over the files. */
  direct?: { plain: string; withPath: string };
  cols: { name: string; duck: string }[];
  /** A background build queued or running; `conn` while its CREATE TABLE runs (a reload interrupts it). */
  building?: { gen: number; conn?: Conn };
  /** A native table whose rows are still read from the files. */
  needsBuild: boolean;
  /** Set when DuckDB could not read the files as planned: the JavaScript reader takes over. */
  forceJs: boolean;
  say: (line: string) => void;
}

/** A native table DuckDB could not read as planned, not yet loaded again by the JavaScript reader. */
const demoted = (e: Entry) => e.forceJs && e.reader === "native";

/**
 * Files sampled to learn how a table's data spells its keys, from the first and the last objects by key: for
 * CloudTrail, whose keys AWS fixes (and CLOUDTRAIL_KEYS knows), one of each.
 */
const SAMPLE_FILES = { cloudtrail: 1, json: 3 };
const SAMPLE_BYTES = 64 * 2 ** 20;

export class TableLoader {
  private readonly entries = new Map<string, Entry>();
  /** One load at a time per table: two queries at once must not load it twice. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Generations that prepared queries name, with how many of those queries have not finished. */
  private readonly held = new Map<Entry, number>();
  /** Generations no longer current whose DuckDB objects and files wait for the queries holding them. */
  private readonly retired = new Set<Entry>();
  private readonly mirror: ObjectMirror;
  private gens = 0;
  private builds: Promise<void> = Promise.resolve();
  private pendingBuilds = 0;
  /** Off in tests that compare DuckDB's reading of the files with the JavaScript serdes. */
  nativeReads = true;
  /** Tests: awaited at a build's steps, so that a test can interleave queries and new objects with them. */
  buildStep?: (step: BuildStep, table: string) => Promise<void> | void;
  /** Off in tests that query tables straight from their files; turning it on starts the waiting builds. */
  private caching = true;

  set cacheTables(on: boolean) {
    this.caching = on;
    if (on) this.startBuilds();
  }

  constructor(private readonly host: DuckHost) {
    this.mirror = new ObjectMirror(join(host.dir, "objects"), host.roots);
  }

  /** Makes the table current with its objects; returns the bytes it scans and whether its rows come straight from files. */
  async prepare(scope: Scope, ref: TableRef, schema: string, t: TableDef): Promise<{ bytes: number; direct: boolean }> {
    const key = `${schema}.${ref.name}`;
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(
      () => this.prepareNow(scope, ref, schema, key, t),
      () => this.prepareNow(scope, ref, schema, key, t),
    );
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  private async prepareNow(scope: Scope, ref: TableRef, schema: string, key: string, t: TableDef): Promise<{ bytes: number; direct: boolean }> {
    const defKey = JSON.stringify(t);
    const version = objectsOf(scope.runtime).version;
    const e = this.entries.get(key);
    // The same definition, read as planned (a table the JavaScript reader took over stays with it).
    const same = e && e.defKey === defKey && !demoted(e) ? e : undefined;
    if (same && same.version === version) return { bytes: same.bytes, direct: !!same.direct };
    const objects: Loaded[] = tableObjects(scope, t).map((o) => ({ ...o, id: objectId({ accountId: scope.accountId, ...o }) }));
    const sig = createHash("sha256")
      .update(defKey)
      .update(JSON.stringify(objects.map((o) => [o.id, o.parts])))
      .digest("hex");
    const bytes = objects.reduce((n, o) => n + o.size, 0);
    if (same && same.sig === sig) {
      same.version = version;
      return { bytes, direct: !!same.direct };
    }
    const added = same ? objects.filter((o) => !same.objects.has(o.id)) : undefined;
    if (same && added && objects.length - added.length === same.objects.size && (await this.add(scope, same, t, added))) {
      Object.assign(same, { version, sig, bytes });
    } else {
      await this.load(scope, key, ref, schema, t, objects, { version, sig, bytes, forceJs: e?.forceJs ?? false });
    }
    this.retainFiles();
    const now = this.entries.get(key) as Entry;
    return { bytes, direct: !!now.direct };
  }

  /**
   * The relation a query reads for a loaded table: a subquery over its files while it is read from them, else its
   * materialized rows (this generation's own table, which a reload does not take from a query holding it).
   */
  relation(schema: string, name: string, withPath: boolean): string | undefined {
    const e = this.entries.get(`${schema}.${name}`);
    if (e?.direct) return `(${withPath ? e.direct.withPath : e.direct.plain})`;
    if (!e?.table) return undefined;
    const table = `${quoteIdent(e.schema)}.${quoteIdent(e.table)}`;
    return withPath ? table : `(${this.visible(e, `SELECT * FROM ${table}`)})`;
  }

  /** Whether the table's rows come straight from its files now. */
  readsFiles(schema: string, name: string): boolean {
    return !!this.entries.get(`${schema}.${name}`)?.direct;
  }

  /**
   * Holds the current generation of each table until the returned function is called: a query calls it when it
   * has run, having translated its SQL (which names these generations) in the same step as holding them.
   */
  hold(keys: string[]): () => void {
    const entries = keys.map((k) => this.entries.get(k)).filter((e): e is Entry => !!e);
    for (const e of entries) this.held.set(e, (this.held.get(e) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const gone: Entry[] = [];
      for (const e of entries) {
        const n = (this.held.get(e) ?? 1) - 1;
        if (n > 0) this.held.set(e, n);
        else {
          this.held.delete(e);
          if (this.retired.delete(e)) gone.push(e);
        }
      }
      if (!gone.length) return;
      this.retainFiles();
      void this.host
        .serial(async (setup) => {
          for (const e of gone) await this.dropObjects(setup, e);
        })
        .catch(() => undefined);
    };
  }

  /** A generation that is no longer current: its DuckDB objects go now, or when the last query holding it ends. */
  private async retire(setup: Conn, e: Entry): Promise<void> {
    if (this.held.has(e)) this.retired.add(e);
    else await this.dropObjects(setup, e);
  }

  /** How a loaded table is read: by DuckDB from its files or by the JavaScript serdes, and whether it is cached. */
  describe(schema: string, name: string): { reader: Reader; cached: boolean } | undefined {
    const e = this.entries.get(`${schema}.${name}`);
    return e ? { reader: e.reader, cached: !!e.table } : undefined;
  }

  /** Tests: the table's load (a new one for every reload). */
  generation(schema: string, name: string): number | undefined {
    return this.entries.get(`${schema}.${name}`)?.gen;
  }

  /** The tables these keys name stop reading their files: the JavaScript reader loads them before the next query. */
  demote(keys: string[]): void {
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e?.reader === "native") e.forceJs = true;
    }
  }

  async drop(schema: string, name: string): Promise<void> {
    const e = this.entries.get(`${schema}.${name}`);
    this.entries.delete(`${schema}.${name}`);
    e?.building?.conn?.interrupt();
    await this.host.serial(async (setup) => {
      // A view of that name (CREATE VIEW keeps one per view in DuckDB).
      const s = quoteIdent(schema);
      await setup.run(`DROP VIEW IF EXISTS ${s}.${quoteIdent(name)}`);
      if (e) await this.retire(setup, e);
    });
    this.retainFiles();
  }

  /** Starts materializing, one at a time in the background, every table the last queries read from files. */
  startBuilds(): void {
    if (!this.caching) return;
    for (const e of this.entries.values()) {
      if (!e.needsBuild || e.building) continue;
      e.building = { gen: e.gen };
      this.pendingBuilds++;
      this.builds = this.builds
        .then(() => this.build(e))
        .catch(() => undefined)
        .finally(() => this.pendingBuilds--);
    }
  }

  /** Resolves when no background build is waiting or running. */
  async idle(): Promise<void> {
    while (this.pendingBuilds > 0) await this.builds;
  }

  interruptAll(): void {
    for (const e of this.entries.values()) e.building?.conn?.interrupt();
  }

  /**
   * The engine process stopped, and every table and file map in it with it: each table loads again at its
   * next query. The object files stay (the mirror still knows them); builds in flight fail and are dropped.
   */
  reset(): void {
    this.entries.clear();
    this.locks.clear();
    this.held.clear();
    this.retired.clear();
  }

  // --- loading ---------------------------------------------------------------------------------------

  private async load(
    scope: Scope,
    key: string,
    ref: TableRef,
    schema: string,
    t: TableDef,
    objects: Loaded[],
    head: { version: number; sig: string; bytes: number; forceJs: boolean },
  ): Promise<void> {
    const old = this.entries.get(key);
    old?.building?.conn?.interrupt();
    const cols = [...t.columns, ...t.partitionKeys].map((c) => ({ name: c.name, duck: duckType(parseHiveType(c.type)) }));
    cols.push({ name: "$path", duck: "VARCHAR" });
    const e: Entry = {
      key,
      schema,
      ref,
      def: t,
      defKey: JSON.stringify(t),
      ...head,
      gen: ++this.gens,
      reader: "js",
      objects: new Map(objects.map((o) => [o.id, o])),
      cols,
      needsBuild: false,
      say: (line) => this.host.log(scope, line),
    };
    const kind = this.nativeReads && !head.forceJs ? nativeKind(t) : undefined;
    const plan = kind ? this.plan(scope, t, kind, objects) : undefined;
    let direct: Entry["direct"];
    if (plan && this.nativeFiles(scope, objects)) {
      e.plan = plan;
      e.filesTable = `__files__${ref.name}__${e.gen}`;
      direct = this.directOf(e, objects);
    }
    if (direct) {
      e.reader = "native";
      await this.host.serial(async (setup) => {
        await this.host.ensureSchema(setup, schema);
        await this.createFilesTable(setup, e, objects);
      });
      e.direct = direct;
      e.needsBuild = true;
      const mb = (head.bytes / 2 ** 20).toFixed(1);
      if (objects.length > 100) e.say(`athena: ${ref.db}.${ref.name}: ${objects.length} objects (${mb} MB) read from their files until the table is cached`);
    } else {
      e.plan = undefined;
      e.filesTable = undefined;
      e.reader = serdeKind(t) === "parquet" ? "parquet" : "js";
      const table = `__tbl__${ref.name}__${e.gen}`;
      try {
        if (e.reader === "parquet") await this.loadParquet(scope, e, t, objects, table);
        else await this.loadText(scope, e, t, objects, table, false);
      } catch (err) {
        // Nothing of the table is loaded now: the next query tries again from the start.
        if (old && this.entries.get(key) === old) {
          this.entries.delete(key);
          await this.host.serial(async (setup) => this.retire(setup, old));
        }
        throw err;
      }
      e.table = table;
    }
    this.entries.set(key, e);
    if (old) await this.host.serial(async (setup) => this.retire(setup, old));
  }

  /** How the data spells the table's keys, from a sample; undefined leaves the table to the JavaScript reader. */
  private plan(scope: Scope, t: TableDef, kind: NativePlan["kind"], objects: Loaded[]): NativePlan | undefined {
    const n = SAMPLE_FILES[kind];
    const picks = objects.length <= 2 * n ? objects : [...objects.slice(0, n), ...objects.slice(-n)];
    const sample: unknown[] = [];
    let bytes = 0;
    try {
      for (const o of picks) {
        if (bytes > SAMPLE_BYTES) break;
        const body = objectsOf(scope.runtime).read(scope.accountId, o.bucket, o.key);
        if (!body) continue;
        bytes += body.length;
        for (const r of sampleRecords(kind, body)) sample.push(r);
      }
      return { kind, columns: spellColumns(t, kind, sample) };
    } catch (e) {
      // Unreadable JSON or keys spelled two ways: the JavaScript reader gives Athena's answer or error.
      if (e instanceof Ambiguous || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  /** Gives every object its file in the private directory; false when one vanished meanwhile. */
  private nativeFiles(scope: Scope, objects: Loaded[]): boolean {
    for (const o of objects) {
      const f = this.mirror.file(objectsOf(scope.runtime), { accountId: scope.accountId, ...o });
      if (!f) return false;
      o.file = f;
    }
    return true;
  }

  /** The relations over these objects' files (the entry's plan; the file map must list them); undefined when one is too big. */
  private directOf(e: Entry, objects: Loaded[]): { plain: string; withPath: string } | undefined {
    const plan = e.plan as NativePlan;
    const select = nativeSelect(plan, files(objects), "__file");
    const plain = nativeSelect(plan, files(objects));
    if (!select || !plain) return undefined;
    // Without partitions, SELECT * needs neither the file map nor file names: DuckDB reads only the columns.
    return { withPath: this.joined(e, select), plain: e.def.partitionKeys.length ? this.visible(e, this.joined(e, select)) : plain };
  }

  /** The file map (e.filesTable) with a row for each object. */
  private async createFilesTable(setup: Conn, e: Entry, objects: Loaded[]): Promise<void> {
    const defs = [`file VARCHAR`, `"$path" VARCHAR`, ...e.def.partitionKeys.map((k) => `${quoteIdent(k.name)} VARCHAR`)];
    await setup.run(`CREATE TABLE ${quoteIdent(e.schema)}.${quoteIdent(e.filesTable as string)} (${defs.join(", ")})`);
    await this.insertFiles(setup, e, objects);
  }

  /** The file map's rows, through DuckDB's appender: thousands of objects take milliseconds. */
  private async insertFiles(setup: Conn, e: Entry, objects: Loaded[]): Promise<void> {
    const rows = objects.map((o) => [o.file?.path ?? "", `s3://${o.bucket}/${o.key}`, ...e.def.partitionKeys.map((k) => o.parts[k.name] ?? null)]);
    await setup.append(e.schema, e.filesTable as string, rows);
  }

  /** The rows with their partition values and "$path", read from the files of `select` (which has __file). */
  private joined(e: Entry, select: string): string {
    const t = e.def;
    const parts = partitionTypes(t).map((p) => `TRY_CAST(f.${quoteIdent(p.name)} AS ${p.duck}) AS ${quoteIdent(p.name)}`);
    const cols = [...t.columns.map((c) => `s.${quoteIdent(c.name)}`), ...parts, `f."$path"`];
    return `SELECT ${cols.join(", ")} FROM (${select}) s JOIN ${quoteIdent(e.schema)}.${quoteIdent(e.filesTable as string)} f ON f.file = s.__file`;
  }

  /** What SELECT * shows of a relation with "$path". */
  private visible(e: Entry, relation: string): string {
    return `SELECT ${e.cols
      .filter((c) => c.name !== "$path")
      .map((c) => quoteIdent(c.name))
      .join(", ")} FROM (${relation})`;
  }

  private async dropObjects(setup: Conn, e: Entry): Promise<void> {
    if (e.table) await setup.run(`DROP TABLE IF EXISTS ${quoteIdent(e.schema)}.${quoteIdent(e.table)}`);
    if (e.filesTable) await setup.run(`DROP TABLE IF EXISTS ${quoteIdent(e.schema)}.${quoteIdent(e.filesTable)}`);
  }

  /**
   * New objects only: their rows join the materialized ones, or (read from files) their files join the files read,
   * whichever the table is when the setup connection gets to it. False when the table must be reloaded instead.
   */
  private async add(scope: Scope, e: Entry, t: TableDef, added: Loaded[]): Promise<boolean> {
    if (e.reader === "parquet") return false;
    if (e.reader === "js") {
      await this.loadText(scope, e, t, added, e.table as string, true);
      for (const o of added) e.objects.set(o.id, o);
      return true;
    }
    if (!this.nativeFiles(scope, added)) return false;
    const select = nativeSelect(e.plan as NativePlan, files(added), "__file");
    if (!select) return false;
    try {
      // One step on the setup connection, where a build also hands its table over: the table is either not there
      // yet (the files read grow, and the build appends what it did not read) or there (the rows are appended).
      await this.host.serial(async (setup) => {
        await this.insertFiles(setup, e, added);
        if (e.table) await setup.run(`INSERT INTO ${quoteIdent(e.schema)}.${quoteIdent(e.table)} ${this.joined(e, select)}`);
        else {
          const direct = this.directOf(e, [...e.objects.values(), ...added]);
          if (!direct) throw new Error(`${e.ref.name}: a file is too big for DuckDB's reader`);
          e.direct = direct;
        }
        for (const o of added) e.objects.set(o.id, o);
      });
    } catch {
      // A new file DuckDB cannot read as planned: reload, and let the JavaScript reader answer.
      e.forceJs = true;
      return false;
    }
    return true;
  }

  /**
   * Materializes a table read from its files: CREATE TABLE from the files it reads now, on a connection of its own,
   * then, in one step on the setup connection, the rows of objects added meanwhile and the switch of the relations.
   */
  private async build(e: Entry): Promise<void> {
    const gen = e.gen;
    const current = () => this.entries.get(e.key) === e && e.gen === gen && !e.forceJs;
    const table = `__tbl__${e.ref.name}__${gen}`;
    const q = `${quoteIdent(e.schema)}.${quoteIdent(table)}`;
    const started = Date.now();
    let conn: Conn | undefined;
    try {
      if (!current() || !e.direct) return;
      // What the CREATE TABLE reads: the objects added after this are appended when the table is handed over.
      const read = new Set(e.objects.keys());
      const source = e.direct.withPath;
      conn = await this.host.connect();
      e.building = { gen, conn };
      await this.buildStep?.("create", table);
      await conn.run(`CREATE TABLE ${q} AS ${source}`);
      conn.close();
      conn = undefined;
      e.building = { gen };
      await this.host.serial(async (setup) => {
        await this.buildStep?.("switch", table);
        if (!current()) {
          await setup.run(`DROP TABLE IF EXISTS ${q}`);
          return;
        }
        const later = [...e.objects.values()].filter((o) => !read.has(o.id));
        if (later.length) {
          const select = nativeSelect(e.plan as NativePlan, files(later), "__file");
          if (!select) throw new Error(`${e.ref.name}: a new file is too big for DuckDB's reader`);
          await setup.run(`INSERT INTO ${q} ${this.joined(e, select)}`);
        }
        // Queries prepared from here on read the table; those prepared before still read the files they named.
        e.table = table;
        e.direct = undefined;
        e.needsBuild = false;
      });
    } catch (err) {
      conn?.close();
      if (current()) {
        // Unreadable files go to the JavaScript reader; anything else (memory) leaves the table read from files.
        if (isReadError(err as Error, this.host.dir)) e.forceJs = true;
        else e.needsBuild = false;
        e.say(`athena: ${e.ref.db}.${e.ref.name} not cached: ${(err as Error).message.split("\n")[0]}`);
      }
      if (e.table !== table) await this.host.serial(async (setup) => setup.run(`DROP TABLE IF EXISTS ${q}`)).catch(() => undefined);
      return;
    } finally {
      if (e.building?.gen === gen) e.building = undefined;
    }
    const secs = (Date.now() - started) / 1000;
    if (secs >= 2 && e.table === table) e.say(`athena: cached ${e.ref.db}.${e.ref.name} in ${secs.toFixed(1)} s`);
  }

  private retainFiles(): void {
    const ids = new Set<string>();
    for (const e of [...this.entries.values(), ...this.retired]) if (e.reader === "native") for (const id of e.objects.keys()) ids.add(id);
    this.mirror.retain(ids);
  }

  // --- the JavaScript readers --------------------------------------------------------------------------

  private async loadText(scope: Scope, e: Entry, t: TableDef, objects: TableObject[], table: string, append: boolean): Promise<void> {
    const reader = readerFor(t);
    const cols = e.cols;
    const partTypes = t.partitionKeys.map((k) => ({ name: k.name, type: parseHiveType(k.type) }));
    // Partition values and $path follow the columns in each row unless a name collides (then a key keeps its place).
    const names = new Set(t.columns.map((c) => c.name));
    const fastTail =
      partTypes.every((p) => !names.has(p.name) && p.name !== "$path" && plainKey(p.name)) && new Set(partTypes.map((p) => p.name)).size === partTypes.length;
    const started = Date.now();
    let lastLog = started;
    let rows = 0;
    // Rows are appended to the load file object by object: one big string would exceed V8's string limit.
    // A fresh name per load: DuckDB caches file contents by path and modification time.
    const file = join(this.host.dir, `${randomUUID()}.ndjson`);
    const fd = openSync(file, "w");
    try {
      try {
        for (let i = 0; i < objects.length; i++) {
          const o = objects[i];
          const body = objectsOf(scope.runtime).read(scope.accountId, o.bucket, o.key);
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
          if (Date.now() - lastLog >= 5000) {
            lastLog = Date.now();
            this.host.log(
              scope,
              `athena: loading ${e.ref.db}.${e.ref.name}: ${i + 1}/${objects.length} objects, ${rows.toLocaleString("en")} rows, ${((lastLog - started) / 1000).toFixed(1)} s`,
            );
          }
          // Parsing is synchronous: yield between objects so other API calls are answered meanwhile.
          await new Promise((r) => setImmediate(r));
        }
      } finally {
        closeSync(fd);
      }
      await this.host.serial(async (setup) => {
        await this.host.ensureSchema(setup, e.schema);
        const target = `${quoteIdent(e.schema)}.${quoteIdent(table)}`;
        const colSpec = cols.map((c) => `${quoteString(c.name)}: ${quoteString(c.duck)}`).join(", ");
        const source = `SELECT * FROM read_json(${quoteString(file)}, format='newline_delimited', columns={${colSpec}}, maximum_object_size=16777216)`;
        if (append) {
          if (rows) await setup.run(`INSERT INTO ${target} ${source}`);
        } else if (rows) await setup.run(`CREATE OR REPLACE TABLE ${target} AS ${source}`);
        else await setup.run(`CREATE OR REPLACE TABLE ${target} (${cols.map((c) => `${quoteIdent(c.name)} ${c.duck}`).join(", ")})`);
      });
    } finally {
      rmSync(file, { force: true });
    }
    if (Date.now() - started >= 2000) {
      this.host.log(
        scope,
        `athena: loaded ${e.ref.db}.${e.ref.name}: ${objects.length} objects, ${rows.toLocaleString("en")} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }

  /** Parquet objects are copied into the private directory and read by DuckDB; columns match by name, missing ones are NULL. */
  private async loadParquet(scope: Scope, e: Entry, t: TableDef, objects: TableObject[], table: string): Promise<void> {
    const cols = e.cols;
    const files: { file: string; o: TableObject }[] = [];
    try {
      for (const o of objects) {
        const body = objectsOf(scope.runtime).read(scope.accountId, o.bucket, o.key);
        if (!body) continue;
        const file = join(this.host.dir, `${randomUUID()}.parquet`);
        writeFileSync(file, body);
        files.push({ file, o });
      }
      await this.host.serial(async (setup) => {
        const selects: string[] = [];
        for (const { file, o } of files) {
          const desc = await setup.read(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file)})`);
          const have = new Map(desc.rows.map((r) => [String(r[0]).toLowerCase(), String(r[0])]));
          const items = cols.map((c) => {
            if (c.name === "$path") return `${quoteString(`s3://${o.bucket}/${o.key}`)} AS "$path"`;
            const part = t.partitionKeys.find((k) => k.name === c.name);
            if (part) return `TRY_CAST(${o.parts[c.name] === undefined ? "NULL" : quoteString(o.parts[c.name])} AS ${c.duck}) AS ${quoteIdent(c.name)}`;
            const src = have.get(c.name);
            return src ? `TRY_CAST(${quoteIdent(src)} AS ${c.duck}) AS ${quoteIdent(c.name)}` : `CAST(NULL AS ${c.duck}) AS ${quoteIdent(c.name)}`;
          });
          selects.push(`SELECT ${items.join(", ")} FROM read_parquet(${quoteString(file)})`);
        }
        await this.host.ensureSchema(setup, e.schema);
        const target = `${quoteIdent(e.schema)}.${quoteIdent(table)}`;
        if (selects.length) await setup.run(`CREATE OR REPLACE TABLE ${target} AS ${selects.join(" UNION ALL ")}`);
        else await setup.run(`CREATE OR REPLACE TABLE ${target} (${cols.map((c) => `${quoteIdent(c.name)} ${c.duck}`).join(", ")})`);
      });
    } catch (err) {
      if (err instanceof AthenaQueryError) throw err;
      throw new AthenaQueryError("HIVE_CANNOT_OPEN_SPLIT", `Error opening Hive split: ${(err as Error).message.split("\n")[0]}`);
    } finally {
      for (const { file } of files) rmSync(file, { force: true });
    }
  }
}

function partitionTypes(t: TableDef): { name: string; duck: string }[] {
  return t.partitionKeys.map((k) => ({ name: k.name, duck: duckType(parseHiveType(k.type)) }));
}

function files(objects: Loaded[]): NativeFile[] {
  return objects.map((o) => o.file as NativeFile);
}

/** DuckDB failing to read one of our object files (malformed JSON, a value it cannot convert, an object too big). */
export function isReadError(e: Error, dir: string): boolean {
  const m = e.message ?? "";
  return m.includes(dir) || /JSON transform error|Malformed JSON|maximum_object_size/i.test(m);
}
