/**
 * Large S3 object bodies are spooled to a file as they arrive (docs/security.md, "Bounded memory"): aws-chunked
 * framing removed, sha256 and md5 computed on the way, the file renamed into the blob store; every failure removes it.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const MiB = 1024 * 1024;
const BUCKET = "basic-evidence";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

// A full collection on demand, so what memory holds is measured rather than what is waiting to be collected.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const spoolFiles = () => readdirSync(join(server.stateDir, "blobs"), { withFileTypes: true }).filter((f) => f.name.startsWith("."));
const store = () => objectsOf(server.emulator.runtime);

/** A body of `total` bytes: one random block (not a power of two, so it never lines up with chunks) repeated. */
const block = randomBytes(MiB + 7);
function sha256Of(total: number): string {
  const h = createHash("sha256");
  for (let at = 0; at < total; at += block.length) h.update(block.subarray(0, Math.min(block.length, total - at)));
  return h.digest("hex");
}

async function signedPut(path: string, headers: Record<string, string>): Promise<Record<string, string>> {
  const url = new URL(server.url);
  const signer = new SignatureV4({ credentials: server.credentials, region: server.region, service: "s3", sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({ method: "PUT", protocol: "http:", hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, ...headers } }),
  );
  return signed.headers as Record<string, string>;
}

interface Streamed {
  status: number;
  text: string;
  /** Highest growth of this process's ArrayBuffer memory (Buffers) while the request ran. */
  peakArrayBuffers: number;
}

/**
 * Streams `total` bytes of the block pattern with backpressure (the client holds one block); once `pause.at` bytes are
 * written it waits for `pause.run`, and then goes on or aborts.
 */
function stream(
  path: string,
  headers: Record<string, string>,
  total: number,
  pauseAt?: { at: number; run: () => Promise<"continue" | "abort"> },
): Promise<Streamed> {
  let pause = pauseAt;
  const url = new URL(server.url);
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  const sampler = setInterval(sample, 2);
  return new Promise<Streamed>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: Number(url.port), method: "PUT", path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => {
        clearInterval(sampler);
        sample();
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8"), peakArrayBuffers: peak - before });
      });
    });
    let aborted = false;
    req.on("error", (e) => {
      clearInterval(sampler);
      if (aborted) resolve({ status: 0, text: "", peakArrayBuffers: peak - before });
      else reject(e);
    });
    let written = 0;
    const pump = () => {
      while (written < total) {
        if (pause && written >= pause.at) {
          const run = pause.run;
          pause = undefined;
          run().then((next) => {
            if (next === "abort") {
              aborted = true;
              req.destroy();
            } else pump();
          }, reject);
          return;
        }
        const n = Math.min(block.length, total - written);
        written += n;
        sample();
        if (!req.write(n === block.length ? block : block.subarray(0, n))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

async function readBack(s3: S3Client, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const h = createHash("sha256");
  for await (const c of out.Body as AsyncIterable<Uint8Array>) h.update(c);
  return h.digest("hex");
}

describe("large object bodies are spooled to disk", () => {
  it("a 64 MiB streamed PutObject is stored and read back byte for byte without being held in memory", async () => {
    const total = 64 * MiB;
    const sha = sha256Of(total);
    const path = `/${BUCKET}/big.bin`;
    const headers = await signedPut(path, { "content-length": String(total), "x-amz-content-sha256": sha });
    const spooled = store().spooledBlobs;
    gc();
    const before = process.memoryUsage().arrayBuffers;
    let held = Number.NaN;
    const r = await stream(path, headers, total, {
      at: 56 * MiB,
      // Everything sent so far has reached the spool file (nothing is still in flight in the server's or the
      // client's stream buffers, which a loaded machine can leave several MiB deep): what the server holds of
      // the body now is what a full collection leaves.
      run: async () => {
        await vi.waitFor(() => expect(spoolFiles().map((f) => statSync(join(f.parentPath ?? f.path, f.name)).size)[0]).toBeGreaterThanOrEqual(56 * MiB), {
          timeout: 20_000,
        });
        // V8 frees collected buffers' memory on a background sweeper thread, which a loaded machine runs late:
        // sample after collections until it settles (a server holding the body never gets there).
        await vi.waitFor(
          () => {
            gc();
            held = process.memoryUsage().arrayBuffers - before;
            expect(held).toBeLessThan(16 * MiB);
          },
          { timeout: 10_000, interval: 50 },
        );
        return "continue";
      },
    });
    expect(r.status).toBe(200);
    // 56 MiB were on the server, in its spool file; memory held far less.
    expect(held).toBeLessThan(16 * MiB);
    // Taken from its file by a rename, never read into memory.
    expect(store().spooledBlobs).toBe(spooled + 1);
    expect(spoolFiles()).toEqual([]);
    const s3 = new S3Client(server.sdk());
    expect(await readBack(s3, "big.bin")).toBe(sha);
    // A range is read from the file too.
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big.bin", Range: `bytes=${block.length - 3}-${block.length + 2}` }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray())).toEqual(Buffer.concat([block.subarray(-3), block.subarray(0, 3)]));
    expect(ranged.ContentRange).toBe(`bytes ${block.length - 3}-${block.length + 2}/${total}`);
  });

  it("a payload-hash mismatch on a spooled upload is refused and leaves no file", async () => {
    const total = 12 * MiB;
    const path = `/${BUCKET}/forged.bin`;
    const headers = await signedPut(path, { "content-length": String(total), "x-amz-content-sha256": sha256Of(total - 1) });
    const spooled = store().spooledBlobs;
    const r = await stream(path, headers, total);
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect(r.text).toContain(`<S3ComputedContentSHA256>${sha256Of(total)}</S3ComputedContentSHA256>`);
    expect(store().spooledBlobs).toBe(spooled);
    expect(spoolFiles()).toEqual([]);
    expect(store().head(server.accountId, BUCKET, "forged.bin")).toBeUndefined();
  });

  it("an SDK multipart upload with parts over the threshold completes and reads back", async () => {
    const s3 = new S3Client(server.sdk());
    const parts = [randomBytes(9 * MiB), randomBytes(9 * MiB), randomBytes(3 * MiB)];
    const spooled = store().spooledBlobs;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "multi.bin" }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: "multi.bin", UploadId, PartNumber: i + 1, Body }));
      expect(out.ETag).toBe(`"${createHash("md5").update(Body).digest("hex")}"`);
      etags.push(out.ETag ?? "");
    }
    // The two large parts were spooled, and so was the completed object (joined through a file).
    expect(store().spooledBlobs).toBe(spooled + 2);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: "multi.bin",
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(store().spooledBlobs).toBe(spooled + 3);
    expect(await readBack(s3, "multi.bin")).toBe(createHash("sha256").update(Buffer.concat(parts)).digest("hex"));
    expect(spoolFiles()).toEqual([]);
  });

  it("an SDK PutObject over the threshold (its own framing and checksums) is stored as sent", async () => {
    const s3 = new S3Client(server.sdk());
    const body = randomBytes(10 * MiB);
    const spooled = store().spooledBlobs;
    const out = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sdk-big.bin", Body: body }));
    expect(out.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    expect(store().spooledBlobs).toBe(spooled + 1);
    expect(await readBack(s3, "sdk-big.bin")).toBe(createHash("sha256").update(body).digest("hex"));
  });

  it("an upload aborted mid-body leaves no file", async () => {
    const total = 32 * MiB;
    const path = `/${BUCKET}/aborted.bin`;
    const headers = await signedPut(path, { "content-length": String(total), "x-amz-content-sha256": sha256Of(total) });
    const spooled = store().spooledBlobs;
    // The client goes away once the server is writing the body to its spool file.
    await stream(path, headers, total, {
      at: 8 * MiB,
      run: async () => {
        await vi.waitFor(() => expect(spoolFiles().length).toBe(1), { timeout: 10_000 });
        return "abort";
      },
    });
    await vi.waitFor(() => expect(spoolFiles()).toEqual([]), { timeout: 10_000 });
    expect(store().spooledBlobs).toBe(spooled);
    expect(store().head(server.accountId, BUCKET, "aborted.bin")).toBeUndefined();
  });

  it("a spool file left by a killed server is removed when the next one starts", async () => {
    const dir = server.stateDir;
    const other = await startTestServer({ scenario: "basic" });
    const blobs = join(other.stateDir, "blobs");
    await other.stop(false);
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, ".spool-left-by-a-kill"), "partial");
    const again = await startTestServer({ scenario: "basic", stateDir: other.stateDir });
    try {
      expect(readdirSync(blobs).filter((f) => f.startsWith(".spool-"))).toEqual([]);
      expect(dir).not.toBe(other.stateDir);
    } finally {
      await again.stop();
    }
  });
});
