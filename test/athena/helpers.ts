/** Shared pieces of the Athena suites: fixture upload, a query runner that polls like a client, statement extraction. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, type QueryExecution, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

export const FIXTURES = join(import.meta.dirname, "../fixtures/athena");
export const BUCKET = "basic-evidence";
export const OUTPUT = `s3://${BUCKET}/athena-results/`;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Uploads fixtures/athena/<sub>/… to the bucket under `prefix` (key = path below <sub>). */
export async function upload(s3: S3Client, sub: string, prefix = ""): Promise<string[]> {
  const root = join(FIXTURES, sub);
  const keys: string[] = [];
  for (const f of walk(root)) {
    const key = prefix + f.slice(root.length + 1);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(f) }));
    keys.push(key);
  }
  return keys;
}

/** Every CloudTrail record of the fixture slice, straight from the gz files. */
export function cloudTrailRecords(): Record<string, any>[] {
  return walk(join(FIXTURES, "cloudtrail")).flatMap((f) => JSON.parse(gunzipSync(readFileSync(f)).toString("utf8")).Records);
}

export interface Run {
  id: string;
  exec: QueryExecution;
  /** Rows without the header row; NULL as null. */
  rows: (string | null)[][];
  header: string[];
  types: string[];
}

export async function waitFor(ath: AthenaClient, id: string, timeoutMs = 60_000): Promise<QueryExecution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await ath.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const ex = out.QueryExecution as QueryExecution;
    const s = ex.Status?.State;
    if (s === "SUCCEEDED" || s === "FAILED" || s === "CANCELLED") return ex;
    if (Date.now() > deadline) throw new Error(`query ${id} still ${s}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function query(ath: AthenaClient, sql: string, opts: { database?: string; params?: string[]; output?: string | null } = {}): Promise<Run> {
  const start = await ath.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: opts.database ? { Database: opts.database } : undefined,
      ResultConfiguration: opts.output === null ? undefined : { OutputLocation: opts.output ?? OUTPUT },
      ExecutionParameters: opts.params,
    }),
  );
  const id = start.QueryExecutionId as string;
  const exec = await waitFor(ath, id);
  if (exec.Status?.State !== "SUCCEEDED") return { id, exec, rows: [], header: [], types: [] };
  const all: (string | null)[][] = [];
  let token: string | undefined;
  let types: string[] = [];
  do {
    const r = await ath.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
    types = r.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Type ?? "") ?? [];
    for (const row of r.ResultSet?.Rows ?? []) all.push((row.Data ?? []).map((d) => d.VarCharValue ?? null));
    token = r.NextToken;
  } while (token);
  // SELECT and CTAS results start with a header row; other DDL and utility output does not.
  const dml = exec.StatementType === "DML" || exec.SubstatementType === "CREATE_TABLE_AS_SELECT";
  return { id, exec, header: dml ? (all[0] as string[]) : [], rows: dml ? all.slice(1) : all, types };
}

export async function ok(ath: AthenaClient, sql: string, opts: Parameters<typeof query>[2] = {}): Promise<Run> {
  const r = await query(ath, sql, opts);
  if (r.exec.Status?.State !== "SUCCEEDED") throw new Error(`${r.exec.Status?.State}: ${r.exec.Status?.StateChangeReason}\n${sql}`);
  return r;
}

/** Statements of a published .sql file: comments dropped, split on ';' and on blank lines before a new statement. */
export function statements(text: string): string[] {
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/--[^\n]*/g, "");
  return noComments
    .split(/;|\n\s*\n(?=\s*(?:SELECT|WITH|CREATE|INSERT|ALTER|MSCK)\b)/i)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export const read = (rel: string) => readFileSync(join(FIXTURES, rel), "utf8");
