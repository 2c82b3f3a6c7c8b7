/** Raw request bodies, with S3's aws-chunked framing (SDK streaming uploads) removed. */
import type { IncomingMessage } from "node:http";

export const MAX_BODY_BYTES = 512 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

const EMPTY = Buffer.alloc(0);

/** The whole body. Plain stream events: an async iterator costs more than a small API call's body is worth. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on("error", reject);
    // A client gone before the end of its body: nothing will come, and nobody is left to answer.
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
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
