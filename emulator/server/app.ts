/** The emulator and its HTTP server: AWS calls on node:http (http-wire.ts), the /_ir-range/ routes on express 5. */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Clock } from "../core/clock.ts";
import { snapshotOf } from "../grading/snapshot.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { ServiceRouter } from "../router/service-router.ts";
import { loadScenario } from "../scenario/loader.ts";
import { allServices } from "../services/index.ts";
import { RangeRuntime } from "../state/runtime.ts";
import { type ConnectionInfo, Dispatcher } from "./dispatch.ts";
import { awsListener } from "./http-wire.ts";

export interface EmulatorOptions {
  scenario: string;
  stateDir: string;
  /** The emulator's time at start; time runs on from there. */
  clock?: Date;
  recordingsDir?: string;
  log?: (line: string) => void;
}

export interface Emulator {
  runtime: RangeRuntime;
  dispatcher: Dispatcher;
  router: ServiceRouter;
  /** Handles one request in-process (the sdk-shim uses this without a socket). */
  handle(req: WireRequest, conn?: ConnectionInfo): Promise<WireResponse>;
  close(): Promise<void>;
}

export async function createEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const scenario = loadScenario(opts.scenario, opts.recordingsDir);
  const services = allServices();
  const runtime = await RangeRuntime.open({
    scenario,
    stateDir: opts.stateDir,
    clock: new Clock(opts.clock),
    credentialResolvers: services.flatMap((s) => (s.resolveCredential ? [s.resolveCredential] : [])),
  });
  const log = opts.log ?? (() => {});
  for (const s of services) s.lifecycle?.start?.(runtime, { log });
  const router = new ServiceRouter(services);
  const dispatcher = new Dispatcher(runtime, router, opts.log);
  return {
    runtime,
    dispatcher,
    router,
    handle: (req, conn = { sourceIp: "127.0.0.1" }) => dispatcher.handle(req, conn),
    close: async () => {
      for (const s of services) await s.lifecycle?.stop?.(runtime);
      await runtime.close();
    },
  };
}

/** The range's own routes under /_ir-range/ (health, briefing, journal, snapshot, reset). */
export function createApp(emulator: Emulator, info: () => Record<string, unknown>): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.get("/_ir-range/health", (_req, res) => {
    res.json({ status: "ok", ...info() });
  });
  app.get("/_ir-range/briefing", (req, res) => {
    const lang = req.query.lang === "ja" ? "ja" : "en";
    res.type("text/plain; charset=utf-8").send(emulator.runtime.scenario.briefing[lang]);
  });
  app.get("/_ir-range/journal", (_req, res) => {
    res.json({ records: emulator.runtime.journal.records });
  });
  // Everything grading reads, in one consistent read; grading never calls the AWS APIs, so it adds no journal lines.
  app.get("/_ir-range/snapshot", (_req, res) => {
    res.json(snapshotOf(emulator.runtime));
  });
  app.post("/_ir-range/reset", async (_req, res) => {
    await emulator.runtime.reset();
    res.json({ status: "reset", anchor: emulator.runtime.anchor.toISOString() });
  });
  // Any other path under /_ir-range/ is no route of ours: it is answered as an AWS call, as every other path is.
  app.use(awsListener(emulator.handle));
  return app;
}

/** Express routes ignore case, so /_IR-RANGE/health reaches them as it always did. */
const OWN_ROUTES = /^\/_ir-range\//i;

export interface RunningServer {
  url: string;
  port: number;
  emulator: Emulator;
  close(): Promise<void>;
}

export async function startServer(opts: EmulatorOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const emulator = await createEmulator(opts);
  const host = opts.host ?? "127.0.0.1";
  let url = "";
  const m = emulator.runtime.scenario.manifest;
  const app = createApp(emulator, () => ({
    scenario: m.name,
    accountId: m.accountId,
    region: m.homeRegion,
    endpoint: url,
    now: emulator.runtime.clock.now().toISOString(),
    anchor: emulator.runtime.anchor.toISOString(),
  }));
  const aws = awsListener(emulator.handle);
  // AWS calls go straight to the dispatcher; only the range's own routes pay for express.
  const server = createServer((req, res) => (OWN_ROUTES.test(req.url ?? "") ? app(req, res) : aws(req, res)));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 4566, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (e) => {
    await emulator.close();
    throw e;
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  emulator.runtime.setLockInfo({ pid: process.pid, endpoint: url });
  return {
    url,
    port,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          emulator.close().then(resolve);
        });
        server.closeAllConnections();
      }),
  };
}
