/**
 * Run unmodified @aws-sdk/client-* code against ir-range: `clientConfig` for a running server, and
 * `startInProcess` which routes the SDK's requests to *.amazonaws.com into the emulator with msw — no port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { loadScenario } from "../emulator/scenario/loader.ts";
import { createEmulator, type Emulator } from "../emulator/server/app.ts";
import { fromFetch, responseParts } from "../emulator/server/http-wire.ts";

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

function responder(scenario: string, recordingsDir?: string): { region: string; credentials: ShimCredentials } {
  const m = loadScenario(scenario, recordingsDir).manifest;
  const c = m.credentials.find((x) => x.label === m.responder) ?? m.credentials[0];
  return { region: m.homeRegion, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken } };
}

/** Config for SDK clients talking to a running `ir-range start` (default http://127.0.0.1:4566). */
export function clientConfig(opts: { scenario?: string; endpoint?: string; region?: string } = {}): ClientConfig {
  const r = responder(opts.scenario ?? "secutter");
  return {
    region: opts.region ?? r.region,
    credentials: r.credentials,
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
  const r = responder(scenario, opts.recordingsDir);
  return {
    emulator,
    config: (region = r.region) => ({ region, credentials: r.credentials, forcePathStyle: true, maxAttempts: 1 }),
    close: async () => {
      server.close();
      await emulator.close();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
