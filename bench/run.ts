/**
 * `npm run bench`: figures printed side by side, never asserted in tests.
 * - 200 DescribeInstances over HTTP: ir-range vs moto_server on loopback with equivalent state.
 * - start → first answer of `ir-range start` per scenario (median of BENCH_STARTS starts), and the server's memory.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { signedFetch } from "../test/helpers/signed-fetch.ts";
import { freePort, ms, percentile, spawnQuiet, stop, table, timeCalls, waitFor } from "./lib.ts";

const N = Number(process.env.BENCH_CALLS ?? 200);
const creds = { accessKeyId: "AKIAIRRANGERESPOND01", secretAccessKey: "irRangeResponderSecretKey0000000000000001" };

/** Against `ir-range start` as users run it (the bundled CLI), not the TypeScript sources. */
async function irRangeDescribe(): Promise<{ times: number[]; body: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-"));
  const port = await freePort();
  const proc = spawnQuiet(process.execPath, ["bin/ir-range.js", "start", "--scenario", "basic", "--port", String(port), "--state-dir", dir, "--quiet"]);
  try {
    const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: "ap-northeast-1", credentials: creds, maxAttempts: 1 });
    await waitFor(async () => !!(await ec2.send(new DescribeInstancesCommand({}))).Reservations, 30_000);
    for (let i = 0; i < 50; i++) await ec2.send(new DescribeInstancesCommand({}));
    const times = await timeCalls(N, () => ec2.send(new DescribeInstancesCommand({})));
    // The exact response bytes, so the SDK-overhead baseline parses the same document.
    const raw = await signedFetch(`http://127.0.0.1:${port}`, creds, {
      service: "ec2",
      region: "ap-northeast-1",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Action=DescribeInstances&Version=2016-11-15",
    });
    return { times, body: raw.text };
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function motoDescribe(): Promise<{ times: number[]; body: string } | string> {
  const port = await freePort();
  const proc = spawnQuiet("moto_server", ["-H", "127.0.0.1", "-p", String(port)]);
  try {
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${endpoint}/moto-api/`)).ok, 20_000);
    const ec2 = new EC2Client({ endpoint, region: "ap-northeast-1", credentials: { accessKeyId: "AKIATEST", secretAccessKey: "test" }, maxAttempts: 1 });
    // Equivalent state: one running instance, like the smoke scenario.
    await ec2.send(new RunInstancesCommand({ ImageId: "ami-0b5c74e235ed808b9", MinCount: 1, MaxCount: 1, InstanceType: "t3.small" }));
    await ec2.send(new DescribeInstancesCommand({}));
    const times = await timeCalls(N, () => ec2.send(new DescribeInstancesCommand({})));
    const raw = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=DescribeInstances&Version=2016-11-15",
    });
    return { times, body: await raw.text() };
  } catch (e) {
    return `moto_server unavailable (${(e as Error).message})`;
  } finally {
    await stop(proc);
  }
}

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
  const c = m.credentials.find((x) => x.label === m.responder) ?? m.credentials[0];
  const cfg = {
    endpoint: `http://127.0.0.1:${port}`,
    region: m.homeRegion,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
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

/**
 * The SDK's own cost per call (signing, serializing, parsing, loopback HTTP), measured against a server that
 * answers instantly with the very DescribeInstances document ir-range returned. Round trip minus this is the server's time.
 */
async function clientOverhead(body: string): Promise<number[]> {
  const srv = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/xml" }).end(body));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const ec2 = new EC2Client({
    endpoint: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    region: "ap-northeast-1",
    credentials: creds,
    maxAttempts: 1,
  });
  await ec2.send(new DescribeInstancesCommand({}));
  const times = await timeCalls(N, () => ec2.send(new DescribeInstancesCommand({})));
  await new Promise((r) => srv.close(r));
  return times;
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
const ours = await irRangeDescribe();
const moto = await motoDescribe();
// Each server is charged only its own time: the baseline parses the same document it returned.
const ourBase = percentile(await clientOverhead(ours.body), 50);
const rows = [[`DescribeInstances ×${N} over HTTP`, "round trip p50", "p90", "SDK overhead p50 (instant server, same document)", "server time p50"]];
const ourServer = Math.max(0.01, percentile(ours.times, 50) - ourBase);
rows.push(["ir-range", ms(percentile(ours.times, 50)), ms(percentile(ours.times, 90)), ms(ourBase), ms(ourServer)]);
let speedUp = "";
if (typeof moto === "string") rows.push(["moto_server", moto, "", "", ""]);
else {
  const motoBase = percentile(await clientOverhead(moto.body), 50);
  const motoServer = percentile(moto.times, 50) - motoBase;
  rows.push(["moto_server", ms(percentile(moto.times, 50)), ms(percentile(moto.times, 90)), ms(motoBase), ms(motoServer)]);
  speedUp = `server time speed-up at p50: ${(motoServer / ourServer).toFixed(1)}× (target ≥10×)`;
}
console.log(table(rows));
if (speedUp) console.log(speedUp);

console.log("");
const { benchHistory } = await import("./history.ts");
console.log(await benchHistory());

console.log("");
console.log(await (await import("./athena.ts")).benchAthena());
