/**
 * AWS's policy evaluation logic (reference_policies_evaluation-logic.html, …-cross-account.html,
 * access_policies_boundaries.html, access_policies.html#policies_session):
 *
 * 1. An explicit deny in any policy (SCP, resource, identity, boundary, session) wins.
 * 2. Every SCP that applies must allow.
 * 3. Within the account, a resource-based policy allow is enough on its own when it names the caller itself (the IAM
 *    user, the role session, the federated user) or everyone; one naming the role (or the user who federated) is
 *    still limited by the boundary and session policies; one naming the account only delegates to the identity
 *    policies. Role trust and key policies must allow even then (PolicySet.resourcePolicyRequired; by default, when a
 *    resource policy comes with an sts: or kms: action).
 * 4. Otherwise identity policies ∩ permissions boundary ∩ session policies (a federated user session has no
 *    permissions without a session policy).
 * 5. Across accounts both sides must allow: the caller's identity chain and the resource policy.
 * The root user has every permission in its own account (only an explicit deny or an SCP stops it); services and
 * anonymous callers have only what resource policies grant.
 */
import type { NamedPolicy, PolicyKind } from "../../core/authz.ts";
import { RequestContext } from "./context.ts";
import { type CompiledStatement, compiled, type ResourcePattern } from "./documents.ts";
import { actionMatches, compilePattern, patternMatches as wildcardMatches } from "./matching.ts";
import { type GrantStrength, type Identity, identitiesOf, notPrincipalApplies, principalMatch } from "./principals.ts";
import type { Decision, EvaluationRequest, MatchedStatement, PolicySet } from "./types.ts";
import { resolveTemplate } from "./variables.ts";

interface Prepared {
  action: string;
  resource: string;
  ctx: RequestContext;
  who: Identity[];
  matched: MatchedStatement[];
  /** Missing keys by lowercased name, as first written. */
  missing: Map<string, string>;
}

interface Outcome {
  policy: NamedPolicy;
  deny: boolean;
  /** The best grant among matching Allow statements (always "direct" outside resource policies). */
  allow?: GrantStrength;
}

const RANK: Record<GrantStrength, number> = { account: 1, entity: 2, direct: 3 };
const TRUST_OR_KEY_ACTION = /^(sts|kms):/i;

function resourcePatternMatches(p: ResourcePattern, r: Prepared): boolean {
  if ("all" in p) return true;
  if ("exact" in p) return p.exact === r.resource;
  if ("pattern" in p) return wildcardMatches(p.pattern, r.resource, "arn");
  const chunks = resolveTemplate(p.template, r.ctx);
  return chunks !== undefined && wildcardMatches(compilePattern(chunks), r.resource, "arn");
}

function anyPattern(patterns: readonly ResourcePattern[], r: Prepared): boolean {
  for (const p of patterns) if (resourcePatternMatches(p, r)) return true;
  return false;
}

function resourceMatches(st: CompiledStatement, kind: PolicyKind, r: Prepared): boolean {
  if (st.resources) return anyPattern(st.resources, r);
  if (st.notResources) return !anyPattern(st.notResources, r);
  // A resource policy's statements apply to the resource it is attached to (trust policies name none).
  return kind === "resource";
}

/** The grant a statement makes to this caller for this request, or undefined when it does not apply. */
function statementGrant(st: CompiledStatement, kind: PolicyKind, r: Prepared): GrantStrength | undefined {
  if (st.actions ? !actionMatches(st.actions, r.action) : !st.notActions || actionMatches(st.notActions, r.action)) return undefined;
  let grant: GrantStrength | undefined = "direct";
  if (kind === "resource") {
    if (st.principal) grant = principalMatch(st.principal, r.who);
    else if (st.notPrincipal) grant = notPrincipalApplies(st.notPrincipal, r.who) ? "direct" : undefined;
    else grant = undefined;
    if (!grant) return undefined;
  }
  const onResource = resourceMatches(st, kind, r);
  // Keys the statement would read, when it is about this action and resource (or could be, given its variables).
  if (onResource || st.variableResources) {
    for (const k of st.keys) if (r.ctx.get(k.lowerKey) === undefined && !r.missing.has(k.lowerKey)) r.missing.set(k.lowerKey, k.key);
  }
  if (!onResource) return undefined;
  for (const c of st.conditions) if (!c.test(r.ctx)) return undefined;
  return grant;
}

function evaluatePolicy(policy: NamedPolicy, kind: PolicyKind, r: Prepared): Outcome {
  const out: Outcome = { policy, deny: false };
  for (const st of compiled(policy.document).statements) {
    const grant = statementGrant(st, kind, r);
    if (!grant) continue;
    r.matched.push({ policy, index: st.index, sid: st.sid, effect: st.effect });
    if (st.effect === "Deny") out.deny = true;
    else if (!out.allow || RANK[grant] > RANK[out.allow]) out.allow = grant;
  }
  return out;
}

function evaluateAll(policies: readonly NamedPolicy[] | undefined, kind: PolicyKind, r: Prepared): Outcome[] {
  const out: Outcome[] = [];
  if (policies) for (const p of policies) out.push(evaluatePolicy(p, kind, r));
  return out;
}

const firstDeny = (outcomes: readonly Outcome[]) => {
  for (const o of outcomes) if (o.deny) return o;
  return undefined;
};

const anyAllow = (outcomes: readonly Outcome[]) => {
  for (const o of outcomes) if (o.allow) return true;
  return false;
};

function decision(r: Prepared, decision: Decision["decision"], deniedBy?: Decision["deniedBy"]): Decision {
  return { decision, ...(deniedBy && { deniedBy }), matched: r.matched, missingContextKeys: [...r.missing.values()] };
}

export function evaluate(req: EvaluationRequest, policies: PolicySet): Decision {
  const { principal } = req;
  const resourceAccount = req.resourceAccount ?? principal.accountId;
  const r: Prepared = {
    action: req.action.toLowerCase(),
    resource: req.resource,
    ctx: new RequestContext(req.context, principal, resourceAccount),
    who: identitiesOf(principal),
    matched: [],
    missing: new Map(),
  };
  // Every policy is evaluated (matched statements and missing keys are reported in full), in AWS's order.
  const scps = evaluateAll(policies.scps, "scp", r);
  const resource = policies.resource && evaluatePolicy(policies.resource, "resource", r);
  const identity = evaluateAll(policies.identity, "identity", r);
  const boundary = policies.boundary && evaluatePolicy(policies.boundary, "boundary", r);
  const session = evaluateAll(policies.session, "session", r);

  const denied =
    firstDeny(scps) ?? (resource?.deny ? resource : undefined) ?? firstDeny(identity) ?? (boundary?.deny ? boundary : undefined) ?? firstDeny(session);
  if (denied) return decision(r, "explicitDeny", { kind: denied.policy.kind, policy: denied.policy });
  const implicit = (kind: PolicyKind) => {
    const policy = kind === "boundary" ? boundary?.policy : kind === "resource" ? resource?.policy : undefined;
    return decision(r, "implicitDeny", policy ? { kind, policy } : { kind });
  };
  for (const o of scps) if (!o.allow) return implicit("scp");

  const grant = resource?.allow;
  const sameAccount = resourceAccount === principal.accountId;
  // Role trust policies and key policies must allow even within the account; they come with sts: and kms: actions.
  const resourceRequired = policies.resourcePolicyRequired ?? (!!policies.resource && TRUST_OR_KEY_ACTION.test(req.action));
  if (principal.type === "Service" || principal.type === "Anonymous") return grant ? decision(r, "allowed") : implicit("resource");
  if (principal.type === "Root") {
    if (sameAccount ? resourceRequired && !grant : !grant) return implicit("resource");
    return decision(r, "allowed");
  }

  const boundaryAllows = !boundary || !!boundary.allow;
  const sessionAllows = session.length > 0 ? anyAllow(session) : principal.type !== "FederatedUser";
  // What limits the entity's own permissions, in the order AWS checks them.
  const limit: PolicyKind | undefined = !boundaryAllows ? "boundary" : !sessionAllows ? "session" : undefined;
  const chain: PolicyKind | undefined = !anyAllow(identity) ? "identity" : limit;

  if (sameAccount) {
    if (grant === "direct") return decision(r, "allowed");
    if (resourceRequired && !grant) return implicit("resource");
    if (grant === "entity") return limit ? implicit(limit) : decision(r, "allowed");
    return chain ? implicit(chain) : decision(r, "allowed");
  }
  if (chain) return implicit(chain);
  return grant ? decision(r, "allowed") : implicit("resource");
}
