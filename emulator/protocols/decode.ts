/**
 * Schema-driven decoding of request values into the SDK's input types, with type and required-member checks.
 * Two sources: JSON values (awsJson, restJson bodies) and string trees built from query-protocol form keys.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { requiredMembers } from "./schema.ts";

export class InputError extends Error {
  constructor(
    readonly kind: "type" | "missing" | "validation",
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DecodeOptions {
  /** restJson: members are keyed by their jsonName trait. */
  jsonName?: boolean;
  /** ec2Query: members are keyed by ec2QueryName, else capitalized xmlName/member name; lists are flat. */
  ec2?: boolean;
  /** Members bound to HTTP (labels, headers, query) are not read from the body. */
  skipHttpBound?: boolean;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/**
 * Characters XML 1.0 cannot carry: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates. A value holding one
 * would be stored and later written raw into an XML answer no client can parse, so AWS's own validation refuses it.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The member path as AWS's validation messages spell it: "Tags.1.Key" → "tags.1.member.key". */
const awsPath = (path: string) =>
  path
    .split(".")
    .map((s) => (/^\d+$/.test(s) ? `${s}.member` : s.charAt(0).toLowerCase() + s.slice(1)))
    .join(".");

/** Refuses a string of the request (awsJson, restJson and query bodies) that holds a character XML cannot carry. */
function checkXmlChars(value: string, path: string): void {
  if (!NOT_XML_CHAR.test(value)) return;
  const at = awsPath(path || "input");
  throw new InputError(
    "validation",
    path,
    `1 validation error detected: Value at '${at}' failed to satisfy constraint: Member must not contain control characters`,
  );
}

function parseTimestamp(raw: unknown, path: string): Date {
  let d: Date | undefined;
  if (typeof raw === "number") d = new Date(raw * 1000);
  else if (typeof raw === "string") {
    if (/^-?\d+(\.\d+)?$/.test(raw)) d = new Date(Number(raw) * 1000);
    else d = new Date(raw);
  }
  if (!d || Number.isNaN(d.getTime())) throw new InputError("type", path, `Invalid timestamp for ${path}`);
  return d;
}

function decodeScalar(ns: NormalizedSchema, raw: unknown, path: string, fromString: boolean): unknown {
  if (ns.isTimestampSchema()) return parseTimestamp(raw, path);
  if (ns.isBlobSchema()) {
    if (typeof raw !== "string") throw new InputError("type", path, `Expected base64 string for ${path}`);
    return new Uint8Array(Buffer.from(raw, "base64"));
  }
  if (ns.isBooleanSchema()) {
    if (typeof raw === "boolean") return raw;
    if (fromString && typeof raw === "string" && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
    throw new InputError("type", path, `Invalid value for ${path}: expected a boolean`);
  }
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    if (typeof raw === "number") return raw;
    if (fromString && typeof raw === "string" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
    throw new InputError("type", path, `Invalid value for ${path}: expected a number`);
  }
  if (ns.isDocumentSchema()) return raw;
  if (typeof raw === "string") return raw;
  throw new InputError("type", path, `Invalid value for ${path}: expected a string`);
}

function checkRequired(ns: NormalizedSchema, out: Record<string, unknown>, path: string): void {
  for (const name of requiredMembers(ns)) {
    if (out[name] === undefined) {
      throw new InputError("missing", join(path, name), `The request must contain the parameter ${join(path, name)}`);
    }
  }
}

const isHttpBound = (traits: Record<string, unknown>) =>
  traits.httpLabel !== undefined ||
  traits.httpHeader !== undefined ||
  traits.httpQuery !== undefined ||
  traits.httpPrefixHeaders !== undefined ||
  traits.httpQueryParams !== undefined ||
  traits.httpPayload !== undefined ||
  traits.hostLabel !== undefined;

/** JSON value → input value. */
export function decodeJson(ns: NormalizedSchema, raw: unknown, path = "", opts: DecodeOptions = {}): unknown {
  if (ns.isUnitSchema()) return {};
  if (raw === null || raw === undefined) return undefined;
  if (ns.isStructSchema()) {
    if (typeof raw !== "object" || Array.isArray(raw)) throw new InputError("type", path || "input", `Expected an object for ${path || "the request body"}`);
    const obj = raw as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const traits = member.getMergedTraits();
      if (opts.skipHttpBound && path === "" && isHttpBound(traits)) continue;
      const key = opts.jsonName && typeof traits.jsonName === "string" ? traits.jsonName : name;
      const value = decodeJson(member, obj[key], join(path, name), opts);
      if (value !== undefined) out[name] = value;
    }
    // REST inputs are checked after their HTTP-bound members are merged in.
    if (!(opts.skipHttpBound && path === "")) checkRequired(ns, out, path);
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(raw)) throw new InputError("type", path, `Expected a list for ${path}`);
    const member = ns.getValueSchema();
    return raw.map((v, i) => decodeJson(member, v, join(path, i + 1), opts));
  }
  if (ns.isMapSchema()) {
    if (typeof raw !== "object" || Array.isArray(raw)) throw new InputError("type", path, `Expected a map for ${path}`);
    const value = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      checkXmlChars(k, path);
      setEntry(out, k, decodeJson(value, v, join(path, k), opts));
    }
    return out;
  }
  const scalar = decodeScalar(ns, raw, path, false);
  if (typeof scalar === "string") checkXmlChars(scalar, path);
  return scalar;
}

/** A map entry under any key the caller chose: "__proto__" too, as an own entry rather than the map's prototype. */
function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A node of the tree built from dotted form keys ("Filter.1.Value.2"). */
export type QueryTree = { [key: string]: QueryTree | string };

/**
 * Nodes have no prototype: a key such as "__proto__.x.y" would otherwise walk into Object.prototype and write to it,
 * polluting every object in the process (the next request then failed in the HTTP adapter and the server exited).
 */
const treeNode = (): QueryTree => Object.create(null) as QueryTree;

export function buildQueryTree(fields: Iterable<[string, string]>, skip: Set<string>): QueryTree {
  const root: QueryTree = treeNode();
  for (const [key, value] of fields) {
    if (skip.has(key)) continue;
    const parts = key.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next === "object") node = next;
      else {
        const created: QueryTree = treeNode();
        // A key that is both a value and a prefix ("X=" and "X.1=…"): the nested form wins.
        node[parts[i]] = created;
        node = created;
      }
    }
    const last = parts[parts.length - 1];
    if (typeof node[last] !== "object") node[last] = value;
  }
  return root;
}

function lookup(tree: QueryTree, key: string): QueryTree | string | undefined {
  if (key in tree) return tree[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(tree)) if (k.toLowerCase() === lower) return tree[k];
  return undefined;
}

function queryKey(name: string, traits: Record<string, unknown>, ec2: boolean): string {
  if (ec2) {
    if (typeof traits.ec2QueryName === "string") return traits.ec2QueryName;
    const base = typeof traits.xmlName === "string" ? traits.xmlName : name;
    return base[0].toUpperCase() + base.slice(1);
  }
  return typeof traits.xmlName === "string" ? traits.xmlName : name;
}

const numericEntries = (node: QueryTree) =>
  Object.entries(node)
    .filter(([k]) => /^\d+$/.test(k))
    .sort(([a], [b]) => Number(a) - Number(b));

/** Items of a query-protocol list or map: "P.N…" (flat/EC2) or "P.member.N…"/"P.entry.N…" (wrapped). */
function indexedItems(node: QueryTree): [string, QueryTree | string][] {
  const direct = numericEntries(node);
  if (direct.length > 0) return direct;
  for (const child of Object.values(node)) {
    if (typeof child === "object") {
      const nested = numericEntries(child);
      if (nested.length > 0) return nested;
    }
  }
  return [];
}

/** Query string tree → input value. */
export function decodeQuery(ns: NormalizedSchema, node: QueryTree | string | undefined, path = "", opts: DecodeOptions = {}): unknown {
  // Operations without input ("unit") ignore whatever fields came along, as AWS does.
  if (ns.isUnitSchema()) return {};
  if (node === undefined) return undefined;
  if (ns.isStructSchema()) {
    if (typeof node !== "object") throw new InputError("type", path, `Invalid value for ${path}: expected a structure`);
    const out: Record<string, unknown> = {};
    // Most members are absent: only those present are decoded (and get a path).
    const empty = Object.keys(node).length === 0;
    for (const [name, member] of empty ? [] : ns.structIterator()) {
      const key = queryKey(name, member.getMergedTraits(), !!opts.ec2);
      const found = lookup(node, key) ?? (key !== name ? lookup(node, name) : undefined);
      if (found === undefined) continue;
      const value = decodeQuery(member, found, join(path, name), opts);
      if (value !== undefined) out[name] = value;
    }
    checkRequired(ns, out, path);
    return out;
  }
  if (ns.isListSchema()) {
    if (typeof node === "string") {
      if (node === "") return [];
      // A single value given without an index ("InstanceId=i-1") is read as a one-item list.
      return [decodeQuery(ns.getValueSchema(), node, join(path, 1), opts)];
    }
    const member = ns.getValueSchema();
    return indexedItems(node).map(([i, v]) => decodeQuery(member, v, join(path, i), opts));
  }
  if (ns.isMapSchema()) {
    if (typeof node === "string") {
      if (node === "") return {};
      throw new InputError("type", path, `Invalid value for ${path}: expected a map`);
    }
    const keySchema = ns.getKeySchema();
    const valueSchema = ns.getValueSchema();
    const kName = queryKey("key", keySchema.getMergedTraits(), false);
    const vName = queryKey("value", valueSchema.getMergedTraits(), false);
    const out: Record<string, unknown> = {};
    for (const [i, entry] of indexedItems(node)) {
      if (typeof entry !== "object") continue;
      const k = lookup(entry, kName);
      if (typeof k !== "string") throw new InputError("missing", join(path, i), `Map entry ${join(path, i)} has no key`);
      checkXmlChars(k, path);
      setEntry(out, k, decodeQuery(valueSchema, lookup(entry, vName), join(path, k), opts));
    }
    return out;
  }
  if (typeof node !== "string") throw new InputError("type", path, `Invalid value for ${path}: expected a single value`);
  const scalar = decodeScalar(ns, node, path, true);
  if (typeof scalar === "string") checkXmlChars(scalar, path);
  return scalar;
}

/** Scalars bound to headers, query strings and URI labels arrive as strings. */
export function decodeString(ns: NormalizedSchema, raw: string, path: string): unknown {
  if (ns.isTimestampSchema()) {
    const d = /^-?\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
    if (Number.isNaN(d.getTime())) throw new InputError("type", path, `Invalid timestamp for ${path}`);
    return d;
  }
  return decodeScalar(ns, raw, path, true);
}

export { checkRequired };
