/**
 * The checks AWS makes on a signed request besides the signature itself: its time (a header signature is valid for
 * 15 minutes either side of the server's clock, a presigned URL until it expires), the credential scope's region,
 * the session token's place, and, for S3, that the body is the one whose hash was signed. Each failure is raised as
 * the protocol's own error, with AWS's code and wording.
 *
 * Time is the wall clock, not the emulator's: the SDK and CLI sign with the machine's time whatever `--clock` says,
 * and the emulated clock only places the account's history (docs/security.md).
 */
import { createHash } from "node:crypto";
import { AwsError } from "../core/errors.ts";
import { isKnownRegion } from "../core/regions.ts";
import type { ProtocolName } from "../core/types.ts";
import type { WireRequest } from "../protocols/wire.ts";
import type { SigV2Query } from "./sigv2.ts";
import { chunkSignature, type SigV4Auth } from "./sigv4.ts";

/** How far a header-signed request's time may be from the server's, either way. */
export const MAX_SKEW_MS = 15 * 60_000;

/** "20261207T120000Z" → epoch ms; NaN when it is not such a time. */
export function amzDateMs(s: string | undefined): number {
  const m = s ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN;
}

const amzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");

/** A header signature outside the 15-minute window, worded as each protocol's front end words it. */
function skewed(protocol: ProtocolName, signedMs: number, nowMs: number): AwsError {
  const signed = amzDate(signedMs);
  if (protocol === "restXml") {
    return new AwsError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, {
      RequestTime: signed,
      ServerTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
  if (protocol === "ec2Query") {
    return new AwsError(
      "RequestExpired",
      "Request has expired. The request reached the service more than 15 minutes after the date stamp on the request or the date stamp is more than 15 minutes in the future.",
      400,
    );
  }
  const message =
    signedMs < nowMs
      ? `Signature expired: ${signed} is now earlier than ${amzDate(nowMs - MAX_SKEW_MS)} (${amzDate(nowMs)} - 15 min.)`
      : `Signature not yet current: ${signed} is still later than ${amzDate(nowMs + MAX_SKEW_MS)} (${amzDate(nowMs)} + 15 min.)`;
  return protocol === "awsQuery" ? new AwsError("SignatureDoesNotMatch", message, 403) : new AwsError("InvalidSignatureException", message, 403);
}

/** A presigned URL past its expiry (or dated in the future). */
function expired(protocol: ProtocolName, future: boolean): AwsError {
  if (protocol === "restXml") return new AwsError("AccessDenied", future ? "Request is not valid yet" : "Request has expired", 403);
  if (protocol === "ec2Query") return new AwsError("RequestExpired", "Request has expired.", 400);
  const message = future ? "Signature not yet current." : "Signature expired.";
  return protocol === "awsQuery" ? new AwsError("SignatureDoesNotMatch", message, 403) : new AwsError("InvalidSignatureException", message, 403);
}

/** Throws when the request's signing time is not acceptable now. */
export function checkTime(req: WireRequest, auth: SigV4Auth | SigV2Query, protocol: ProtocolName, nowMs: number): void {
  if ("expires" in auth) {
    // SigV2: Expires is the URL's end, in epoch seconds.
    const end = Number(auth.expires) * 1000;
    if (!Number.isFinite(end) || end < nowMs) throw expired(protocol, false);
    return;
  }
  if (auth.presigned) {
    const q = new Map(req.query);
    const signedMs = amzDateMs(q.get("X-Amz-Date"));
    // Malformed dates fail the signature check that follows.
    if (Number.isNaN(signedMs)) return;
    const ttl = Number(q.get("X-Amz-Expires") ?? "900") * 1000;
    if (signedMs - MAX_SKEW_MS > nowMs) throw expired(protocol, true);
    if (signedMs + ttl < nowMs) throw expired(protocol, false);
    return;
  }
  const signedMs = amzDateMs(req.headers["x-amz-date"]);
  if (Number.isNaN(signedMs)) return;
  if (Math.abs(signedMs - nowMs) > MAX_SKEW_MS) throw skewed(protocol, signedMs, nowMs);
}

/**
 * The credential scope must name a region AWS has, or one the scenario's account has (an imported trail may come from
 * a region whose name its publisher obfuscated); S3 says which one it expected.
 */
export function checkRegion(
  auth: SigV4Auth,
  protocol: ProtocolName,
  badSignature: { code: string; status: number },
  scenarioRegions: readonly string[] = [],
): void {
  if (isKnownRegion(auth.region) || scenarioRegions.includes(auth.region)) return;
  if (protocol === "restXml") {
    throw new AwsError(
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${auth.region}' is wrong; expecting 'us-east-1'`,
      400,
      {
        Region: "us-east-1",
      },
    );
  }
  throw new AwsError(badSignature.code, `Credential should be scoped to a valid region, not '${auth.region}'.`, badSignature.status);
}

/**
 * The session token must come with the credential that needs it, and be signed: a long-term key (AKIA…) sent with a
 * token is refused as AWS refuses an unknown token, and a header-signed request whose token is not among its signed
 * headers fails its signature.
 */
export function checkSessionToken(
  req: WireRequest,
  auth: SigV4Auth | SigV2Query,
  expected: string | undefined,
  errors: { invalidToken: AwsError; badSignature: AwsError },
): void {
  const sent = "sessionToken" in auth ? auth.sessionToken : new Map(req.query).get("x-amz-security-token");
  if (expected === undefined) {
    if (sent !== undefined) throw errors.invalidToken;
    return;
  }
  if (sent !== expected) throw errors.invalidToken;
  if ("presigned" in auth && !auth.presigned && !auth.signedHeaders.includes("x-amz-security-token")) throw errors.badSignature;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The payload hash a client declares in x-amz-content-sha256 is what its signature covers: a body that does not hash to
 * it was swapped after signing. S3 refuses it with XAmzContentSHA256Mismatch; other services sign only the body's
 * hash, so there it is a signature that does not match. UNSIGNED-PAYLOAD and the aws-chunked STREAMING-* forms declare
 * no whole-body hash (S3 only: elsewhere they cannot be the body's hash).
 */
export function checkPayload(req: WireRequest, protocol: ProtocolName, badSignature: AwsError): void {
  const declared = req.headers["x-amz-content-sha256"];
  if (declared === undefined) return;
  if (!HEX64.test(declared)) {
    if (protocol !== "restXml") throw badSignature;
    return;
  }
  // A body spooled to a file was hashed as it was written.
  const computed = req.bodyFile?.sha256 ?? createHash("sha256").update(req.body).digest("hex");
  if (computed === declared) return;
  if (protocol !== "restXml") throw badSignature;
  throw new AwsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
    ClientComputedContentSHA256: declared,
    S3ComputedContentSHA256: computed,
  });
}

/**
 * An upload signed chunk by chunk (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) carries each
 * chunk's signature, chained from the request's: every chunk must carry the one its data and place give, down to the
 * final empty chunk, or the body was changed after signing. (A trailer's own signature is not checked.)
 */
export function checkChunkSignatures(req: WireRequest, auth: SigV4Auth | SigV2Query, secretAccessKey: string, badSignature: AwsError): void {
  const declared = req.headers["x-amz-content-sha256"] ?? "";
  if (!declared.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") || "expires" in auth) return;
  const chunks = req.chunks ?? [];
  const longDate = req.headers["x-amz-date"] ?? "";
  let previous = auth.signature;
  for (const c of chunks) {
    if (!c.signature || chunkSignature(secretAccessKey, auth, longDate, previous, c.sha256) !== c.signature) throw badSignature;
    previous = c.signature;
  }
  // The last chunk is the empty one: a body cut short, or framing that broke off, has none.
  if (chunks.at(-1)?.sha256 !== EMPTY_BODY_SHA256) throw badSignature;
}

const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
