/**
 * DescribeInstances over loopback HTTP: `ir-range start` (the bundled CLI, as users run it) against moto_server with
 * equivalent state. A server's time is its round trip minus the SDK's own cost against an instant server that
 * answers with the very same document; each instant server is a process of its own, as the real ones are. All four
 * stay up and are measured in turns, round after round, and compared by their medians: on a shared machine one
 * run of each swings by more than the server time being measured.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { writeInstalledSecrets } from "../emulator/state/install-credentials.ts";
import { signedFetch } from "../test/helpers/signed-fetch.ts";
import { freePort, ms, percentile, spawnQuiet, stop, table, timeCalls, waitFor } from "./lib.ts";

const N = Number(process.env.BENCH_CALLS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const creds = { accessKeyId: "AKIAIRRANGERESPOND01", secretAccessKey: "irRangeResponderSecretKey0000000000000001" };
const FORM = "Action=DescribeInstances&Version=2016-11-15";

interface Target {
  name: string;
  ec2: EC2Client;
  stop(): Promise<void>;
}

function client(port: number, credentials = creds): EC2Client {
  return new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: "ap-northeast-1", credentials, maxAttempts: 1 });
}

async function irRange(dir: string): Promise<Target & { body: string }> {
  const port = await freePort();
  writeInstalledSecrets(dir, { [creds.accessKeyId]: creds.secretAccessKey });
  const proc = spawnQuiet(process.execPath, ["bin/ir-range.js", "start", "--scenario", "basic", "--port", String(port), "--state-dir", dir, "--quiet"]);
  const ec2 = client(port);
  await waitFor(async () => !!(await ec2.send(new DescribeInstancesCommand({}))).Reservations, 30_000);
  // The exact response bytes, so the baseline's SDK parses the same document.
  const raw = await signedFetch(`http://127.0.0.1:${port}`, creds, {
    service: "ec2",
    region: "ap-northeast-1",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: FORM,
  });
  return { name: "ir-range", ec2, body: raw.text, stop: () => stop(proc) };
}

async function moto(): Promise<Target & { body: string }> {
  const port = await freePort();
  const proc = spawnQuiet("moto_server", ["-H", "127.0.0.1", "-p", String(port)]);
  try {
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${endpoint}/moto-api/`)).ok, 20_000);
    const ec2 = client(port, { accessKeyId: "AKIATEST", secretAccessKey: "test" });
    // Equivalent state: one running instance, like the smoke scenario.
    await ec2.send(new RunInstancesCommand({ ImageId: "ami-0b5c74e235ed808b9", MinCount: 1, MaxCount: 1, InstanceType: "t3.small" }));
    const raw = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: FORM });
    return { name: "moto_server", ec2, body: await raw.text(), stop: () => stop(proc) };
  } catch (e) {
    await stop(proc);
    throw e;
  }
}

/** A process that answers every request at once with `body`: the SDK's own cost for that document. */
async function instant(name: string, body: string, dir: string): Promise<Target> {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, body);
  const port = await freePort();
  const code = `const b = require("fs").readFileSync(${JSON.stringify(file)}); require("http").createServer((q, s) => { q.resume(); q.on("end", () => s.writeHead(200, { "content-type": "text/xml" }).end(b)); }).listen(${port}, "127.0.0.1");`;
  const proc = spawnQuiet(process.execPath, ["-e", code]);
  const ec2 = client(port);
  await waitFor(async () => !!(await ec2.send(new DescribeInstancesCommand({}))), 10_000);
  return { name, ec2, stop: () => stop(proc) };
}

export async function benchDescribe(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-describe-"));
  const targets: Target[] = [];
  try {
    const ours = await irRange(dir);
    targets.push(ours, await instant("ir-range document", ours.body, dir));
    let motoNote = "";
    try {
      const m = await moto();
      targets.push(m, await instant("moto_server document", m.body, dir));
    } catch (e) {
      motoNote = `moto_server unavailable (${(e as Error).message})`;
    }
    for (const t of targets) for (let i = 0; i < 50; i++) await t.ec2.send(new DescribeInstancesCommand({}));
    const p50s = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const p90s = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        const times = await timeCalls(N, () => t.ec2.send(new DescribeInstancesCommand({})));
        p50s.get(t.name)?.push(percentile(times, 50));
        p90s.get(t.name)?.push(percentile(times, 90));
      }
    }
    const median = (xs: number[]) => percentile(xs, 50);
    /** The server's time in each round (its p50 minus its document's baseline p50 of the same round). */
    const serverTimes = (name: string) => (p50s.get(name) ?? []).map((x, i) => Math.max(0.01, x - (p50s.get(`${name} document`) ?? [])[i]));
    const rows = [
      [
        `DescribeInstances, ${ROUNDS} rounds of ${N} calls in turn`,
        "round trip p50",
        "p90",
        "SDK overhead p50 (instant server, same document)",
        "server time p50 (median of rounds)",
      ],
    ];
    for (const name of ["ir-range", "moto_server"]) {
      if (!p50s.has(name)) {
        rows.push([name, motoNote, "", "", ""]);
        continue;
      }
      rows.push([
        name,
        ms(median(p50s.get(name) ?? [])),
        ms(median(p90s.get(name) ?? [])),
        ms(median(p50s.get(`${name} document`) ?? [])),
        ms(median(serverTimes(name))),
      ]);
    }
    let out = table(rows);
    if (p50s.has("moto_server")) {
      const ourServer = serverTimes("ir-range");
      const motoServer = serverTimes("moto_server");
      const each = ourServer.map((x, i) => motoServer[i] / x);
      out += `\nserver time speed-up: ${(median(motoServer) / median(ourServer)).toFixed(1)}× (target ≥10×; round by round ${each.map((x) => x.toFixed(1)).join(", ")})`;
    }
    return out;
  } finally {
    for (const t of targets) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
