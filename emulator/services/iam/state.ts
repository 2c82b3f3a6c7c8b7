/** IAM's account-wide state, in the SDK's shapes (times as ISO strings). */
import type { AccessKeyMetadata, User } from "@aws-sdk/client-iam";
import type { RequestContext } from "../../core/types.ts";
import type { Runtime } from "../../state/runtime.ts";
import type { Stored } from "../stored.ts";

export type StoredAccessKey = Stored<AccessKeyMetadata> & {
  SecretAccessKey: string;
  LastUsed?: { LastUsedDate?: string; ServiceName?: string; Region?: string };
};

export type StoredUser = Stored<User> & {
  AccessKeys: StoredAccessKey[];
  InlinePolicies: Record<string, string>;
  AttachedPolicies: string[];
  Groups: string[];
};

export interface IamState {
  users: Record<string, StoredUser>;
}

export const emptyIamState = (): IamState => ({ users: {} });

export function iamStateOf(runtime: Runtime, accountId: string): IamState {
  return runtime.global(accountId, "iam", emptyIamState);
}

export function iamState(ctx: RequestContext): IamState {
  return iamStateOf(ctx.runtime, ctx.accountId);
}
