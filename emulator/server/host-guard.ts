/**
 * Local-only by construction (docs/security.md, "Local-only"). The range runs on the laptop its student browses with,
 * so no web page may drive it. Every request the HTTP server receives, AWS call or the range's own route, passes
 * `localOnlyGuard` before routing:
 *  - its Host must name this range: loopback (127.0.0.0/8, ::1), `localhost` and `*.localhost` (S3 virtual hosts), the
 *    address it is bound to, and `*.amazonaws.com` (the SDK's regional and S3 virtual-host names). A DNS-rebinding page
 *    reaches the port under a name its attacker owns, and an attacker owns none of these;
 *  - it must come from no other web origin: an `Origin` other than this server's own, or `Sec-Fetch-Site: cross-site`
 *    or `same-site`, is refused. The AWS CLI and SDKs send neither; a page served by the range itself is same-origin.
 * The range's own routes that change state or reveal secrets also pass `adminRefusal`: the state directory's admin
 * token, no preflight, and a JSON body or none (no form a page can post without CORS).
 * The in-process SDK shim calls the emulator without a socket, and so without this guard: nothing but the test's own
 * process can reach it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { hostname } from "node:os";

export interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/** A Host header's shape: a name or IPv4 literal, or a bracketed IPv6 literal, and an optional port. Nothing else. */
const HOST_HEADER = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$/i;

/** The name a Host header gives, normalized as browsers do (case, IPv4 spellings, IPv6 brackets, a final dot). */
export function hostName(header: string | undefined): string | undefined {
  if (!header || !HOST_HEADER.test(header)) return undefined;
  try {
    const name = new URL(`http://${header}`).hostname;
    return name.startsWith("[") ? name.slice(1, -1) : name.replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

const isLoopback = (name: string) => (isIP(name) === 4 && name.startsWith("127.")) || name === "::1";

/** Which Host headers may address a range bound to `bindHost` (the `--host` value). */
function hostMatcher(bindHost: string): (header: string | undefined) => boolean {
  const bound = hostName(bindHost.includes(":") && !bindHost.startsWith("[") ? `[${bindHost}]` : bindHost);
  const wildcard = bound === "0.0.0.0" || bound === "::";
  const machine = hostname().toLowerCase();
  return (header) => {
    const name = hostName(header);
    if (!name) return false;
    if (name === "localhost" || name.endsWith(".localhost") || isLoopback(name)) return true;
    // Names under amazonaws.com are AWS's: no page can rebind one to this machine. The SDK uses them for S3 virtual
    // hosts and regional endpoints (a client that pins them to the range, a test that sends them as is).
    if (name.endsWith(".amazonaws.com")) return true;
    // Bound to every interface: any address of this machine (an IP literal cannot be rebound) and its own name.
    if (wildcard) return isIP(name) !== 0 || name === machine || name === `${machine}.local`;
    return name === bound;
  };
}

/** Whether a Host may address a range bound to `bindHost` (the `--host` value). */
export function hostAllowed(header: string | undefined, bindHost: string): boolean {
  return hostMatcher(bindHost)(header);
}

/** The first rule of the two a request breaks (Host, then origin), or undefined when it is local. */
export function localOnlyGuard(bindHost: string): (req: IncomingMessage) => Refusal | undefined {
  const matches = hostMatcher(bindHost);
  // A client sends the same Host on every call: each accepted one is parsed once (a few, so a bounded set).
  const accepted = new Set<string>();
  const allowed = (host: string | undefined) => {
    if (host !== undefined && accepted.has(host)) return true;
    if (!matches(host)) return false;
    if (accepted.size < 256) accepted.add(host as string);
    return true;
  };
  return (req) => {
    const host = req.headers.host;
    if (!allowed(host)) {
      return {
        status: 403,
        reason: `the Host ${JSON.stringify(host ?? "")} does not name this range; use http://127.0.0.1, http://localhost or the address it is bound to`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${host?.toLowerCase()}`) {
      return { status: 403, reason: `a request from another web origin (${JSON.stringify(origin)}) may not drive the range` };
    }
    const site = req.headers["sec-fetch-site"];
    if (site === "cross-site" || site === "same-site") {
      return { status: 403, reason: `a request from another site (Sec-Fetch-Site: ${site}) may not drive the range` };
    }
    return undefined;
  };
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The admin-only routes' rules: the token, in `Authorization: Bearer`; JSON or no body on anything but GET/HEAD. */
export function adminRefusal(req: IncomingMessage, token: string): Refusal | undefined {
  const given = /^Bearer +([^ ]+) *$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!given || !timingSafeEqual(digest(given), digest(token))) {
    return {
      status: 401,
      reason: "this route needs the range's admin token (Authorization: Bearer <the state directory's admin-token>); the ir-range CLI sends it",
      headers: { "www-authenticate": 'Bearer realm="ir-range"' },
    };
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? "0") > 0;
    if (type ? type !== "application/json" : hasBody) {
      return { status: 415, reason: `this route takes an application/json body or none, not ${JSON.stringify(type || "an untyped body")}` };
    }
  }
  return undefined;
}

/** Preflights are never answered: no Access-Control-* header ever leaves the range. */
export function preflightRefusal(req: IncomingMessage): Refusal | undefined {
  return req.method === "OPTIONS"
    ? { status: 405, reason: "the range answers no OPTIONS (CORS preflight) requests", headers: { allow: "GET, HEAD, POST" } }
    : undefined;
}

/** A refusal in a neutral shape: not an AWS error (no service was called), plain text, never cached. */
export function refuse(res: ServerResponse, r: Refusal): void {
  const body = `ir-range refused this request: ${r.reason}. See docs/security.md ("Local-only").\n`;
  res.writeHead(r.status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...r.headers,
  });
  res.end(body);
}
