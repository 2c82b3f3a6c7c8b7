/** Small timing helpers for `npm run bench`: medians and percentiles over repeated calls, and child servers. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export async function timeCalls(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * A synchronous call's cost in µs: median and p95 over batches (one batch's mean is one sample, above the timer's
 * resolution), after a warm-up that lets V8 optimize it.
 */
export function microTimes(call: () => unknown, batches = 300, perBatch = 200): { median: number; p95: number } {
  for (let i = 0; i < 2000; i++) call();
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    for (let i = 0; i < perBatch; i++) call();
    samples.push(((performance.now() - t) * 1000) / perBatch);
  }
  return { median: percentile(samples, 50), p95: percentile(samples, 95) };
}

export const us = (x: number) => `${x.toFixed(1)} µs`;

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const ms = (x: number) => `${x.toFixed(2)} ms`;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Polls fn until it resolves truthy or the deadline passes. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("timed out");
}

export function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.on("exit", () => resolve());
    proc.kill("SIGTERM");
  });
}

export function spawnQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(cmd, args, { env: { ...process.env, ...env }, stdio: "ignore" });
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}

/** A small seeded PRNG (mulberry32): benchmark data is the same on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * IAM state for a benchmark scenario's account: its user `bench` (writeBenchScenario's principal) is an
 * administrator, as basic's responder is, so every call is authorized as a real one would be and allowed.
 */
export function benchIam(accountId: string, accessKeyId: string, principalId: string): Record<string, unknown> {
  const bench = {
    Path: "/",
    UserName: "bench",
    UserId: principalId,
    Arn: `arn:aws:iam::${accountId}:user/bench`,
    CreateDate: "2026-01-01T00:00:00Z",
    AccessKeys: [{ UserName: "bench", AccessKeyId: accessKeyId, Status: "Active", CreateDate: "2026-01-01T00:00:00Z" }],
    InlinePolicies: {},
    AttachedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"],
    Groups: [],
  };
  return { users: { bench }, roles: {}, groups: {}, policies: {}, instanceProfiles: {} };
}

/**
 * Writes a throwaway scenario under `recordings/<name>/` whose generator module has the given source
 * (TypeScript, loaded through tsx: the folder is marked as ESM for it).
 */
export function writeBenchScenario(
  recordings: string,
  s: { name: string; accountId: string; credentials: { accessKeyId: string }; principalId: string; generator: string },
): void {
  const dir = join(recordings, s.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "briefing.md"), "benchmark account\n");
  writeFileSync(join(dir, "package.json"), '{"type":"module"}\n');
  writeFileSync(join(dir, "generate.ts"), s.generator);
  writeFileSync(
    join(dir, "scenario.json"),
    JSON.stringify({
      name: s.name,
      title: { en: "benchmark", ja: "ベンチマーク" },
      accountId: s.accountId,
      homeRegion: "us-east-1",
      regions: ["us-east-1"],
      recordedDiscovery: "2026-01-01T00:00:00Z",
      credentials: [
        {
          label: "responder",
          accessKeyId: s.credentials.accessKeyId,
          principal: { type: "IAMUser", accountId: s.accountId, arn: `arn:aws:iam::${s.accountId}:user/bench`, principalId: s.principalId, userName: "bench" },
        },
      ],
      briefing: { en: "briefing.md", ja: "briefing.md" },
      generator: "generate.ts",
    }),
  );
}
