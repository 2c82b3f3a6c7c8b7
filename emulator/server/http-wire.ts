/**
 * HTTP ↔ the dispatcher's wire types. AWS requests straight on node:http: IncomingMessage → WireRequest →
 * dispatcher → one write of head and body (no framework sits on this path; it is most of what a call costs once the
 * work itself is cheap); and the same WireRequest from a fetch Request, for the in-process SDK shim.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { ChunkRecord, WireRequest, WireResponse } from "../protocols/wire.ts";
import { decodeAwsChunked, deferBody, isAwsChunked, SocketBody } from "./body.ts";
import type { ConnectionInfo } from "./dispatch.ts";

const EMPTY = Buffer.alloc(0);

type Handle = (req: WireRequest, conn: ConnectionInfo) => Promise<WireResponse>;

/**
 * The one adapter from an HTTP request to the dispatcher's WireRequest, whichever server received it: the path and
 * query exactly as the client encoded them (the signature covers that form), header names lower-cased, and S3's
 * aws-chunked framing removed from the body.
 */
export function wireRequest(method: string, pathAndQuery: string, headers: Record<string, string>, body: Buffer): WireRequest {
  const q = pathAndQuery.indexOf("?");
  const chunked = isAwsChunked(headers);
  const chunks: ChunkRecord[] = [];
  return {
    method,
    rawPath: (q < 0 ? pathAndQuery : pathAndQuery.slice(0, q)) || "/",
    query: q < 0 ? [] : [...new URLSearchParams(pathAndQuery.slice(q + 1)).entries()],
    headers,
    body: chunked ? decodeAwsChunked(body, chunks) : body,
    ...(chunked ? { chunks } : {}),
  };
}

/** A request node:http received, with the body given (empty while it is still on the socket). */
export function toWire(req: IncomingMessage, body: Buffer): WireRequest {
  const headers: Record<string, string> = {};
  const raw = req.headers;
  for (const k in raw) {
    const v = raw[k];
    if (v !== undefined) headers[k] = typeof v === "string" ? v : v.join(",");
  }
  return wireRequest(req.method ?? "GET", req.url ?? "/", headers, body);
}

/** A fetch Request (the in-process shim's, intercepted by msw). */
export async function fromFetch(request: Request): Promise<WireRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k] = v;
  });
  if (!headers.host) headers.host = url.host;
  const body = request.method === "GET" || request.method === "HEAD" ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
  return wireRequest(request.method, request.url.slice(url.origin.length) || "/", headers, body);
}

/** The dispatcher's answer as a fetch Response body and init (for msw's HttpResponse). */
export function responseParts(
  wire: WireResponse,
  method: string,
): { body: string | Buffer | ReadableStream<Uint8Array> | null; init: { status: number; headers: Record<string, string> } } {
  const b = wire.body;
  if (b instanceof Readable) {
    if (method === "HEAD") b.destroy();
    return { body: method === "HEAD" ? null : (Readable.toWeb(b) as ReadableStream<Uint8Array>), init: { status: wire.status, headers: wire.headers } };
  }
  const body = method === "HEAD" ? null : typeof b === "string" ? b : Buffer.from(b);
  return { body, init: { status: wire.status, headers: wire.headers } };
}

/** The dispatcher's answer as a fetch Response (the range's in-process clients read it so). */
export function fetchResponseOf(wire: WireResponse, method: string): Response {
  const { body, init } = responseParts(wire, method);
  return new Response((init.status === 204 || init.status === 304 ? null : body) as BodyInit | null, init);
}

export function send(res: ServerResponse, wire: WireResponse, head: boolean): void {
  const body = wire.body;
  if (body instanceof Readable) {
    res.writeHead(wire.status, wire.headers);
    if (head) {
      body.destroy();
      res.end();
    } else {
      // A body that fails mid-way (its file gone) cannot be answered any more: the connection is cut.
      body.once("error", () => res.destroy());
      res.once("close", () => body.destroy());
      body.pipe(res);
    }
    return;
  }
  const headers = wire.headers;
  // A string body leaves in the same write as the head; a content-length keeps the response unchunked.
  if (!headers["content-length"]) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(wire.status, headers);
  res.end(head ? undefined : body);
}

/** How long an answer given before the request's body arrived waits for the rest of it before closing anyway. */
const LINGER_MS = 30_000;

/**
 * An answer given before the request's body was read (refused from its headers, or over its size limit): the head
 * and body leave at once with `Connection: close`, and the rest of the request body is read and dropped — memory
 * stays flat — before the socket closes. Closing on a client still sending would reset the connection, and a reset
 * can discard the answer before the client reads it; so the close waits for the end of the body, or LINGER_MS.
 */
function sendBeforeBody(req: IncomingMessage, res: ServerResponse, wire: WireResponse, head: boolean): void {
  const body = wire.body;
  if (body instanceof Readable) {
    wire.headers.connection = "close";
    send(res, wire, head);
    req.resume();
    return;
  }
  const headers = wire.headers;
  headers.connection = "close";
  if (!headers["content-length"]) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(wire.status, headers);
  if (!head) res.write(body);
  const finish = () => {
    clearTimeout(timer);
    req.off("end", finish);
    req.off("close", finish);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, LINGER_MS);
  timer.unref();
  req.on("end", finish);
  req.on("close", finish);
  // Flowing with no data listener: what arrives is dropped.
  req.resume();
}

/**
 * The node:http listener for AWS API calls. The body stays on the socket until the dispatcher has authenticated the
 * request from its headers and asks for it with the operation's size limit (body.ts).
 */
export function awsListener(handle: Handle): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const remote = req.socket.remoteAddress ?? "127.0.0.1";
    const sourceIp = remote.startsWith("::ffff:") ? remote.slice(7) : remote;
    const wire = toWire(req, EMPTY);
    const body = new SocketBody(req, wire.headers);
    deferBody(wire, body);
    const head = req.method === "HEAD";
    handle(wire, { sourceIp })
      .then((out) => {
        // A body read whole, or one that had arrived whole anyway (none at all, a small one): the usual answer.
        if (body.state === "complete" || (body.state !== "reading" && req.complete)) send(res, out, head);
        else if (body.state === "reading") res.destroy();
        else sendBeforeBody(req, res, out, head);
      })
      .catch(() => {
        // The dispatcher answers every error itself; this is a response that could not be written (a bad header value).
        if (res.headersSent) res.destroy();
        else {
          res.statusCode = 500;
          res.end();
        }
      });
  };
}
