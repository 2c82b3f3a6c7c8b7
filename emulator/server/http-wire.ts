/**
 * AWS requests straight on node:http: IncomingMessage → WireRequest → dispatcher → one write of head and body.
 * No framework sits on this path; it is most of what a call costs once the work itself is cheap.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import { BodyTooLargeError, decodeAwsChunked, isAwsChunked, readBody } from "./body.ts";
import type { ConnectionInfo } from "./dispatch.ts";

type Handle = (req: WireRequest, conn: ConnectionInfo) => Promise<WireResponse>;

export function toWire(req: IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  const raw = req.headers;
  for (const k in raw) {
    const v = raw[k];
    if (v !== undefined) headers[k] = typeof v === "string" ? v : v.join(",");
  }
  return {
    method: req.method ?? "GET",
    rawPath: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1)).entries()],
    headers,
    body: isAwsChunked(headers) ? decodeAwsChunked(body) : body,
  };
}

export function send(res: ServerResponse, wire: WireResponse, head: boolean): void {
  const body = wire.body;
  if (body instanceof Readable) {
    res.writeHead(wire.status, wire.headers);
    if (head) {
      body.destroy();
      res.end();
    } else body.pipe(res);
    return;
  }
  const headers = wire.headers;
  // A string body leaves in the same write as the head; a content-length keeps the response unchunked.
  if (!headers["content-length"]) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(wire.status, headers);
  res.end(head ? undefined : body);
}

/** The node:http listener for AWS API calls. */
export function awsListener(handle: Handle): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readBody(req)
      .then(
        async (body) => {
          const remote = req.socket.remoteAddress ?? "127.0.0.1";
          const sourceIp = remote.startsWith("::ffff:") ? remote.slice(7) : remote;
          const wire = await handle(toWire(req, body), { sourceIp });
          send(res, wire, req.method === "HEAD");
        },
        (e: unknown) => {
          res.statusCode = e instanceof BodyTooLargeError ? 413 : 400;
          res.end();
        },
      )
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
