/**
 * The JSONPath that Automation's Selector and PropertySelector take: `$`, `.name`, `['name']`, `[n]`, `[*]` and
 * `..name`, over an API response. A path with a wildcard or a recursive descent selects a list.
 */

type Segment = { kind: "member"; name: string } | { kind: "index"; index: number } | { kind: "all" } | { kind: "descend"; name: string };

/** Each token a path may hold, and the segment it makes. */
const TOKENS: [RegExp, (m: RegExpExecArray) => Segment][] = [
  [/^\.\.([A-Za-z0-9_-]+)/, (m) => ({ kind: "descend", name: m[1] })],
  [/^\.([A-Za-z0-9_-]+)/, (m) => ({ kind: "member", name: m[1] })],
  [/^(?:\.\*|\[\*\])/, () => ({ kind: "all" })],
  [/^\[(\d+)\]/, (m) => ({ kind: "index", index: Number(m[1]) })],
  [/^\['([^']+)'\]/, (m) => ({ kind: "member", name: m[1] })],
  [/^\["([^"]+)"\]/, (m) => ({ kind: "member", name: m[1] })],
];

function parse(path: string): Segment[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const out: Segment[] = [];
  let rest = path.slice(1);
  while (rest.length) {
    let matched = false;
    for (const [re, make] of TOKENS) {
      const m = re.exec(rest);
      if (!m) continue;
      out.push(make(m));
      rest = rest.slice(m[0].length);
      matched = true;
      break;
    }
    if (!matched) return undefined;
  }
  return out;
}

function descend(v: unknown, name: string, out: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) descend(x, name, out);
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === name) out.push(x);
      descend(x, name, out);
    }
  }
}

export interface Selection {
  /** The values the path reaches (none when it reaches nothing). */
  values: unknown[];
  /** The path selects a list (a wildcard or a recursive descent). */
  multiple: boolean;
}

/** What a selector picks out of a response; undefined for a path Automation would refuse. */
export function select(data: unknown, path: string): Selection | undefined {
  const segments = parse(path.trim());
  if (!segments) return undefined;
  let current: unknown[] = [data];
  let multiple = false;
  for (const s of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if (s.kind === "member") {
        if (v && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, s.name)) next.push((v as Record<string, unknown>)[s.name]);
      } else if (s.kind === "index") {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if (s.kind === "all") {
        multiple = true;
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === "object") next.push(...Object.values(v));
      } else {
        multiple = true;
        descend(v, s.name, next);
      }
    }
    current = next;
  }
  return { values: current.filter((v) => v !== undefined), multiple };
}
