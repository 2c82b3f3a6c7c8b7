/**
 * The request context as conditions and policy variables read it: keys case-insensitive, values converted to the
 * type an operator compares (reference_policies_condition-keys.html, reference_policies_variables.html).
 */
import type { ContextValue, ContextValues } from "../../core/authz.ts";
import type { AuthzPrincipal } from "./types.ts";

export type Scalar = string | number | boolean | Date;

/** What a principal's type is called in aws:PrincipalType. */
const PRINCIPAL_TYPE: Record<AuthzPrincipal["type"], string> = {
  IAMUser: "User",
  AssumedRole: "AssumedRole",
  Root: "Account",
  FederatedUser: "FederatedUser",
  Service: "Service",
  Anonymous: "Anonymous",
};

export class RequestContext {
  private readonly values = new Map<string, ContextValue>();

  constructor(context: ContextValues, principal: AuthzPrincipal, resourceAccount: string | undefined) {
    for (const key in context) {
      const value = context[key];
      // null and undefined from a JavaScript caller mean no value.
      if (value !== undefined && value !== null) this.values.set(key.toLowerCase(), value);
    }
    // Keys AWS always derives from the principal, unless the caller said otherwise.
    if (principal.type !== "Anonymous" && principal.type !== "Service") {
      // aws:PrincipalArn of a role session is the role's ARN, not the session's.
      this.derive("aws:principalarn", principal.type === "AssumedRole" ? (principal.roleArn ?? principal.arn) : principal.arn);
      this.derive("aws:principalaccount", principal.accountId);
    }
    this.derive("aws:principaltype", PRINCIPAL_TYPE[principal.type]);
    if (principal.type === "IAMUser") this.derive("aws:username", principal.arn.slice(principal.arn.lastIndexOf("/") + 1));
    if (principal.type === "Service") this.derive("aws:principalservicename", principal.service);
    this.derive("aws:resourceaccount", resourceAccount);
  }

  private derive(lowerKey: string, value: ContextValue | undefined): void {
    if (value !== undefined && !this.values.has(lowerKey)) this.values.set(lowerKey, value);
  }

  /** The value of a key (given lowercased), or undefined when the request has none. */
  get(lowerKey: string): ContextValue | undefined {
    return this.values.get(lowerKey);
  }
}

/** No value: the key is missing, or its set is empty. */
export function isAbsent(v: ContextValue | undefined): v is undefined {
  return v === undefined || (Array.isArray(v) && v.length === 0);
}

/** ISO 8601 without milliseconds, as AWS writes aws:CurrentTime and aws:TokenIssueTime. */
export function isoSeconds(d: Date): string {
  const t = d.getTime();
  return Number.isNaN(t) ? "" : d.toISOString().replace(/\.000Z$/, "Z");
}

export function asText(v: Scalar): string {
  return v instanceof Date ? isoSeconds(v) : String(v);
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function asNumber(v: Scalar): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && NUMBER.test(v)) return Number(v);
  return Number.NaN;
}

const EPOCH = /^\s*\d+(\.\d+)?\s*$/;
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** A date as milliseconds: a Date, epoch seconds (number or digits), or ISO 8601 (extended or basic form). */
export function asTime(v: Scalar): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number") return v * 1000;
  if (typeof v !== "string") return Number.NaN;
  if (EPOCH.test(v)) return Number(v) * 1000;
  const basic = ISO_BASIC.exec(v);
  if (basic) return Date.parse(`${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}Z`);
  return Date.parse(v);
}

/** "true" / "false" (case-insensitive), or undefined for anything else. */
export function asBool(v: Scalar): "true" | "false" | undefined {
  const s = typeof v === "string" ? v.toLowerCase() : typeof v === "boolean" ? String(v) : "";
  return s === "true" || s === "false" ? s : undefined;
}
