/**
 * Request bodies: how big they may be, and a body still on the socket. The HTTP listener hands the dispatcher a
 * request whose body it has not read (deferBody); the dispatcher authenticates from the headers first and reads the
 * body only for a request it will serve, with the limit of its operation — so no unauthenticated request makes the
 * server hold more than UNSIGNED_BODY_BYTES, and none holds more than its limit (docs/security.md, "Bounded memory").
 * S3's aws-chunked framing (SDK streaming uploads) is removed as the body is taken.
 */
import { createHash, type Hash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { type ChunkRecord, SpooledBody, type WireRequest } from "../protocols/wire.ts";

function bytesFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/**
 * The largest object body one PUT may carry (PutObject, UploadPart: an operation whose input payload is a stream).
 * AWS allows 5 GB; the range's default is 1 GiB (IR_RANGE_MAX_OBJECT_BYTES changes it). A large one is spooled to a
 * file as it arrives (SPOOL_BYTES), so the limit bounds disk, not memory.
 */
export const MAX_OBJECT_BYTES = bytesFromEnv("IR_RANGE_MAX_OBJECT_BYTES", 1024 * 1024 * 1024);

/**
 * An object body declared larger than this (or with no declared size) is written to a file as it arrives rather than
 * held in memory (SocketBody.spool); IR_RANGE_SPOOL_BYTES changes it.
 */
export const SPOOL_BYTES = bytesFromEnv("IR_RANGE_SPOOL_BYTES", 8 * 1024 * 1024);

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
  /** An aws-chunked body's chunks (signature, data hash), filled as read() or spool() take the body. */
  readonly chunks?: ChunkRecord[];
  /**
   * The whole body as read() takes it, written to a new file in `dir` as it arrives (aws-chunked framing removed,
   * sha256 and md5 computed on the way) instead of held in memory. The file is removed on every failure; on success
   * the caller owns it (SpooledBody.discard). Absent for a body that is not on a socket.
   */
  spool?(limit: number, dir: string): Promise<SpooledBody>;
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
  readonly chunks: ChunkRecord[] = [];

  constructor(
    private readonly req: IncomingMessage,
    private readonly headers: Record<string, string>,
  ) {}

  /** The checks both ways of taking the body start with: taken once, and refused at once when declared too large. */
  private begin(limit: number): { declared: number | undefined; refusal?: Promise<never> } {
    if (this.state !== "unread") return { declared: undefined, refusal: Promise.reject(new Error("request body read twice")) };
    const declared = declaredSize(this.headers);
    if (declared !== undefined && declared > limit) {
      this.state = "refused";
      return { declared, refusal: Promise.reject(new BodyTooLargeError(declared, limit)) };
    }
    this.state = "reading";
    return { declared };
  }

  read(limit: number): Promise<Buffer> {
    const { declared, refusal } = this.begin(limit);
    if (refusal) return refusal;
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
        const body = chunked ? decodeAwsChunked(raw, this.chunks) : raw;
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

  spool(limit: number, dir: string): Promise<SpooledBody> {
    const { declared, refusal } = this.begin(limit);
    if (refusal) return refusal;
    const decoder = isAwsChunked(this.headers) ? new AwsChunkedDecoder() : undefined;
    const rawLimit = decoder ? limit + framingAllowance(limit) : limit;
    const req = this.req;
    mkdirSync(dir, { recursive: true });
    // Not a blob id (those are hex digests): nothing reads it as an object until it is renamed into place.
    const path = join(dir, `.spool-${randomBytes(12).toString("hex")}`);
    const out = createWriteStream(path, { flags: "wx" });
    const sha256 = createHash("sha256");
    const md5 = createHash("md5");
    let raw = 0;
    let size = 0;
    let settled = false;
    return new Promise((resolve, reject) => {
      const detach = () => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("close", onClose);
        out.off("drain", onDrain);
      };
      // Every failure removes the file: over the limit, the client gone, the disk refusing a write.
      const fail = (e: Error, state: SocketBody["state"]) => {
        if (settled) return;
        settled = true;
        detach();
        this.state = state;
        out.once("close", () => rmSync(path, { force: true }));
        out.destroy();
        rmSync(path, { force: true });
        // A paused request would never drain: the listener reads and drops the rest of a refused body.
        req.resume();
        reject(e);
      };
      const write = (data: Buffer) => {
        if (settled) return;
        size += data.length;
        if (size > limit) {
          fail(new BodyTooLargeError(declared ?? size, limit), "refused");
          return;
        }
        sha256.update(data);
        md5.update(data);
        // The file takes what the socket gives at the pace the disk allows: no more than a buffer or two is held.
        if (!out.write(data)) req.pause();
      };
      const onDrain = () => {
        if (!settled) req.resume();
      };
      const onData = (chunk: Buffer) => {
        raw += chunk.length;
        if (raw > rawLimit) {
          fail(new BodyTooLargeError(declared ?? raw, limit), "refused");
          return;
        }
        if (decoder) decoder.push(chunk, write);
        else write(chunk);
      };
      const onEnd = () => {
        if (settled) return;
        req.off("data", onData);
        req.off("error", onError);
        req.off("close", onClose);
        out.end(() => {
          if (settled) return;
          settled = true;
          detach();
          this.state = "complete";
          if (decoder) this.chunks.push(...decoder.chunks);
          resolve(new SpooledBody(path, size, sha256.digest("hex"), md5.digest("hex")));
        });
      };
      const onError = (e: Error) => fail(new BodyAbortedError(e.message), "reading");
      const onClose = () => {
        if (!req.complete) fail(new BodyAbortedError("request aborted"), "reading");
      };
      out.on("error", (e) => fail(e, "refused"));
      out.on("drain", onDrain);
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("close", onClose);
      if (req.readableEnded) onEnd();
    });
  }
}

/**
 * aws-chunked framing removed as the bytes arrive, a piece at a time. Each chunk's signature (`;chunk-signature=…`)
 * and data hash are recorded in `chunks`, the final zero-length chunk included, for S3's per-chunk signature check.
 */
export class AwsChunkedDecoder {
  readonly chunks: ChunkRecord[] = [];
  /** The chunk header read so far ("<hex>[;chunk-signature=…]"), when it spans pieces. */
  private header = "";
  /** Data bytes left in the current chunk. */
  private remaining = 0;
  /** Bytes of the CRLF after a chunk's data still to skip. */
  private skip = 0;
  /** The last chunk (size 0) or a malformed header was seen: the rest (trailers) is not data. */
  private done = false;
  private signature: string | undefined;
  private hash: Hash | undefined;

  push(piece: Buffer, out: (data: Buffer) => void): void {
    let pos = 0;
    while (pos < piece.length && !this.done) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, piece.length - pos);
        const data = piece.subarray(pos, pos + n);
        this.hash?.update(data);
        out(data);
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.skip = 2;
          this.chunks.push({ signature: this.signature, sha256: this.hash?.digest("hex") ?? EMPTY_SHA256 });
          this.hash = undefined;
        }
      } else if (this.skip > 0) {
        const n = Math.min(this.skip, piece.length - pos);
        pos += n;
        this.skip -= n;
      } else {
        const eol = piece.indexOf(0x0a, pos);
        this.header += piece.subarray(pos, eol < 0 ? piece.length : eol).toString("latin1");
        if (eol < 0) {
          // A chunk header is a size and a signature: anything much longer is not one.
          if (this.header.length > 4096) this.done = true;
          return;
        }
        pos = eol + 1;
        const [sizeText, ...extensions] = this.header.replace(/\r$/, "").split(";");
        const size = Number.parseInt(sizeText, 16);
        this.signature = extensions.find((e) => e.startsWith("chunk-signature="))?.slice("chunk-signature=".length);
        this.header = "";
        if (!Number.isFinite(size)) this.done = true;
        else if (size === 0) {
          this.chunks.push({ signature: this.signature, sha256: EMPTY_SHA256 });
          this.done = true;
        } else {
          this.remaining = size;
          this.hash = createHash("sha256");
        }
      }
    }
  }
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export function isAwsChunked(headers: Record<string, string>): boolean {
  return (headers["content-encoding"] ?? "").includes("aws-chunked") || (headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
}

/** "<hex>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n" → data; each chunk recorded in `chunks`. */
export function decodeAwsChunked(body: Buffer, chunks?: ChunkRecord[]): Buffer {
  const parts: Buffer[] = [];
  const decoder = new AwsChunkedDecoder();
  decoder.push(body, (data) => parts.push(data));
  chunks?.push(...decoder.chunks);
  return Buffer.concat(parts);
}
