/**
 * Bucket configuration an investigator (or Prowler/ScoutSuite) reads: what a recording holds, else the answer AWS
 * gives for a bucket without that configuration. Recorded values are kept in the SDK's own output shapes.
 */
import type {
  GetBucketCorsCommandInput,
  GetBucketCorsCommandOutput,
  GetBucketLifecycleConfigurationCommandInput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketNotificationConfigurationCommandInput,
  GetBucketNotificationConfigurationCommandOutput,
  GetBucketOwnershipControlsCommandInput,
  GetBucketOwnershipControlsCommandOutput,
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
} from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import type { BucketRecord } from "../../state/objects.ts";
import { owner, requireBucket } from "./buckets.ts";
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
