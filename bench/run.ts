/**
 * `npm run bench`: figures printed side by side, never asserted in tests.
 * - 200 DescribeInstances over HTTP: ir-range vs moto_server on loopback with equivalent state.
 * - start → first answer of `ir-range start` (default scenario and the smoke scenario).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
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

/** Wall time from spawning `ir-range start` to its first AWS answer (GetCallerIdentity). */
async function startToFirstAnswer(scenario: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-start-"));
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawnQuiet(process.execPath, ["bin/ir-range.js", "start", "--scenario", scenario, "--port", String(port), "--state-dir", dir, "--quiet"]);
  const sts = new STSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: creds, maxAttempts: 1 });
  const m = (await import("../emulator/scenario/loader.ts")).loadScenario(scenario).manifest;
  const c = m.credentials.find((x) => x.label === m.responder) ?? m.credentials[0];
  sts.config.credentials = async () => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
  await waitFor(async () => !!(await sts.send(new GetCallerIdentityCommand({}))).Account, 30_000);
  const elapsed = performance.now() - t0;
  await stop(proc);
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
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

const { listScenarios } = await import("../emulator/scenario/loader.ts");
console.log("");
const startRows = [["start → first answer", "wall time", "target"]];
for (const s of listScenarios()) startRows.push([`ir-range start --scenario ${s}`, ms(await startToFirstAnswer(s)), "≤300 ms"]);
console.log(table(startRows));

console.log("");
const { benchHistory } = await import("./history.ts");
console.log(await benchHistory());

console.log("");
console.log(await (await import("./athena.ts")).benchAthena());
