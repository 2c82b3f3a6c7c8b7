/** IAM's account-wide state, in the SDK's shapes (times as ISO strings). Names are the keys. */
import type { AccessKeyMetadata, Group, InstanceProfile, MFADevice, Policy, Role, User } from "@aws-sdk/client-iam";
import type { RequestContext } from "../../core/types.ts";
import type { Runtime } from "../../state/runtime.ts";
import { type Stored, withDefaults } from "../stored.ts";

export type StoredAccessKey = Stored<AccessKeyMetadata> & {
  SecretAccessKey: string;
  LastUsed?: { LastUsedDate?: string; ServiceName?: string; Region?: string };
};

export type StoredUser = Stored<User> & {
  AccessKeys: StoredAccessKey[];
  /** Inline policies: name → JSON policy document (not URL-encoded). */
  InlinePolicies: Record<string, string>;
  /** Attached managed policy ARNs. */
  AttachedPolicies: string[];
  Groups: string[];
  MFADevices?: Stored<MFADevice>[];
  /** Console password: when set and when last used. */
  LoginProfile?: { CreateDate: string; PasswordResetRequired?: boolean };
};

export type StoredRole = Stored<Role> & {
  InlinePolicies: Record<string, string>;
  AttachedPolicies: string[];
};

export type StoredGroup = Stored<Group> & {
  InlinePolicies: Record<string, string>;
  AttachedPolicies: string[];
};

/** A managed policy (customer or AWS) with its versions' documents. */
export type StoredPolicy = Stored<Policy> & {
  Versions: { VersionId: string; IsDefaultVersion: boolean; CreateDate: string; Document: string }[];
};

export interface IamState {
  users: Record<string, StoredUser>;
  roles: Record<string, StoredRole>;
  groups: Record<string, StoredGroup>;
  /** Customer managed policies by ARN (AWS-managed ones come from the catalog in aws-managed-policies.ts). */
  policies: Record<string, StoredPolicy>;
  instanceProfiles: Record<string, Stored<InstanceProfile>>;
  credentialReport?: { GeneratedTime: string };
}

export const emptyIamState = (): IamState => ({ users: {}, roles: {}, groups: {}, policies: {}, instanceProfiles: {} });

export function iamStateOf(runtime: Runtime, accountId: string): IamState {
  const st = runtime.global(accountId, "iam", emptyIamState);
  return withDefaults(st, emptyIamState());
}

export function iamState(ctx: RequestContext): IamState {
  return iamStateOf(ctx.runtime, ctx.accountId);
}
