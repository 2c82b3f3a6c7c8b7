/** Reading JSON policy documents (identity, trust and bucket policies): their statements, single values as lists. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type PolicyStatement = { [k: string]: Json };

/** A policy field that holds one value or a list of them (Action, Resource, Statement…), as a list. */
export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The statements of a policy document that are objects; none when it does not parse. For readers, not validators. */
export function statementsOf(document: string): PolicyStatement[] {
  let doc: Json;
  try {
    doc = JSON.parse(document) as Json;
  } catch {
    return [];
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return [];
  return asList(doc.Statement).filter((s): s is PolicyStatement => !!s && typeof s === "object" && !Array.isArray(s));
}
