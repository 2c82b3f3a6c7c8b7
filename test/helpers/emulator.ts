/** Test harness: a real server on a random loopback port with a fresh state directory, and the real aws CLI. */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../../emulator/server/app.ts";

export interface TestServer extends RunningServer {
  stateDir: string;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Spread into any @aws-sdk/client-* constructor. */
  sdk: (region?: string) => {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    forcePathStyle: boolean;
    maxAttempts: number;
  };
  /** Environment for the aws CLI pointed at this server. */
  env: NodeJS.ProcessEnv;
  /** Stops the server; the state directory stays unless `remove` is true. */
  stop(remove?: boolean): Promise<void>;
}

export async function startTestServer(opts: { scenario?: string; clock?: string; stateDir?: string; recordingsDir?: string } = {}): Promise<TestServer> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "ir-range-test-"));
  const server = await startServer({
    scenario: opts.scenario ?? "basic",
    stateDir,
    clock: opts.clock ? new Date(opts.clock) : undefined,
    recordingsDir: opts.recordingsDir,
    host: "127.0.0.1",
    port: 0,
  });
  const m = server.emulator.runtime.scenario.manifest;
  const credentials = server.emulator.runtime.responder();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: stateDir,
    AWS_CONFIG_FILE: join(stateDir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(stateDir, "aws-credentials"),
    AWS_ENDPOINT_URL: server.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: m.homeRegion,
    AWS_MAX_ATTEMPTS: "1",
    AWS_PAGER: "",
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
  };
  return {
    ...server,
    stateDir,
    region: m.homeRegion,
    accountId: m.accountId,
    credentials,
    env,
    sdk: (region = m.homeRegion) => ({ endpoint: server.url, region, credentials, forcePathStyle: true, maxAttempts: 1 }),
    stop: async (remove = true) => {
      await server.close();
      if (remove) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Whether the real AWS CLI is on this machine. In CI its absence is a failure, not a skip. */
export const hasAwsCli = (() => {
  const found = spawnSync("aws", ["--version"], { encoding: "utf8" }).status === 0;
  if (!found && process.env.CI === "true") throw new Error("the aws CLI is required in CI (CI=true) but was not found on PATH");
  return found;
})();

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** Runs the real aws CLI against a test server (asynchronously: the server shares this event loop). */
export function aws(server: Pick<TestServer, "env">, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile("aws", args, { env: { ...server.env, ...extraEnv }, encoding: "utf8", timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ status, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}

/** The CLI's JSON output of a call that must succeed (the CLI's stderr in the error otherwise). */
export async function awsJson<T = any>(server: Pick<TestServer, "env">, args: string[]): Promise<T> {
  const r = await aws(server, args);
  if (r.status !== 0) throw new Error(`aws ${args.join(" ")} failed: ${r.stderr}`);
  return r.json<T>();
}
