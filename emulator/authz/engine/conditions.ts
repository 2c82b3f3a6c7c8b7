/**
 * Condition operators (reference_policies_elements_condition_operators.html) and the set qualifiers
 * (reference_policies_multi-value-conditions.html), compiled once per document into closures over the policy's values.
 *
 * - Several values for one key: OR; for a negated operator, none may match (NOR).
 * - A key absent from the request: no match, except that a negated operator matches; `…IfExists` matches;
 *   `Null` tests exactly that. `ForAllValues:` on an absent (or empty) key matches, `ForAnyValue:` does not.
 * - A multivalued key without a qualifier matches when any of its values matches.
 * - Policy variables are substituted in String, Arn and Bool values only; elsewhere the text is literal.
 * - An operator IAM does not know never matches (validation rejects it before it is stored).
 */
import type { ContextValue } from "../../core/authz.ts";
import { inRanges, parseAddress, parseRange } from "./addresses.ts";
import { asBool, asNumber, asText, asTime, isAbsent, type Scalar } from "./context.ts";
import { compilePattern, patternMatches, type WildcardMode } from "./matching.ts";
import { chunksText, parseTemplate, resolveTemplate, type Template } from "./variables.ts";

/** The request's keys, read by lowercased name. */
export interface Lookup {
  get(lowerKey: string): ContextValue | undefined;
}

type Matches = (v: Scalar, ctx: Lookup) => boolean;

type ValueType = "string" | "stringIgnoreCase" | "like" | "numeric" | "date" | "bool" | "binary" | "ip" | "arn" | "null";
type Comparison = "eq" | "lt" | "lte" | "gt" | "gte";

interface BaseOperator {
  type: ValueType;
  negated: boolean;
  comparison: Comparison;
}

const op = (type: ValueType, negated = false, comparison: Comparison = "eq"): BaseOperator => ({ type, negated, comparison });
const ordered = (type: "numeric" | "date", prefix: string): [string, BaseOperator][] => [
  [`${prefix}Equals`, op(type)],
  [`${prefix}NotEquals`, op(type, true)],
  [`${prefix}LessThan`, op(type, false, "lt")],
  [`${prefix}LessThanEquals`, op(type, false, "lte")],
  [`${prefix}GreaterThan`, op(type, false, "gt")],
  [`${prefix}GreaterThanEquals`, op(type, false, "gte")],
];

/** IAM's condition operators, by their case-sensitive names. */
export const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map([
  ["StringEquals", op("string")],
  ["StringNotEquals", op("string", true)],
  ["StringEqualsIgnoreCase", op("stringIgnoreCase")],
  ["StringNotEqualsIgnoreCase", op("stringIgnoreCase", true)],
  ["StringLike", op("like")],
  ["StringNotLike", op("like", true)],
  ...ordered("numeric", "Numeric"),
  ...ordered("date", "Date"),
  ["Bool", op("bool")],
  ["BinaryEquals", op("binary")],
  ["IpAddress", op("ip")],
  ["NotIpAddress", op("ip", true)],
  ["ArnEquals", op("arn")],
  ["ArnLike", op("arn")],
  ["ArnNotEquals", op("arn", true)],
  ["ArnNotLike", op("arn", true)],
  ["Null", op("null")],
]);

export interface ParsedOperator {
  base: BaseOperator;
  set?: "ForAnyValue" | "ForAllValues";
  ifExists: boolean;
}

/** An operator name split into qualifier, base operator and IfExists; undefined when IAM does not know it. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator["set"];
  for (const q of ["ForAnyValue", "ForAllValues"] as const) {
    if (rest.startsWith(`${q}:`)) {
      set = q;
      rest = rest.slice(q.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists");
  if (ifExists) rest = rest.slice(0, -"IfExists".length);
  const base = BASE_OPERATORS.get(rest);
  if (!base || (base.type === "null" && (ifExists || set))) return undefined;
  return { base, set, ifExists };
}

export interface CompiledCondition {
  operator: string;
  key: string;
  lowerKey: string;
  /** Keys of the policy variables in the values, for MissingContextValues. */
  variables: string[];
  test(ctx: Lookup): boolean;
}

/** A condition value as the policy wrote it: JSON strings, numbers and booleans count; anything else never matches. */
function policyTexts(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean").map(String);
}

const compare = (a: number, b: number, c: Comparison) => (c === "eq" ? a === b : c === "lt" ? a < b : c === "lte" ? a <= b : c === "gt" ? a > b : a >= b);

/** Whether one request value matches any of the policy's values (the operator before negation). */
function valueMatcher(base: BaseOperator, texts: string[], substitute: boolean): { matches: Matches; variables: string[] } {
  const none = { matches: () => false, variables: [] };
  switch (base.type) {
    case "numeric":
    case "date": {
      const parse = base.type === "numeric" ? asNumber : asTime;
      const limits = texts.map(parse).filter((n) => !Number.isNaN(n));
      if (limits.length === 0) return none;
      const { comparison } = base;
      return {
        matches: (v) => {
          const n = parse(v);
          if (Number.isNaN(n)) return false;
          for (const l of limits) if (compare(n, l, comparison)) return true;
          return false;
        },
        variables: [],
      };
    }
    case "binary": {
      const wanted = texts.map((t) => Buffer.from(t, "base64"));
      return { matches: (v) => wanted.some((w) => w.equals(Buffer.from(asText(v), "base64"))), variables: [] };
    }
    case "ip": {
      const ranges = texts.map(parseRange).filter((r) => r !== undefined);
      return {
        matches: (v) => {
          const address = parseAddress(asText(v));
          return address !== undefined && inRanges(ranges, address);
        },
        variables: [],
      };
    }
    case "null":
      return none; // tested on presence, not values
    default:
      return templateMatcher(base.type, texts, substitute);
  }
}

/** String, Arn and Bool operators, whose values may hold policy variables. */
function templateMatcher(type: ValueType, texts: string[], substitute: boolean): { matches: Matches; variables: string[] } {
  const templates: Template[] = texts.map((t) => parseTemplate(t, substitute));
  const variables = templates.flatMap((t) => t.variables);
  const fixed = templates.every((t) => t.fixed);
  const fold = type === "stringIgnoreCase" ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (type === "string" || type === "stringIgnoreCase" || type === "bool") {
    const norm = type === "bool" ? (s: string) => asBool(s) ?? "\u0000" : fold;
    const request = type === "bool" ? (v: Scalar) => asBool(v) : (v: Scalar) => fold(asText(v));
    if (fixed) {
      const set = new Set(templates.map((t) => norm(chunksText(t.fixed!))));
      return { matches: (v) => set.has(request(v) as string), variables };
    }
    return {
      matches: (v, ctx) => {
        const r = request(v);
        for (const t of templates) {
          const chunks = resolveTemplate(t, ctx);
          if (chunks !== undefined && norm(chunksText(chunks)) === r) return true;
        }
        return false;
      },
      variables,
    };
  }
  const mode: WildcardMode = type === "arn" ? "arn" : "plain";
  if (fixed) {
    const patterns = templates.map((t) => compilePattern(t.fixed!));
    return {
      matches: (v) => {
        const s = asText(v);
        for (const p of patterns) if (patternMatches(p, s, mode)) return true;
        return false;
      },
      variables,
    };
  }
  return {
    matches: (v, ctx) => {
      const s = asText(v);
      for (const t of templates) {
        const chunks = resolveTemplate(t, ctx);
        if (chunks !== undefined && patternMatches(compilePattern(chunks), s, mode)) return true;
      }
      return false;
    },
    variables,
  };
}

export function compileCondition(operator: string, key: string, raw: unknown, substitute: boolean): CompiledCondition {
  const lowerKey = key.toLowerCase();
  const parsed = parseOperator(operator);
  if (!parsed) return { operator, key, lowerKey, variables: [], test: () => false };
  const { base, set, ifExists } = parsed;
  const texts = policyTexts(raw);
  if (base.type === "null") {
    const wanted = texts.map((t) => asBool(t)).filter((b) => b !== undefined);
    return { operator, key, lowerKey, variables: [], test: (ctx) => wanted.includes(isAbsent(ctx.get(lowerKey)) ? "true" : "false") };
  }
  const { matches, variables } = valueMatcher(base, texts, substitute);
  const negated = base.negated;
  const test = (ctx: Lookup): boolean => {
    const value = ctx.get(lowerKey);
    // ForAllValues: "also returns true if there are no keys in the request, or if the key values resolve to a null
    // data set, such as an empty string"; ForAnyValue returns false for those.
    if (isAbsent(value) || (set !== undefined && value === "")) return ifExists || (set === undefined ? negated : set === "ForAllValues");
    if (!Array.isArray(value)) return matches(value as Scalar, ctx) !== negated; // one value: every form agrees
    if (set === "ForAllValues") {
      for (const v of value) if (matches(v, ctx) === negated) return false;
      return true;
    }
    if (set === "ForAnyValue") {
      for (const v of value) if (matches(v, ctx) !== negated) return true;
      return false;
    }
    for (const v of value) if (matches(v, ctx)) return !negated;
    return negated;
  };
  return { operator, key, lowerKey, variables, test };
}
