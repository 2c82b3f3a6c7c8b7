import type {
  GetObjectCommandInput,
  GetObjectCommandOutput,
  HeadObjectCommandInput,
  HeadObjectCommandOutput,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
  PutObjectCommandInput,
  PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { ObjectMeta } from "../../state/objects.ts";
import { owner, requireBucket } from "./buckets.ts";

function requireObject(ctx: RequestContext, bucket: string, key: string): ObjectMeta {
  requireBucket(ctx, bucket);
  const meta = ctx.runtime.objects.head(ctx.accountId, bucket, key);
  if (!meta) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
  return meta;
}

export const listObjectsV2: OpHandler<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const prefix = input.Prefix ?? "";
  const max = input.MaxKeys ?? 1000;
  if (max < 0) throw new AwsError("InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647");
  let after = input.StartAfter ?? "";
  if (input.ContinuationToken) {
    try {
      after = Buffer.from(input.ContinuationToken, "base64url").toString("utf8");
    } catch {
      throw new AwsError("InvalidArgument", "The continuation token provided is incorrect");
    }
  }
  const contents: ObjectMeta[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let lastKey = "";
  for (const o of ctx.runtime.objects.list(ctx.accountId, bucket.name, prefix)) {
    if (o.key <= after) continue;
    let entry: string | ObjectMeta = o;
    if (input.Delimiter) {
      const i = o.key.indexOf(input.Delimiter, prefix.length);
      if (i >= 0) {
        const p = o.key.slice(0, i + input.Delimiter.length);
        if (prefixes[prefixes.length - 1] === p) continue;
        if (p <= after) continue;
        entry = p;
      }
    }
    if (contents.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (typeof entry === "string") {
      prefixes.push(entry);
      // A common prefix is resumed after every key under it.
      lastKey = `${entry}\uffff`;
    } else {
      contents.push(entry);
      lastKey = o.key;
    }
  }
  return {
    Name: bucket.name,
    Prefix: input.Prefix,
    Delimiter: input.Delimiter,
    MaxKeys: max,
    KeyCount: contents.length + prefixes.length,
    IsTruncated: truncated,
    ContinuationToken: input.ContinuationToken,
    StartAfter: input.StartAfter,
    NextContinuationToken: truncated ? Buffer.from(lastKey).toString("base64url") : undefined,
    Contents: contents.map((o) => ({
      Key: o.key,
      Size: o.size,
      ETag: o.etag,
      LastModified: new Date(o.lastModified),
      StorageClass: (o.storageClass ?? "STANDARD") as "STANDARD",
      ...(input.FetchOwner ? { Owner: owner(ctx) } : {}),
    })),
    CommonPrefixes: prefixes.length ? prefixes.map((p) => ({ Prefix: p })) : undefined,
  };
};

function parseRange(range: string, size: number): [number, number] {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === "" && m[2] === "")) throw new AwsError("InvalidRange", "The requested range is not satisfiable", 416);
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new AwsError("InvalidRange", "The requested range is not satisfiable", 416);
  return [start, end];
}

function objectHeaders(o: ObjectMeta) {
  return {
    ContentLength: o.size,
    ETag: o.etag,
    LastModified: new Date(o.lastModified),
    ContentType: o.contentType ?? "binary/octet-stream",
    Metadata: o.metadata,
    AcceptRanges: "bytes",
  };
}

export const headObject: OpHandler<HeadObjectCommandInput, HeadObjectCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "");
  return objectHeaders(o);
};

export const getObject: OpHandler<GetObjectCommandInput, GetObjectCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "");
  const body = ctx.runtime.objects.read(ctx.accountId, input.Bucket ?? "", input.Key ?? "") ?? Buffer.alloc(0);
  if (input.Range) {
    const [start, end] = parseRange(input.Range, body.length);
    return {
      ...objectHeaders(o),
      ContentLength: end - start + 1,
      ContentRange: `bytes ${start}-${end}/${body.length}`,
      Body: body.subarray(start, end + 1) as never,
    };
  }
  return { ...objectHeaders(o), Body: body as never };
};

export const putObject: OpHandler<PutObjectCommandInput, PutObjectCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const body = Buffer.from((input.Body as Uint8Array | undefined) ?? new Uint8Array());
  const meta = ctx.runtime.objects.put(ctx.accountId, bucket.name, input.Key ?? "", body, {
    lastModified: ctx.time.toISOString(),
    contentType: input.ContentType,
    metadata: input.Metadata,
    storageClass: input.StorageClass,
  });
  return { ETag: meta.etag };
};
