/**
 * What each Security Hub operation asks of IAM: its action on the region's hub (arn:…:hub/default), with the fields
 * BatchUpdateFindings changes as securityhub:ASFFSyntaxPath/… keys (how AWS lets a policy limit triage to, say, the
 * workflow status); BatchImportFindings on each product the findings come from, with securityhub:TargetAccount.
 */

import { addKey, addRequestTags, list, obj, onAnyResource, permission, type Rule, serviceAuthorization, str, strs } from "../../authz/requests.ts";
import type { AuthzCheck, ContextValues } from "../../core/authz.ts";

function onHub(action: string, keys?: (input: Record<string, unknown>, c: ContextValues) => void): Rule {
  const p = permission(action, "hub");
  return (input, ctx) => {
    if (!keys) return [p.check(ctx)];
    const c: ContextValues = {};
    keys(input, c);
    return [p.check(ctx, undefined, { context: c })];
  };
}

/** The ASFF fields BatchUpdateFindings sets, as "securityhub:ASFFSyntaxPath/<path>" keys with their values. */
function asffPaths(input: Record<string, unknown>, c: ContextValues): void {
  const key = (path: string) => `securityhub:ASFFSyntaxPath/${path}`;
  const workflow = obj(input.Workflow);
  const severity = obj(input.Severity);
  const note = obj(input.Note);
  addKey(c, key("Workflow.Status"), str(workflow.Status));
  addKey(c, key("Severity.Label"), str(severity.Label));
  if (typeof severity.Normalized === "number") c[key("Severity.Normalized")] = severity.Normalized;
  if (typeof severity.Product === "number") c[key("Severity.Product")] = severity.Product;
  addKey(c, key("Note.Text"), str(note.Text));
  addKey(c, key("Note.UpdatedBy"), str(note.UpdatedBy));
  addKey(c, key("VerificationState"), str(input.VerificationState));
  if (typeof input.Confidence === "number") c[key("Confidence")] = input.Confidence;
  if (typeof input.Criticality === "number") c[key("Criticality")] = input.Criticality;
  const types = strs(input.Types);
  if (types.length) c[key("Types")] = types;
  const related = list(input.RelatedFindings);
  if (related.length) c[key("RelatedFindings.Id")] = related.flatMap((r) => strs([r.Id]));
  const fields = Object.keys(obj(input.UserDefinedFields));
  if (fields.length) c[key("UserDefinedFields")] = fields;
}

const importFindings = permission("securityhub:BatchImportFindings", "product");

/** One check per product (and target account) the findings name. */
const batchImportRule: Rule = (input) => {
  const seen = new Set<string>();
  const checks: AuthzCheck[] = [];
  for (const f of list(input.Findings)) {
    const product = str(f.ProductArn);
    if (product === undefined) continue;
    const account = str(f.AwsAccountId);
    const id = `${product} ${account ?? ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    checks.push(importFindings.onArn(product, { context: addKey({}, "securityhub:TargetAccount", account) }));
  }
  return checks;
};

const rules: Record<string, Rule> = {
  DescribeHub: onHub("securityhub:DescribeHub"),
  EnableSecurityHub: onHub("securityhub:EnableSecurityHub", (input, c) => addRequestTags(c, input.Tags)),
  DisableSecurityHub: onHub("securityhub:DisableSecurityHub"),
  DescribeStandards: onHub("securityhub:DescribeStandards"),
  GetEnabledStandards: onHub("securityhub:GetEnabledStandards"),
  BatchEnableStandards: onHub("securityhub:BatchEnableStandards"),
  BatchDisableStandards: onHub("securityhub:BatchDisableStandards"),
  DescribeStandardsControls: onHub("securityhub:DescribeStandardsControls"),
  UpdateStandardsControl: onHub("securityhub:UpdateStandardsControl"),
  ListSecurityControlDefinitions: onAnyResource("securityhub:ListSecurityControlDefinitions"),
  BatchGetSecurityControls: onAnyResource("securityhub:BatchGetSecurityControls"),
  GetFindings: onHub("securityhub:GetFindings"),
  BatchUpdateFindings: onHub("securityhub:BatchUpdateFindings", asffPaths),
  BatchImportFindings: batchImportRule,
  GetInsights: onHub("securityhub:GetInsights"),
  GetInsightResults: onHub("securityhub:GetInsightResults"),
  CreateInsight: onHub("securityhub:CreateInsight"),
  UpdateInsight: onHub("securityhub:UpdateInsight"),
  DeleteInsight: onHub("securityhub:DeleteInsight"),
};

export const securityhubAuthorization = serviceAuthorization("securityhub", rules);
