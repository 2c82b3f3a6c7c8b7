/**
 * A smithy request handler (what an SDK v3 client sends through) that hands each signed request to a function taking
 * and giving fetch's Request and Response: the range's own clients — the attacker's replay, timeline builds, SSM's
 * steps — talk to the dispatcher in-process this way, never through a socket.
 */
import { Readable } from "node:stream";

/** The request smithy passes a handler. */
export interface SmithyHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The body's bytes, read as bytes: the SDK's JSON body type answers string methods, and Buffer.from(x) would call one. */
const bytesOf = (b: Uint8Array) => Buffer.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/** The fetch Request of a smithy request, with `headers` set over the SDK's own. */
export async function fetchRequestOf(request: SmithyHttpRequest, headers: Record<string, string> = {}): Promise<Request> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(request.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x ?? "");
  const q = qs.toString();
  const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path}${q ? `?${q}` : ""}`;
  const b = request.body;
  const body =
    b === undefined || b === null || request.method === "GET" || request.method === "HEAD"
      ? undefined
      : typeof b === "string"
        ? b
        : b instanceof Uint8Array
          ? bytesOf(b)
          : Buffer.from(await new Response(b as BodyInit).arrayBuffer());
  return new Request(url, { method: request.method, headers: { ...request.headers, ...headers }, body });
}

/** `set` headers go over the SDK's own on every request (never signed ones: the signature would no longer match). */
export function fetchRequestHandler(send: (request: Request) => Promise<Response>, set: Record<string, string> = {}) {
  return {
    async handle(request: SmithyHttpRequest) {
      const res = await send(await fetchRequestOf(request, set));
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const buf = Buffer.from(await res.arrayBuffer());
      // The shape smithy's HttpResponse.isInstance accepts.
      return { response: { statusCode: res.status, headers, body: Readable.from([buf]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}
