/**
 * Bounded memory for request bodies (docs/security.md, "Bounded memory"): a request is authenticated from its headers
 * before its body is read, so an unauthenticated upload is answered at once and never held; a body over its limit gets
 * the protocol's own error as a response (not a reset) before more than the limit is read.
 */
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { signedFetch } from "../helpers/signed-fetch.ts";

// The object limit is read when the server's modules load: a small one here, so a test sends megabytes, not a gigabyte.
const LIMIT = vi.hoisted(() => {
  const limit = 8 * 1024 * 1024;
  process.env.IR_RANGE_MAX_OBJECT_BYTES = String(limit);
  return limit;
});

const MiB = 1024 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Bytes of the body the client had written when the response arrived. */
  writtenAtResponse: number;
  /** Highest RSS of this process seen while the request ran. */
  peakRss: number;
}

/**
 * Streams `total` bytes (one reused 1 MiB buffer, honouring backpressure: the client holds no more than a chunk) and
 * resolves with the response; it keeps sending after the response arrives, as an SDK does, unless `stopOnResponse`.
 */
function streamRequest(
  path: string,
  headers: Record<string, string>,
  total: number,
  opts: { method?: string; chunked?: boolean; stopOnResponse?: boolean } = {},
): Promise<Sent> {
  const url = new URL(server.url);
  const chunk = Buffer.alloc(MiB, 0x61);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
  return new Promise<Sent>((resolve, reject) => {
    let written = 0;
    let writtenAtResponse = -1;
    let responded = false;
    const req = httpRequest({ host: url.hostname, port: Number(url.port), method: opts.method ?? "PUT", path, headers }, (res) => {
      responded = true;
      writtenAtResponse = written;
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => {
        clearInterval(sampler);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString("utf8"), writtenAtResponse, peakRss });
      });
    });
    req.on("error", (e) => {
      clearInterval(sampler);
      reject(e);
    });
    const pump = () => {
      while (written < total) {
        if (responded && opts.stopOnResponse) break;
        const n = Math.min(chunk.length, total - written);
        written += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** SigV4 headers for an S3 PUT whose body is not hashed (as the CLI signs a streamed upload). */
async function signedS3Put(path: string, extra: Record<string, string>): Promise<Record<string, string>> {
  const url = new URL(server.url);
  const signer = new SignatureV4({ credentials: server.credentials, region: server.region, service: "s3", sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({
      method: "PUT",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...extra },
    }),
  );
  return signed.headers as Record<string, string>;
}

describe("request bodies are read only for an authenticated caller, within a limit", () => {
  it("an unauthenticated 100 MB PUT is answered from its headers and never held in memory", async () => {
    const before = process.memoryUsage().rss;
    const r = await streamRequest("/basic-evidence/flood.bin", { "content-length": String(100 * MiB), "content-type": "application/octet-stream" }, 100 * MiB);
    // S3's answer to a request without credentials, as a response (not a reset), with the connection closed after it.
    expect(r.status).toBe(403);
    expect(r.text).toContain("<Code>AccessDenied</Code>");
    expect(r.headers.connection).toBe("close");
    // Answered before the body was through: it was never needed.
    expect(r.writtenAtResponse).toBeLessThan(100 * MiB);
    // The server (this process) grew by far less than the body: the body was dropped as it came.
    expect(r.peakRss - before).toBeLessThan(40 * MiB);
    expect(server.emulator.runtime.journal.length).toBe(0);
  });

  it("a bad signature is refused before the body is read", async () => {
    const headers = await signedS3Put("/basic-evidence/forged.bin", { "content-length": String(50 * MiB) });
    headers.authorization = headers.authorization.replace(/Signature=[0-9a-f]+/, `Signature=${"0".repeat(64)}`);
    const before = process.memoryUsage().rss;
    const r = await streamRequest("/basic-evidence/forged.bin", headers, 50 * MiB);
    expect(r.status).toBe(403);
    expect(r.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(r.writtenAtResponse).toBeLessThan(50 * MiB);
    expect(r.peakRss - before).toBeLessThan(30 * MiB);
  });

  it("an object over the limit gets S3's EntityTooLarge from its Content-Length, before the body is read", async () => {
    const size = LIMIT + MiB;
    const headers = await signedS3Put("/basic-evidence/too-big.bin", { "content-length": String(size) });
    const r = await streamRequest("/basic-evidence/too-big.bin", headers, size);
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>EntityTooLarge</Code>");
    expect(r.text).toContain("<Message>Your proposed upload exceeds the maximum allowed size</Message>");
    expect(r.text).toContain(`<ProposedSize>${size}</ProposedSize>`);
    expect(r.text).toContain(`<MaxSizeAllowed>${LIMIT}</MaxSizeAllowed>`);
    expect(r.writtenAtResponse).toBeLessThan(size);
  });

  it("a chunked upload with no Content-Length is refused once it passes the limit", async () => {
    const headers = await signedS3Put("/basic-evidence/chunked.bin", { "transfer-encoding": "chunked" });
    const r = await streamRequest("/basic-evidence/chunked.bin", headers, 3 * LIMIT, { stopOnResponse: true });
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>EntityTooLarge</Code>");
    expect(r.text).toContain(`<MaxSizeAllowed>${LIMIT}</MaxSizeAllowed>`);
    // Refused on the way, well before the whole stream.
    expect(r.writtenAtResponse).toBeLessThan(3 * LIMIT);
  });

  it("an object within the limit is stored as before (SDK PutObject)", async () => {
    const s3 = new S3Client(server.sdk());
    const body = Buffer.alloc(LIMIT - MiB, 0x62);
    const out = await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "fits.bin", Body: body }));
    expect(out.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("the SDK sees EntityTooLarge as S3's error", async () => {
    const s3 = new S3Client(server.sdk());
    const err = await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "sdk-too-big.bin", Body: Buffer.alloc(LIMIT + 1) })).catch((e) => e);
    expect(err).toMatchObject({ name: "EntityTooLarge", $metadata: { httpStatusCode: 400 } });
  });

  it.skipIf(!hasAwsCli)("the aws CLI gets EntityTooLarge for a put-object over the limit (not a reset)", async () => {
    const file = join(server.stateDir, "cli-too-big.bin");
    writeFileSync(file, Buffer.alloc(LIMIT + MiB, 0x63));
    // The CLI sends Expect: 100-continue and then the whole body; the answer must survive that.
    const r = await aws(server, ["s3api", "put-object", "--bucket", "basic-evidence", "--key", "cli-too-big.bin", "--body", file]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("EntityTooLarge");
    expect(r.stderr).toContain("Your proposed upload exceeds the maximum allowed size");
  });

  it("other protocols answer a body over 16 MiB with 413 in their own shape", async () => {
    const big = "x".repeat(16 * MiB + 1);
    // awsJson 1.1 (CloudTrail)
    const json = await signedFetch(server.url, server.credentials, {
      service: "cloudtrail",
      region: server.region,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents" },
      body: `{"NextToken":"${big}"}`,
    });
    expect(json.status).toBe(413);
    expect(JSON.parse(json.text)).toMatchObject({ __type: expect.stringContaining("RequestEntityTooLargeException") });
    // awsQuery (IAM)
    const query = await signedFetch(server.url, server.credentials, {
      service: "iam",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: `Action=ListUsers&Version=2010-05-08&Marker=${big}`,
    });
    expect(query.status).toBe(413);
    expect(query.text).toContain("<Code>RequestEntityTooLarge</Code>");
  });

  it("an unsigned form body names its service from its first 64 KiB only", async () => {
    const r = await streamRequest("/", { "content-type": "application/x-www-form-urlencoded", "content-length": String(20 * MiB) }, 20 * MiB, {
      method: "POST",
    });
    expect(r.status).toBe(413);
    expect(r.text).toContain("<Code>RequestEntityTooLarge</Code>");
    expect(r.writtenAtResponse).toBeLessThan(20 * MiB);
  });
});
