/**
 * GuardDuty's FindingCriteria over stored findings. Criterion keys are the finding's JSON field paths
 * ("resource.instanceDetails.instanceId"); the stored finding uses the SDK's member names, which are the same
 * words capitalised, so each segment is matched case-insensitively. Lists along a path are flattened: a
 * condition holds when any value on the path satisfies it (Neq/NotEquals: when none equals).
 */
import type { Condition, FindingCriteria, SortCriteria } from "@aws-sdk/client-guardduty";
import { AwsError } from "../../core/errors.ts";

type Obj = Record<string, unknown>;

function member(obj: Obj, segment: string): unknown {
  if (Object.hasOwn(obj, segment)) return obj[segment];
  // Fast path: the API's camelCase segment is the stored PascalCase member name with its first letter raised.
  const pascal = segment.charAt(0).toUpperCase() + segment.slice(1);
  if (Object.hasOwn(obj, pascal)) return obj[pascal];
  const lower = segment.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Every value at a dotted path, lists flattened. */
export function valuesAt(finding: unknown, path: string): unknown[] {
  return valuesAtSegments(finding, path.split("."));
}

function valuesAtSegments(finding: unknown, segments: string[]): unknown[] {
  // Fast path: a chain of objects (the common case) needs no intermediate lists.
  let v: unknown = finding;
  let i = 0;
  for (; i < segments.length; i++) {
    if (!v || typeof v !== "object" || Array.isArray(v)) break;
    v = member(v as Obj, segments[i]);
  }
  if (i === segments.length) {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v.filter((x) => x !== undefined && x !== null) : [v];
  }
  if (v === undefined || v === null) return [];
  let current: unknown[] = [v];
  for (; i < segments.length; i++) {
    const seg = segments[i];
    const next: unknown[] = [];
    for (const c of current) {
      if (Array.isArray(c)) {
        for (const x of c) if (x && typeof x === "object") pushValue(next, member(x as Obj, seg));
      } else if (c && typeof c === "object") pushValue(next, member(c as Obj, seg));
    }
    current = next;
  }
  return current.flatMap((x) => (Array.isArray(x) ? x : [x])).filter((x) => x !== undefined && x !== null);
}

function pushValue(out: unknown[], v: unknown): void {
  if (v !== undefined && v !== null) out.push(v);
}

const ISO = /^\d{4}-\d{2}-\d{2}T/;

/** Numbers compare as numbers; timestamps as epoch milliseconds, which is how the API takes them. */
function numeric(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") {
    if (ISO.test(v)) return Date.parse(v);
    if (v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  }
  return undefined;
}

function equal(value: unknown, wanted: string): boolean {
  if (typeof value === "boolean") return String(value) === wanted.toLowerCase();
  const a = numeric(value);
  const b = numeric(wanted);
  if (a !== undefined && b !== undefined && (typeof value === "number" || ISO.test(String(value)))) return a === b;
  return String(value) === wanted;
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
}

export function conditionHolds(values: unknown[], c: Condition): boolean {
  const eq = c.Eq ?? c.Equals;
  const neq = c.Neq ?? c.NotEquals;
  if (eq && !values.some((v) => eq.some((w) => equal(v, w)))) return false;
  if (neq && values.some((v) => neq.some((w) => equal(v, w)))) return false;
  const nums = values.map(numeric).filter((n): n is number => n !== undefined);
  const bound = (limit: number | undefined, ok: (n: number, l: number) => boolean) => limit === undefined || nums.some((n) => ok(n, limit));
  if (!bound(c.Gt ?? c.GreaterThan, (n, l) => n > l)) return false;
  if (!bound(c.Gte ?? c.GreaterThanOrEqual, (n, l) => n >= l)) return false;
  if (!bound(c.Lt ?? c.LessThan, (n, l) => n < l)) return false;
  if (!bound(c.Lte ?? c.LessThanOrEqual, (n, l) => n <= l)) return false;
  if (c.Matches && !values.some((v) => c.Matches?.some((p) => globToRegExp(p).test(String(v))))) return false;
  if (c.NotMatches && values.some((v) => c.NotMatches?.some((p) => globToRegExp(p).test(String(v))))) return false;
  return true;
}

const invalid = (message: string) => new AwsError("BadRequestException", message, 400, { Type: "InvalidInputException" });

/** Rejects criteria AWS rejects: a condition with no comparator at all. */
export function validateCriteria(criteria: FindingCriteria | undefined): void {
  for (const [field, c] of Object.entries(criteria?.Criterion ?? {})) {
    if (!field) throw invalid("The request is rejected because an invalid or out-of-range value is specified as an input parameter.");
    if (!c || Object.values(c).every((v) => v === undefined)) {
      throw invalid(`The request is rejected because the criterion for ${field} has no condition.`);
    }
  }
}

/** A path segment with the spellings member() tries, computed once. */
interface Segment {
  exact: string;
  pascal: string;
  lower: string;
}

function segmentOf(segment: string): Segment {
  return { exact: segment, pascal: segment.charAt(0).toUpperCase() + segment.slice(1), lower: segment.toLowerCase() };
}

/** member() with the segment's spellings precomputed: no allocation unless the case-insensitive scan is needed. */
function memberOf(obj: Obj, seg: Segment): unknown {
  if (Object.hasOwn(obj, seg.exact)) return obj[seg.exact];
  if (Object.hasOwn(obj, seg.pascal)) return obj[seg.pascal];
  for (const k of Object.keys(obj)) if (k.toLowerCase() === seg.lower) return obj[k];
  return undefined;
}

/** Marks a compiled path's result as a list of values (any other result is one value, or undefined for none). */
class Many {
  constructor(readonly values: unknown[]) {}
}

/**
 * valuesAtSegments() without the list for the common case: undefined when there is no value, the value itself
 * when there is exactly one along a chain of objects, else a Many holding what valuesAtSegments() returns.
 */
function compilePath(segments: string[]): (finding: unknown) => unknown {
  const segs = segments.map(segmentOf);
  const n = segs.length;
  return (finding) => {
    let v: unknown = finding;
    let i = 0;
    for (; i < n; i++) {
      if (!v || typeof v !== "object" || Array.isArray(v)) break;
      v = memberOf(v as Obj, segs[i]);
    }
    if (v === undefined || v === null) return undefined;
    if (i === n) return Array.isArray(v) ? new Many(v.filter((x) => x !== undefined && x !== null)) : v;
    return new Many(valuesAtSegments(finding, segments));
  };
}

/** A wanted Eq/Neq string with what equal() derives from it, derived once. */
interface Wanted {
  raw: string;
  lower: string;
  num: number | undefined;
}

function equalWanted(value: unknown, valueNum: number | undefined, w: Wanted): boolean {
  if (typeof value === "boolean") return String(value) === w.lower;
  if (valueNum !== undefined && w.num !== undefined && (typeof value === "number" || ISO.test(String(value)))) return valueNum === w.num;
  return String(value) === w.raw;
}

/** conditionHolds() for exactly one value, with the condition's constants prepared once. */
function compileCondition(c: Condition): (value: unknown) => boolean {
  const wanted = (list: string[] | undefined) => list?.map((raw): Wanted => ({ raw, lower: raw.toLowerCase(), num: numeric(raw) }));
  const eq = wanted(c.Eq ?? c.Equals);
  const neq = wanted(c.Neq ?? c.NotEquals);
  const gt = c.Gt ?? c.GreaterThan;
  const gte = c.Gte ?? c.GreaterThanOrEqual;
  const lt = c.Lt ?? c.LessThan;
  const lte = c.Lte ?? c.LessThanOrEqual;
  const bounded = gt !== undefined || gte !== undefined || lt !== undefined || lte !== undefined;
  const matches = c.Matches?.map(globToRegExp);
  const notMatches = c.NotMatches?.map(globToRegExp);
  return (value) => {
    const n = numeric(value);
    if (eq) {
      let any = false;
      for (const w of eq) {
        if (equalWanted(value, n, w)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    if (neq) for (const w of neq) if (equalWanted(value, n, w)) return false;
    if (bounded) {
      if (n === undefined) return false;
      if (gt !== undefined && !(n > gt)) return false;
      if (gte !== undefined && !(n >= gte)) return false;
      if (lt !== undefined && !(n < lt)) return false;
      if (lte !== undefined && !(n <= lte)) return false;
    }
    if (matches && !matches.some((re) => re.test(String(value)))) return false;
    if (notMatches?.some((re) => re.test(String(value)))) return false;
    return true;
  };
}

const LIST_KEYS = ["Eq", "Equals", "Neq", "NotEquals", "Matches", "NotMatches"] as const;

/** Whether compileCondition() can take the condition: an object whose lists, when present, are lists of strings. */
function compilable(c: Condition | undefined): c is Condition {
  if (!c || typeof c !== "object") return false;
  for (const k of LIST_KEYS) {
    const l: unknown = c[k];
    if (l !== undefined && l !== null && !(Array.isArray(l) && l.every((x) => typeof x === "string"))) return false;
  }
  return true;
}

/** One criterion: how to take its field's value(s) from a finding, and whether a taken value meets the condition. */
interface Test {
  field: string;
  extract: (finding: unknown) => unknown;
  holds: (value: unknown) => boolean;
}

function compileTests(criteria: FindingCriteria | undefined): Test[] {
  return Object.entries(criteria?.Criterion ?? {}).map(([field, c]): Test => {
    const segments = field.split(".");
    // A missing condition (only possible without validateCriteria) keeps conditionHolds()' own behaviour.
    if (!compilable(c)) {
      return { field, extract: (f) => new Many(valuesAtSegments(f, segments)), holds: (v) => conditionHolds((v as Many).values, c) };
    }
    const one = compileCondition(c);
    const whenNone = conditionHolds([], c);
    return {
      field,
      extract: compilePath(segments),
      holds: (v) => (v === undefined ? whenNone : v instanceof Many ? conditionHolds(v.values, c) : one(v)),
    };
  });
}

/** Compiles criteria once per request: paths resolved and constants derived once, then one pass over the findings. */
export function compileCriteria(criteria: FindingCriteria | undefined): (finding: unknown) => boolean {
  const tests = compileTests(criteria);
  const n = tests.length;
  return (finding) => {
    for (let i = 0; i < n; i++) if (!tests[i].holds(tests[i].extract(finding))) return false;
    return true;
  };
}

/**
 * The findings that meet the criteria, in order. With `column` (a list kept between calls), each field's values
 * are taken from the findings once and kept, so a later query on the same field walks no finding again.
 */
export function filterFindings<T>(
  findings: readonly T[],
  criteria: FindingCriteria | undefined,
  column?: (field: string, extract: (finding: unknown) => unknown) => readonly unknown[],
): T[] {
  if (!column) return findings.filter(compileCriteria(criteria));
  const tests = compileTests(criteria);
  const cols = tests.map((t) => column(t.field, t.extract));
  const out: T[] = [];
  for (let i = 0; i < findings.length; i++) {
    let ok = true;
    for (let j = 0; j < tests.length && ok; j++) ok = tests[j].holds(cols[j][i]);
    if (ok) out.push(findings[i]);
  }
  return out;
}

export function matchesCriteria(finding: unknown, criteria: FindingCriteria | undefined): boolean {
  return compileCriteria(criteria)(finding);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sorts findings by a field path; findings without the field go last either way, as GuardDuty lists them. */
export function sortFindings<T>(findings: T[], sort: SortCriteria | undefined): T[] {
  if (!sort?.AttributeName) return findings;
  const dir = sort.OrderBy === "DESC" ? -1 : 1;
  const key = (f: T) => valuesAt(f, sort.AttributeName as string)[0];
  return [...findings].sort((x, y) => {
    const a = key(x);
    const b = key(y);
    if (a === undefined || b === undefined) return compareValues(a, b);
    return dir * compareValues(a, b);
  });
}
