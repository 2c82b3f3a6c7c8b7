/** Inline policies of users, roles and groups: Put/Get/Delete/List {User,Role,Group}Policy. */
import type {
  DeleteGroupPolicyCommandInput,
  DeleteGroupPolicyCommandOutput,
  DeleteRolePolicyCommandInput,
  DeleteRolePolicyCommandOutput,
  DeleteUserPolicyCommandInput,
  DeleteUserPolicyCommandOutput,
  GetGroupPolicyCommandInput,
  GetGroupPolicyCommandOutput,
  GetRolePolicyCommandInput,
  GetRolePolicyCommandOutput,
  GetUserPolicyCommandInput,
  GetUserPolicyCommandOutput,
  ListGroupPoliciesCommandInput,
  ListGroupPoliciesCommandOutput,
  ListRolePoliciesCommandInput,
  ListRolePoliciesCommandOutput,
  ListUserPoliciesCommandInput,
  ListUserPoliciesCommandOutput,
  PutGroupPolicyCommandInput,
  PutGroupPolicyCommandOutput,
  PutRolePolicyCommandInput,
  PutRolePolicyCommandOutput,
  PutUserPolicyCommandInput,
  PutUserPolicyCommandOutput,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import {
  assertModifiableRole,
  checkName,
  encodeDocument,
  getGroupOrThrow,
  getRoleOrThrow,
  getUserOrThrow,
  pageOf,
  policySize,
  validatePolicyDocument,
} from "./common.ts";
import { iamState } from "./state.ts";

type Kind = "User" | "Role" | "Group";

/** Aggregate inline policy quotas (characters without whitespace) per IAM's limits. */
const QUOTA: Record<Kind, number> = { User: 2048, Role: 10240, Group: 5120 };

function entity(kind: Kind, name: string | undefined, ctx: RequestContext) {
  const st = iamState(ctx);
  if (kind === "User") return { e: getUserOrThrow(st, name), label: "user" };
  if (kind === "Role") return { e: getRoleOrThrow(st, name), label: "role" };
  return { e: getGroupOrThrow(st, name), label: "group" };
}

function put(kind: Kind, name: string | undefined, policyName: string | undefined, doc: string | undefined, ctx: RequestContext): Record<string, never> {
  const { e } = entity(kind, name, ctx);
  if (kind === "Role") assertModifiableRole(e as never);
  const pn = checkName(policyName, "policyName", 128);
  validatePolicyDocument(doc, "identity");
  const others = Object.entries(e.InlinePolicies).filter(([k]) => k !== pn);
  const total = others.reduce((n, [, d]) => n + policySize(d), 0) + policySize(doc ?? "");
  if (total > QUOTA[kind]) throw new AwsError("LimitExceeded", `Maximum policy size of ${QUOTA[kind]} bytes exceeded for ${kind.toLowerCase()} ${name}`, 409);
  e.InlinePolicies[pn] = doc ?? "";
  return {};
}

function get(kind: Kind, name: string | undefined, policyName: string | undefined, ctx: RequestContext) {
  const { e, label } = entity(kind, name, ctx);
  const doc = policyName !== undefined ? e.InlinePolicies[policyName] : undefined;
  if (doc === undefined) throw new AwsError("NoSuchEntity", `The ${label} policy with name ${policyName} cannot be found.`, 404);
  return { PolicyName: policyName ?? "", PolicyDocument: encodeDocument(doc) ?? "" };
}

function del(kind: Kind, name: string | undefined, policyName: string | undefined, ctx: RequestContext): Record<string, never> {
  const { e, label } = entity(kind, name, ctx);
  if (kind === "Role") assertModifiableRole(e as never);
  if (policyName === undefined || e.InlinePolicies[policyName] === undefined) {
    throw new AwsError("NoSuchEntity", `The ${label} policy with name ${policyName} cannot be found.`, 404);
  }
  delete e.InlinePolicies[policyName];
  return {};
}

function list(kind: Kind, name: string | undefined, input: { Marker?: string; MaxItems?: number }, ctx: RequestContext) {
  const { e } = entity(kind, name, ctx);
  const names = Object.keys(e.InlinePolicies).sort();
  const { page, IsTruncated, Marker } = pageOf(names, input, `List${kind}Policies:${name}`);
  return { PolicyNames: page, IsTruncated, Marker };
}

export const putUserPolicy: OpHandler<PutUserPolicyCommandInput, PutUserPolicyCommandOutput> = (i, ctx) =>
  put("User", i.UserName, i.PolicyName, i.PolicyDocument, ctx);
export const putRolePolicy: OpHandler<PutRolePolicyCommandInput, PutRolePolicyCommandOutput> = (i, ctx) =>
  put("Role", i.RoleName, i.PolicyName, i.PolicyDocument, ctx);
export const putGroupPolicy: OpHandler<PutGroupPolicyCommandInput, PutGroupPolicyCommandOutput> = (i, ctx) =>
  put("Group", i.GroupName, i.PolicyName, i.PolicyDocument, ctx);

export const getUserPolicy: OpHandler<GetUserPolicyCommandInput, GetUserPolicyCommandOutput> = (i, ctx) => ({
  UserName: i.UserName ?? "",
  ...get("User", i.UserName, i.PolicyName, ctx),
});
export const getRolePolicy: OpHandler<GetRolePolicyCommandInput, GetRolePolicyCommandOutput> = (i, ctx) => ({
  RoleName: i.RoleName ?? "",
  ...get("Role", i.RoleName, i.PolicyName, ctx),
});
export const getGroupPolicy: OpHandler<GetGroupPolicyCommandInput, GetGroupPolicyCommandOutput> = (i, ctx) => ({
  GroupName: i.GroupName ?? "",
  ...get("Group", i.GroupName, i.PolicyName, ctx),
});

export const deleteUserPolicy: OpHandler<DeleteUserPolicyCommandInput, DeleteUserPolicyCommandOutput> = (i, ctx) => del("User", i.UserName, i.PolicyName, ctx);
export const deleteRolePolicy: OpHandler<DeleteRolePolicyCommandInput, DeleteRolePolicyCommandOutput> = (i, ctx) => del("Role", i.RoleName, i.PolicyName, ctx);
export const deleteGroupPolicy: OpHandler<DeleteGroupPolicyCommandInput, DeleteGroupPolicyCommandOutput> = (i, ctx) =>
  del("Group", i.GroupName, i.PolicyName, ctx);

export const listUserPolicies: OpHandler<ListUserPoliciesCommandInput, ListUserPoliciesCommandOutput> = (i, ctx) => list("User", i.UserName, i, ctx);
export const listRolePolicies: OpHandler<ListRolePoliciesCommandInput, ListRolePoliciesCommandOutput> = (i, ctx) => list("Role", i.RoleName, i, ctx);
export const listGroupPolicies: OpHandler<ListGroupPoliciesCommandInput, ListGroupPoliciesCommandOutput> = (i, ctx) => list("Group", i.GroupName, i, ctx);
