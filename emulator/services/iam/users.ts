/** IAM users and what hangs off them: access keys, console login profile, MFA devices, tags, permissions boundary. */
import type {
  CreateAccessKeyCommandInput,
  CreateAccessKeyCommandOutput,
  CreateUserCommandInput,
  CreateUserCommandOutput,
  DeactivateMFADeviceCommandInput,
  DeactivateMFADeviceCommandOutput,
  DeleteAccessKeyCommandInput,
  DeleteAccessKeyCommandOutput,
  DeleteLoginProfileCommandInput,
  DeleteLoginProfileCommandOutput,
  DeleteUserCommandInput,
  DeleteUserCommandOutput,
  DeleteUserPermissionsBoundaryCommandInput,
  DeleteUserPermissionsBoundaryCommandOutput,
  GetAccessKeyLastUsedCommandInput,
  GetAccessKeyLastUsedCommandOutput,
  GetLoginProfileCommandInput,
  GetLoginProfileCommandOutput,
  GetUserCommandInput,
  GetUserCommandOutput,
  ListAccessKeysCommandInput,
  ListAccessKeysCommandOutput,
  ListMFADevicesCommandInput,
  ListMFADevicesCommandOutput,
  ListServiceSpecificCredentialsCommandInput,
  ListServiceSpecificCredentialsCommandOutput,
  ListSigningCertificatesCommandInput,
  ListSigningCertificatesCommandOutput,
  ListSSHPublicKeysCommandInput,
  ListSSHPublicKeysCommandOutput,
  ListUsersCommandInput,
  ListUsersCommandOutput,
  ListUserTagsCommandInput,
  ListUserTagsCommandOutput,
  PutUserPermissionsBoundaryCommandInput,
  PutUserPermissionsBoundaryCommandOutput,
  Tag,
  TagUserCommandInput,
  TagUserCommandOutput,
  UntagUserCommandInput,
  UntagUserCommandOutput,
  UpdateAccessKeyCommandInput,
  UpdateAccessKeyCommandOutput,
  User,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import { iamId, secretKey } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { byName, checkName, checkPath, findCaseInsensitive, getUserOrThrow, isoNow, pageOf, targetUserName } from "./common.ts";
import { lastUseOf } from "./key-use.ts";
import { boundaryPolicyOrThrow } from "./policies.ts";
import { type IamState, iamState, type StoredAccessKey, type StoredUser } from "./state.ts";

/** GetUser's shape: the SDK's User without the emulator's bookkeeping. */
export function publicUser(u: StoredUser): User {
  const {
    AccessKeys: _k,
    InlinePolicies: _i,
    AttachedPolicies: _a,
    Groups: _g,
    MFADevices: _m,
    LoginProfile: _l,
    SigningCertificates: _c,
    SSHPublicKeys: _s,
    ServiceSpecificCredentials: _p,
    ...user
  } = u;
  return user as unknown as User;
}

/** ListUsers leaves out tags and the permissions boundary, as IAM does. */
function listedUser(u: StoredUser): User {
  const { Tags: _t, PermissionsBoundary: _b, ...user } = publicUser(u);
  return user;
}

export const listUsers: OpHandler<ListUsersCommandInput, ListUsersCommandOutput> = (input, ctx) => {
  const prefix = input.PathPrefix ?? "/";
  const users = Object.values(iamState(ctx).users)
    .filter((u) => (u.Path ?? "/").startsWith(prefix))
    .sort(byName("UserName"));
  const { page, IsTruncated, Marker } = pageOf(users, input, `ListUsers:${prefix}`);
  return { Users: page.map(listedUser), IsTruncated, Marker };
};

export const getUser: OpHandler<GetUserCommandInput, GetUserCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  return { User: publicUser(user) };
};

export const createUser: OpHandler<CreateUserCommandInput, CreateUserCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = checkName(input.UserName, "userName");
  const path = checkPath(input.Path);
  const boundary = input.PermissionsBoundary !== undefined ? boundaryPolicyOrThrow(st, input.PermissionsBoundary) : undefined;
  checkTags(input.Tags ?? [], []);
  if (findCaseInsensitive(st.users, name)) throw new AwsError("EntityAlreadyExists", `User with name ${name} already exists.`, 409);
  const user: StoredUser = {
    Path: path,
    UserName: name,
    UserId: iamId("AIDA"),
    Arn: `arn:aws:iam::${ctx.accountId}:user${path}${name}`,
    CreateDate: isoNow(ctx),
    ...(boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: boundary } } : {}),
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
    AccessKeys: [],
    InlinePolicies: {},
    AttachedPolicies: [],
    Groups: [],
  };
  st.users[name] = user;
  return { User: publicUser(structuredClone(user)) };
};

/** DeleteUser refuses while anything is still attached, naming the first thing to remove as IAM does. */
export const deleteUser: OpHandler<DeleteUserCommandInput, DeleteUserCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const user = getUserOrThrow(st, input.UserName);
  const conflict = (what: string) => new AwsError("DeleteConflict", `Cannot delete entity, must ${what} first.`, 409);
  if (user.LoginProfile) throw conflict("delete login profile");
  if (user.AccessKeys.length > 0) throw conflict("delete access keys");
  if (user.MFADevices?.length) throw conflict("delete MFA device");
  if (user.SigningCertificates?.length) throw conflict("delete signing certificates");
  if (user.SSHPublicKeys?.length) throw conflict("delete SSH public keys");
  if (user.ServiceSpecificCredentials?.length) throw conflict("delete service specific credentials");
  if (Object.keys(user.InlinePolicies).length > 0) throw conflict("delete policies");
  if (user.AttachedPolicies.length > 0) throw conflict("detach all policies");
  if (user.Groups.length > 0) throw conflict("remove users from group");
  delete st.users[user.UserName ?? ""];
  return {};
};

// ---- access keys ----

function publicKey(k: StoredAccessKey) {
  return { UserName: k.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate as unknown as Date };
}

export const listAccessKeys: OpHandler<ListAccessKeysCommandInput, ListAccessKeysCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  const { page, IsTruncated, Marker } = pageOf(user.AccessKeys, input, `ListAccessKeys:${user.UserName}`);
  return { AccessKeyMetadata: page.map(publicKey), IsTruncated, Marker };
};

export const createAccessKey: OpHandler<CreateAccessKeyCommandInput, CreateAccessKeyCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  if (user.AccessKeys.length >= 2) throw new AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
  const key: StoredAccessKey = {
    UserName: user.UserName,
    AccessKeyId: iamId("AKIA"),
    Status: "Active",
    CreateDate: isoNow(ctx),
    SecretAccessKey: secretKey(),
  };
  user.AccessKeys.push(key);
  return {
    AccessKey: { ...publicKey(key), UserName: key.UserName ?? "", AccessKeyId: key.AccessKeyId ?? "", Status: "Active", SecretAccessKey: key.SecretAccessKey },
  };
};

function keyOf(st: IamState, userName: string, accessKeyId: string | undefined): StoredAccessKey {
  const user = getUserOrThrow(st, userName);
  const key = user.AccessKeys.find((k) => k.AccessKeyId === accessKeyId);
  if (!key) throw new AwsError("NoSuchEntity", `The Access Key with id ${accessKeyId} cannot be found.`, 404);
  return key;
}

export const updateAccessKey: OpHandler<UpdateAccessKeyCommandInput, UpdateAccessKeyCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  if (input.Status !== "Active" && input.Status !== "Inactive") {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${input.Status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  const key = keyOf(st, targetUserName(input, ctx), input.AccessKeyId);
  key.Status = input.Status;
  return {};
};

export const deleteAccessKey: OpHandler<DeleteAccessKeyCommandInput, DeleteAccessKeyCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = targetUserName(input, ctx);
  const key = keyOf(st, name, input.AccessKeyId);
  const user = getUserOrThrow(st, name);
  user.AccessKeys = user.AccessKeys.filter((k) => k !== key);
  return {};
};

/** Finds a user's key anywhere in the account. */
export function findAccessKey(st: IamState, accessKeyId: string): { user: StoredUser; key: StoredAccessKey } | undefined {
  for (const user of Object.values(st.users)) {
    const key = user.AccessKeys.find((k) => k.AccessKeyId === accessKeyId);
    if (key) return { user, key };
  }
  return undefined;
}

export const getAccessKeyLastUsed: OpHandler<GetAccessKeyLastUsedCommandInput, GetAccessKeyLastUsedCommandOutput> = (input, ctx) => {
  const found = input.AccessKeyId ? findAccessKey(iamState(ctx), input.AccessKeyId) : undefined;
  if (!found) {
    throw new AwsError(
      "AccessDenied",
      `User: ${ctx.principal.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${input.AccessKeyId}`,
      403,
    );
  }
  const used = lastUseOf(ctx.runtime, found.key);
  return {
    UserName: found.user.UserName,
    AccessKeyLastUsed: used?.LastUsedDate
      ? { LastUsedDate: used.LastUsedDate as unknown as Date, ServiceName: used.ServiceName ?? "N/A", Region: used.Region ?? "N/A" }
      : { ServiceName: "N/A", Region: "N/A" },
  };
};

// ---- console login and MFA ----

export const getLoginProfile: OpHandler<GetLoginProfileCommandInput, GetLoginProfileCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  if (!user.LoginProfile) throw new AwsError("NoSuchEntity", `Login Profile for User ${user.UserName} cannot be found.`, 404);
  return {
    LoginProfile: {
      UserName: user.UserName ?? "",
      CreateDate: user.LoginProfile.CreateDate as unknown as Date,
      PasswordResetRequired: user.LoginProfile.PasswordResetRequired ?? false,
    },
  };
};

export const deleteLoginProfile: OpHandler<DeleteLoginProfileCommandInput, DeleteLoginProfileCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  if (!user.LoginProfile) throw new AwsError("NoSuchEntity", `Login Profile for User ${user.UserName} cannot be found.`, 404);
  delete user.LoginProfile;
  return {};
};

export const listMFADevices: OpHandler<ListMFADevicesCommandInput, ListMFADevicesCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  const devices = (user.MFADevices ?? []).map((d) => ({ ...d, UserName: d.UserName ?? user.UserName ?? "" }));
  const { page, IsTruncated, Marker } = pageOf(devices, input, `ListMFADevices:${user.UserName}`);
  return { MFADevices: page as unknown as ListMFADevicesCommandOutput["MFADevices"], IsTruncated, Marker };
};

export const deactivateMFADevice: OpHandler<DeactivateMFADeviceCommandInput, DeactivateMFADeviceCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  const device = (user.MFADevices ?? []).find((d) => d.SerialNumber === input.SerialNumber);
  if (!device) throw new AwsError("NoSuchEntity", `MFA Device with serial number ${input.SerialNumber} does not exist.`, 404);
  user.MFADevices = (user.MFADevices ?? []).filter((d) => d !== device);
  return {};
};

export const listSigningCertificates: OpHandler<ListSigningCertificatesCommandInput, ListSigningCertificatesCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  const { page, IsTruncated, Marker } = pageOf(user.SigningCertificates ?? [], input, `ListSigningCertificates:${user.UserName}`);
  return { Certificates: page as unknown as ListSigningCertificatesCommandOutput["Certificates"], IsTruncated, Marker };
};

export const listSSHPublicKeys: OpHandler<ListSSHPublicKeysCommandInput, ListSSHPublicKeysCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), targetUserName(input, ctx));
  const { page, IsTruncated, Marker } = pageOf(user.SSHPublicKeys ?? [], input, `ListSSHPublicKeys:${user.UserName}`);
  return { SSHPublicKeys: page as unknown as ListSSHPublicKeysCommandOutput["SSHPublicKeys"], IsTruncated, Marker };
};

export const listServiceSpecificCredentials: OpHandler<ListServiceSpecificCredentialsCommandInput, ListServiceSpecificCredentialsCommandOutput> = (
  input,
  ctx,
) => {
  const st = iamState(ctx);
  const users = input.AllUsers ? Object.values(st.users).sort(byName("UserName")) : [getUserOrThrow(st, targetUserName(input, ctx))];
  const creds = users.flatMap((u) => u.ServiceSpecificCredentials ?? []).filter((c) => input.ServiceName === undefined || c.ServiceName === input.ServiceName);
  return { ServiceSpecificCredentials: creds as unknown as ListServiceSpecificCredentialsCommandOutput["ServiceSpecificCredentials"] };
};

// ---- tags ----

/** Validates tags and returns the merged list (IAM allows 50 per resource; keys are case-insensitive). */
export function checkTags(incoming: Tag[], existing: Stored<Tag>[]): Tag[] {
  const merged = new Map<string, Tag>();
  for (const t of existing) merged.set((t.Key ?? "").toLowerCase(), t as Tag);
  for (const t of incoming) {
    if (!t.Key || t.Key.length > 128 || t.Key.startsWith("aws:")) {
      throw new AwsError("InvalidInput", `The specified value for tagKey is invalid: ${t.Key ?? ""}`);
    }
    if ((t.Value ?? "").length > 256) throw new AwsError("InvalidInput", `The specified value for tagValue is invalid: ${t.Value}`);
    merged.set(t.Key.toLowerCase(), { Key: t.Key, Value: t.Value ?? "" });
  }
  if (merged.size > 50) throw new AwsError("LimitExceeded", "The number of tags has reached the maximum limit.", 409);
  return [...merged.values()];
}

export function listTags(tags: Stored<Tag>[] | undefined, input: { Marker?: string; MaxItems?: number }, salt: string) {
  const { page, IsTruncated, Marker } = pageOf((tags ?? []) as Tag[], input, salt);
  return { Tags: page, IsTruncated, Marker };
}

export const tagUser: OpHandler<TagUserCommandInput, TagUserCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), input.UserName);
  user.Tags = checkTags(input.Tags ?? [], user.Tags ?? []);
  return {};
};

export const untagUser: OpHandler<UntagUserCommandInput, UntagUserCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), input.UserName);
  const drop = new Set((input.TagKeys ?? []).map((k) => k.toLowerCase()));
  user.Tags = (user.Tags ?? []).filter((t) => !drop.has((t.Key ?? "").toLowerCase()));
  return {};
};

export const listUserTags: OpHandler<ListUserTagsCommandInput, ListUserTagsCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), input.UserName);
  return listTags(user.Tags, input, `ListUserTags:${user.UserName}`);
};

// ---- permissions boundary ----

export const putUserPermissionsBoundary: OpHandler<PutUserPermissionsBoundaryCommandInput, PutUserPermissionsBoundaryCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const user = getUserOrThrow(st, input.UserName);
  const arn = boundaryPolicyOrThrow(st, input.PermissionsBoundary);
  user.PermissionsBoundary = { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn };
  return {};
};

export const deleteUserPermissionsBoundary: OpHandler<DeleteUserPermissionsBoundaryCommandInput, DeleteUserPermissionsBoundaryCommandOutput> = (input, ctx) => {
  const user = getUserOrThrow(iamState(ctx), input.UserName);
  delete user.PermissionsBoundary;
  return {};
};
