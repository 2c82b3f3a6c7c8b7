/**
 * The policies that apply to a caller, read from the account's IAM state as it is now: a user's inline and
 * attached policies and its groups', a role session's role policies and session policies, and the permissions
 * boundary. Read as they are at every call (kept until the state changes), so a policy the student attaches takes
 * effect on the next call.
 */

import type { AuthzPrincipal, PolicySet } from "../../../authz/engine/index.ts";
import type { NamedPolicy } from "../../../core/authz.ts";
import type { Runtime } from "../../../core/runtime.ts";
import type { Principal } from "../../../core/types.ts";
import { stsStateOf } from "../../sts/sessions.ts";
import { awsManagedPolicy, isAwsManagedArn } from "../aws-managed-policies.ts";
import { plainDocument } from "../common.ts";
import { type IamState, iamStateOf, type StoredPolicy } from "../state.ts";

/** AWS managed documents never change while the range runs: their default version's text, read once. */
const awsDocuments = new Map<string, string | undefined>();

function defaultDocument(p: StoredPolicy | undefined): string | undefined {
  const v = p?.Versions.find((x) => x.IsDefaultVersion) ?? p?.Versions[0];
  return v ? plainDocument(v.Document) : undefined;
}

function managedPolicy(iam: IamState, arn: string, kind: NamedPolicy["kind"], attachedTo: string): NamedPolicy | undefined {
  let document: string | undefined;
  if (isAwsManagedArn(arn)) {
    if (!awsDocuments.has(arn)) awsDocuments.set(arn, defaultDocument(awsManagedPolicy(arn)));
    document = awsDocuments.get(arn);
  } else document = defaultDocument(iam.policies[arn]);
  if (document === undefined) return undefined;
  return { kind, name: arn.slice(arn.lastIndexOf("/") + 1), arn, attachedTo, document };
}

interface PolicyHolder {
  Arn?: string;
  InlinePolicies: Record<string, string>;
  AttachedPolicies: string[];
}

function policiesOfEntity(iam: IamState, e: PolicyHolder, out: NamedPolicy[]): void {
  const to = e.Arn ?? "";
  for (const [name, document] of Object.entries(e.InlinePolicies)) out.push({ kind: "identity", name, attachedTo: to, document: plainDocument(document) });
  for (const arn of e.AttachedPolicies) {
    const p = managedPolicy(iam, arn, "identity", to);
    if (p) out.push(p);
  }
}

export interface CallerPolicies {
  principal: AuthzPrincipal;
  policies: PolicySet;
  /** The caller's IAM tags, for aws:PrincipalTag/…. */
  tags: Record<string, string>;
  /** The user or role whose policies these are (undefined for root, or when it no longer exists). */
  entityArn?: string;
}

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

/**
 * Callers' policies as of one state document, by access key. Every commit, rollback and reset replaces the document
 * object (state/store.ts), so a change is seen by the next call; a commit that writes also drops them before its write,
 * so calls during the write read the changed document as they would without the cache. Rebuilt at every call, they
 * cost about as much as the engine's decision (reading IAM's state walks every entity of the account).
 */
interface PolicyCache {
  document: object;
  byKey: Map<string, { signer: Principal; value: CallerPolicies }>;
}

const caches = new WeakMap<Runtime, PolicyCache>();

function cacheOf(runtime: Runtime): PolicyCache["byKey"] {
  let cache = caches.get(runtime);
  if (!cache) {
    const made: PolicyCache = { document: runtime.document, byKey: new Map() };
    runtime.onCommit(() => made.byKey.clear());
    caches.set(runtime, made);
    cache = made;
  } else if (cache.document !== runtime.document) {
    cache.document = runtime.document;
    cache.byKey.clear();
  }
  return cache.byKey;
}

/** Whether two principals are the same as far as their policies go (a key signs as one principal; checked all the same). */
function samePolicies(a: Principal, b: Principal): boolean {
  const x = a.sessionContext?.sessionIssuer;
  const y = b.sessionContext?.sessionIssuer;
  return a.type === b.type && a.arn === b.arn && a.userName === b.userName && x?.arn === y?.arn && x?.userName === y?.userName;
}

/** The caller's policies. A user or role deleted since the key was issued has none: every call is denied. */
export function callerPolicies(runtime: Runtime, principal: Principal): CallerPolicies {
  const cache = cacheOf(runtime);
  const cached = cache.get(principal.accessKeyId);
  if (cached && samePolicies(cached.signer, principal)) return cached.value;
  const value = buildCallerPolicies(runtime, principal);
  cache.set(principal.accessKeyId, { signer: principal, value });
  return value;
}

function buildCallerPolicies(runtime: Runtime, principal: Principal): CallerPolicies {
  const iam = iamStateOf(runtime, principal.accountId);
  if (principal.type === "Root") {
    return {
      principal: { type: "Root", arn: principal.arn, accountId: principal.accountId },
      // The root user is allowed everything its account does not deny by resource policy or SCP.
      policies: { identity: [{ kind: "identity", name: "(root user)", document: ROOT_DOCUMENT }] },
      tags: {},
    };
  }
  if (principal.type === "IAMUser") {
    const user = iam.users[principal.userName ?? principal.arn.slice(principal.arn.lastIndexOf("/") + 1)];
    const authzPrincipal: AuthzPrincipal = { type: "IAMUser", arn: principal.arn, accountId: principal.accountId };
    if (!user || user.Arn !== principal.arn) return { principal: authzPrincipal, policies: { identity: [] }, tags: {} };
    return { principal: authzPrincipal, policies: entitySet(iam, user), tags: tagsOf(user.Tags), entityArn: user.Arn };
  }
  // A role session: the role's policies as they are now, and the policies passed when the session was made.
  const issuer = principal.sessionContext?.sessionIssuer;
  const roleArn = issuer?.arn ?? "";
  const authzPrincipal: AuthzPrincipal = { type: "AssumedRole", arn: principal.arn, accountId: principal.accountId, ...(issuer ? { roleArn } : {}) };
  const role = issuer ? iam.roles[issuer.userName] : undefined;
  if (!role || role.Arn !== roleArn) return { principal: authzPrincipal, policies: { identity: [] }, tags: {} };
  const session = sessionPoliciesOf(runtime, principal);
  return {
    principal: authzPrincipal,
    policies: { ...entitySet(iam, role), ...(session ? { session } : {}) },
    tags: tagsOf(role.Tags),
    entityArn: roleArn,
  };
}

/** A user's, group's or role's own policies (a user's groups' with them) and its permissions boundary. */
function entitySet(
  iam: IamState,
  entity: PolicyHolder & { Groups?: string[]; PermissionsBoundary?: { PermissionsBoundaryArn?: string } },
): { identity: NamedPolicy[]; boundary?: NamedPolicy } {
  const identity: NamedPolicy[] = [];
  policiesOfEntity(iam, entity, identity);
  for (const g of entity.Groups ?? []) if (iam.groups[g]) policiesOfEntity(iam, iam.groups[g], identity);
  const boundaryArn = entity.PermissionsBoundary?.PermissionsBoundaryArn;
  return boundaryArn ? { identity, boundary: managedOrEmpty(iam, boundaryArn, "boundary", entity.Arn ?? "") } : { identity };
}

/** A managed policy by ARN; one that no longer exists takes part as a document that allows nothing. */
function managedOrEmpty(iam: IamState, arn: string, kind: NamedPolicy["kind"], attachedTo: string): NamedPolicy {
  return managedPolicy(iam, arn, kind, attachedTo) ?? { kind, name: arn, arn, document: EMPTY_DOCUMENT };
}

/** Session policies (AssumeRole's Policy and PolicyArns) of an STS-issued session; none for other sessions. */
function sessionPoliciesOf(runtime: Runtime, principal: Principal): NamedPolicy[] | undefined {
  const s = stsStateOf(runtime, principal.accountId).sessions[principal.accessKeyId];
  if (!s?.sessionPolicies) return undefined;
  const iam = iamStateOf(runtime, principal.accountId);
  const out: NamedPolicy[] = [];
  if (s.sessionPolicies.document !== undefined) out.push({ kind: "session", name: "session policy", document: s.sessionPolicies.document });
  for (const arn of s.sessionPolicies.arns ?? []) {
    out.push(managedOrEmpty(iam, arn, "session", principal.arn));
  }
  return out;
}

const ROOT_DOCUMENT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
/** A policy that no longer exists allows nothing (a boundary pointing at a deleted policy denies everything). */
const EMPTY_DOCUMENT = JSON.stringify({ Version: "2012-10-17", Statement: [] });

/**
 * The policies of a user, group or role named by its ARN (simulate-principal-policy's PolicySourceArn): a user's
 * include its groups'. Undefined when no such entity exists.
 */
export function entityPolicies(runtime: Runtime, arn: string): { principal: AuthzPrincipal; identity: NamedPolicy[]; boundary?: NamedPolicy } | undefined {
  const m = /^arn:aws:iam::(\d{12}):(user|group|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return undefined;
  const [, accountId, type, name] = m;
  const iam = iamStateOf(runtime, accountId);
  const entity = type === "user" ? iam.users[name] : type === "role" ? iam.roles[name] : iam.groups[name];
  if (!entity || entity.Arn !== arn) return undefined;
  const principal: AuthzPrincipal = type === "role" ? { type: "AssumedRole", arn, accountId, roleArn: arn } : { type: "IAMUser", arn, accountId };
  return { principal, ...entitySet(iam, entity) };
}
