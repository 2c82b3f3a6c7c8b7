/** Multipart uploads (the CLI switches to them for files over 8 MB): parts are blobs until completion joins them. */
import { createHash } from "node:crypto";
import type {
  AbortMultipartUploadCommandInput,
  AbortMultipartUploadCommandOutput,
  CompleteMultipartUploadCommandInput,
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandInput,
  CreateMultipartUploadCommandOutput,
  ListMultipartUploadsCommandInput,
  ListMultipartUploadsCommandOutput,
  ListPartsCommandInput,
  ListPartsCommandOutput,
  UploadPartCommandInput,
  UploadPartCommandOutput,
  UploadPartCopyCommandInput,
  UploadPartCopyCommandOutput,
} from "@aws-sdk/client-s3";
import { randomBytes } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import type { ObjectMeta } from "../../core/records.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { owner, requireBucket } from "./buckets.ts";
import type { BucketRecord, MultipartUpload, ObjectBody } from "./object-store.ts";
import { objectsOf } from "./object-store.ts";
import { checkContentMd5, checkKey, checkStorageClass, objectBody, parseTagging, readCopySource, storedHeaders } from "./objects.ts";

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

function requireUpload(
  ctx: RequestContext,
  bucketName: string | undefined,
  key: string | undefined,
  uploadId: string | undefined,
): [BucketRecord, MultipartUpload] {
  const bucket = requireBucket(ctx, bucketName);
  const uploads = bucket.uploads ?? {};
  const up = uploadId && Object.hasOwn(uploads, uploadId) ? uploads[uploadId] : undefined;
  if (!up || up.key !== key) {
    throw new AwsError(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      404,
      { UploadId: uploadId ?? "" },
    );
  }
  return [bucket, up];
}

export const createMultipartUpload: OpHandler<CreateMultipartUploadCommandInput, CreateMultipartUploadCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const key = checkKey(input.Key);
  const storageClass = checkStorageClass(input.StorageClass);
  const tags = parseTagging(input.Tagging);
  // Upload ids are long opaque url-safe strings in AWS too.
  const uploadId = randomBytes(48).toString("base64url");
  bucket.uploads ??= {};
  bucket.uploads[uploadId] = {
    uploadId,
    key,
    initiated: ctx.time.toISOString(),
    meta: { ...storedHeaders(input), storageClass, tags },
    parts: {},
  };
  return { Bucket: bucket.name, Key: key, UploadId: uploadId, ServerSideEncryption: "AES256" };
};

function checkPartNumber(n: number | undefined): number {
  const v = n ?? 0;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PART_NUMBER) {
    throw new AwsError("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400, {
      ArgumentName: "partNumber",
      ArgumentValue: String(v),
    });
  }
  return v;
}

function storePart(ctx: RequestContext, up: MultipartUpload, n: number, body: ObjectBody) {
  const { blob, size, etag } = objectsOf(ctx.runtime).storeBody(body);
  const part = { partNumber: n, etag, size, lastModified: ctx.time.toISOString(), blob };
  up.parts[String(n)] = part;
  return part;
}

export const uploadPart: OpHandler<UploadPartCommandInput, UploadPartCommandOutput> = (input, ctx) => {
  const [, up] = requireUpload(ctx, input.Bucket, input.Key, input.UploadId);
  const n = checkPartNumber(input.PartNumber);
  const body = objectBody(input.Body);
  checkContentMd5(input.ContentMD5, body);
  return { ETag: storePart(ctx, up, n, body).etag, ServerSideEncryption: "AES256" };
};

/** A part copied from an existing object, whole or by x-amz-copy-source-range (the CLI's s3-to-s3 copy of large objects). */
export const uploadPartCopy: OpHandler<UploadPartCopyCommandInput, UploadPartCopyCommandOutput> = (input, ctx) => {
  const [, up] = requireUpload(ctx, input.Bucket, input.Key, input.UploadId);
  const n = checkPartNumber(input.PartNumber);
  const src = readCopySource(ctx, input.CopySource);
  const body = objectsOf(ctx.runtime).readVersion(ctx.accountId, src.bucket.name, src.meta) ?? Buffer.alloc(0);
  let part = body;
  if (input.CopySourceRange !== undefined) {
    // Unlike GET ranges, a copy range must be "bytes=first-last" and lie inside the object.
    const m = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange.trim());
    if (!m || Number(m[1]) > Number(m[2])) {
      throw new AwsError(
        "InvalidArgument",
        "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
        400,
        { ArgumentName: "x-amz-copy-source-range", ArgumentValue: input.CopySourceRange },
      );
    }
    if (Number(m[2]) >= body.length) {
      throw new AwsError("InvalidRange", "The requested range is not satisfiable", 416, {
        RangeRequested: input.CopySourceRange,
        ActualObjectSize: String(body.length),
      });
    }
    part = body.subarray(Number(m[1]), Number(m[2]) + 1);
  }
  const stored = storePart(ctx, up, n, part);
  return {
    CopyPartResult: { ETag: stored.etag, LastModified: new Date(stored.lastModified) },
    ServerSideEncryption: "AES256",
    CopySourceVersionId: src.meta.versionId,
  };
};

export const completeMultipartUpload: OpHandler<CompleteMultipartUploadCommandInput, CompleteMultipartUploadCommandOutput> = (input, ctx) => {
  const [bucket, up] = requireUpload(ctx, input.Bucket, input.Key, input.UploadId);
  const listed = input.MultipartUpload?.Parts ?? [];
  if (listed.length === 0) {
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  }
  const chosen = [];
  let previous = 0;
  for (const p of listed) {
    const n = p.PartNumber ?? 0;
    if (n <= previous)
      throw new AwsError("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.", 400, {
        UploadId: up.uploadId,
      });
    previous = n;
    const stored = up.parts[String(n)];
    if (!stored || (p.ETag !== undefined && p.ETag.replace(/"/g, "") !== stored.etag.replace(/"/g, ""))) {
      throw new AwsError(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
        {
          UploadId: up.uploadId,
          PartNumber: String(n),
          ETag: p.ETag ?? "",
        },
      );
    }
    chosen.push(stored);
  }
  for (const p of chosen.slice(0, -1)) {
    if (p.size < MIN_PART_SIZE) {
      throw new AwsError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400, {
        ProposedSize: String(p.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
        PartNumber: String(p.partNumber),
        ETag: p.etag,
      });
    }
  }
  // A multipart ETag is the MD5 of the parts' binary MD5s, suffixed with the part count.
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag.replace(/"/g, ""), "hex")));
  const etag = `"${createHash("md5").update(md5s).digest("hex")}-${chosen.length}"`;
  // The parts are joined through a file, never in memory; put() takes that file as the object's blob.
  const body = objectsOf(ctx.runtime).joinBlobs(chosen.map((p) => p.blob));
  let meta: ObjectMeta;
  try {
    meta = objectsOf(ctx.runtime).put(ctx.accountId, bucket.name, up.key, body, {
      ...up.meta,
      lastModified: ctx.time.toISOString(),
      etag,
      partsCount: chosen.length,
    });
  } finally {
    body.discard();
  }
  delete bucket.uploads?.[up.uploadId];
  return {
    Location: `http://${bucket.name}.s3.amazonaws.com/${encodeURIComponent(up.key).replace(/%2F/g, "/")}`,
    Bucket: bucket.name,
    Key: up.key,
    ETag: meta.etag,
    ServerSideEncryption: "AES256",
    VersionId: meta.versionId,
  };
};

export const abortMultipartUpload: OpHandler<AbortMultipartUploadCommandInput, AbortMultipartUploadCommandOutput> = (input, ctx) => {
  const [bucket, up] = requireUpload(ctx, input.Bucket, input.Key, input.UploadId);
  delete bucket.uploads?.[up.uploadId];
  return {};
};

export const listParts: OpHandler<ListPartsCommandInput, ListPartsCommandOutput> = (input, ctx) => {
  const [bucket, up] = requireUpload(ctx, input.Bucket, input.Key, input.UploadId);
  const max = Math.min(input.MaxParts ?? 1000, 1000);
  const marker = Number(input.PartNumberMarker ?? 0);
  const all = Object.values(up.parts)
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const parts = all.slice(0, max);
  const truncated = all.length > parts.length;
  const o = owner(ctx);
  return {
    Bucket: bucket.name,
    Key: up.key,
    UploadId: up.uploadId,
    PartNumberMarker: input.PartNumberMarker ?? "0",
    NextPartNumberMarker: parts.length ? String(parts[parts.length - 1].partNumber) : undefined,
    MaxParts: max,
    IsTruncated: truncated,
    Parts: parts.map((p) => ({ PartNumber: p.partNumber, LastModified: new Date(p.lastModified), ETag: p.etag, Size: p.size })),
    Initiator: o,
    Owner: o,
    StorageClass: (up.meta.storageClass ?? "STANDARD") as "STANDARD",
  };
};

export const listMultipartUploads: OpHandler<ListMultipartUploadsCommandInput, ListMultipartUploadsCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const prefix = input.Prefix ?? "";
  const max = Math.min(input.MaxUploads ?? 1000, 1000);
  const keyMarker = input.KeyMarker ?? "";
  const idMarker = input.UploadIdMarker ?? "";
  const all = Object.values(bucket.uploads ?? {})
    .filter((u) => u.key.startsWith(prefix))
    .filter((u) => u.key > keyMarker || (u.key === keyMarker && idMarker !== "" && u.uploadId > idMarker))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const last = page[page.length - 1];
  const o = owner(ctx);
  return {
    Bucket: bucket.name,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    NextKeyMarker: truncated ? last?.key : undefined,
    NextUploadIdMarker: truncated ? last?.uploadId : undefined,
    Prefix: input.Prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Uploads: page.length
      ? page.map((u) => ({
          UploadId: u.uploadId,
          Key: u.key,
          Initiated: new Date(u.initiated),
          StorageClass: (u.meta.storageClass ?? "STANDARD") as "STANDARD",
          Owner: o,
          Initiator: o,
        }))
      : undefined,
  };
};
