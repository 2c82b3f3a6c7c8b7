/**
 * `npm run bench`: figures printed side by side, never asserted in tests.
 * - DescribeInstances over HTTP: ir-range vs moto_server on loopback with equivalent state, and secutter with IAM
 *   authorization on and off (bench/describe.ts).
 * - IAM authorization's cost per request, in-process (bench/authorize.ts), and the policy engine alone
 *   (bench/authz-engine.ts).
 * - start → first answer of `ir-range start` per scenario (median of BENCH_STARTS starts), and the server's memory.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { freePort, ms, percentile, spawnQuiet, stop, table, waitFor } from "./lib.ts";

/** The resident memory of a process in MB, where /proc tells it (Linux). */
function rssOf(pid: number | undefined): number | undefined {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024 || undefined;
  } catch {
    return undefined;
  }
}

interface StartRun {
  ms: number;
  /** RSS at the first answer, after a LookupEvents (history and its index built), after listing every object (all bodies built). */
  rss?: { first?: number; history?: number; all?: number };
}

/** Wall time from spawning `ir-range start` to its first AWS answer (GetCallerIdentity); with `memory`, RSS after loading more. */
async function startToFirstAnswer(scenario: string, memory: boolean): Promise<StartRun> {
  const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-start-"));
  const port = await freePort();
  // Read before the clock starts: this process's own work must not compete with the server's start.
  const m = (await import("../emulator/scenario/loader.ts")).loadScenario(scenario).manifest;
  // The state directory's keys are made here, before the server starts, and the server reads the same file.
  const credentials = (await import("../emulator/state/install-credentials.ts")).responderCredential(dir, m);
  const cfg = {
    endpoint: `http://127.0.0.1:${port}`,
    region: m.homeRegion,
    credentials,
    forcePathStyle: true,
    maxAttempts: 1,
  };
  const sts = new STSClient(cfg);
  // The client's first call sets up the SDK: done against the closed port, before the clock starts.
  await sts.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  const t0 = performance.now();
  const proc = spawnQuiet(process.execPath, ["bin/ir-range.js", "start", "--scenario", scenario, "--port", String(port), "--state-dir", dir, "--quiet"]);
  await waitFor(async () => !!(await sts.send(new GetCallerIdentityCommand({}))).Account, 30_000);
  const run: StartRun = { ms: performance.now() - t0 };
  if (memory) {
    const first = rssOf(proc.pid);
    await new CloudTrailClient(cfg).send(new LookupEventsCommand({ MaxResults: 50 }));
    const history = rssOf(proc.pid);
    const s3 = new S3Client(cfg);
    for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: b.Name, ContinuationToken: token }));
        token = page.NextContinuationToken;
      } while (token);
    }
    run.rss = { first, history, all: rssOf(proc.pid) };
  }
  await stop(proc);
  rmSync(dir, { recursive: true, force: true });
  return run;
}

// BENCH_ONLY=athena-first: only the first query of each Secutter table (bench/athena.ts), in seconds.
if (process.env.BENCH_ONLY === "athena-first") {
  console.log(await (await import("./athena.ts")).benchAthenaFirst());
  process.exit(0);
}

// First, while this process is fresh: its own garbage collection would otherwise compete with the starting server.
const { listScenarios } = await import("../emulator/scenario/loader.ts");
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const mb = (x?: number) => (x === undefined ? "n/a" : `${Math.round(x)} MB`);
const startRows = [
  [`start → first answer (${STARTS} starts each)`, "median", "min", "target", "RSS: first answer / history loaded / every object built (≤300 MB)"],
];
for (const s of listScenarios()) {
  const runs: StartRun[] = [];
  for (let i = 0; i < STARTS; i++) runs.push(await startToFirstAnswer(s, i === STARTS - 1));
  const rss = runs[runs.length - 1].rss;
  const times = runs.map((r) => r.ms);
  startRows.push([
    `ir-range start --scenario ${s}`,
    ms(percentile(times, 50)),
    ms(Math.min(...times)),
    "≤300 ms",
    `${mb(rss?.first)} / ${mb(rss?.history)} / ${mb(rss?.all)}`,
  ]);
}
console.log(table(startRows));

console.log("");
console.log(await (await import("./describe.ts")).benchDescribe());

console.log("");
console.log(await (await import("./authorize.ts")).benchAuthorize());

console.log("");
console.log((await import("./authz-engine.ts")).benchAuthzEngine());

console.log("");
const { benchHistory } = await import("./history.ts");
console.log(await benchHistory());

console.log("");
console.log(await (await import("./athena.ts")).benchAthena());
console.log("");
console.log(await (await import("./athena.ts")).benchAthenaFirst());

console.log("");
console.log(await (await import("./robustness.ts")).benchRobustness());
