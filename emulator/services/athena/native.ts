/**
 * CloudTrail and JSON tables read by DuckDB straight from their files, with the same values the JavaScript
 * serdes (serde.ts) produce. DuckDB matches JSON keys exactly while Hive's serdes ignore case, so each
 * column's key is spelled as a sample of the data spells it (else as CloudTrail spells it, else as the DDL
 * does); a sample that spells one field two ways leaves the table to the JavaScript reader. Strings are read
 * as DuckDB reads them; other primitives are read as JSON and converted by SQL that mirrors `coerce`.
 */
import { gunzipSync } from "node:zlib";
import { serdeKind } from "./serde.ts";
import { duckType, type HiveType, parseHiveType } from "./sql/hivetypes.ts";
import { quoteIdent, quoteString } from "./sql/tokens.ts";
import type { TableDef } from "./state.ts";

export type NativeKind = "cloudtrail" | "json";

/** A table object's file in the engine's private directory. */
export interface NativeFile {
  path: string;
  /** Its decompressed size, or a bound that is good enough for DuckDB's object size limit. */
  rawSize: number;
}

const STRINGS = new Set(["string", "varchar", "char"]);
const INTS = new Set(["int", "integer", "bigint", "smallint", "tinyint"]);
const FLOATS = new Set(["double", "float", "real"]);

function supported(t: HiveType): boolean {
  switch (t.kind) {
    case "array":
      return supported(t.elem);
    case "map":
      return t.key.kind === "prim" && STRINGS.has(t.key.name) && supported(t.value);
    case "struct":
      return t.fields.every((f) => supported(f.type));
    default:
      return STRINGS.has(t.name) || INTS.has(t.name) || FLOATS.has(t.name) || t.name === "boolean";
  }
}

/** The serde DuckDB can read for this table, or undefined when the JavaScript reader must. */
export function nativeKind(t: TableDef): NativeKind | undefined {
  const kind = serdeKind(t);
  if (kind !== "cloudtrail" && kind !== "json") return undefined;
  if (kind === "json" && (t.serdeProperties["ignore.malformed.json"] ?? "").toLowerCase() === "true") return undefined;
  const names = new Set([...t.columns, ...t.partitionKeys].map((c) => c.name));
  if (names.size !== t.columns.length + t.partitionKeys.length || names.has("$path")) return undefined;
  try {
    return t.columns.every((c) => supported(parseHiveType(c.type))) ? kind : undefined;
  } catch {
    return undefined;
  }
}

/** A column or field as DuckDB reads it: the DDL's name, the key the data spells, and its children. */
interface Spelled {
  name: string;
  key: string;
  type: HiveType;
  fields?: Spelled[];
  elem?: Spelled;
  value?: Spelled;
}

/** Keys of CloudTrail's record schema by lowercase name, for fields a sample happens not to contain. */
const CLOUDTRAIL_KEYS = new Map(
  [
    "eventVersion userIdentity eventTime eventSource eventName awsRegion sourceIPAddress userAgent errorCode errorMessage",
    "requestParameters responseElements additionalEventData requestID eventID readOnly resources eventType apiVersion",
    "managementEvent recipientAccountId serviceEventDetails sharedEventID vpcEndpointId vpcEndpointAccountId eventCategory",
    "addendum reason updatedFields originalRequestID originalEventID sessionCredentialFromConsole edgeDeviceDetails",
    "tlsDetails tlsVersion cipherSuite clientProvidedHostHeader insightDetails type principalId arn accountId accessKeyId",
    "userName invokedBy sessionContext attributes creationDate mfaAuthenticated sessionIssuer webIdFederationData",
    "federatedProvider sourceIdentity ec2RoleDelivery ec2Issuer assumedRoot identityProvider credentialId onBehalfOf",
    "userId identityStoreArn inScopeOf sourceArn sourceAccount issuerType credentialsIssuedTo",
  ]
    .join(" ")
    .split(" ")
    .map((k) => [k.toLowerCase(), k]),
);

export class Ambiguous extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * One struct level: each field's key as the objects spell it, found in one pass over their keys (a serde
 * mapping names the key; its spelling in the data may still differ in case, as the JavaScript reader allows).
 */
function spellFields(fields: { name: string; type: HiveType; fixed?: string }[], values: unknown[], kind: NativeKind, path: string): Spelled[] {
  const wanted = new Set(fields.map((f) => (f.fixed ?? f.name).toLowerCase()));
  // lowercase key → spelling → the values under it
  const seen = new Map<string, Map<string, unknown[]>>();
  for (const v of values) {
    if (!isObject(v)) continue;
    for (const k of Object.keys(v)) {
      const lower = k.toLowerCase();
      if (!wanted.has(lower)) continue;
      const bySpelling = seen.get(lower) ?? new Map<string, unknown[]>();
      seen.set(lower, bySpelling);
      const vals = bySpelling.get(k) ?? [];
      bySpelling.set(k, vals);
      vals.push(v[k]);
    }
  }
  return fields.map((f) => {
    const at = `${path}${path ? "." : ""}${f.name}`;
    const bySpelling = seen.get((f.fixed ?? f.name).toLowerCase());
    const spellings = [...(bySpelling?.keys() ?? [])];
    if (spellings.length > 1) throw new Ambiguous(`${at}: ${spellings.join(", ")}`);
    const key = spellings[0] ?? f.fixed ?? (kind === "cloudtrail" ? (at === "resources[].arn" ? "ARN" : (CLOUDTRAIL_KEYS.get(f.name) ?? f.name)) : f.name);
    return { name: f.name, key, type: f.type, ...children(f.type, bySpelling?.get(key) ?? [], kind, at) };
  });
}

function children(type: HiveType, values: unknown[], kind: NativeKind, path: string): Pick<Spelled, "fields" | "elem" | "value"> {
  if (type.kind === "struct") return { fields: spellFields(type.fields, values, kind, path) };
  if (type.kind === "array") {
    const elems = values.flatMap((v) => (Array.isArray(v) ? v : []));
    return { elem: { name: "", key: "", type: type.elem, ...children(type.elem, elems, kind, `${path}[]`) } };
  }
  if (type.kind === "map") {
    const vals = values.flatMap((v) => (isObject(v) ? Object.values(v) : []));
    return { value: { name: "", key: "", type: type.value, ...children(type.value, vals, kind, `${path}{}`) } };
  }
  return {};
}

/** The table's columns spelled as the sample records spell their keys; throws Ambiguous when they disagree. */
export function spellColumns(t: TableDef, kind: NativeKind, sample: unknown[]): Spelled[] {
  const mapping: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.serdeProperties)) if (k.toLowerCase().startsWith("mapping.")) mapping[k.slice(8).toLowerCase()] = v;
  const cols = t.columns.map((c) => ({ name: c.name, type: parseHiveType(c.type), fixed: kind === "json" ? mapping[c.name] : undefined }));
  return spellFields(cols, sample, kind, "");
}

/** Records of a sample body, as the JavaScript serde would see them (throws on what it would reject). */
export function sampleRecords(kind: NativeKind, body: Buffer): unknown[] {
  const text = (body.length > 2 && body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
  if (kind === "cloudtrail") {
    if (!text.trim()) return [];
    const doc = JSON.parse(text) as unknown;
    return Array.isArray(doc) ? doc : ((doc as { Records?: unknown[] } | null)?.Records ?? []);
  }
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) if (line.trim()) out.push(JSON.parse(line));
  return out;
}

const isString = (t: HiveType) => t.kind === "prim" && STRINGS.has(t.name);

/** The type DuckDB reads a field as: the data's keys, strings as VARCHAR, other primitives as JSON. */
function readType(s: Spelled): string {
  switch (s.type.kind) {
    case "array":
      return `${readType(s.elem as Spelled)}[]`;
    case "map":
      return `MAP(VARCHAR, ${readType(s.value as Spelled)})`;
    case "struct":
      return `STRUCT(${(s.fields as Spelled[]).map((f) => `${quoteIdent(f.key)} ${readType(f)}`).join(", ")})`;
    default:
      return isString(s.type) ? "VARCHAR" : "JSON";
  }
}

/** True when the value read needs more than a rename to become the DDL's type. */
function converts(s: Spelled): boolean {
  if (s.type.kind === "prim") return !isString(s.type);
  if (s.type.kind === "struct") return (s.fields as Spelled[]).some(converts);
  return converts((s.type.kind === "array" ? s.elem : s.value) as Spelled);
}

function renames(s: Spelled): boolean {
  if (s.type.kind === "struct") return (s.fields as Spelled[]).some((f) => f.key !== f.name || renames(f));
  if (s.type.kind === "array") return renames(s.elem as Spelled);
  if (s.type.kind === "map") return renames(s.value as Spelled);
  return false;
}

/**
 * coerce's rules for JSON values (macros the engine defines once): integers from numbers (truncated) or digit
 * strings, doubles from numbers or numeric strings (finite only), booleans from booleans or "true"/"false".
 */
export const NATIVE_MACROS = [
  "CREATE MACRO __trimmed(x) AS regexp_replace(x ->> '$', '^\\s+|\\s+$', '', 'g')",
  "CREATE MACRO __coerce_int(x) AS CASE json_type(x) WHEN 'BIGINT' THEN TRY_CAST(x AS HUGEINT) WHEN 'UBIGINT' THEN TRY_CAST(x AS HUGEINT) " +
    "WHEN 'DOUBLE' THEN TRY_CAST(trunc(CAST(x AS DOUBLE)) AS HUGEINT) " +
    "WHEN 'VARCHAR' THEN CASE WHEN regexp_full_match(x ->> '$', '\\s*[-+]?\\d+\\s*') THEN TRY_CAST(__trimmed(x) AS HUGEINT) END END",
  "CREATE MACRO __coerce_double_any(x) AS CASE json_type(x) WHEN 'BIGINT' THEN CAST(x AS DOUBLE) WHEN 'UBIGINT' THEN CAST(x AS DOUBLE) " +
    "WHEN 'DOUBLE' THEN CAST(x AS DOUBLE) WHEN 'VARCHAR' THEN TRY_CAST(__trimmed(x) AS DOUBLE) END",
  "CREATE MACRO __coerce_double(x) AS CASE WHEN isfinite(__coerce_double_any(x)) THEN __coerce_double_any(x) END",
  "CREATE MACRO __coerce_bool(x) AS CASE json_type(x) WHEN 'BOOLEAN' THEN CAST(x AS BOOLEAN) " +
    "WHEN 'VARCHAR' THEN CASE lower(x ->> '$') WHEN 'true' THEN true WHEN 'false' THEN false END END",
];

/** SQL turning the value read (expression x) into the DDL's type with coerce's rules. */
function convert(x: string, s: Spelled, depth: number): string {
  const t = s.type;
  if (!converts(s)) return renames(s) ? `CAST(${x} AS ${duckType(t)})` : x;
  switch (t.kind) {
    case "array": {
      const e = `__e${depth}`;
      return `list_transform(${x}, ${e} -> ${convert(e, s.elem as Spelled, depth + 1)})`;
    }
    case "map": {
      const e = `__e${depth}`;
      return `map_from_entries(list_transform(map_entries(${x}), ${e} -> {'key': ${e}.key, 'value': ${convert(`${e}.value`, s.value as Spelled, depth + 1)}}))`;
    }
    case "struct": {
      const fields = (s.fields as Spelled[]).map((f) => `${quoteIdent(f.name)} := ${convert(`${x}.${quoteIdent(f.key)}`, f, depth)}`);
      return `CASE WHEN ${x} IS NULL THEN NULL ELSE struct_pack(${fields.join(", ")}) END`;
    }
  }
  const macro = INTS.has(t.name) ? "__coerce_int" : FLOATS.has(t.name) ? "__coerce_double" : "__coerce_bool";
  return `TRY_CAST(${macro}(${x}) AS ${duckType(t)})`;
}

/** DuckDB's JSON reader refuses objects over maximum_object_size; its buffers are that size per thread. */
const MIN_OBJECT = 16 * 2 ** 20;
export const MAX_OBJECT = 256 * 2 ** 20;

export interface NativePlan {
  kind: NativeKind;
  columns: Spelled[];
}

/**
 * SELECT of the table's columns (DDL names and types) over the files; with `fileColumn`, also the file each
 * row came from as that column. Undefined when a file is too large for DuckDB's reader.
 */
export function nativeSelect(plan: NativePlan, files: NativeFile[], fileColumn?: string): string | undefined {
  if (!files.length) return emptySelect(plan, fileColumn);
  const record = `STRUCT(${plan.columns.map((c) => `${quoteIdent(c.key)} ${readType(c)}`).join(", ")})`;
  const cols = plan.columns.map((c) => `${convert(`__r.${quoteIdent(c.key)}`, c, 0)} AS ${quoteIdent(c.name)}`);
  if (fileColumn) cols.push(`filename AS ${quoteIdent(fileColumn)}`);
  const list = `[${files.map((f) => quoteString(f.path)).join(", ")}]`;
  const biggest = Math.max(0, ...files.map((f) => f.rawSize));
  if (plan.kind === "cloudtrail" && biggest >= MAX_OBJECT) return undefined;
  const size = plan.kind === "json" ? MIN_OBJECT : Math.max(MIN_OBJECT, 2 ** Math.ceil(Math.log2(biggest + 1)));
  const opts = `maximum_object_size=${size}${fileColumn ? ", filename=true" : ""}`;
  if (plan.kind === "json") {
    return `SELECT ${cols.join(", ")} FROM read_json(${list}, format='newline_delimited', records=false, columns={__r: ${quoteString(record)}}, ${opts})`;
  }
  // A delivery file is one {"Records":[…]} document; a bare JSON array reads as the list itself (a table
  // mixing both fails to read and goes to the JavaScript reader). Null records are dropped, as there.
  const inner = `SELECT unnest(Records) AS __r${fileColumn ? ", filename" : ""} FROM read_json(${list}, format='unstructured', columns={Records: ${quoteString(`${record}[]`)}}, ${opts})`;
  return `SELECT ${cols.join(", ")} FROM (${inner}) WHERE __r IS NOT NULL`;
}

function emptySelect(plan: NativePlan, fileColumn?: string): string {
  const cols = plan.columns.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${quoteIdent(c.name)}`);
  if (fileColumn) cols.push(`CAST(NULL AS VARCHAR) AS ${quoteIdent(fileColumn)}`);
  return `SELECT ${cols.join(", ")} WHERE false`;
}
