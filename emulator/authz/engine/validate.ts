/**
 * Policy validation for PutRolePolicy, CreatePolicy, PutBucketPolicy…: the first problem IAM reports, in its
 * MalformedPolicyDocument wording, checked in the order IAM checks (syntax, then element rules).
 */
import type { PolicyKind } from "../../core/authz.ts";
import { parseOperator } from "./conditions.ts";

const TOP_LEVEL = new Set(["Version", "Id", "Statement"]);
const VERSIONS = new Set(["2008-10-17", "2012-10-17"]);
const STATEMENT = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "NotPrincipal"]);
const VENDOR = /^[a-zA-Z0-9\-.*?]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isStringOrStrings = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
const isScalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const listOf = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as string[];

function principalSyntaxOk(p: unknown): boolean {
  if (p === "*") return true;
  if (!isObject(p)) return false;
  return Object.entries(p).every(([k, v]) => ["AWS", "Service", "Federated", "CanonicalUser"].includes(k) && isStringOrStrings(v));
}

function conditionSyntaxOk(c: unknown): boolean {
  if (!isObject(c)) return false;
  for (const [operator, pairs] of Object.entries(c)) {
    if (!isObject(pairs)) return false;
    if (!Object.values(pairs).every((v) => isScalar(v) || (Array.isArray(v) && v.every(isScalar)))) return false;
    // IAM accepts an unknown operator only with nothing under it.
    if (!parseOperator(operator) && Object.keys(pairs).length > 0) return false;
  }
  return true;
}

function statementSyntaxOk(s: unknown): boolean {
  if (!isObject(s)) return false;
  if (!Object.keys(s).every((k) => STATEMENT.has(k))) return false;
  if ((s.Action !== undefined && s.NotAction !== undefined) || (s.Resource !== undefined && s.NotResource !== undefined)) return false;
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) return false;
  if (typeof s.Effect !== "string" || !["allow", "deny"].includes(s.Effect.toLowerCase())) return false;
  for (const k of ["Action", "NotAction", "Resource", "NotResource"]) if (s[k] !== undefined && !isStringOrStrings(s[k])) return false;
  if (s.Sid !== undefined && typeof s.Sid !== "string") return false;
  if (s.Principal !== undefined && !principalSyntaxOk(s.Principal)) return false;
  if (s.NotPrincipal !== undefined && !principalSyntaxOk(s.NotPrincipal)) return false;
  return s.Condition === undefined || conditionSyntaxOk(s.Condition);
}

function actionProblem(action: string): string | undefined {
  if (action === "*") return undefined;
  const parts = action.split(":");
  if (parts.length === 1) return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
  if (parts.length > 2) return "Actions/Condition can contain only one colon.";
  if (!VENDOR.test(parts[0])) return `Vendor ${parts[0]} is not valid`;
  return undefined;
}

function principalProblem(p: unknown): string | undefined {
  if (!isObject(p)) return undefined;
  for (const [type, values] of Object.entries(p)) {
    for (const v of listOf(values)) {
      // "You cannot use a wildcard to match part of a principal name or ARN."
      if (v !== "*" && (v.includes("*") || v.includes("?"))) return `Invalid principal in policy: "${type}":"${v}"`;
    }
  }
  return undefined;
}

/** Undefined if IAM would accept the document for this kind of policy, else its MalformedPolicyDocument message. */
export function policyProblem(document: string, kind: PolicyKind): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    return "Syntax errors in policy.";
  }
  if (!isObject(doc) || !Object.keys(doc).every((k) => TOP_LEVEL.has(k))) return "Syntax errors in policy.";
  if (doc.Version !== undefined && !VERSIONS.has(doc.Version as string)) return "Syntax errors in policy.";
  if (doc.Id !== undefined && typeof doc.Id !== "string") return "Syntax errors in policy.";
  const statements = isObject(doc.Statement) ? [doc.Statement] : Array.isArray(doc.Statement) ? doc.Statement : undefined;
  if (!statements || statements.length === 0 || !statements.every(statementSyntaxOk)) return "Syntax errors in policy.";
  const all = statements as Record<string, unknown>[];

  if (kind !== "resource" && all.some((s) => s.Principal !== undefined || s.NotPrincipal !== undefined))
    return "Policy document should not specify a principal.";
  if (all.some((s) => s.Effect !== "Allow" && s.Effect !== "Deny")) return "The policy failed legacy parsing";
  const sids = all.map((s) => s.Sid).filter((sid) => typeof sid === "string" && sid !== "");
  if (new Set(sids).size !== sids.length) return "Statement IDs (SID) in a single policy must be unique.";
  if (all.some((s) => listOf(s.Action ?? s.NotAction).length === 0)) return "Policy statement must contain actions.";
  // Trust policies name no resource (the role is the resource); bucket policies do, which S3 checks itself.
  if (kind !== "resource" && all.some((s) => listOf(s.Resource ?? s.NotResource).length === 0)) return "Policy statement must contain resources.";
  if (kind === "resource" && all.some((s) => s.Principal === undefined && s.NotPrincipal === undefined)) return "Missing required field Principal";
  for (const s of all) {
    for (const r of listOf(s.Resource ?? s.NotResource)) if (r !== "*" && !r.includes(":")) return `Resource ${r} must be in ARN format or "*".`;
  }
  for (const s of all) {
    for (const a of listOf(s.Action ?? s.NotAction)) {
      const problem = actionProblem(a);
      if (problem) return problem;
    }
    const problem = principalProblem(s.Principal ?? s.NotPrincipal);
    if (problem) return problem;
  }
  return undefined;
}
