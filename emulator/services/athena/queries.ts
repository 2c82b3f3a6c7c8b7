/** Query executions: Start/Get/Stop/List/BatchGet, results from a bounded cache or the output CSV, and the run loop. */
import { randomUUID } from "../../core/entropy.ts";
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
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { objectsOf } from "../s3/object-store.ts";
import { runDdl } from "./ddlexec.ts";
import { Cancelled, type ColumnMeta, engineFor, type ResultSet } from "./engine.ts";
import { parseS3Uri } from "./locations.ts";
import { parseStatement, type Statement } from "./sql/ddl.ts";
import { lineCol, SqlSyntaxError } from "./sql/tokens.ts";
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
      ServicePreProcessingTimeInMillis: 0,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: 0,
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

/** Athena's FAILED reason for a DuckDB error, with line:col found in the student's SQL where possible. */
export function athenaReason(e: unknown, sql: string): string {
  if (e instanceof AthenaQueryError) return e.message;
  if (e instanceof SqlSyntaxError) return `SYNTAX_ERROR: ${lineCol(sql, e.pos)}: ${e.message}`;
  const msg = (e as Error).message ?? String(e);
  const first = msg.split("\n")[0];
  const at = (name: string) => {
    const re = new RegExp(`(?<![A-Za-z0-9_])"?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?(?![A-Za-z0-9_])`, "i");
    const m = re.exec(sql);
    return lineCol(sql, m ? m.index : 0);
  };
  let m = /Referenced column "?([^"!]+)"? not found/.exec(first) ?? /Values list "[^"]*" does not have a column named "([^"]+)"/.exec(first);
  if (m) return `COLUMN_NOT_FOUND: ${at(m[1])}: Column '${m[1].toLowerCase()}' cannot be resolved or requester is not authorized to access requested resources`;
  m = /Cannot extract field '([^']+)' from expression "([^"]+)" because it is not a struct/.exec(first);
  if (m) return `TYPE_MISMATCH: ${at(`${m[2]}.${m[1]}`)}: Expression "${m[2].toLowerCase()}" is not of type ROW`;
  m = /Could not find key "([^"]+)" in struct/.exec(first);
  if (m) return `COLUMN_NOT_FOUND: ${at(m[1])}: Column '${m[1].toLowerCase()}' cannot be resolved or requester is not authorized to access requested resources`;
  m = /(?:Scalar|Aggregate|Table) Function with name "?(\w+)"? does not exist/.exec(first);
  if (m) return `FUNCTION_NOT_FOUND: ${at(m[1])}: Function '${m[1].toLowerCase()}' not registered`;
  m = /No function matches the given name and argument types '(\w+)\((.*)\)'/.exec(first);
  if (m) return `FUNCTION_NOT_FOUND: ${at(m[1])}: Unexpected parameters (${m[2].toLowerCase()}) for function ${m[1].toLowerCase()}`;
  m = /syntax error at or near "([^"]*)"/.exec(first) ?? /syntax error at end of input/.exec(first);
  if (m) return `SYNTAX_ERROR: ${m[1] ? at(m[1]) : lineCol(sql, sql.length)}: mismatched input '${m[1] ?? "<EOF>"}'`;
  m = /column "?([^"]+)"? must appear in the GROUP BY clause/.exec(first);
  if (m) return `EXPRESSION_NOT_AGGREGATE: ${at(m[1])}: '${m[1]}' must be an aggregate expression or appear in GROUP BY clause`;
  m = /Table with name "?([^"!]+?)"? does not exist/.exec(first);
  if (m) return `TABLE_NOT_FOUND: ${at(m[1])}: Table '${m[1].toLowerCase()}' does not exist`;
  if (/^Conversion Error/.test(first)) return `INVALID_CAST_ARGUMENT: ${first.replace(/^Conversion Error: /, "")}`;
  if (/Out of Memory/i.test(first)) return "EXCEEDED_LOCAL_MEMORY_LIMIT: Query exceeded local memory limit";
  if (/^(Binder|Parser) Error/.test(first)) return `SYNTAX_ERROR: ${lineCol(sql, 0)}: ${first.replace(/^\w+ Error: /, "")}`;
  if (/^Invalid Input Error/.test(first)) return `INVALID_FUNCTION_ARGUMENT: ${first.replace(/^Invalid Input Error: /, "")}`;
  return `GENERIC_INTERNAL_ERROR: ${first}`;
}

/** The run loop: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED; results go to the output location. */
async function execute(runtime: Runtime, accountId: string, region: string, id: string): Promise<void> {
  const started = Date.now();
  let rec: ExecutionRec | undefined;
  await update(runtime, accountId, region, id, (e) => {
    if (e.state === "QUEUED") e.state = "RUNNING";
    rec = { ...e };
  });
  if (rec?.state !== "RUNNING") return;
  const exec = rec;
  let result: ResultSet | undefined;
  let scanned = 0;
  let failure: string | undefined;
  let cancelled = false;
  try {
    const engine = await engineFor(runtime);
    const st = athenaStateOf(runtime, accountId, region);
    const scope = { runtime, accountId, region, state: st, now: runtime.clock.now() };
    const stmt = parseStatement(exec.query);
    const db = exec.database ?? "default";
    if (stmt.kind !== "select" && !st.catalog.databases[db] && exec.database) {
      throw new AthenaQueryError("SCHEMA_NOT_FOUND", `Schema '${db}' does not exist`);
    }
    if (stmt.kind === "select") {
      if (!st.catalog.databases[db]) throw new AthenaQueryError("SCHEMA_NOT_FOUND", `line 1:1: Schema '${db}' does not exist`);
      const prepared = await engine.prepare(scope, exec.query, db, exec.executionParameters);
      scanned = prepared.bytes;
      result = await engine.run(id, prepared.sql, prepared);
    } else {
      const out = await runDdl(runtime, accountId, region, engine, id, exec, stmt, db);
      result = out.result;
      scanned = out.bytes;
    }
  } catch (e) {
    if (e instanceof Cancelled) cancelled = true;
    else failure = athenaReason(e, exec.query);
  }
  const elapsed = Date.now() - started;
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
    e.completed = runtime.clock.now().toISOString();
    e.engineMs = elapsed;
    e.totalMs = elapsed + 1;
    e.queueMs = 1;
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
        QueryPlanningTimeInMillis: 0,
        EngineExecutionTimeInMillis: e.engineMs ?? 0,
        ServiceProcessingTimeInMillis: 0,
        TotalExecutionTimeInMillis: e.totalMs ?? 0,
      },
      Rows: { InputRows: e.rows ?? 0, InputBytes: e.scannedBytes ?? 0, OutputBytes: 0, OutputRows: e.rows ?? 0 },
    },
  };
};
