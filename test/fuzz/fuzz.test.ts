/**
 * A bounded fuzz run (issue #12): requests generated from the SDK schemas of all nine services (five protocols),
 * serialized and signed by the real SDK clients, mutated on the wire, re-signed or not, sent to a real server. Every
 * answer must be no 5xx (but S3's 501 NotImplemented), every error in its protocol's real shape, and the server must
 * stay up within bounded memory. Deterministic: a fixed seed (FUZZ_SEED overrides it; FUZZ_RUNS the count), printed
 * on failure with fast-check's shrunk counterexample. `npm run fuzz` runs the long version against `ir-range start`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../emulator/server/app.ts";
import { compact, createHarness, failureReport, type Harness, summary } from "./harness.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 12_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);
/** The fuzzing itself stops here, whatever it has reached (a loaded machine runs fewer cases, never longer). */
const TIME_LIMIT_MS = 25_000;

let server: RunningServer;
let stateDir: string;
let harness: Harness;
const serverLog: string[] = [];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "ir-range-fuzz-"));
  server = await startServer({ scenario: "basic", stateDir, host: "127.0.0.1", port: 0, log: (line) => serverLog.push(line) });
  const region = server.emulator.runtime.scenario.manifest.homeRegion;
  // The server shares this process: every request is also checked for prototype pollution.
  harness = await createHarness(
    { url: server.url, region, credentials: server.emulator.runtime.responder() },
    { checkPrototypes: true, requestTimeoutMs: 15_000 },
  );
});

afterAll(async () => {
  harness?.close();
  await server?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("fuzz", () => {
  it("answers generated and mutated requests of every protocol in the protocol's shape, without 5xx, and stays up", { timeout: 60_000 }, async () => {
    const rssBefore = process.memoryUsage().rss;
    try {
      await fc.assert(
        fc.asyncProperty(harness.arbitrary, (c) => harness.run(c)),
        { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      );
    } catch (e) {
      const internal = serverLog.filter((l) => l.startsWith("internal error")).slice(0, 5);
      throw new Error(
        `${compact((e as Error).message)}\n\nseed ${SEED} (FUZZ_SEED=${SEED} repeats it)\n${summary(harness.stats)}\n${failureReport(harness.stats)}${
          internal.length ? `\n\nserver log:\n${internal.join("\n")}` : ""
        }`,
      );
    }
    const rssAfter = process.memoryUsage().rss;
    console.log(`fuzz seed ${SEED}\n${summary(harness.stats)}\nRSS ${mb(rssBefore)} → ${mb(rssAfter)} (this process, server included)`);
    expect(harness.stats.requests).toBeGreaterThan(100);
    // The server is still up and still answers a valid call.
    expect((await fetch(`${server.url}/_ir-range/health`)).status).toBe(200);
    const sts = new STSClient({ endpoint: server.url, region: harness.target.region, credentials: harness.target.credentials, maxAttempts: 1 });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(server.emulator.runtime.scenario.manifest.accountId);
    expect(rssAfter - rssBefore).toBeLessThan(300 * 1024 * 1024);
  });
});

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
