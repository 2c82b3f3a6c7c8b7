/** Object-level S3 operations. Keys are plain map keys: they never name a file, whatever they contain. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type {
  CopyObjectCommandInput,
  CopyObjectCommandOutput,
  DeleteObjectCommandInput,
  DeleteObjectCommandOutput,
  DeleteObjectsCommandInput,
  DeleteObjectsCommandOutput,
  GetObjectCommandInput,
  GetObjectCommandOutput,
  HeadObjectCommandInput,
  HeadObjectCommandOutput,
  PutObjectCommandInput,
  PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import type { ObjectMeta } from "../../core/records.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { SpooledBody } from "../../protocols/wire.ts";
import { requireBucket } from "./buckets.ts";
import type { BucketRecord, ObjectBody } from "./object-store.ts";
import { objectsOf } from "./object-store.ts";

/**
 * The object a read names: the current one, or with a version id that version. A delete marker cannot be read
 * (405), a well-formed but unknown version id is NoSuchVersion, a malformed one InvalidArgument.
 */
export function requireObject(ctx: RequestContext, bucket: string, key: string, versionId?: string, method = "GET"): ObjectMeta {
  requireBucket(ctx, bucket);
  if (versionId === undefined) {
    const meta = objectsOf(ctx.runtime).head(ctx.accountId, bucket, key);
    if (!meta) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    return meta;
  }
  checkVersionId(versionId);
  const meta = objectsOf(ctx.runtime).objectVersion(ctx.accountId, bucket, key, versionId);
  if (!meta) throw new AwsError("NoSuchVersion", "The specified version does not exist.", 404, { Key: key, VersionId: versionId });
  if (meta.deleteMarker) {
    throw new AwsError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405, { Method: method, ResourceType: "DeleteMarker" });
  }
  return meta;
}

/** "null" or the 32 url-safe characters AWS version ids have; anything else is refused before any lookup. */
export function checkVersionId(versionId: string | undefined): void {
  if (versionId !== undefined && versionId !== "null" && !/^[A-Za-z0-9._]{32}$/.test(versionId)) {
    throw new AwsError("InvalidArgument", "Invalid version id specified", 400, { ArgumentName: "versionId", ArgumentValue: versionId });
  }
}

/** x-amz-tagging is a URL query string: "k1=v1&k2=v2". */
export function parseTagging(header: string | undefined): { Key: string; Value: string }[] | undefined {
  if (header === undefined || header === "") return undefined;
  const tags: { Key: string; Value: string }[] = [];
  const seen = new Set<string>();
  for (const [Key, Value] of new URLSearchParams(header)) {
    if (Key === "" || Key.length > 128 || Value.length > 256) throw new AwsError("InvalidTag", "The TagKey you have provided is invalid", 400, { TagKey: Key });
    if (seen.has(Key)) throw new AwsError("InvalidTag", "Cannot provide multiple Tags with the same key", 400, { TagKey: Key });
    seen.add(Key);
    tags.push({ Key, Value });
  }
  if (tags.length > 10) throw new AwsError("BadRequest", "Object tags cannot be greater than 10", 400);
  return tags.length ? tags : undefined;
}

/** Keys are at most 1024 bytes of UTF-8 and never empty. */
export function checkKey(key: string | undefined): string {
  const k = key ?? "";
  if (k === "") throw new AwsError("InvalidArgument", "The key must not be empty", 400);
  if (Buffer.byteLength(k, "utf8") > 1024) throw new AwsError("KeyTooLongError", "Your key is too long", 400);
  return k;
}

const STORAGE_CLASSES = new Set([
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
  "OUTPOSTS",
  "SNOW",
  "EXPRESS_ONEZONE",
]);

export function checkStorageClass(sc: string | undefined): string | undefined {
  if (sc !== undefined && !STORAGE_CLASSES.has(sc))
    throw new AwsError("InvalidStorageClass", "The storage class you specified is not valid", 400, { StorageClassRequested: sc });
  return sc === "STANDARD" ? undefined : sc;
}

/** Content-MD5 is the base64 of the body's 16-byte MD5: a malformed one is InvalidDigest, a wrong one BadDigest. */
export function checkContentMd5(contentMd5: string | undefined, body: ObjectBody): void {
  if (contentMd5 === undefined) return;
  const given = Buffer.from(contentMd5, "base64");
  if (given.length !== 16 || given.toString("base64") !== contentMd5.trim()) {
    throw new AwsError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400, { "Content-MD5": contentMd5 });
  }
  const actual = body instanceof SpooledBody ? Buffer.from(body.md5, "hex") : createHash("md5").update(body).digest();
  if (!actual.equals(given)) {
    throw new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400, {
      ExpectedDigest: given.toString("hex"),
      CalculatedDigest: actual.toString("base64"),
    });
  }
}

/** The representation headers an object carries, as stored at upload. */
type StoredHeaders = Pick<ObjectMeta, "contentType" | "contentEncoding" | "contentDisposition" | "contentLanguage" | "cacheControl" | "metadata">;

export function storedHeaders(input: {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Metadata?: Record<string, string>;
}): StoredHeaders {
  const metadata = input.Metadata && Object.keys(input.Metadata).length ? lowerKeys(input.Metadata) : undefined;
  // The SDK frames streaming uploads with Content-Encoding: aws-chunked; that framing is not the object's encoding.
  const encoding = input.ContentEncoding?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "aws-chunked" && s !== "")
    .join(",");
  return {
    contentType: input.ContentType,
    contentEncoding: encoding || undefined,
    contentDisposition: input.ContentDisposition,
    contentLanguage: input.ContentLanguage,
    cacheControl: input.CacheControl,
    metadata,
  };
}

function lowerKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
}

function objectHeaders(o: ObjectMeta) {
  return {
    AcceptRanges: "bytes",
    LastModified: new Date(o.lastModified),
    ContentLength: o.size,
    ETag: o.etag,
    ContentType: o.contentType ?? "binary/octet-stream",
    ContentEncoding: o.contentEncoding,
    ContentDisposition: o.contentDisposition,
    ContentLanguage: o.contentLanguage,
    CacheControl: o.cacheControl,
    Metadata: o.metadata,
    // Every object is encrypted at rest with SSE-S3 by default since January 2023.
    ServerSideEncryption: "AES256" as const,
    StorageClass: o.storageClass as "STANDARD_IA" | undefined,
    TagCount: o.tags?.length || undefined,
    VersionId: o.versionId,
  };
}

function parseRange(range: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  // Headers S3 cannot parse (multiple ranges, other units) are ignored and the whole object returned.
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    if (Number(m[2]) === 0) throw invalidRange(range, size);
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(range, size);
  return [start, end];
}

function invalidRange(range: string, size: number): AwsError {
  return new AwsError("InvalidRange", "The requested range is not satisfiable", 416, { RangeRequested: range, ActualObjectSize: String(size) });
}

const unquote = (s: string) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, "");

function etagMatches(list: string, etag: string): boolean {
  return list.split(",").some((e) => e.trim() === "*" || unquote(e) === unquote(etag));
}

/** HTTP dates have one-second precision, so compare whole seconds. */
const seconds = (d: Date | string) => Math.floor(new Date(d).getTime() / 1000);

interface Conditions {
  IfMatch?: string;
  IfNoneMatch?: string;
  IfModifiedSince?: Date;
  IfUnmodifiedSince?: Date;
}

/** RFC 7232 order as S3 applies it: If-Match, If-Unmodified-Since (unless If-Match held), If-None-Match, If-Modified-Since. */
function checkConditions(c: Conditions, o: ObjectMeta): void {
  if (c.IfMatch !== undefined) {
    if (!etagMatches(c.IfMatch, o.etag))
      throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: "If-Match" });
  } else if (c.IfUnmodifiedSince !== undefined && seconds(o.lastModified) > seconds(c.IfUnmodifiedSince)) {
    throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: "If-Unmodified-Since" });
  }
  if (c.IfNoneMatch !== undefined) {
    if (etagMatches(c.IfNoneMatch, o.etag)) throw new AwsError("NotModified", "Not Modified", 304);
  } else if (c.IfModifiedSince !== undefined && seconds(o.lastModified) <= seconds(c.IfModifiedSince)) {
    throw new AwsError("NotModified", "Not Modified", 304);
  }
}

export const headObject: OpHandler<HeadObjectCommandInput, HeadObjectCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "", input.VersionId, "HEAD");
  checkConditions(input, o);
  const headers = objectHeaders(o);
  if (input.Range) {
    const r = parseRange(input.Range, o.size);
    if (r) return { ...headers, ContentLength: r[1] - r[0] + 1, ContentRange: `bytes ${r[0]}-${r[1]}/${o.size}` };
  }
  return headers;
};

/** The payload a request may hand its handler (PutObject, UploadPart): in memory, or spooled to a file. */
export function objectBody(payload: unknown): ObjectBody {
  if (payload instanceof SpooledBody) return payload;
  return Buffer.from((payload as Uint8Array | undefined) ?? new Uint8Array());
}

/** Objects at least this big are streamed from their blob file, a range at a time, rather than read whole. */
const STREAM_BYTES = 1024 * 1024;

export const getObject: OpHandler<GetObjectCommandInput, GetObjectCommandOutput> = (input, ctx) => {
  const bucket = input.Bucket ?? "";
  const o = requireObject(ctx, bucket, input.Key ?? "", input.VersionId, "GET");
  checkConditions(input, o);
  const file = o.size >= STREAM_BYTES ? objectsOf(ctx.runtime).blobFileOf(o) : undefined;
  const body = file ? undefined : (objectsOf(ctx.runtime).readVersion(ctx.accountId, bucket, o) ?? Buffer.alloc(0));
  const size = body ? body.length : o.size;
  const headers = {
    ...objectHeaders(o),
    // response-* query parameters override what the object stores, for this response only.
    ...(input.ResponseContentType !== undefined ? { ContentType: input.ResponseContentType } : {}),
    ...(input.ResponseContentDisposition !== undefined ? { ContentDisposition: input.ResponseContentDisposition } : {}),
    ...(input.ResponseContentEncoding !== undefined ? { ContentEncoding: input.ResponseContentEncoding } : {}),
    ...(input.ResponseContentLanguage !== undefined ? { ContentLanguage: input.ResponseContentLanguage } : {}),
    ...(input.ResponseCacheControl !== undefined ? { CacheControl: input.ResponseCacheControl } : {}),
    ...(input.ResponseExpires !== undefined ? { Expires: input.ResponseExpires } : {}),
  };
  if (input.Range) {
    const r = size === 0 ? undefined : parseRange(input.Range, size);
    if (r) {
      const part = file ? createReadStream(file, { start: r[0], end: r[1] }) : body?.subarray(r[0], r[1] + 1);
      return { ...headers, ContentLength: r[1] - r[0] + 1, ContentRange: `bytes ${r[0]}-${r[1]}/${size}`, Body: part as never };
    }
  }
  return { ...headers, ContentLength: size, Body: (file ? createReadStream(file) : body) as never };
};

export const putObject: OpHandler<PutObjectCommandInput, PutObjectCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const key = checkKey(input.Key);
  const body = objectBody(input.Body);
  checkContentMd5(input.ContentMD5, body);
  const storageClass = checkStorageClass(input.StorageClass);
  const tags = parseTagging(input.Tagging);
  if (input.IfNoneMatch !== undefined) {
    // Conditional writes: "*" refuses to overwrite an existing key.
    if (input.IfNoneMatch.trim() !== "*")
      throw new AwsError("NotImplemented", "A header you provided implies functionality that is not implemented", 501, { Header: "If-None-Match" });
    if (objectsOf(ctx.runtime).head(ctx.accountId, bucket.name, key)) {
      throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: "If-None-Match" });
    }
  }
  if (input.IfMatch !== undefined) {
    const cur = objectsOf(ctx.runtime).head(ctx.accountId, bucket.name, key);
    if (!cur) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    if (!etagMatches(input.IfMatch, cur.etag))
      throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: "If-Match" });
  }
  const meta = objectsOf(ctx.runtime).put(ctx.accountId, bucket.name, key, body, {
    lastModified: ctx.time.toISOString(),
    ...storedHeaders(input),
    storageClass,
    tags,
  });
  return { ETag: meta.etag, ServerSideEncryption: "AES256", VersionId: meta.versionId };
};

/** One key's deletion: a version permanently, or the current object (behind a delete marker when versioned). */
function deleteOne(ctx: RequestContext, bucket: BucketRecord, key: string, versionId: string | undefined) {
  if (versionId === undefined) return objectsOf(ctx.runtime).deleteObject(ctx.accountId, bucket.name, key, ctx.time.toISOString());
  // Deleting a version that does not exist succeeds, as every S3 delete does.
  return objectsOf(ctx.runtime).deleteVersion(ctx.accountId, bucket.name, key, versionId) ?? { versionId };
}

export const deleteObject: OpHandler<DeleteObjectCommandInput, DeleteObjectCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  checkVersionId(input.VersionId);
  // Deleting a key that does not exist succeeds: DELETE is idempotent in S3.
  const r = deleteOne(ctx, bucket, input.Key ?? "", input.VersionId);
  return { VersionId: r.versionId, DeleteMarker: r.deleteMarker };
};

export const deleteObjects: OpHandler<DeleteObjectsCommandInput, DeleteObjectsCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const objects = input.Delete?.Objects ?? [];
  if (objects.length === 0 || objects.length > 1000) {
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  }
  const deleted: { Key: string; VersionId?: string; DeleteMarker?: boolean; DeleteMarkerVersionId?: string }[] = [];
  const errors: { Key: string; VersionId?: string; Code: string; Message: string }[] = [];
  for (const o of objects) {
    const key = o.Key ?? "";
    try {
      checkVersionId(o.VersionId);
    } catch {
      // Per-key problems are reported in the answer, not as a failure of the whole request.
      errors.push({ Key: key, VersionId: o.VersionId, Code: "NoSuchVersion", Message: "The specified version does not exist." });
      continue;
    }
    const r = deleteOne(ctx, bucket, key, o.VersionId);
    deleted.push(
      o.VersionId !== undefined
        ? { Key: key, VersionId: o.VersionId, ...(r.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: o.VersionId } : {}) }
        : { Key: key, ...(r.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: r.versionId } : {}) },
    );
  }
  return {
    Deleted: input.Delete?.Quiet || deleted.length === 0 ? undefined : deleted,
    Errors: errors.length ? errors : undefined,
  };
};

/** "bucket/key", "/bucket/key" or with "?versionId=…", URL-encoded: how x-amz-copy-source names the source. */
export function parseCopySource(raw: string | undefined): { bucket: string; key: string; versionId?: string } {
  let s = (raw ?? "").trim();
  let versionId: string | undefined;
  const q = s.indexOf("?");
  if (q >= 0) {
    versionId = new URLSearchParams(s.slice(q + 1)).get("versionId") ?? undefined;
    s = s.slice(0, q);
  }
  if (s.startsWith("/")) s = s.slice(1);
  const slash = s.indexOf("/");
  if (slash <= 0 || slash === s.length - 1) throw new AwsError("InvalidArgument", "Invalid copy source object key", 400, { ArgumentName: "x-amz-copy-source" });
  try {
    return { bucket: decodeURIComponent(s.slice(0, slash)), key: decodeURIComponent(s.slice(slash + 1)), versionId };
  } catch {
    throw new AwsError("InvalidArgument", "Invalid copy source encoding", 400, { ArgumentName: "x-amz-copy-source" });
  }
}

export function readCopySource(ctx: RequestContext, raw: string | undefined): { bucket: BucketRecord; meta: ObjectMeta; key: string; versionId?: string } {
  const src = parseCopySource(raw);
  const bucket = requireBucket(ctx, src.bucket);
  // A copy source that is a delete marker is refused as "InvalidRequest" by AWS; a missing one is NoSuchKey/NoSuchVersion.
  let meta: ObjectMeta;
  try {
    meta = requireObject(ctx, bucket.name, src.key, src.versionId, "GET");
  } catch (e) {
    if (e instanceof AwsError && e.code === "MethodNotAllowed")
      throw new AwsError("InvalidRequest", "The source of a copy request may not specifically refer to a delete marker by version id.");
    throw e;
  }
  return { bucket, meta, key: src.key, versionId: src.versionId };
}

export const copyObject: OpHandler<CopyObjectCommandInput, CopyObjectCommandOutput> = (input, ctx) => {
  const dest = requireBucket(ctx, input.Bucket);
  const key = checkKey(input.Key);
  const src = readCopySource(ctx, input.CopySource);
  const directive = input.MetadataDirective ?? "COPY";
  if (directive !== "COPY" && directive !== "REPLACE")
    throw new AwsError("InvalidArgument", "Unknown metadata directive.", 400, { ArgumentName: "x-amz-metadata-directive" });
  try {
    checkConditions(
      {
        IfMatch: input.CopySourceIfMatch,
        IfNoneMatch: input.CopySourceIfNoneMatch,
        IfModifiedSince: input.CopySourceIfModifiedSince,
        IfUnmodifiedSince: input.CopySourceIfUnmodifiedSince,
      },
      src.meta,
    );
  } catch (e) {
    // For copies every failed source condition is 412, never 304.
    if (e instanceof AwsError && e.code === "NotModified") {
      throw new AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, {
        Condition: "x-amz-copy-source-If-None-Match",
      });
    }
    throw e;
  }
  const storageClass = checkStorageClass(input.StorageClass);
  const tagging = input.TaggingDirective ?? "COPY";
  if (tagging !== "COPY" && tagging !== "REPLACE")
    throw new AwsError("InvalidArgument", "Unknown tagging directive.", 400, { ArgumentName: "x-amz-tagging-directive" });
  const tags = tagging === "REPLACE" ? parseTagging(input.Tagging) : src.meta.tags;
  // Copying an older version over its key is how a version is restored; only the current object onto itself is refused.
  const current = objectsOf(ctx.runtime).head(ctx.accountId, dest.name, key);
  const ontoItself =
    src.bucket.name === dest.name && src.key === key && current !== undefined && (current.versionId ?? "null") === (src.meta.versionId ?? "null");
  if (ontoItself && directive === "COPY" && input.StorageClass === undefined) {
    throw new AwsError(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const body = objectsOf(ctx.runtime).readVersion(ctx.accountId, src.bucket.name, src.meta) ?? Buffer.alloc(0);
  const headers: StoredHeaders =
    directive === "REPLACE"
      ? storedHeaders(input)
      : {
          contentType: src.meta.contentType,
          contentEncoding: src.meta.contentEncoding,
          contentDisposition: src.meta.contentDisposition,
          contentLanguage: src.meta.contentLanguage,
          cacheControl: src.meta.cacheControl,
          metadata: src.meta.metadata,
        };
  const meta = objectsOf(ctx.runtime).put(ctx.accountId, dest.name, key, body, {
    lastModified: ctx.time.toISOString(),
    ...headers,
    tags,
    storageClass: storageClass ?? (input.StorageClass === undefined ? src.meta.storageClass : undefined),
  });
  return {
    CopyObjectResult: { ETag: meta.etag, LastModified: new Date(meta.lastModified) },
    ServerSideEncryption: "AES256",
    VersionId: meta.versionId,
    CopySourceVersionId: src.meta.versionId,
  };
};
