/**
 * Policy documents compiled once and cached by their text: the same few documents (a principal's policies, a bucket
 * policy) are evaluated on every request, so parsing, wildcard expressions and CIDR lists are built only the first
 * time. A document that does not parse compiles to no statements: it allows and denies nothing.
 */
import { type CompiledCondition, compileCondition } from "./conditions.ts";
import { type ActionMatcher, compileActions, compilePattern, hasWildcard, type Pattern } from "./matching.ts";
import { type CompiledPrincipal, compilePrincipal } from "./principals.ts";
import { parseTemplate, type Template } from "./variables.ts";

/** A Resource / NotResource entry: every resource, an exact ARN, a fixed wildcard pattern, or one with variables. */
export type ResourcePattern = { all: true } | { exact: string } | { pattern: Pattern } | { template: Template };

export interface CompiledStatement {
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
  actions?: ActionMatcher;
  notActions?: ActionMatcher;
  resources?: ResourcePattern[];
  notResources?: ResourcePattern[];
  principal?: CompiledPrincipal;
  notPrincipal?: CompiledPrincipal;
  conditions: CompiledCondition[];
  /** Keys the conditions and the resource variables read, as written and lowercased, for MissingContextValues. */
  keys: { key: string; lowerKey: string }[];
  /** Whether a Resource entry holds a policy variable (then its keys count even when it matches nothing). */
  variableResources: boolean;
}

export interface CompiledDocument {
  /** Version 2012-10-17 documents substitute policy variables; older ones (and those without Version) do not. */
  variables: boolean;
  statements: CompiledStatement[];
}

const strings = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");

function compileResource(text: string, substitute: boolean): ResourcePattern {
  if (text === "*") return { all: true };
  const t = parseTemplate(text, substitute);
  if (!t.fixed) return { template: t };
  if (t.fixed.length === 1 && !hasWildcard(text)) return { exact: text };
  return { pattern: compilePattern(t.fixed) };
}

function compileStatement(raw: unknown, index: number, substitute: boolean): CompiledStatement | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const s = raw as Record<string, unknown>;
  // Effect is case-sensitive ("The policy failed legacy parsing" otherwise); a statement without one applies to nothing.
  if (s.Effect !== "Allow" && s.Effect !== "Deny") return undefined;
  const list = (k: string) => strings(s[k]);
  const action = list("Action");
  const notAction = list("NotAction");
  const resource = list("Resource");
  const notResource = list("NotResource");
  const conditions: CompiledCondition[] = [];
  const block = s.Condition;
  if (block && typeof block === "object" && !Array.isArray(block)) {
    for (const [operator, pairs] of Object.entries(block)) {
      if (!pairs || typeof pairs !== "object" || Array.isArray(pairs)) {
        conditions.push(compileCondition("", "", undefined, false)); // malformed: never matches
        continue;
      }
      for (const [key, values] of Object.entries(pairs)) conditions.push(compileCondition(operator, key, values, substitute));
    }
  } else if (block !== undefined) conditions.push(compileCondition("", "", undefined, false));
  const resourcePatterns = resource?.map((r) => compileResource(r, substitute));
  const notResourcePatterns = notResource?.map((r) => compileResource(r, substitute));
  const resourceVariables = [...(resourcePatterns ?? []), ...(notResourcePatterns ?? [])].flatMap((p) => ("template" in p ? p.template.variables : []));
  const names = [...new Set([...conditions.flatMap((c) => (c.key ? [c.key, ...c.variables] : [])), ...resourceVariables])];
  return {
    index,
    sid: typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : undefined,
    effect: s.Effect,
    actions: action && compileActions(action),
    notActions: notAction && compileActions(notAction),
    resources: resourcePatterns,
    notResources: notResourcePatterns,
    principal: s.Principal !== undefined ? compilePrincipal(s.Principal) : undefined,
    notPrincipal: s.NotPrincipal !== undefined ? compilePrincipal(s.NotPrincipal) : undefined,
    conditions,
    keys: names.map((key) => ({ key, lowerKey: key.toLowerCase() })),
    variableResources: !!resourcePatterns?.some((p) => "template" in p),
  };
}

export function compileDocument(text: string): CompiledDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { variables: false, statements: [] };
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return { variables: false, statements: [] };
  const d = doc as Record<string, unknown>;
  const variables = d.Version === "2012-10-17";
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
  const statements = raw.map((s, i) => compileStatement(s, i, variables)).filter((s): s is CompiledStatement => !!s);
  return { variables, statements };
}

const cache = new Map<string, CompiledDocument>();
/** Enough for every policy of a scenario and the documents students write; the oldest entry goes first. */
const CACHE_LIMIT = 2000;

/** The compiled form of a document, from the cache when this exact text was seen before. */
export function compiled(text: string): CompiledDocument {
  let doc = cache.get(text);
  if (!doc) {
    doc = compileDocument(text);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, doc);
  }
  return doc;
}

/** How many documents the cache holds (for tests of its bound). */
export const cachedDocuments = () => cache.size;
