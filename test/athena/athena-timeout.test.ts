/** The per-query time limit interrupts DuckDB and fails the execution in Athena's terms. */
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { ok, query } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
beforeAll(async () => {
  // Read when the engine starts; each test file runs in its own worker, so this stays local to this file.
  // Long enough that SELECT 6 * 7 never reaches it on a loaded machine; the runaway query needs hours.
  process.env.IR_RANGE_ATHENA_TIMEOUT_MS = "1500";
  server = await startTestServer({ scenario: "basic" });
  ath = new AthenaClient(server.sdk());
});
afterAll(async () => {
  delete process.env.IR_RANGE_ATHENA_TIMEOUT_MS;
  await server?.stop();
});

describe("query time limit", () => {
  it("fails a runaway query with EXCEEDED_TIME_LIMIT and keeps serving the next one", async () => {
    // Interrupted, not run to the end: this cross join of 9·10¹⁰ rows would not finish within query()'s 60 s wait.
    const r = await query(
      ath,
      "SELECT count(*) FROM UNNEST(sequence(1, 300000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 300000)) AS b(y) WHERE (x + y) % 11 = 1",
    );
    expect(r.exec.Status?.State).toBe("FAILED");
    expect(r.exec.Status?.StateChangeReason).toBe("EXCEEDED_TIME_LIMIT: Query exhausted resources at this scale factor: ran longer than 1.5 seconds");
    expect((await ok(ath, "SELECT 6 * 7")).rows).toEqual([["42"]]);
  });
});
