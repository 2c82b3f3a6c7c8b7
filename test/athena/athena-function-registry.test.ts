/**
 * Every Trino function Athena engine 3 lists, as the translator's registry says it answers here: each supported one
 * gives Trino's documented answer (function-cases.ts), each unsupported one is refused as Athena refuses an unknown
 * function, and docs/athena.md's table is the registry's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_REGISTRY } from "../../emulator/services/athena/sql/translate.ts";
import { DOC_PATH, functionTable, replaceTable } from "../../scripts/athena-functions-doc.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { FUNCTION_CASES } from "./function-cases.ts";
import { ok, query } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2024-01-15T12:00:00Z" });
  ath = new AthenaClient(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

const supported = FUNCTION_REGISTRY.filter((e) => e.kind !== "unsupported");
const unsupported = FUNCTION_REGISTRY.filter((e) => e.kind === "unsupported");

describe("the registry", () => {
  it("has a case for every supported function, and none for a function it does not support", () => {
    expect(supported.filter((e) => !FUNCTION_CASES[e.name]).map((e) => e.name)).toEqual([]);
    expect(Object.keys(FUNCTION_CASES).filter((n) => !supported.some((e) => e.name === n))).toEqual([]);
  });

  it("docs/athena.md's function table is the registry's (npx tsx scripts/athena-functions-doc.ts writes it)", () => {
    const doc = readFileSync(join(import.meta.dirname, "../..", DOC_PATH), "utf8");
    expect(replaceTable(doc, functionTable())).toBe(doc);
  });
});

describe("supported functions answer as Trino documents", () => {
  const cases = supported.flatMap((e) => FUNCTION_CASES[e.name].map(([sql, expected]) => [e.name, sql, expected] as const));
  it.concurrent.each(cases)("%s: %s", async (_name, sql, expected) => {
    const r = await ok(ath, /^\s*SELECT\b/i.test(sql) ? sql : `SELECT ${sql}`);
    expect(r.rows).toEqual([[expected]]);
  });
});

describe("unsupported functions are refused as Athena refuses an unknown function", () => {
  it.concurrent.each(unsupported.map((e) => e.name))("%s", async (name) => {
    const r = await query(ath, `SELECT ${name}()`);
    expect(r.exec.Status?.State).toBe("FAILED");
    expect(r.exec.Status?.StateChangeReason).toBe(`FUNCTION_NOT_FOUND: line 1:8: Function '${name}' not registered`);
  });
});
