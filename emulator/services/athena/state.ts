/**
 * Athena's mutable state: the data catalog (shared with Glue), workgroups, named queries and query-execution
 * metadata. A scenario can ship prepared databases, tables and named queries by putting an `athena` object
 * of this shape under accounts.<id>.regions.<region> in its state.json.
 */

import type { Runtime } from "../../core/runtime.ts";
import type { RequestContext } from "../../core/types.ts";

export interface ColumnDef {
  name: string;
  /** Hive type as Athena prints it: string, bigint, struct<a:string>, array<…>, map<…>. */
  type: string;
  comment?: string;
}

export interface PartitionDef {
  values: string[];
  location: string;
  createTime: string;
}

export interface TableDef {
  name: string;
  tableType: "EXTERNAL_TABLE" | "VIRTUAL_VIEW";
  columns: ColumnDef[];
  partitionKeys: ColumnDef[];
  location?: string;
  serde?: string;
  serdeProperties: Record<string, string>;
  inputFormat?: string;
  outputFormat?: string;
  tableProperties: Record<string, string>;
  /** Partitions added by ALTER TABLE … ADD PARTITION or MSCK REPAIR TABLE. */
  partitions: PartitionDef[];
  /** For views: the SELECT as the student wrote it (Trino SQL). */
  viewSql?: string;
  comment?: string;
  createTime: string;
}

export interface DatabaseDef {
  name: string;
  description?: string;
  location?: string;
  parameters?: Record<string, string>;
  createTime: string;
  tables: Record<string, TableDef>;
}

export interface WorkGroupRec {
  name: string;
  state: "ENABLED" | "DISABLED";
  description?: string;
  outputLocation?: string;
  enforce?: boolean;
  createTime: string;
}

export interface NamedQueryRec {
  id: string;
  name: string;
  description?: string;
  database: string;
  queryString: string;
  workGroup: string;
  /** ClientRequestToken of the create call, for idempotent retries. */
  token?: string;
}

export type ExecState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface ExecutionRec {
  id: string;
  query: string;
  statementType: "DDL" | "DML" | "UTILITY";
  substatementType?: string;
  database?: string;
  catalog: string;
  workGroup: string;
  outputLocation?: string;
  executionParameters?: string[];
  clientToken?: string;
  state: ExecState;
  stateChangeReason?: string;
  errorCategory?: number;
  errorType?: number;
  submitted: string;
  completed?: string;
  /** QueryExecution.Statistics, measured on the range's clock (queries.ts). */
  queueMs?: number;
  preprocessingMs?: number;
  planningMs?: number;
  engineMs?: number;
  serviceMs?: number;
  totalMs?: number;
  scannedBytes?: number;
  rows?: number;
}

export interface AthenaState {
  catalog: { databases: Record<string, DatabaseDef> };
  workgroups: Record<string, WorkGroupRec>;
  namedQueries: Record<string, NamedQueryRec>;
  executions: Record<string, ExecutionRec>;
}

export const emptyAthenaState = (): AthenaState => ({
  catalog: { databases: {} },
  workgroups: {},
  namedQueries: {},
  executions: {},
});

/**
 * Fills what every Athena account has: the `primary` workgroup and the `default` database. They follow from the
 * state and the anchor alone, so a read may fill them in memory: that changes nothing a later call can tell apart,
 * and the next write commits them.
 */
function withDefaults(st: AthenaState, now: string): AthenaState {
  st.catalog ??= { databases: {} };
  st.catalog.databases ??= {};
  st.workgroups ??= {};
  st.namedQueries ??= {};
  st.executions ??= {};
  if (!st.workgroups.primary) st.workgroups.primary = { name: "primary", state: "ENABLED", createTime: now };
  if (!st.catalog.databases.default) st.catalog.databases.default = { name: "default", createTime: now, tables: {} };
  for (const db of Object.values(st.catalog.databases)) {
    db.tables ??= {};
    for (const t of Object.values(db.tables)) {
      t.partitions ??= [];
      t.partitionKeys ??= [];
      t.serdeProperties ??= {};
      t.tableProperties ??= {};
      t.columns ??= [];
    }
  }
  return st;
}

/** Looked up fresh on every use: a rollback re-reads the state document, so held references go stale. */
export function athenaStateOf(runtime: Runtime, accountId: string, region: string): AthenaState {
  const st = runtime.regional(accountId, region, "athena", emptyAthenaState);
  return withDefaults(st, runtime.anchor.toISOString());
}

export function athenaState(ctx: RequestContext): AthenaState {
  return athenaStateOf(ctx.runtime, ctx.accountId, ctx.region);
}
