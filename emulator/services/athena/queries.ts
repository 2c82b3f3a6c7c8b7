/** Query executions: Start/Get/Stop/List/BatchGet, results from a bounded cache or the output CSV, and the run loop. */

import type {
  BatchGetQueryExecutionCommandInput,
  BatchGetQueryExecutionCommandOutput,
  ColumnInfo,
  GetQueryExecutionCommandInput,
  GetQueryExecutionCommandOutput,
  GetQueryResultsCommandInput,
  GetQueryResultsCommandOutput,
  GetQueryRuntimeStatisticsCommandInput,
  GetQueryRuntimeStatisticsCommandOutput,
  ListQueryExecutionsCommandInput,
  ListQueryExecutionsCommandOutput,
  QueryExecution,
  StartQueryExecutionCommandInput,
  StartQueryExecutionCommandOutput,
  StopQueryExecutionCommandInput,
  StopQueryExecutionCommandOutput,
} from "@aws-sdk/client-athena";
import { randomUUID } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { objectsOf } from "../s3/object-store.ts";
import { runDdl } from "./ddlexec.ts";
import { Cancelled, type ColumnMeta, engineFor, type ResultSet } from "./engine.ts";
import { athenaReason } from "./errors.ts";
import { parseS3Uri } from "./locations.ts";
import { parseStatement, type Statement } from "./sql/ddl.ts";
import { AthenaQueryError } from "./sql/translate.ts";
import { type AthenaState, athenaState, athenaStateOf, type ExecutionRec } from "./state.ts";

export const invalid = (message: string, athenaCode?: string) =>
  new AwsError("InvalidRequestException", message, 400, athenaCode ? { AthenaErrorCode: athenaCode } : {});

/** Athena's answer to a NextToken it did not issue for this listing. */
export const invalidNextToken = () => invalid("Invalid NextToken", "INVALID_INPUT");

export function workGroupOf(st: AthenaState, name: string) {
  const wg = st.workgroups[name];
  if (!wg) throw invalid(`WorkGroup ${name} is not found.`, "INVALID_INPUT");
  return wg;
}

// --- results cache ----------------------------------------------------------------------------------------

const MAX_CACHED_ROWS = 500_000;
const caches = new WeakMap<Runtime, Map<string, ResultSet>>();
function resultCache(rt: Runtime): Map<string, ResultSet> {
  let c = caches.get(rt);
  if (!c) {
    c = new Map();
    caches.set(rt, c);
  }
  return c;
}
function remember(rt: Runtime, id: string, rs: ResultSet): void {
  const c = resultCache(rt);
  c.set(id, rs);
  let total = 0;
  for (const v of c.values()) total += v.rows.length;
  for (const k of c.keys()) {
    if (total <= MAX_CACHED_ROWS || k === id) break;
    total -= c.get(k)?.rows.length ?? 0;
    c.delete(k);
  }
}

const csvField = (v: string | null) => (v === null ? "" : `"${v.replaceAll('"', '""')}"`);

function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else v += text[i++];
      }
      row.push(v);
    } else if (text[i] === "," || text[i] === "\n") row.push(null);
    if (text[i] === ",") i++;
    else if (text[i] === "\n") {
      rows.push(row);
      row = [];
      i++;
    }
  }
  return rows;
}

// --- rendering --------------------------------------------------------------------------------------------

function resultFile(e: ExecutionRec): string | undefined {
  if (!e.outputLocation) return undefined;
  const base = e.outputLocation.endsWith("/") ? e.outputLocation : `${e.outputLocation}/`;
  return `${base}${e.id}.${e.statementType === "DML" || e.substatementType === "CREATE_TABLE_AS_SELECT" ? "csv" : "txt"}`;
}

export function renderExecution(e: ExecutionRec): QueryExecution {
  const file = resultFile(e);
  return {
    QueryExecutionId: e.id,
    Query: e.query,
    StatementType: e.statementType,
    SubstatementType: e.substatementType,
    ResultConfiguration: file ? { OutputLocation: file } : {},
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: e.database ? { Database: e.database, Catalog: e.catalog } : { Catalog: e.catalog },
    Status: {
      State: e.state,
      StateChangeReason: e.stateChangeReason,
      SubmissionDateTime: e.submitted as unknown as Date,
      CompletionDateTime: e.completed as unknown as Date,
      AthenaError:
        e.state === "FAILED"
          ? { ErrorCategory: e.errorCategory ?? 2, ErrorType: e.errorType ?? 1006, Retryable: false, ErrorMessage: e.stateChangeReason }
          : undefined,
    },
    Statistics: {
      EngineExecutionTimeInMillis: e.engineMs ?? 0,
      DataScannedInBytes: e.scannedBytes ?? 0,
      TotalExecutionTimeInMillis: e.totalMs ?? 0,
      QueryQueueTimeInMillis: e.queueMs ?? 0,
      ServicePreProcessingTimeInMillis: e.preprocessingMs ?? 0,
      QueryPlanningTimeInMillis: e.planningMs ?? 0,
      ServiceProcessingTimeInMillis: e.serviceMs ?? 0,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: e.workGroup,
    EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    ExecutionParameters: e.executionParameters,
  };
}

function execOf(ctx: RequestContext, id: string | undefined): ExecutionRec {
  if (!id) throw invalid("QueryExecutionId is required", "INVALID_INPUT");
  const e = athenaState(ctx).executions[id];
  if (!e) throw invalid(`QueryExecution ${id} was not found`, "INVALID_INPUT");
  return e;
}

// --- handlers ---------------------------------------------------------------------------------------------

function statementKind(st: Statement): { type: ExecutionRec["statementType"]; sub: string } {
  switch (st.kind) {
    case "select":
      return { type: "DML", sub: "SELECT" };
    case "ctas":
      return { type: "DDL", sub: "CREATE_TABLE_AS_SELECT" };
    case "insert":
      return { type: "DML", sub: "INSERT" };
    case "showDatabases":
    case "showTables":
    case "showViews":
    case "showColumns":
    case "showPartitions":
    case "showCreateTable":
    case "showTblProperties":
    case "describe":
      return { type: "UTILITY", sub: st.kind.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() };
    default:
      return { type: "DDL", sub: st.kind.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() };
  }
}

export const startQueryExecution: OpHandler<StartQueryExecutionCommandInput, StartQueryExecutionCommandOutput> = (input, ctx) => {
  const query = input.QueryString ?? "";
  if (!query.trim()) throw invalid("QueryString is required and must not be empty", "INVALID_INPUT");
  if (query.length > 262144) throw invalid("QueryString exceeds the maximum length of 262144", "INVALID_INPUT");
  const st = athenaState(ctx);
  const wgName = input.WorkGroup ?? "primary";
  const wg = workGroupOf(st, wgName);
  if (wg.state === "DISABLED") throw invalid(`WorkGroup ${wgName} is disabled.`, "INVALID_INPUT");
  const catalog = input.QueryExecutionContext?.Catalog ?? "AwsDataCatalog";
  if (catalog.toLowerCase() !== "awsdatacatalog") throw invalid(`Catalog ${catalog} is not found`, "INVALID_INPUT");
  const output = wg.enforce ? wg.outputLocation : (input.ResultConfiguration?.OutputLocation ?? wg.outputLocation);
  if (!output) {
    throw invalid(
      "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.",
      "INVALID_INPUT",
    );
  }
  if (!parseS3Uri(output)) throw invalid(`${output} is not a valid S3 location`, "INVALID_INPUT");
  if (input.ClientRequestToken) {
    const prior = Object.values(st.executions).find((e) => e.clientToken === input.ClientRequestToken);
    if (prior) {
      if (prior.query !== query) throw invalid("Idempotent parameters do not match", "INVALID_INPUT");
      return { QueryExecutionId: prior.id };
    }
  }
  let kind: { type: ExecutionRec["statementType"]; sub: string } = { type: "DML", sub: "SELECT" };
  try {
    kind = statementKind(parseStatement(query));
  } catch {
    // Syntax errors surface as a FAILED execution, as in Athena.
  }
  const id = randomUUID();
  st.executions[id] = {
    id,
    query,
    statementType: kind.type,
    substatementType: kind.sub,
    database: input.QueryExecutionContext?.Database?.toLowerCase(),
    catalog: "AwsDataCatalog",
    workGroup: wgName,
    outputLocation: output,
    executionParameters: input.ExecutionParameters,
    clientToken: input.ClientRequestToken,
    state: "QUEUED",
    submitted: ctx.time.toISOString(),
  };
  trimExecutions(st);
  const runtime = ctx.runtime;
  const where = { accountId: ctx.accountId, region: ctx.region };
  // Off the request path: the run starts after this call has been committed and answered.
  setImmediate(() => {
    execute(runtime, where.accountId, where.region, id).catch((e: unknown) =>
      // Last resort (engine failed to start, state write failed): the execution must not stay RUNNING forever.
      update(runtime, where.accountId, where.region, id, (x) => {
        x.state = "FAILED";
        x.stateChangeReason = `GENERIC_INTERNAL_ERROR: ${(e as Error).message}`;
        x.completed = runtime.clock.now().toISOString();
      }).catch(() => undefined),
    );
  });
  return { QueryExecutionId: id };
};

function trimExecutions(st: AthenaState): void {
  const ids = Object.keys(st.executions);
  for (const id of ids.slice(0, Math.max(0, ids.length - 2000))) delete st.executions[id];
}

/** Changes one execution in a transaction of its own (the run loop's state changes are not part of any call's). */
async function update(runtime: Runtime, accountId: string, region: string, id: string, fn: (e: ExecutionRec, st: AthenaState) => void): Promise<void> {
  await runtime.transact(() => {
    const st = athenaStateOf(runtime, accountId, region);
    const e = st.executions[id];
    if (e) fn(e, st);
  });
}

/** The phases of a query's run that QueryExecution.Statistics reports, in order. */
export type QueryPhase = "queued" | "preprocessing" | "planning" | "executing" | "publishing";

/** Tests: called (and awaited) as a query enters each phase, so that a test can move the range's clock in it. */
const phaseHooks = new WeakMap<Runtime, (phase: QueryPhase, id: string) => Promise<void> | void>();

export function setAthenaPhaseHook(runtime: Runtime, hook: ((phase: QueryPhase, id: string) => Promise<void> | void) | undefined): void {
  if (hook) phaseHooks.set(runtime, hook);
  else phaseHooks.delete(runtime);
}

/**
 * The run loop: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED; results go to the output location. Each phase is
 * timed on the range's clock (real time, moved by tests), as Athena reports them: queued from submission until an
 * engine takes the query (the engine process starting included), service pre-processing (parsing, catalog checks),
 * engine execution (planning — translation and loading the tables' objects — then DuckDB's run), then service
 * processing (writing the results to S3 and the final state).
 */
async function execute(runtime: Runtime, accountId: string, region: string, id: string): Promise<void> {
  const now = () => runtime.clock.now().getTime();
  const hook = async (phase: QueryPhase) => phaseHooks.get(runtime)?.(phase, id);
  await hook("queued");
  let rec: ExecutionRec | undefined;
  await update(runtime, accountId, region, id, (e) => {
    if (e.state === "QUEUED") e.state = "RUNNING";
    rec = { ...e };
  });
  if (rec?.state !== "RUNNING") return;
  const exec = rec;
  const times = { submitted: Date.parse(exec.submitted), dequeued: 0, preprocessed: 0, planned: 0, executed: 0 };
  let result: ResultSet | undefined;
  let scanned = 0;
  let failure: string | undefined;
  let cancelled = false;
  try {
    const engine = await engineFor(runtime);
    times.dequeued = now();
    await hook("preprocessing");
    const st = athenaStateOf(runtime, accountId, region);
    const scope = { runtime, accountId, region, state: st, now: runtime.clock.now() };
    const stmt = parseStatement(exec.query);
    const db = exec.database ?? "default";
    if (stmt.kind !== "select" && !st.catalog.databases[db] && exec.database) {
      throw new AthenaQueryError("SCHEMA_NOT_FOUND", `Schema '${db}' does not exist`);
    }
    if (stmt.kind === "select" && !st.catalog.databases[db]) throw new AthenaQueryError("SCHEMA_NOT_FOUND", `line 1:1: Schema '${db}' does not exist`);
    times.preprocessed = now();
    if (stmt.kind === "select") {
      await hook("planning");
      const prepared = await engine.prepare(scope, exec.query, db, exec.executionParameters);
      times.planned = now();
      scanned = prepared.bytes;
      await hook("executing");
      result = await engine.run(id, prepared.sql, prepared);
    } else {
      await hook("executing");
      const out = await runDdl(runtime, accountId, region, engine, id, exec, stmt, db);
      result = out.result;
      scanned = out.bytes;
    }
  } catch (e) {
    if (e instanceof Cancelled) cancelled = true;
    else failure = athenaReason(e, exec.query);
  }
  times.executed = now();
  await hook("publishing");
  await update(runtime, accountId, region, id, (e) => {
    if (e.state !== "RUNNING") return;
    // Results go to S3 with the state change, in the same transaction, as Athena writes them before SUCCEEDED; a
    // missing output bucket fails the query.
    if (result && !failure && !cancelled) {
      try {
        writeResults(runtime, accountId, exec, result);
        remember(runtime, id, result);
      } catch (err) {
        failure = (err as Error).message;
      }
    }
    const published = now();
    // A phase the query never reached took no time; the ones it did end where the next began.
    const dequeued = times.dequeued || times.executed;
    const preprocessed = times.preprocessed || times.executed;
    e.queueMs = Math.max(0, dequeued - times.submitted);
    e.preprocessingMs = Math.max(0, preprocessed - dequeued);
    e.planningMs = times.planned ? times.planned - preprocessed : 0;
    e.engineMs = Math.max(0, times.executed - preprocessed);
    e.serviceMs = Math.max(0, published - times.executed);
    e.totalMs = e.queueMs + e.preprocessingMs + e.engineMs + e.serviceMs;
    e.completed = new Date(published).toISOString();
    e.scannedBytes = scanned;
    if (cancelled) e.state = "CANCELLED";
    else if (failure) {
      e.state = "FAILED";
      e.stateChangeReason = failure;
    } else {
      e.state = "SUCCEEDED";
      e.rows = result?.rows.length ?? 0;
    }
  });
}

function writeResults(runtime: Runtime, accountId: string, exec: ExecutionRec, rs: ResultSet): void {
  const file = resultFile(exec);
  const loc = file ? parseS3Uri(file) : undefined;
  if (!loc) return;
  if (!objectsOf(runtime).bucket(accountId, loc.bucket)) {
    throw new Error(`HIVE_PATH_ALREADY_EXISTS: Unable to verify/create output bucket ${loc.bucket}`);
  }
  const now = runtime.clock.now().toISOString();
  const isCsv = file?.endsWith(".csv");
  const body = isCsv
    ? [rs.columns.map((c) => csvField(c.name)).join(","), ...rs.rows.map((r) => r.map(csvField).join(","))].map((l) => `${l}\n`).join("")
    : rs.rows.map((r) => `${r.join("\t")}\n`).join("");
  objectsOf(runtime).put(accountId, loc.bucket, loc.prefix, Buffer.from(body), { lastModified: now, contentType: isCsv ? "text/csv" : "text/plain" });
  objectsOf(runtime).put(accountId, loc.bucket, `${loc.prefix}.metadata`, Buffer.from(JSON.stringify({ columns: rs.columns })), {
    lastModified: now,
    contentType: "application/octet-stream",
  });
}

/** Results of a finished query: the in-memory copy, else re-read from the output location (after a restart). */
function resultsOf(ctx: RequestContext, e: ExecutionRec): ResultSet {
  const cached = resultCache(ctx.runtime).get(e.id);
  if (cached) return cached;
  const file = resultFile(e);
  const loc = file ? parseS3Uri(file) : undefined;
  const body = loc ? objectsOf(ctx.runtime).read(ctx.accountId, loc.bucket, loc.prefix) : undefined;
  const meta = loc ? objectsOf(ctx.runtime).read(ctx.accountId, loc.bucket, `${loc.prefix}.metadata`) : undefined;
  if (!body || !meta || !loc) throw invalid(`Query results of ${e.id} are no longer available at ${file}`, "INVALID_INPUT");
  const columns = (JSON.parse(meta.toString("utf8")) as { columns: ColumnMeta[] }).columns;
  const text = body.toString("utf8");
  const rows = file?.endsWith(".csv")
    ? parseCsv(text).slice(1)
    : text
        .split("\n")
        .slice(0, -1)
        .map((l) => l.split("\t") as (string | null)[]);
  const rs = { columns, rows };
  remember(ctx.runtime, e.id, rs);
  return rs;
}

export const getQueryExecution: OpHandler<GetQueryExecutionCommandInput, GetQueryExecutionCommandOutput> = (input, ctx) => ({
  QueryExecution: renderExecution(execOf(ctx, input.QueryExecutionId)),
});

export const batchGetQueryExecution: OpHandler<BatchGetQueryExecutionCommandInput, BatchGetQueryExecutionCommandOutput> = (input, ctx) => {
  const ids = input.QueryExecutionIds ?? [];
  if (!ids.length || ids.length > 50) throw invalid("QueryExecutionIds must contain between 1 and 50 items", "INVALID_INPUT");
  const st = athenaState(ctx);
  return {
    QueryExecutions: ids.filter((id) => st.executions[id]).map((id) => renderExecution(st.executions[id])),
    UnprocessedQueryExecutionIds: ids
      .filter((id) => !st.executions[id])
      .map((id) => ({ QueryExecutionId: id, ErrorCode: "INVALID_INPUT", ErrorMessage: `QueryExecution ${id} was not found` })),
  };
};

export const listQueryExecutions: OpHandler<ListQueryExecutionsCommandInput, ListQueryExecutionsCommandOutput> = (input, ctx) => {
  const st = athenaState(ctx);
  const wg = input.WorkGroup ?? "primary";
  workGroupOf(st, wg);
  const ids = Object.values(st.executions)
    .filter((e) => e.workGroup === wg)
    .reverse()
    .map((e) => e.id);
  const max = input.MaxResults ?? 50;
  if (max < 0 || max > 50) throw invalid("MaxResults must be between 0 and 50", "INVALID_INPUT");
  const { page, next } = paginate(ids, input.NextToken, max, `ListQueryExecutions:${wg}`, invalidNextToken);
  return { QueryExecutionIds: page, NextToken: next };
};

export const stopQueryExecution: OpHandler<StopQueryExecutionCommandInput, StopQueryExecutionCommandOutput> = async (input, ctx) => {
  const e = execOf(ctx, input.QueryExecutionId);
  if (e.state === "QUEUED" || e.state === "RUNNING") {
    const engine = await engineFor(ctx.runtime);
    if (!engine.cancel(e.id)) {
      // Not inside DuckDB (still queued or loading tables): mark it so the run loop drops it.
      e.state = "CANCELLED";
      e.completed = ctx.time.toISOString();
    }
  }
  return {};
};

export const getQueryResults: OpHandler<GetQueryResultsCommandInput, GetQueryResultsCommandOutput> = (input, ctx) => {
  const e = execOf(ctx, input.QueryExecutionId);
  if (e.state !== "SUCCEEDED") {
    const reason = e.state === "FAILED" ? `Query has not yet finished. Current state: FAILED` : `Query has not yet finished. Current state: ${e.state}`;
    throw invalid(e.state === "FAILED" && e.stateChangeReason ? e.stateChangeReason : reason, "INVALID_INPUT");
  }
  const max = input.MaxResults ?? 1000;
  if (max < 1 || max > 1000) throw invalid("MaxResults must be between 1 and 1000", "INVALID_INPUT");
  const rs = resultsOf(ctx, e);
  const withHeader = e.statementType === "DML" || e.substatementType === "CREATE_TABLE_AS_SELECT";
  const all: (string | null)[][] = withHeader ? [rs.columns.map((c) => c.name), ...rs.rows] : rs.rows;
  const { page, next } = paginate(all, input.NextToken, max, `GetQueryResults:${e.id}`, invalidNextToken);
  const colInfo: ColumnInfo[] = rs.columns.map((c) => ({
    CatalogName: "hive",
    SchemaName: "",
    TableName: "",
    Name: c.name,
    Label: c.name,
    Type: c.type,
    Precision: c.precision,
    Scale: c.scale,
    Nullable: "UNKNOWN",
    CaseSensitive: c.type === "varchar" || c.type === "string",
  }));
  return {
    UpdateCount: e.substatementType === "CREATE_TABLE_AS_SELECT" ? Number(rs.rows[0]?.[0] ?? 0) : 0,
    ResultSet: { Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })), ResultSetMetadata: { ColumnInfo: colInfo } },
    NextToken: next,
  };
};

export const getQueryRuntimeStatistics: OpHandler<GetQueryRuntimeStatisticsCommandInput, GetQueryRuntimeStatisticsCommandOutput> = (input, ctx) => {
  const e = execOf(ctx, input.QueryExecutionId);
  return {
    QueryRuntimeStatistics: {
      Timeline: {
        QueryQueueTimeInMillis: e.queueMs ?? 0,
        ServicePreProcessingTimeInMillis: e.preprocessingMs ?? 0,
        QueryPlanningTimeInMillis: e.planningMs ?? 0,
        EngineExecutionTimeInMillis: e.engineMs ?? 0,
        ServiceProcessingTimeInMillis: e.serviceMs ?? 0,
        TotalExecutionTimeInMillis: e.totalMs ?? 0,
      },
      Rows: { InputRows: e.rows ?? 0, InputBytes: e.scannedBytes ?? 0, OutputBytes: 0, OutputRows: e.rows ?? 0 },
    },
  };
};
