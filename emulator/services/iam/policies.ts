/** Managed policies: customer managed ones in state, AWS managed ones from the catalog; versions; attachments. */
import type {
  AttachedPolicy,
  AttachGroupPolicyCommandInput,
  AttachGroupPolicyCommandOutput,
  AttachRolePolicyCommandInput,
  AttachRolePolicyCommandOutput,
  AttachUserPolicyCommandInput,
  AttachUserPolicyCommandOutput,
  CreatePolicyCommandInput,
  CreatePolicyCommandOutput,
  CreatePolicyVersionCommandInput,
  CreatePolicyVersionCommandOutput,
  DeletePolicyCommandInput,
  DeletePolicyCommandOutput,
  DeletePolicyVersionCommandInput,
  DeletePolicyVersionCommandOutput,
  DetachGroupPolicyCommandInput,
  DetachGroupPolicyCommandOutput,
  DetachRolePolicyCommandInput,
  DetachRolePolicyCommandOutput,
  DetachUserPolicyCommandInput,
  DetachUserPolicyCommandOutput,
  GetPolicyCommandInput,
  GetPolicyCommandOutput,
  GetPolicyVersionCommandInput,
  GetPolicyVersionCommandOutput,
  ListAttachedGroupPoliciesCommandInput,
  ListAttachedGroupPoliciesCommandOutput,
  ListAttachedRolePoliciesCommandInput,
  ListAttachedRolePoliciesCommandOutput,
  ListAttachedUserPoliciesCommandInput,
  ListAttachedUserPoliciesCommandOutput,
  ListEntitiesForPolicyCommandInput,
  ListEntitiesForPolicyCommandOutput,
  ListPoliciesCommandInput,
  ListPoliciesCommandOutput,
  ListPolicyVersionsCommandInput,
  ListPolicyVersionsCommandOutput,
  Policy,
  PolicyVersion,
  SetDefaultPolicyVersionCommandInput,
  SetDefaultPolicyVersionCommandOutput,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import { iamId } from "../../core/ids.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { awsManagedPolicies, awsManagedPolicy, isAwsManagedArn, isServiceRolePolicyArn } from "./aws-managed-policies.ts";
import {
  assertModifiableRole,
  byName,
  checkName,
  checkPath,
  encodeDocument,
  getGroupOrThrow,
  getRoleOrThrow,
  getUserOrThrow,
  isoNow,
  pageOf,
  policyNameOfArn,
  policySize,
  validatePolicyDocument,
} from "./common.ts";
import { type IamState, iamState, type StoredPolicy } from "./state.ts";

const MAX_ATTACHED = 10;
const MAX_VERSIONS = 5;

/** How many users, groups and roles use a policy, as permissions and as boundary. */
export function usageCounts(st: IamState, arn: string): { attachments: number; boundaries: number } {
  let attachments = 0;
  let boundaries = 0;
  for (const e of [...Object.values(st.users), ...Object.values(st.roles)]) {
    if (e.AttachedPolicies.includes(arn)) attachments++;
    if (e.PermissionsBoundary?.PermissionsBoundaryArn === arn) boundaries++;
  }
  for (const g of Object.values(st.groups)) if (g.AttachedPolicies.includes(arn)) attachments++;
  return { attachments, boundaries };
}

/** The stored policy for an ARN (catalog copy for AWS managed), with counts computed from state. */
export function findPolicy(st: IamState, arn: string | undefined): StoredPolicy | undefined {
  if (!arn) return undefined;
  const p = isAwsManagedArn(arn) ? awsManagedPolicy(arn) : st.policies[arn];
  if (!p) return undefined;
  const { attachments, boundaries } = usageCounts(st, arn);
  p.AttachmentCount = attachments;
  p.PermissionsBoundaryUsageCount = boundaries;
  return p;
}

function validArn(arn: string | undefined): string {
  if (!arn || !/^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/.+/.test(arn)) {
    throw new AwsError("InvalidInput", `ARN ${arn ?? ""} is not valid.`);
  }
  return arn;
}

export function getPolicyOrThrow(st: IamState, arn: string | undefined): StoredPolicy {
  const p = findPolicy(st, validArn(arn));
  if (!p) throw new AwsError("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
  return p;
}

/** A customer managed policy the caller may change; AWS managed ones are AWS's. */
function customerPolicyOrThrow(st: IamState, arn: string | undefined, ctx: RequestContext, action: string): StoredPolicy {
  const valid = validArn(arn);
  if (isAwsManagedArn(valid)) {
    throw new AwsError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: iam:${action} on resource: policy ${valid}`, 403);
  }
  const p = st.policies[valid];
  if (!p) throw new AwsError("NoSuchEntity", `Policy ${valid} was not found.`, 404);
  return p;
}

/** The Policy shape of ListPolicies (no description or tags) or of GetPolicy. */
export function publicPolicy(p: StoredPolicy, detailed: boolean): Policy {
  const { Versions: _v, ...rest } = p;
  const out = rest as unknown as Policy & { Description?: string; Tags?: unknown };
  if (!detailed) {
    delete out.Description;
    delete out.Tags;
  }
  return out;
}

export function publicVersion(v: StoredPolicy["Versions"][number], withDocument: boolean): PolicyVersion {
  return {
    VersionId: v.VersionId,
    IsDefaultVersion: v.IsDefaultVersion,
    CreateDate: v.CreateDate as unknown as Date,
    ...(withDocument ? { Document: encodeDocument(v.Document) } : {}),
  };
}

/** Every managed policy known to the account: the catalog plus customer policies and any AWS ARNs state refers to. */
export function allPolicies(st: IamState): StoredPolicy[] {
  const arns = new Set<string>(awsManagedPolicies().map((p) => p.Arn ?? ""));
  for (const arn of Object.keys(st.policies)) arns.add(arn);
  return [...arns].flatMap((arn) => {
    const p = findPolicy(st, arn);
    return p ? [p] : [];
  });
}

export const listPolicies: OpHandler<ListPoliciesCommandInput, ListPoliciesCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const scope = input.Scope ?? "All";
  if (!["All", "AWS", "Local"].includes(scope)) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`,
    );
  }
  const prefix = input.PathPrefix ?? "/";
  const items = allPolicies(st)
    .filter((p) => scope === "All" || (scope === "AWS") === isAwsManagedArn(p.Arn ?? ""))
    .filter((p) => (p.Path ?? "/").startsWith(prefix))
    .filter((p) => {
      if (!input.OnlyAttached) return true;
      if (input.PolicyUsageFilter === "PermissionsBoundary") return (p.PermissionsBoundaryUsageCount ?? 0) > 0;
      if (input.PolicyUsageFilter === "PermissionsPolicy") return (p.AttachmentCount ?? 0) > 0;
      return (p.AttachmentCount ?? 0) + (p.PermissionsBoundaryUsageCount ?? 0) > 0;
    })
    .sort(byName("PolicyName"));
  const { page, IsTruncated, Marker } = pageOf(items, input, `ListPolicies:${scope}:${prefix}:${input.OnlyAttached ?? false}`);
  return { Policies: page.map((p) => publicPolicy(p, false)), IsTruncated, Marker };
};

export const getPolicy: OpHandler<GetPolicyCommandInput, GetPolicyCommandOutput> = (input, ctx) => ({
  Policy: publicPolicy(getPolicyOrThrow(iamState(ctx), input.PolicyArn), true),
});

export const listPolicyVersions: OpHandler<ListPolicyVersionsCommandInput, ListPolicyVersionsCommandOutput> = (input, ctx) => {
  const p = getPolicyOrThrow(iamState(ctx), input.PolicyArn);
  // Newest first, as IAM lists them.
  const versions = [...p.Versions].sort((a, b) => Number(b.VersionId.slice(1)) - Number(a.VersionId.slice(1)));
  const { page, IsTruncated, Marker } = pageOf(versions, input, `ListPolicyVersions:${p.Arn}`);
  return { Versions: page.map((v) => publicVersion(v, false)), IsTruncated, Marker };
};

export const getPolicyVersion: OpHandler<GetPolicyVersionCommandInput, GetPolicyVersionCommandOutput> = (input, ctx) => {
  const p = getPolicyOrThrow(iamState(ctx), input.PolicyArn);
  const v = p.Versions.find((x) => x.VersionId === input.VersionId);
  if (!v) throw new AwsError("NoSuchEntity", `Policy ${p.Arn} version ${input.VersionId} does not exist or is not attachable.`, 404);
  return { PolicyVersion: publicVersion(v, true) };
};

export const createPolicy: OpHandler<CreatePolicyCommandInput, CreatePolicyCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const name = checkName(input.PolicyName, "policyName", 128);
  const path = checkPath(input.Path);
  validatePolicyDocument(input.PolicyDocument, "identity");
  const doc = input.PolicyDocument ?? "";
  if (policySize(doc) > 6144) throw new AwsError("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409);
  const taken = Object.values(st.policies).some((p) => (p.PolicyName ?? "").toLowerCase() === name.toLowerCase());
  if (taken) throw new AwsError("EntityAlreadyExists", `A policy called ${name} already exists. Duplicate names are not allowed.`, 409);
  const now = isoNow(ctx);
  const arn = `arn:aws:iam::${ctx.accountId}:policy${path}${name}`;
  const policy: StoredPolicy = {
    PolicyName: name,
    PolicyId: iamId("ANPA"),
    Arn: arn,
    Path: path,
    DefaultVersionId: "v1",
    AttachmentCount: 0,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    CreateDate: now,
    UpdateDate: now,
    ...(input.Tags?.length ? { Tags: input.Tags } : {}),
    Versions: [{ VersionId: "v1", IsDefaultVersion: true, CreateDate: now, Document: doc }],
  };
  st.policies[arn] = policy;
  return { Policy: publicPolicy(structuredClone(policy), false) };
};

export const createPolicyVersion: OpHandler<CreatePolicyVersionCommandInput, CreatePolicyVersionCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const p = customerPolicyOrThrow(st, input.PolicyArn, ctx, "CreatePolicyVersion");
  validatePolicyDocument(input.PolicyDocument, "identity");
  if (policySize(input.PolicyDocument ?? "") > 6144) throw new AwsError("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409);
  if (p.Versions.length >= MAX_VERSIONS) {
    throw new AwsError(
      "LimitExceeded",
      `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      409,
    );
  }
  const next = Math.max(0, ...p.Versions.map((v) => Number(v.VersionId.slice(1)) || 0)) + 1;
  const now = isoNow(ctx);
  const version = { VersionId: `v${next}`, IsDefaultVersion: input.SetAsDefault === true, CreateDate: now, Document: input.PolicyDocument ?? "" };
  if (version.IsDefaultVersion) {
    for (const v of p.Versions) v.IsDefaultVersion = false;
    p.DefaultVersionId = version.VersionId;
  }
  p.Versions.push(version);
  p.UpdateDate = now;
  return { PolicyVersion: publicVersion(version, false) };
};

export const setDefaultPolicyVersion: OpHandler<SetDefaultPolicyVersionCommandInput, SetDefaultPolicyVersionCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const p = customerPolicyOrThrow(st, input.PolicyArn, ctx, "SetDefaultPolicyVersion");
  const v = p.Versions.find((x) => x.VersionId === input.VersionId);
  if (!v) throw new AwsError("NoSuchEntity", `Policy ${p.Arn} version ${input.VersionId} does not exist or is not attachable.`, 404);
  for (const x of p.Versions) x.IsDefaultVersion = x === v;
  p.DefaultVersionId = v.VersionId;
  p.UpdateDate = isoNow(ctx);
  return {};
};

export const deletePolicyVersion: OpHandler<DeletePolicyVersionCommandInput, DeletePolicyVersionCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const p = customerPolicyOrThrow(st, input.PolicyArn, ctx, "DeletePolicyVersion");
  const v = p.Versions.find((x) => x.VersionId === input.VersionId);
  if (!v) throw new AwsError("NoSuchEntity", `Policy ${p.Arn} version ${input.VersionId} does not exist or is not attachable.`, 404);
  if (v.IsDefaultVersion) throw new AwsError("DeleteConflict", "Cannot delete the default version of a policy.", 409);
  p.Versions = p.Versions.filter((x) => x !== v);
  return {};
};

export const deletePolicy: OpHandler<DeletePolicyCommandInput, DeletePolicyCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const p = customerPolicyOrThrow(st, input.PolicyArn, ctx, "DeletePolicy");
  const arn = p.Arn ?? "";
  const { attachments, boundaries } = usageCounts(st, arn);
  if (attachments > 0) throw new AwsError("DeleteConflict", "Cannot delete a policy attached to entities.", 409);
  if (boundaries > 0) throw new AwsError("DeleteConflict", "Cannot delete a policy used as a permissions boundary.", 409);
  if (p.Versions.length > 1) {
    throw new AwsError(
      "DeleteConflict",
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      409,
    );
  }
  delete st.policies[arn];
  return {};
};

type Kind = "User" | "Role" | "Group";

function entityOf(st: IamState, kind: Kind, name: string | undefined) {
  return kind === "User" ? getUserOrThrow(st, name) : kind === "Role" ? getRoleOrThrow(st, name) : getGroupOrThrow(st, name);
}

function attach(kind: Kind, name: string | undefined, arn: string | undefined, ctx: RequestContext): Record<string, never> {
  const st = iamState(ctx);
  const entity = entityOf(st, kind, name);
  if (kind === "Role") assertModifiableRole(entity as never);
  const p = getPolicyOrThrow(st, arn);
  if (p.IsAttachable === false) throw new AwsError("PolicyNotAttachable", `Policy ${p.Arn} is not attachable.`, 400);
  // AWS lists service-role policies as attachable; only its service-linked roles (not modifiable, above) may have them.
  if (isServiceRolePolicyArn(p.Arn ?? "")) {
    const message = kind === "Role" ? "Cannot attach a Service Role Policy to a Customer Role." : `Policy ${p.Arn} is not attachable.`;
    throw new AwsError("PolicyNotAttachable", message, 400);
  }
  if (entity.AttachedPolicies.includes(p.Arn ?? "")) return {};
  if (entity.AttachedPolicies.length >= MAX_ATTACHED) throw new AwsError("LimitExceeded", `Cannot exceed quota for PoliciesPer${kind}: ${MAX_ATTACHED}`, 409);
  entity.AttachedPolicies.push(p.Arn ?? "");
  return {};
}

function detach(kind: Kind, name: string | undefined, arn: string | undefined, ctx: RequestContext): Record<string, never> {
  const st = iamState(ctx);
  const entity = entityOf(st, kind, name);
  if (kind === "Role") assertModifiableRole(entity as never);
  const valid = validArn(arn);
  if (!entity.AttachedPolicies.includes(valid)) throw new AwsError("NoSuchEntity", `Policy ${valid} was not found.`, 404);
  entity.AttachedPolicies = entity.AttachedPolicies.filter((a) => a !== valid);
  return {};
}

export function attachedPolicies(st: IamState, arns: string[], pathPrefix = "/"): AttachedPolicy[] {
  return arns
    .map((arn) => ({ arn, path: findPolicy(st, arn)?.Path ?? "/" }))
    .filter((x) => x.path.startsWith(pathPrefix))
    .map(({ arn }) => ({ PolicyName: findPolicy(st, arn)?.PolicyName ?? policyNameOfArn(arn), PolicyArn: arn }));
}

function listAttached(kind: Kind, input: { Marker?: string; MaxItems?: number; PathPrefix?: string }, name: string | undefined, ctx: RequestContext) {
  const st = iamState(ctx);
  const entity = entityOf(st, kind, name);
  const all = attachedPolicies(st, entity.AttachedPolicies, input.PathPrefix ?? "/");
  const { page, IsTruncated, Marker } = pageOf(all, input, `ListAttached${kind}Policies:${name}`);
  return { AttachedPolicies: page, IsTruncated, Marker };
}

export const attachUserPolicy: OpHandler<AttachUserPolicyCommandInput, AttachUserPolicyCommandOutput> = (i, ctx) =>
  attach("User", i.UserName, i.PolicyArn, ctx);
export const attachRolePolicy: OpHandler<AttachRolePolicyCommandInput, AttachRolePolicyCommandOutput> = (i, ctx) =>
  attach("Role", i.RoleName, i.PolicyArn, ctx);
export const attachGroupPolicy: OpHandler<AttachGroupPolicyCommandInput, AttachGroupPolicyCommandOutput> = (i, ctx) =>
  attach("Group", i.GroupName, i.PolicyArn, ctx);
export const detachUserPolicy: OpHandler<DetachUserPolicyCommandInput, DetachUserPolicyCommandOutput> = (i, ctx) =>
  detach("User", i.UserName, i.PolicyArn, ctx);
export const detachRolePolicy: OpHandler<DetachRolePolicyCommandInput, DetachRolePolicyCommandOutput> = (i, ctx) =>
  detach("Role", i.RoleName, i.PolicyArn, ctx);
export const detachGroupPolicy: OpHandler<DetachGroupPolicyCommandInput, DetachGroupPolicyCommandOutput> = (i, ctx) =>
  detach("Group", i.GroupName, i.PolicyArn, ctx);

export const listAttachedUserPolicies: OpHandler<ListAttachedUserPoliciesCommandInput, ListAttachedUserPoliciesCommandOutput> = (i, ctx) =>
  listAttached("User", i, i.UserName, ctx);
export const listAttachedRolePolicies: OpHandler<ListAttachedRolePoliciesCommandInput, ListAttachedRolePoliciesCommandOutput> = (i, ctx) =>
  listAttached("Role", i, i.RoleName, ctx);
export const listAttachedGroupPolicies: OpHandler<ListAttachedGroupPoliciesCommandInput, ListAttachedGroupPoliciesCommandOutput> = (i, ctx) =>
  listAttached("Group", i, i.GroupName, ctx);

export const listEntitiesForPolicy: OpHandler<ListEntitiesForPolicyCommandInput, ListEntitiesForPolicyCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const p = getPolicyOrThrow(st, input.PolicyArn);
  const arn = p.Arn ?? "";
  const filter = input.EntityFilter;
  const usage = input.PolicyUsageFilter;
  const uses = (e: { AttachedPolicies: string[]; PermissionsBoundary?: { PermissionsBoundaryArn?: string } }) =>
    (usage !== "PermissionsBoundary" && e.AttachedPolicies.includes(arn)) ||
    (usage !== "PermissionsPolicy" && e.PermissionsBoundary?.PermissionsBoundaryArn === arn);
  const prefix = input.PathPrefix ?? "/";
  const want = (k: string) => filter === undefined || filter === k;
  const users = want("User") ? Object.values(st.users).filter((u) => uses(u) && (u.Path ?? "/").startsWith(prefix)) : [];
  const roles = want("Role") ? Object.values(st.roles).filter((r) => uses(r) && (r.Path ?? "/").startsWith(prefix)) : [];
  const groups =
    want("Group") && usage !== "PermissionsBoundary"
      ? Object.values(st.groups).filter((g) => g.AttachedPolicies.includes(arn) && (g.Path ?? "/").startsWith(prefix))
      : [];
  if (filter !== undefined && !["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"].includes(filter)) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${filter}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, LocalManagedPolicy, Group, AWSManagedPolicy]`,
    );
  }
  type Row = { k: "U" | "R" | "G"; name: string; id: string };
  const rows: Row[] = [
    ...groups.sort(byName("GroupName")).map((g) => ({ k: "G" as const, name: g.GroupName ?? "", id: g.GroupId ?? "" })),
    ...users.sort(byName("UserName")).map((u) => ({ k: "U" as const, name: u.UserName ?? "", id: u.UserId ?? "" })),
    ...roles.sort(byName("RoleName")).map((r) => ({ k: "R" as const, name: r.RoleName ?? "", id: r.RoleId ?? "" })),
  ];
  const { page, IsTruncated, Marker } = pageOf(rows, input, `ListEntitiesForPolicy:${arn}`);
  return {
    PolicyGroups: page.filter((r) => r.k === "G").map((r) => ({ GroupName: r.name, GroupId: r.id })),
    PolicyUsers: page.filter((r) => r.k === "U").map((r) => ({ UserName: r.name, UserId: r.id })),
    PolicyRoles: page.filter((r) => r.k === "R").map((r) => ({ RoleName: r.name, RoleId: r.id })),
    IsTruncated,
    Marker,
  };
};

/** A permissions boundary must be an existing managed policy. */
export function boundaryPolicyOrThrow(st: IamState, arn: string | undefined): string {
  const valid = arn && /^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/.+/.test(arn) ? arn : undefined;
  if (!valid || !findPolicy(st, valid)) throw new AwsError("NoSuchEntity", `Scope ARN: ${arn ?? ""} does not exist or is not attachable.`, 404);
  return valid;
}
