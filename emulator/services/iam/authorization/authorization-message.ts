/**
 * EC2's encoded authorization failure message: the decision's details (caller, action, resource, matched
 * statements, request context), sealed (core/sealed.ts) so that only `sts decode-authorization-message` —
 * which needs its own permission — shows them, as in AWS.
 */

import type { Decision } from "../../../authz/engine/index.ts";
import type { AuthzCheck } from "../../../core/authz.ts";
import { AUTHORIZATION_MESSAGE, seal } from "../../../core/sealed.ts";
import type { RequestContext } from "../../../core/types.ts";
import type { CallerPolicies } from "./policies-of.ts";

const items = <T>(list: T[]) => ({ items: list });
const values = (v: unknown) => items((Array.isArray(v) ? v : [v]).map((x) => ({ value: x instanceof Date ? x.toISOString() : String(x) })));

/** The decoded message, in the JSON shape AWS's DecodedMessage has. */
export function decodedMessage(ctx: RequestContext, caller: CallerPolicies, check: AuthzCheck, d: Decision): object {
  const p = ctx.principal;
  return {
    allowed: d.decision === "allowed",
    explicitDeny: d.decision === "explicitDeny",
    matchedStatements: items(
      d.matched.map((m) => ({
        statementId: m.sid ?? "",
        effect: m.effect.toUpperCase(),
        principals: items([{ value: p.principalId }]),
        principalGroups: items([]),
        actions: items([{ value: check.action }]),
        resources: items([{ value: check.resource }]),
        conditions: items([]),
        source: m.policy.arn ?? `${m.policy.kind} policy ${m.policy.name}${m.policy.attachedTo ? ` of ${m.policy.attachedTo}` : ""}`,
      })),
    ),
    failures: items([]),
    context: {
      principal: { id: p.principalId, ...(p.userName ? { name: p.userName } : {}), arn: caller.principal.arn },
      action: check.action,
      resource: check.resource,
      conditions: items(
        Object.entries({ "aws:Region": ctx.region, ...(check.context ?? {}) })
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, v]) => ({ key, values: values(v) })),
      ),
    },
  };
}

export function encodeAuthorizationMessage(ctx: RequestContext, caller: CallerPolicies, check: AuthzCheck, d: Decision): string {
  return seal(ctx.runtime, AUTHORIZATION_MESSAGE, JSON.stringify(decodedMessage(ctx, caller, check, d)));
}
