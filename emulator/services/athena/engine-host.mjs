/**
 * The process DuckDB runs in (forked by duckproc.ts): a native abort here (std::terminate, a crash in an extension)
 * ends this process, not the emulator, which fails the queries in flight and starts another. Plain JavaScript so it
 * starts without a TypeScript loader, in development and from the bundle alike.
 *
 * Messages from the parent: { id, op, … } with op "init" (DuckDB options and the setup statements), "connect",
 * "run", "read" (rows as getRowsJson gives them, column types described as plain objects), "append" (rows through
 * the appender), "close", "stats"; "interrupt" has no id and gets no answer. Every answer is { id, ok, value } or
 * { id, ok: false, error, info }: DuckDB's classic error text and, when DuckDB gave them (errors_as_json), its
 * error's fields (exception_type, error_subtype, position, name…), which queries map to Athena's errors.
 */
import { DuckDBInstance, DuckDBScalarFunction, DuckDBTypeId, VARCHAR } from "@duckdb/node-api";
import { trinoTypeName } from "./trino-type-name.mjs";

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

/** A scalar function over VARCHAR, registered in DuckDB (its catalog: every connection sees it). */
function varcharFunction(c, name, arity, fn) {
  c.registerScalarFunction(
    DuckDBScalarFunction.create({
      name,
      returnType: VARCHAR,
      parameterTypes: Array(arity).fill(VARCHAR),
      mainFunction: (_info, input, output) => {
        const cols = Array.from({ length: arity }, (_, k) => input.getColumnValues(k));
        for (let r = 0; r < cols[0].length; r++) {
          const a = cols.map((col) => col[r]);
          output.setItem(r, a.some((v) => v === null) ? null : fn(...a.map(String)));
        }
        output.flush();
      },
    }),
  );
}

/** A DuckDB error as the parent needs it: the classic text (`Binder Error: …`) and, with errors_as_json, its fields. */
function engineError(e) {
  const message = e instanceof Error ? e.message : String(e);
  const at = message.indexOf("{");
  if (at < 0) return { error: message };
  try {
    const info = JSON.parse(message.slice(at));
    if (!info || typeof info.exception_message !== "string") return { error: message };
    return { error: `${info.exception_type} Error: ${info.exception_message}`, info };
  } catch {
    return { error: message };
  }
}

const ops = {
  async init({ options, setup }) {
    db = await DuckDBInstance.create(":memory:", options);
    const c = await db.connect();
    try {
      // typeof() in Trino's words; the translator calls it (a constant per query: DuckDB folds it once).
      varcharFunction(c, "__trino_type_name", 1, trinoTypeName);
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
    process.send?.({ id: m.id, ok: false, ...engineError(e) });
  }
});
// The emulator decides when this process ends: Ctrl-C in a terminal signals the whole process group, and the
// emulator's shutdown still needs DuckDB. Without the emulator (it exited or was killed) there is nothing to serve.
process.on("SIGINT", () => undefined);
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, ok: true });
