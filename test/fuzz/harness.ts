/**
 * The fuzz harness: one case is an operation of one of the nine services with an input generated from its SDK schema,
 * a list of mutations and a way of signing. The real SDK client serializes and signs the input; its request handler
 * (ours) mutates that wire request, signs it again or not, sends it over node:http to the range, and hands the answer
 * back to the SDK to deserialize. The answer is then judged (shapes.ts) and counted.
 */
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest, HttpResponse } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import type { SchemaModule } from "../../emulator/core/service.ts";
import { type OperationSchemas, operationsOf } from "../../emulator/protocols/schema.ts";
import { allServices } from "../../emulator/services/index.ts";
import { dictionaryOf, InputArbitraries } from "./arbitraries.ts";
import {
  type AuthMutation,
  applyAuth,
  applyContent,
  authMutation,
  badBase64,
  badTimestamp,
  type ContentMutation,
  contentMutation,
  frameAwsChunked,
  replaceSentinels,
  type Signing,
  sendableHeaders,
  signing,
  type WireDraft,
} from "./mutations.ts";
import { type Answerer, answerers, judgeError, judgeSuccess, type Protocol, type Received, type SentRequest, type ServiceInfo } from "./shapes.ts";

export interface FuzzCase {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  content: ContentMutation[];
  signing: Signing;
  auth: AuthMutation[];
  badTimestamp: string | null;
  badBase64: string | null;
}

export type FailureKind = "5xx" | "wrong-shape" | "bad-success" | "transport" | "pollution";

export interface Failure {
  kind: FailureKind;
  detail: string;
  case: FuzzCase;
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  response?: { status: number; headers: Record<string, string>; body: string };
}

export interface Target {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

interface ServiceFixture {
  info: ServiceInfo;
  implemented: string[];
  all: string[];
  mod: SchemaModule;
  ops: Map<string, OperationSchemas>;
  client: { send(command: unknown, options?: unknown): Promise<unknown> };
}

export class Stats {
  cases = 0;
  requests = 0;
  /** Cases the SDK refused to serialize (a wrong-typed member, a bucket name its endpoint rules reject) or node:http to send. */
  unserializable = 0;
  byStatus = new Map<number, number>();
  fiveXx = 0;
  notImplemented501 = 0;
  wrongShape = 0;
  badSuccess = 0;
  transport = 0;
  /** Requests after which Object.prototype or Array.prototype had new properties (in-process runs only). */
  pollution = 0;
  failures: Failure[] = [];
  /** Distinct failure signatures (kind, service, operation, status, code), with a count each. */
  signatures = new Map<string, number>();

  record(f: Failure, signature: string): void {
    const n = this.signatures.get(signature) ?? 0;
    this.signatures.set(signature, n + 1);
    // One example of each signature is kept, and at most 200 in all.
    if (n === 0 && this.failures.length < 200) this.failures.push(f);
  }

  get failureCount(): number {
    return this.fiveXx + this.wrongShape + this.badSuccess + this.transport + this.pollution;
  }
}

/** At most this much of a body is kept for a failure report. */
const SHOW = 2000;

const show = (b: Buffer) => {
  const s = b.subarray(0, SHOW).toString("utf8");
  return JSON.stringify(b.length > SHOW ? `${s}…(${b.length} bytes)` : s).slice(1, -1);
};

/** A string with each lone surrogate replaced (what UTF-8 percent-encoding would send anyway). */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
const escapeUri = (s: string) => encodeURIComponent(wellFormed(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function queryString(q: [string, string | null][]): string {
  return q.map(([k, v]) => (v === null ? escapeUri(k) : `${escapeUri(k)}=${escapeUri(v)}`)).join("&");
}

function queryRecord(q: [string, string | null][]): Record<string, string | string[] | null> {
  const out: Record<string, string | string[] | null> = {};
  for (const [k0, v0] of q) {
    const k = wellFormed(k0);
    const v = v0 === null ? null : wellFormed(v0);
    const had = out[k];
    if (had === undefined) out[k] = v;
    else out[k] = [...(Array.isArray(had) ? had : [had ?? ""]), v ?? ""];
  }
  return out;
}

export interface Harness {
  target: Target;
  services: ServiceFixture[];
  infos: ServiceInfo[];
  stats: Stats;
  arbitrary: fc.Arbitrary<FuzzCase>;
  run(c: FuzzCase): Promise<boolean>;
  /** The requests sent and not yet answered, and the last few sent (what a server that died was doing). */
  inFlight(): { inFlight: string[]; recent: string[] };
  close(): void;
}

/** Mutable context of one case, handed to the request handler through the SDK's handler options. */
interface CaseContext {
  c: FuzzCase;
  fixture: ServiceFixture;
  sent?: SentRequest;
  received?: Received;
  guarded: boolean;
  mutated: boolean;
  /** The method the SDK used (a HEAD answer to a request the SDK sent as POST has no body for it to read). */
  sdkMethod?: string;
  transportError?: string;
}

export interface HarnessOptions {
  scenarioState?: string;
  concurrency?: number;
  /** Counts carried over (a restarted server's harness goes on counting). */
  stats?: Stats;
  /** The server runs in this process: after each request, check that no prototype was polluted. */
  checkPrototypes?: boolean;
  /** How long an answer may take before the request counts as a transport failure (30 s). */
  requestTimeoutMs?: number;
}

const PROTOTYPES: [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["String.prototype", String.prototype],
  ["Function.prototype", Function.prototype],
];

/** New own properties of the built-in prototypes since `baseline`, removed again; their names. */
function unpollute(baseline: Map<object, Set<string | symbol>>): string[] {
  const found: string[] = [];
  for (const [name, proto] of PROTOTYPES) {
    for (const key of Reflect.ownKeys(proto)) {
      if (baseline.get(proto)?.has(key)) continue;
      found.push(`${name}.${String(key)}`);
      delete (proto as Record<string | symbol, unknown>)[key];
    }
  }
  return found;
}

export async function createHarness(target: Target, opts: HarnessOptions = {}): Promise<Harness> {
  const stats = opts.stats ?? new Stats();
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, opts.concurrency ?? 1) * 2 });
  const url = new URL(target.url);
  const state = JSON.parse(readFileSync(opts.scenarioState ?? new URL("../../recordings/basic/state.json", import.meta.url), "utf8")) as unknown;
  const services: ServiceFixture[] = [];
  const defs = allServices();
  const mods = await Promise.all(defs.map((d) => d.schemas()));
  const dictionary = dictionaryOf(state, mods, [
    "basic-evidence",
    "notes/readme.txt",
    target.region,
    "us-east-1",
    target.credentials.accessKeyId,
    "arn:aws:iam::123456789012:role/fuzz",
    "s3://basic-evidence/athena-results/",
    "SELECT 1",
    "default",
  ]);
  const arbs = new InputArbitraries({ dictionary });
  for (const [i, def] of defs.entries()) {
    const mod = mods[i];
    const ops = operationsOf(mod);
    const info: ServiceInfo = {
      id: def.id,
      signingName: def.signingName,
      protocol: def.protocol as Protocol,
      targetPrefix: def.targetPrefix,
      version: def.version,
    };
    const ClientClass = Object.entries(mod).find(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")?.[1] as new (
      config: unknown,
    ) => ServiceFixture["client"];
    const fixture: ServiceFixture = {
      info,
      mod,
      ops,
      implemented: [...ops.keys()].filter((n) => def.operations[n] !== undefined).sort(),
      all: [...ops.keys()].sort(),
      client: undefined as never,
    };
    fixture.client = new ClientClass({
      endpoint: target.url,
      region: target.region,
      credentials: target.credentials,
      forcePathStyle: true,
      maxAttempts: 1,
      disableS3ExpressSessionAuth: true,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      requestHandler: {
        handle: (req: HttpRequest, options: { fuzz?: CaseContext }) => handle(req, options.fuzz as CaseContext),
        updateHttpClientConfig() {},
        httpHandlerConfigs: () => ({}),
      },
    });
    services.push(fixture);
  }
  const infos = services.map((s) => s.info);

  const signerFor = (service: string, credentials: Target["credentials"]) =>
    new SignatureV4({ credentials, region: target.region, service, sha256: Sha256, uriEscapePath: service !== "s3", applyChecksum: false });

  async function sign(d: WireDraft, ctx: CaseContext, original: HttpRequest): Promise<WireDraft> {
    const s = ctx.c.signing;
    const scope = /Credential=[^/]+\/\d{8}\/([^/]*)\/([^/]*)\//.exec(original.headers.authorization ?? "");
    const service = scope?.[2] ?? ctx.fixture.info.signingName;
    const region = scope?.[1] ?? target.region;
    if (s.m === "stale" || (s.m === "keep" && !ctx.mutated)) return d;
    if (s.m === "resign" && !ctx.mutated) return d;
    delete d.headers.authorization;
    delete d.headers["x-amz-date"];
    delete d.headers["x-amz-security-token"];
    if (s.m === "none") return d;
    const sha = d.headers["x-amz-content-sha256"];
    if (sha !== undefined && /^[0-9a-f]{64}$/.test(sha) && !ctx.c.content.some((m) => m.k === "setHeader" && m.name === "x-amz-content-sha256")) {
      const h = new Sha256();
      h.update(d.body);
      d.headers["x-amz-content-sha256"] = Buffer.from(await h.digest()).toString("hex");
    }
    const creds =
      s.m === "badKey"
        ? { accessKeyId: "AKIAFUZZNOSUCHKEY000", secretAccessKey: "fuzz" }
        : s.m === "badSecret"
          ? { ...target.credentials, secretAccessKey: "not-the-secret" }
          : target.credentials;
    const signer = signerFor(service, creds);
    const req = new HttpRequest({
      method: d.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: d.path,
      query: queryRecord(d.query),
      headers: { ...d.headers },
      body: d.body,
    });
    const signed = await signer.sign(req, {
      signingDate: s.m === "skew" ? new Date(Date.now() + s.minutes * 60_000) : new Date(),
      signingRegion: s.m === "region" ? s.region : region,
      signingService: s.m === "service" ? s.name : service,
    });
    return { ...d, headers: signed.headers as Record<string, string> };
  }

  function send(d: WireDraft): Promise<Received> {
    return new Promise<Received>((resolve, reject) => {
      const qs = queryString(d.query);
      const headers = { ...d.headers };
      // A body without a Content-Length goes chunked, as a client must frame it (node:http does so only for some methods).
      const chunks = d.chunks ?? (headers["content-length"] === undefined && d.body.length > 0 ? [d.body.length] : undefined);
      if (chunks) {
        delete headers["content-length"];
        headers["transfer-encoding"] = "chunked";
      }
      const req = httpRequest(
        { host: url.hostname, port: Number(url.port), method: d.method, path: `${d.path}${qs ? `?${qs}` : ""}`, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(",") : v;
            resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
      req.on("error", reject);
      if (chunks && d.body.length > 0) {
        let pos = 0;
        let i = 0;
        while (pos < d.body.length) {
          const n = chunks[i++ % chunks.length];
          req.write(d.body.subarray(pos, pos + n));
          pos += n;
        }
        req.end();
      } else req.end(d.body.length > 0 ? d.body : undefined);
    });
  }

  async function handle(original: HttpRequest, ctx: CaseContext): Promise<{ response: HttpResponse }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(original.headers)) headers[k.toLowerCase()] = v;
    const query: [string, string | null][] = [];
    for (const [k, v] of Object.entries(original.query ?? {})) {
      for (const x of Array.isArray(v) ? v : [v]) query.push([k, x ?? null]);
    }
    const b = original.body as unknown;
    const body =
      b === undefined || b === null
        ? Buffer.alloc(0)
        : typeof b === "string"
          ? Buffer.from(b)
          : b instanceof Uint8Array
            ? Buffer.from(b.buffer, b.byteOffset, b.byteLength)
            : await streamBytes(b as Readable);
    let d: WireDraft = { method: original.method, path: original.path, query, headers, body };
    ctx.sdkMethod = original.method;
    const c = ctx.c;
    // A ContentLength member the body does not have would leave the server waiting for bytes that never come.
    const lengthWrong = headers["content-length"] !== undefined && headers["content-length"] !== String(body.length);
    if (lengthWrong || (body.length > 0 && headers["content-length"] === undefined)) headers["content-length"] = String(body.length);
    for (const m of c.content) applyContent(d, m);
    replaceSentinels(d, c.badTimestamp, c.badBase64);
    frameAwsChunked(d);
    const before = JSON.stringify(d.headers);
    sendableHeaders(d);
    ctx.mutated = lengthWrong || before !== JSON.stringify(d.headers) || c.content.length > 0 || c.badTimestamp !== null || c.badBase64 !== null;
    d = await sign(d, ctx, original);
    for (const m of c.auth) applyAuth(d, m);
    sendableHeaders(d);
    ctx.mutated ||= c.auth.length > 0 || c.signing.m !== "resign";
    // Refused by the local-only guard: another Host (the SDK's host prefixes too: "{RequestRoute}.127.0.0.1") or Origin.
    ctx.guarded = c.auth.some((m) => m.k === "guard") || d.headers.host !== url.host;
    ctx.sent = { method: d.method, path: d.path, query: d.query, headers: d.headers, body: d.decodedBody ?? d.body };
    stats.requests++;
    let received: Received;
    inflight.add(ctx.sent);
    recent.push(ctx.sent);
    if (recent.length > 8) recent.shift();
    try {
      received = await send(d);
    } catch (e) {
      ctx.transportError = `${(e as { code?: string }).code ?? ""} ${(e as Error).message}`;
      throw e;
    } finally {
      inflight.delete(ctx.sent);
    }
    ctx.received = received;
    return { response: new HttpResponse({ statusCode: received.status, headers: received.headers, body: Readable.from([received.body]) }) };
  }

  const perService = services.map((f) => {
    const opArb = fc.oneof(
      { arbitrary: fc.constantFrom(...(f.implemented.length > 0 ? f.implemented : f.all)), weight: 4 },
      { arbitrary: fc.constantFrom(...f.all), weight: 1 },
    );
    return opArb.chain((operation) =>
      fc.record({
        service: fc.constant(f.info.id),
        operation: fc.constant(operation),
        input: arbs.input((f.ops.get(operation) as OperationSchemas).input),
      }),
    );
  });

  const arbitrary: fc.Arbitrary<FuzzCase> = fc
    .tuple(
      fc.oneof(...perService),
      fc.oneof(
        { arbitrary: fc.constant([] as ContentMutation[]), weight: 4 },
        { arbitrary: fc.array(contentMutation, { minLength: 1, maxLength: 3 }), weight: 5 },
      ),
      fc.oneof({ arbitrary: fc.constant<Signing>({ m: "resign" }), weight: 3 }, { arbitrary: signing, weight: 1 }),
      fc.oneof({ arbitrary: fc.constant([] as AuthMutation[]), weight: 12 }, { arbitrary: fc.array(authMutation, { minLength: 1, maxLength: 2 }), weight: 1 }),
      fc.option(badTimestamp, { freq: 2 }),
      fc.option(badBase64, { freq: 2 }),
    )
    .map(([op, content, sig, auth, ts, b64]) => ({ ...op, content, signing: sig, auth, badTimestamp: ts, badBase64: b64 }))
    // Huge lists inside huge lists would serialize to gigabytes: such a case is left out (a huge one stays in).
    .filter((c) => weight(c.input, MAX_INPUT_WEIGHT) < MAX_INPUT_WEIGHT);

  const byId = new Map(services.map((s) => [s.info.id, s]));
  const baseline = new Map(PROTOTYPES.map(([, p]) => [p, new Set(Reflect.ownKeys(p))]));
  const inflight = new Set<SentRequest>();
  const recent: SentRequest[] = [];

  async function run(c: FuzzCase): Promise<boolean> {
    stats.cases++;
    const fixture = byId.get(c.service) as ServiceFixture;
    const ctx: CaseContext = { c, fixture, guarded: false, mutated: false };
    const Command = fixture.mod[`${c.operation}Command`] as new (input: unknown) => unknown;
    let sdkError: (Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) | undefined;
    try {
      await fixture.client.send(new Command(structuredCloneSafe(c.input)), { fuzz: ctx });
    } catch (e) {
      sdkError = e as typeof sdkError;
    }
    // Refused on this side: by the SDK's serializer or endpoint rules, or by node:http (a header name that is no token).
    if (!ctx.sent || (ctx.transportError && /ERR_INVALID_CHAR|ERR_INVALID_HTTP_TOKEN|Invalid character|valid HTTP token/.test(ctx.transportError))) {
      stats.unserializable++;
      return true;
    }
    const sent = ctx.sent;
    const shownRequest = {
      method: sent.method,
      path: sent.path + (sent.query.length ? `?${queryString(sent.query)}` : ""),
      headers: sent.headers,
      body: show(sent.body),
    };
    const fail = (kind: FailureKind, detail: string, signature: string, res?: Received): false => {
      if (kind === "5xx") stats.fiveXx++;
      else if (kind === "wrong-shape") stats.wrongShape++;
      else if (kind === "bad-success") stats.badSuccess++;
      else stats.transport++;
      stats.record(
        { kind, detail, case: c, request: shownRequest, response: res && { status: res.status, headers: res.headers, body: show(res.body) } },
        `${kind} ${c.service} ${signature}`,
      );
      return false;
    };
    if (opts.checkPrototypes) {
      const polluted = unpollute(baseline);
      if (polluted.length > 0) {
        stats.pollution++;
        stats.record(
          {
            kind: "pollution",
            detail: `the request added ${polluted.join(", ")}`,
            case: c,
            request: shownRequest,
            response: ctx.received && { status: ctx.received.status, headers: ctx.received.headers, body: show(ctx.received.body) },
          },
          `pollution ${c.service} ${c.operation} ${polluted.join(",")}`,
        );
        return false;
      }
    }
    const res = ctx.received;
    if (!res) return fail("transport", ctx.transportError ?? String(sdkError), `${ctx.transportError ?? "no response"}`);
    stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
    const who: Answerer[] = answerers(sent, infos, ctx.guarded);
    if (res.status >= 300) {
      const verdict = judgeError(sent, res, who);
      const own = who.length === 1 && who[0].kind === "service" && who[0].service.id === c.service;
      if (res.status >= 500) {
        if (
          res.status === 501 &&
          (verdict.code === "NotImplemented" || (sent.method === "HEAD" && verdict.code === "HTTP501")) &&
          who.some((a) => a.kind === "service" && a.service.protocol === "restXml")
        ) {
          stats.notImplemented501++;
        } else return fail("5xx", verdict.problem ?? `${res.status} ${verdict.code}`, `${c.operation} ${res.status} ${verdict.code ?? "?"}`, res);
      }
      if (verdict.problem) return fail("wrong-shape", verdict.problem, `${c.operation} ${res.status} ${firstWords(verdict.problem)}`, res);
      // The real SDK must read it as a service error of that status (not a deserialization failure).
      if (
        own &&
        !(sent.method === "HEAD" && ctx.sdkMethod !== "HEAD") &&
        (!sdkError || sdkError.$metadata?.httpStatusCode !== res.status || /Deserialization error|XML parse error/i.test(sdkError.message))
      ) {
        return fail(
          "wrong-shape",
          `the SDK read it as ${sdkError ? `${sdkError.name}: ${sdkError.message.split("\n")[0]}` : "a success"}`,
          `${c.operation} ${res.status} sdk`,
          res,
        );
      }
      return true;
    }
    const served = who.find((a): a is Extract<Answerer, { kind: "service" }> => a.kind === "service");
    const problem = served ? judgeSuccess(res, served.service.protocol) : undefined;
    if (problem) return fail("bad-success", problem, `${c.operation} ${res.status} ${firstWords(problem)}`, res);
    // An unmutated request's answer must be readable by the SDK that sent it.
    if (!ctx.mutated && sdkError && served?.service.id === c.service) {
      return fail(
        "bad-success",
        `the SDK could not read the answer: ${sdkError.name}: ${sdkError.message.split("\n")[0]}`,
        `${c.operation} ${res.status} sdk`,
        res,
      );
    }
    return true;
  }

  const describe = (r: SentRequest) =>
    compact(`${r.method} ${r.path}${r.query.length ? `?${queryString(r.query)}` : ""} ${JSON.stringify(r.headers)}\n  ${show(r.body)}`);
  const inFlight = () => ({ inFlight: [...inflight].map(describe), recent: recent.map(describe) });
  return { target, services, infos, stats, arbitrary, run, inFlight, close: () => agent.destroy() };
}

/** The most a generated input may weigh (values plus characters and bytes, as serialized: shared items count each time). */
const MAX_INPUT_WEIGHT = 4_000_000;

/** What a value weighs once serialized, counted up to `limit`. */
function weight(v: unknown, limit: number): number {
  let total = 0;
  const walk = (x: unknown): void => {
    if (total >= limit) return;
    total += 1;
    if (typeof x === "string") total += x.length;
    else if (x instanceof Uint8Array) total += x.length;
    else if (Array.isArray(x)) for (const y of x) walk(y);
    else if (x && typeof x === "object" && !(x instanceof Date)) for (const y of Object.values(x)) walk(y);
  };
  walk(v);
  return total;
}

function firstWords(s: string): string {
  return s.replace(/[0-9]+/g, "N").slice(0, 60);
}

async function streamBytes(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Inputs are reused when fast-check shrinks; the SDK may write into them (idempotency tokens). */
function structuredCloneSafe<T>(v: T): T {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

/** A readable one-line summary of the figures. */
export function summary(stats: Stats): string {
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  return [
    `cases ${stats.cases}, requests ${stats.requests}, unserializable by the SDK ${stats.unserializable}`,
    `5xx ${stats.fiveXx} (besides ${stats.notImplemented501} S3 501 NotImplemented), wrong-shape errors ${stats.wrongShape}, unreadable successes ${stats.badSuccess}, transport failures ${stats.transport}${stats.pollution ? `, prototype pollutions ${stats.pollution}` : ""}`,
    `statuses ${statuses.join(" ")}`,
  ].join("\n");
}

/** Long runs of one character shown as "x×16000", and every line cut at 1500 characters, for readable reports. */
export function compact(s: string): string {
  return s
    .replace(/(.)\1{39,}/gu, (run, c: string) => `${c}×${[...run].length}`)
    .split("\n")
    .map((l) => (l.length > 1500 ? `${l.slice(0, 1500)}…(${l.length} chars)` : l))
    .join("\n");
}

/** Every distinct failure with one example request and response. */
export function failureReport(stats: Stats): string {
  const lines: string[] = [];
  for (const [sig, n] of [...stats.signatures.entries()].sort((a, b) => b[1] - a[1])) lines.push(`${n}× ${sig}`);
  for (const f of stats.failures.slice(0, 40)) {
    lines.push(
      "",
      `[${f.kind}] ${f.case.service}.${f.case.operation}: ${f.detail}`,
      `  case: ${fc.stringify(f.case)}`,
      `  request: ${f.request.method} ${f.request.path}`,
      `  request headers: ${JSON.stringify(f.request.headers)}`,
      `  request body: ${f.request.body}`,
      f.response ? `  response: ${f.response.status} ${JSON.stringify(f.response.headers)}\n  response body: ${f.response.body}` : "  (no response)",
    );
  }
  return compact(lines.join("\n"));
}
