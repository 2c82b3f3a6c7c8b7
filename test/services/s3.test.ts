/** S3 through SDK v3: every operation with its errors, atomic failures, virtual-host addressing and key containment. */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { Agent, request } from "node:http";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const EVIDENCE = "basic-evidence";
let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  s3 = new S3Client(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

/** Rejects with the SDK's error; returns it for closer inspection. */
async function failure(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error("expected the call to fail");
}

async function keys(bucket: string, prefix?: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key ?? "");
}

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? "";
}

let bucketSeq = 0;
async function newBucket(): Promise<string> {
  const name = `test-bucket-${++bucketSeq}`;
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: server.region as "ap-northeast-1" } }));
  return name;
}

/** A SigV4-signed request with any raw path and Host header, sent to the server's socket as is. */
async function raw(
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
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, method, path, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Every file under a directory, relative to it. */
function filesUnder(dir: string): string[] {
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

describe("buckets", () => {
  it("lists the recorded bucket with its region and the account's canonical owner", async () => {
    const out = await s3.send(new ListBucketsCommand({}));
    const rec = out.Buckets?.find((b) => b.Name === EVIDENCE);
    expect(rec).toMatchObject({ Name: EVIDENCE, BucketRegion: "ap-northeast-1" });
    expect(rec?.CreationDate).toBeInstanceOf(Date);
    expect(out.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it("pages the bucket list with MaxBuckets and ContinuationToken", async () => {
    await newBucket();
    await newBucket();
    const all = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const out = await s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: token }));
      expect(out.Buckets?.length).toBeLessThanOrEqual(2);
      seen.push(...(out.Buckets ?? []).map((b) => b.Name ?? ""));
      token = out.ContinuationToken;
    } while (token);
    expect(seen).toEqual(all);
    expect((await s3.send(new ListBucketsCommand({ Prefix: "test-bucket-" }))).Buckets?.every((b) => b.Name?.startsWith("test-bucket-"))).toBe(true);
  });

  it("creates a bucket with a LocationConstraint, heads it and reports its location", async () => {
    const name = await newBucket();
    expect((await s3.send(new HeadBucketCommand({ Bucket: name }))).BucketRegion).toBe("ap-northeast-1");
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint).toBe("ap-northeast-1");
    const listed = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(listed).toContain(name);
    const again = await failure(s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } })));
    expect(again.name).toBe("BucketAlreadyOwnedByYou");
    expect(again.$metadata.httpStatusCode).toBe(409);
  });

  it("a us-east-1 bucket has an empty LocationConstraint", async () => {
    const us = new S3Client(server.sdk("us-east-1"));
    await us.send(new CreateBucketCommand({ Bucket: "virginia-bucket" }));
    const loc = await us.send(new GetBucketLocationCommand({ Bucket: "virginia-bucket" }));
    expect(loc.LocationConstraint ?? "").toBe("");
    expect((await us.send(new HeadBucketCommand({ Bucket: "virginia-bucket" }))).BucketRegion).toBe("us-east-1");
  });

  it("refuses bad names and a constraint that does not match the regional endpoint, creating nothing", async () => {
    const before = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect((await failure(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).name).toBe("InvalidBucketName");
    expect((await failure(s3.send(new CreateBucketCommand({ Bucket: "__proto__" })))).name).toBe("InvalidBucketName");
    const mismatch = await failure(
      s3.send(new CreateBucketCommand({ Bucket: "wrong-region-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
    );
    expect(mismatch.name).toBe("IllegalLocationConstraintException");
    // SDK v3 fills in the client's region as LocationConstraint, so leave it out by hand as the CLI's s3api does.
    const unspecified = await raw("PUT", "/wrong-region-bucket");
    expect(unspecified.status).toBe(400);
    expect(unspecified.body).toContain("<Code>IllegalLocationConstraintException</Code>");
    expect(unspecified.body).toContain("The unspecified location constraint is incompatible");
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(before);
  });

  it("deletes only empty buckets", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "v" }));
    const err = await failure(s3.send(new DeleteBucketCommand({ Bucket: name })));
    expect(err.name).toBe("BucketNotEmpty");
    expect(err.BucketName).toBe(name);
    expect(await keys(name)).toEqual(["k"]);
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: name })))).name).toBe("NotFound");
    expect((await failure(s3.send(new DeleteBucketCommand({ Bucket: name })))).name).toBe("NoSuchBucket");
  });

  it("a recorded bucket emptied, deleted and re-created does not bring its recorded objects back", async () => {
    const name = "basic-evidence";
    const recorded = await keys(name);
    expect(recorded).toContain("notes/readme.txt");
    // Use a fresh server so the shared one keeps its evidence.
    const other = await startTestServer({ scenario: "basic" });
    try {
      const c = new S3Client(other.sdk());
      for (const k of recorded) await c.send(new DeleteObjectCommand({ Bucket: name, Key: k }));
      await c.send(new DeleteBucketCommand({ Bucket: name }));
      await c.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } }));
      expect((await c.send(new ListObjectsV2Command({ Bucket: name }))).KeyCount).toBe(0);
      expect((await failure(c.send(new GetObjectCommand({ Bucket: name, Key: "notes/readme.txt" })))).name).toBe("NoSuchKey");
    } finally {
      await other.stop();
    }
  });

  it("bucket operations on a missing bucket answer NoSuchBucket with the bucket name", async () => {
    const err = await failure(s3.send(new GetBucketPolicyCommand({ Bucket: "no-such-bucket-here" })));
    expect(err.name).toBe("NoSuchBucket");
    expect(err.BucketName).toBe("no-such-bucket-here");
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect((await failure(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket-here" })))).name).toBe("NoSuchBucket");
  });
});

describe("bucket configuration", () => {
  it("policy: NoSuchBucketPolicy, MalformedPolicy that keeps the old policy, put, get, delete", async () => {
    const name = await newBucket();
    const none = await failure(s3.send(new GetBucketPolicyCommand({ Bucket: name })));
    expect(none.name).toBe("NoSuchBucketPolicy");
    expect(none.message).toBe("The bucket policy does not exist");
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecure",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: `arn:aws:s3:::${name}/*`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy }));
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? "")).toEqual(JSON.parse(policy));
    for (const bad of [
      "{not json",
      "[]",
      JSON.stringify({ Version: "2012-10-17" }),
      JSON.stringify({ Statement: [{ Effect: "Maybe", Principal: "*", Action: "s3:*", Resource: "*" }] }),
    ]) {
      expect((await failure(s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: bad })))).name, bad).toBe("MalformedPolicy");
    }
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy).toBe(policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: name }));
    expect((await failure(s3.send(new GetBucketPolicyCommand({ Bucket: name })))).name).toBe("NoSuchBucketPolicy");
  });

  it("public access block: missing, put (omitted flags false), get, delete", async () => {
    const name = await newBucket();
    const none = await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })));
    expect(none.name).toBe("NoSuchPublicAccessBlockConfiguration");
    expect(none.$metadata.httpStatusCode).toBe(404);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true } }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    expect((await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })))).name).toBe("NoSuchPublicAccessBlockConfiguration");
  });

  it("tagging: NoSuchTagSet, put, get; duplicate keys are refused and leave the tags as they were", async () => {
    const name = await newBucket();
    expect((await failure(s3.send(new GetBucketTaggingCommand({ Bucket: name })))).name).toBe("NoSuchTagSet");
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: {
          TagSet: [
            { Key: "env", Value: "prod" },
            { Key: "owner", Value: "sec" },
          ],
        },
      }),
    );
    const dup = await failure(
      s3.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: {
            TagSet: [
              { Key: "a", Value: "1" },
              { Key: "a", Value: "2" },
            ],
          },
        }),
      ),
    );
    expect(dup.name).toBe("InvalidTag");
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet).toEqual([
      { Key: "env", Value: "prod" },
      { Key: "owner", Value: "sec" },
    ]);
  });

  it("ACL grants the owner FULL_CONTROL; encryption defaults to SSE-S3; versioning and logging are empty until recorded", async () => {
    const name = await newBucket();
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));
    expect(acl.Grants).toEqual([{ Grantee: { Type: "CanonicalUser", ID: acl.Owner?.ID }, Permission: "FULL_CONTROL" }]);
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" },
      BucketKeyEnabled: false,
    });
    const ver = await s3.send(new GetBucketVersioningCommand({ Bucket: name }));
    expect(ver.Status).toBeUndefined();
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toBeUndefined();
  });

  it("policy status: public only for an unconditioned Allow to everyone", async () => {
    const name = await newBucket();
    expect((await failure(s3.send(new GetBucketPolicyStatusCommand({ Bucket: name })))).name).toBe("NoSuchBucketPolicy");
    const statement = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${name}/*` };
    const status = async (policy: object) => {
      await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(policy) }));
      return (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: name }))).PolicyStatus?.IsPublic;
    };
    expect(await status({ Version: "2012-10-17", Statement: [statement] })).toBe(true);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Principal: { AWS: ["*"] } }] })).toBe(true);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }] })).toBe(false);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Principal: { AWS: "arn:aws:iam::111122223333:root" } }] })).toBe(false);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Effect: "Deny" }] })).toBe(false);
  });

  it("encryption and access logging can be set, refused when invalid, and reset", async () => {
    const name = await newBucket();
    const logs = await newBucket();
    const kms = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: kms }, BucketKeyEnabled: true }],
        },
      }),
    );
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: kms }, BucketKeyEnabled: true });
    const bad = await failure(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: kms } }] },
        }),
      ),
    );
    expect(bad.name).toBe("InvalidArgument");
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("aws:kms");
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: name }));
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("AES256");

    const noTarget = await failure(
      s3.send(
        new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "no-such-log-bucket", TargetPrefix: "x/" } } }),
      ),
    );
    expect(noTarget.name).toBe("InvalidTargetBucketForLogging");
    await s3.send(new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: logs, TargetPrefix: "access/" } } }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toEqual({ TargetBucket: logs, TargetPrefix: "access/" });
    await s3.send(new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: {} }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toBeUndefined();
  });

  it("reports versioning, logging and KMS encryption as a recording holds them", async () => {
    const other = await startTestServer({ scenario: "basic" });
    try {
      const rt = other.emulator.runtime;
      const b = rt.objects.bucket(other.accountId, EVIDENCE);
      if (!b) throw new Error("recorded bucket missing");
      b.versioning = { Status: "Suspended" };
      b.logging = { TargetBucket: "access-logs", TargetPrefix: "evidence/" };
      b.encryption = { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/abcd", BucketKeyEnabled: true };
      await rt.store.commit();
      const c = new S3Client(other.sdk());
      expect((await c.send(new GetBucketVersioningCommand({ Bucket: EVIDENCE }))).Status).toBe("Suspended");
      expect((await c.send(new GetBucketLoggingCommand({ Bucket: EVIDENCE }))).LoggingEnabled).toEqual({
        TargetBucket: "access-logs",
        TargetPrefix: "evidence/",
      });
      const rule = (await c.send(new GetBucketEncryptionCommand({ Bucket: EVIDENCE }))).ServerSideEncryptionConfiguration?.Rules?.[0];
      expect(rule).toEqual({
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/abcd" },
        BucketKeyEnabled: true,
      });
    } finally {
      await other.stop();
    }
  });
});

describe("objects", () => {
  it("reads the recorded evidence object", async () => {
    const body = await text(EVIDENCE, "notes/readme.txt");
    expect(body.length).toBeGreaterThan(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }));
    expect(head.ContentLength).toBe(Buffer.byteLength(body));
    expect(head.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
  });

  it("put stores body, content type and x-amz-meta-* metadata; head and get return them", async () => {
    const name = await newBucket();
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: name,
        Key: "dir/file.json",
        Body: '{"a":1}',
        ContentType: "application/json",
        Metadata: { Case: "IR-42" },
        CacheControl: "no-cache",
      }),
    );
    expect(put.ETag).toBe(`"${createHash("md5").update('{"a":1}').digest("hex")}"`);
    expect(put.ServerSideEncryption).toBe("AES256");
    const head = await s3.send(new HeadObjectCommand({ Bucket: name, Key: "dir/file.json" }));
    expect(head).toMatchObject({ ContentType: "application/json", ContentLength: 7, Metadata: { case: "IR-42" }, CacheControl: "no-cache", ETag: put.ETag });
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/file.json", ResponseContentType: "text/plain" }));
    expect(got.ContentType).toBe("text/plain");
    expect(await got.Body?.transformToString()).toBe('{"a":1}');
  });

  it("checks Content-MD5: BadDigest and InvalidDigest write nothing", async () => {
    const name = await newBucket();
    const md5 = (s: string) => createHash("md5").update(s).digest("base64");
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "ok", Body: "right", ContentMD5: md5("right") }));
    const bad = await failure(s3.send(new PutObjectCommand({ Bucket: name, Key: "bad", Body: "body", ContentMD5: md5("other") })));
    expect(bad.name).toBe("BadDigest");
    const invalid = await failure(s3.send(new PutObjectCommand({ Bucket: name, Key: "bad", Body: "body", ContentMD5: "not-md5" })));
    expect(invalid.name).toBe("InvalidDigest");
    const over = await failure(s3.send(new PutObjectCommand({ Bucket: name, Key: "ok", Body: "changed", ContentMD5: md5("nope") })));
    expect(over.name).toBe("BadDigest");
    expect(await keys(name)).toEqual(["ok"]);
    expect(await text(name, "ok")).toBe("right");
  });

  it("NoSuchKey carries the key; NoSuchBucket the bucket; HEAD of a missing key is a bare 404", async () => {
    const err = await failure(s3.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/missing.txt" })));
    expect(err.name).toBe("NoSuchKey");
    expect(err.Key).toBe("notes/missing.txt");
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: "absent-bucket", Key: "k" })))).name).toBe("NoSuchBucket");
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket: EVIDENCE, Key: "notes/missing.txt" })));
    expect(head.name).toBe("NotFound");
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("ranges: 206 with Content-Range, suffix and open ranges, InvalidRange past the end", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "digits", Body: "0123456789" }));
    const part = await s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=2-5" }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe("bytes 2-5/10");
    expect(part.ContentLength).toBe(4);
    expect(await part.Body?.transformToString()).toBe("2345");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=-3" }))).Body?.transformToString()).toBe("789");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=7-" }))).Body?.transformToString()).toBe("789");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=8-100" }))).Body?.transformToString()).toBe("89");
    const bad = await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=10-20" })));
    expect(bad.name).toBe("InvalidRange");
    expect(bad.$metadata.httpStatusCode).toBe(416);
  });

  it("conditional reads: If-None-Match and If-Modified-Since give 304, If-Match mismatch 412", async () => {
    const name = await newBucket();
    const put = await s3.send(new PutObjectCommand({ Bucket: name, Key: "c", Body: "conditional" }));
    const notModified = await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfNoneMatch: put.ETag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const later = new Date(Date.parse("2026-02-01T12:00:00Z") + 86_400_000 * 365);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfModifiedSince: later })))).$metadata.httpStatusCode).toBe(304);
    const earlier = new Date("2020-01-01T00:00:00Z");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfModifiedSince: earlier }))).Body?.transformToString()).toBe("conditional");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfNoneMatch: '"0000"' }))).Body?.transformToString()).toBe("conditional");
    const failed = await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfMatch: '"0000"' })));
    expect(failed.name).toBe("PreconditionFailed");
    expect(failed.$metadata.httpStatusCode).toBe(412);
    expect((await s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfMatch: put.ETag }))).ETag).toBe(put.ETag);
  });

  it("deletes one object (idempotently) and many, Quiet answering only errors", async () => {
    const name = await newBucket();
    for (const k of ["a", "b", "c", "d"]) await s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "a" }));
    const again = await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "a" }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "b" }, { Key: "never-existed" }] } }));
    expect(many.Deleted?.map((d) => d.Key)).toEqual(["b", "never-existed"]);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "c" }], Quiet: true } }));
    expect(quiet.Deleted).toBeUndefined();
    expect(await keys(name)).toEqual(["d"]);
  });

  it("copies with url-encoded source keys, keeping or replacing metadata", async () => {
    const name = await newBucket();
    const src = "in dir/a+b&c.txt";
    await s3.send(new PutObjectCommand({ Bucket: name, Key: src, Body: "copied", ContentType: "text/plain", Metadata: { origin: "upload" } }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: name, Key: "kept", CopySource: `${name}/${encodeURIComponent(src)}` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${createHash("md5").update("copied").digest("hex")}"`);
    expect(copy.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    expect(await s3.send(new HeadObjectCommand({ Bucket: name, Key: "kept" }))).toMatchObject({ ContentType: "text/plain", Metadata: { origin: "upload" } });
    await s3.send(
      new CopyObjectCommand({
        Bucket: name,
        Key: "replaced",
        CopySource: `/${name}/${encodeURIComponent(src)}`,
        MetadataDirective: "REPLACE",
        ContentType: "application/x-evidence",
        Metadata: { case: "7" },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: name, Key: "replaced" }));
    expect(replaced.ContentType).toBe("application/x-evidence");
    expect(replaced.Metadata).toEqual({ case: "7" });
    // Across buckets, from the recording.
    await s3.send(new CopyObjectCommand({ Bucket: name, Key: "readme-copy", CopySource: `${EVIDENCE}/notes/readme.txt` }));
    expect(await text(name, "readme-copy")).toBe(await text(EVIDENCE, "notes/readme.txt"));
  });

  it("copy errors change nothing: missing source, missing bucket, copy onto itself unchanged", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "src", Body: "x" }));
    const missing = await failure(s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: `${name}/nope` })));
    expect(missing.name).toBe("NoSuchKey");
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: "no-such-src-bucket/src" })))).name).toBe("NoSuchBucket");
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: name, Key: "src", CopySource: `${name}/src` })))).name).toBe("InvalidRequest");
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: `${name}/src`, CopySourceIfMatch: '"0"' })))).name).toBe(
      "PreconditionFailed",
    );
    expect(await keys(name)).toEqual(["src"]);
  });
});

describe("listing", () => {
  let name: string;
  const all = ["a/1", "a/2", "a/b/3", "b", "c/1", "c/2", "d"];
  beforeAll(async () => {
    name = await newBucket();
    for (const k of all) await s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
  });

  it("ListObjectsV2: prefix, delimiter and counts", async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: name, Delimiter: "/" }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(["b", "d"]);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c/"]);
    expect(out.KeyCount).toBe(4);
    const sub = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: "a/", Delimiter: "/" }));
    expect(sub.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2"]);
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/b/"]);
    expect(sub.Contents?.[0]).toMatchObject({ Size: 3, StorageClass: "STANDARD" });
  });

  it("ListObjectsV2 pages with continuation tokens, common prefixes counting once", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: name, Delimiter: "/", MaxKeys: 1, ContinuationToken: token }));
      seen.push(...(out.Contents ?? []).map((c) => c.Key ?? ""), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ""));
      expect(out.KeyCount).toBe(1);
      token = out.NextContinuationToken;
      expect(out.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(["a/", "b", "c/", "d"]);
  });

  it("StartAfter skips keys up to it, and a forged continuation token is refused", async () => {
    expect((await s3.send(new ListObjectsV2Command({ Bucket: name, StartAfter: "a/b/3" }))).Contents?.map((c) => c.Key)).toEqual(["b", "c/1", "c/2", "d"]);
    // A resume point inside a rolled-up prefix still returns that prefix: keys after it remain under it.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: name, StartAfter: "c/1", Delimiter: "/" }))).CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/"]);
    const err = await failure(s3.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: "bm90LWEtdG9rZW4=" })));
    expect(err.name).toBe("InvalidArgument");
  });

  it("EncodingType=url percent-encodes keys and prefixes in the answer", async () => {
    const b = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: "sp ace/é+%.txt", Body: "x" }));
    const out = await s3.send(new ListObjectsV2Command({ Bucket: b, EncodingType: "url", Prefix: "sp ace/" }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(["sp%20ace/%C3%A9%2B%25.txt"]);
    expect(out.Prefix).toBe("sp%20ace/");
    const delim = await s3.send(new ListObjectsV2Command({ Bucket: b, EncodingType: "url", Delimiter: "/" }));
    expect(delim.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["sp%20ace/"]);
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: b }));
    expect(plain.Contents?.map((c) => c.Key)).toEqual(["sp ace/é+%.txt"]);
  });

  it("ListObjects (v1) pages with Marker; NextMarker comes with a delimiter", async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: name, MaxKeys: 3 }));
    expect(first.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2", "a/b/3"]);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBeUndefined();
    expect(first.Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const second = await s3.send(new ListObjectsCommand({ Bucket: name, Marker: "a/b/3" }));
    expect(second.Contents?.map((c) => c.Key)).toEqual(["b", "c/1", "c/2", "d"]);
    expect(second.IsTruncated).toBe(false);
    const d1 = await s3.send(new ListObjectsCommand({ Bucket: name, Delimiter: "/", MaxKeys: 2 }));
    expect([...(d1.CommonPrefixes ?? []).map((p) => p.Prefix), ...(d1.Contents ?? []).map((c) => c.Key)]).toEqual(["a/", "b"]);
    expect(d1.NextMarker).toBe("b");
    const d2 = await s3.send(new ListObjectsCommand({ Bucket: name, Delimiter: "/", Marker: d1.NextMarker }));
    expect(d2.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/"]);
    expect(d2.Contents?.map((c) => c.Key)).toEqual(["d"]);
  });
});

describe("multipart upload", () => {
  const MB = 1024 * 1024;

  it("uploads parts, lists them, completes with an ETag of the part MD5s", async () => {
    const name = await newBucket();
    const p1 = Buffer.alloc(5 * MB, "a");
    const p2 = Buffer.from("the tail");
    const c = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: name, Key: "big.bin", ContentType: "application/octet-stream", Metadata: { part: "yes" } }),
    );
    expect(c.UploadId).toBeTruthy();
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId, PartNumber: 1, Body: p1 }))).ETag;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId, PartNumber: 2, Body: p2 }))).ETag;
    expect(e2).toBe(`"${createHash("md5").update(p2).digest("hex")}"`);
    const listed = await s3.send(new ListPartsCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, p1.length, e1],
      [2, p2.length, e2],
    ]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads?.map((u) => u.UploadId)).toEqual([c.UploadId]);
    // Not yet an object.
    expect(await keys(name)).toEqual([]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: name,
        Key: "big.bin",
        UploadId: c.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1 },
            { PartNumber: 2, ETag: e2 },
          ],
        },
      }),
    );
    const md5s = Buffer.concat([p1, p2].map((p) => createHash("md5").update(p).digest()));
    expect(done.ETag).toBe(`"${createHash("md5").update(md5s).digest("hex")}-2"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: name, Key: "big.bin" }));
    expect(head).toMatchObject({ ContentLength: p1.length + p2.length, ETag: done.ETag, ContentType: "application/octet-stream", Metadata: { part: "yes" } });
    const tail = await s3.send(new GetObjectCommand({ Bucket: name, Key: "big.bin", Range: `bytes=${p1.length - 2}-` }));
    expect(await tail.Body?.transformToString()).toBe("aathe tail");
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads).toBeUndefined();
  });

  it("refuses a bad part list without completing, and aborts", async () => {
    const name = await newBucket();
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "k" }));
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, PartNumber: 1, Body: "small" }))).ETag;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, PartNumber: 2, Body: "small" }))).ETag;
    const complete = (parts: { PartNumber: number; ETag?: string }[]) =>
      failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, MultipartUpload: { Parts: parts } })));
    expect(
      (
        await complete([
          { PartNumber: 1, ETag: e1 },
          { PartNumber: 3, ETag: e2 },
        ])
      ).name,
    ).toBe("InvalidPart");
    expect(
      (
        await complete([
          { PartNumber: 2, ETag: e2 },
          { PartNumber: 1, ETag: e1 },
        ])
      ).name,
    ).toBe("InvalidPartOrder");
    expect(
      (
        await complete([
          { PartNumber: 1, ETag: e1 },
          { PartNumber: 2, ETag: e2 },
        ])
      ).name,
    ).toBe("EntityTooSmall");
    expect(await keys(name)).toEqual([]);
    expect((await s3.send(new ListPartsCommand({ Bucket: name, Key: "k", UploadId: c.UploadId }))).Parts).toHaveLength(2);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: name, Key: "k", UploadId: c.UploadId }));
    const gone = await failure(s3.send(new ListPartsCommand({ Bucket: name, Key: "k", UploadId: c.UploadId })));
    expect(gone.name).toBe("NoSuchUpload");
    expect((await failure(s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: "bogus", PartNumber: 1, Body: "x" })))).name).toBe("NoSuchUpload");
  });
});

describe("versions, object tags and unconfigured features", () => {
  it("in a bucket that never had versioning, lists each object once as the latest 'null' version", async () => {
    const name = await newBucket();
    for (const k of ["x/1", "x/2", "y"]) await s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
    const first = await s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 2 }));
    expect(first.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["x/1", "null", true],
      ["x/2", "null", true],
    ]);
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: "x/2", NextVersionIdMarker: "null" });
    const rest = await s3.send(new ListObjectVersionsCommand({ Bucket: name, KeyMarker: first.NextKeyMarker, VersionIdMarker: first.NextVersionIdMarker }));
    expect(rest.Versions?.map((v) => v.Key)).toEqual(["y"]);
    expect(rest.IsTruncated).toBe(false);
    expect(rest.DeleteMarkers).toBeUndefined();
    // Unversioned objects answer to version "null" only.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "y", VersionId: "null" }))).Body?.transformToString()).toBe("y");
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "y", VersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" })))).name).toBe(
      "InvalidArgument",
    );
  });

  it("object tags from x-amz-tagging: stored, counted, copied or replaced", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "tagged", Body: "t", Tagging: "case=ir-9&stage=triage" }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "tagged" }))).TagSet).toEqual([
      { Key: "case", Value: "ir-9" },
      { Key: "stage", Value: "triage" },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: name, Key: "tagged" }))).TagCount).toBe(2);
    await s3.send(new CopyObjectCommand({ Bucket: name, Key: "kept", CopySource: `${name}/tagged` }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toHaveLength(2);
    await s3.send(new CopyObjectCommand({ Bucket: name, Key: "retagged", CopySource: `${name}/tagged`, TaggingDirective: "REPLACE", Tagging: "stage=closed" }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "retagged" }))).TagSet).toEqual([{ Key: "stage", Value: "closed" }]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).TagSet).toEqual([]);
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: name, Key: "dup", Body: "d", Tagging: "a=1&a=2" })))).name).toBe("InvalidTag");
    expect(await keys(name)).toEqual(["kept", "retagged", "tagged"]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: name, Key: "kept", Tagging: { TagSet: [{ Key: "hold", Value: "legal" }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toEqual([{ Key: "hold", Value: "legal" }]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: name, Key: "kept" }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toEqual([]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect((await failure(s3.send(new PutObjectTaggingCommand({ Bucket: name, Key: "tagged", Tagging: { TagSet: tooMany } })))).name).toBe("BadRequest");
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "tagged" }))).TagSet).toHaveLength(2);
    // Tagging a recorded object overlays its metadata and leaves the body alone.
    const other = await startTestServer({ scenario: "basic" });
    try {
      const c = new S3Client(other.sdk());
      const before = await (await c.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).Body?.transformToString();
      await c.send(new PutObjectTaggingCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt", Tagging: { TagSet: [{ Key: "evidence", Value: "E-1" }] } }));
      expect((await c.send(new GetObjectTaggingCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).TagSet).toEqual([{ Key: "evidence", Value: "E-1" }]);
      expect(await (await c.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).Body?.transformToString()).toBe(before);
    } finally {
      await other.stop();
    }
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: name, Key: "tagged" }));
    expect(acl.Grants?.[0]).toMatchObject({ Permission: "FULL_CONTROL", Grantee: { Type: "CanonicalUser", ID: acl.Owner?.ID } });
  });

  it("features never configured answer as AWS does for such a bucket", async () => {
    const name = await newBucket();
    const cases: [() => Promise<unknown>, string][] = [
      [() => s3.send(new GetBucketCorsCommand({ Bucket: name })), "NoSuchCORSConfiguration"],
      [() => s3.send(new GetBucketWebsiteCommand({ Bucket: name })), "NoSuchWebsiteConfiguration"],
      [() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })), "NoSuchLifecycleConfiguration"],
      [() => s3.send(new GetBucketReplicationCommand({ Bucket: name })), "ReplicationConfigurationNotFoundError"],
      [() => s3.send(new GetObjectLockConfigurationCommand({ Bucket: name })), "ObjectLockConfigurationNotFoundError"],
    ];
    for (const [call, code] of cases) {
      const err = await failure(call());
      expect(err.name).toBe(code);
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
    const notif = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: name }));
    expect(notif.TopicConfigurations ?? notif.QueueConfigurations ?? notif.LambdaFunctionConfigurations).toBeUndefined();
    expect((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name }))).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: "BucketOwnerEnforced" },
    ]);
  });

  it("UploadPartCopy copies whole objects or byte ranges into parts", async () => {
    const name = await newBucket();
    const src = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < src.length; i++) src[i] = i % 256;
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "src.bin", Body: src }));
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "joined.bin" }));
    const whole = await s3.send(
      new UploadPartCopyCommand({ Bucket: name, Key: "joined.bin", UploadId: c.UploadId, PartNumber: 1, CopySource: `${name}/src.bin` }),
    );
    const ranged = await s3.send(
      new UploadPartCopyCommand({
        Bucket: name,
        Key: "joined.bin",
        UploadId: c.UploadId,
        PartNumber: 2,
        CopySource: `${name}/src.bin`,
        CopySourceRange: "bytes=10-19",
      }),
    );
    expect(ranged.CopyPartResult?.ETag).toBe(`"${createHash("md5").update(src.subarray(10, 20)).digest("hex")}"`);
    const badRange = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: name,
          Key: "joined.bin",
          UploadId: c.UploadId,
          PartNumber: 3,
          CopySource: `${name}/src.bin`,
          CopySourceRange: `bytes=0-${src.length}`,
        }),
      ),
    );
    expect(badRange.name).toBe("InvalidRange");
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: name,
        Key: "joined.bin",
        UploadId: c.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: whole.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: ranged.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const tail = await s3.send(new GetObjectCommand({ Bucket: name, Key: "joined.bin", Range: "bytes=-12" }));
    expect(Buffer.from((await tail.Body?.transformToByteArray()) ?? [])).toEqual(Buffer.concat([src.subarray(src.length - 2), src.subarray(10, 20)]));
  });
});

describe("versioning", () => {
  it("keeps every version, hides deleted keys behind delete markers and lets them be recovered", async () => {
    const name = await newBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Enabled");
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "one" }))).VersionId ?? "";
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "two" }))).VersionId ?? "";
    expect(v1).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(v2).not.toBe(v1);
    const current = await s3.send(new GetObjectCommand({ Bucket: name, Key: "k" }));
    expect([await current.Body?.transformToString(), current.VersionId]).toEqual(["two", v2]);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: v1 }))).Body?.transformToString()).toBe("one");

    const del = await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    expect(del.DeleteMarker).toBe(true);
    const marker = del.VersionId ?? "";
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "k" })))).name).toBe("NoSuchKey");
    expect(await keys(name)).toEqual([]);
    const onMarker = await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: marker })));
    expect(onMarker.name).toBe("MethodNotAllowed");
    expect(onMarker.$metadata.httpStatusCode).toBe(405);

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: name }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([
      [v2, false, 3],
      [v1, false, 3],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["k", marker, true]]);

    // Recover the older version by copying it, then undelete by removing the marker.
    await s3.send(new CopyObjectCommand({ Bucket: name, Key: "k-restored", CopySource: `${name}/k?versionId=${v1}` }));
    expect(await text(name, "k-restored")).toBe("one");
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k", VersionId: marker }));
    expect(await text(name, "k")).toBe("two");
    // Copying a noncurrent version onto its own key restores it as a new current version; the current one cannot.
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: name, Key: "k", CopySource: `${name}/k?versionId=${v2}` })))).name).toBe("InvalidRequest");
    const restored = await s3.send(new CopyObjectCommand({ Bucket: name, Key: "k", CopySource: `${name}/k?versionId=${v1}` }));
    expect(restored.CopySourceVersionId).toBe(v1);
    expect(await text(name, "k")).toBe("one");
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k", VersionId: restored.VersionId }));
    expect(await text(name, "k")).toBe("two");
    // Permanently deleting the current version makes the previous one current.
    const gone = await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "k", VersionId: v2 }] } }));
    expect(gone.Deleted).toEqual([{ Key: "k", VersionId: v2 }]);
    expect(await text(name, "k")).toBe("one");
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: v2 })))).name).toBe("NoSuchVersion");
  });

  it("a suspended bucket writes the 'null' version over itself and keeps earlier versions", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "before versioning" }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    const v = (await s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "versioned" }))).VersionId;
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Suspended" } }));
    expect((await s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "suspended 1" }))).VersionId).toBe("null");
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "suspended 2" }));
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: name }))).Versions ?? [];
    // The pre-versioning object was the "null" version too, so the suspended writes replaced it.
    expect(versions.map((x) => [x.VersionId, x.IsLatest])).toEqual([
      ["null", true],
      [v, false],
    ]);
    expect(await text(name, "s")).toBe("suspended 2");
    const mfa = await failure(s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" } })));
    expect(mfa.name).toBe("AccessDenied");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Suspended");
    // Only the delete marker is left after deleting the current object: still not empty.
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: "null" }));
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: v }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s" }));
    expect(await keys(name)).toEqual([]);
    expect((await failure(s3.send(new DeleteBucketCommand({ Bucket: name })))).name).toBe("BucketNotEmpty");
    const markers = (await s3.send(new ListObjectVersionsCommand({ Bucket: name }))).DeleteMarkers ?? [];
    expect(markers.map((m) => m.VersionId)).toEqual(["null"]);
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: "null" }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  });

  it("a recorded object deleted in a versioned bucket stays readable as version null", async () => {
    const other = await startTestServer({ scenario: "basic" });
    try {
      const c = new S3Client(other.sdk());
      const original = await (await c.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).Body?.transformToString();
      await c.send(new PutBucketVersioningCommand({ Bucket: EVIDENCE, VersioningConfiguration: { Status: "Enabled" } }));
      await c.send(new DeleteObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }));
      expect((await c.send(new ListObjectsV2Command({ Bucket: EVIDENCE }))).Contents?.map((o) => o.Key) ?? []).not.toContain("notes/readme.txt");
      const versions = await c.send(new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: "notes/" }));
      expect(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([["notes/readme.txt", "null", false]]);
      expect(versions.DeleteMarkers?.[0]).toMatchObject({ Key: "notes/readme.txt", IsLatest: true });
      const old = await c.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt", VersionId: "null" }));
      expect(await old.Body?.transformToString()).toBe(original);
      await c.send(new DeleteObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt", VersionId: versions.DeleteMarkers?.[0].VersionId }));
      expect(await (await c.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).Body?.transformToString()).toBe(original);
    } finally {
      await other.stop();
    }
  });

  it("pages versions with key and version-id markers", async () => {
    const name = await newBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    const ids: string[] = [];
    for (const body of ["1", "2", "3"]) ids.unshift((await s3.send(new PutObjectCommand({ Bucket: name, Key: "p", Body: body }))).VersionId ?? "");
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "q", Body: "q" }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: idMarker }));
      seen.push(...(out.Versions ?? []).map((v) => `${v.Key}:${v.VersionId}`));
      if (!out.IsTruncated) break;
      keyMarker = out.NextKeyMarker;
      idMarker = out.NextVersionIdMarker;
    }
    expect(seen.slice(0, 3)).toEqual(ids.map((id) => `p:${id}`));
    expect(seen).toHaveLength(4);
    expect(seen[3]).toMatch(/^q:/);
  });
});

describe("virtual-host addressing", () => {
  it("the SDK with forcePathStyle:false addresses the bucket by Host", async () => {
    // bucket.localhost does not resolve here: connect to the server, keep the Host header the SDK built.
    const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)) as unknown as LookupFunction;
    const hosts: string[] = [];
    const vhost = new S3Client({
      ...server.sdk(),
      endpoint: `http://localhost:${server.port}`,
      forcePathStyle: false,
      requestHandler: { httpAgent: new Agent({ lookup }) },
    });
    vhost.middlewareStack.add(
      (next) => async (args) => {
        hosts.push(String((args.request as { headers: Record<string, string> }).headers.host ?? (args.request as { hostname: string }).hostname));
        return next(args);
      },
      { step: "finalizeRequest" },
    );
    await vhost.send(new PutObjectCommand({ Bucket: EVIDENCE, Key: "vhost/file.txt", Body: "by host" }));
    expect(await text(EVIDENCE, "vhost/file.txt")).toBe("by host");
    const listed = await vhost.send(new ListObjectsV2Command({ Bucket: EVIDENCE, Prefix: "vhost/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["vhost/file.txt"]);
    expect(hosts.every((h) => h.startsWith(`${EVIDENCE}.localhost`))).toBe(true);
  });

  it("a raw request with the bucket in the Host header reads the object at the path", async () => {
    const r = await raw("GET", "/notes/readme.txt", { host: `${EVIDENCE}.s3.ap-northeast-1.amazonaws.com` });
    expect(r.status).toBe(200);
    expect(r.body).toBe(await text(EVIDENCE, "notes/readme.txt"));
  });
});

describe("keys stay inside their bucket", () => {
  const hostile = [
    "../escape.txt",
    "../../../../tmp/ir-range-escape",
    "..%2Fencoded",
    "%2e%2e/dots",
    "/etc/passwd",
    "a\\..\\..\\win.ini",
    "nul\u0000byte",
    "__proto__",
    "constructor",
    "./.",
  ];

  it("hostile keys round-trip as plain keys through put, head, get, copy, list and delete", async () => {
    const name = await newBucket();
    const stateBefore = filesUnder(server.stateDir).filter((f) => !f.startsWith("blobs/"));
    for (const [i, key] of hostile.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: `body-${i}` }));
      expect(await text(name, key), key).toBe(`body-${i}`);
      expect((await s3.send(new HeadObjectCommand({ Bucket: name, Key: key }))).ContentLength).toBe(`body-${i}`.length);
      await s3.send(new CopyObjectCommand({ Bucket: name, Key: `copy/${key}`, CopySource: `${name}/${encodeURIComponent(key)}` }));
      expect(await text(name, `copy/${key}`), `copy of ${key}`).toBe(`body-${i}`);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: name, EncodingType: "url" }));
    const decoded = (listed.Contents ?? []).map((c) => decodeURIComponent(c.Key ?? ""));
    expect(decoded.sort()).toEqual([...hostile, ...hostile.map((k) => `copy/${k}`)].sort());
    // Nothing landed outside the state directory's own files and content-addressed blobs.
    const after = filesUnder(server.stateDir);
    expect(after.filter((f) => !f.startsWith("blobs/"))).toEqual(stateBefore);
    expect(after.filter((f) => f.startsWith("blobs/")).every((f) => /^blobs\/[0-9a-f]{64}$/.test(f))).toBe(true);
    expect(readdirSync(join(server.stateDir, ".."))).not.toContain("ir-range-escape");
    for (const key of hostile) await s3.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
    expect((await keys(name)).every((k) => k.startsWith("copy/"))).toBe(true);
  });

  it("a traversal path does not reach another bucket's object or the recording's files", async () => {
    const other = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: other, Key: "secret", Body: "top secret" }));
    for (const path of [`/${EVIDENCE}/../${other}/secret`, `/${EVIDENCE}/%2e%2e/${other}/secret`, `/${EVIDENCE}/..%2F${other}%2Fsecret`]) {
      const r = await raw("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toContain("<Code>NoSuchKey</Code>");
      expect(r.body, path).not.toContain("top secret");
    }
    const viaBucket = await raw("GET", `/..%2F${other}/secret`);
    expect(viaBucket.status).toBe(404);
    expect(viaBucket.body).toContain("<Code>NoSuchBucket</Code>");
    // The recording's objects are indexed by key: a relative path to its files names nothing.
    const r = await raw("GET", `/${other}/../${EVIDENCE}/notes/readme.txt`);
    expect(r.status).toBe(404);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: other, Key: `../${EVIDENCE}/notes/readme.txt` })))).name).toBe("NoSuchKey");
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "../../scenario.json" })))).name).toBe("NoSuchKey");
  });
});

describe("a failing call changes nothing", () => {
  it("keeps state identical across refused writes", async () => {
    const name = await newBucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "keep", Body: "kept" }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: name,
        Policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }),
      }),
    );
    const snapshot = JSON.stringify(server.emulator.runtime.objects.bucket(server.accountId, name));
    const refused = [
      () => s3.send(new PutObjectCommand({ Bucket: name, Key: "keep", Body: "changed", ContentMD5: createHash("md5").update("x").digest("base64") })),
      () => s3.send(new PutObjectCommand({ Bucket: name, Key: "k".repeat(1025), Body: "long" })),
      () => s3.send(new PutObjectCommand({ Bucket: name, Key: "sc", Body: "x", StorageClass: "PLATINUM" as never })),
      () => s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: "{" })),
      () => s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: "aws:reserved", Value: "x" }] } })),
      () => s3.send(new CopyObjectCommand({ Bucket: name, Key: "keep", CopySource: `${name}/absent` })),
      () => s3.send(new DeleteBucketCommand({ Bucket: name })),
      () => s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } })),
      () => s3.send(new UploadPartCommand({ Bucket: name, Key: "keep", UploadId: "nope", PartNumber: 1, Body: "x" })),
    ];
    for (const call of refused) await failure(call());
    expect(JSON.stringify(server.emulator.runtime.objects.bucket(server.accountId, name))).toBe(snapshot);
    expect(await text(name, "keep")).toBe("kept");
  });
});
