/** The HTTP request and response as the codecs see them: no framework types cross this line. */
import { createReadStream, rmSync } from "node:fs";
import type { Readable } from "node:stream";

/**
 * A request body written to a file as it arrived (server/body.ts spools S3 object uploads): its decoded size, and
 * the sha256 and md5 (hex) of its bytes. The S3 codec hands it to PutObject and UploadPart as their streaming payload;
 * the object store renames the file into place (ObjectStore.putBlobFile), and the dispatcher removes it otherwise.
 */
export class SpooledBody {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly sha256: string,
    readonly md5: string,
  ) {}

  /** The bytes, read from the file. */
  stream(): Readable {
    return createReadStream(this.path);
  }

  /** Stream-like, so what records a call's parameters leaves it out as it leaves out every streamed body. */
  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    return this.stream().pipe(dest);
  }

  /** Removes the file unless it was already taken (renamed into the blob store). */
  discard(): void {
    rmSync(this.path, { force: true });
  }
}

/** One chunk of an aws-chunked body: the signature its header carried, and the sha256 (hex) of its data. */
export interface ChunkRecord {
  signature?: string;
  sha256: string;
}

export interface WireRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  rawPath: string;
  /** Query parameters, decoded, in arrival order. */
  query: [string, string][];
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The body in memory; empty when it was spooled to `bodyFile`. */
  body: Buffer;
  /** A large S3 object body, written to a file as it arrived instead (server/body.ts). */
  bodyFile?: SpooledBody;
  /** An aws-chunked body's chunks as they came (each one's chunk-signature and data hash), for S3's per-chunk check. */
  chunks?: ChunkRecord[];
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer | Uint8Array | Readable;
}

export function isFormBody(req: WireRequest): boolean {
  return (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

const parsedForms = new WeakMap<WireRequest, [string, string][]>();

/** Form fields of a query-protocol request: the body for POST, the query string for GET. Parsed once per request. */
export function formFields(req: WireRequest): [string, string][] {
  if (req.method !== "POST" || req.body.length === 0) return req.query;
  let fields = parsedForms.get(req);
  if (!fields) {
    fields = [...new URLSearchParams(req.body.toString("utf8")).entries()];
    parsedForms.set(req, fields);
  }
  return fields;
}
