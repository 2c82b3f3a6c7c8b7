/**
 * DescribeInstances over loopback HTTP: `ir-range start` (the bundled CLI, as users run it) against moto_server with
 * equivalent state; and secutter signed by its responder (SecurityAudit and an inline policy: issue #13's Secutter
 * policies) with IAM authorization on and off, served alike by bench/serve-range.ts, so their difference is what
 * authorization costs a request. A server's time is its round trip minus the SDK's own cost against an instant server
 * that answers with the very same document; each instant server is a process of its own, as the real ones are. All
 * stay up and are measured in turns, round after round, and compared by their medians: on a shared machine one run of
 * each swings by more than the server time being measured.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { loadScenario } from "../emulator/scenario/loader.ts";
import { responderCredential, writeInstalledSecrets } from "../emulator/state/install-credentials.ts";
import { signedFetch } from "../test/helpers/signed-fetch.ts";
import { freePort, ms, percentile, spawnQuiet, stop, table, timeCalls, us, waitFor } from "./lib.ts";

const N = Number(process.env.BENCH_CALLS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const creds = { accessKeyId: "AKIAIRRANGERESPOND01", secretAccessKey: "irRangeResponderSecretKey0000000000000001" };
const FORM = "Action=DescribeInstances&Version=2016-11-15";

interface Target {
  name: string;
  ec2: EC2Client;
  /** The instant server answering with this target's document (the SDK's own cost). */
  baseline?: string;
  stop(): Promise<void>;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function client(port: number, credentials: Credentials = creds): EC2Client {
  return new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: "ap-northeast-1", credentials, maxAttempts: 1 });
}

/** The exact response bytes, so the baseline's SDK parses the same document. */
async function documentOf(port: number, credentials: Credentials): Promise<string> {
  const raw = await signedFetch(`http://127.0.0.1:${port}`, credentials, {
    service: "ec2",
    region: "ap-northeast-1",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: FORM,
  });
  return raw.text;
}

async function irRange(dir: string): Promise<Target & { body: string }> {
  const port = await freePort();
  writeInstalledSecrets(dir, { [creds.accessKeyId]: creds.secretAccessKey });
  const proc = spawnQuiet(process.execPath, ["bin/ir-range.js", "start", "--scenario", "basic", "--port", String(port), "--state-dir", dir, "--quiet"]);
  const ec2 = client(port);
  await waitFor(async () => !!(await ec2.send(new DescribeInstancesCommand({}))).Reservations, 30_000);
  return { name: "ir-range", baseline: "ir-range document", ec2, body: await documentOf(port, creds), stop: () => stop(proc) };
}

/** Secutter signed by its responder, with IAM authorization on or off (bench/serve-range.ts). */
async function secutter(dir: string, authorization: boolean): Promise<Target & { body: string }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const credentials = responderCredential(dir, loadScenario("secutter").manifest);
  const args = ["bin/run-ts.js", "bench/serve-range.ts", "secutter", String(port), dir, ...(authorization ? [] : ["no-authorization"])];
  const proc = spawnQuiet(process.execPath, args);
  const ec2 = client(port, credentials);
  try {
    await waitFor(async () => !!(await ec2.send(new DescribeInstancesCommand({}))).Reservations, 30_000);
  } catch (e) {
    await stop(proc);
    throw e;
  }
  const name = `secutter, authorization ${authorization ? "on" : "off"}`;
  return { name, baseline: "secutter document", ec2, body: await documentOf(port, credentials), stop: () => stop(proc) };
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
    return { name: "moto_server", baseline: "moto_server document", ec2, body: await raw.text(), stop: () => stop(proc) };
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
    const ours = await irRange(join(dir, "basic"));
    targets.push(ours, await instant("ir-range document", ours.body, dir));
    let motoNote = "";
    try {
      const m = await moto();
      targets.push(m, await instant("moto_server document", m.body, dir));
    } catch (e) {
      motoNote = `moto_server unavailable (${(e as Error).message})`;
    }
    const on = await secutter(join(dir, "secutter-on"), true);
    const off = await secutter(join(dir, "secutter-off"), false);
    targets.push(on, off, await instant("secutter document", on.body, dir));
    for (const t of targets) for (let i = 0; i < 50; i++) await t.ec2.send(new DescribeInstancesCommand({}));
    // The pair's difference is tens of µs: both have run their authorization path (or not) until V8 has optimized it.
    for (let i = 0; i < 500; i++) for (const t of [on, off]) await t.ec2.send(new DescribeInstancesCommand({}));
    const p50s = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const p90s = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const describe = (t: Target) => t.ec2.send(new DescribeInstancesCommand({}));
    const record = (t: Target, times: number[]) => {
      p50s.get(t.name)?.push(percentile(times, 50));
      p90s.get(t.name)?.push(percentile(times, 90));
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        if (t === off) continue;
        if (t !== on) {
          record(t, await timeCalls(N, () => describe(t)));
          continue;
        }
        // The secutter pair call by call, the first of each pair alternating by round: load that comes and goes on a
        // shared machine falls on both alike.
        const [first, second] = r % 2 ? [off, on] : [on, off];
        const times: [number[], number[]] = [[], []];
        for (let i = 0; i < N; i++) {
          times[0].push((await timeCalls(1, () => describe(first)))[0]);
          times[1].push((await timeCalls(1, () => describe(second)))[0]);
        }
        record(first, times[0]);
        record(second, times[1]);
      }
    }
    const median = (xs: number[]) => percentile(xs, 50);
    const baselineOf = (name: string) => targets.find((t) => t.name === name)?.baseline ?? "";
    /** The server's time in each round (its p50 minus its document's baseline p50 of the same round). */
    const serverTimes = (name: string) => (p50s.get(name) ?? []).map((x, i) => Math.max(0.01, x - (p50s.get(baselineOf(name)) ?? [])[i]));
    const rows = [
      [
        `DescribeInstances, ${ROUNDS} rounds of ${N} calls in turn`,
        "round trip p50",
        "p90",
        "SDK overhead p50 (instant server, same document)",
        "server time p50 (median of rounds)",
      ],
    ];
    const labels: [string, string][] = [
      ["ir-range", "ir-range (basic, ir-range start)"],
      ["moto_server", "moto_server"],
      ["secutter, authorization on", "ir-range secutter responder, IAM authorization on (calls in turn with off)"],
      ["secutter, authorization off", "ir-range secutter responder, IAM authorization off"],
    ];
    for (const [name, label] of labels) {
      if (!p50s.has(name)) {
        rows.push([label, motoNote, "", "", ""]);
        continue;
      }
      rows.push([
        label,
        ms(median(p50s.get(name) ?? [])),
        ms(median(p90s.get(name) ?? [])),
        ms(median(p50s.get(baselineOf(name)) ?? [])),
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
    // The same document and the same launcher on both sides: the difference of their round trips is authorization's.
    const withAuthz = p50s.get("secutter, authorization on") ?? [];
    const without = p50s.get("secutter, authorization off") ?? [];
    const added = withAuthz.map((x, i) => (x - without[i]) * 1000);
    out += `\nIAM authorization adds ${us(median(added))} to DescribeInstances on secutter over loopback (median of rounds' p50 on − off, target ≤50 µs: ${median(added) <= 50 ? "met" : "NOT met"}; round by round ${added.map((x) => x.toFixed(0)).join(", ")} µs)`;
    return out;
  } finally {
    for (const t of targets) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) console.log(await benchDescribe());
