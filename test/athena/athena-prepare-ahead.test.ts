/**
 * Secutter's tables loaded and cached before any query (prepareAthena, the runtime's prepare step): the first query
 * of each reads the cached table as it is, without loading it again, and answers exactly what a server that loads
 * the table at its first query answers.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFor, hasEngine, prepareAthena } from "../../emulator/services/athena/engine.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { ok } from "./helpers.ts";

const OUTPUT = "s3://secutter-ir-evidence/athena-results/";
const DB = "secutter_ir";
const CLOCK = "2026-03-01T12:00:00Z";

/** A question per table, whose answer covers every row (the values of a column and how many rows have each). */
const QUESTIONS: [string, string][] = [
  ["cloudtrail_logs", "SELECT eventsource, eventname, errorcode, count(*) AS n FROM cloudtrail_logs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"],
  ["nginx_logs", "SELECT status, count(*) AS n FROM nginx_logs GROUP BY 1 ORDER BY 1"],
  ["vpc_flow_logs", "SELECT action, dstport, count(*) AS n FROM vpc_flow_logs GROUP BY 1, 2 ORDER BY 1, 2"],
];

let prepared: TestServer;
let plain: TestServer;

beforeAll(async () => {
  [prepared, plain] = await Promise.all([startTestServer({ scenario: "secutter", clock: CLOCK }), startTestServer({ scenario: "secutter", clock: CLOCK })]);
  await prepareAthena(prepared.emulator.runtime);
}, 120_000);

afterAll(async () => {
  await prepared?.stop();
  await plain?.stop();
});

describe("Athena tables prepared ahead of the first query", () => {
  it("has every Secutter table loaded and cached before any query", async () => {
    const engine = await engineFor(prepared.emulator.runtime);
    const scope = { accountId: prepared.accountId, region: prepared.region };
    for (const [name] of QUESTIONS) expect(engine.tableState(scope, DB, name), name).toMatchObject({ cached: true });
  });

  it("answers each table's first query from that table, as a server that loads it at the query does", async () => {
    const engine = await engineFor(prepared.emulator.runtime);
    const scope = { accountId: prepared.accountId, region: prepared.region };
    const ath = new AthenaClient(prepared.sdk());
    const athPlain = new AthenaClient(plain.sdk());
    for (const [name, sql] of QUESTIONS) {
      const gen = engine.tableGeneration(scope, DB, name);
      const first = await ok(ath, sql, { database: DB, output: OUTPUT });
      // The query read the table loaded ahead: no load of its own.
      expect(engine.tableGeneration(scope, DB, name), name).toBe(gen);
      const expected = await ok(athPlain, sql, { database: DB, output: OUTPUT });
      expect(first.rows.length, name).toBeGreaterThan(1);
      expect(first.header, name).toEqual(expected.header);
      expect(first.rows, name).toEqual(expected.rows);
    }
  }, 120_000);

  it("starts no query engine for a recording without tables", async () => {
    const basic = await startTestServer({ scenario: "basic" });
    try {
      await prepareAthena(basic.emulator.runtime);
      expect(hasEngine(basic.emulator.runtime)).toBe(false);
    } finally {
      await basic.stop();
    }
  });
});
