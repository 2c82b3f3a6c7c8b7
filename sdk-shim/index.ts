/**
 * Run unmodified @aws-sdk/client-* code against ir-range: `clientConfig` for a running server, and
 * `startInProcess` which routes the SDK's requests to *.amazonaws.com into the emulator with msw — no port.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { loadScenario } from "../emulator/scenario/loader.ts";
import { createEmulator, type Emulator } from "../emulator/server/app.ts";
import { fromFetch, responseParts } from "../emulator/server/http-wire.ts";
import { responderCredential } from "../emulator/state/install-credentials.ts";
import { defaultStateDir } from "../emulator/state/state-dir.ts";

export interface ShimCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientConfig {
  region: string;
  credentials: ShimCredentials;
  /** Set for a running server; absent in-process, where the SDK's real AWS endpoints are intercepted. */
  endpoint?: string;
  /** S3 path-style addressing: needed for a local endpoint (bucket.localhost does not resolve). */
  forcePathStyle: boolean;
  maxAttempts: number;
}

/**
 * Config for SDK clients talking to a running `ir-range start` (default http://127.0.0.1:4566). The keys are the
 * responder's of the server's state directory (`stateDir`, default .ir-range/<scenario> or IR_RANGE_STATE_DIR, as
 * `ir-range start` uses), whose secret each installation makes; without that directory, the AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY that `eval "$(ir-range env)"` exported.
 */
export function clientConfig(opts: { scenario?: string; endpoint?: string; region?: string; stateDir?: string } = {}): ClientConfig {
  const scenario = opts.scenario ?? "secutter";
  const m = loadScenario(scenario).manifest;
  const dir = opts.stateDir ?? defaultStateDir(scenario);
  const env = process.env;
  let credentials: ShimCredentials;
  if (existsSync(dir)) credentials = responderCredential(dir, m);
  else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
  } else {
    throw new Error(`no ir-range state directory at ${dir} and no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: start the range (npm start) or pass stateDir`);
  }
  return {
    region: opts.region ?? m.homeRegion,
    credentials,
    endpoint: opts.endpoint ?? "http://127.0.0.1:4566",
    forcePathStyle: true,
    maxAttempts: 1,
  };
}

export interface InProcessRange {
  emulator: Emulator;
  /** Client config for the scenario's responder; pass a region to work in another one. */
  config(region?: string): ClientConfig;
  /** Stops intercepting and releases the state directory (removed if the shim created it). */
  close(): Promise<void>;
}

/** Starts a scenario inside this process and intercepts the SDK's calls to AWS with msw. */
export async function startInProcess(opts: { scenario?: string; stateDir?: string; clock?: Date; recordingsDir?: string } = {}): Promise<InProcessRange> {
  const scenario = opts.scenario ?? "secutter";
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "ir-range-shim-"));
  const emulator = await createEmulator({ scenario, stateDir, clock: opts.clock, recordingsDir: opts.recordingsDir });
  const server = setupServer(
    http.all(/^https?:\/\/([a-z0-9-]+\.)*amazonaws\.com(:\d+)?\//, async ({ request }) => {
      const wire = await emulator.handle(await fromFetch(request), { sourceIp: "127.0.0.1" });
      const { body, init } = responseParts(wire, request.method);
      return new HttpResponse(body, init);
    }),
  );
  // Anything not bound for AWS is an error, never silently let out.
  server.listen({ onUnhandledRequest: "error" });
  const credentials = emulator.runtime.responder();
  const home = emulator.runtime.manifest.homeRegion;
  return {
    emulator,
    config: (region = home) => ({ region, credentials, forcePathStyle: true, maxAttempts: 1 }),
    close: async () => {
      server.close();
      await emulator.close();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
