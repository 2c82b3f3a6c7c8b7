/**
 * The process DuckDB runs in (forked by duckproc.ts): a native abort here (std::terminate, a crash in an extension)
 * ends this process, not the emulator, which fails the queries in flight and starts another. Plain JavaScript so it
 * starts without a TypeScript loader, in development and from the bundle alike.
 *
 * Messages from the parent: { id, op, … } with op "init" (DuckDB options and the setup statements), "connect",
 * "run", "read" (rows as getRowsJson gives them, column types described as plain objects), "append" (rows through
 * the appender), "close", "stats"; "interrupt" has no id and gets no answer. Every answer is { id, ok, value } or
 * { id, ok: false, error }.
 */
import { DuckDBInstance, DuckDBTypeId } from "@duckdb/node-api";

/** @type {DuckDBInstance | undefined} */
let db;
/** @type {Map<number, import("@duckdb/node-api").DuckDBConnection>} */
const conns = new Map();
let nextConn = 1;

/** A DuckDB type as a plain object the parent can format values with. */
function describe(t) {
  const d = { id: DuckDBTypeId[t.typeId] };
  if (t.alias) d.alias = t.alias;
  switch (t.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      d.valueType = describe(t.valueType);
      break;
    case DuckDBTypeId.MAP:
      d.keyType = describe(t.keyType);
      d.valueType = describe(t.valueType);
      break;
    case DuckDBTypeId.STRUCT:
      d.entryNames = t.entryNames;
      d.entryTypes = t.entryTypes.map(describe);
      break;
    case DuckDBTypeId.DECIMAL:
      d.width = t.width;
      d.scale = t.scale;
      break;
  }
  return d;
}

function conn(id) {
  const c = conns.get(id);
  if (!c) throw new Error(`no connection ${id}`);
  return c;
}

const ops = {
  async init({ options, setup }) {
    db = await DuckDBInstance.create(":memory:", options);
    const c = await db.connect();
    try {
      for (const s of setup) await c.run(s);
    } finally {
      c.closeSync();
    }
  },
  async connect() {
    if (!db) throw new Error("engine not initialized");
    const id = nextConn++;
    conns.set(id, await db.connect());
    return id;
  },
  async run({ conn: id, sql }) {
    await conn(id).run(sql);
  },
  async read({ conn: id, sql }) {
    const reader = await conn(id).runAndReadAll(sql);
    return { names: reader.columnNames(), types: reader.columnTypes().map(describe), rows: reader.getRowsJson() };
  },
  async append({ conn: id, schema, table, rows }) {
    const a = await conn(id).createAppender(table, schema);
    try {
      for (const row of rows) {
        for (const v of row) {
          if (v === null) a.appendNull();
          else a.appendVarchar(v);
        }
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  },
  async close({ conn: id }) {
    conns.get(id)?.closeSync();
    conns.delete(id);
  },
  async stats() {
    const cpu = process.cpuUsage();
    return { rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 };
  },
};

process.on("message", async (m) => {
  if (m.op === "interrupt") {
    conns.get(m.conn)?.interrupt();
    return;
  }
  try {
    const value = await ops[m.op](m);
    process.send?.({ id: m.id, ok: true, value });
  } catch (e) {
    process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
// The emulator decides when this process ends: Ctrl-C in a terminal signals the whole process group, and the
// emulator's shutdown still needs DuckDB. Without the emulator (it exited or was killed) there is nothing to serve.
process.on("SIGINT", () => undefined);
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, ok: true });
