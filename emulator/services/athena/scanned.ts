/**
 * DataScannedInBytes as Athena counts it for text tables: the stored size of every object the query reads, and a
 * query reads only the partitions its WHERE allows (partition pruning). The conditions Athena prunes with that are
 * read here: a partition key compared with a literal (=, <>, <, <=, >, >=), IN (…) and BETWEEN; any other condition
 * leaves every partition in, as it would leave them in Athena's scan.
 */
import { type Level, queryLevels } from "./sql/structure.ts";
import { identName, isIdent, isOp, isWord, significant, stringValue, type Token, tokenize } from "./sql/tokens.ts";
import type { TableRef } from "./sql/translate.ts";

type Parts = Record<string, string>;
type Test = (parts: Parts) => boolean;

/** A literal's text (a string, a number, DATE '…'), or undefined. */
function literalAt(ts: Token[], i: number): { value: string; next: number } | undefined {
  const t = ts[i];
  if (!t) return undefined;
  if (t.kind === "string") return { value: stringValue(t), next: i + 1 };
  if (t.kind === "number") return { value: t.text, next: i + 1 };
  if (isWord(t, "date", "timestamp") && ts[i + 1]?.kind === "string") return { value: stringValue(ts[i + 1]), next: i + 2 };
  return undefined;
}

/** Compares partition values as Athena's typed keys compare: numbers as numbers, anything else as text. */
function compare(a: string, b: string, numeric: boolean): number {
  if (numeric) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Top-level conjuncts of a WHERE clause (an AND of BETWEEN … AND … stays in its conjunct). */
function conjuncts(ts: Token[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let start = from;
  let between = false;
  for (let k = from; k < to; k++) {
    const t = ts[k];
    if (isOp(t, "(") || isOp(t, "[")) depth++;
    else if (isOp(t, ")") || isOp(t, "]")) depth--;
    if (depth !== 0) continue;
    if (isWord(t, "or")) return [];
    if (isWord(t, "between")) between = true;
    else if (isWord(t, "and")) {
      if (between) between = false;
      else {
        out.push([start, k]);
        start = k + 1;
      }
    }
  }
  out.push([start, to]);
  return out;
}

/** The test one conjunct puts on a partition key, or undefined when it is not one Athena prunes with. */
function conjunctTest(
  ts: Token[],
  from: number,
  to: number,
  key: (i: number) => { name: string; next: number } | undefined,
  numeric: (k: string) => boolean,
): Test | undefined {
  const k = key(from);
  if (!k) {
    // 'v' = key
    const lit = literalAt(ts, from);
    if (!lit || !isOp(ts[lit.next], "=")) return undefined;
    const right = key(lit.next + 1);
    if (!right || right.next !== to) return undefined;
    return (p) => p[right.name] !== undefined && compare(p[right.name], lit.value, numeric(right.name)) === 0;
  }
  const op = ts[k.next];
  const num = numeric(k.name);
  const has = (p: Parts) => p[k.name] !== undefined;
  if (op && op.kind === "op" && ["=", "<>", "!=", "<", "<=", ">", ">="].includes(op.text)) {
    const lit = literalAt(ts, k.next + 1);
    if (!lit || lit.next !== to) return undefined;
    const c = (p: Parts) => compare(p[k.name], lit.value, num);
    const tests: Record<string, Test> = {
      "=": (p) => has(p) && c(p) === 0,
      "<>": (p) => has(p) && c(p) !== 0,
      "!=": (p) => has(p) && c(p) !== 0,
      "<": (p) => has(p) && c(p) < 0,
      "<=": (p) => has(p) && c(p) <= 0,
      ">": (p) => has(p) && c(p) > 0,
      ">=": (p) => has(p) && c(p) >= 0,
    };
    return tests[op.text];
  }
  if (isWord(op, "in") && isOp(ts[k.next + 1], "(") && isOp(ts[to - 1], ")")) {
    const values: string[] = [];
    for (let i = k.next + 2; i < to - 1; i++) {
      const lit = literalAt(ts, i);
      if (!lit) return undefined;
      values.push(lit.value);
      i = lit.next;
      if (i < to - 1 && !isOp(ts[i], ",")) return undefined;
    }
    return (p) => has(p) && values.some((v) => compare(p[k.name], v, num) === 0);
  }
  if (isWord(op, "between")) {
    const lo = literalAt(ts, k.next + 1);
    if (!lo || !isWord(ts[lo.next], "and")) return undefined;
    const hi = literalAt(ts, lo.next + 1);
    if (!hi || hi.next !== to) return undefined;
    return (p) => has(p) && compare(p[k.name], lo.value, num) >= 0 && compare(p[k.name], hi.value, num) <= 0;
  }
  return undefined;
}

/**
 * Which of the table's partitions the query reads: a test on an object's partition values. `keys` are the
 * table's partition keys with their Hive types.
 */
export function partitionFilter(sql: string, defaultDb: string, ref: TableRef, keys: { name: string; type: string }[]): Test {
  if (!keys.length) return () => true;
  let ts: Token[];
  let levels: Level[];
  try {
    ts = significant(tokenize(sql));
    levels = queryLevels(ts);
  } catch {
    return () => true;
  }
  const names = new Set(keys.map((k) => k.name.toLowerCase()));
  const numeric = (k: string) => /^(tinyint|smallint|int|integer|bigint)$/i.test(keys.find((x) => x.name.toLowerCase() === k)?.type ?? "");
  // Each FROM that names the table reads what its level's WHERE allows; the query reads what any of them reads.
  const reads: Test[] = [];
  for (const level of levels) {
    const rels = level.relations.filter((r) => r.table && r.table.name === ref.name && (r.table.db ?? defaultDb) === ref.db);
    if (!rels.length) continue;
    const where = level.clauses.find((c) => c.kind === "where");
    if (!where) return () => true;
    for (const rel of rels) {
      const alone = level.relations.length === 1;
      const key = (i: number): { name: string; next: number } | undefined => {
        const t = ts[i];
        if (!isIdent(t)) return undefined;
        if (isOp(ts[i + 1], ".") && isIdent(ts[i + 2])) {
          return identName(t) === rel.name && names.has(identName(ts[i + 2])) && !isOp(ts[i + 3], ".")
            ? { name: identName(ts[i + 2]), next: i + 3 }
            : undefined;
        }
        return alone && names.has(identName(t)) && !isOp(ts[i + 1], "(") ? { name: identName(t), next: i + 1 } : undefined;
      };
      const tests = conjuncts(ts, where.start, where.end)
        .map(([a, b]) => conjunctTest(ts, a, b, key, numeric))
        .filter((t): t is Test => !!t);
      reads.push((p) => tests.every((t) => t(p)));
    }
  }
  if (!reads.length) return () => true;
  return (p) => reads.some((r) => r(p));
}
