/**
 * Answer times that used to be test assertions (tests now check only what is answered, never how fast):
 * - the slowest answer to malformed and hostile bodies on every protocol (was: each under 2 s, test/core/bad-input);
 * - a quick Athena query and a Glue call while a runaway query runs (was: under 3 s, test/athena/athena-catalog-safety);
 * - how long the per-query time limit takes to fail a runaway query (was: under 10 s with a 700 ms limit, athena-timeout).
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from "@aws-sdk/client-athena";
import { GetDatabasesCommand, GlueClient } from "@aws-sdk/client-glue";
import { startTestServer } from "../test/helpers/emulator.ts";
import { HOSTILE_BODIES, HOSTILE_TARGETS } from "../test/helpers/hostile.ts";
import { signedFetch } from "../test/helpers/signed-fetch.ts";
import { ms, table } from "./lib.ts";

const OUTPUT = "s3://basic-evidence/athena-results/";
const RUNAWAY = "SELECT count(*) FROM UNNEST(sequence(1, 300000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 300000)) AS b(y) WHERE (x + y) % 11 = 1";

async function stateOf(ath: AthenaClient, id: string): Promise<string | undefined> {
  return (await ath.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status?.State;
}

/** Polls until the query leaves QUEUED/RUNNING; returns its final state. */
async function finished(ath: AthenaClient, id: string): Promise<string | undefined> {
  for (;;) {
    const s = await stateOf(ath, id);
    if (s !== "QUEUED" && s !== "RUNNING") return s;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function hostileBodies(): Promise<number> {
  const server = await startTestServer({ scenario: "basic" });
  try {
    let slowest = 0;
    for (const t of HOSTILE_TARGETS) {
      for (const body of HOSTILE_BODIES) {
        const t0 = performance.now();
        await signedFetch(server.url, server.credentials, { ...t, body });
        slowest = Math.max(slowest, performance.now() - t0);
      }
    }
    return slowest;
  } finally {
    await server.stop();
  }
}

async function besideRunaway(): Promise<number> {
  const server = await startTestServer({ scenario: "basic" });
  try {
    const ath = new AthenaClient(server.sdk());
    const glue = new GlueClient(server.sdk());
    const { QueryExecutionId: id } = await ath.send(new StartQueryExecutionCommand({ QueryString: RUNAWAY, ResultConfiguration: { OutputLocation: OUTPUT } }));
    while ((await stateOf(ath, id as string)) !== "RUNNING") await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    await glue.send(new GetDatabasesCommand({}));
    const quick = await ath.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1", ResultConfiguration: { OutputLocation: OUTPUT } }));
    await finished(ath, quick.QueryExecutionId as string);
    const took = performance.now() - t0;
    await ath.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    await finished(ath, id as string);
    return took;
  } finally {
    await server.stop();
  }
}

async function timeLimit(limitMs: number): Promise<{ ms: number; state?: string }> {
  const before = process.env.IR_RANGE_ATHENA_TIMEOUT_MS;
  process.env.IR_RANGE_ATHENA_TIMEOUT_MS = String(limitMs);
  const server = await startTestServer({ scenario: "basic" });
  try {
    const ath = new AthenaClient(server.sdk());
    const t0 = performance.now();
    const { QueryExecutionId: id } = await ath.send(new StartQueryExecutionCommand({ QueryString: RUNAWAY, ResultConfiguration: { OutputLocation: OUTPUT } }));
    const state = await finished(ath, id as string);
    return { ms: performance.now() - t0, state };
  } finally {
    await server.stop();
    if (before === undefined) delete process.env.IR_RANGE_ATHENA_TIMEOUT_MS;
    else process.env.IR_RANGE_ATHENA_TIMEOUT_MS = before;
  }
}

export async function benchRobustness(): Promise<string> {
  const hostile = await hostileBodies();
  const beside = await besideRunaway();
  const limit = await timeLimit(700);
  return table([
    ["answer times under abuse", "measured", "target"],
    ["slowest answer to a malformed or hostile body (30 requests, 5 protocols)", ms(hostile), "≤2000 ms"],
    ["Glue GetDatabases + Athena SELECT 1 while a runaway query runs", ms(beside), "≤3000 ms"],
    [`runaway query failed by a 700 ms time limit (${limit.state})`, ms(limit.ms), "≤10000 ms"],
  ]);
}
