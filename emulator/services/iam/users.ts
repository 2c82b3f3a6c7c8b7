import type { GetUserCommandInput, GetUserCommandOutput, ListUsersCommandInput, ListUsersCommandOutput, User } from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import { decodeToken, paginate } from "../stored.ts";
import { iamState, type StoredUser } from "./state.ts";

export function publicUser(u: StoredUser): User {
  const { AccessKeys: _k, InlinePolicies: _i, AttachedPolicies: _a, Groups: _g, ...user } = u;
  return user as unknown as User;
}

export const listUsers: OpHandler<ListUsersCommandInput, ListUsersCommandOutput> = (input, ctx) => {
  const prefix = input.PathPrefix ?? "/";
  const users = Object.values(iamState(ctx).users)
    .filter((u) => (u.Path ?? "/").startsWith(prefix))
    .sort((a, b) => (a.UserName ?? "").localeCompare(b.UserName ?? ""));
  const offset = decodeToken(input.Marker, "ListUsers");
  if (offset === undefined) throw new AwsError("ValidationError", "Invalid Marker");
  const { page, next } = paginate(users, offset, input.MaxItems ?? 100, "ListUsers");
  return { Users: page.map(publicUser), IsTruncated: next !== undefined, Marker: next };
};

export const getUser: OpHandler<GetUserCommandInput, GetUserCommandOutput> = (input, ctx) => {
  const name = input.UserName ?? ctx.principal.userName;
  const user = name ? iamState(ctx).users[name] : undefined;
  if (!user) throw new AwsError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
  return { User: publicUser(user) };
};
