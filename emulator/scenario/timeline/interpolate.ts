/**
 * ${…} references in a timeline's strings: ${account}, ${region}, ${ip.NAME}, ${vars.NAME}, and the saved output of an
 * earlier call, ${save.Path.0.Field}. A string that is exactly one reference takes the referenced value as it is (a
 * list stays a list); otherwise references are written into the text. $${…} is a literal ${…} (an IAM policy
 * variable such as $${aws:username}).
 */

export interface Scope {
  account: string;
  region: string;
  ips: Record<string, string>;
  vars: Record<string, string>;
  saved: Record<string, unknown>;
}

/** A reference, or (with the second $) an escaped literal. */
const REF = /\$(\$?)\{([^}]+)\}/g;

export class ReferenceError_ extends Error {}

function lookup(path: string, scope: Scope): unknown {
  const parts = path.trim().split(".");
  const [head, ...rest] = parts;
  let cur: unknown;
  if (head === "account" && rest.length === 0) return scope.account;
  if (head === "region" && rest.length === 0) return scope.region;
  if (head === "ip") cur = scope.ips;
  else if (head === "vars") cur = scope.vars;
  else if (Object.hasOwn(scope.saved, head)) cur = scope.saved[head];
  else throw new ReferenceError_(`\${${path}}: nothing named "${head}" (saved outputs so far: ${Object.keys(scope.saved).join(", ") || "none"})`);
  const walk = head === "ip" || head === "vars" ? rest : rest;
  for (const p of walk) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur as object, p)) {
      throw new ReferenceError_(`\${${path}}: no "${p}" there`);
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur instanceof Date) return cur.toISOString();
  return cur;
}

export function interpolate<T>(value: T, scope: Scope): T {
  if (typeof value === "string") {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole) return lookup(whole[1], scope) as T;
    return value.replace(REF, (_, escaped: string, p: string) => {
      if (escaped) return `\${${p}}`;
      const v = lookup(p, scope);
      if (v !== null && typeof v === "object") throw new ReferenceError_(`\${${p}} is not text (use it as the whole value)`);
      return String(v);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, scope)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, scope);
    return out as T;
  }
  return value;
}

/** The names a value refers to (for `scenario check`: a reference to a save that comes later is an error). */
export function referencesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(REF)) if (!m[1]) out.add(m[2].trim().split(".")[0]);
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) referencesIn(v, out);
  }
  return out;
}
