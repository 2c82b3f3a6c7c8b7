/**
 * SimulatePrincipalPolicy and SimulateCustomPolicy: the same evaluation the range enforces on every call, asked
 * about actions and resources instead of made by them.
 */
import type {
  ContextEntry,
  EvaluationResult,
  SimulateCustomPolicyCommandInput,
  SimulateCustomPolicyCommandOutput,
  SimulatePrincipalPolicyCommandInput,
  SimulatePrincipalPolicyCommandOutput,
  Statement,
} from "@aws-sdk/client-iam";
import { type Decision, evaluate, type MatchedStatement, type PolicySet } from "../../../authz/engine/index.ts";
import type { ContextValues, NamedPolicy } from "../../../core/authz.ts";
import { AwsError } from "../../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../../core/types.ts";
import { plainDocument, validatePolicyDocument } from "../common.ts";
import { entityPolicies } from "./policies-of.ts";
import { statementPositions } from "./statement-positions.ts";

/** ContextEntries as condition values: list types as lists, others as their first value. */
function contextOf(entries: ContextEntry[] | undefined): ContextValues {
  const out: ContextValues = {};
  for (const e of entries ?? []) {
    if (!e.ContextKeyName) continue;
    const values = e.ContextKeyValues ?? [];
    out[e.ContextKeyName] = e.ContextKeyType?.endsWith("List") ? values : (values[0] ?? "");
  }
  return out;
}

function sourceOf(p: NamedPolicy): Pick<Statement, "SourcePolicyId" | "SourcePolicyType"> {
  if (p.kind === "resource") return { SourcePolicyId: p.name, SourcePolicyType: "resource" };
  if (p.arn) return { SourcePolicyId: p.name, SourcePolicyType: p.arn.startsWith("arn:aws:iam::aws:policy/") ? "aws-managed" : "user-managed" };
  const to = p.attachedTo ?? "";
  const type = /:user\//.test(to) ? "user" : /:group\//.test(to) ? "group" : /:role\//.test(to) ? "role" : "none";
  return { SourcePolicyId: p.name, SourcePolicyType: type };
}

function statementsOf(matched: MatchedStatement[]): Statement[] {
  return matched.map((m) => {
    const pos = statementPositions(m.policy.document)[m.index];
    return { ...sourceOf(m.policy), ...(pos ? { StartPosition: pos.start, EndPosition: pos.end } : {}) };
  });
}

interface Simulation {
  policies: PolicySet;
  principal: Parameters<typeof evaluate>[0]["principal"];
  input: Omit<SimulateCustomPolicyCommandInput, "PolicyInputList">;
}

function resultsOf(sim: Simulation, ctx: RequestContext): EvaluationResult[] {
  const { input } = sim;
  const context = contextOf(input.ContextEntries);
  const resources = input.ResourceArns?.length ? input.ResourceArns : ["*"];
  const resourcePolicy: NamedPolicy | undefined =
    input.ResourcePolicy !== undefined ? { kind: "resource", name: "ResourcePolicy", document: plainDocument(input.ResourcePolicy) } : undefined;
  const owner = input.ResourceOwner ? /^arn:aws:iam::(\d{12}):root$/.exec(input.ResourceOwner)?.[1] : undefined;
  const results: EvaluationResult[] = [];
  for (const action of input.ActionNames ?? []) {
    const one = (resource: string): Decision =>
      evaluate(
        { principal: sim.principal, action, resource, context, ...(owner ? { resourceAccount: owner } : { resourceAccount: ctx.accountId }) },
        resourcePolicy ? { ...sim.policies, resource: resourcePolicy } : sim.policies,
      );
    const boundaryDetail = (d: Decision) =>
      sim.policies.boundary ? { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: !(d.deniedBy?.kind === "boundary") } } : {};
    // AWS's summary per policy type: for cross-account simulations only; empty within the account for a resource
    // ARN, absent for "*".
    const crossAccount = owner !== undefined && owner !== sim.principal.accountId;
    const details = (resource: string, d: Decision) => {
      if (resource === "*" && !crossAccount) return {};
      if (!crossAccount) return { EvalDecisionDetails: {} };
      const identityOnly = evaluate({ principal: sim.principal, action, resource, context }, { ...sim.policies });
      return { EvalDecisionDetails: { "IAM Policy": identityOnly.decision, ...(resourcePolicy ? { "Resource Policy": d.decision } : {}) } };
    };
    for (const resource of resources) {
      const d = one(resource);
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: d.decision,
        MatchedStatements: statementsOf(d.matched),
        MissingContextValues: d.missingContextKeys,
        ...details(resource, d),
        ...boundaryDetail(d),
        ResourceSpecificResults: [],
      });
    }
  }
  return results;
}

/** MaxItems and Marker over the results (the marker is the index of the next result). */
function page(results: EvaluationResult[], input: { MaxItems?: number; Marker?: string }) {
  const max = input.MaxItems ?? 1000;
  if (max < 1 || max > 1000)
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  const start = input.Marker ? Number.parseInt(input.Marker, 10) : 0;
  if (!Number.isInteger(start) || start < 0 || start > results.length) throw new AwsError("InvalidInput", "Invalid Marker.");
  const slice = results.slice(start, start + max);
  const truncated = start + max < results.length;
  return { EvaluationResults: slice, IsTruncated: truncated, ...(truncated ? { Marker: String(start + max) } : {}) };
}

function inputPolicies(list: string[] | undefined, kind: NamedPolicy["kind"], name: string): NamedPolicy[] {
  return (list ?? []).map((doc, i) => {
    validatePolicyDocument(doc, "identity");
    return { kind, name: `${name}.${i + 1}`, document: plainDocument(doc) };
  });
}

function needActions(input: { ActionNames?: string[] }): void {
  if (!input.ActionNames?.length)
    throw new AwsError("ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
}

export const simulatePrincipalPolicy: OpHandler<SimulatePrincipalPolicyCommandInput, SimulatePrincipalPolicyCommandOutput> = (input, ctx) => {
  needActions(input);
  const source = input.PolicySourceArn ?? "";
  const entity = entityPolicies(ctx.runtime, source);
  if (!entity)
    throw new AwsError(
      "NoSuchEntity",
      `The ${/:(user|group|role)\//.exec(source)?.[1] ?? "entity"} with name ${source.slice(source.lastIndexOf("/") + 1)} cannot be found.`,
      404,
    );
  const excluded = new Set((input.PolicyExclusionList ?? []).map((p) => ("PolicyArn" in p && p.PolicyArn) || ""));
  const identity = [...entity.identity.filter((p) => !p.arn || !excluded.has(p.arn)), ...inputPolicies(input.PolicyInputList, "identity", "PolicyInputList")];
  const boundaries = inputPolicies(input.PermissionsBoundaryPolicyInputList, "boundary", "PermissionsBoundaryPolicyInputList");
  const boundary = boundaries[0] ?? entity.boundary;
  const principal = input.CallerArn ? { ...entity.principal, arn: input.CallerArn } : entity.principal;
  return page(resultsOf({ policies: { identity, ...(boundary ? { boundary } : {}) }, principal, input }, ctx), input);
};

export const simulateCustomPolicy: OpHandler<SimulateCustomPolicyCommandInput, SimulateCustomPolicyCommandOutput> = (input, ctx) => {
  needActions(input);
  if (!input.PolicyInputList?.length)
    throw new AwsError("ValidationError", "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null");
  const identity = inputPolicies(input.PolicyInputList, "identity", "PolicyInputList");
  const boundary = inputPolicies(input.PermissionsBoundaryPolicyInputList, "boundary", "PermissionsBoundaryPolicyInputList")[0];
  const callerArn = input.CallerArn ?? `arn:aws:iam::${ctx.accountId}:user/simulated`;
  const principal = { type: "IAMUser" as const, arn: callerArn, accountId: ctx.accountId };
  return page(resultsOf({ policies: { identity, ...(boundary ? { boundary } : {}) }, principal, input }, ctx), input);
};
