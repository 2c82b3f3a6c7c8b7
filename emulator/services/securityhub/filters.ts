/**
 * GetFindings' AwsSecurityFindingFilters as Security Hub applies them. Each filter name (SeverityLabel,
 * ResourceAwsEc2InstanceIamInstanceProfileArn, …) is resolved once to a path into the ASFF finding by walking the
 * SDK's own AwsSecurityFinding schema; a filter's kind (string, number, date, map, IP, boolean) comes from the
 * AwsSecurityFindingFilters schema.
 */
import type { AwsSecurityFinding, AwsSecurityFindingFilters, SortCriterion } from "@aws-sdk/client-securityhub";
import { NormalizedSchema } from "@smithy/core/schema";
import { importExternal } from "../../core/external.ts";
import { invalidInput } from "./errors.ts";

type Kind = "string" | "number" | "date" | "map" | "ip" | "boolean" | "keyword";

interface FieldInfo {
  kind: Kind;
  /** Member names from the finding down to the value; lists on the way are walked element by element. */
  path: string[] | undefined;
}

const KINDS: Record<string, Kind> = {
  StringFilter: "string",
  NumberFilter: "number",
  DateFilter: "date",
  MapFilter: "map",
  IpFilter: "ip",
  BooleanFilter: "boolean",
  KeywordFilter: "keyword",
};

/** Filter names that do not spell their path member by member. */
const SPECIAL: Record<string, string[]> = {
  RecommendationText: ["Remediation", "Recommendation", "Text"],
  ComplianceAssociatedStandardsId: ["Compliance", "AssociatedStandards", "StandardsId"],
};

/**
 * Resolves a filter name against a structure's members: the longest member that starts the name (a plural member
 * also by its singular: Resources ← Resource, Types ← Type), then the rest below it. A resource's details are
 * reached without naming Details (ResourceAwsEc2InstanceType is Resources[].Details.AwsEc2Instance.Type).
 */
function resolve(schema: NormalizedSchema, rest: string, depth = 0): string[] | undefined {
  if (rest === "") return [];
  if (depth > 6) return undefined;
  let s = schema;
  while (s.isListSchema()) s = s.getValueSchema();
  if (!s.isStructSchema()) return undefined;
  const members = [...s.structIterator()].sort((a, b) => b[0].length - a[0].length);
  for (const [name, member] of members) {
    const spelled = [name, name.endsWith("s") ? name.slice(0, -1) : undefined].filter((x): x is string => !!x);
    for (const prefix of spelled) {
      if (!rest.startsWith(prefix)) continue;
      const below = resolve(member, rest.slice(prefix.length), depth + 1);
      if (below) return [name, ...below];
    }
  }
  const details = members.find(([name]) => name === "Details");
  if (details) {
    const below = resolve(details[1], rest, depth + 1);
    if (below) return ["Details", ...below];
  }
  return undefined;
}

let fields: Promise<Map<string, FieldInfo>> | undefined;

/** Every filter name with its kind and path, from the SDK's schemas (loaded once). */
export function filterFields(): Promise<Map<string, FieldInfo>> {
  fields ??= importExternal<Record<string, unknown>>("@aws-sdk/client-securityhub").then((mod) => {
    const finding = NormalizedSchema.of(mod.AwsSecurityFinding$ as never);
    const filters = NormalizedSchema.of(mod.AwsSecurityFindingFilters$ as never);
    const out = new Map<string, FieldInfo>();
    for (const [name, member] of filters.structIterator()) {
      const kind = KINDS[member.getValueSchema().getName() ?? ""] ?? "string";
      out.set(name, { kind, path: SPECIAL[name] ?? resolve(finding, name) });
    }
    return out;
  });
  return fields;
}

/** The values a finding has at a path: lists on the way (Resources, Types, …) give one value per element. */
export function valuesAt(finding: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [finding];
  for (const key of path) {
    const next: unknown[] = [];
    for (const v of current) {
      const x = v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      if (Array.isArray(x)) next.push(...x);
      else if (x !== undefined && x !== null) next.push(x);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

type Test = (finding: AwsSecurityFinding) => boolean;

const POSITIVE = new Set(["EQUALS", "PREFIX", "CONTAINS", "CONTAINS_WORD"]);
const NEGATIVE = new Set(["NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS"]);

function stringMatch(comparison: string, value: string, candidate: string): boolean {
  switch (comparison) {
    case "EQUALS":
    case "NOT_EQUALS":
      return candidate === value;
    case "PREFIX":
    case "PREFIX_NOT_EQUALS":
      return candidate.startsWith(value);
    case "CONTAINS":
    case "NOT_CONTAINS":
      return candidate.includes(value);
    case "CONTAINS_WORD":
      return candidate.split(/[^A-Za-z0-9_]+/).includes(value);
    default:
      return false;
  }
}

interface Compared {
  Comparison?: string;
  Value?: string;
  Key?: string;
}

/**
 * String and map filters on one field: the positive ones (EQUALS, PREFIX, CONTAINS) are OR'ed, the negative ones
 * (NOT_EQUALS, PREFIX_NOT_EQUALS, NOT_CONTAINS) AND'ed, as the API reference describes; a list field meets a
 * positive filter when one of its values does, a negative one when none of them matches.
 */
function comparedTest(name: string, list: Compared[], values: (f: AwsSecurityFinding, key?: string) => string[]): Test {
  const comparisons = new Set<string>();
  for (const c of list) {
    if (typeof c.Value !== "string" || !c.Comparison) throw invalidInput(`Invalid filter for ${name}: Value and Comparison are required`);
    if (!POSITIVE.has(c.Comparison) && !NEGATIVE.has(c.Comparison)) throw invalidInput(`Invalid Comparison ${c.Comparison} for ${name}`);
    comparisons.add(c.Comparison);
  }
  if (comparisons.has("EQUALS") && (comparisons.has("NOT_EQUALS") || comparisons.has("PREFIX_NOT_EQUALS"))) {
    throw invalidInput(`You can't use EQUALS with NOT_EQUALS or PREFIX_NOT_EQUALS on the same field: ${name}`);
  }
  if (comparisons.has("CONTAINS") && comparisons.has("NOT_CONTAINS")) {
    throw invalidInput(`You can't use CONTAINS with NOT_CONTAINS on the same field: ${name}`);
  }
  const positives = list.filter((c) => POSITIVE.has(c.Comparison as string));
  const negatives = list.filter((c) => NEGATIVE.has(c.Comparison as string));
  return (f) => {
    if (positives.length && !positives.some((c) => values(f, c.Key).some((v) => stringMatch(c.Comparison as string, c.Value as string, v)))) return false;
    return negatives.every((c) => !values(f, c.Key).some((v) => stringMatch(c.Comparison as string, c.Value as string, v)));
  };
}

function ipToBigInt(ip: string): { v6: boolean; n: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, n: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!ip.includes(":")) return undefined;
  const [head, tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { v6: true, n: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

/** Whether an address lies in a CIDR block (IPv4 or IPv6); a bare address is its own /32 or /128. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const b = ipToBigInt(base);
  const a = ipToBigInt(ip);
  if (!a || !b || a.v6 !== b.v6) return false;
  const width = a.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
  const shift = BigInt(width - bits);
  return a.n >> shift === b.n >> shift;
}

function fieldTest(name: string, info: FieldInfo, list: unknown[], now: number): Test {
  const path = info.path;
  const at = (f: AwsSecurityFinding) => (path ? valuesAt(f, path) : []);
  switch (info.kind) {
    case "string":
      return comparedTest(name, list as Compared[], (f) => at(f).map(String));
    case "map":
      return comparedTest(name, list as Compared[], (f, key) =>
        at(f).flatMap((m) => (m && typeof m === "object" && key !== undefined && Object.hasOwn(m, key) ? [String((m as Record<string, unknown>)[key])] : [])),
      );
    case "number": {
      const ranges = list as { Gte?: number; Lte?: number; Eq?: number; Gt?: number; Lt?: number }[];
      return (f) =>
        at(f).some((raw) => {
          const v = Number(raw);
          return ranges.some(
            (r) =>
              !Number.isNaN(v) &&
              (r.Gte === undefined || v >= r.Gte) &&
              (r.Lte === undefined || v <= r.Lte) &&
              (r.Eq === undefined || v === r.Eq) &&
              (r.Gt === undefined || v > r.Gt) &&
              (r.Lt === undefined || v < r.Lt),
          );
        });
    }
    case "date": {
      const ranges = (list as { Start?: string; End?: string; DateRange?: { Value?: number; Unit?: string } }[]).map((d) => {
        if (d.DateRange) {
          if (d.DateRange.Unit !== "DAYS" || typeof d.DateRange.Value !== "number") throw invalidInput(`Invalid DateRange for ${name}`);
          return { start: now - d.DateRange.Value * 86_400_000, end: now };
        }
        const start = d.Start === undefined ? Number.NEGATIVE_INFINITY : Date.parse(d.Start);
        const end = d.End === undefined ? Number.POSITIVE_INFINITY : Date.parse(d.End);
        if (Number.isNaN(start) || Number.isNaN(end)) throw invalidInput(`Invalid date for ${name}: use ISO 8601 (2026-12-01T00:00:00Z)`);
        return { start, end };
      });
      return (f) =>
        at(f).some((raw) => {
          const t = Date.parse(String(raw));
          return ranges.some((r) => t >= r.start && t <= r.end);
        });
    }
    case "ip": {
      const cidrs = (list as { Cidr?: string }[]).map((c) => {
        if (!c.Cidr) throw invalidInput(`Cidr is required in ${name}`);
        return c.Cidr;
      });
      return (f) => at(f).some((ip) => cidrs.some((c) => inCidr(String(ip), c)));
    }
    case "boolean": {
      const wanted = (list as { Value?: boolean }[]).map((b) => b.Value);
      return (f) => {
        const v = at(f);
        return wanted.some((w) => (v.length ? v.some((x) => x === w) : w === false));
      };
    }
    case "keyword": {
      const words = (list as { Value?: string }[]).map((k) => (k.Value ?? "").toLowerCase());
      return (f) => {
        const text = JSON.stringify(f).toLowerCase();
        return words.some((w) => text.includes(w));
      };
    }
  }
}

/** One test for all the filters: every named field must hold (AND across fields). */
export async function compileFilters(filters: AwsSecurityFindingFilters | undefined, now: number): Promise<Test> {
  const known = await filterFields();
  const tests: Test[] = [];
  for (const [name, list] of Object.entries(filters ?? {})) {
    if (list === undefined || list === null) continue;
    const info = known.get(name);
    if (!info) throw invalidInput(`Unknown filter field: ${name}`);
    if (!Array.isArray(list)) throw invalidInput(`Filter ${name} must be a list`);
    if (list.length === 0) continue;
    if (list.length > 20) throw invalidInput(`Filter ${name} has ${list.length} values; the limit is 20`);
    tests.push(fieldTest(name, info, list, now));
  }
  return (f) => tests.every((t) => t(f));
}

const SEVERITY_RANK: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Sorts by the criteria (filter names as fields), then newest UpdatedAt and Id so pages stay stable. */
export async function sortFindings(findings: AwsSecurityFinding[], criteria: SortCriterion[] | undefined): Promise<AwsSecurityFinding[]> {
  const known = await filterFields();
  const keys = (criteria ?? []).map((c) => {
    const info = c.Field ? known.get(c.Field) : undefined;
    if (!info?.path) throw invalidInput(`Invalid sort field: ${c.Field}`);
    const order = (c.SortOrder ?? "asc").toLowerCase();
    if (order !== "asc" && order !== "desc") throw invalidInput(`Invalid SortOrder: ${c.SortOrder}`);
    const path = info.path;
    const rank = c.Field === "SeverityLabel" || c.Field === "FindingProviderFieldsSeverityLabel";
    return { at: (f: AwsSecurityFinding) => valuesAt(f, path)[0], sign: order === "asc" ? 1 : -1, kind: info.kind, rank };
  });
  const compare = (a: unknown, b: unknown, kind: Kind, rank: boolean): number => {
    if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
    if (rank) return (SEVERITY_RANK[String(a)] ?? -1) - (SEVERITY_RANK[String(b)] ?? -1);
    if (kind === "number") return Number(a) - Number(b);
    if (kind === "date") return Date.parse(String(a)) - Date.parse(String(b));
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  };
  return [...findings].sort((x, y) => {
    for (const k of keys) {
      const c = compare(k.at(x), k.at(y), k.kind, k.rank);
      if (c !== 0) return k.at(x) === undefined || k.at(y) === undefined ? c : c * k.sign;
    }
    const u = Date.parse(String(y.UpdatedAt)) - Date.parse(String(x.UpdatedAt));
    return u !== 0 ? u : String(x.Id) < String(y.Id) ? -1 : 1;
  });
}
