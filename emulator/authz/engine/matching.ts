/**
 * Wildcard matching as IAM does it: `*` any run of characters, `?` one character, everything else literal.
 * Actions match case-insensitively; resources and ARN condition values match per ARN segment
 * (reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards).
 *
 * A greedy matcher with one backtracking point, not regular expressions: a pattern such as `*a*a*a*a*a*a*b`
 * makes a backtracking regex run for minutes on a long ARN, and students write the policies.
 */

/** A piece of a pattern: policy text (whose `*` and `?` are wildcards) or literal text (a variable's value, `${*}`). */
export interface Chunk {
  text: string;
  wild: boolean;
}

/** A compiled pattern: its text and which of its characters are wildcards. */
export interface Pattern {
  text: string;
  /** Index → the character there is an active `*` or `?`; undefined when the pattern has no wildcard at all. */
  wildAt?: Uint8Array;
}

/** How `*` and `?` expand: anywhere (StringLike, actions), or within one ARN segment (Resource, ArnLike). */
export type WildcardMode = "plain" | "arn";

const STAR = 42; // "*"
const QUESTION = 63; // "?"
const COLON = 58; // ":"

export const hasWildcard = (s: string) => s.includes("*") || s.includes("?");

export function compilePattern(chunks: readonly Chunk[], lowerCase = false): Pattern {
  const text = chunks.length === 1 ? chunks[0].text : chunks.map((c) => c.text).join("");
  const folded = lowerCase ? text.toLowerCase() : text;
  if (!chunks.some((c) => c.wild && hasWildcard(c.text))) return { text: folded };
  const wildAt = new Uint8Array(text.length);
  let at = 0;
  for (const c of chunks) {
    if (c.wild) for (let i = 0; i < c.text.length; i++) if (c.text.charCodeAt(i) === STAR || c.text.charCodeAt(i) === QUESTION) wildAt[at + i] = 1;
    at += c.text.length;
  }
  return { text: folded, wildAt };
}

/** Whether pattern[ps, pe) matches value[vs, ve): the classic greedy glob, O(n·m) at worst. */
function glob(p: Pattern, ps: number, pe: number, v: string, vs: number, ve: number): boolean {
  const { text, wildAt } = p;
  let pi = ps;
  let vi = vs;
  let starP = -1;
  let starV = -1;
  while (vi < ve) {
    if (pi < pe && wildAt?.[pi] && text.charCodeAt(pi) === STAR) {
      starP = pi++;
      starV = vi;
    } else if (pi < pe && ((wildAt?.[pi] && text.charCodeAt(pi) === QUESTION) || text.charCodeAt(pi) === v.charCodeAt(vi))) {
      pi++;
      vi++;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else return false;
  }
  while (pi < pe && wildAt?.[pi] && text.charCodeAt(pi) === STAR) pi++;
  return pi === pe;
}

/** The bounds of an ARN's segments: its first five colons split it; the sixth segment (the resource) keeps the rest. */
function segments(s: string): number[] {
  const bounds = [0];
  for (let i = 0; i < s.length && bounds.length < 6; i++) if (s.charCodeAt(i) === COLON) bounds.push(i + 1);
  return bounds;
}

/**
 * Segment by segment: each of the first five matches on its own, so a wildcard there never crosses a colon; a `*`
 * ending a pattern of fewer than six segments "can expand to match beyond the colon boundaries" ("arn:aws:iam::*").
 */
function arnMatch(p: Pattern, v: string): boolean {
  const ps = segments(p.text);
  const vs = segments(v);
  const k = ps.length;
  const last = p.text.length - 1;
  const trailingStar = k < 6 && last >= 0 && !!p.wildAt?.[last] && p.text.charCodeAt(last) === STAR;
  if (trailingStar ? vs.length < k : vs.length !== k) return false;
  for (let i = 0; i < k; i++) {
    const pEnd = i + 1 < k ? ps[i + 1] - 1 : p.text.length;
    // The last segment runs to the value's end: the sixth holds the resource's colons, a trailing star the rest.
    const vEnd = i + 1 < k ? vs[i + 1] - 1 : v.length;
    if (!glob(p, ps[i], pEnd, v, vs[i], vEnd)) return false;
  }
  return true;
}

/** Whether a compiled pattern matches a value (lowercase the value first for a lowercased pattern). */
export function patternMatches(p: Pattern, value: string, mode: WildcardMode): boolean {
  if (!p.wildAt) return p.text === value;
  return mode === "arn" ? arnMatch(p, value) : glob(p, 0, p.text.length, value, 0, value.length);
}

/** Matches one policy text (all of it wildcard-active) against a value. */
export function wildcardMatch(pattern: string, value: string, mode: WildcardMode, ignoreCase = false): boolean {
  const p = compilePattern([{ text: pattern, wild: true }], ignoreCase);
  return patternMatches(p, ignoreCase ? value.toLowerCase() : value, mode);
}

/** An Action / NotAction list, compiled: exact names in a set, wildcard patterns apart. */
export interface ActionMatcher {
  all: boolean;
  exact: Set<string>;
  patterns: Pattern[];
  /**
   * Actions already tried against the patterns, and whether they matched: a document is compiled once and asked
   * about the same few actions over and over (SecurityAudit has 108 patterns, scanned on every call otherwise).
   */
  seen: Map<string, boolean>;
}

/** At most this many remembered actions per matcher (a few hundred actions exist per service). */
const SEEN_LIMIT = 2048;

export function compileActions(list: readonly string[]): ActionMatcher {
  const m: ActionMatcher = { all: false, exact: new Set(), patterns: [], seen: new Map() };
  for (const a of list) {
    if (a === "*") m.all = true;
    else if (hasWildcard(a)) m.patterns.push(compilePattern([{ text: a, wild: true }], true));
    else m.exact.add(a.toLowerCase());
  }
  return m;
}

/** `action` is given lowercased by the caller (once per request). */
export function actionMatches(m: ActionMatcher, action: string): boolean {
  if (m.all || m.exact.has(action)) return true;
  if (!m.patterns.length) return false;
  const known = m.seen.get(action);
  if (known !== undefined) return known;
  let found = false;
  for (const p of m.patterns)
    if (patternMatches(p, action, "plain")) {
      found = true;
      break;
    }
  if (m.seen.size >= SEEN_LIMIT) m.seen.clear();
  m.seen.set(action, found);
  return found;
}
