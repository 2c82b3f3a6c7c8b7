/** IAM's account-wide state, in the SDK's shapes (times as ISO strings). Names are the keys. */
import type {
  AccessKeyMetadata,
  Group,
  InstanceProfile,
  MFADevice,
  PasswordPolicy,
  Policy,
  Role,
  ServiceSpecificCredentialMetadata,
  SigningCertificate,
  SSHPublicKeyMetadata,
  User,
} from "@aws-sdk/client-iam";
import type { Runtime } from "../../core/runtime.ts";
import type { RequestContext } from "../../core/types.ts";
import { type Stored, withDefaults } from "../stored.ts";

export type StoredAccessKey = Stored<AccessKeyMetadata> & {
  /** Absent for the scenario's own keys (the responder's), whose secret each installation makes (state/install-credentials.ts). */
  SecretAccessKey?: string;
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
  /** Other credential types a user can hold (X.509 signing certificates, CodeCommit SSH keys, service passwords). */
  SigningCertificates?: Stored<SigningCertificate>[];
  SSHPublicKeys?: Stored<SSHPublicKeyMetadata>[];
  ServiceSpecificCredentials?: Stored<ServiceSpecificCredentialMetadata>[];
};

export type StoredRole = Stored<Role> & {
  InlinePolicies: Record<string, string>;
  AttachedPolicies: string[];
};

/** Fields of the account itself that only the credential report shows (the root user's row). */
export interface RootAccountInfo {
  CreateDate?: string;
  PasswordLastUsed?: string;
  MfaActive?: boolean;
  /** Root access keys (AWS advises none; a recording may have them). */
  AccessKeys?: { Active: boolean; LastRotated: string; LastUsedDate?: string; LastUsedRegion?: string; LastUsedService?: string }[];
}

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
  /** GeneratedTime: when the last GenerateCredentialReport started; Content: the CSV snapshot taken then; ReadyAt: when generation finishes. */
  credentialReport?: { GeneratedTime: string; Content?: string; ReadyAt?: string };
  root?: RootAccountInfo;
  accountAliases?: string[];
  /** Absent when the account has no password policy (GetAccountPasswordPolicy → NoSuchEntity). */
  passwordPolicy?: Stored<PasswordPolicy>;
}

export const emptyIamState = (): IamState => ({ users: {}, roles: {}, groups: {}, policies: {}, instanceProfiles: {} });

export function iamStateOf(runtime: Runtime, accountId: string): IamState {
  const st = withDefaults(runtime.global(accountId, "iam", emptyIamState), emptyIamState());
  // Recordings may leave out empty collections on an entity; handlers rely on them being there.
  for (const u of Object.values(st.users)) {
    u.AccessKeys ??= [];
    u.InlinePolicies ??= {};
    u.AttachedPolicies ??= [];
    u.Groups ??= [];
  }
  for (const e of [...Object.values(st.roles), ...Object.values(st.groups)]) {
    e.InlinePolicies ??= {};
    e.AttachedPolicies ??= [];
  }
  for (const p of Object.values(st.policies)) p.Versions ??= [];
  return st;
}

export function iamState(ctx: RequestContext): IamState {
  return iamStateOf(ctx.runtime, ctx.accountId);
}
