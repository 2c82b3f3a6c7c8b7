/**
 * The SigV4 verifier against the SDK's own signer: seeded random requests of every protocol's shape, signed
 * in headers and presigned in the query (with and without session tokens, S3 and not), are accepted; each
 * tampered variant gets exactly the verdict the SDK-signer verifier it replaced gives (test/helpers).
 */
import { execFileSync } from "node:child_process";
import type { IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import { Sha256 } from "@smithy/core/checksum";
import { buildQueryString } from "@smithy/core/protocols";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { rng } from "../../bench/lib.ts";
import { parseSigV4, verifySigV4 } from "../../emulator/auth/sigv4.ts";
import type { WireRequest } from "../../emulator/protocols/wire.ts";
import { toWire } from "../../emulator/server/http-wire.ts";
import { referenceVerifySigV4 } from "../helpers/sigv4-reference.ts";
import { hasBotocore } from "../helpers/wire.ts";

const BOTOCORE_SIGN = fileURLToPath(new URL("../helpers/botocore_sign.py", import.meta.url));

const SECRET = "irRangeResponderSecretKey0000000000000001";
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const KEY = "AKIAIRRANGERESPOND01";
const TEXT = ["a", "web 1", "x+y", "~tilde", "semi;colon", "star*(paren)!'", "üñí", "a=b&c", "%41", "", "//", "..", "dot.dot", "sp  aces"];
const PATHS = ["/", "/bucket/key", "/bucket/a%20b/c%2Fd", "/b/ü/(1)!", "/a/./b/../c", "//double//slash/", "/detector/abc-123/findings", "/b/k~ey*"];

interface Made {
  wire: WireRequest;
  label: string;
}

/** What the server's toWire makes of the request the SDK's HTTP handler would send. */
function onTheWire(r: HttpRequest, body: string): WireRequest {
  const qs = buildQueryString(r.query ?? {});
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  const fake = { url: `${r.path}${qs ? `?${qs}` : ""}`, method: r.method, headers } as unknown as IncomingMessage;
  return toWire(fake, Buffer.from(body));
}

async function randomRequest(r: () => number, i: number): Promise<Made> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const service = pick(["ec2", "sts", "iam", "s3", "guardduty", "cloudtrail"]);
  const s3 = service === "s3";
  const session = r() < 0.3;
  const presign = r() < 0.35;
  // Presigned URLs are fetched as they are: no body, so none is signed.
  const method = presign ? pick(s3 ? ["GET", "PUT", "HEAD"] : ["GET"]) : pick(s3 ? ["GET", "PUT", "HEAD", "DELETE"] : ["POST", "GET"]);
  const query: Record<string, string | string[]> = {};
  for (let n = Math.floor(r() * 4); n > 0; n--) {
    const k = pick(["Action", "prefix", "list-type", "a b", "X", "max-keys", "tag:Name", "k~"]);
    query[k] = r() < 0.2 ? [pick(TEXT), pick(TEXT)] : pick(TEXT);
  }
  const body =
    !presign && (method === "POST" || method === "PUT")
      ? pick(s3 ? ["bytes ü", '{"a":1}'] : ["Action=DescribeInstances&Version=2016-11-15", '{"a":1}', "", "bytes ü"])
      : "";
  const headers: Record<string, string> = { host: pick(["127.0.0.1:4566", "localhost:4566", "bucket.s3.us-east-1.amazonaws.com"]) };
  if (body) headers["content-type"] = pick(["application/x-www-form-urlencoded; charset=utf-8", "application/x-amz-json-1.1"]);
  if (r() < 0.5) headers["x-amz-meta-note"] = pick(["  padded  ", "a\tb", "multi   space", "plain"]);
  if (r() < 0.3) headers["user-agent"] = "aws-cli/2.0";
  if (r() < 0.3) headers["x-amz-target"] = "CloudTrail_20131101.LookupEvents";
  if (s3 && !presign) headers["x-amz-content-sha256"] = pick(["UNSIGNED-PAYLOAD", EMPTY]);
  // As @aws-sdk/s3-request-presigner prepares a request: no payload signed, the header hoisted into the query.
  if (s3 && presign) headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  // Some clients keep it a signed header instead.
  const hoist = !(s3 && presign && r() < 0.3);
  const request = new HttpRequest({ method, protocol: "http:", hostname: "127.0.0.1", path: pick(PATHS), query, headers, body: body || undefined });
  const credentials = { accessKeyId: KEY, secretAccessKey: SECRET, ...(session ? { sessionToken: `FwoGZXIvYXdz${i}` } : {}) };
  const region = service === "iam" ? "us-east-1" : pick(["ap-northeast-1", "us-east-1"]);
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, uriEscapePath: !s3, applyChecksum: false });
  const signingDate = new Date(Date.UTC(2026, 11, 1, 9, Math.floor(r() * 60), Math.floor(r() * 60)));
  const signed = presign
    ? await signer.presign(request, {
        signingDate,
        expiresIn: pick([60, 900, 604800]),
        ...(s3 ? { unsignableHeaders: new Set(["content-type"]) } : {}),
        ...(hoist ? {} : { unhoistableHeaders: new Set(["x-amz-content-sha256"]) }),
      })
    : await signer.sign(request, { signingDate });
  return { wire: onTheWire(signed as HttpRequest, body), label: `${i} ${service} ${presign ? "presigned" : "header"}${session ? " +token" : ""} ${method}` };
}

/** Variants of a signed request, each a way a request can differ from what was signed (or harmlessly not). */
function tampered(w: WireRequest, r: () => number): [string, WireRequest][] {
  const copy = (): WireRequest => ({ ...w, headers: { ...w.headers }, query: w.query.map(([k, v]) => [k, v] as [string, string]) });
  const out: [string, WireRequest][] = [];
  const add = (what: string, f: (c: WireRequest) => void) => {
    const c = copy();
    f(c);
    out.push([what, c]);
  };
  add("method", (c) => {
    c.method = c.method === "GET" ? "POST" : "GET";
  });
  add("path", (c) => {
    c.rawPath = `${c.rawPath}x`;
  });
  add("path dot segment", (c) => {
    c.rawPath = `/./${c.rawPath.replace(/^\//, "")}`;
  });
  add("body", (c) => {
    c.body = Buffer.concat([c.body, Buffer.from("!")]);
  });
  add("extra query", (c) => {
    c.query.push(["extra", "1"]);
  });
  add("lower-case x-amz-signature query", (c) => {
    c.query.push(["x-amz-signature", "0"]);
  });
  add("query value", (c) => {
    if (c.query.length) c.query[Math.floor(r() * c.query.length)][1] += "z";
  });
  add("query order", (c) => {
    c.query.reverse();
  });
  add("unsigned header", (c) => {
    c.headers["x-unsigned"] = "1";
  });
  add("date header", (c) => {
    c.headers.date = "Tue, 01 Dec 2026 09:00:00 GMT";
  });
  for (const name of Object.keys(w.headers)) {
    add(`header ${name} changed`, (c) => {
      c.headers[name] = `${c.headers[name]}x`;
    });
    add(`header ${name} re-spaced`, (c) => {
      c.headers[name] = ` ${c.headers[name].replace(/ /g, "  ")} `;
    });
    add(`header ${name} removed`, (c) => {
      delete c.headers[name];
    });
  }
  add("x-amz-date rolled over", (c) => {
    if (c.headers["x-amz-date"]) c.headers["x-amz-date"] = c.headers["x-amz-date"].replace(/T\d\d/, "T24");
    for (const q of c.query) if (q[0] === "X-Amz-Date") q[1] = q[1].replace(/T\d\d/, "T24");
  });
  for (const field of ["X-Amz-Expires", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Date"]) {
    if (!w.query.some(([k]) => k === field)) continue;
    add(`${field} changed`, (c) => {
      for (const q of c.query) if (q[0] === field) q[1] = field === "X-Amz-Expires" ? "0900" : `${q[1]};x`;
    });
    add(`${field} dropped`, (c) => {
      c.query = c.query.filter(([k]) => k !== field);
    });
  }
  add("expires beyond seven days", (c) => {
    for (const q of c.query) if (q[0] === "X-Amz-Expires") q[1] = "604801";
  });
  add("signature case", (c) => {
    if (c.headers.authorization) c.headers.authorization = c.headers.authorization.replace(/Signature=(\w+)/, (_, s: string) => `Signature=${s.toUpperCase()}`);
    for (const q of c.query) if (q[0] === "X-Amz-Signature") q[1] = q[1].toUpperCase();
  });
  add("x-amz-content-sha256 signed as another value", (c) => {
    if (c.headers["x-amz-content-sha256"])
      c.headers["x-amz-content-sha256"] = c.headers["x-amz-content-sha256"] === "UNSIGNED-PAYLOAD" ? EMPTY : "UNSIGNED-PAYLOAD";
  });
  // Headers the signer drops (date) or derives (x-amz-date) count for nothing, whatever the client lists.
  add("x-amz-content-sha256 claimed as signed", (c) => {
    if (c.headers.authorization && !c.headers["x-amz-content-sha256"])
      c.headers.authorization = c.headers.authorization.replace("SignedHeaders=", "SignedHeaders=x-amz-content-sha256;");
    for (const q of c.query) if (q[0] === "X-Amz-SignedHeaders" && !q[1].includes("x-amz-content-sha256")) q[1] = `${q[1]};x-amz-content-sha256`;
  });
  add("date claimed as signed", (c) => {
    c.headers.date = "Tue, 01 Dec 2026 09:00:00 GMT";
    if (c.headers.authorization) c.headers.authorization = c.headers.authorization.replace("SignedHeaders=", "SignedHeaders=date;");
    for (const q of c.query) if (q[0] === "X-Amz-SignedHeaders") q[1] = `date;${q[1]}`;
  });
  // A random byte of path, query or a header changed.
  for (let n = 0; n < 4; n++) {
    add(`random flip ${n}`, (c) => {
      const flip = (s: string) => {
        if (!s) return "x";
        const at = Math.floor(r() * s.length);
        return s.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(at + 1);
      };
      const where = Math.floor(r() * 3);
      if (where === 0) c.rawPath = flip(c.rawPath);
      else if (where === 1 && c.query.length) {
        const q = c.query[Math.floor(r() * c.query.length)];
        q[r() < 0.5 ? 0 : 1] = flip(q[1]);
      } else {
        const names = Object.keys(c.headers);
        const name = names[Math.floor(r() * names.length)];
        c.headers[name] = flip(c.headers[name]);
      }
    });
  }
  return out;
}

/** Variants no signature survives, whoever signed. */
const ALWAYS_FORGED = new Set(["method", "path", "extra query", "signature case", "X-Amz-Date changed", "X-Amz-Credential changed"]);

async function reference(w: WireRequest): Promise<boolean> {
  const auth = parseSigV4(w);
  if (!auth) return false;
  return referenceVerifySigV4(w, auth, SECRET).catch(() => false);
}

function lean(w: WireRequest, secret = SECRET): boolean {
  const auth = parseSigV4(w);
  return !!auth && verifySigV4(w, auth, secret);
}

describe("SigV4 verification", () => {
  it("accepts what the SDK signs and judges every tampered request as the SDK-signer verifier does", async () => {
    const r = rng(42);
    let rejected = 0;
    let variants = 0;
    for (let i = 0; i < 300; i++) {
      const { wire, label } = await randomRequest(r, i);
      expect(lean(wire), label).toBe(true);
      expect(await reference(wire), label).toBe(true);
      expect(lean(wire, `${SECRET}x`), `${label} wrong secret`).toBe(false);
      for (const [what, t] of tampered(wire, r)) {
        const verdict = lean(t);
        expect(verdict, `${label}: ${what}`).toBe(await reference(t));
        if (ALWAYS_FORGED.has(what)) expect(verdict, `${label}: ${what}`).toBe(false);
        variants++;
        if (!verdict) rejected++;
      }
    }
    // Many variants are harmless (unsigned headers, spacing, order); the rest must be enough to prove something.
    expect(rejected).toBeGreaterThan(variants * 0.4);
  });

  it.skipIf(!hasBotocore)("accepts what botocore (the aws CLI) signs, and judges it tampered as the SDK-signer verifier does", async () => {
    const r = rng(9);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    const specs = Array.from({ length: 120 }, () => {
      const service = pick(["ec2", "sts", "iam", "s3", "guardduty", "cloudtrail"]);
      const presign = r() < 0.35;
      const method = service === "s3" ? pick(["GET", "PUT", "HEAD"]) : pick(["POST", "GET"]);
      // Encoded as the CLI's serializers encode (RFC 3986): botocore signs the query string as it stands.
      const enc = (x: string) => encodeURIComponent(x).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const pairs: string[] = [];
      for (let n = Math.floor(r() * 3); n > 0; n--) pairs.push(`${enc(pick(["prefix", "list-type", "a b", "max-keys", "tag:Name"]))}=${enc(pick(TEXT))}`);
      const qs = pairs.join("&");
      const body =
        !presign && (method === "POST" || method === "PUT")
          ? pick(service === "s3" ? ["bytes ü", '{"a":1}'] : ["Action=GetCallerIdentity&Version=2011-06-15", '{"a":1}', ""])
          : "";
      const headers: Record<string, string> = {};
      if (body) headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
      if (r() < 0.4) headers["X-Amz-Meta-Note"] = pick(["  padded  ", "plain"]);
      const path = service === "s3" ? pick(["/bucket/key", "/bucket/a%20b/c", "/bucket/%C3%BC~(1)"]) : pick(["/", "/detector/abc-123/findings"]);
      return {
        method,
        url: `http://127.0.0.1:4566${path}${qs ? `?${qs}` : ""}`,
        headers,
        body,
        service,
        region: service === "iam" ? "us-east-1" : "ap-northeast-1",
        presign,
        expires: pick([60, 3600, 604801]),
        token: r() < 0.3 ? "FwoGZXIvYXdzBOTO" : undefined,
      };
    });
    const signed = JSON.parse(execFileSync("python3", [BOTOCORE_SIGN], { input: JSON.stringify(specs), encoding: "utf8" })) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    }[];
    for (const [i, s] of signed.entries()) {
      const url = new URL(s.url);
      const headers: Record<string, string> = { host: url.host };
      for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v;
      const fake = { url: `${url.pathname}${url.search}`, method: s.method, headers } as unknown as IncomingMessage;
      const wire = toWire(fake, Buffer.from(s.body));
      const label = `${i} ${specs[i].service} ${specs[i].presign ? "presigned" : "header"} ${s.url}`;
      // AWS refuses presigned URLs valid for more than seven days; botocore writes them all the same.
      const tooLong = specs[i].presign && specs[i].expires > 604800;
      expect(lean(wire), label).toBe(!tooLong);
      expect(await reference(wire), label).toBe(!tooLong);
      for (const [what, t] of tampered(wire, r)) {
        const verdict = lean(t);
        expect(verdict, `${label}: ${what}`).toBe(await reference(t));
        if (ALWAYS_FORGED.has(what)) expect(verdict, `${label}: ${what}`).toBe(false);
      }
    }
  });
});
