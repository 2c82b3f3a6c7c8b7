/**
 * S3's legacy query-string signature (SigV2), which `aws s3 presign` in CLI v1 still uses by default:
 * ?AWSAccessKeyId=…&Expires=…&Signature=base64(HMAC-SHA1(secret, StringToSign)).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { WireRequest } from "../protocols/wire.ts";

export interface SigV2Query {
  accessKeyId: string;
  signature: string;
  expires: string;
}

export function parseSigV2Query(req: WireRequest): SigV2Query | undefined {
  const q = new Map(req.query);
  const accessKeyId = q.get("AWSAccessKeyId");
  const signature = q.get("Signature");
  const expires = q.get("Expires");
  return accessKeyId && signature && expires ? { accessKeyId, signature, expires } : undefined;
}

/** Sub-resources that are part of the canonical resource, as S3 defines them. */
const SUBRESOURCES = new Set([
  "acl",
  "cors",
  "delete",
  "lifecycle",
  "location",
  "logging",
  "notification",
  "partNumber",
  "policy",
  "requestPayment",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "website",
]);

export function verifySigV2Query(req: WireRequest, auth: SigV2Query, secretAccessKey: string, bucketFromHost?: string): boolean {
  const amz = Object.entries(req.headers)
    .filter(([k]) => k.startsWith("x-amz-"))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}:${v.trim()}\n`)
    .join("");
  const sub = req.query
    .filter(([k]) => SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`));
  const resource = `${bucketFromHost ? `/${bucketFromHost}` : ""}${req.rawPath}${sub.length ? `?${sub.join("&")}` : ""}`;
  const toSign = `${req.method}\n${req.headers["content-md5"] ?? ""}\n${req.headers["content-type"] ?? ""}\n${auth.expires}\n${amz}${resource}`;
  const expected = createHmac("sha1", secretAccessKey).update(toSign, "utf8").digest();
  const given = Buffer.from(auth.signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
