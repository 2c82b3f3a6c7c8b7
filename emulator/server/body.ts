/**
 * Request bodies: how big they may be, and a body still on the socket. The HTTP listener hands the dispatcher a
 * request whose body it has not read (deferBody); the dispatcher authenticates from the headers first and reads the
 * body only for a request it will serve, with the limit of its operation — so no unauthenticated request makes the
 * server hold more than UNSIGNED_BODY_BYTES, and none holds more than its limit (docs/security.md, "Bounded memory").
 * S3's aws-chunked framing (SDK streaming uploads) is removed as the body is taken.
 */
import type { IncomingMessage } from "node:http";
import type { WireRequest } from "../protocols/wire.ts";

function bytesFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/**
 * The largest object body one PUT may carry (PutObject, UploadPart: an operation whose input payload is a stream).
 * AWS allows 5 GB; the range holds a body in memory while it stores it, so its default is 1 GiB
 * (IR_RANGE_MAX_OBJECT_BYTES changes it).
 */
export const MAX_OBJECT_BYTES = bytesFromEnv("IR_RANGE_MAX_OBJECT_BYTES", 1024 * 1024 * 1024);

/** Any other call's body: AWS's query and JSON APIs take a few MB at most. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** What an unsigned request may send for its form fields to name its service (it is refused either way). */
export const UNSIGNED_BODY_BYTES = 64 * 1024;

/** A body over its limit: the size proposed (declared, or what had arrived when it went over) and the limit. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly proposedSize: number,
    readonly limit: number,
  ) {
    super(`request body of ${proposedSize} bytes is over the limit of ${limit}`);
  }
}

/** The client went away before the end of its body: nobody is left to answer. */
export class BodyAbortedError extends Error {}

const EMPTY = Buffer.alloc(0);

/** A request body still on the socket, read once, on demand. */
export interface PendingBody {
  /**
   * The whole body (aws-chunked framing removed), refused before any of it is read when its declared size is over
   * `limit`, and as soon as more than `limit` bytes arrived otherwise (a chunked upload has no declared size).
   * Rejects with BodyTooLargeError or BodyAbortedError.
   */
  read(limit: number): Promise<Buffer>;
}

const pendingBodies = new WeakMap<WireRequest, PendingBody>();

/** Marks req's body as still to be read (its `body` is empty until the dispatcher reads it). */
export function deferBody(req: WireRequest, body: PendingBody): void {
  pendingBodies.set(req, body);
}

/** The body still to be read for req; undefined for a complete request (the in-process shim's, a test's). */
export function pendingBody(req: WireRequest): PendingBody | undefined {
  return pendingBodies.get(req);
}

/**
 * The size a body declares: S3's decoded length for aws-chunked uploads (what the object will be), else
 * Content-Length; undefined for a chunked transfer.
 */
export function declaredSize(headers: Record<string, string>): number | undefined {
  const raw = isAwsChunked(headers) ? (headers["x-amz-decoded-content-length"] ?? headers["content-length"]) : headers["content-length"];
  if (raw === undefined || !/^\d{1,16}$/.test(raw.trim())) return undefined;
  return Number(raw);
}

/** Room for aws-chunked framing on top of the decoded limit: a chunk header and trailer are under 200 bytes a chunk. */
const framingAllowance = (limit: number) => Math.max(64 * 1024, Math.ceil(limit / 32));

/** The body of a node:http request, read when the dispatcher asks. */
export class SocketBody implements PendingBody {
  /** "unread" until read() is called; "complete" once the body has been taken whole; "refused" when it was over. */
  state: "unread" | "reading" | "complete" | "refused" = "unread";

  constructor(
    private readonly req: IncomingMessage,
    private readonly headers: Record<string, string>,
  ) {}

  read(limit: number): Promise<Buffer> {
    if (this.state !== "unread") return Promise.reject(new Error("request body read twice"));
    const declared = declaredSize(this.headers);
    if (declared !== undefined && declared > limit) {
      this.state = "refused";
      return Promise.reject(new BodyTooLargeError(declared, limit));
    }
    this.state = "reading";
    const chunked = isAwsChunked(this.headers);
    const rawLimit = chunked ? limit + framingAllowance(limit) : limit;
    const req = this.req;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("close", onClose);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > rawLimit) {
          // Over the limit: nothing more is kept. The listener answers and drains what is still coming.
          done();
          chunks.length = 0;
          this.state = "refused";
          reject(new BodyTooLargeError(declared ?? size, limit));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        done();
        const raw = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        const body = chunked ? decodeAwsChunked(raw) : raw;
        if (body.length > limit) {
          this.state = "refused";
          reject(new BodyTooLargeError(body.length, limit));
          return;
        }
        this.state = "complete";
        resolve(body);
      };
      const onError = (e: Error) => {
        done();
        reject(new BodyAbortedError(e.message));
      };
      // A client gone before the end of its body: nothing will come, and nobody is left to answer.
      const onClose = () => {
        if (!req.complete) {
          done();
          reject(new BodyAbortedError("request aborted"));
        }
      };
      if (req.readableEnded) {
        onEnd();
        return;
      }
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("close", onClose);
    });
  }
}

export function isAwsChunked(headers: Record<string, string>): boolean {
  return (headers["content-encoding"] ?? "").includes("aws-chunked") || (headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
}

/** "<hex>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n" → data. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const eol = body.indexOf("\r\n", pos);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(pos, eol).toString("latin1").split(";")[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
