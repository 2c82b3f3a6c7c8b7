/**
 * Bucket configuration an investigator (or Prowler/ScoutSuite) reads: what a recording holds, else the answer AWS
 * gives for a bucket without that configuration. Recorded values are kept in the SDK's own output shapes.
 */
import type {
  DeleteBucketEncryptionCommandInput,
  DeleteBucketEncryptionCommandOutput,
  DeleteObjectTaggingCommandInput,
  DeleteObjectTaggingCommandOutput,
  GetBucketCorsCommandInput,
  GetBucketCorsCommandOutput,
  GetBucketLifecycleConfigurationCommandInput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketNotificationConfigurationCommandInput,
  GetBucketNotificationConfigurationCommandOutput,
  GetBucketOwnershipControlsCommandInput,
  GetBucketOwnershipControlsCommandOutput,
  GetBucketPolicyStatusCommandInput,
  GetBucketPolicyStatusCommandOutput,
  GetBucketReplicationCommandInput,
  GetBucketReplicationCommandOutput,
  GetBucketWebsiteCommandInput,
  GetBucketWebsiteCommandOutput,
  GetObjectAclCommandInput,
  GetObjectAclCommandOutput,
  GetObjectLockConfigurationCommandInput,
  GetObjectLockConfigurationCommandOutput,
  GetObjectTaggingCommandInput,
  GetObjectTaggingCommandOutput,
  PutBucketEncryptionCommandInput,
  PutBucketEncryptionCommandOutput,
  PutBucketLoggingCommandInput,
  PutBucketLoggingCommandOutput,
  PutObjectTaggingCommandInput,
  PutObjectTaggingCommandOutput,
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import { statementsOf } from "../../core/policy-document.ts";
import type { OpHandler } from "../../core/types.ts";
import { owner, requireBucket } from "./buckets.ts";
import type { BucketRecord } from "./object-store.ts";
import { objectsOf } from "./object-store.ts";
import { requireObject } from "./objects.ts";

/** Configuration sections a recording may add to a bucket record, each in the SDK output shape of its Get call. */
export interface RecordedBucketConfig {
  cors?: GetBucketCorsCommandOutput["CORSRules"];
  website?: Omit<GetBucketWebsiteCommandOutput, "$metadata">;
  lifecycle?: GetBucketLifecycleConfigurationCommandOutput["Rules"];
  replication?: GetBucketReplicationCommandOutput["ReplicationConfiguration"];
  objectLock?: GetObjectLockConfigurationCommandOutput["ObjectLockConfiguration"];
  notification?: Omit<GetBucketNotificationConfigurationCommandOutput, "$metadata">;
  ownershipControls?: GetBucketOwnershipControlsCommandOutput["OwnershipControls"] | null;
}

const config = (b: BucketRecord) => b as BucketRecord & RecordedBucketConfig;

function missing(code: string, message: string, b: BucketRecord): AwsError {
  return new AwsError(code, message, 404, { BucketName: b.name });
}

export const getBucketCors: OpHandler<GetBucketCorsCommandInput, GetBucketCorsCommandOutput> = (input, ctx) => {
  const b = config(requireBucket(ctx, input.Bucket));
  if (!b.cors?.length) throw missing("NoSuchCORSConfiguration", "The CORS configuration does not exist", b);
  return { CORSRules: b.cors };
};

export const getBucketWebsite: OpHandler<GetBucketWebsiteCommandInput, GetBucketWebsiteCommandOutput> = (input, ctx) => {
  const b = config(requireBucket(ctx, input.Bucket));
  if (!b.website) throw missing("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", b);
  return b.website;
};

export const getBucketLifecycleConfiguration: OpHandler<GetBucketLifecycleConfigurationCommandInput, GetBucketLifecycleConfigurationCommandOutput> = (
  input,
  ctx,
) => {
  const b = config(requireBucket(ctx, input.Bucket));
  if (!b.lifecycle?.length) throw missing("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", b);
  return { Rules: b.lifecycle };
};

export const getBucketReplication: OpHandler<GetBucketReplicationCommandInput, GetBucketReplicationCommandOutput> = (input, ctx) => {
  const b = config(requireBucket(ctx, input.Bucket));
  if (!b.replication) throw missing("ReplicationConfigurationNotFoundError", "The replication configuration was not found", b);
  return { ReplicationConfiguration: b.replication };
};

export const getObjectLockConfiguration: OpHandler<GetObjectLockConfigurationCommandInput, GetObjectLockConfigurationCommandOutput> = (input, ctx) => {
  const b = config(requireBucket(ctx, input.Bucket));
  if (!b.objectLock) throw missing("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket", b);
  return { ObjectLockConfiguration: b.objectLock };
};

export const getBucketNotificationConfiguration: OpHandler<GetBucketNotificationConfigurationCommandInput, GetBucketNotificationConfigurationCommandOutput> = (
  input,
  ctx,
) => {
  const b = config(requireBucket(ctx, input.Bucket));
  // No notifications is an empty NotificationConfiguration, not an error.
  return b.notification ?? {};
};

export const getBucketOwnershipControls: OpHandler<GetBucketOwnershipControlsCommandInput, GetBucketOwnershipControlsCommandOutput> = (input, ctx) => {
  const b = config(requireBucket(ctx, input.Bucket));
  // ACLs disabled (BucketOwnerEnforced) is the default for new buckets since April 2023; a recording states
  // `ownershipControls: null` for an older bucket that never had controls.
  if (b.ownershipControls === null) throw missing("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", b);
  return { OwnershipControls: b.ownershipControls ?? { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } };
};

export const getObjectTagging: OpHandler<GetObjectTaggingCommandInput, GetObjectTaggingCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "", input.VersionId);
  return { TagSet: (o.tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })) };
};

export const getObjectAcl: OpHandler<GetObjectAclCommandInput, GetObjectAclCommandOutput> = (input, ctx) => {
  requireObject(ctx, input.Bucket ?? "", input.Key ?? "", input.VersionId);
  const o = owner(ctx);
  return { Owner: o, Grants: [{ Grantee: { Type: "CanonicalUser", ID: o.ID }, Permission: "FULL_CONTROL" }] };
};

function validTagSet(tags: { Key?: string; Value?: string }[], max: number): { Key: string; Value: string }[] {
  if (tags.length > max) throw new AwsError("BadRequest", `Object tags cannot be greater than ${max}`, 400);
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t.Key ?? "";
    if (key === "" || key.length > 128 || (t.Value ?? "").length > 256)
      throw new AwsError("InvalidTag", "The TagKey you have provided is invalid", 400, { TagKey: key });
    if (seen.has(key)) throw new AwsError("InvalidTag", "Cannot provide multiple Tags with the same key", 400, { TagKey: key });
    seen.add(key);
  }
  return tags.map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" }));
}

export const putObjectTagging: OpHandler<PutObjectTaggingCommandInput, PutObjectTaggingCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "", input.VersionId);
  const tags = validTagSet(input.Tagging?.TagSet ?? [], 10);
  objectsOf(ctx.runtime).updateMeta(ctx.accountId, input.Bucket ?? "", o.key, input.VersionId, { tags: tags.length ? tags : undefined });
  return { VersionId: o.versionId };
};

export const deleteObjectTagging: OpHandler<DeleteObjectTaggingCommandInput, DeleteObjectTaggingCommandOutput> = (input, ctx) => {
  const o = requireObject(ctx, input.Bucket ?? "", input.Key ?? "", input.VersionId);
  objectsOf(ctx.runtime).updateMeta(ctx.accountId, input.Bucket ?? "", o.key, input.VersionId, { tags: undefined });
  return { VersionId: o.versionId };
};

const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);

export const putBucketEncryption: OpHandler<PutBucketEncryptionCommandInput, PutBucketEncryptionCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const rules = input.ServerSideEncryptionConfiguration?.Rules ?? [];
  const rule = rules[0]?.ApplyServerSideEncryptionByDefault;
  if (rules.length !== 1 || !rule?.SSEAlgorithm) {
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  }
  if (!SSE_ALGORITHMS.has(rule.SSEAlgorithm))
    throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  if (rule.KMSMasterKeyID && rule.SSEAlgorithm === "AES256") {
    throw new AwsError("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", 400, {
      ArgumentName: "ApplyServerSideEncryptionByDefault",
    });
  }
  b.encryption = { SSEAlgorithm: rule.SSEAlgorithm, KMSMasterKeyID: rule.KMSMasterKeyID, BucketKeyEnabled: rules[0].BucketKeyEnabled ?? false };
  return {};
};

/** Since 2023 a bucket cannot be unencrypted: deleting the configuration restores the SSE-S3 default. */
export const deleteBucketEncryption: OpHandler<DeleteBucketEncryptionCommandInput, DeleteBucketEncryptionCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  delete b.encryption;
  return {};
};

export const putBucketLogging: OpHandler<PutBucketLoggingCommandInput, PutBucketLoggingCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  const le = input.BucketLoggingStatus?.LoggingEnabled;
  if (!le) {
    // An empty BucketLoggingStatus turns server access logging off.
    delete b.logging;
    return {};
  }
  const target = le.TargetBucket ? objectsOf(ctx.runtime).bucket(ctx.accountId, le.TargetBucket) : undefined;
  if (!target)
    throw new AwsError("InvalidTargetBucketForLogging", "The target bucket for logging does not exist", 400, { TargetBucket: le.TargetBucket ?? "" });
  if (target.region !== b.region) {
    throw new AwsError("CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ", 403, { TargetBucketLocation: target.region });
  }
  b.logging = { TargetBucket: target.name, TargetPrefix: le.TargetPrefix ?? "" };
  return {};
};

/**
 * Whether the bucket policy makes the bucket public, by AWS's rule: an Allow to everyone ("*") that no condition
 * pins to fixed values (source IP, VPC, account, organization, ARN, …).
 */
export const getBucketPolicyStatus: OpHandler<GetBucketPolicyStatusCommandInput, GetBucketPolicyStatusCommandOutput> = (input, ctx) => {
  const b = requireBucket(ctx, input.Bucket);
  if (!b.policy) throw new AwsError("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: b.name });
  return { PolicyStatus: { IsPublic: policyIsPublic(b.policy) } };
};

const FIXING_KEYS = new Set([
  "aws:sourceip",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceowner",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalorgid",
  "aws:userid",
  "s3:dataaccesspointaccount",
  "s3:dataaccesspointarn",
]);

export function policyIsPublic(policy: string): boolean {
  return statementsOf(policy).some((st) => {
    const s = st as { Effect?: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };
    if (s.Effect !== "Allow") return false;
    const p = s.Principal;
    const aws = typeof p === "object" && p !== null ? (p as { AWS?: unknown }).AWS : undefined;
    const everyone = p === "*" || aws === "*" || (Array.isArray(aws) && aws.includes("*"));
    if (!everyone) return false;
    // A condition on a fixed-value key (with a non-wildcard value) limits who can use the grant.
    const fixed = Object.values(s.Condition ?? {}).some((byKey) =>
      Object.entries(byKey ?? {}).some(([k, v]) => FIXING_KEYS.has(k.toLowerCase()) && !(Array.isArray(v) ? v : [v]).some((x) => String(x).includes("*"))),
    );
    return !fixed;
  });
}
