/**
 * What each S3 operation asks of IAM. S3's actions are named for what they allow, not for the API call
 * (ListObjectsV2 → s3:ListBucket, HeadObject → s3:GetObject, a VersionId → the …Version action, DeleteBucketTagging
 * → s3:PutBucketTagging…), so every operation is mapped here, as the S3 API reference's "Permissions" sections
 * give them. Each check carries the bucket's policy (the resource policy) and owner, and the keys the SAR lists
 * that the request or the object supplies: s3:prefix/s3:delimiter/s3:max-keys on listings, s3:ExistingObjectTag/…,
 * s3:RequestObjectTag/…, s3:x-amz-acl, s3:versionid, s3:ResourceAccount.
 */

import {
  addKey,
  type Input,
  list,
  obj,
  onAnyResource,
  own,
  type Permission,
  peekGlobal,
  permission,
  type Rule,
  serviceAuthorization,
  str,
  tagPairs,
} from "../../authz/requests.ts";
import type { AuthzCheck, ContextValues, NamedPolicy } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import { objectsOf, type S3State } from "./object-store.ts";
import { parseCopySource } from "./objects.ts";

type Ctx = RequestContext;

/** The bucket as a resource: its owner and policy, when the range has it. */
interface BucketFacts {
  name: string;
  known: boolean;
  owner?: string;
  policy?: NamedPolicy;
}

const bucketArn = permission("s3:ListBucket", "bucket");

function bucketFacts(ctx: Ctx, name: string): BucketFacts {
  const b = own(peekGlobal<S3State>(ctx.runtime, ctx.accountId, "s3")?.buckets, name);
  if (!b) return { name, known: false };
  const policy = b.policy
    ? { kind: "resource" as const, name: "bucket policy", attachedTo: bucketArn.arn(ctx, { BucketName: name }), document: b.policy }
    : undefined;
  return { name, known: true, owner: ctx.accountId, policy };
}

/** The bucket's share of every check: owner (resourceAccount, s3:ResourceAccount) and policy. */
function checkOn(action: Permission, arn: string, b: BucketFacts, context: ContextValues): AuthzCheck {
  if (b.owner) context["s3:ResourceAccount"] = b.owner;
  return action.onArn(arn, { context, resourceAccount: b.owner, resourcePolicy: b.policy });
}

/** An action on the bucket the input names. */
function onBucket(action: string, keys?: (input: Input, c: ContextValues) => void): Rule {
  const p = permission(action, "bucket");
  return (input, ctx) => {
    const name = str(input.Bucket);
    if (name === undefined) return [];
    const c: ContextValues = {};
    keys?.(input, c);
    return [checkOn(p, p.arn(ctx, { BucketName: name }), bucketFacts(ctx, name), c)];
  };
}

/** Listing keys: s3:prefix, s3:delimiter and s3:max-keys as the request gives them (an empty prefix is a prefix). */
function listingKeys(input: Input, c: ContextValues): void {
  addKey(c, "s3:prefix", str(input.Prefix));
  addKey(c, "s3:delimiter", str(input.Delimiter));
  if (typeof input.MaxKeys === "number") c["s3:max-keys"] = input.MaxKeys;
}

const GRANTS = [
  ["GrantFullControl", "s3:x-amz-grant-full-control"],
  ["GrantRead", "s3:x-amz-grant-read"],
  ["GrantReadACP", "s3:x-amz-grant-read-acp"],
  ["GrantWrite", "s3:x-amz-grant-write"],
  ["GrantWriteACP", "s3:x-amz-grant-write-acp"],
] as const;

/** The ACL a request sets (canned or grants); true when it sets one. */
function aclKeys(input: Input, c: ContextValues): boolean {
  let any = false;
  const acl = str(input.ACL);
  if (acl !== undefined) {
    c["s3:x-amz-acl"] = acl;
    any = true;
  }
  for (const [member, key] of GRANTS) {
    const v = str(input[member]);
    if (v !== undefined) {
      c[key] = v;
      any = true;
    }
  }
  return any;
}

// ---- buckets ----

const createBucket = {
  bucket: permission("s3:CreateBucket", "bucket"),
  acl: permission("s3:PutBucketAcl", "bucket"),
  ownership: permission("s3:PutBucketOwnershipControls", "bucket"),
};

/** CreateBucket: also s3:PutBucketAcl with an ACL, s3:PutBucketOwnershipControls with ObjectOwnership. */
const createBucketRule: Rule = (input, ctx) => {
  const name = str(input.Bucket);
  if (name === undefined) return [];
  const arn = createBucket.bucket.arn(ctx, { BucketName: name });
  const b = bucketFacts(ctx, name);
  const c: ContextValues = {};
  const acl = aclKeys(input, c);
  addKey(c, "s3:locationconstraint", str(obj(input.CreateBucketConfiguration).LocationConstraint));
  addKey(c, "s3:x-amz-object-ownership", str(input.ObjectOwnership));
  const checks = [checkOn(createBucket.bucket, arn, b, c)];
  if (acl) checks.push(checkOn(createBucket.acl, arn, b, aclKeysOnly(input)));
  if (str(input.ObjectOwnership) !== undefined) checks.push(checkOn(createBucket.ownership, arn, b, {}));
  return checks;
};

function aclKeysOnly(input: Input): ContextValues {
  const c: ContextValues = {};
  aclKeys(input, c);
  return c;
}

// ---- objects ----

interface ObjectAction {
  /** Without a VersionId. */
  current: Permission;
  /** With one (s3:GetObjectVersion…); absent where S3 has no version action. */
  version?: Permission;
  /** The object's tags are a condition key of the action (s3:ExistingObjectTag/…). */
  existingTags?: boolean;
}

function objectAction(current: string, version?: string, existingTags = false): ObjectAction {
  return { current: permission(current, "object"), version: version ? permission(version, "object") : undefined, existingTags };
}

/** The check of one object action; the object's existing tags and version where the action has them. */
function objectCheck(ctx: Ctx, a: ObjectAction, b: BucketFacts, key: string, versionId: string | undefined, context: ContextValues = {}): AuthzCheck {
  const p = versionId !== undefined && a.version ? a.version : a.current;
  if (versionId !== undefined && a.version) context["s3:versionid"] = versionId;
  if (a.existingTags && b.known) {
    const store = objectsOf(ctx.runtime);
    const meta = versionId === undefined ? store.head(ctx.accountId, b.name, key) : store.objectVersion(ctx.accountId, b.name, key, versionId);
    for (const t of meta?.tags ?? []) context[`s3:ExistingObjectTag/${t.Key}`] = t.Value;
  }
  return checkOn(p, p.arn(ctx, { BucketName: b.name, ObjectName: key }), b, context);
}

/** An action on the object Bucket and Key name (its …Version action with a VersionId). */
function onObject(a: ObjectAction): Rule {
  return (input, ctx) => {
    const bucket = str(input.Bucket);
    const key = str(input.Key);
    if (bucket === undefined || key === undefined) return [];
    return [objectCheck(ctx, a, bucketFacts(ctx, bucket), key, str(input.VersionId))];
  };
}

const getObject = objectAction("s3:GetObject", "s3:GetObjectVersion", true);
const putObject = objectAction("s3:PutObject");
const putObjectAcl = objectAction("s3:PutObjectAcl", undefined, true);
const putObjectTagging = objectAction("s3:PutObjectTagging");
const deleteObject = objectAction("s3:DeleteObject", "s3:DeleteObjectVersion");

/** A new object's keys: its ACL, tags (x-amz-tagging), encryption and storage class. */
function newObjectKeys(input: Input, tags: [string, string][]): ContextValues {
  const c: ContextValues = {};
  aclKeys(input, c);
  for (const [k, v] of tags) c[`s3:RequestObjectTag/${k}`] = v;
  if (tags.length) c["s3:RequestObjectTagKeys"] = tags.map(([k]) => k);
  addKey(c, "s3:x-amz-server-side-encryption", str(input.ServerSideEncryption));
  addKey(c, "s3:x-amz-server-side-encryption-aws-kms-key-id", str(input.SSEKMSKeyId));
  addKey(c, "s3:x-amz-storage-class", str(input.StorageClass));
  return c;
}

/** x-amz-tagging ("k1=v1&k2=v2"), without the handler's validation (it refuses what is malformed). */
function taggingHeader(v: unknown): [string, string][] {
  const s = str(v);
  return s ? [...new URLSearchParams(s)] : [];
}

/**
 * Writing an object: s3:PutObject, plus s3:PutObjectAcl when the request sets an ACL and s3:PutObjectTagging
 * when it sets tags (PutObject's and CreateMultipartUpload's documentation).
 */
function writeObject(ctx: Ctx, input: Input, b: BucketFacts, key: string, extra: ContextValues = {}): AuthzCheck[] {
  const tags = taggingHeader(input.Tagging);
  const checks = [objectCheck(ctx, putObject, b, key, undefined, { ...newObjectKeys(input, tags), ...extra })];
  if (aclKeys(input, {})) checks.push(objectCheck(ctx, putObjectAcl, b, key, undefined, aclKeysOnly(input)));
  if (tags.length) checks.push(objectCheck(ctx, putObjectTagging, b, key, undefined, newObjectKeys({}, tags)));
  return checks;
}

function writeRule(withHeaders: boolean): Rule {
  return (input, ctx) => {
    const bucket = str(input.Bucket);
    const key = str(input.Key);
    if (bucket === undefined || key === undefined) return [];
    const b = bucketFacts(ctx, bucket);
    return withHeaders ? writeObject(ctx, input, b, key) : [objectCheck(ctx, putObject, b, key, undefined)];
  };
}

/** The source of a copy: s3:GetObject (or GetObjectVersion) on it; a malformed source is the handler's to refuse. */
function copySourceCheck(ctx: Ctx, raw: unknown): { checks: AuthzCheck[]; source?: string } {
  const source = str(raw);
  if (source === undefined) return { checks: [] };
  let src: { bucket: string; key: string; versionId?: string };
  try {
    src = parseCopySource(source);
  } catch {
    return { checks: [], source };
  }
  return { checks: [objectCheck(ctx, getObject, bucketFacts(ctx, src.bucket), src.key, src.versionId)], source };
}

const copyObjectRule: Rule = (input, ctx) => {
  const bucket = str(input.Bucket);
  const key = str(input.Key);
  const { checks, source } = copySourceCheck(ctx, input.CopySource);
  if (bucket === undefined || key === undefined) return checks;
  const extra: ContextValues = {};
  addKey(extra, "s3:x-amz-copy-source", source);
  addKey(extra, "s3:x-amz-metadata-directive", str(input.MetadataDirective));
  // Tags the copy sets: only with x-amz-tagging-directive REPLACE (COPY takes the source's).
  const target = input.TaggingDirective === "REPLACE" ? input : { ...input, Tagging: undefined };
  return [...checks, ...writeObject(ctx, target, bucketFacts(ctx, bucket), key, extra)];
};

const uploadPartCopyRule: Rule = (input, ctx) => {
  const bucket = str(input.Bucket);
  const key = str(input.Key);
  const { checks, source } = copySourceCheck(ctx, input.CopySource);
  if (bucket === undefined || key === undefined) return checks;
  const extra: ContextValues = {};
  addKey(extra, "s3:x-amz-copy-source", source);
  return [...checks, objectCheck(ctx, putObject, bucketFacts(ctx, bucket), key, undefined, extra)];
};

/** DeleteObjects: s3:DeleteObject (or DeleteObjectVersion) on every key it names. */
const deleteObjectsRule: Rule = (input, ctx) => {
  const bucket = str(input.Bucket);
  if (bucket === undefined) return [];
  const b = bucketFacts(ctx, bucket);
  const checks: AuthzCheck[] = [];
  for (const o of list(obj(input.Delete).Objects)) {
    const key = str(o.Key);
    if (key !== undefined) checks.push(objectCheck(ctx, deleteObject, b, key, str(o.VersionId)));
  }
  return checks;
};

const putObjectTaggingVersioned = objectAction("s3:PutObjectTagging", "s3:PutObjectVersionTagging", true);

const putObjectTaggingRule: Rule = (input, ctx) => {
  const bucket = str(input.Bucket);
  const key = str(input.Key);
  if (bucket === undefined || key === undefined) return [];
  const tags = tagPairs(obj(input.Tagging).TagSet);
  return [objectCheck(ctx, putObjectTaggingVersioned, bucketFacts(ctx, bucket), key, str(input.VersionId), newObjectKeys({}, tags))];
};

const rules: Record<string, Rule> = {
  ListBuckets: onAnyResource("s3:ListAllMyBuckets"),
  CreateBucket: createBucketRule,
  DeleteBucket: onBucket("s3:DeleteBucket"),
  HeadBucket: onBucket("s3:ListBucket"),
  GetBucketLocation: onBucket("s3:GetBucketLocation"),
  GetBucketPolicy: onBucket("s3:GetBucketPolicy"),
  PutBucketPolicy: onBucket("s3:PutBucketPolicy"),
  DeleteBucketPolicy: onBucket("s3:DeleteBucketPolicy"),
  GetPublicAccessBlock: onBucket("s3:GetBucketPublicAccessBlock"),
  PutPublicAccessBlock: onBucket("s3:PutBucketPublicAccessBlock"),
  DeletePublicAccessBlock: onBucket("s3:PutBucketPublicAccessBlock"),
  GetBucketAcl: onBucket("s3:GetBucketAcl"),
  GetBucketVersioning: onBucket("s3:GetBucketVersioning"),
  PutBucketVersioning: onBucket("s3:PutBucketVersioning"),
  GetBucketTagging: onBucket("s3:GetBucketTagging"),
  PutBucketTagging: onBucket("s3:PutBucketTagging"),
  DeleteBucketTagging: onBucket("s3:PutBucketTagging"),
  GetBucketEncryption: onBucket("s3:GetEncryptionConfiguration"),
  PutBucketEncryption: onBucket("s3:PutEncryptionConfiguration"),
  DeleteBucketEncryption: onBucket("s3:PutEncryptionConfiguration"),
  GetBucketLogging: onBucket("s3:GetBucketLogging"),
  PutBucketLogging: onBucket("s3:PutBucketLogging"),
  GetBucketCors: onBucket("s3:GetBucketCORS"),
  GetBucketWebsite: onBucket("s3:GetBucketWebsite"),
  GetBucketLifecycleConfiguration: onBucket("s3:GetLifecycleConfiguration"),
  GetBucketReplication: onBucket("s3:GetReplicationConfiguration"),
  GetObjectLockConfiguration: onBucket("s3:GetBucketObjectLockConfiguration"),
  GetBucketNotificationConfiguration: onBucket("s3:GetBucketNotification"),
  GetBucketOwnershipControls: onBucket("s3:GetBucketOwnershipControls"),
  GetBucketPolicyStatus: onBucket("s3:GetBucketPolicyStatus"),
  ListObjects: onBucket("s3:ListBucket", listingKeys),
  ListObjectsV2: onBucket("s3:ListBucket", listingKeys),
  ListObjectVersions: onBucket("s3:ListBucketVersions", listingKeys),
  ListMultipartUploads: onBucket("s3:ListBucketMultipartUploads"),
  GetObject: onObject(getObject),
  HeadObject: onObject(getObject),
  GetObjectTagging: onObject(objectAction("s3:GetObjectTagging", "s3:GetObjectVersionTagging", true)),
  PutObjectTagging: putObjectTaggingRule,
  DeleteObjectTagging: onObject(objectAction("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", true)),
  GetObjectAcl: onObject(objectAction("s3:GetObjectAcl", "s3:GetObjectVersionAcl", true)),
  PutObject: writeRule(true),
  DeleteObject: onObject(deleteObject),
  DeleteObjects: deleteObjectsRule,
  CopyObject: copyObjectRule,
  CreateMultipartUpload: writeRule(true),
  UploadPart: writeRule(false),
  UploadPartCopy: uploadPartCopyRule,
  CompleteMultipartUpload: writeRule(false),
  AbortMultipartUpload: onObject(objectAction("s3:AbortMultipartUpload")),
  ListParts: onObject(objectAction("s3:ListMultipartUploadParts")),
};

export const s3Authorization = serviceAuthorization("s3", rules);
