/** Runs DDL and utility statements against the catalog in the Athena state (committed like a mutating call). */
import type { Runtime } from "../../core/runtime.ts";
import { objectsOf } from "../s3/object-store.ts";
import type { Engine, ResultSet } from "./engine.ts";
import { parseS3Uri } from "./locations.ts";
import { parseStatement, type Statement } from "./sql/ddl.ts";
import { lineCol } from "./sql/tokens.ts";
import { AthenaQueryError } from "./sql/translate.ts";
import { type AthenaState, athenaStateOf, type ExecutionRec, type TableDef } from "./state.ts";

const text = (name: string, rows: string[]): ResultSet => ({
  // Athena types the text output of SHOW/DESCRIBE as "string".
  columns: [{ name, type: "string", precision: 0, scale: 0 }],
  rows: rows.map((r) => [r]),
});
const empty: ResultSet = { columns: [], rows: [] };

function likeToRegex(p: string): RegExp {
  // SHOW … LIKE uses Hive patterns: * matches anything, | separates alternatives.
  return new RegExp(
    `^(?:${p
      .split("|")
      .map((a) =>
        a
          .trim()
          .replace(/[.+?^${}()[\]\\]/g, "\\$&")
          .replaceAll("*", ".*"),
      )
      .join("|")})$`,
    "i",
  );
}

async function mutate(runtime: Runtime, accountId: string, region: string, fn: (st: AthenaState) => void): Promise<void> {
  await runtime.transact(() => fn(athenaStateOf(runtime, accountId, region)));
}

export async function runDdl(
  runtime: Runtime,
  accountId: string,
  region: string,
  engine: Engine,
  id: string,
  exec: ExecutionRec,
  stmt: Statement,
  defaultDb: string,
): Promise<{ result: ResultSet; bytes: number }> {
  const now = runtime.clock.now();
  const st = athenaStateOf(runtime, accountId, region);
  const dbOf = (db?: string) => {
    const name = db ?? defaultDb;
    const d = st.catalog.databases[name];
    if (!d) throw new AthenaQueryError("SCHEMA_NOT_FOUND", `Schema '${name}' does not exist`);
    return d;
  };
  const tableOf = (q: { db?: string; name: string }) => {
    const d = dbOf(q.db);
    const t = d.tables[q.name];
    if (!t) throw new AthenaQueryError("TABLE_NOT_FOUND", `Table '${q.name}' does not exist`);
    return { d, t };
  };
  const done = (result: ResultSet = empty) => ({ result, bytes: 0 });
  switch (stmt.kind) {
    case "createDatabase": {
      if (st.catalog.databases[stmt.name]) {
        if (stmt.ifNotExists) return done();
        throw new AthenaQueryError("SCHEMA_ALREADY_EXISTS", `Schema '${stmt.name}' already exists`);
      }
      await mutate(runtime, accountId, region, (s) => {
        s.catalog.databases[stmt.name] = {
          name: stmt.name,
          description: stmt.comment,
          location: stmt.location,
          parameters: stmt.properties,
          createTime: now.toISOString(),
          tables: {},
        };
      });
      return done();
    }
    case "dropDatabase": {
      const d = st.catalog.databases[stmt.name];
      if (!d) {
        if (stmt.ifExists) return done();
        throw new AthenaQueryError("SCHEMA_NOT_FOUND", `Schema '${stmt.name}' does not exist`);
      }
      if (Object.keys(d.tables).length && !stmt.cascade) throw new AthenaQueryError("SCHEMA_NOT_EMPTY", `Cannot drop non-empty schema '${stmt.name}'`);
      for (const t of Object.keys(d.tables)) await engine.dropTable({ accountId, region }, stmt.name, t);
      await mutate(runtime, accountId, region, (s) => {
        delete s.catalog.databases[stmt.name];
      });
      return done();
    }
    case "createTable": {
      const d = dbOf(stmt.table.db);
      if (d.tables[stmt.table.name]) {
        if (stmt.ifNotExists) return done();
        throw new AthenaQueryError("ALREADY_EXISTS", `Table 'awsdatacatalog.${d.name}.${stmt.table.name}' already exists`);
      }
      if (!stmt.location) throw new AthenaQueryError("SYNTAX_ERROR", "line 1:8: LOCATION is required for an external table");
      if (!parseS3Uri(stmt.location)) throw new AthenaQueryError("INVALID_TABLE_PROPERTY", `Invalid location: ${stmt.location}`);
      const t = tableFromStatement(stmt, now.toISOString());
      await mutate(runtime, accountId, region, (s) => {
        s.catalog.databases[d.name].tables[t.name] = t;
      });
      return done();
    }
    case "createView": {
      const d = dbOf(stmt.view.db);
      const existing = d.tables[stmt.view.name];
      if (existing && (!stmt.orReplace || existing.tableType !== "VIRTUAL_VIEW")) {
        throw new AthenaQueryError("ALREADY_EXISTS", `line 1:1: View 'awsdatacatalog.${d.name}.${stmt.view.name}' already exists`);
      }
      // Validates the body (unknown tables, syntax) the way Athena does before storing the view.
      const scope = { runtime, accountId, region, state: st, now };
      const prepared = await engine.prepare(scope, stmt.select, d.name);
      const cols = (await engine.run(id, `SELECT * FROM (${prepared.sql}) LIMIT 0`, prepared)).columns;
      await mutate(runtime, accountId, region, (s) => {
        s.catalog.databases[d.name].tables[stmt.view.name] = {
          name: stmt.view.name,
          tableType: "VIRTUAL_VIEW",
          columns: cols.map((c) => ({ name: c.name, type: c.type === "varchar" ? "string" : c.type })),
          partitionKeys: [],
          serdeProperties: {},
          tableProperties: { presto_view: "true" },
          partitions: [],
          viewSql: stmt.select,
          createTime: now.toISOString(),
        };
      });
      await engine.dropTable({ accountId, region }, d.name, stmt.view.name);
      return done();
    }
    case "ctas": {
      const d = dbOf(stmt.table.db);
      if (d.tables[stmt.table.name]) {
        if (stmt.ifNotExists) return done();
        throw new AthenaQueryError("ALREADY_EXISTS", `Table 'awsdatacatalog.${d.name}.${stmt.table.name}' already exists`);
      }
      const fmt = (stmt.properties.format ?? "PARQUET").toUpperCase();
      const scope = { runtime, accountId, region, state: st, now };
      const prepared = await engine.prepare(scope, stmt.select, d.name);
      const res = await engine.run(id, prepared.sql, prepared);
      const out = exec.outputLocation ?? "";
      const location = stmt.properties.external_location ?? `${out.endsWith("/") ? out : `${out}/`}tables/${id}/`;
      const loc = parseS3Uri(location);
      if (!loc || !objectsOf(runtime).bucket(accountId, loc.bucket)) throw new AthenaQueryError("HIVE_PATH_ALREADY_EXISTS", `Unable to write to ${location}`);
      const prefix = loc.prefix === "" || loc.prefix.endsWith("/") ? loc.prefix : `${loc.prefix}/`;
      if (objectsOf(runtime).list(accountId, loc.bucket, prefix).length) {
        throw new AthenaQueryError("HIVE_PATH_ALREADY_EXISTS", `Target directory for table '${d.name}.${stmt.table.name}' already exists: ${location}`);
      }
      // The data is stored as JSON lines whatever format was asked for: the emulator reads it back with the JSON serde.
      const types = res.columns.map((c) => c.hive ?? "string");
      // The data and the table that describes it are written in one transaction.
      await mutate(runtime, accountId, region, (s) => {
        if (stmt.withData) {
          const body = res.raw.map((r) => JSON.stringify(r)).join("\n");
          objectsOf(runtime).put(accountId, loc.bucket, `${prefix}${id}_00000.json`, Buffer.from(body ? `${body}\n` : ""), {
            lastModified: now.toISOString(),
            contentType: "application/json",
          });
        }
        s.catalog.databases[d.name].tables[stmt.table.name] = {
          name: stmt.table.name,
          tableType: "EXTERNAL_TABLE",
          columns: res.columns.map((c, i) => ({ name: c.name, type: types[i] })),
          partitionKeys: [],
          location: `s3://${loc.bucket}/${prefix}`,
          serde: "org.openx.data.jsonserde.JsonSerDe",
          serdeProperties: {},
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          tableProperties: { has_encrypted_data: "false", requested_format: fmt },
          partitions: [],
          createTime: now.toISOString(),
        };
      });
      return {
        result: { columns: [{ name: "rows", type: "bigint", precision: 19, scale: 0 }], rows: [[String(stmt.withData ? res.rows.length : 0)]] },
        bytes: prepared.bytes,
      };
    }
    case "insert": {
      const { d, t } = tableOf(stmt.table);
      if (t.tableType === "VIRTUAL_VIEW") throw new AthenaQueryError("NOT_SUPPORTED", `Inserting into views is not supported`);
      if (!/jsonserde/i.test(t.serde ?? "") || t.partitionKeys.length) {
        throw new AthenaQueryError(
          "NOT_SUPPORTED",
          `ir-range inserts only into unpartitioned JSON tables (such as CREATE TABLE AS SELECT results); '${t.name}' uses ${t.serde}`,
        );
      }
      const scope = { runtime, accountId, region, state: st, now };
      const prepared = await engine.prepare(scope, stmt.select, defaultDb);
      const res = await engine.run(id, prepared.sql, prepared);
      const target = stmt.columns ?? t.columns.map((c) => c.name);
      if (target.length !== res.columns.length) {
        throw new AthenaQueryError("TYPE_MISMATCH", `Insert query has ${res.columns.length} columns but '${d.name}.${t.name}' expects ${target.length}`);
      }
      const loc = parseS3Uri(t.location ?? "");
      if (!loc || !objectsOf(runtime).bucket(accountId, loc.bucket)) throw new AthenaQueryError("HIVE_PATH_ALREADY_EXISTS", `Unable to write to ${t.location}`);
      const prefix = loc.prefix === "" || loc.prefix.endsWith("/") ? loc.prefix : `${loc.prefix}/`;
      const body = res.raw.map((r) => JSON.stringify(Object.fromEntries(target.map((c, i) => [c, r[res.columns[i].name]])))).join("\n");
      if (res.rows.length) {
        await runtime.transact(() => {
          objectsOf(runtime).put(accountId, loc.bucket, `${prefix}${id}_00000.json`, Buffer.from(`${body}\n`), {
            lastModified: now.toISOString(),
            contentType: "application/json",
          });
        });
      }
      return { result: { columns: [{ name: "rows", type: "bigint", precision: 19, scale: 0 }], rows: [[String(res.rows.length)]] }, bytes: prepared.bytes };
    }
    case "dropTable": {
      const d = dbOf(stmt.table.db);
      const t = d.tables[stmt.table.name];
      if (!t || (stmt.view && t.tableType !== "VIRTUAL_VIEW")) {
        if (stmt.ifExists) return done();
        throw new AthenaQueryError(stmt.view ? "VIEW_NOT_FOUND" : "TABLE_NOT_FOUND", `${stmt.view ? "View" : "Table"} '${stmt.table.name}' does not exist`);
      }
      await engine.dropTable({ accountId, region }, d.name, t.name);
      await mutate(runtime, accountId, region, (s) => {
        delete s.catalog.databases[d.name].tables[t.name];
      });
      return done();
    }
    case "addPartitions": {
      const { d, t } = tableOf(stmt.table);
      const keys = t.partitionKeys.map((k) => k.name);
      const adds: { values: string[]; location: string }[] = [];
      for (const p of stmt.partitions) {
        const specKeys = Object.keys(p.spec);
        if (specKeys.length !== keys.length || !keys.every((k) => k in p.spec)) {
          throw new AthenaQueryError("HIVE_METASTORE_ERROR", `Partition spec ${JSON.stringify(p.spec)} does not match partition keys (${keys.join(", ")})`);
        }
        const values = keys.map((k) => p.spec[k]);
        const exists = t.partitions.some((x) => x.values.join("\u0000") === values.join("\u0000"));
        if (exists) {
          if (stmt.ifNotExists) continue;
          throw new AthenaQueryError("HIVE_METASTORE_ERROR", `Partition already exists: ${keys.map((k, i) => `${k}=${values[i]}`).join("/")}`);
        }
        const base = t.location ?? "";
        const location = p.location ?? `${base.endsWith("/") ? base : `${base}/`}${keys.map((k, i) => `${k}=${values[i]}`).join("/")}/`;
        adds.push({ values, location });
      }
      await mutate(runtime, accountId, region, (s) => {
        const tt = s.catalog.databases[d.name].tables[t.name];
        for (const a of adds) tt.partitions.push({ ...a, createTime: now.toISOString() });
      });
      return done();
    }
    case "dropPartitions": {
      const { d, t } = tableOf(stmt.table);
      await mutate(runtime, accountId, region, (s) => {
        const tt = s.catalog.databases[d.name].tables[t.name];
        tt.partitions = tt.partitions.filter(
          (p) => !stmt.specs.some((spec) => t.partitionKeys.every((k, i) => spec[k.name] === undefined || spec[k.name] === p.values[i])),
        );
      });
      return done();
    }
    case "setTblProperties": {
      const { d, t } = tableOf(stmt.table);
      await mutate(runtime, accountId, region, (s) => {
        Object.assign(s.catalog.databases[d.name].tables[t.name].tableProperties, stmt.properties);
      });
      return done();
    }
    case "setLocation": {
      const { d, t } = tableOf(stmt.table);
      await mutate(runtime, accountId, region, (s) => {
        s.catalog.databases[d.name].tables[t.name].location = stmt.location;
      });
      return done();
    }
    case "msck": {
      const { d, t } = tableOf(stmt.table);
      const keys = t.partitionKeys.map((k) => k.name);
      const loc = t.location ? parseS3Uri(t.location) : undefined;
      if (!keys.length || !loc) return done(text("result", []));
      const prefix = loc.prefix === "" || loc.prefix.endsWith("/") ? loc.prefix : `${loc.prefix}/`;
      const found = new Map<string, string[]>();
      const re = new RegExp(`^${keys.map((k) => `${k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}=([^/]+)/`).join("")}`, "i");
      for (const o of objectsOf(runtime).list(accountId, loc.bucket, prefix)) {
        const m = re.exec(o.key.slice(prefix.length));
        if (m) found.set(m.slice(1).join("\u0000"), m.slice(1));
      }
      const known = new Set(t.partitions.map((p) => p.values.join("\u0000")));
      const added = [...found.entries()].filter(([k]) => !known.has(k)).map(([, v]) => v);
      await mutate(runtime, accountId, region, (s) => {
        const tt = s.catalog.databases[d.name].tables[t.name];
        for (const v of added) {
          tt.partitions.push({
            values: v,
            location: `s3://${loc.bucket}/${prefix}${keys.map((k, i) => `${k}=${v[i]}`).join("/")}/`,
            createTime: now.toISOString(),
          });
        }
      });
      const names = added.map((v) => `${t.name}:${keys.map((k, i) => `${k}=${v[i]}`).join("/")}`);
      return done(
        text(
          "result",
          names.length ? [`Partitions not in metastore:\t${names.join("\t")}`, ...names.map((n) => `Repair: Added partition to metastore ${n}`)] : [],
        ),
      );
    }
    case "showDatabases": {
      const re = stmt.like ? likeToRegex(stmt.like) : undefined;
      return done(
        text(
          "database_name",
          Object.keys(st.catalog.databases)
            .sort()
            .filter((n) => !re || re.test(n)),
        ),
      );
    }
    case "showTables":
    case "showViews": {
      const d = dbOf(stmt.db);
      const re = stmt.like ? likeToRegex(stmt.like) : undefined;
      const names = Object.values(d.tables)
        .filter((t) => stmt.kind === "showTables" || t.tableType === "VIRTUAL_VIEW")
        .map((t) => t.name)
        .sort()
        .filter((n) => !re || re.test(n));
      return done(text(stmt.kind === "showTables" ? "tab_name" : "views", names));
    }
    case "showColumns": {
      const { t } = tableOf(stmt.table);
      return done(
        text(
          "field",
          [...t.columns, ...t.partitionKeys].map((c) => c.name),
        ),
      );
    }
    case "showPartitions": {
      const { t } = tableOf(stmt.table);
      return done(
        text(
          "partition",
          t.partitions.map((p) => t.partitionKeys.map((k, i) => `${k.name}=${p.values[i]}`).join("/")),
        ),
      );
    }
    case "showTblProperties": {
      const { t } = tableOf(stmt.table);
      return done(
        text(
          "prpt_name",
          Object.entries({ EXTERNAL: "TRUE", ...t.tableProperties }).map(([k, v]) => `${k}\t${v}`),
        ),
      );
    }
    case "showCreateTable": {
      const { d, t } = tableOf(stmt.table);
      return done(text("createtab_stmt", showCreate(d.name, t).split("\n")));
    }
    case "describe": {
      const { t } = tableOf(stmt.table);
      const line = (c: { name: string; type: string; comment?: string }) => `${c.name.padEnd(20)}\t${c.type.padEnd(20)}\t${c.comment ?? ""}`;
      const rows = t.columns.map(line);
      if (t.partitionKeys.length)
        rows.push(
          "\t \t ",
          "# Partition Information\t \t ",
          "# col_name            \tdata_type           \tcomment             ",
          "\t \t ",
          ...t.partitionKeys.map(line),
        );
      if (stmt.formatted)
        rows.push("\t \t ", "# Detailed Table Information\t \t ", `Location:           \t${t.location ?? ""}\t `, `Table Type:         \t${t.tableType}\t `);
      return done(text("col_name", rows));
    }
    case "unsupported":
      throw new AthenaQueryError("NOT_SUPPORTED", `${lineCol(exec.query, stmt.pos)}: ${stmt.what} is not supported by Athena`);
    default:
      throw new AthenaQueryError("NOT_SUPPORTED", "statement not supported");
  }
}

export function showCreate(db: string, t: TableDef): string {
  if (t.tableType === "VIRTUAL_VIEW") return `CREATE VIEW ${db}.${t.name} AS\n${t.viewSql ?? ""}`;
  const cols = t.columns.map((c) => `  \`${c.name}\` ${c.type}`).join(",\n");
  const parts = [`CREATE EXTERNAL TABLE \`${db}\`.\`${t.name}\`(\n${cols})`];
  if (t.partitionKeys.length) parts.push(`PARTITIONED BY ( \n${t.partitionKeys.map((c) => `  \`${c.name}\` ${c.type}`).join(",\n")})`);
  parts.push(`ROW FORMAT SERDE \n  '${t.serde ?? ""}' `);
  const sp = Object.entries(t.serdeProperties);
  if (sp.length) parts.push(`WITH SERDEPROPERTIES ( \n${sp.map(([k, v]) => `  '${k}'='${v}'`).join(", \n")}) `);
  parts.push(`STORED AS INPUTFORMAT \n  '${t.inputFormat ?? ""}' \nOUTPUTFORMAT \n  '${t.outputFormat ?? ""}'`);
  parts.push(`LOCATION\n  '${t.location ?? ""}'`);
  const tp = Object.entries(t.tableProperties);
  if (tp.length) parts.push(`TBLPROPERTIES (\n${tp.map(([k, v]) => `  '${k}'='${v}'`).join(", \n")})`);
  return parts.join("\n");
}

function tableFromStatement(stmt: Extract<Statement, { kind: "createTable" }>, createTime: string): TableDef {
  return {
    name: stmt.table.name,
    tableType: "EXTERNAL_TABLE",
    columns: stmt.columns,
    partitionKeys: stmt.partitionKeys,
    location: stmt.location,
    serde: stmt.serde,
    serdeProperties: stmt.serdeProperties,
    inputFormat: stmt.inputFormat,
    outputFormat: stmt.outputFormat,
    tableProperties: stmt.tableProperties,
    partitions: [],
    comment: stmt.comment,
    createTime,
  };
}

/**
 * For scenario generators: the catalog entry a CREATE EXTERNAL TABLE statement produces, to ship prepared tables
 * under accounts.<id>.regions.<region>.athena.catalog.databases.<db>.tables.<name> in state.json.
 */
export function tableFromDdl(ddl: string, createTime: string): { database?: string; table: TableDef } {
  const stmt = parseStatement(ddl);
  if (stmt.kind !== "createTable") throw new Error("tableFromDdl expects one CREATE EXTERNAL TABLE statement");
  return { database: stmt.table.db, table: tableFromStatement(stmt, createTime) };
}
