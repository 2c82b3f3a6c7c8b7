/** IAM roles, their trust policies, tags and boundary, and the instance profiles that hand them to EC2. */
import type {
  AddRoleToInstanceProfileCommandInput,
  AddRoleToInstanceProfileCommandOutput,
  CreateInstanceProfileCommandInput,
  CreateInstanceProfileCommandOutput,
  CreateRoleCommandInput,
  CreateRoleCommandOutput,
  DeleteInstanceProfileCommandInput,
  DeleteInstanceProfileCommandOutput,
  DeleteRoleCommandInput,
  DeleteRoleCommandOutput,
  DeleteRolePermissionsBoundaryCommandInput,
  DeleteRolePermissionsBoundaryCommandOutput,
  GetInstanceProfileCommandInput,
  GetInstanceProfileCommandOutput,
  GetRoleCommandInput,
  GetRoleCommandOutput,
  InstanceProfile,
  ListInstanceProfilesCommandInput,
  ListInstanceProfilesCommandOutput,
  ListInstanceProfilesForRoleCommandInput,
  ListInstanceProfilesForRoleCommandOutput,
  ListRolesCommandInput,
  ListRolesCommandOutput,
  ListRoleTagsCommandInput,
  ListRoleTagsCommandOutput,
  PutRolePermissionsBoundaryCommandInput,
  PutRolePermissionsBoundaryCommandOutput,
  RemoveRoleFromInstanceProfileCommandInput,
  RemoveRoleFromInstanceProfileCommandOutput,
  Role,
  TagRoleCommandInput,
  TagRoleCommandOutput,
  UntagRoleCommandInput,
  UntagRoleCommandOutput,
  UpdateAssumeRolePolicyCommandInput,
  UpdateAssumeRolePolicyCommandOutput,
  UpdateRoleCommandInput,
  UpdateRoleCommandOutput,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import { iamId } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import {
  assertModifiableRole,
  byName,
  checkName,
  checkPath,
  encodeDocument,
  findCaseInsensitive,
  getRoleOrThrow,
  isoNow,
  pageOf,
  validatePolicyDocument,
} from "./common.ts";
import { boundaryPolicyOrThrow } from "./policies.ts";
import { type IamState, iamState, type StoredRole } from "./state.ts";
import { checkTags, listTags } from "./users.ts";

/** GetRole's shape (detailed) or ListRoles' (no tags, boundary or last use); the trust policy URL-encoded as IAM sends it. */
export function publicRole(r: StoredRole, detailed: boolean): Role {
  const { InlinePolicies: _i, AttachedPolicies: _a, ...role } = r;
  const out = { ...role, AssumeRolePolicyDocument: encodeDocument(role.AssumeRolePolicyDocument) } as unknown as Role;
  if (!detailed) {
    delete out.Tags;
    delete out.PermissionsBoundary;
    delete out.RoleLastUsed;
  }
  return out;
}

/** An instance profile with its roles as they are now (state keeps role copies; the role itself is the truth). */
export function publicInstanceProfile(st: IamState, p: Stored<InstanceProfile>): InstanceProfile {
  const roles = (p.Roles ?? []).map((r) => {
    const current = st.roles[r.RoleName ?? ""];
    return current ? publicRole(current, false) : ({ ...r, AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicyDocument) } as unknown as Role);
  });
  return { ...(p as unknown as InstanceProfile), Roles: roles };
}

export const listRoles: OpHandler<ListRolesCommandInput, ListRolesCommandOutput> = (input, ctx) => {
  const prefix = input.PathPrefix ?? "/";
  const roles = Object.values(iamState(ctx).roles)
    .filter((r) => (r.Path ?? "/").startsWith(prefix))
    .sort(byName("RoleName"));
  const { page, IsTruncated, Marker } = pageOf(roles, input, `ListRoles:${prefix}`);
  return { Roles: page.map((r) => publicRole(r, false)), IsTruncated, Marker };
};

export const getRole: OpHandler<GetRoleCommandInput, GetRoleCommandOutput> = (input, ctx) => ({
  Role: publicRole(getRoleOrThrow(iamState(ctx), input.RoleName), true),
});

function checkMaxSession(v: number | undefined): void {
  if (v !== undefined && (v < 3600 || v > 43200)) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${v}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600 and less than or equal to 43200`,
    );
  }
}

export const createRole: OpHandler<CreateRoleCommandInput, CreateRoleCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = checkName(input.RoleName, "roleName");
  const path = checkPath(input.Path);
  validatePolicyDocument(input.AssumeRolePolicyDocument, "trust");
  checkMaxSession(input.MaxSessionDuration);
  const boundary = input.PermissionsBoundary !== undefined ? boundaryPolicyOrThrow(st, input.PermissionsBoundary) : undefined;
  checkTags(input.Tags ?? [], []);
  if (findCaseInsensitive(st.roles, name)) throw new AwsError("EntityAlreadyExists", `Role with name ${name} already exists.`, 409);
  const role: StoredRole = {
    Path: path,
    RoleName: name,
    RoleId: iamId("AROA"),
    Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
    CreateDate: isoNow(ctx),
    AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    MaxSessionDuration: input.MaxSessionDuration ?? 3600,
    ...(boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: boundary } } : {}),
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
    RoleLastUsed: {},
    InlinePolicies: {},
    AttachedPolicies: [],
  };
  st.roles[name] = role;
  return { Role: publicRole(structuredClone(role), true) };
};

function profilesOf(st: IamState, roleName: string): Stored<InstanceProfile>[] {
  return Object.values(st.instanceProfiles).filter((p) => (p.Roles ?? []).some((r) => r.RoleName === roleName));
}

export const deleteRole: OpHandler<DeleteRoleCommandInput, DeleteRoleCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const role = getRoleOrThrow(st, input.RoleName);
  assertModifiableRole(role);
  const name = role.RoleName ?? "";
  if (profilesOf(st, name).length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409);
  if (Object.keys(role.InlinePolicies).length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
  if (role.AttachedPolicies.length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
  delete st.roles[name];
  return {};
};

export const updateAssumeRolePolicy: OpHandler<UpdateAssumeRolePolicyCommandInput, UpdateAssumeRolePolicyCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  assertModifiableRole(role);
  validatePolicyDocument(input.PolicyDocument, "trust");
  role.AssumeRolePolicyDocument = input.PolicyDocument;
  return {};
};

export const updateRole: OpHandler<UpdateRoleCommandInput, UpdateRoleCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  assertModifiableRole(role);
  checkMaxSession(input.MaxSessionDuration);
  if (input.Description !== undefined) role.Description = input.Description;
  if (input.MaxSessionDuration !== undefined) role.MaxSessionDuration = input.MaxSessionDuration;
  return {};
};

export const tagRole: OpHandler<TagRoleCommandInput, TagRoleCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  role.Tags = checkTags(input.Tags ?? [], role.Tags ?? []);
  return {};
};

export const untagRole: OpHandler<UntagRoleCommandInput, UntagRoleCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  const drop = new Set((input.TagKeys ?? []).map((k) => k.toLowerCase()));
  role.Tags = (role.Tags ?? []).filter((t) => !drop.has((t.Key ?? "").toLowerCase()));
  return {};
};

export const listRoleTags: OpHandler<ListRoleTagsCommandInput, ListRoleTagsCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  return listTags(role.Tags, input, `ListRoleTags:${role.RoleName}`);
};

export const putRolePermissionsBoundary: OpHandler<PutRolePermissionsBoundaryCommandInput, PutRolePermissionsBoundaryCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const role = getRoleOrThrow(st, input.RoleName);
  assertModifiableRole(role);
  const arn = boundaryPolicyOrThrow(st, input.PermissionsBoundary);
  role.PermissionsBoundary = { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn };
  return {};
};

export const deleteRolePermissionsBoundary: OpHandler<DeleteRolePermissionsBoundaryCommandInput, DeleteRolePermissionsBoundaryCommandOutput> = (input, ctx) => {
  const role = getRoleOrThrow(iamState(ctx), input.RoleName);
  assertModifiableRole(role);
  delete role.PermissionsBoundary;
  return {};
};

// ---- instance profiles ----

function profileOrThrow(st: IamState, name: string | undefined): Stored<InstanceProfile> {
  const p = name !== undefined ? st.instanceProfiles[name] : undefined;
  if (!p) throw new AwsError("NoSuchEntity", `Instance Profile ${name} cannot be found.`, 404);
  return p;
}

export const listInstanceProfiles: OpHandler<ListInstanceProfilesCommandInput, ListInstanceProfilesCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const prefix = input.PathPrefix ?? "/";
  const profiles = Object.values(st.instanceProfiles)
    .filter((p) => (p.Path ?? "/").startsWith(prefix))
    .sort(byName("InstanceProfileName"));
  const { page, IsTruncated, Marker } = pageOf(profiles, input, `ListInstanceProfiles:${prefix}`);
  return { InstanceProfiles: page.map((p) => publicInstanceProfile(st, p)), IsTruncated, Marker };
};

export const getInstanceProfile: OpHandler<GetInstanceProfileCommandInput, GetInstanceProfileCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  return { InstanceProfile: publicInstanceProfile(st, profileOrThrow(st, input.InstanceProfileName)) };
};

export const listInstanceProfilesForRole: OpHandler<ListInstanceProfilesForRoleCommandInput, ListInstanceProfilesForRoleCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const role = getRoleOrThrow(st, input.RoleName);
  const profiles = profilesOf(st, role.RoleName ?? "").sort(byName("InstanceProfileName"));
  const { page, IsTruncated, Marker } = pageOf(profiles, input, `ListInstanceProfilesForRole:${role.RoleName}`);
  return { InstanceProfiles: page.map((p) => publicInstanceProfile(st, p)), IsTruncated, Marker };
};

export const addRoleToInstanceProfile: OpHandler<AddRoleToInstanceProfileCommandInput, AddRoleToInstanceProfileCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const profile = profileOrThrow(st, input.InstanceProfileName);
  const role = getRoleOrThrow(st, input.RoleName);
  if ((profile.Roles ?? []).length >= 1) throw new AwsError("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409);
  const { InlinePolicies: _i, AttachedPolicies: _a, Tags: _t, PermissionsBoundary: _b, RoleLastUsed: _l, ...copy } = role;
  profile.Roles = [copy];
  return {};
};

export const removeRoleFromInstanceProfile: OpHandler<RemoveRoleFromInstanceProfileCommandInput, RemoveRoleFromInstanceProfileCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const profile = profileOrThrow(st, input.InstanceProfileName);
  const role = getRoleOrThrow(st, input.RoleName);
  if (!(profile.Roles ?? []).some((r) => r.RoleName === role.RoleName)) {
    throw new AwsError("NoSuchEntity", `Role ${role.RoleName} in Instance Profile ${profile.InstanceProfileName} cannot be found.`, 404);
  }
  profile.Roles = (profile.Roles ?? []).filter((r) => r.RoleName !== role.RoleName);
  return {};
};

export const createInstanceProfile: OpHandler<CreateInstanceProfileCommandInput, CreateInstanceProfileCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = checkName(input.InstanceProfileName, "instanceProfileName", 128);
  const path = checkPath(input.Path);
  checkTags(input.Tags ?? [], []);
  if (findCaseInsensitive(st.instanceProfiles, name)) throw new AwsError("EntityAlreadyExists", `Instance Profile ${name} already exists.`, 409);
  const profile: Stored<InstanceProfile> = {
    Path: path,
    InstanceProfileName: name,
    InstanceProfileId: iamId("AIPA"),
    Arn: `arn:aws:iam::${ctx.accountId}:instance-profile${path}${name}`,
    CreateDate: isoNow(ctx),
    Roles: [],
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
  };
  st.instanceProfiles[name] = profile;
  return { InstanceProfile: publicInstanceProfile(st, structuredClone(profile)) };
};

export const deleteInstanceProfile: OpHandler<DeleteInstanceProfileCommandInput, DeleteInstanceProfileCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const profile = profileOrThrow(st, input.InstanceProfileName);
  if ((profile.Roles ?? []).length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409);
  delete st.instanceProfiles[profile.InstanceProfileName ?? ""];
  return {};
};
