/**
 * SigV4 as AWS checks it: the credential scope names key, date, region and service; the signature is
 * recomputed with the SDK's own signer over exactly the headers the client signed.
 */
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { WireRequest } from "../protocols/wire.ts";

export interface SigV4Auth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  presigned: boolean;
  /** The x-amz-security-token sent with the request, if any. */
  sessionToken?: string;
}

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

function fromScope(credential: string): Pick<SigV4Auth, "accessKeyId" | "date" | "region" | "service"> | undefined {
  const m = SCOPE.exec(credential.trim());
  return m ? { accessKeyId: m[1], date: m[2], region: m[3], service: m[4] } : undefined;
}

/** Reads the Authorization header or the presigned query; undefined when the request is not SigV4-signed. */
export function parseSigV4(req: WireRequest): SigV4Auth | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("AWS4-HMAC-SHA256")) {
    const fields = Object.fromEntries(
      header
        .slice("AWS4-HMAC-SHA256".length)
        .split(",")
        .map((p) => p.trim().split("=", 2) as [string, string]),
    );
    const scope = fromScope(fields.Credential ?? "");
    if (!scope) return undefined;
    return {
      ...scope,
      signedHeaders: (fields.SignedHeaders ?? "").split(";").filter(Boolean),
      signature: fields.Signature ?? "",
      presigned: false,
      sessionToken: req.headers["x-amz-security-token"],
    };
  }
  const q = new Map(req.query);
  const credential = q.get("X-Amz-Credential");
  if (q.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256" && credential) {
    const scope = fromScope(credential);
    if (!scope) return undefined;
    return {
      ...scope,
      signedHeaders: (q.get("X-Amz-SignedHeaders") ?? "").split(";").filter(Boolean),
      signature: q.get("X-Amz-Signature") ?? "",
      presigned: true,
      sessionToken: q.get("X-Amz-Security-Token"),
    };
  }
  return undefined;
}

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

/** Signers are kept per key and scope: each caches its derived signing key, four HMACs saved per request. */
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
export async function verifySigV4(req: WireRequest, auth: SigV4Auth, secretAccessKey: string): Promise<boolean> {
  const signedHeaderSet = new Set(auth.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  const pathOnly = req.rawPath || "/";
  const signer = signerFor(auth, secretAccessKey);
  const [hostname, port] = (req.headers.host ?? "").split(":");
  if (auth.presigned) {
    const q = new Map(req.query);
    const date = amzDate(q.get("X-Amz-Date"));
    if (!date) return false;
    // S3 presigned URLs sign no payload: the canonical request ends in UNSIGNED-PAYLOAD.
    const unsignedPayload: Record<string, string> = auth.service === "s3" ? { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } : {};
    const request = new HttpRequest({
      method: req.method,
      protocol: "http:",
      hostname,
      port: port ? Number(port) : undefined,
      path: pathOnly,
      query: queryObject(req.query, new Set(["X-Amz-Signature"])),
      headers: { ...headers, ...unsignedPayload },
    });
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
  const request = new HttpRequest({
    method: req.method,
    protocol: "http:",
    hostname,
    port: port ? Number(port) : undefined,
    path: pathOnly,
    query: queryObject(req.query, new Set()),
    headers,
    body: signedHeaderSet.has("x-amz-content-sha256") ? undefined : req.body,
  });
  const signed = await signer.sign(request, { signingDate: date, signableHeaders: signedHeaderSet });
  const authorization = signed.headers.authorization ?? "";
  const computed = /Signature=([0-9a-f]+)/.exec(authorization)?.[1];
  return computed === auth.signature;
}
