/** The emulator and its HTTP server: AWS calls on node:http (http-wire.ts), the /_ir-range/ routes on express 5. */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import express from "express";
import { replayOnCopy } from "../attacker/on-copy.ts";
import { loadAttackerPlan } from "../attacker/plan.ts";
import { type AttemptResult, replayAttacker } from "../attacker/replay.ts";
import { Clock } from "../core/clock.ts";
import { type GradingSnapshot, snapshotOf } from "../grading/snapshot.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { ServiceRouter } from "../router/service-router.ts";
import { loadScenario } from "../scenario/loader.ts";
import { allServices } from "../services/index.ts";
import { RangeRuntime } from "../state/runtime.ts";
import { ensureAdminToken } from "./admin-token.ts";
import { type ConnectionInfo, Dispatcher } from "./dispatch.ts";
import { adminRefusal, localOnlyGuard, preflightRefusal, type Refusal, refuse } from "./host-guard.ts";
import { awsListener } from "./http-wire.ts";

export interface EmulatorOptions {
  scenario: string;
  stateDir: string;
  /** The emulator's time at start; time runs on from there. */
  clock?: Date;
  recordingsDir?: string;
  log?: (line: string) => void;
  /**
   * IAM authorization of every call (default true). Exists only so that `npm run bench` can measure what
   * authorization costs per request: never set by the CLI, not a user option.
   */
  authorization?: boolean;
}

export interface Emulator {
  runtime: RangeRuntime;
  dispatcher: Dispatcher;
  router: ServiceRouter;
  /** Handles one request in-process (the sdk-shim uses this without a socket). */
  handle(req: WireRequest, conn?: ConnectionInfo): Promise<WireResponse>;
  /** What the range was opened with (a replay opens a copy of the state the same way). */
  options: EmulatorOptions;
  /**
   * What the recording and the services leave until needed, done now, one after another, while the server waits
   * (`ir-range start` calls it once serving): the CloudTrail records, then Athena's tables. Stops at close.
   */
  prepare(): Promise<void>;
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
  const dispatcher = new Dispatcher(runtime, router, opts.log, opts.authorization ?? true);
  let closed = false;
  return {
    runtime,
    dispatcher,
    router,
    handle: (req, conn = { sourceIp: "127.0.0.1" }) => dispatcher.handle(req, conn),
    options: opts,
    prepare: async () => {
      await runtime.prepare();
      for (const s of services) {
        if (closed) return;
        // Work ahead of need: a failure here is the first query's to report, not the server's.
        await s.lifecycle?.prepare?.(runtime).catch((e: Error) => log(`preparing ${s.id} failed: ${e.message}`));
      }
    },
    close: async () => {
      closed = true;
      for (const s of services) await s.lifecycle?.stop?.(runtime);
      await runtime.close();
    },
  };
}

/**
 * The range's own routes under /_ir-range/: health and briefing are open (no secrets); journal, snapshot and reset
 * change state or reveal secrets (every key's SecretAccessKey is in the snapshot) and need the admin token
 * (docs/security.md, "Local-only"). No route answers a CORS preflight.
 */
export function createApp(emulator: Emulator, info: () => Record<string, unknown>, adminToken: string): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  const guarded =
    (check: (req: express.Request) => Refusal | undefined): express.RequestHandler =>
    (req, res, next) => {
      const refused = check(req);
      if (refused) refuse(res, refused);
      else next();
    };
  app.use(guarded(preflightRefusal));
  const admin = guarded((req) => adminRefusal(req, adminToken));
  app.get("/_ir-range/health", (_req, res) => {
    res.json({ status: "ok", ...info() });
  });
  app.get("/_ir-range/briefing", (req, res) => {
    const lang = req.query.lang === "ja" ? "ja" : "en";
    res.type("text/plain; charset=utf-8").send(emulator.runtime.scenario.briefing[lang]);
  });
  app.get("/_ir-range/journal", admin, (req, res, next) => {
    // A page at a time, oldest first: ?limit= (default 1000, at most 10000) and ?next= from the page before. The
    // page is read from disk off the event loop and its lines sent as they are stored (docs/security.md).
    const { limit: rawLimit, next: token } = req.query;
    const limit = rawLimit === undefined ? 1000 : Math.min(Number(rawLimit), 10_000);
    if (!Number.isInteger(limit) || limit < 1 || (token !== undefined && typeof token !== "string")) {
      res.status(400).json({ error: "limit must be a whole number from 1 to 10000; next, the token of the page before" });
      return;
    }
    emulator.runtime.journal.pageLinesAsync(token, limit).then((page) => {
      if (!page) res.status(400).json({ error: "next is not a token of this journal (it was reset, or the token is not ours)" });
      else res.type("application/json").send(`{"records":[${page.lines.join(",")}]${page.next ? `,"next":${JSON.stringify(page.next)}` : ""}}`);
    }, next);
  });
  // Everything grading reads, in one consistent read; grading never calls the AWS APIs, so it adds no journal lines.
  // With the attacker's next moves replayed on a copy of the state: containment is graded by its effect.
  app.get("/_ir-range/snapshot", admin, async (_req, res, next) => {
    try {
      res.json(await gradingSnapshot(emulator));
    } catch (e) {
      next(e);
    }
  });
  // The attacker's next moves (the scenario's attacker.json): GET replays them on a copy of the state and says
  // which containment blocks; POST performs them on this range, journaled, for a debrief (docs/attacker.md).
  app.get("/_ir-range/attacker", admin, async (_req, res, next) => {
    try {
      res.json({ attempts: (await attackerOnCopy(emulator)) ?? [] });
    } catch (e) {
      next(e);
    }
  });
  app.post("/_ir-range/attacker", admin, async (_req, res, next) => {
    try {
      const plan = loadAttackerPlan(emulator.runtime.scenario.dir);
      res.json({ attempts: plan ? await replayAttacker(emulator.runtime, emulator.handle, plan) : [] });
    } catch (e) {
      next(e);
    }
  });
  app.post("/_ir-range/reset", admin, async (_req, res) => {
    await emulator.runtime.reset();
    res.json({ status: "reset", anchor: emulator.runtime.anchor.toISOString() });
  });
  // Any other path under /_ir-range/ is no route of ours: it is answered as an AWS call, as every other path is.
  app.use(awsListener(emulator.handle));
  return app;
}

/**
 * What grading reads of a range in this process (the /_ir-range/snapshot route, in-process graders such as the SDK
 * example's test): the state and journal, and the attacker's next moves replayed on a copy of that state.
 */
export async function gradingSnapshot(emulator: Emulator): Promise<GradingSnapshot> {
  // Taken first: the replay's copy is made after, from the same committed state.
  const snap = snapshotOf(emulator.runtime);
  const attacker = await attackerOnCopy(emulator);
  return attacker ? { ...snap, attacker } : snap;
}

/** The attacker's next moves replayed on a throwaway copy of the range's state; undefined when the scenario has none. */
async function attackerOnCopy(emulator: Emulator): Promise<AttemptResult[] | undefined> {
  const plan = loadAttackerPlan(emulator.runtime.scenario.dir);
  if (!plan) return undefined;
  return replayOnCopy(emulator.runtime.stateDir, plan, async (copyDir) => {
    const copy = await createEmulator({ ...emulator.options, stateDir: copyDir, clock: emulator.runtime.clock.now(), log: () => {} });
    return { runtime: copy.runtime, handle: copy.handle, close: copy.close };
  });
}

/** Express routes ignore case, so /_IR-RANGE/health reaches them as it always did. */
const OWN_ROUTES = /^\/_ir-range\//i;

export interface RunningServer {
  url: string;
  port: number;
  emulator: Emulator;
  /** The state directory's admin token (`<stateDir>/admin-token`), for the admin-only /_ir-range/ routes. */
  adminToken: string;
  close(): Promise<void>;
}

/**
 * How large a request head node:http accepts: well over AWS's own limits, so that a head over those reaches the
 * dispatcher and is refused in its service's shape (dispatch.ts, headTooLarge) rather than by node.
 */
const MAX_HEADER_SIZE = 256 * 1024;

/** How long a socket refused for a malformed or oversized head may still send before it is closed. */
const CLIENT_ERROR_LINGER_MS = 5_000;

const answeredSockets = new WeakSet<Duplex>();

/**
 * A request node:http could not parse (a head over MAX_HEADER_SIZE, bad framing): a short text answer and a close,
 * instead of node's bare status line or a reset. What the client still sends is read and dropped until it stops (or
 * CLIENT_ERROR_LINGER_MS), so the close does not reset the connection before the answer is read.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (answeredSockets.has(socket)) return;
  answeredSockets.add(socket);
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, text] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", `The request line and headers exceed ${MAX_HEADER_SIZE} bytes.`]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "The request was not received in time."]
        : [400, "Bad Request", "The request is not valid HTTP/1.1."];
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  const timer = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", () => {});
  socket.resume();
}

export async function startServer(opts: EmulatorOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const emulator = await createEmulator(opts);
  const host = opts.host ?? "127.0.0.1";
  // Made at the first start of the state directory (its lock is ours now), kept across restarts and resets.
  const adminToken = await Promise.resolve()
    .then(() => ensureAdminToken(opts.stateDir))
    .catch(async (e) => {
      await emulator.close();
      throw e;
    });
  let url = "";
  const m = emulator.runtime.scenario.manifest;
  const app = createApp(
    emulator,
    () => ({
      scenario: m.name,
      accountId: m.accountId,
      region: m.homeRegion,
      endpoint: url,
      // Where the CLI finds the admin token: readable only by the user who started the range.
      stateDir: emulator.runtime.stateDir,
      now: emulator.runtime.clock.now().toISOString(),
      anchor: emulator.runtime.anchor.toISOString(),
    }),
    adminToken,
  );
  const aws = awsListener(emulator.handle);
  // Local-only: a request that does not name this range as its Host, or comes from another web origin, is refused
  // before any route sees it (host-guard.ts).
  const localOnly = localOnlyGuard(host);
  // AWS calls go straight to the dispatcher; only the range's own routes pay for express.
  const server = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => {
    const refused = localOnly(req);
    if (refused) refuse(res, refused);
    else if (OWN_ROUTES.test(req.url ?? "")) app(req, res);
    else aws(req, res);
  });
  server.on("clientError", answerClientError);
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
    adminToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          emulator.close().then(resolve);
        });
        server.closeAllConnections();
      }),
  };
}
