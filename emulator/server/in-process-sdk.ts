/**
 * SDK v3 clients that talk to the range in this process: the SDK signs and serializes a real request, the range's
 * dispatcher authenticates, authorizes, handles and journals it, from the address the caller says. The attacker's
 * replay and timeline builds call the range this way.
 */
import { fetchRequestHandler } from "../core/fetch-request-handler.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { fetchResponseOf, fromFetch } from "./http-wire.ts";

export type Handle = (req: WireRequest, conn: { sourceIp: string }) => Promise<WireResponse>;

/** A smithy request handler that hands the SDK's signed request to the range in-process, from the caller's address. */
export function inProcessHandler(handle: Handle, sourceIp: string, userAgent?: string) {
  // The caller's own client string, whole: the SDK's adds this machine's OS and Node version, which a recording must
  // not depend on (User-Agent is never signed; x-amz-user-agent is, and CloudTrail does not record it).
  return fetchRequestHandler(
    async (request) => {
      return fetchResponseOf(await handle(await fromFetch(request), { sourceIp }), request.method);
    },
    userAgent === undefined ? {} : { "user-agent": userAgent },
  );
}
