/** Shared pieces of the S3 SDK suites (s3-buckets, s3-objects, s3-versioning-multipart): error capture, listing, raw signed requests. */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll } from "vitest";
import { startTestServer, type TestServer } from "./emulator.ts";
import { rawHttp } from "./raw-http.ts";

/** Rejects with the SDK's error; returns it for closer inspection. */
export async function failure(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error("expected the call to fail");
}

/** The keys of a bucket (one ListObjectsV2 page). */
export async function listKeys(s3: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key ?? "");
}

/** An object's body as text. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? "";
}

let bucketSeq = 0;
/** A new, empty bucket in the server's home region, named test-bucket-<n> (unique within the test file). */
export async function createBucket(s3: S3Client, region: string): Promise<string> {
  const name = `test-bucket-${++bucketSeq}`;
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: region as "ap-northeast-1" } }));
  return name;
}

/** A SigV4-signed request with any raw path and Host header, sent to the server's socket as is. */
export async function rawS3(
  server: TestServer,
  method: string,
  path: string,
  opts: { host?: string; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const host = opts.host ?? `127.0.0.1:${server.port}`;
  const [pathname, qs = ""] = path.split("?");
  const signer = new SignatureV4({ service: "s3", region: server.region, credentials: server.credentials, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: "http:",
      hostname: host.replace(/:\d+$/, ""),
      port: server.port,
      path: pathname,
      query: Object.fromEntries(new URLSearchParams(qs)),
      headers: {
        host,
        "x-amz-content-sha256": createHash("sha256")
          .update(opts.body ?? "")
          .digest("hex"),
      },
      body: opts.body,
    }),
  );
  return rawHttp(server.port, method, path, signed.headers, opts.body);
}

/** Every file under a directory, relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else out.push(`${rel}${name}`);
    }
  };
  walk(dir, "");
  return out.sort();
}

/**
 * One "basic" server for an S3 suite (started before its tests, stopped after), with the suite's shorthands bound to
 * it. Read `server` and `s3` inside tests: they exist once beforeAll has run.
 */
export function s3Suite(clock = "2026-02-01T12:00:00Z") {
  const suite = {
    server: undefined as unknown as TestServer,
    s3: undefined as unknown as S3Client,
    keys: (bucket: string, prefix?: string) => listKeys(suite.s3, bucket, prefix),
    text: (bucket: string, key: string) => readText(suite.s3, bucket, key),
    newBucket: () => createBucket(suite.s3, suite.server.region),
    raw: (method: string, path: string, opts?: { host?: string; body?: string }) => rawS3(suite.server, method, path, opts),
  };
  beforeAll(async () => {
    suite.server = await startTestServer({ scenario: "basic", clock });
    suite.s3 = new S3Client(suite.server.sdk());
  });
  afterAll(async () => {
    await suite.server?.stop();
  });
  return suite;
}
