/**
 * What each IAM operation asks of IAM, as the Service Authorization Reference lists it: the action on the user, role,
 * group, policy or instance profile the call names (its ARN with its path, from state), with iam:PolicyARN on
 * attaching and detaching, iam:PermissionsBoundary (the boundary set, or the one the entity has), tags as
 * aws:ResourceTag/iam:ResourceTag and aws:RequestTag/aws:TagKeys, and iam:PassRole where a role is handed over.
 * Listing and account-wide calls support no resource-level permissions: they need their action on "*".
 */

import {
  addKey,
  addRequestTags,
  addResourceTags,
  type Input,
  onAnyResource,
  own,
  type Permission,
  peekGlobal,
  permission,
  type Rule,
  serviceAuthorization,
  str,
  strs,
} from "../../authz/requests.ts";
import type { AuthzCheck, ContextValues } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import type { IamState } from "./state.ts";

type Ctx = RequestContext;
type Kind = "user" | "role" | "group" | "policy" | "instance-profile";

const iamOf = (ctx: Ctx) => peekGlobal<IamState>(ctx.runtime, ctx.accountId, "iam");

/** The template's variable for each resource type: the name with its path ("service/backup-bot"). */
const VARIABLE: Record<Kind, string> = {
  user: "UserNameWithPath",
  role: "RoleNameWithPath",
  group: "GroupNameWithPath",
  policy: "PolicyNameWithPath",
  "instance-profile": "InstanceProfileNameWithPath",
};

/** "/" + "name" → "name", "/service/" + "name" → "service/name": what follows the type in the ARN. */
const withPath = (path: string | undefined, name: string) => `${(path ?? "/").slice(1)}${name}`;

interface Entity {
  Arn?: string;
  Tags?: unknown;
  PermissionsBoundary?: { PermissionsBoundaryArn?: string };
}

function entityOf(ctx: Ctx, kind: Kind, name: string): Entity | undefined {
  const iam = iamOf(ctx);
  if (kind === "user") return own(iam?.users, name);
  if (kind === "role") return own(iam?.roles, name);
  if (kind === "group") return own(iam?.groups, name);
  if (kind === "instance-profile") return own(iam?.instanceProfiles, name);
  return undefined;
}

/** The entity's keys: its tags (users and roles also as iam:ResourceTag) and its permissions boundary. */
function entityKeys(kind: Kind, e: Entity | undefined, boundary: boolean): ContextValues {
  const c: ContextValues = {};
  if (!e) return c;
  addResourceTags(c, e.Tags, kind === "user" || kind === "role" ? "iam:ResourceTag/" : undefined);
  if (boundary) addKey(c, "iam:PermissionsBoundary", e.PermissionsBoundary?.PermissionsBoundaryArn);
  return c;
}

interface Options {
  /** The action has iam:PermissionsBoundary: the entity's boundary is in the context. */
  boundary?: boolean;
  /** Adds the request's own keys. */
  keys?: (input: Input, ctx: Ctx, c: ContextValues) => void;
  /** The input member that names the entity (UserName, RoleName…). */
  member?: string;
}

const MEMBER: Record<Kind, string> = {
  user: "UserName",
  role: "RoleName",
  group: "GroupName",
  policy: "PolicyArn",
  "instance-profile": "InstanceProfileName",
};

/** The check on the entity a call names, by its stored ARN (path included) or, unknown, the name under "/". */
function entityCheck(p: Permission, kind: Kind, name: string, ctx: Ctx, input: Input, opts: Options): AuthzCheck {
  const e = entityOf(ctx, kind, name);
  const c = entityKeys(kind, e, !!opts.boundary);
  opts.keys?.(input, ctx, c);
  return e?.Arn ? p.onArn(e.Arn, { context: c }) : p.check(ctx, { [VARIABLE[kind]]: withPath("/", name) }, { context: c });
}

/** An action on the entity the input names. */
function on(kind: Exclude<Kind, "policy">, action: string, opts: Options = {}): Rule {
  const p = permission(action, kind);
  const member = opts.member ?? MEMBER[kind];
  return (input, ctx) => {
    const name = str(input[member]);
    return name === undefined ? [] : [entityCheck(p, kind, name, ctx, input, opts)];
  };
}

/**
 * An action on a user that defaults to the caller (ListAccessKeys, UpdateAccessKey… without UserName act on the
 * IAM user who signed). Other callers must name one; the handler refuses them, and no user is authorized.
 */
function onUser(action: string, opts: Options = {}): Rule {
  const p = permission(action, "user");
  return (input, ctx) => {
    const name = str(input.UserName) ?? (ctx.principal.type === "IAMUser" ? ctx.principal.userName : undefined);
    return name === undefined ? [] : [entityCheck(p, "user", name, ctx, input, opts)];
  };
}

/** An action on the managed policy PolicyArn names. */
function onPolicy(action: string): Rule {
  const p = permission(action, "policy");
  return (input) => {
    const arn = str(input.PolicyArn);
    return arn === undefined ? [] : [p.onArn(arn)];
  };
}

/** The entity ARN a new entity will have: its path and name (CreateUser, CreateRole…). */
function onNew(kind: Exclude<Kind, "policy">, action: string, keys?: (input: Input, c: ContextValues) => void): Rule {
  const p = permission(action, kind);
  return (input, ctx) => {
    const name = str(input[MEMBER[kind]]);
    if (name === undefined) return [];
    const c: ContextValues = {};
    keys?.(input, c);
    return [p.check(ctx, { [VARIABLE[kind]]: withPath(str(input.Path), name) }, { context: c })];
  };
}

const requestTags = (input: Input, c: ContextValues) => addRequestTags(c, input.Tags);
const newBoundary = (input: Input, c: ContextValues) => addKey(c, "iam:PermissionsBoundary", str(input.PermissionsBoundary));
const policyArn = (input: Input, _ctx: Ctx, c: ContextValues) => addKey(c, "iam:PolicyARN", str(input.PolicyArn));
const tagKeys = (input: Input, _ctx: Ctx, c: ContextValues) => {
  const keys = strs(input.TagKeys);
  if (keys.length) c["aws:TagKeys"] = keys;
};

const createPolicy = permission("iam:CreatePolicy", "policy");

const createPolicyRule: Rule = (input, ctx) => {
  const name = str(input.PolicyName);
  if (name === undefined) return [];
  return [createPolicy.check(ctx, { PolicyNameWithPath: withPath(str(input.Path), name) }, { context: addRequestTags({}, input.Tags) })];
};

/** The user whose key AccessKeyId is (GetAccessKeyLastUsed names the key, not the user). */
const keyOwner = permission("iam:GetAccessKeyLastUsed", "user");

const accessKeyLastUsedRule: Rule = (input, ctx) => {
  const id = str(input.AccessKeyId);
  if (id === undefined) return [];
  const owner = Object.values(iamOf(ctx)?.users ?? {}).find((u) => (u.AccessKeys ?? []).some((k) => k.AccessKeyId === id));
  // A key of no user here: AWS answers AccessDenied naming the key; no user to authorize against.
  if (!owner?.Arn) return [];
  return [keyOwner.onArn(owner.Arn, { context: entityKeys("user", owner, false) })];
};

const passRole = permission("iam:PassRole", "role");

/**
 * Putting a role in an instance profile hands it to EC2: the caller must be allowed iam:PassRole on the role
 * (AddRoleToInstanceProfile's documentation).
 */
const addRoleToProfile = permission("iam:AddRoleToInstanceProfile", "instance-profile");

const addRoleToProfileRule: Rule = (input, ctx) => {
  const name = str(input.InstanceProfileName);
  const roleName = str(input.RoleName);
  const checks: AuthzCheck[] = [];
  if (name !== undefined) checks.push(entityCheck(addRoleToProfile, "instance-profile", name, ctx, input, {}));
  if (roleName !== undefined) checks.push(entityCheck(passRole, "role", roleName, ctx, input, {}));
  return checks;
};

/** The principal whose policies are simulated (a user, role or group ARN). */
function onPolicySource(action: string): Rule {
  const perms = { user: permission(action, "user"), role: permission(action, "role"), group: permission(action, "group") };
  return (input) => {
    const arn = str(input.PolicySourceArn);
    if (arn === undefined) return [];
    const type = /^arn:[^:]*:iam::[^:]*:(user|role|group)\//.exec(arn)?.[1] as keyof typeof perms | undefined;
    return type ? [perms[type].onArn(arn)] : [];
  };
}

const rules: Record<string, Rule> = {
  // users and their credentials
  ListUsers: onAnyResource("iam:ListUsers"),
  GetUser: onUser("iam:GetUser"),
  CreateUser: onNew("user", "iam:CreateUser", (input, c) => {
    requestTags(input, c);
    newBoundary(input, c);
  }),
  DeleteUser: on("user", "iam:DeleteUser"),
  ListAccessKeys: onUser("iam:ListAccessKeys"),
  CreateAccessKey: onUser("iam:CreateAccessKey"),
  UpdateAccessKey: onUser("iam:UpdateAccessKey"),
  DeleteAccessKey: onUser("iam:DeleteAccessKey"),
  GetAccessKeyLastUsed: accessKeyLastUsedRule,
  GetLoginProfile: onUser("iam:GetLoginProfile"),
  DeleteLoginProfile: onUser("iam:DeleteLoginProfile"),
  ListMFADevices: onUser("iam:ListMFADevices"),
  DeactivateMFADevice: onUser("iam:DeactivateMFADevice"),
  ListSigningCertificates: onUser("iam:ListSigningCertificates"),
  ListSSHPublicKeys: onUser("iam:ListSSHPublicKeys"),
  ListServiceSpecificCredentials: onUser("iam:ListServiceSpecificCredentials"),
  TagUser: on("user", "iam:TagUser", { keys: (input, _ctx, c) => requestTags(input, c) }),
  UntagUser: on("user", "iam:UntagUser", { keys: tagKeys }),
  ListUserTags: on("user", "iam:ListUserTags"),
  PutUserPermissionsBoundary: on("user", "iam:PutUserPermissionsBoundary", { keys: (input, _ctx, c) => newBoundary(input, c) }),
  DeleteUserPermissionsBoundary: on("user", "iam:DeleteUserPermissionsBoundary", { boundary: true }),
  // groups
  ListGroups: onAnyResource("iam:ListGroups"),
  GetGroup: on("group", "iam:GetGroup"),
  CreateGroup: onNew("group", "iam:CreateGroup"),
  DeleteGroup: on("group", "iam:DeleteGroup"),
  ListGroupsForUser: on("user", "iam:ListGroupsForUser"),
  AddUserToGroup: on("group", "iam:AddUserToGroup"),
  RemoveUserFromGroup: on("group", "iam:RemoveUserFromGroup"),
  // roles and instance profiles
  ListRoles: onAnyResource("iam:ListRoles"),
  GetRole: on("role", "iam:GetRole", { boundary: true }),
  CreateRole: onNew("role", "iam:CreateRole", (input, c) => {
    requestTags(input, c);
    newBoundary(input, c);
  }),
  DeleteRole: on("role", "iam:DeleteRole", { boundary: true }),
  UpdateRole: on("role", "iam:UpdateRole", { boundary: true }),
  UpdateAssumeRolePolicy: on("role", "iam:UpdateAssumeRolePolicy", { boundary: true }),
  TagRole: on("role", "iam:TagRole", { keys: (input, _ctx, c) => requestTags(input, c) }),
  UntagRole: on("role", "iam:UntagRole", { keys: tagKeys }),
  ListRoleTags: on("role", "iam:ListRoleTags"),
  PutRolePermissionsBoundary: on("role", "iam:PutRolePermissionsBoundary", { keys: (input, _ctx, c) => newBoundary(input, c) }),
  DeleteRolePermissionsBoundary: on("role", "iam:DeleteRolePermissionsBoundary", { boundary: true }),
  ListInstanceProfiles: onAnyResource("iam:ListInstanceProfiles"),
  GetInstanceProfile: on("instance-profile", "iam:GetInstanceProfile"),
  ListInstanceProfilesForRole: on("role", "iam:ListInstanceProfilesForRole"),
  CreateInstanceProfile: onNew("instance-profile", "iam:CreateInstanceProfile", requestTags),
  DeleteInstanceProfile: on("instance-profile", "iam:DeleteInstanceProfile"),
  AddRoleToInstanceProfile: addRoleToProfileRule,
  RemoveRoleFromInstanceProfile: on("instance-profile", "iam:RemoveRoleFromInstanceProfile"),
  // inline policies
  PutUserPolicy: on("user", "iam:PutUserPolicy", { boundary: true }),
  GetUserPolicy: on("user", "iam:GetUserPolicy"),
  DeleteUserPolicy: on("user", "iam:DeleteUserPolicy", { boundary: true }),
  ListUserPolicies: on("user", "iam:ListUserPolicies"),
  PutRolePolicy: on("role", "iam:PutRolePolicy", { boundary: true }),
  GetRolePolicy: on("role", "iam:GetRolePolicy"),
  DeleteRolePolicy: on("role", "iam:DeleteRolePolicy", { boundary: true }),
  ListRolePolicies: on("role", "iam:ListRolePolicies"),
  PutGroupPolicy: on("group", "iam:PutGroupPolicy"),
  GetGroupPolicy: on("group", "iam:GetGroupPolicy"),
  DeleteGroupPolicy: on("group", "iam:DeleteGroupPolicy"),
  ListGroupPolicies: on("group", "iam:ListGroupPolicies"),
  // managed policies
  ListPolicies: onAnyResource("iam:ListPolicies"),
  GetPolicy: onPolicy("iam:GetPolicy"),
  CreatePolicy: createPolicyRule,
  DeletePolicy: onPolicy("iam:DeletePolicy"),
  ListPolicyVersions: onPolicy("iam:ListPolicyVersions"),
  GetPolicyVersion: onPolicy("iam:GetPolicyVersion"),
  CreatePolicyVersion: onPolicy("iam:CreatePolicyVersion"),
  DeletePolicyVersion: onPolicy("iam:DeletePolicyVersion"),
  SetDefaultPolicyVersion: onPolicy("iam:SetDefaultPolicyVersion"),
  AttachUserPolicy: on("user", "iam:AttachUserPolicy", { boundary: true, keys: policyArn }),
  AttachRolePolicy: on("role", "iam:AttachRolePolicy", { boundary: true, keys: policyArn }),
  AttachGroupPolicy: on("group", "iam:AttachGroupPolicy", { keys: policyArn }),
  DetachUserPolicy: on("user", "iam:DetachUserPolicy", { boundary: true, keys: policyArn }),
  DetachRolePolicy: on("role", "iam:DetachRolePolicy", { boundary: true, keys: policyArn }),
  DetachGroupPolicy: on("group", "iam:DetachGroupPolicy", { keys: policyArn }),
  ListAttachedUserPolicies: on("user", "iam:ListAttachedUserPolicies"),
  ListAttachedRolePolicies: on("role", "iam:ListAttachedRolePolicies"),
  ListAttachedGroupPolicies: on("group", "iam:ListAttachedGroupPolicies"),
  ListEntitiesForPolicy: onPolicy("iam:ListEntitiesForPolicy"),
  // policy simulation
  SimulatePrincipalPolicy: onPolicySource("iam:SimulatePrincipalPolicy"),
  SimulateCustomPolicy: onAnyResource("iam:SimulateCustomPolicy"),
  GetContextKeysForPrincipalPolicy: onPolicySource("iam:GetContextKeysForPrincipalPolicy"),
  GetContextKeysForCustomPolicy: onAnyResource("iam:GetContextKeysForCustomPolicy"),
  // account
  GetAccountAuthorizationDetails: onAnyResource("iam:GetAccountAuthorizationDetails"),
  GenerateCredentialReport: onAnyResource("iam:GenerateCredentialReport"),
  GetCredentialReport: onAnyResource("iam:GetCredentialReport"),
  GetAccountSummary: onAnyResource("iam:GetAccountSummary"),
  ListAccountAliases: onAnyResource("iam:ListAccountAliases"),
  GetAccountPasswordPolicy: onAnyResource("iam:GetAccountPasswordPolicy"),
  DeleteAccountPasswordPolicy: onAnyResource("iam:DeleteAccountPasswordPolicy"),
  ListVirtualMFADevices: onAnyResource("iam:ListVirtualMFADevices"),
};

export const iamAuthorization = serviceAuthorization("iam", rules);
