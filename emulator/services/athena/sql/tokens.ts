/** A small SQL tokenizer shared by the Hive DDL parser and the Trino → DuckDB translator; keeps offsets for Athena's line:col. */

export type TokenKind = "ws" | "comment" | "string" | "qident" | "bident" | "ident" | "number" | "op";

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the original statement. */
  pos: number;
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const OPS = ["->", "<>", "!=", "<=", ">=", "||", "::", "=>"];

/** `hive`: Hive DDL string literals, where a backslash escapes the next character (Trino SQL has no such escape). */
export function tokenize(sql: string, hive = false): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i])) i++;
      out.push({ kind: "ws", text: sql.slice(start, i), pos: start });
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < n && sql[i] !== "\n") i++;
      out.push({ kind: "comment", text: sql.slice(start, i), pos: start });
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) throw new SqlSyntaxError("unterminated comment", start);
      i = end + 2;
      out.push({ kind: "comment", text: sql.slice(start, i), pos: start });
    } else if (c === "'" || c === '"' || c === "`") {
      i++;
      for (;;) {
        if (i >= n) throw new SqlSyntaxError(c === "'" ? "unterminated string literal" : "unterminated quoted identifier", start);
        // Hive DDL strings use backslash escapes ('\\[' in RegexSerDe patterns); SQL doubles the quote.
        if (hive && c === "'" && sql[i] === "\\" && i + 1 < n) {
          i += 2;
          continue;
        }
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      out.push({ kind: c === "'" ? "string" : c === '"' ? "qident" : "bident", text: sql.slice(start, i), pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i])) i++;
      out.push({ kind: "ident", text: sql.slice(start, i), pos: start });
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      while (i < n && /[0-9.]/.test(sql[i])) i++;
      if (/[eE]/.test(sql[i] ?? "") && /[-+0-9]/.test(sql[i + 1] ?? "")) {
        i += 2;
        while (i < n && /[0-9]/.test(sql[i])) i++;
      }
      out.push({ kind: "number", text: sql.slice(start, i), pos: start });
    } else {
      const two = sql.slice(i, i + 2);
      if (OPS.includes(two)) i += 2;
      else i++;
      out.push({ kind: "op", text: sql.slice(start, i), pos: start });
    }
  }
  return out;
}

/** The tokens that carry meaning (no whitespace or comments). */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== "ws" && t.kind !== "comment");
}

/** The value of a string literal token; `hive` also resolves Hive's backslash escapes. */
export function stringValue(t: Token, hive = false): string {
  const body = t.text.slice(1, -1);
  if (!hive) return body.replaceAll("''", "'");
  return body.replace(/\\(.)/g, (_m, ch: string) => ({ n: "\n", t: "\t", r: "\r", "0": "\0" })[ch] ?? ch).replaceAll("''", "'");
}

/** An identifier's name as Athena resolves it: unquoted, lowercased. */
export function identName(t: Token): string {
  if (t.kind === "qident") return t.text.slice(1, -1).replaceAll('""', '"').toLowerCase();
  if (t.kind === "bident") return t.text.slice(1, -1).replaceAll("``", "`").toLowerCase();
  return t.text.toLowerCase();
}

export const isIdent = (t: Token | undefined): t is Token => !!t && (t.kind === "ident" || t.kind === "qident" || t.kind === "bident");
export const isWord = (t: Token | undefined, ...words: string[]): boolean => !!t && t.kind === "ident" && words.includes(t.text.toLowerCase());
export const isOp = (t: Token | undefined, op: string): boolean => !!t && t.kind === "op" && t.text === op;

/** 1-based line and column of an offset, as Athena prints them. */
export function lineCol(sql: string, pos: number): string {
  const before = sql.slice(0, Math.max(0, pos));
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  return `line ${line}:${col}`;
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
export const quoteString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
