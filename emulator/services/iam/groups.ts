/** IAM groups and membership (membership is kept on the user, as StoredUser.Groups). */
import type {
  AddUserToGroupCommandInput,
  AddUserToGroupCommandOutput,
  CreateGroupCommandInput,
  CreateGroupCommandOutput,
  DeleteGroupCommandInput,
  DeleteGroupCommandOutput,
  GetGroupCommandInput,
  GetGroupCommandOutput,
  Group,
  ListGroupsCommandInput,
  ListGroupsCommandOutput,
  ListGroupsForUserCommandInput,
  ListGroupsForUserCommandOutput,
  RemoveUserFromGroupCommandInput,
  RemoveUserFromGroupCommandOutput,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import { iamId } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import { byName, checkName, checkPath, findCaseInsensitive, getGroupOrThrow, getUserOrThrow, isoNow, pageOf } from "./common.ts";
import { iamState, type StoredGroup } from "./state.ts";
import { publicUser } from "./users.ts";

export function publicGroup(g: StoredGroup): Group {
  const { InlinePolicies: _i, AttachedPolicies: _a, ...group } = g;
  return group as unknown as Group;
}

export const listGroups: OpHandler<ListGroupsCommandInput, ListGroupsCommandOutput> = (input, ctx) => {
  const prefix = input.PathPrefix ?? "/";
  const groups = Object.values(iamState(ctx).groups)
    .filter((g) => (g.Path ?? "/").startsWith(prefix))
    .sort(byName("GroupName"));
  const { page, IsTruncated, Marker } = pageOf(groups, input, `ListGroups:${prefix}`);
  return { Groups: page.map(publicGroup), IsTruncated, Marker };
};

export const getGroup: OpHandler<GetGroupCommandInput, GetGroupCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const group = getGroupOrThrow(st, input.GroupName);
  const members = Object.values(st.users)
    .filter((u) => u.Groups.includes(group.GroupName ?? ""))
    .sort(byName("UserName"));
  const { page, IsTruncated, Marker } = pageOf(members, input, `GetGroup:${group.GroupName}`);
  return {
    Group: publicGroup(group),
    Users: page.map((u) => {
      const { Tags: _t, PermissionsBoundary: _b, ...rest } = publicUser(u);
      return rest;
    }),
    IsTruncated,
    Marker,
  };
};

export const listGroupsForUser: OpHandler<ListGroupsForUserCommandInput, ListGroupsForUserCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const user = getUserOrThrow(st, input.UserName);
  const groups = user.Groups.flatMap((n) => (st.groups[n] ? [st.groups[n]] : [])).sort(byName("GroupName"));
  const { page, IsTruncated, Marker } = pageOf(groups, input, `ListGroupsForUser:${user.UserName}`);
  return { Groups: page.map(publicGroup), IsTruncated, Marker };
};

export const createGroup: OpHandler<CreateGroupCommandInput, CreateGroupCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = checkName(input.GroupName, "groupName", 128);
  const path = checkPath(input.Path);
  if (findCaseInsensitive(st.groups, name)) throw new AwsError("EntityAlreadyExists", `Group with name ${name} already exists.`, 409);
  const group: StoredGroup = {
    Path: path,
    GroupName: name,
    GroupId: iamId("AGPA"),
    Arn: `arn:aws:iam::${ctx.accountId}:group${path}${name}`,
    CreateDate: isoNow(ctx),
    InlinePolicies: {},
    AttachedPolicies: [],
  };
  st.groups[name] = group;
  return { Group: publicGroup(structuredClone(group)) };
};

export const deleteGroup: OpHandler<DeleteGroupCommandInput, DeleteGroupCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const group = getGroupOrThrow(st, input.GroupName);
  const name = group.GroupName ?? "";
  if (Object.values(st.users).some((u) => u.Groups.includes(name))) {
    throw new AwsError("DeleteConflict", "Cannot delete entity, must remove users from group first.", 409);
  }
  if (Object.keys(group.InlinePolicies).length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
  if (group.AttachedPolicies.length > 0) throw new AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
  delete st.groups[name];
  return {};
};

export const addUserToGroup: OpHandler<AddUserToGroupCommandInput, AddUserToGroupCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const group = getGroupOrThrow(st, input.GroupName);
  const user = getUserOrThrow(st, input.UserName);
  const name = group.GroupName ?? "";
  if (!user.Groups.includes(name)) {
    if (user.Groups.length >= 10) throw new AwsError("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409);
    user.Groups.push(name);
  }
  return {};
};

export const removeUserFromGroup: OpHandler<RemoveUserFromGroupCommandInput, RemoveUserFromGroupCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const group = getGroupOrThrow(st, input.GroupName);
  const user = getUserOrThrow(st, input.UserName);
  const name = group.GroupName ?? "";
  if (!user.Groups.includes(name)) {
    throw new AwsError("NoSuchEntity", `User ${user.UserName} does not belong to group ${name}.`, 404);
  }
  user.Groups = user.Groups.filter((g) => g !== name);
  return {};
};
