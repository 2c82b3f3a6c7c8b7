/** Helpers every IAM handler shares: time stamps, pagination, names, policy documents, lookups with AWS's errors. */
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import { asList, type Json } from "../../core/policy-document.ts";
import type { RequestContext } from "../../core/types.ts";
import type { IamState, StoredGroup, StoredRole, StoredUser } from "./state.ts";

/** IAM reports whole seconds. */
export function isoNow(ctx: RequestContext): string {
  return ctx.runtime.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

/** Marker/MaxItems paging as IAM does it (MaxItems 1..1000, default 100). */
export function pageOf<T>(items: T[], input: { Marker?: string; MaxItems?: number }, salt: string): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const max = input.MaxItems ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  const { page, next } = paginate(items, input.Marker, max, salt, () => new AwsError("ValidationError", "Invalid Marker."));
  return { page, IsTruncated: next !== undefined, Marker: next };
}

export const byName = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) => String(a[key] ?? "").localeCompare(String(b[key] ?? ""));

const NAME = /^[\w+=,.@-]+$/;

/** Names of users, roles, groups, policies: 1..max characters of [\w+=,.@-]. */
export function checkName(value: string | undefined, member: string, max = 64): string {
  if (value === undefined || value === "")
    throw new AwsError(
      "ValidationError",
      `The specified value for ${member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`,
    );
  if (value.length > max) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  if (!NAME.test(value)) {
    throw new AwsError(
      "ValidationError",
      `The specified value for ${member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`,
    );
  }
  return value;
}

export function checkPath(path: string | undefined): string {
  const p = path ?? "/";
  if (!/^\/([\x21-\x7e]*\/)?$/.test(p) || p.length > 512) {
    throw new AwsError(
      "ValidationError",
      "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
    );
  }
  return p;
}

/** IAM names are unique without regard to case. */
export function findCaseInsensitive<T>(map: Record<string, T>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(map).find((k) => k.toLowerCase() === lower);
}

export function getUserOrThrow(st: IamState, name: string | undefined): StoredUser {
  const u = name !== undefined ? st.users[name] : undefined;
  if (!u) throw new AwsError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
  return u;
}

export function getRoleOrThrow(st: IamState, name: string | undefined): StoredRole {
  const r = name !== undefined ? st.roles[name] : undefined;
  if (!r) throw new AwsError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  return r;
}

export function getGroupOrThrow(st: IamState, name: string | undefined): StoredGroup {
  const g = name !== undefined ? st.groups[name] : undefined;
  if (!g) throw new AwsError("NoSuchEntity", `The group with name ${name} cannot be found.`, 404);
  return g;
}

/** The user a call is about: the named one, or the IAM user who signed it. */
export function targetUserName(input: { UserName?: string }, ctx: RequestContext): string {
  if (input.UserName !== undefined) return input.UserName;
  if (ctx.principal.type === "IAMUser" && ctx.principal.userName) return ctx.principal.userName;
  throw new AwsError("ValidationError", "Must specify userName when calling with non-User credentials");
}

/** Service-linked roles belong to AWS: IAM refuses to change them. */
export function assertModifiableRole(role: StoredRole): void {
  if ((role.Path ?? "").startsWith("/aws-service-role/")) {
    throw new AwsError(
      "UnmodifiableEntity",
      `Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`,
      400,
    );
  }
}

/**
 * IAM returns policy documents URL-encoded (RFC 3986); the CLI url-decodes and parses them, the SDK hands the
 * string through. Documents are stored as plain JSON; an already-encoded one (a recording copied from AWS) passes as is.
 */
export function encodeDocument(doc: string | undefined): string | undefined {
  if (doc === undefined) return undefined;
  if (/^\s*%7B/i.test(doc)) return doc;
  return encodeURIComponent(doc).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The plain JSON text of a stored document, whichever form it was stored in. */
export function plainDocument(doc: string): string {
  if (/^\s*%7B/i.test(doc)) {
    try {
      return decodeURIComponent(doc);
    } catch {
      return doc;
    }
  }
  return doc;
}

const malformed = (message: string) => new AwsError("MalformedPolicyDocument", message, 400);

/**
 * Validates a policy document the way IAM's parser rejects the common mistakes: JSON syntax, Version,
 * Effect, actions prefixed by a service, resources in identity policies, principals only in trust policies.
 */
export function validatePolicyDocument(doc: string | undefined, kind: "identity" | "trust"): void {
  if (doc === undefined || doc.trim() === "") throw malformed("Syntax errors in policy.");
  let parsed: Json;
  try {
    parsed = JSON.parse(doc) as Json;
  } catch {
    throw malformed("Syntax errors in policy.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw malformed("Syntax errors in policy.");
  const version = parsed.Version;
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") throw malformed("The policy must contain a valid version string");
  if (parsed.Statement === undefined) throw malformed("Syntax errors in policy.");
  const statements = asList(parsed.Statement);
  if (statements.length === 0) throw malformed("Syntax errors in policy.");
  for (const st of statements) {
    if (st === null || typeof st !== "object" || Array.isArray(st)) throw malformed("Syntax errors in policy.");
    if (st.Effect !== "Allow" && st.Effect !== "Deny")
      throw malformed(st.Effect === undefined ? "Missing required field Effect" : `Invalid effect: ${String(st.Effect)}`);
    const actions = [...asList(st.Action), ...asList(st.NotAction)];
    if (actions.length === 0) throw malformed("Policy statement must contain actions.");
    for (const a of actions) {
      if (typeof a !== "string" || (a !== "*" && !/^[a-zA-Z0-9-]+:[\w*?-]*$/.test(a))) {
        throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
      }
    }
    const hasPrincipal = st.Principal !== undefined || st.NotPrincipal !== undefined;
    if (kind === "identity") {
      if (hasPrincipal) throw malformed("Policy document should not specify a principal.");
      if (st.Resource === undefined && st.NotResource === undefined) throw malformed("Policy statement must contain resources.");
    } else {
      if (!hasPrincipal) throw malformed("Missing required field Principal");
      if (st.Resource !== undefined) throw malformed("Has prohibited field Resource");
    }
  }
}

/** IAM counts policy size without whitespace. */
export function policySize(doc: string): number {
  return plainDocument(doc).replace(/\s/g, "").length;
}

export function policyNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}
