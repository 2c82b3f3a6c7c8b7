/**
 * The shape of a Trino SELECT over its tokens: each query level (one SELECT … with its FROM, WHERE, GROUP BY,
 * HAVING, ORDER BY …), its output aliases and its FROM relations. Enough to know the order in which Trino analyzes a
 * query (StatementAnalyzer: FROM, WHERE, SELECT, GROUP BY, HAVING, ORDER BY, outer levels around inner ones) and
 * where a name may stand for a SELECT alias: no full parse tree, only what error positions and name resolution need.
 */
import { identName, isIdent, isOp, isWord, type Token } from "./tokens.ts";

export type ClauseKind = "select" | "from" | "where" | "group" | "having" | "window" | "order" | "limit";

/** Trino's analysis order of a query specification's clauses. */
const RANK: Record<ClauseKind, number> = { from: 0, where: 1, select: 2, group: 3, having: 4, window: 5, order: 6, limit: 7 };

export interface Clause {
  kind: ClauseKind;
  /** Token range [start, end) of the clause's body (after its keywords). */
  start: number;
  end: number;
}

export interface Relation {
  /** The name the relation answers to in the query (its alias, else the table's own name), lowercase. */
  name?: string;
  /** A catalog table (db omitted when unqualified): its columns are known from the catalog. */
  table?: { db?: string; name: string };
  /** Column names the relation declares itself (UNNEST(…) AS t(a, b), VALUES … AS t(a, b)). */
  columns?: string[];
}

export interface Level {
  /** The SELECT keyword. */
  start: number;
  /** First token after the level. */
  end: number;
  clauses: Clause[];
  /** SELECT-list aliases, lowercase. */
  aliases: Set<string>;
  relations: Relation[];
}

/** Words that are syntax where an implicit alias would stand (`INTERVAL '1' DAY`, `CASE … END`). */
const NOT_ALIAS = new Set([
  "end",
  "null",
  "true",
  "false",
  "day",
  "days",
  "hour",
  "hours",
  "minute",
  "minutes",
  "second",
  "seconds",
  "month",
  "months",
  "year",
  "years",
  "week",
  "quarter",
  "zone",
  "from",
  "where",
  "group",
  "having",
  "order",
  "limit",
  "window",
  "union",
  "except",
  "intersect",
  "on",
  "using",
  "join",
  "inner",
  "left",
  "right",
  "full",
  "cross",
  "natural",
  "lateral",
  "offset",
  "fetch",
  "tablesample",
  "and",
  "or",
  "not",
  "as",
  "ordinality",
  "asc",
  "desc",
]);

/** Paren/bracket depth of each token: inside a pair, the pair's own parentheses at the depth outside it. */
export function depths(ts: Token[]): number[] {
  const out: number[] = [];
  let d = 0;
  for (const t of ts) {
    if (isOp(t, ")") || isOp(t, "]")) d--;
    out.push(d);
    if (isOp(t, "(") || isOp(t, "[")) d++;
  }
  return out;
}

function clauseAt(ts: Token[], i: number): { kind: ClauseKind; skip: number } | undefined {
  const t = ts[i];
  if (t.kind !== "ident") return undefined;
  const w = t.text.toLowerCase();
  const prev = ts[i - 1];
  switch (w) {
    case "from":
      // IS [NOT] DISTINCT FROM is an operator.
      return isWord(prev, "distinct") ? undefined : { kind: "from", skip: 1 };
    case "where":
      return { kind: "where", skip: 1 };
    case "group":
      return isWord(ts[i + 1], "by") && !isWord(prev, "within") ? { kind: "group", skip: 2 } : undefined;
    case "having":
      return { kind: "having", skip: 1 };
    case "window":
      return { kind: "window", skip: 1 };
    case "order":
      return isWord(ts[i + 1], "by") ? { kind: "order", skip: 2 } : undefined;
    case "limit":
    case "offset":
    case "fetch":
      return { kind: "limit", skip: 1 };
    default:
      return undefined;
  }
}

/** Top-level items of [from, to) split at commas of depth `d`. */
function items(ts: Token[], dep: number[], from: number, to: number, d: number): [number, number][] {
  const out: [number, number][] = [];
  let s = from;
  for (let k = from; k < to; k++) {
    if (dep[k] === d && isOp(ts[k], ",")) {
      out.push([s, k]);
      s = k + 1;
    }
  }
  if (to > s) out.push([s, to]);
  return out;
}

function aliasOf(ts: Token[], from: number, to: number): string | undefined {
  if (to - from < 2) return undefined;
  const last = ts[to - 1];
  const prev = ts[to - 2];
  if (!isIdent(last)) return undefined;
  if (isWord(prev, "as")) return identName(last);
  if (last.kind === "ident" && NOT_ALIAS.has(last.text.toLowerCase())) return undefined;
  if (isOp(prev, ".")) return undefined;
  if (isOp(prev, ")") || isOp(prev, "]") || prev.kind === "string" || prev.kind === "number" || prev.kind === "qident" || prev.kind === "bident") {
    return identName(last);
  }
  if (prev.kind === "ident" && !NOT_ALIAS.has(prev.text.toLowerCase())) return identName(last);
  return undefined;
}

/** One FROM item: `db.t [AS] a`, `(subquery) [AS] a`, `UNNEST(…) [WITH ORDINALITY] [AS] a(c1, c2)`. */
function relationOf(ts: Token[], dep: number[], from: number, to: number): Relation {
  const d = dep[from];
  let k = from;
  const rel: Relation = {};
  if (isIdent(ts[k]) && !isOp(ts[k + 1], "(")) {
    const chain = [identName(ts[k])];
    while (isOp(ts[k + 1], ".") && isIdent(ts[k + 2])) {
      chain.push(identName(ts[k + 2]));
      k += 2;
    }
    const name = chain[chain.length - 1];
    const db = chain.length >= 2 ? chain[chain.length - 2] : undefined;
    rel.table = db === undefined ? { name } : { db, name };
    rel.name = name;
    k++;
  } else {
    // A parenthesized relation or a call (UNNEST): skip to its end.
    if (isIdent(ts[k]) && isOp(ts[k + 1], "(")) k++;
    if (isOp(ts[k], "(")) {
      let j = k + 1;
      while (j < to && !(dep[j] === d && isOp(ts[j], ")"))) j++;
      k = j + 1;
    } else k++;
  }
  if (isWord(ts[k], "with") && isWord(ts[k + 1], "ordinality")) k += 2;
  if (isWord(ts[k], "as")) k++;
  if (k < to && isIdent(ts[k]) && !(ts[k].kind === "ident" && NOT_ALIAS.has(ts[k].text.toLowerCase()))) {
    rel.name = identName(ts[k]);
    if (isOp(ts[k + 1], "(")) {
      const cols: string[] = [];
      for (let j = k + 2; j < to && !(dep[j] === d && isOp(ts[j], ")")); j++) if (isIdent(ts[j])) cols.push(identName(ts[j]));
      rel.columns = cols;
    }
  }
  return rel;
}

/** FROM relations: items split at top-level commas and JOINs (ON/USING conditions left out). */
function relations(ts: Token[], dep: number[], from: number, to: number): Relation[] {
  const d = dep[from] ?? 0;
  const out: Relation[] = [];
  let s = from;
  const flush = (e: number) => {
    // Drop the join condition: ON … / USING (…).
    let end = e;
    for (let k = s; k < e; k++) {
      if (dep[k] === d && isWord(ts[k], "on", "using")) {
        end = k;
        break;
      }
    }
    if (end > s) out.push(relationOf(ts, dep, s, end));
  };
  for (let k = from; k < to; k++) {
    if (dep[k] !== d) continue;
    if (isOp(ts[k], ",") || isWord(ts[k], "join")) {
      // The join kind words before JOIN belong to no relation.
      let e = k;
      while (e > s && isWord(ts[e - 1], "inner", "left", "right", "full", "outer", "cross", "natural")) e--;
      flush(e);
      s = k + 1;
    }
  }
  flush(to);
  return out;
}

/** Every query level of the statement, outermost first. */
export function queryLevels(ts: Token[]): Level[] {
  const dep = depths(ts);
  const levels: Level[] = [];
  for (let s = 0; s < ts.length; s++) {
    if (!isWord(ts[s], "select")) continue;
    const d = dep[s];
    let end = s + 1;
    // A ")" has the depth of what encloses it: the one closing the level's parenthesis is shallower than the level.
    while (end < ts.length && dep[end] >= d && !(dep[end] === d && isWord(ts[end], "union", "except", "intersect"))) end++;
    const marks: { kind: ClauseKind; at: number; body: number }[] = [{ kind: "select", at: s, body: s + 1 }];
    for (let k = s + 1; k < end; k++) {
      if (dep[k] !== d) continue;
      const c = clauseAt(ts, k);
      if (c) marks.push({ kind: c.kind, at: k, body: k + c.skip });
    }
    const clauses: Clause[] = marks.map((m, n) => ({ kind: m.kind, start: m.body, end: n + 1 < marks.length ? marks[n + 1].at : end }));
    const select = clauses[0];
    let listStart = select.start;
    while (isWord(ts[listStart], "distinct", "all")) listStart++;
    const aliases = new Set<string>();
    for (const [a, b] of items(ts, dep, listStart, select.end, d)) {
      const alias = aliasOf(ts, a, b);
      if (alias) aliases.add(alias);
    }
    const from = clauses.find((c) => c.kind === "from");
    levels.push({ start: s, end, clauses, aliases, relations: from ? relations(ts, dep, from.start, from.end) : [] });
  }
  return levels;
}

/** The innermost level holding token i, and the clause of that level it is in. */
export function placeOf(levels: Level[], i: number): { level: Level; clause?: Clause } | undefined {
  let best: Level | undefined;
  for (const l of levels) if (l.start <= i && i < l.end && (!best || l.start > best.start)) best = l;
  if (!best) return undefined;
  return { level: best, clause: best.clauses.find((c) => c.start <= i && i < c.end) ?? best.clauses.find((c) => c.start - 1 <= i && i < c.end) };
}

/**
 * Sorts token indexes in the order Trino's analyzer meets them: by the clause of the outermost level first (a FROM
 * subquery before the outer WHERE, the WHERE before the SELECT list), then inwards, then by position.
 */
export function evaluationOrder(levels: Level[], indexes: number[]): number[] {
  const key = (i: number): number[] => {
    const out: number[] = [];
    for (const l of levels) {
      if (!(l.start <= i && i < l.end)) continue;
      const c = l.clauses.find((x) => x.start <= i && i < x.end);
      out.push(c ? RANK[c.kind] : -1);
    }
    return out;
  };
  const keys = new Map(indexes.map((i) => [i, key(i)]));
  return [...indexes].sort((a, b) => {
    const ka = keys.get(a) as number[];
    const kb = keys.get(b) as number[];
    for (let n = 0; n < Math.min(ka.length, kb.length); n++) if (ka[n] !== kb[n]) return ka[n] - kb[n];
    return a - b;
  });
}

/** Lambda parameter names declared in [from, to): `x -> …`, `(a, b) -> …`. */
export function lambdaParams(ts: Token[], from: number, to: number): Set<string> {
  const out = new Set<string>();
  for (let k = from; k < to; k++) {
    if (!isOp(ts[k], "->")) continue;
    if (isIdent(ts[k - 1])) out.add(identName(ts[k - 1]));
    else if (isOp(ts[k - 1], ")")) {
      for (let j = k - 2; j >= from && !isOp(ts[j], "("); j--) if (isIdent(ts[j])) out.add(identName(ts[j]));
    }
  }
  return out;
}

/** The dotted name starting at token i (`a.b.c`), as tokens. */
export function dottedChain(ts: Token[], i: number): Token[] {
  const chain = [ts[i]];
  let k = i;
  while (isOp(ts[k + 1], ".") && isIdent(ts[k + 2])) {
    chain.push(ts[k + 2]);
    k += 2;
  }
  return chain;
}
