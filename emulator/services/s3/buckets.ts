/** Bucket-level S3 operations: the bucket list, create/delete, and the configuration an investigator reads. */
import type {
  CreateBucketCommandInput,
  CreateBucketCommandOutput,
  DeleteBucketCommandInput,
  DeleteBucketCommandOutput,
  DeleteBucketPolicyCommandInput,
  DeleteBucketPolicyCommandOutput,
  DeleteBucketTaggingCommandInput,
  DeleteBucketTaggingCommandOutput,
  DeletePublicAccessBlockCommandInput,
  DeletePublicAccessBlockCommandOutput,
  GetBucketAclCommandInput,
  GetBucketAclCommandOutput,
  GetBucketEncryptionCommandInput,
  GetBucketEncryptionCommandOutput,
  GetBucketLocationCommandInput,
  GetBucketLocationCommandOutput,
  GetBucketLoggingCommandInput,
  GetBucketLoggingCommandOutput,
  GetBucketPolicyCommandInput,
  GetBucketPolicyCommandOutput,
  GetBucketTaggingCommandInput,
  GetBucketTaggingCommandOutput,
  GetBucketVersioningCommandInput,
  GetBucketVersioningCommandOutput,
  GetPublicAccessBlockCommandInput,
  GetPublicAccessBlockCommandOutput,
  HeadBucketCommandInput,
  HeadBucketCommandOutput,
  ListBucketsCommandInput,
  ListBucketsCommandOutput,
  PutBucketPolicyCommandInput,
  PutBucketPolicyCommandOutput,
  PutBucketTaggingCommandInput,
  PutBucketTaggingCommandOutput,
  PutBucketVersioningCommandInput,
  PutBucketVersioningCommandOutput,
  PutPublicAccessBlockCommandInput,
  PutPublicAccessBlockCommandOutput,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import { afterToken, resumeAfter } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { BucketRecord } from "./object-store.ts";
import { objectsOf } from "./object-store.ts";

export function requireBucket(ctx: RequestContext, name: string | undefined): BucketRecord {
  const b = name ? objectsOf(ctx.runtime).bucket(ctx.accountId, name) : undefined;
  if (!b) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name ?? "" });
  return b;
}

/** The account's canonical user: a stable 64-hex id derived from the account id, as AWS's are opaque 64-hex strings. */
export function owner(ctx: RequestContext) {
  return { ID: Buffer.from(ctx.accountId).toString("hex").padEnd(64, "0"), DisplayName: undefined };
}

/** S3's answer to a continuation token it did not issue for this listing. */
export const badContinuationToken = (): AwsError =>
  new AwsError("InvalidArgument", "The continuation token provided is incorrect", 400, { ArgumentName: "continuation-token" });

export const listBuckets: OpHandler<ListBucketsCommandInput, ListBucketsCommandOutput> = (input, ctx) => {
  const max = input.MaxBuckets;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 10_000)) {
    throw new AwsError("InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000", 400, { ArgumentName: "max-buckets" });
  }
  // Our tokens carry the last bucket name returned; a foreign or mangled one is refused.
  const after = input.ContinuationToken !== undefined ? resumeAfter(input.ContinuationToken, "ListBuckets", badContinuationToken) : "";
  const all = Object.values(objectsOf(ctx.runtime).state(ctx.accountId).buckets)
    .filter((b) => !input.Prefix || b.name.startsWith(input.Prefix))
    .filter((b) => !input.BucketRegion || b.region === input.BucketRegion)
    .filter((b) => b.name > after)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const page = max === undefined ? all : all.slice(0, max);
  const truncated = page.length < all.length;
  return {
    Buckets: page.map((b) => ({ Name: b.name, CreationDate: new Date(b.creationDate), BucketRegion: b.region })),
    Owner: owner(ctx),
    Prefix: input.Prefix,
    ContinuationToken: truncated ? afterToken(page[page.length - 1].name, "ListBuckets") : undefined,
  };
};

/** AWS's general-purpose bucket naming rules. */
function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.startsWith("sthree-") &&
    !name.endsWith("-s3alias") &&
    !name.endsWith("--ol-s3")
  );
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export const createBucket: OpHandler<CreateBucketCommandInput, CreateBucketCommandOutput> = (input, ctx) => {
  const name = input.Bucket ?? "";
  if (!validBucketName(name)) throw new AwsError("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: name });
  const constraint = input.CreateBucketConfiguration?.LocationConstraint as string | undefined;
  if (constraint !== undefined && (constraint === "us-east-1" || !REGION.test(constraint))) {
    throw new AwsError("InvalidLocationConstraint", "The specified location-constraint is not valid", 400, { LocationConstraint: constraint });
  }
  // Regional endpoints only create buckets in their own region; us-east-1 (the legacy global endpoint) takes any.
  if (ctx.region !== "us-east-1" && (constraint ?? "us-east-1") !== ctx.region) {
    throw new AwsError(
      "IllegalLocationConstraintException",
      constraint
        ? `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`
        : "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
    );
  }
  if (objectsOf(ctx.runtime).bucket(ctx.accountId, name)) {
    throw new AwsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409, {
      BucketName: name,
    });
  }
  const region = constraint ?? "us-east-1";
  objectsOf(ctx.runtime).createBucket(ctx.accountId, name, region, ctx.time.toISOString());
  return { Location: region === "us-east-1" ? `/${name}` : `http://${name}.s3.amazonaws.com/` };
};

export const deleteBucket: OpHandler<DeleteBucketCommandInput, DeleteBucketCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  // Noncurrent versions and delete markers count: a versioned bucket must be emptied of every version.
  if (objectsOf(ctx.runtime).versions(ctx.accountId, b.name).length > 0) {
    throw new AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: b.name });
  }
  objectsOf(ctx.runtime).deleteBucket(ctx.accountId, b.name);
  return {};
};

export const headBucket: OpHandler<HeadBucketCommandInput, HeadBucketCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  return { BucketRegion: b.region, AccessPointAlias: false };
};

export const getBucketLocation: OpHandler<GetBucketLocationCommandInput, GetBucketLocationCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  // us-east-1 buckets answer with an empty LocationConstraint, for historical reasons.
  return { LocationConstraint: (b.region === "us-east-1" ? "" : b.region) as never };
};

export const getBucketPolicy: OpHandler<GetBucketPolicyCommandInput, GetBucketPolicyCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  if (!b.policy) throw new AwsError("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: b.name });
  return { Policy: b.policy };
};

export const putBucketPolicy: OpHandler<PutBucketPolicyCommandInput, PutBucketPolicyCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const text = (input.Policy ?? "").trim();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AwsError("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400);
  }
  if (!text.startsWith("{") || typeof doc !== "object" || doc === null) {
    throw new AwsError("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400);
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  if (statements === undefined || (Array.isArray(statements) && statements.length === 0)) {
    throw new AwsError("MalformedPolicy", "Missing required field Statement", 400);
  }
  for (const st of Array.isArray(statements) ? statements : [statements]) {
    const s = st as Record<string, unknown>;
    if (typeof s !== "object" || s === null) throw new AwsError("MalformedPolicy", "Policy has invalid statement", 400);
    if (s.Effect !== "Allow" && s.Effect !== "Deny") throw new AwsError("MalformedPolicy", "Invalid effect", 400);
    if (s.Action === undefined && s.NotAction === undefined) throw new AwsError("MalformedPolicy", "Missing required field Action", 400);
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw new AwsError("MalformedPolicy", "Missing required field Principal", 400);
    if (s.Resource === undefined && s.NotResource === undefined) throw new AwsError("MalformedPolicy", "Missing required field Resource", 400);
  }
  b.policy = text;
  return {};
};

export const deleteBucketPolicy: OpHandler<DeleteBucketPolicyCommandInput, DeleteBucketPolicyCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  delete b.policy;
  return {};
};

const PAB_FIELDS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

export const getPublicAccessBlock: OpHandler<GetPublicAccessBlockCommandInput, GetPublicAccessBlockCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  if (!b.publicAccessBlock) {
    throw new AwsError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404, { BucketName: b.name });
  }
  const conf = b.publicAccessBlock;
  return { PublicAccessBlockConfiguration: Object.fromEntries(PAB_FIELDS.map((f) => [f, conf[f] ?? false])) };
};

export const putPublicAccessBlock: OpHandler<PutPublicAccessBlockCommandInput, PutPublicAccessBlockCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const conf = input.PublicAccessBlockConfiguration;
  if (!conf) throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  // Members left out are false, as in AWS: a put replaces the whole configuration.
  b.publicAccessBlock = Object.fromEntries(PAB_FIELDS.map((f) => [f, conf[f] ?? false]));
  return {};
};

export const deletePublicAccessBlock: OpHandler<DeletePublicAccessBlockCommandInput, DeletePublicAccessBlockCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  delete b.publicAccessBlock;
  return {};
};

export const getBucketAcl: OpHandler<GetBucketAclCommandInput, GetBucketAclCommandOutput> = (input, ctx) => {
  requireBucket(ctx, input.Bucket);
  const o = owner(ctx);
  return { Owner: o, Grants: [{ Grantee: { Type: "CanonicalUser", ID: o.ID }, Permission: "FULL_CONTROL" }] };
};

export const getBucketVersioning: OpHandler<GetBucketVersioningCommandInput, GetBucketVersioningCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  // A bucket that never had versioning answers with an empty VersioningConfiguration.
  return { Status: b.versioning?.Status as "Enabled" | undefined, MFADelete: b.versioning?.MFADelete as "Enabled" | undefined };
};

/** Versioning can be enabled or suspended, never turned off again: Suspended is how a bucket stops versioning. */
export const putBucketVersioning: OpHandler<PutBucketVersioningCommandInput, PutBucketVersioningCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const conf = input.VersioningConfiguration ?? {};
  const status = conf.Status as string | undefined;
  const mfaDelete = conf.MFADelete as string | undefined;
  if (
    (status !== undefined && status !== "Enabled" && status !== "Suspended") ||
    (mfaDelete !== undefined && mfaDelete !== "Enabled" && mfaDelete !== "Disabled")
  ) {
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  }
  // Changing MFA Delete needs the root user's MFA device serial and code in x-amz-mfa.
  if (mfaDelete !== undefined && !input.MFA) throw new AwsError("AccessDenied", "Mfa Authentication must be used for this request", 403);
  b.versioning = {
    Status: status ?? b.versioning?.Status,
    MFADelete: mfaDelete ?? b.versioning?.MFADelete,
  };
  return {};
};

export const getBucketTagging: OpHandler<GetBucketTaggingCommandInput, GetBucketTaggingCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  if (!b.tags || b.tags.length === 0) throw new AwsError("NoSuchTagSet", "The TagSet does not exist", 404, { BucketName: b.name });
  return { TagSet: b.tags.map((t) => ({ Key: t.Key, Value: t.Value })) };
};

export const putBucketTagging: OpHandler<PutBucketTaggingCommandInput, PutBucketTaggingCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const tags = input.Tagging?.TagSet ?? [];
  if (tags.length > 50) throw new AwsError("InvalidTag", "Object tags cannot be greater than 50");
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t.Key ?? "";
    if (key.length === 0 || key.length > 128) throw new AwsError("InvalidTag", "The TagKey you have provided is invalid", 400, { TagKey: key });
    if ((t.Value ?? "").length > 256) throw new AwsError("InvalidTag", "The TagValue you have provided is invalid", 400, { TagKey: key });
    if (key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidTag", "System tags cannot be added/updated by requester");
    if (seen.has(key)) throw new AwsError("InvalidTag", "Cannot provide multiple Tags with the same key", 400, { TagKey: key });
    seen.add(key);
  }
  b.tags = tags.map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" }));
  return {};
};

export const deleteBucketTagging: OpHandler<DeleteBucketTaggingCommandInput, DeleteBucketTaggingCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  delete b.tags;
  return {};
};

export const getBucketEncryption: OpHandler<GetBucketEncryptionCommandInput, GetBucketEncryptionCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const enc = b.encryption ?? { SSEAlgorithm: "AES256", BucketKeyEnabled: false };
  return {
    ServerSideEncryptionConfiguration: {
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: enc.SSEAlgorithm as "AES256", KMSMasterKeyID: enc.KMSMasterKeyID },
          BucketKeyEnabled: enc.BucketKeyEnabled ?? false,
        },
      ],
    },
  };
};

export const getBucketLogging: OpHandler<GetBucketLoggingCommandInput, GetBucketLoggingCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  return b.logging ? { LoggingEnabled: { TargetBucket: b.logging.TargetBucket, TargetPrefix: b.logging.TargetPrefix } } : {};
};
