/** The HTTP request and response as the codecs see them: no framework types cross this line. */
import type { Readable } from "node:stream";

export interface WireRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  rawPath: string;
  /** Query parameters, decoded, in arrival order. */
  query: [string, string][];
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
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
