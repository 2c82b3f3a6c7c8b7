/** S3 objects through SDK v3: put, get, head, copy, delete, listing, object tags, key containment and atomic failures. */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { startTestServer } from "../helpers/emulator.ts";
import { failure, filesUnder, s3Suite } from "../helpers/s3.ts";

const EVIDENCE = "basic-evidence";
const suite = s3Suite();
const { keys, text, newBucket, raw } = suite;

describe("objects", () => {
  it("reads the recorded evidence object", async () => {
    const body = await text(EVIDENCE, "notes/readme.txt");
    expect(body.length).toBeGreaterThan(0);
    const head = await suite.s3.send(new HeadObjectCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }));
    expect(head.ContentLength).toBe(Buffer.byteLength(body));
    expect(head.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
  });

  it("put stores body, content type and x-amz-meta-* metadata; head and get return them", async () => {
    const name = await newBucket();
    const put = await suite.s3.send(
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
    const head = await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: "dir/file.json" }));
    expect(head).toMatchObject({ ContentType: "application/json", ContentLength: 7, Metadata: { case: "IR-42" }, CacheControl: "no-cache", ETag: put.ETag });
    const got = await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/file.json", ResponseContentType: "text/plain" }));
    expect(got.ContentType).toBe("text/plain");
    expect(await got.Body?.transformToString()).toBe('{"a":1}');
  });

  it("checks Content-MD5: BadDigest and InvalidDigest write nothing", async () => {
    const name = await newBucket();
    const md5 = (s: string) => createHash("md5").update(s).digest("base64");
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "ok", Body: "right", ContentMD5: md5("right") }));
    const bad = await failure(suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "bad", Body: "body", ContentMD5: md5("other") })));
    expect(bad.name).toBe("BadDigest");
    const invalid = await failure(suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "bad", Body: "body", ContentMD5: "not-md5" })));
    expect(invalid.name).toBe("InvalidDigest");
    const over = await failure(suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "ok", Body: "changed", ContentMD5: md5("nope") })));
    expect(over.name).toBe("BadDigest");
    expect(await keys(name)).toEqual(["ok"]);
    expect(await text(name, "ok")).toBe("right");
  });

  it("NoSuchKey carries the key; NoSuchBucket the bucket; HEAD of a missing key is a bare 404", async () => {
    const err = await failure(suite.s3.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "notes/missing.txt" })));
    expect(err.name).toBe("NoSuchKey");
    expect(err.Key).toBe("notes/missing.txt");
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: "absent-bucket", Key: "k" })))).name).toBe("NoSuchBucket");
    const head = await failure(suite.s3.send(new HeadObjectCommand({ Bucket: EVIDENCE, Key: "notes/missing.txt" })));
    expect(head.name).toBe("NotFound");
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("ranges: 206 with Content-Range, suffix and open ranges, InvalidRange past the end", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "digits", Body: "0123456789" }));
    const part = await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=2-5" }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe("bytes 2-5/10");
    expect(part.ContentLength).toBe(4);
    expect(await part.Body?.transformToString()).toBe("2345");
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=-3" }))).Body?.transformToString()).toBe("789");
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=7-" }))).Body?.transformToString()).toBe("789");
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=8-100" }))).Body?.transformToString()).toBe("89");
    const bad = await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "digits", Range: "bytes=10-20" })));
    expect(bad.name).toBe("InvalidRange");
    expect(bad.$metadata.httpStatusCode).toBe(416);
  });

  it("conditional reads: If-None-Match and If-Modified-Since give 304, If-Match mismatch 412", async () => {
    const name = await newBucket();
    const put = await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "c", Body: "conditional" }));
    const notModified = await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfNoneMatch: put.ETag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const later = new Date(Date.parse("2026-02-01T12:00:00Z") + 86_400_000 * 365);
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfModifiedSince: later })))).$metadata.httpStatusCode).toBe(304);
    const earlier = new Date("2020-01-01T00:00:00Z");
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfModifiedSince: earlier }))).Body?.transformToString()).toBe(
      "conditional",
    );
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfNoneMatch: '"0000"' }))).Body?.transformToString()).toBe("conditional");
    const failed = await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfMatch: '"0000"' })));
    expect(failed.name).toBe("PreconditionFailed");
    expect(failed.$metadata.httpStatusCode).toBe(412);
    expect((await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "c", IfMatch: put.ETag }))).ETag).toBe(put.ETag);
  });

  it("deletes one object (idempotently) and many, Quiet answering only errors", async () => {
    const name = await newBucket();
    for (const k of ["a", "b", "c", "d"]) await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "a" }));
    const again = await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "a" }));
    expect(again.$metadata.httpStatusCode).toBe(204);
    const many = await suite.s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "b" }, { Key: "never-existed" }] } }));
    expect(many.Deleted?.map((d) => d.Key)).toEqual(["b", "never-existed"]);
    const quiet = await suite.s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "c" }], Quiet: true } }));
    expect(quiet.Deleted).toBeUndefined();
    expect(await keys(name)).toEqual(["d"]);
  });

  it("copies with url-encoded source keys, keeping or replacing metadata", async () => {
    const name = await newBucket();
    const src = "in dir/a+b&c.txt";
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: src, Body: "copied", ContentType: "text/plain", Metadata: { origin: "upload" } }));
    const copy = await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "kept", CopySource: `${name}/${encodeURIComponent(src)}` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${createHash("md5").update("copied").digest("hex")}"`);
    expect(copy.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    expect(await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: "kept" }))).toMatchObject({
      ContentType: "text/plain",
      Metadata: { origin: "upload" },
    });
    await suite.s3.send(
      new CopyObjectCommand({
        Bucket: name,
        Key: "replaced",
        CopySource: `/${name}/${encodeURIComponent(src)}`,
        MetadataDirective: "REPLACE",
        ContentType: "application/x-evidence",
        Metadata: { case: "7" },
      }),
    );
    const replaced = await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: "replaced" }));
    expect(replaced.ContentType).toBe("application/x-evidence");
    expect(replaced.Metadata).toEqual({ case: "7" });
    // Across buckets, from the recording.
    await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "readme-copy", CopySource: `${EVIDENCE}/notes/readme.txt` }));
    expect(await text(name, "readme-copy")).toBe(await text(EVIDENCE, "notes/readme.txt"));
  });

  it("copy errors change nothing: missing source, missing bucket, copy onto itself unchanged", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "src", Body: "x" }));
    const missing = await failure(suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: `${name}/nope` })));
    expect(missing.name).toBe("NoSuchKey");
    expect((await failure(suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: "no-such-src-bucket/src" })))).name).toBe(
      "NoSuchBucket",
    );
    expect((await failure(suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "src", CopySource: `${name}/src` })))).name).toBe("InvalidRequest");
    expect((await failure(suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "dest", CopySource: `${name}/src`, CopySourceIfMatch: '"0"' })))).name).toBe(
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
    for (const k of all) await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
  });

  it("ListObjectsV2: prefix, delimiter and counts", async () => {
    const out = await suite.s3.send(new ListObjectsV2Command({ Bucket: name, Delimiter: "/" }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(["b", "d"]);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c/"]);
    expect(out.KeyCount).toBe(4);
    const sub = await suite.s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: "a/", Delimiter: "/" }));
    expect(sub.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2"]);
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/b/"]);
    expect(sub.Contents?.[0]).toMatchObject({ Size: 3, StorageClass: "STANDARD" });
  });

  it("ListObjectsV2 pages with continuation tokens, common prefixes counting once", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await suite.s3.send(new ListObjectsV2Command({ Bucket: name, Delimiter: "/", MaxKeys: 1, ContinuationToken: token }));
      seen.push(...(out.Contents ?? []).map((c) => c.Key ?? ""), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ""));
      expect(out.KeyCount).toBe(1);
      token = out.NextContinuationToken;
      expect(out.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(["a/", "b", "c/", "d"]);
  });

  it("StartAfter skips keys up to it, and a forged continuation token is refused", async () => {
    expect((await suite.s3.send(new ListObjectsV2Command({ Bucket: name, StartAfter: "a/b/3" }))).Contents?.map((c) => c.Key)).toEqual([
      "b",
      "c/1",
      "c/2",
      "d",
    ]);
    // A resume point inside a rolled-up prefix still returns that prefix: keys after it remain under it.
    expect((await suite.s3.send(new ListObjectsV2Command({ Bucket: name, StartAfter: "c/1", Delimiter: "/" }))).CommonPrefixes?.map((p) => p.Prefix)).toEqual([
      "c/",
    ]);
    const err = await failure(suite.s3.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: "bm90LWEtdG9rZW4=" })));
    expect(err.name).toBe("InvalidArgument");
  });

  it("EncodingType=url percent-encodes keys and prefixes in the answer", async () => {
    const b = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: b, Key: "sp ace/é+%.txt", Body: "x" }));
    const out = await suite.s3.send(new ListObjectsV2Command({ Bucket: b, EncodingType: "url", Prefix: "sp ace/" }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(["sp%20ace/%C3%A9%2B%25.txt"]);
    expect(out.Prefix).toBe("sp%20ace/");
    const delim = await suite.s3.send(new ListObjectsV2Command({ Bucket: b, EncodingType: "url", Delimiter: "/" }));
    expect(delim.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["sp%20ace/"]);
    const plain = await suite.s3.send(new ListObjectsV2Command({ Bucket: b }));
    expect(plain.Contents?.map((c) => c.Key)).toEqual(["sp ace/é+%.txt"]);
  });

  it("ListObjects (v1) pages with Marker; NextMarker comes with a delimiter", async () => {
    const first = await suite.s3.send(new ListObjectsCommand({ Bucket: name, MaxKeys: 3 }));
    expect(first.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2", "a/b/3"]);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBeUndefined();
    expect(first.Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const second = await suite.s3.send(new ListObjectsCommand({ Bucket: name, Marker: "a/b/3" }));
    expect(second.Contents?.map((c) => c.Key)).toEqual(["b", "c/1", "c/2", "d"]);
    expect(second.IsTruncated).toBe(false);
    const d1 = await suite.s3.send(new ListObjectsCommand({ Bucket: name, Delimiter: "/", MaxKeys: 2 }));
    expect([...(d1.CommonPrefixes ?? []).map((p) => p.Prefix), ...(d1.Contents ?? []).map((c) => c.Key)]).toEqual(["a/", "b"]);
    expect(d1.NextMarker).toBe("b");
    const d2 = await suite.s3.send(new ListObjectsCommand({ Bucket: name, Delimiter: "/", Marker: d1.NextMarker }));
    expect(d2.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/"]);
    expect(d2.Contents?.map((c) => c.Key)).toEqual(["d"]);
  });
});

describe("object tags", () => {
  it("object tags from x-amz-tagging: stored, counted, copied or replaced", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "tagged", Body: "t", Tagging: "case=ir-9&stage=triage" }));
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "tagged" }))).TagSet).toEqual([
      { Key: "case", Value: "ir-9" },
      { Key: "stage", Value: "triage" },
    ]);
    expect((await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: "tagged" }))).TagCount).toBe(2);
    await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "kept", CopySource: `${name}/tagged` }));
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toHaveLength(2);
    await suite.s3.send(
      new CopyObjectCommand({ Bucket: name, Key: "retagged", CopySource: `${name}/tagged`, TaggingDirective: "REPLACE", Tagging: "stage=closed" }),
    );
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "retagged" }))).TagSet).toEqual([{ Key: "stage", Value: "closed" }]);
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: EVIDENCE, Key: "notes/readme.txt" }))).TagSet).toEqual([]);
    expect((await failure(suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "dup", Body: "d", Tagging: "a=1&a=2" })))).name).toBe("InvalidTag");
    expect(await keys(name)).toEqual(["kept", "retagged", "tagged"]);
    await suite.s3.send(new PutObjectTaggingCommand({ Bucket: name, Key: "kept", Tagging: { TagSet: [{ Key: "hold", Value: "legal" }] } }));
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toEqual([{ Key: "hold", Value: "legal" }]);
    await suite.s3.send(new DeleteObjectTaggingCommand({ Bucket: name, Key: "kept" }));
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "kept" }))).TagSet).toEqual([]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect((await failure(suite.s3.send(new PutObjectTaggingCommand({ Bucket: name, Key: "tagged", Tagging: { TagSet: tooMany } })))).name).toBe("BadRequest");
    expect((await suite.s3.send(new GetObjectTaggingCommand({ Bucket: name, Key: "tagged" }))).TagSet).toHaveLength(2);
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
    const acl = await suite.s3.send(new GetObjectAclCommand({ Bucket: name, Key: "tagged" }));
    expect(acl.Grants?.[0]).toMatchObject({ Permission: "FULL_CONTROL", Grantee: { Type: "CanonicalUser", ID: acl.Owner?.ID } });
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
    // The state directory's own files, less blobs and the temp file of a state write in progress (".state.json.tmp", renamed over
    // state.json when done): a write may be under way when the directory is read.
    const ownFiles = (files: string[]) => files.filter((f) => !f.startsWith("blobs/") && !/^\.[^/]+\.tmp$/.test(f));
    const stateBefore = ownFiles(filesUnder(suite.server.stateDir));
    for (const [i, key] of hostile.entries()) {
      await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: `body-${i}` }));
      expect(await text(name, key), key).toBe(`body-${i}`);
      expect((await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: key }))).ContentLength).toBe(`body-${i}`.length);
      await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: `copy/${key}`, CopySource: `${name}/${encodeURIComponent(key)}` }));
      expect(await text(name, `copy/${key}`), `copy of ${key}`).toBe(`body-${i}`);
    }
    const listed = await suite.s3.send(new ListObjectsV2Command({ Bucket: name, EncodingType: "url" }));
    const decoded = (listed.Contents ?? []).map((c) => decodeURIComponent(c.Key ?? ""));
    expect(decoded.sort()).toEqual([...hostile, ...hostile.map((k) => `copy/${k}`)].sort());
    // Nothing landed outside the state directory's own files and content-addressed blobs.
    const after = filesUnder(suite.server.stateDir);
    expect(ownFiles(after)).toEqual(stateBefore);
    expect(after.filter((f) => f.startsWith("blobs/")).every((f) => /^blobs\/[0-9a-f]{64}$/.test(f))).toBe(true);
    expect(readdirSync(join(suite.server.stateDir, ".."))).not.toContain("ir-range-escape");
    for (const key of hostile) await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
    expect((await keys(name)).every((k) => k.startsWith("copy/"))).toBe(true);
  });

  it("a traversal path does not reach another bucket's object or the recording's files", async () => {
    const other = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: other, Key: "secret", Body: "top secret" }));
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
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: other, Key: `../${EVIDENCE}/notes/readme.txt` })))).name).toBe("NoSuchKey");
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: "../../scenario.json" })))).name).toBe("NoSuchKey");
  });
});

describe("a failing call changes nothing", () => {
  it("keeps state identical across refused writes", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "keep", Body: "kept" }));
    await suite.s3.send(
      new PutBucketPolicyCommand({
        Bucket: name,
        Policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }),
      }),
    );
    const snapshot = JSON.stringify(objectsOf(suite.server.emulator.runtime).bucket(suite.server.accountId, name));
    const refused = [
      () => suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "keep", Body: "changed", ContentMD5: createHash("md5").update("x").digest("base64") })),
      () => suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "k".repeat(1025), Body: "long" })),
      () => suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "sc", Body: "x", StorageClass: "PLATINUM" as never })),
      () => suite.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: "{" })),
      () => suite.s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: "aws:reserved", Value: "x" }] } })),
      () => suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "keep", CopySource: `${name}/absent` })),
      () => suite.s3.send(new DeleteBucketCommand({ Bucket: name })),
      () => suite.s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } })),
      () => suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "keep", UploadId: "nope", PartNumber: 1, Body: "x" })),
    ];
    for (const call of refused) await failure(call());
    expect(JSON.stringify(objectsOf(suite.server.emulator.runtime).bucket(suite.server.accountId, name))).toBe(snapshot);
    expect(await text(name, "keep")).toBe("kept");
  });
});
