/** The HTTP front: express 5 turns requests into WireRequests for the dispatcher, plus /_ir-range/ routes. */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import express, { type Request, type Response } from "express";
import { Clock } from "../core/clock.ts";
import { snapshotOf } from "../grading/snapshot.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { ServiceRouter } from "../router/service-router.ts";
import { loadScenario } from "../scenario/loader.ts";
import { setAthenaLog } from "../services/athena/engine.ts";
import { attachTrailDelivery, flushTrailDelivery } from "../services/cloudtrail/delivery.ts";
import { allServices } from "../services/index.ts";
import { Runtime } from "../state/runtime.ts";
import { BodyTooLargeError, decodeAwsChunked, isAwsChunked, readBody } from "./body.ts";
import { type ConnectionInfo, Dispatcher } from "./dispatch.ts";

export interface EmulatorOptions {
  scenario: string;
  stateDir: string;
  /** The emulator's time at start; time runs on from there. */
  clock?: Date;
  recordingsDir?: string;
  log?: (line: string) => void;
}

export interface Emulator {
  runtime: Runtime;
  dispatcher: Dispatcher;
  router: ServiceRouter;
  /** Handles one request in-process (the sdk-shim uses this without a socket). */
  handle(req: WireRequest, conn?: ConnectionInfo): Promise<WireResponse>;
  close(): Promise<void>;
}

export async function createEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const scenario = loadScenario(opts.scenario, opts.recordingsDir);
  const services = allServices();
  const runtime = await Runtime.open({
    scenario,
    stateDir: opts.stateDir,
    clock: new Clock(opts.clock),
    credentialResolvers: services.flatMap((s) => (s.resolveCredential ? [s.resolveCredential] : [])),
  });
  attachTrailDelivery(runtime);
  if (opts.log) setAthenaLog(runtime, opts.log);
  const router = new ServiceRouter(services);
  const dispatcher = new Dispatcher(runtime, router, opts.log);
  return {
    runtime,
    dispatcher,
    router,
    handle: (req, conn = { sourceIp: "127.0.0.1" }) => dispatcher.handle(req, conn),
    close: async () => {
      // Records still waiting for a trail's next delivery are written before the state directory is released.
      await flushTrailDelivery(runtime);
      await runtime.close();
    },
  };
}

function toWire(req: Request, body: Buffer): WireRequest {
  const url = req.originalUrl;
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  return {
    method: req.method,
    rawPath: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()],
    headers,
    body: isAwsChunked(headers) ? decodeAwsChunked(body) : body,
  };
}

function send(res: Response, wire: WireResponse, head: boolean): void {
  res.status(wire.status);
  for (const [k, v] of Object.entries(wire.headers)) res.setHeader(k, v);
  if (wire.body instanceof Readable) {
    if (head) {
      wire.body.destroy();
      res.end();
    } else wire.body.pipe(res);
    return;
  }
  const body = typeof wire.body === "string" ? Buffer.from(wire.body) : Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength);
  if (!wire.headers["content-length"]) res.setHeader("content-length", body.length);
  res.end(head ? undefined : body);
}

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
  app.use(async (req, res) => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      res.status(e instanceof BodyTooLargeError ? 413 : 400).end();
      return;
    }
    const remote = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const wire = await emulator.handle(toWire(req, body), { sourceIp: remote });
    send(res, wire, req.method === "HEAD");
  });
  return app;
}

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
  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 4566, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.on("error", reject);
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
