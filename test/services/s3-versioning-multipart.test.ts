/** S3 versioning and multipart upload through SDK v3: versions, delete markers and recovery; parts, UploadPartCopy and completion. */
import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../helpers/emulator.ts";
import { failure, s3Suite } from "../helpers/s3.ts";

const EVIDENCE = "basic-evidence";
const suite = s3Suite();
const { keys, text, newBucket } = suite;

describe("multipart upload", () => {
  const MB = 1024 * 1024;

  it("uploads parts, lists them, completes with an ETag of the part MD5s", async () => {
    const name = await newBucket();
    const p1 = Buffer.alloc(5 * MB, "a");
    const p2 = Buffer.from("the tail");
    const c = await suite.s3.send(
      new CreateMultipartUploadCommand({ Bucket: name, Key: "big.bin", ContentType: "application/octet-stream", Metadata: { part: "yes" } }),
    );
    expect(c.UploadId).toBeTruthy();
    const e1 = (await suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId, PartNumber: 1, Body: p1 }))).ETag;
    const e2 = (await suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId, PartNumber: 2, Body: p2 }))).ETag;
    expect(e2).toBe(`"${createHash("md5").update(p2).digest("hex")}"`);
    const listed = await suite.s3.send(new ListPartsCommand({ Bucket: name, Key: "big.bin", UploadId: c.UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, p1.length, e1],
      [2, p2.length, e2],
    ]);
    expect((await suite.s3.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads?.map((u) => u.UploadId)).toEqual([c.UploadId]);
    // Not yet an object.
    expect(await keys(name)).toEqual([]);
    const done = await suite.s3.send(
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
    const head = await suite.s3.send(new HeadObjectCommand({ Bucket: name, Key: "big.bin" }));
    expect(head).toMatchObject({ ContentLength: p1.length + p2.length, ETag: done.ETag, ContentType: "application/octet-stream", Metadata: { part: "yes" } });
    const tail = await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "big.bin", Range: `bytes=${p1.length - 2}-` }));
    expect(await tail.Body?.transformToString()).toBe("aathe tail");
    expect((await suite.s3.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads).toBeUndefined();
  });

  it("refuses a bad part list without completing, and aborts", async () => {
    const name = await newBucket();
    const c = await suite.s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "k" }));
    const e1 = (await suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, PartNumber: 1, Body: "small" }))).ETag;
    const e2 = (await suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, PartNumber: 2, Body: "small" }))).ETag;
    const complete = (parts: { PartNumber: number; ETag?: string }[]) =>
      failure(suite.s3.send(new CompleteMultipartUploadCommand({ Bucket: name, Key: "k", UploadId: c.UploadId, MultipartUpload: { Parts: parts } })));
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
    expect((await suite.s3.send(new ListPartsCommand({ Bucket: name, Key: "k", UploadId: c.UploadId }))).Parts).toHaveLength(2);
    await suite.s3.send(new AbortMultipartUploadCommand({ Bucket: name, Key: "k", UploadId: c.UploadId }));
    const gone = await failure(suite.s3.send(new ListPartsCommand({ Bucket: name, Key: "k", UploadId: c.UploadId })));
    expect(gone.name).toBe("NoSuchUpload");
    expect((await failure(suite.s3.send(new UploadPartCommand({ Bucket: name, Key: "k", UploadId: "bogus", PartNumber: 1, Body: "x" })))).name).toBe(
      "NoSuchUpload",
    );
  });
});

describe("multipart upload by copy", () => {
  it("UploadPartCopy copies whole objects or byte ranges into parts", async () => {
    const name = await newBucket();
    const src = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < src.length; i++) src[i] = i % 256;
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "src.bin", Body: src }));
    const c = await suite.s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "joined.bin" }));
    const whole = await suite.s3.send(
      new UploadPartCopyCommand({ Bucket: name, Key: "joined.bin", UploadId: c.UploadId, PartNumber: 1, CopySource: `${name}/src.bin` }),
    );
    const ranged = await suite.s3.send(
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
      suite.s3.send(
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
    await suite.s3.send(
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
    const tail = await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "joined.bin", Range: "bytes=-12" }));
    expect(Buffer.from((await tail.Body?.transformToByteArray()) ?? [])).toEqual(Buffer.concat([src.subarray(src.length - 2), src.subarray(10, 20)]));
  });
});

describe("versioning", () => {
  it("keeps every version, hides deleted keys behind delete markers and lets them be recovered", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await suite.s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Enabled");
    const v1 = (await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "one" }))).VersionId ?? "";
    const v2 = (await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "two" }))).VersionId ?? "";
    expect(v1).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(v2).not.toBe(v1);
    const current = await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "k" }));
    expect([await current.Body?.transformToString(), current.VersionId]).toEqual(["two", v2]);
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: v1 }))).Body?.transformToString()).toBe("one");

    const del = await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    expect(del.DeleteMarker).toBe(true);
    const marker = del.VersionId ?? "";
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "k" })))).name).toBe("NoSuchKey");
    expect(await keys(name)).toEqual([]);
    const onMarker = await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: marker })));
    expect(onMarker.name).toBe("MethodNotAllowed");
    expect(onMarker.$metadata.httpStatusCode).toBe(405);

    const listed = await suite.s3.send(new ListObjectVersionsCommand({ Bucket: name }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([
      [v2, false, 3],
      [v1, false, 3],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["k", marker, true]]);

    // Recover the older version by copying it, then undelete by removing the marker.
    await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "k-restored", CopySource: `${name}/k?versionId=${v1}` }));
    expect(await text(name, "k-restored")).toBe("one");
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k", VersionId: marker }));
    expect(await text(name, "k")).toBe("two");
    // Copying a noncurrent version onto its own key restores it as a new current version; the current one cannot.
    expect((await failure(suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "k", CopySource: `${name}/k?versionId=${v2}` })))).name).toBe(
      "InvalidRequest",
    );
    const restored = await suite.s3.send(new CopyObjectCommand({ Bucket: name, Key: "k", CopySource: `${name}/k?versionId=${v1}` }));
    expect(restored.CopySourceVersionId).toBe(v1);
    expect(await text(name, "k")).toBe("one");
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k", VersionId: restored.VersionId }));
    expect(await text(name, "k")).toBe("two");
    // Permanently deleting the current version makes the previous one current.
    const gone = await suite.s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "k", VersionId: v2 }] } }));
    expect(gone.Deleted).toEqual([{ Key: "k", VersionId: v2 }]);
    expect(await text(name, "k")).toBe("one");
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "k", VersionId: v2 })))).name).toBe("NoSuchVersion");
  });

  it("a suspended bucket writes the 'null' version over itself and keeps earlier versions", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "before versioning" }));
    await suite.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    const v = (await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "versioned" }))).VersionId;
    await suite.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Suspended" } }));
    expect((await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "suspended 1" }))).VersionId).toBe("null");
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "suspended 2" }));
    const versions = (await suite.s3.send(new ListObjectVersionsCommand({ Bucket: name }))).Versions ?? [];
    // The pre-versioning object was the "null" version too, so the suspended writes replaced it.
    expect(versions.map((x) => [x.VersionId, x.IsLatest])).toEqual([
      ["null", true],
      [v, false],
    ]);
    expect(await text(name, "s")).toBe("suspended 2");
    const mfa = await failure(
      suite.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" } })),
    );
    expect(mfa.name).toBe("AccessDenied");
    expect((await suite.s3.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Suspended");
    // Only the delete marker is left after deleting the current object: still not empty.
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: "null" }));
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: v }));
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "s", Body: "x" }));
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s" }));
    expect(await keys(name)).toEqual([]);
    expect((await failure(suite.s3.send(new DeleteBucketCommand({ Bucket: name })))).name).toBe("BucketNotEmpty");
    const markers = (await suite.s3.send(new ListObjectVersionsCommand({ Bucket: name }))).DeleteMarkers ?? [];
    expect(markers.map((m) => m.VersionId)).toEqual(["null"]);
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "s", VersionId: "null" }));
    await suite.s3.send(new DeleteBucketCommand({ Bucket: name }));
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
    await suite.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
    const ids: string[] = [];
    for (const body of ["1", "2", "3"]) ids.unshift((await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "p", Body: body }))).VersionId ?? "");
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "q", Body: "q" }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const out = await suite.s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: idMarker }));
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

describe("versions of an unversioned bucket", () => {
  it("in a bucket that never had versioning, lists each object once as the latest 'null' version", async () => {
    const name = await newBucket();
    for (const k of ["x/1", "x/2", "y"]) await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: k, Body: k }));
    const first = await suite.s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 2 }));
    expect(first.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["x/1", "null", true],
      ["x/2", "null", true],
    ]);
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: "x/2", NextVersionIdMarker: "null" });
    const rest = await suite.s3.send(
      new ListObjectVersionsCommand({ Bucket: name, KeyMarker: first.NextKeyMarker, VersionIdMarker: first.NextVersionIdMarker }),
    );
    expect(rest.Versions?.map((v) => v.Key)).toEqual(["y"]);
    expect(rest.IsTruncated).toBe(false);
    expect(rest.DeleteMarkers).toBeUndefined();
    // Unversioned objects answer to version "null" only.
    expect(await (await suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "y", VersionId: "null" }))).Body?.transformToString()).toBe("y");
    expect((await failure(suite.s3.send(new GetObjectCommand({ Bucket: name, Key: "y", VersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" })))).name).toBe(
      "InvalidArgument",
    );
  });
});
