/**
 * The SigV4 check as ir-range made it with the SDK's own signer (until the lean verifier in emulator/auth
 * replaced it): tests hold the lean one to exactly this verdict on every request.
 */
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SigV4Auth } from "../../emulator/auth/sigv4.ts";
import type { WireRequest } from "../../emulator/protocols/wire.ts";

function amzDate(s: string | undefined): Date | undefined {
  const m = s && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

function queryObject(pairs: [string, string][], skip: Set<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    if (skip.has(k)) continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const signers = new Map<string, SignatureV4>();

function signerFor(auth: SigV4Auth, secretAccessKey: string): SignatureV4 {
  const key = `${auth.accessKeyId}\0${secretAccessKey}\0${auth.region}\0${auth.service}`;
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size > 256) signers.clear();
    signer = new SignatureV4({
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
      region: auth.region,
      service: auth.service,
      sha256: Sha256,
      uriEscapePath: auth.service !== "s3",
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

/** True when the signature matches the one computed with the key's secret. */
export async function referenceVerifySigV4(req: WireRequest, auth: SigV4Auth, secretAccessKey: string): Promise<boolean> {
  const signedHeaderSet = new Set(auth.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  const pathOnly = req.rawPath || "/";
  const signer = signerFor(auth, secretAccessKey);
  const [hostname, port] = (req.headers.host ?? "").split(":");
  const httpRequest = (query: ReturnType<typeof queryObject>, hs: Record<string, string>, body?: unknown) =>
    new HttpRequest({ method: req.method, protocol: "http:", hostname, port: port ? Number(port) : undefined, path: pathOnly, query, headers: hs, body });
  if (auth.presigned) {
    const q = new Map(req.query);
    const date = amzDate(q.get("X-Amz-Date"));
    if (!date) return false;
    // S3 presigned URLs sign no payload: the canonical request ends in UNSIGNED-PAYLOAD.
    const unsignedPayload: Record<string, string> = auth.service === "s3" ? { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } : {};
    const request = httpRequest(queryObject(req.query, new Set(["X-Amz-Signature"])), { ...headers, ...unsignedPayload });
    const expires = Number(q.get("X-Amz-Expires") ?? "900");
    // presign() re-adds the X-Amz-* query fields from its arguments; they must equal what the client sent.
    const presigned = await signer.presign(request, {
      signingDate: date,
      expiresIn: expires,
      signableHeaders: signedHeaderSet,
      unsignableHeaders: new Set(Object.keys(unsignedPayload)),
      unhoistableHeaders: new Set([...Object.keys(headers), ...Object.keys(unsignedPayload)]),
    });
    return presigned.query?.["X-Amz-Signature"] === auth.signature;
  }
  const date = amzDate(req.headers["x-amz-date"]);
  if (!date) return false;
  const request = httpRequest(queryObject(req.query, new Set()), headers, signedHeaderSet.has("x-amz-content-sha256") ? undefined : req.body);
  const signed = await signer.sign(request, { signingDate: date, signableHeaders: signedHeaderSet });
  const authorization = signed.headers.authorization ?? "";
  const computed = /Signature=([0-9a-f]+)/.exec(authorization)?.[1];
  return computed === auth.signature;
}
