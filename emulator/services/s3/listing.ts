/** ListObjects (v1) and ListObjectsV2: one walk over the sorted keys, rolled up by delimiter and paged. */
import type {
  ListObjectsCommandInput,
  ListObjectsCommandOutput,
  ListObjectsV2CommandInput,
  ListObjectsV2CommandOutput,
  ListObjectVersionsCommandInput,
  ListObjectVersionsCommandOutput,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import { afterToken, resumeAfter } from "../../core/page-token.ts";
import type { ObjectMeta } from "../../core/records.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { badContinuationToken, owner, requireBucket } from "./buckets.ts";
import type { VersionEntry } from "./object-store.ts";
import { objectsOf } from "./object-store.ts";

interface Page {
  contents: ObjectMeta[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned: where the next page resumes. */
  last: string;
}

function walk(ctx: RequestContext, bucket: string, prefix: string, delimiter: string | undefined, after: string, max: number): Page {
  const page: Page = { contents: [], prefixes: [], truncated: false, last: "" };
  for (const o of objectsOf(ctx.runtime).list(ctx.accountId, bucket, prefix)) {
    let entry: string | ObjectMeta = o;
    if (delimiter) {
      const i = o.key.indexOf(delimiter, prefix.length);
      if (i >= 0) entry = o.key.slice(0, i + delimiter.length);
    }
    if (typeof entry === "string") {
      if (page.prefixes[page.prefixes.length - 1] === entry) continue;
      // A rolled-up prefix was already returned when the resume point is the prefix itself or sorts past it,
      // unless the resume point lies inside it (later keys under it remain).
      if (entry <= after && !(after.startsWith(entry) && after !== entry)) continue;
    } else if (o.key <= after) continue;
    if (page.contents.length + page.prefixes.length >= max) {
      page.truncated = max > 0;
      break;
    }
    if (typeof entry === "string") {
      page.prefixes.push(entry);
      page.last = entry;
    } else {
      page.contents.push(entry);
      page.last = o.key;
    }
  }
  return page;
}

function maxKeys(value: number | undefined): number {
  if (value === undefined) return 1000;
  if (!Number.isInteger(value) || value < 0) throw new AwsError("InvalidArgument", "Argument maxKeys must be an integer between 0 and 2147483647", 400);
  return Math.min(value, 1000);
}

/** With encoding-type=url, S3 percent-encodes keys and prefixes in the response so any byte survives XML. */
function encoder(encodingType: string | undefined): (s: string | undefined) => string | undefined {
  if (encodingType === undefined) return (s) => s;
  if (encodingType !== "url") throw new AwsError("InvalidArgument", "Invalid Encoding Method specified in Request", 400, { ArgumentName: "encoding-type" });
  return (s) => (s === undefined ? undefined : encodeURIComponent(s).replace(/%2F/g, "/"));
}

function entries(ctx: RequestContext, page: Page, enc: (s: string | undefined) => string | undefined, fetchOwner: boolean) {
  return {
    Contents: page.contents.length
      ? page.contents.map((o) => ({
          Key: enc(o.key),
          LastModified: new Date(o.lastModified),
          ETag: o.etag,
          Size: o.size,
          StorageClass: (o.storageClass ?? "STANDARD") as "STANDARD",
          ...(fetchOwner ? { Owner: owner(ctx) } : {}),
        }))
      : undefined,
    CommonPrefixes: page.prefixes.length ? page.prefixes.map((p) => ({ Prefix: enc(p) })) : undefined,
  };
}

export const listObjectsV2: OpHandler<ListObjectsV2CommandInput, ListObjectsV2CommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const enc = encoder(input.EncodingType);
  const max = maxKeys(input.MaxKeys);
  const after = input.ContinuationToken !== undefined ? resumeAfter(input.ContinuationToken, "ListObjectsV2", badContinuationToken) : (input.StartAfter ?? "");
  const page = walk(ctx, bucket.name, input.Prefix ?? "", input.Delimiter || undefined, after, max);
  return {
    IsTruncated: page.truncated,
    ...entries(ctx, page, enc, input.FetchOwner === true),
    Name: bucket.name,
    Prefix: enc(input.Prefix ?? ""),
    Delimiter: enc(input.Delimiter),
    MaxKeys: max,
    EncodingType: input.EncodingType,
    KeyCount: page.contents.length + page.prefixes.length,
    ContinuationToken: input.ContinuationToken,
    NextContinuationToken: page.truncated ? afterToken(page.last, "ListObjectsV2") : undefined,
    StartAfter: enc(input.StartAfter),
  };
};

export const listObjects: OpHandler<ListObjectsCommandInput, ListObjectsCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const enc = encoder(input.EncodingType);
  const max = maxKeys(input.MaxKeys);
  const page = walk(ctx, bucket.name, input.Prefix ?? "", input.Delimiter || undefined, input.Marker ?? "", max);
  return {
    IsTruncated: page.truncated,
    Marker: enc(input.Marker ?? ""),
    // As in AWS, NextMarker only comes with a delimiter; without one clients resume after the last key.
    NextMarker: page.truncated && input.Delimiter ? enc(page.last) : undefined,
    // v1 always lists owners.
    ...entries(ctx, page, enc, true),
    Name: bucket.name,
    Prefix: enc(input.Prefix ?? ""),
    Delimiter: enc(input.Delimiter),
    MaxKeys: max,
    EncodingType: input.EncodingType,
  };
};

/** Every version and delete marker, by key then newest first; objects written without versioning are version "null". */
export const listObjectVersions: OpHandler<ListObjectVersionsCommandInput, ListObjectVersionsCommandOutput> = (input, ctx) => {
  const bucket = requireBucket(ctx, input.Bucket);
  const enc = encoder(input.EncodingType);
  const max = maxKeys(input.MaxKeys);
  const keyMarker = input.KeyMarker ?? "";
  const idMarker = input.VersionIdMarker;
  if (idMarker !== undefined && idMarker !== "" && keyMarker === "") {
    throw new AwsError("InvalidArgument", "A version-id marker cannot be specified without a key marker.", 400, { ArgumentName: "version-id-marker" });
  }
  const prefix = input.Prefix ?? "";
  const delimiter = input.Delimiter || undefined;
  const entries = objectsOf(ctx.runtime).versions(ctx.accountId, bucket.name, prefix);
  // Resume after the marker key, or inside it after the marker version.
  let start = 0;
  if (keyMarker !== "") {
    const markerAt = idMarker ? entries.findIndex((e) => e.meta.key === keyMarker && (e.meta.versionId ?? "null") === idMarker) : -1;
    start = markerAt >= 0 ? markerAt + 1 : entries.findIndex((e) => e.meta.key > keyMarker);
    if (start < 0) start = entries.length;
  }
  const versions: VersionEntry[] = [];
  const markers: VersionEntry[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: VersionEntry | string | undefined;
  for (const e of entries.slice(start)) {
    let rolled: string | undefined;
    if (delimiter) {
      const i = e.meta.key.indexOf(delimiter, prefix.length);
      if (i >= 0) rolled = e.meta.key.slice(0, i + delimiter.length);
    }
    // As in walk(): a rolled-up prefix at or before the resume point was returned already, unless the point lies inside it.
    if (
      rolled !== undefined &&
      (prefixes[prefixes.length - 1] === rolled || (keyMarker !== "" && rolled <= keyMarker && !(keyMarker.startsWith(rolled) && keyMarker !== rolled)))
    ) {
      continue;
    }
    if (versions.length + markers.length + prefixes.length >= max) {
      truncated = max > 0;
      break;
    }
    if (rolled !== undefined) {
      prefixes.push(rolled);
      last = rolled;
    } else {
      (e.meta.deleteMarker ? markers : versions).push(e);
      last = e;
    }
  }
  const o = owner(ctx);
  return {
    IsTruncated: truncated,
    KeyMarker: enc(keyMarker),
    VersionIdMarker: idMarker ?? "",
    NextKeyMarker: truncated && last !== undefined ? enc(typeof last === "string" ? last : last.meta.key) : undefined,
    NextVersionIdMarker: truncated && last !== undefined && typeof last !== "string" ? (last.meta.versionId ?? "null") : undefined,
    Versions: versions.length
      ? versions.map(({ meta: m, isLatest }) => ({
          ETag: m.etag,
          Size: m.size,
          StorageClass: (m.storageClass ?? "STANDARD") as "STANDARD",
          Key: enc(m.key),
          VersionId: m.versionId ?? "null",
          IsLatest: isLatest,
          LastModified: new Date(m.lastModified),
          Owner: o,
        }))
      : undefined,
    DeleteMarkers: markers.length
      ? markers.map(({ meta: m, isLatest }) => ({
          Owner: o,
          Key: enc(m.key),
          VersionId: m.versionId ?? "null",
          IsLatest: isLatest,
          LastModified: new Date(m.lastModified),
        }))
      : undefined,
    CommonPrefixes: prefixes.length ? prefixes.map((p) => ({ Prefix: enc(p) })) : undefined,
    Name: bucket.name,
    Prefix: enc(prefix),
    Delimiter: enc(input.Delimiter),
    MaxKeys: max,
    EncodingType: input.EncodingType,
  };
};
