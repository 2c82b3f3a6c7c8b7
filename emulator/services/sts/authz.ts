/**
 * What each STS operation asks of IAM. AssumeRole needs sts:AssumeRole on the role, decided with the role's trust
 * policy as its resource policy (and, for session tags and a source identity, sts:TagSession and
 * sts:SetSourceIdentity, which the trust policy must allow too). GetCallerIdentity and GetSessionToken need no
 * permission at all, as AWS documents.
 */

import {
  addKey,
  addRequestTags,
  addResourceTags,
  noPermission,
  onAnyResource,
  own,
  peekGlobal,
  permission,
  type Rule,
  serviceAuthorization,
  str,
  strs,
  tagPairs,
} from "../../authz/requests.ts";
import type { AuthzCheck, ContextValues, NamedPolicy } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import { plainDocument } from "../iam/common.ts";
import type { IamState } from "../iam/state.ts";

const assume = permission("sts:AssumeRole", "role");
const tagSession = permission("sts:TagSession", "role");
const setSourceIdentity = permission("sts:SetSourceIdentity", "role");

/** The role an ARN names, where the range has it (roles of accounts it does not model have no trust policy here). */
function roleOf(ctx: RequestContext, arn: string) {
  const account = arn.split(":")[4] ?? "";
  const role = own(peekGlobal<IamState>(ctx.runtime, account, "iam")?.roles, arn.slice(arn.lastIndexOf("/") + 1));
  return { account, role: role?.Arn === arn ? role : undefined };
}

const assumeRoleRule: Rule = (input, ctx) => {
  const arn = str(input.RoleArn);
  if (arn === undefined) return [];
  const { account, role } = roleOf(ctx, arn);
  const trust: NamedPolicy | undefined = role?.AssumeRolePolicyDocument
    ? { kind: "resource", name: "trust policy", attachedTo: arn, document: plainDocument(role.AssumeRolePolicyDocument) }
    : undefined;
  const resourceAccount = /^\d{12}$/.test(account) ? account : undefined;
  const transitive = strs(input.TransitiveTagKeys);
  const c: ContextValues = {};
  addKey(c, "sts:RoleSessionName", str(input.RoleSessionName));
  addKey(c, "sts:ExternalId", str(input.ExternalId));
  addKey(c, "sts:SourceIdentity", str(input.SourceIdentity));
  addRequestTags(c, input.Tags);
  if (transitive.length) c["sts:TransitiveTagKeys"] = transitive;
  addResourceTags(c, role?.Tags, "iam:ResourceTag/");
  const opts = { context: c, resourceAccount, resourcePolicy: trust };
  const checks: AuthzCheck[] = [assume.onArn(arn, opts)];
  // Session tags and a source identity are permissions of their own on the same role.
  if (tagPairs(input.Tags).length || transitive.length) checks.push(tagSession.onArn(arn, opts));
  if (str(input.SourceIdentity) !== undefined) checks.push(setSourceIdentity.onArn(arn, opts));
  return checks;
};

const rules: Record<string, Rule> = {
  GetCallerIdentity: noPermission("AWS: no permissions are required to perform this operation; an explicit deny of sts:GetCallerIdentity does not stop it"),
  GetSessionToken: noPermission("AWS: no permissions are required for a user to get a session token; policies cannot control authentication operations"),
  GetAccessKeyInfo: onAnyResource("sts:GetAccessKeyInfo"),
  DecodeAuthorizationMessage: onAnyResource("sts:DecodeAuthorizationMessage"),
  AssumeRole: assumeRoleRule,
};

export const stsAuthorization = serviceAuthorization("sts", rules);
