/**
 * SDK v3 clients that talk to the range in this process: the SDK signs and serializes a real request, the range's
 * dispatcher authenticates, authorizes, handles and journals it, from the address the caller says. The attacker's
 * replay and timeline builds call the range this way.
 */
import { Readable } from "node:stream";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { fromFetch, responseParts } from "./http-wire.ts";

/** The body's bytes, read as bytes: the SDK's JSON body type answers string methods, and Buffer.from(x) would call one. */
const bytesOf = (b: Uint8Array) => Buffer.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

export type Handle = (req: WireRequest, conn: { sourceIp: string }) => Promise<WireResponse>;

/** A smithy request handler that hands the SDK's signed request to the range in-process, from the attacker's address. */
export function inProcessHandler(handle: Handle, sourceIp: string, userAgent?: string) {
  return {
    async handle(request: {
      method: string;
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      query?: Record<string, string | string[] | null>;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x ?? "");
      const q = qs.toString();
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path}${q ? `?${q}` : ""}`;
      const body =
        request.body === undefined || request.body === null ? undefined : typeof request.body === "string" ? request.body : bytesOf(request.body as Uint8Array);
      // The caller's own client string, whole: the SDK's adds this machine's OS and Node version, which a recording
      // must not depend on (User-Agent is never signed; x-amz-user-agent is, and CloudTrail does not record it).
      const headers = userAgent === undefined ? request.headers : { ...request.headers, "user-agent": userAgent };
      const wire = await handle(await fromFetch(new Request(url, { method: request.method, headers, body })), { sourceIp });
      const { body: out, init } = responseParts(wire, request.method);
      const buf =
        out === null
          ? Buffer.alloc(0)
          : typeof out === "string" || Buffer.isBuffer(out)
            ? Buffer.from(out)
            : Buffer.from(await new Response(out).arrayBuffer());
      // The shape smithy's HttpResponse.isInstance accepts.
      return { response: { statusCode: init.status, headers: init.headers, body: Readable.from([buf]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}
