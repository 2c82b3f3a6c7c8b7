/**
 * Policy variables (reference_policies_variables.html): `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`,
 * and the escapes `${*}`, `${?}`, `${$}` for a literal character. Only documents of Version 2012-10-17 substitute
 * them; in older ones the text is literal. A variable whose key has no single value (absent, or multivalued) and no
 * default leaves the whole value unresolved: it then equals and matches nothing.
 */
import type { ContextValue } from "../../core/authz.ts";
import { asText, type Scalar } from "./context.ts";
import type { Chunk } from "./matching.ts";

type Part = Chunk | { variable: string; lowerKey: string; fallback?: string };

export interface Template {
  parts: Part[];
  /** The variables' key names as written, for MissingContextValues. */
  variables: string[];
  /** When the template holds no variable: its chunks, ready. */
  fixed?: Chunk[];
}

const REFERENCE = /\$\{([^}]*)\}/g;
const VARIABLE = /^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$/;

export function parseTemplate(text: string, substitute: boolean): Template {
  if (!substitute || !text.includes("${")) return { parts: [{ text, wild: true }], variables: [], fixed: [{ text, wild: true }] };
  const parts: Part[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const m of text.matchAll(REFERENCE)) {
    const inner = m[1];
    const start = m.index ?? 0;
    let part: Part | undefined;
    if (inner === "*" || inner === "?" || inner === "$") part = { text: inner, wild: false };
    else {
      const v = VARIABLE.exec(inner);
      if (v) {
        part = { variable: v[1], lowerKey: v[1].toLowerCase(), fallback: v[2] };
        variables.push(v[1]);
      }
    }
    if (!part) continue; // not a variable: stays literal policy text
    if (start > last) parts.push({ text: text.slice(last, start), wild: true });
    parts.push(part);
    last = start + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), wild: true });
  const fixed = variables.length === 0 ? (parts as Chunk[]) : undefined;
  return { parts, variables, fixed };
}

/** The value of a variable: a single-valued key's text, else its default, else undefined. */
function variableValue(v: ContextValue | undefined): string | undefined {
  if (v === undefined || Array.isArray(v)) return undefined;
  return asText(v as Scalar);
}

/** The template with its variables replaced by their (literal) values, or undefined when one has no value. */
export function resolveTemplate(t: Template, ctx: { get(lowerKey: string): ContextValue | undefined }): Chunk[] | undefined {
  if (t.fixed) return t.fixed;
  const out: Chunk[] = [];
  for (const p of t.parts) {
    if ("variable" in p) {
      const value = variableValue(ctx.get(p.lowerKey)) ?? p.fallback;
      if (value === undefined) return undefined;
      out.push({ text: value, wild: false });
    } else out.push(p);
  }
  return out;
}

export const chunksText = (chunks: readonly Chunk[]) => (chunks.length === 1 ? chunks[0].text : chunks.map((c) => c.text).join(""));
