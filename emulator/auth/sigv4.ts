/**
 * SigV4 as AWS checks it: the credential scope names key, date, region and service; the signature is
 * recomputed over exactly the headers the client signed. The canonical request is built as the SDK's
 * SignatureV4 builds it (sign() for headers, presign() for query strings) straight on node:crypto, with the
 * derived signing key kept per secret, date, region and service.
 */
import * as nodeCrypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
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

/** The auth record of a credential scope and the fields signed with it; undefined when the scope is malformed. */
function authOf(credential: string, signedHeaders: string | undefined, signature: string | undefined, presigned: boolean, sessionToken: string | undefined) {
  const m = SCOPE.exec(credential.trim());
  if (!m) return undefined;
  // Built field by field: in V8 11 (Node 20) an object spread followed by more fields costs microseconds.
  const auth: SigV4Auth = {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: (signedHeaders ?? "").split(";").filter(Boolean),
    signature: signature ?? "",
    presigned,
    sessionToken,
  };
  return auth;
}

/** "Credential=…, SignedHeaders=…, Signature=…": each field's value up to any second "=", the last of a repeated field. */
function authorizationFields(header: string): Map<string, string | undefined> {
  const fields = new Map<string, string | undefined>();
  for (const part of header.slice("AWS4-HMAC-SHA256".length).split(",")) {
    const p = part.trim();
    const eq = p.indexOf("=");
    if (eq < 0) {
      fields.set(p, undefined);
      continue;
    }
    const end = p.indexOf("=", eq + 1);
    fields.set(p.slice(0, eq), p.slice(eq + 1, end < 0 ? undefined : end));
  }
  return fields;
}

/** Reads the Authorization header or the presigned query; undefined when the request is not SigV4-signed. */
export function parseSigV4(req: WireRequest): SigV4Auth | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("AWS4-HMAC-SHA256")) {
    const fields = authorizationFields(header);
    return authOf(fields.get("Credential") ?? "", fields.get("SignedHeaders"), fields.get("Signature"), false, req.headers["x-amz-security-token"]);
  }
  const q = new Map(req.query);
  const credential = q.get("X-Amz-Credential");
  if (q.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256" && credential) {
    return authOf(credential, q.get("X-Amz-SignedHeaders"), q.get("X-Amz-Signature"), true, q.get("X-Amz-Security-Token"));
  }
  return undefined;
}

let lastDate: [string, string | undefined] = ["", undefined];

/**
 * X-Amz-Date as the signer writes the date it reads from it ("20261201T091500Z"); a field out of range has
 * rolled over (month 13 is next January) and so no longer matches. The last one is kept: a burst shares it.
 */
function signingDate(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (s === lastDate[0]) return lastDate[1];
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
  const long = d
    ?.toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
  lastDate = [s, long];
  return long;
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** Headers the signer recomputes or drops before it signs, whatever the client listed. */
const GENERATED = new Set(["authorization", "x-amz-date", "date"]);
/** The longest validity SigV4 presigned URLs may ask for (seven days). */
const MAX_PRESIGNED_TTL = 604_800;

const hexEncode = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
/** RFC 3986 escaping: encodeURIComponent plus the five characters it leaves alone. */
const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, hexEncode);

/** Non-S3 services sign the normalized path, escaped once more; S3 signs the path exactly as sent. */
function canonicalPath(path: string, s3: boolean): string {
  if (s3) return path;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

/** Sorted by escaped name; a repeated name's pairs sorted among themselves. X-Amz-Signature in any case is left out. */
function canonicalQuery(query: Map<string, string[]>): string {
  const parts: [string, string][] = [];
  for (const [key, values] of query) {
    if (key.toLowerCase() === "x-amz-signature") continue;
    const k = escapeUri(key);
    parts.push([
      k,
      values.length === 1
        ? `${k}=${escapeUri(values[0])}`
        : values
            .map((v) => `${k}=${escapeUri(v)}`)
            .sort()
            .join("&"),
    ]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return parts.map((p) => p[1]).join("&");
}

function groupQuery(pairs: [string, string][]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const prev = out.get(k);
    if (prev) prev.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** Line breaks and runs of blanks as one space, one space trimmed at either end; most values have none of them. */
const canonicalValue = (v: string) =>
  /[\r\n\t]| {2}|^ | $/.test(v)
    ? v
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .replace(/^ | $/g, "")
    : v;

/** The client's signed headers that the request carries, by name, without the ones the signer generates. */
function signedHeaderValues(req: WireRequest, auth: SigV4Auth): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v !== undefined && !GENERATED.has(name)) out.set(name, v);
  }
  return out;
}

// crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per digest.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string | Buffer, encoding: "hex") => string }).hash;
const sha256Hex = oneShot
  ? (data: string | Buffer) => oneShot("sha256", data, "hex")
  : (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const signingKeys = new Map<string, Buffer>();

function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}\0${shortDate}\0${region}\0${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    if (signingKeys.size > 256) signingKeys.clear();
    key = createHmac("sha256", `AWS4${secretAccessKey}`).update(shortDate).digest();
    for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

function signatureOf(
  req: WireRequest,
  auth: SigV4Auth,
  secretAccessKey: string,
  longDate: string,
  headers: Map<string, string>,
  query: Map<string, string[]>,
  payloadHash: string,
): string {
  const shortDate = longDate.slice(0, 8);
  const names = [...headers.keys()].sort();
  let canonicalHeaders = "";
  for (const name of names) canonicalHeaders += `${name}:${canonicalValue(headers.get(name) ?? "")}\n`;
  // As the SDK's HttpRequest holds it: always from the root.
  const path = req.rawPath.startsWith("/") ? req.rawPath : `/${req.rawPath}`;
  const canonicalRequest = `${req.method}\n${canonicalPath(path, auth.service === "s3")}\n${canonicalQuery(query)}\n${canonicalHeaders}\n${names.join(";")}\n${payloadHash}`;
  const scope = `${shortDate}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  return createHmac("sha256", signingKey(secretAccessKey, shortDate, auth.region, auth.service))
    .update(stringToSign)
    .digest("hex");
}

function headerSignature(req: WireRequest, auth: SigV4Auth, secretAccessKey: string): string | undefined {
  const date = signingDate(req.headers["x-amz-date"]);
  if (!date) return undefined;
  const headers = signedHeaderValues(req, auth);
  headers.set("x-amz-date", date);
  // S3 signs the payload hash the client declares (a hash, UNSIGNED-PAYLOAD or STREAMING-…); the dispatcher then checks
  // a declared hash against the body, for every service (request-checks.ts).
  const declared = auth.signedHeaders.includes("x-amz-content-sha256");
  const payloadHash = headers.get("x-amz-content-sha256") ?? (declared ? EMPTY_SHA256 : sha256Hex(req.body));
  return signatureOf(req, auth, secretAccessKey, date, headers, groupQuery(req.query), payloadHash);
}

function presignedSignature(req: WireRequest, auth: SigV4Auth, secretAccessKey: string): string | undefined {
  const last = new Map(req.query);
  const longDate = signingDate(last.get("X-Amz-Date"));
  if (!longDate) return undefined;
  const expires = Number(last.get("X-Amz-Expires") ?? "900");
  if (expires > MAX_PRESIGNED_TTL) return undefined;
  const headers = signedHeaderValues(req, auth);
  // S3 presigned URLs sign no payload: the canonical request ends in UNSIGNED-PAYLOAD.
  const s3 = auth.service === "s3";
  if (s3 && auth.signedHeaders.includes("x-amz-content-sha256")) headers.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  const payloadHash = s3 ? "UNSIGNED-PAYLOAD" : (headers.get("x-amz-content-sha256") ?? EMPTY_SHA256);
  // The X-Amz-* fields signed are the ones the signer derives; they match only if the client sent the same.
  const query = groupQuery(req.query.filter(([k]) => k !== "X-Amz-Signature"));
  query.set("X-Amz-Algorithm", ["AWS4-HMAC-SHA256"]);
  query.set("X-Amz-Credential", [`${auth.accessKeyId}/${longDate.slice(0, 8)}/${auth.region}/${auth.service}/aws4_request`]);
  query.set("X-Amz-Date", [longDate]);
  query.set("X-Amz-Expires", [expires.toString(10)]);
  query.set("X-Amz-SignedHeaders", [[...headers.keys()].sort().join(";")]);
  return signatureOf(req, auth, secretAccessKey, longDate, headers, query, payloadHash);
}

/** True when the signature matches the one computed with the key's secret. */
export function verifySigV4(req: WireRequest, auth: SigV4Auth, secretAccessKey: string): boolean {
  let computed: string | undefined;
  try {
    computed = auth.presigned ? presignedSignature(req, auth, secretAccessKey) : headerSignature(req, auth, secretAccessKey);
  } catch {
    // A path or query no URI escaping can write (a lone surrogate) has no valid signature.
    return false;
  }
  if (computed === undefined || computed.length !== auth.signature.length) return false;
  return timingSafeEqual(Buffer.from(computed), Buffer.from(auth.signature));
}

/**
 * The signature of one chunk of an aws-chunked upload signed STREAMING-AWS4-HMAC-SHA256-PAYLOAD: each chunk's string to
 * sign names the previous signature (the request's own for the first chunk), so the chunks are chained in order.
 */
export function chunkSignature(secretAccessKey: string, auth: SigV4Auth, longDate: string, previous: string, dataSha256: string): string {
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256-PAYLOAD\n${longDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${dataSha256}`;
  return createHmac("sha256", signingKey(secretAccessKey, shortDate, auth.region, auth.service))
    .update(stringToSign)
    .digest("hex");
}
