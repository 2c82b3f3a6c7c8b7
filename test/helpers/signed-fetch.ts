/** Sends arbitrary (also hostile) requests signed with SigV4, so tests reach the decoding behind authentication. */
import { request as httpRequest } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export interface RawRequest {
  service: string;
  region?: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** What is signed. */
  body?: string | Buffer;
  /** What is sent, where a test swaps the body after signing. */
  sent?: string | Buffer;
  signingDate?: Date;
  /** Presign (signature in the query, valid this many seconds) instead of signing the headers. */
  presignExpiresIn?: number;
  /** Headers added after signing (not covered by the signature). */
  afterSigning?: Record<string, string>;
}

export async function signedFetch(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  r: RawRequest,
): Promise<{ status: number; headers: Headers; text: string }> {
  const url = new URL(endpoint);
  const request = new HttpRequest({
    method: r.method ?? "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: r.path ?? "/",
    query: r.query ?? {},
    headers: { host: url.host, ...(r.headers ?? {}) },
    body: r.body,
  });
  const signer = new SignatureV4({ credentials, region: r.region ?? "us-east-1", service: r.service, sha256: Sha256, uriEscapePath: r.service !== "s3" });
  const signed =
    r.presignExpiresIn !== undefined
      ? await signer.presign(request, { expiresIn: r.presignExpiresIn, signingDate: r.signingDate })
      : await signer.sign(request, { signingDate: r.signingDate });
  const qs = new URLSearchParams(signed.query as Record<string, string>).toString();
  const body = r.sent ?? r.body;
  const headers = { ...signed.headers, ...(r.afterSigning ?? {}), ...(r.sent !== undefined ? { "content-length": String(Buffer.byteLength(r.sent)) } : {}) };
  // node:http sends the path byte for byte: fetch would normalize "../" and "%2e%2e" away.
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: Number(url.port), method: signed.method, path: `${r.path ?? "/"}${qs ? `?${qs}` : ""}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString("utf8") });
        });
      },
    );
    req.on("error", reject);
    if (body !== undefined && signed.method !== "GET" && signed.method !== "HEAD") req.write(body);
    req.end();
  });
}
