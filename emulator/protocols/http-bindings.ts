/**
 * REST protocols: operations are found by their `http` trait (method + URI template + required query keys),
 * and input/output members are bound to URI labels, query strings, headers and the payload by their traits.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import type { SchemaModule } from "../core/service.ts";
import { decodeString, InputError } from "./decode.ts";
import { operationsOf, requiredMembers } from "./schema.ts";
import type { WireRequest } from "./wire.ts";

interface Segment {
  literal?: string;
  label?: string;
  greedy?: boolean;
}

interface Route {
  operation: string;
  method: string;
  segments: Segment[];
  /** Query keys the template requires, with a value where it names one. */
  query: [string, string | undefined][];
  /** Headers bound to required input members (CopyObject's x-amz-copy-source tells it from PutObject). */
  headers: string[];
  score: number;
}

const routeCache = new WeakMap<SchemaModule, Route[]>();

function requiredHeaders(input: NormalizedSchema): string[] {
  const required = requiredMembers(input);
  const out: string[] = [];
  for (const [name, member] of input.structIterator()) {
    const h = member.getMergedTraits().httpHeader;
    if (required.has(name) && typeof h === "string") out.push(h.toLowerCase());
  }
  return out;
}

/** Query keys bound to required input members (S3's UploadPart needs uploadId and partNumber where PutObject does not). */
function requiredQuery(input: NormalizedSchema): [string, undefined][] {
  const required = requiredMembers(input);
  const out: [string, undefined][] = [];
  for (const [name, member] of input.structIterator()) {
    const q = member.getMergedTraits().httpQuery;
    if (required.has(name) && typeof q === "string") out.push([q, undefined]);
  }
  return out;
}

function parseTemplate(operation: string, method: string, uri: string, headers: string[], requiredQ: [string, undefined][] = []): Route {
  const [path, qs = ""] = uri.split("?");
  const segments: Segment[] = path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      const m = /^\{([^}+]+)(\+?)\}$/.exec(s);
      return m ? { label: m[1], greedy: m[2] === "+" } : { literal: decodeURIComponent(s) };
    });
  const query: [string, string | undefined][] = qs
    .split("&")
    .filter((p) => p !== "" && !p.startsWith("x-id="))
    .map((p) => {
      const i = p.indexOf("=");
      return i < 0 ? [p, undefined] : [p.slice(0, i), p.slice(i + 1)];
    });
  for (const q of requiredQ) if (!query.some(([k]) => k === q[0])) query.push(q);
  const literals = segments.filter((s) => s.literal !== undefined).length;
  const greedy = segments.some((s) => s.greedy) ? 1 : 0;
  return { operation, method, segments, query, headers, score: literals * 100 + (query.length + headers.length) * 10 + segments.length - greedy * 5 };
}

export function routesOf(mod: SchemaModule): Route[] {
  let routes = routeCache.get(mod);
  if (routes) return routes;
  routes = [];
  for (const op of operationsOf(mod).values()) {
    const http = op.traits.http as [string, string, number] | undefined;
    if (Array.isArray(http)) routes.push(parseTemplate(op.name, http[0], http[1], requiredHeaders(op.input), requiredQuery(op.input)));
  }
  routes.sort((a, b) => b.score - a.score);
  routeCache.set(mod, routes);
  return routes;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s];
    if (seg.greedy) {
      const rest = parts.slice(i, parts.length - (segments.length - s - 1));
      if (rest.length === 0) return undefined;
      labels[seg.label as string] = rest.join("/");
      i += rest.length;
      continue;
    }
    if (i >= parts.length) return undefined;
    if (seg.literal !== undefined) {
      if (seg.literal !== parts[i]) return undefined;
    } else labels[seg.label as string] = parts[i];
    i++;
  }
  return i === parts.length ? labels : undefined;
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Finds the operation for a REST request; `path` is the raw path with any S3 bucket already removed. */
export function matchRoute(
  mod: SchemaModule,
  method: string,
  rawPath: string,
  query: [string, string][],
  headers: Record<string, string>,
  accept: (operation: string) => boolean = () => true,
): { operation: string; labels: Record<string, string> } | undefined {
  // Split before decoding so an encoded "/" inside a label stays inside it; keep empty trailing parts of keys.
  const trimmed = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  const parts = trimmed === "" ? [] : trimmed.split("/").map(safeDecode);
  const keys = new Map(query);
  for (const route of routesOf(mod)) {
    if (route.method !== method && !(method === "HEAD" && route.method === "HEAD")) continue;
    if (!route.query.every(([k, v]) => keys.has(k) && (v === undefined || keys.get(k) === v))) continue;
    if (!route.headers.every((h) => headers[h] !== undefined)) continue;
    const labels = matchSegments(route.segments, parts);
    if (labels && accept(route.operation)) return { operation: route.operation, labels };
  }
  return undefined;
}

/** Input members bound to labels, query and headers; the payload is left to the protocol. */
export function bindHttpInput(input: NormalizedSchema, req: WireRequest, labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const queryMultimap = new Map<string, string[]>();
  for (const [k, v] of req.query) {
    const list = queryMultimap.get(k);
    if (list) list.push(v);
    else queryMultimap.set(k, [v]);
  }
  for (const [name, member] of input.structIterator()) {
    const t = member.getMergedTraits();
    if (t.httpLabel !== undefined && labels[name] !== undefined) {
      out[name] = decodeString(member, labels[name], name);
    } else if (typeof t.httpQuery === "string") {
      const values = queryMultimap.get(t.httpQuery);
      if (!values) continue;
      out[name] = member.isListSchema()
        ? values.map((v, i) => decodeString(member.getValueSchema(), v, `${name}.${i + 1}`))
        : decodeString(member, values[0], name);
    } else if (typeof t.httpHeader === "string") {
      const raw = req.headers[t.httpHeader.toLowerCase()];
      if (raw === undefined) continue;
      out[name] = member.isListSchema()
        ? raw.split(",").map((v, i) => decodeString(member.getValueSchema(), v.trim(), `${name}.${i + 1}`))
        : decodeHeaderValue(member, raw, name);
    } else if (typeof t.httpPrefixHeaders === "string") {
      const prefix = t.httpPrefixHeaders.toLowerCase();
      const map: Record<string, string> = {};
      for (const [h, v] of Object.entries(req.headers)) if (h.startsWith(prefix)) map[h.slice(prefix.length)] = v;
      if (Object.keys(map).length > 0) out[name] = map;
    } else if (t.httpQueryParams) {
      const map: Record<string, string> = {};
      for (const [k, v] of req.query) if (!(k in map)) map[k] = v;
      out[name] = map;
    }
  }
  return out;
}

function decodeHeaderValue(member: NormalizedSchema, raw: string, path: string): unknown {
  if (member.isTimestampSchema()) {
    const d = new Date(raw);
    if (Number.isNaN(d.getTime())) throw new InputError("type", path, `Invalid date in header for ${path}`);
    return d;
  }
  return decodeString(member, raw, path);
}

export interface BoundOutput {
  status?: number;
  headers: Record<string, string>;
  /** The member bound to the payload, if the output has one. */
  payloadMember?: [string, NormalizedSchema];
  /** Output members that go into the serialized body. */
  body: Record<string, unknown>;
}

function headerString(member: NormalizedSchema, value: unknown): string {
  if (value instanceof Date) return value.toUTCString();
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (member.getMergedTraits().mediaType && typeof value === "string") return Buffer.from(value).toString("base64");
  return String(value);
}

export function bindHttpOutput(output: NormalizedSchema, value: Record<string, unknown>): BoundOutput {
  const result: BoundOutput = { headers: {}, body: {} };
  if (!output.isStructSchema()) return result;
  for (const [name, member] of output.structIterator()) {
    const t = member.getMergedTraits();
    const v = value[name];
    if (t.httpPayload) {
      result.payloadMember = [name, member];
      continue;
    }
    if (v === undefined || v === null) continue;
    if (typeof t.httpHeader === "string") result.headers[t.httpHeader.toLowerCase()] = headerString(member, v);
    else if (typeof t.httpPrefixHeaders === "string") {
      for (const [k, hv] of Object.entries(v as Record<string, string>)) result.headers[`${t.httpPrefixHeaders.toLowerCase()}${k}`] = String(hv);
    } else if (t.httpResponseCode) result.status = Number(v);
    else result.body[name] = v;
  }
  return result;
}
