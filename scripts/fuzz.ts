/**
 * `npm run fuzz`: the long fuzz run (issue #12). Starts `ir-range start --scenario basic --port 0` in a fresh state
 * directory (as a student would), sends it --requests generated and mutated requests (test/fuzz/harness.ts) a few at
 * a time, and prints the figures: requests, 5xx, wrong-shape errors, unreadable successes, transport failures,
 * crashes, the server's RSS before and after, and every distinct failure with one example request and response.
 * Loopback only; bounded by --requests and --max-seconds. Exits non-zero when anything failed.
 *
 *   npm run fuzz -- --requests 100000 --seed 7 --concurrency 4 [--report fuzz-report.json]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { createHarness, type FuzzCase, failureReport, summary, type Target } from "../test/fuzz/harness.ts";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const REQUESTS = Number(arg("requests", "100000"));
const SEED = Number(arg("seed", String(Date.now() % 1_000_000)));
const CONCURRENCY = Math.max(1, Number(arg("concurrency", "4")));
const MAX_SECONDS = Number(arg("max-seconds", "3600"));
const SCENARIO = arg("scenario", "basic");
const REPORT = arg("report", "");
const BATCH = 200;

interface Server {
  child: ChildProcess;
  target: Target;
  stderr: string[];
  exited: Promise<number | null>;
}

/** `ir-range start` on a random loopback port; resolves once it has printed its export lines. */
function startRange(stateDir: string): Promise<Server> {
  const child = spawn(process.execPath, [join(root, "bin/ir-range.js"), "start", "--scenario", SCENARIO, "--port", "0", "--state-dir", stateDir, "--quiet"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    stderr.push(s);
    if (stderr.length > 2000) stderr.splice(0, 1000);
  });
  return new Promise<Server>((resolveStart, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`ir-range start printed no endpoint in 120 s:\n${stderr.join("")}`)), 120_000);
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
      if (env.AWS_ENDPOINT_URL && env.AWS_SECRET_ACCESS_KEY && env.AWS_REGION) {
        clearTimeout(timer);
        resolveStart({
          child,
          stderr,
          exited,
          target: {
            url: env.AWS_ENDPOINT_URL,
            region: env.AWS_REGION,
            credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN },
          },
        });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ir-range start exited (${code}) before serving:\n${stderr.join("")}`));
    });
  });
}

/** Resident set size of a process, from /proc (Linux) or ps. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  return Number.NaN;
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.pid === undefined) return;
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 15_000);
  await server.exited;
  clearTimeout(timer);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), "ir-range-fuzz-"));
  let server = await startRange(stateDir);
  const started = Date.now();
  // Let the range settle (it builds its CloudTrail records a moment after start) before the first figure.
  await new Promise((r) => setTimeout(r, 1500));
  const pid = server.child.pid as number;
  const rssBefore = rssOf(pid);
  let rssMax = rssBefore;
  let rssWarm = Number.NaN;
  let crashes = 0;
  const crashLogs: string[] = [];
  let harness = await createHarness(server.target, { concurrency: CONCURRENCY });
  process.stderr.write(
    `fuzz: seed ${SEED}, ${REQUESTS} requests, concurrency ${CONCURRENCY}, against ${server.target.url} (pid ${pid}, RSS ${mb(rssBefore)})\n`,
  );
  const deadline = started + MAX_SECONDS * 1000;
  let batch = 0;
  let lastInFlight = "";
  let dead = false;
  const watch = (srv: Server, h: typeof harness) =>
    srv.exited.then(() => {
      dead = true;
      const f = h.inFlight();
      lastInFlight = `in flight:\n${f.inFlight.join("\n")}\nlast sent:\n${f.recent.join("\n")}`;
    });
  watch(server, harness);
  let lastReport = Date.now();
  try {
    while (harness.stats.requests < REQUESTS && Date.now() < deadline) {
      const cases: FuzzCase[] = fc.sample(harness.arbitrary, { seed: SEED + batch, numRuns: BATCH });
      batch++;
      let next = 0;
      const worker = async () => {
        while (next < cases.length && harness.stats.requests < REQUESTS && !dead) {
          const c = cases[next++];
          await harness.run(c);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        crashes++;
        crashLogs.push(`exit ${server.child.exitCode ?? server.child.signalCode} in batch ${batch}:\n${server.stderr.join("").slice(-4000)}\n${lastInFlight}`);
        if (crashes >= 5) break;
        // Restarted on the same state directory, as a student would (same credentials, a new port), and fuzzed on.
        harness.close();
        server = await startRange(stateDir);
        harness = await createHarness(server.target, { concurrency: CONCURRENCY, stats: harness.stats });
        dead = false;
        watch(server, harness);
        continue;
      }
      const rss = rssOf(server.child.pid as number);
      rssMax = Math.max(rssMax, rss);
      // After the first requests the range has loaded what it loads once (the SDK schemas, DuckDB for Athena).
      if (Number.isNaN(rssWarm) && harness.stats.requests >= 1000) rssWarm = rss;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        const s = harness.stats;
        process.stderr.write(
          `  ${s.requests} requests, ${((s.requests * 1000) / (Date.now() - started)).toFixed(0)}/s; 5xx ${s.fiveXx}, wrong-shape ${s.wrongShape}, bad successes ${s.badSuccess}, transport ${s.transport}; RSS ${mb(rssOf(server.child.pid as number))}\n`,
        );
      }
    }
    const health = await fetch(`${server.target.url}/_ir-range/health`).then(
      (r) => r.status,
      () => 0,
    );
    const rssAfter = rssOf(server.child.pid as number);
    const seconds = (Date.now() - started) / 1000;
    const internal = [
      ...new Set(
        server.stderr
          .join("")
          .split("\n")
          .filter((l) => l.startsWith("internal error")),
      ),
    ];
    const s = harness.stats;
    const out = [
      "",
      `fuzz seed ${SEED} against ir-range start --scenario ${SCENARIO} (concurrency ${CONCURRENCY})`,
      summary(s),
      `crashes ${crashes}; health after the run ${health}`,
      `server RSS before ${mb(rssBefore)}, after 1000 requests ${mb(rssWarm)}, after ${mb(rssAfter)}, max ${mb(rssMax)}`,
      `duration ${seconds.toFixed(0)} s (${(s.requests / seconds).toFixed(0)} requests/s)`,
      internal.length ? `\nserver log, internal errors (${internal.length} distinct):\n${internal.slice(0, 20).join("\n")}` : "",
      crashLogs.length ? `\ncrashes:\n${crashLogs.join("\n\n")}` : "",
      s.failureCount > 0 ? `\nfailures:\n${failureReport(s)}` : "",
    ].join("\n");
    process.stdout.write(`${out}\n`);
    if (REPORT) {
      writeFileSync(
        REPORT,
        JSON.stringify(
          {
            seed: SEED,
            requests: s.requests,
            cases: s.cases,
            unserializable: s.unserializable,
            fiveXx: s.fiveXx,
            notImplemented501: s.notImplemented501,
            wrongShape: s.wrongShape,
            badSuccess: s.badSuccess,
            transport: s.transport,
            crashes,
            rssBefore,
            rssWarm,
            rssAfter,
            rssMax,
            seconds,
            statuses: Object.fromEntries(s.byStatus),
            signatures: Object.fromEntries(s.signatures),
            failures: s.failures,
            internalErrors: internal,
          },
          null,
          2,
        ),
      );
    }
    process.exitCode = s.failureCount > 0 || crashes > 0 || health !== 200 ? 1 : 0;
  } finally {
    harness.close();
    await stop(server);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
