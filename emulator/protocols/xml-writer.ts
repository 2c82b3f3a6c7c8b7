/**
 * XML response bodies from closures compiled once per schema: byte for byte what the SDK's XmlShapeSerializer
 * writes for the same value with its times as Dates, without building a node tree per response.
 * Times may also arrive as ISO strings or epoch milliseconds (state is JSON). Whatever the closures do not
 * expect (a union's $unknown, a value of the wrong kind) is handed to the SDK's own serializer instead.
 */
import { XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { determineTimestampFormat } from "@smithy/core/protocols";
import type { NormalizedSchema } from "@smithy/core/schema";
import { dateToUtcString, generateIdempotencyToken, NumericValue, toBase64 } from "@smithy/core/serde";
import { reviveTimestamps } from "./encode.ts";

/** Thrown where the compiled writer stops; the SDK's serializer then writes the whole body. */
class Unexpected extends Error {}
const unexpected = (): never => {
  throw new Unexpected();
};

const ELEMENT_SPECIAL = /[&"'<>\r\n\u0085\u2028]/;
const ELEMENT_ESCAPES = /[&"'<>\r\n\u0085\u2028]/g;
const ELEMENT_ENTITY: Record<string, string> = {
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
  "<": "&lt;",
  ">": "&gt;",
  "\r": "&#x0D;",
  "\n": "&#x0A;",
  "\u0085": "&#x85;",
  "\u2028": "&#x2028;",
};
const ATTRIBUTE_ESCAPES = /[&<>"]/g;
const ATTRIBUTE_ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Element text as @aws-sdk/xml-builder escapes it (most values need nothing, and are left alone). */
const escapeText = (s: string) => (ELEMENT_SPECIAL.test(s) ? s.replace(ELEMENT_ESCAPES, (c) => ELEMENT_ENTITY[c]) : s);
const escapeAttribute = (s: string) => s.replace(ATTRIBUTE_ESCAPES, (c) => ATTRIBUTE_ENTITY[c]);

const SETTINGS = { timestampFormat: { useTrait: true, default: 5 as const } };

/** [attribute name, namespace] when the schema declares a namespace its parent does not already carry. */
function xmlnsOf(ns: NormalizedSchema, parentXmlns: string | undefined): [string, string] | undefined {
  const [prefix, xmlns] = (ns.getMergedTraits().xmlNamespace as [string?, string?] | undefined) ?? [];
  return xmlns && xmlns !== parentXmlns ? [prefix ? `xmlns:${prefix}` : "xmlns", xmlns] : undefined;
}

const attribute = (a: [string, string] | undefined) => (a ? ` ${a[0]}="${escapeAttribute(a[1])}"` : "");

/** Text of a simple value, as XmlShapeSerializer.writeSimple gives it. */
type Simple = (value: unknown) => string;

function timestampText(format: number): (d: Date) => string {
  if (format === 6) return dateToUtcString;
  if (format === 7) return (d) => String(d.getTime() / 1000);
  return (d) => d.toISOString().replace(".000Z", "Z");
}

function compileSimple(ns: NormalizedSchema): Simple {
  if (ns.isBlobSchema()) return (v) => (v && typeof v === "object" ? toBase64(v as Uint8Array) : unexpected());
  if (ns.isTimestampSchema()) {
    const text = timestampText(determineTimestampFormat(ns, SETTINGS));
    // Stored times are strings that come back call after call: each is parsed and formatted once.
    const written = new Map<string, string>();
    return (v) => {
      if (v instanceof Date) return text(v);
      if (typeof v === "number") return text(new Date(v));
      if (typeof v !== "string") return unexpected();
      let t = written.get(v);
      if (t === undefined) {
        t = text(new Date(v));
        if (written.size >= 1024) written.clear();
        written.set(v, t);
      }
      return t;
    };
  }
  if (ns.isBigDecimalSchema()) return (v) => (v instanceof NumericValue ? v.string : v === null ? unexpected() : String(v));
  if (ns.isBooleanSchema() || ns.isNumericSchema() || ns.isBigIntegerSchema()) return (v) => (v === null || typeof v === "object" ? unexpected() : String(v));
  if (ns.isStringSchema()) {
    const token = ns.isIdempotencyToken();
    return (v) => (v === null || typeof v === "object" ? unexpected() : v === undefined && token ? generateIdempotencyToken() : String(v));
  }
  return unexpected;
}

/** Writes one value into its container: the element(s) it adds there. */
type Part = (value: unknown) => string;
/** A structure under a given tag (list items rename it). */
type StructPart = (value: unknown, tag: string) => string;

/** Compiles on first use, so recursive shapes compile only as deep as values go. */
function lazyPart(compile: () => Part): Part {
  let f: Part | undefined;
  return (v) => {
    f ??= compile();
    return f(v);
  };
}

function lazyStruct(compile: () => StructPart): StructPart {
  let f: StructPart | undefined;
  return (v, tag) => {
    f ??= compile();
    return f(v, tag);
  };
}

function simpleElement(ns: NormalizedSchema, tag: string, parentXmlns: string | undefined): Part {
  const simple = compileSimple(ns);
  const open = `<${tag}${attribute(xmlnsOf(ns, parentXmlns))}>`;
  const close = `</${tag}>`;
  return (v) => open + escapeText(simple(v)) + close;
}

function element(tag: string, attrs: string, children: string): string {
  return children === "" ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${children}</${tag}>`;
}

/** A member (or list item, or map value) that is a structure, list or map; undefined for simple ones. */
function aggregatePart(ns: NormalizedSchema, parentXmlns: string | undefined): Part | undefined {
  if (ns.isListSchema()) return listPart(ns, parentXmlns);
  if (ns.isMapSchema()) return mapPart(ns, parentXmlns, false);
  if (ns.isStructSchema()) {
    const struct = structPart(ns, parentXmlns);
    const tag = structTag(ns);
    return (v) => struct(v, tag);
  }
  return undefined;
}

function structTag(ns: NormalizedSchema): string {
  const traits = ns.getMergedTraits();
  const tag = ns.isMemberSchema() && !traits.httpPayload ? (ns.getMemberTraits().xmlName ?? ns.getMemberName()) : (traits.xmlName ?? ns.getName());
  return typeof tag === "string" && tag ? tag : unexpected();
}

interface StructPlan {
  /** Members written as attributes: [member, attribute name, text]. */
  attributes: [string, string, Simple][];
  /** [member, writer, written even when absent]. */
  children: [string, Part, boolean][];
  /** Members written even when absent (idempotency tokens). */
  always: Set<string>;
  ownXmlns: string;
  union: boolean;
  writeChildren: (v: Record<string, unknown>) => string;
}

function planStruct(ns: NormalizedSchema, parentXmlns: string | undefined): StructPlan {
  if (!ns.isStructSchema()) unexpected();
  const own = xmlnsOf(ns, parentXmlns);
  const xmlns = own?.[1];
  const plan: StructPlan = { attributes: [], children: [], always: new Set(), ownXmlns: attribute(own), union: ns.isUnionSchema(), writeChildren: () => "" };
  const attributeNames = new Set<string>(own ? [own[0]] : []);
  for (const [name, member] of ns.structIterator()) {
    if (member.isIdempotencyToken()) plan.always.add(name);
    const traits = member.getMergedTraits();
    if (traits.xmlAttribute) {
      const attr = (traits.xmlName as string | undefined) ?? name;
      // A second attribute of the same name would overwrite the first in place: leave that to the SDK.
      if (attributeNames.has(attr)) unexpected();
      attributeNames.add(attr);
      plan.attributes.push([name, attr, compileSimple(member)]);
      continue;
    }
    const part = aggregatePart(member, xmlns) ?? simpleElement(member, (traits.xmlName as string | undefined) ?? member.getMemberName(), xmlns);
    plan.children.push([name, part, plan.always.has(name)]);
  }
  plan.writeChildren = childrenWriter(plan.children);
  return plan;
}

function structPart(ns: NormalizedSchema, parentXmlns: string | undefined): StructPart {
  return lazyStruct(() => {
    const plan = planStruct(ns, parentXmlns);
    const plain = plan.attributes.length === 0 && plan.ownXmlns === "";
    return (value: unknown, tag: string) => {
      const v = structValue(plan, value);
      return element(tag, plain ? "" : structAttributes(plan, v), structChildren(plan, v));
    };
  });
}

function structValue(plan: StructPlan, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) unexpected();
  const v = value as Record<string, unknown>;
  if (plan.union && v.$unknown !== undefined) unexpected();
  return v;
}

/** The attributes of a structure's element: its attribute members, then its namespace. */
function structAttributes(plan: StructPlan, v: Record<string, unknown>): string {
  let attrs = "";
  for (const [name, attr, simple] of plan.attributes) {
    const m = v[name];
    if (m != null || plan.always.has(name)) attrs += ` ${attr}="${escapeAttribute(simple(m))}"`;
  }
  return attrs + plan.ownXmlns;
}

function structChildren(plan: StructPlan, v: Record<string, unknown>): string {
  return plan.writeChildren(v);
}

/**
 * The member loop of one structure, unrolled into code with each member name a constant: property reads
 * by a name fixed at the site are cached per site, where one loop reading every name of every shape is not.
 * The only text compiled is member names from the SDK's schemas, each written as a JSON string literal.
 */
function childrenWriter(children: [string, Part, boolean][]): (v: Record<string, unknown>) => string {
  let body = 'let c = "", m;\n';
  children.forEach(([name, , always], i) => {
    body += `m = v[${JSON.stringify(name)}]; if (${always ? "true" : "m != null"}) c += p[${i}](m);\n`;
  });
  const f = new Function("p", "v", `${body}return c;`) as (p: Part[], v: Record<string, unknown>) => string;
  const parts = children.map((c) => c[1]);
  return (v) => f(parts, v);
}

function listPart(list: NormalizedSchema, parentXmlns: string | undefined): Part {
  return lazyPart(() => {
    if (!list.isMemberSchema()) unexpected();
    const traits = list.getMergedTraits();
    const item = list.getValueSchema();
    const itemTraits = item.getMergedTraits();
    const sparse = !!itemTraits.sparse;
    const flat = !!traits.xmlFlattened;
    const own = xmlnsOf(list, parentXmlns);
    const xmlns = own?.[1];
    const listTag = (traits.xmlName as string | undefined) ?? list.getMemberName();
    const itemTag = flat ? listTag : ((itemTraits.xmlName as string | undefined) ?? "member");
    let writeItem: Part;
    if (item.isListSchema()) {
      const inner = listPart(item, xmlns);
      writeItem = (v) => inner(Array.isArray(v) ? v : [v]);
    } else if (item.isMapSchema()) writeItem = mapPart(item, xmlns, false);
    else if (item.isStructSchema()) {
      const struct = structPart(item, xmlns);
      writeItem = (v) => struct(v, itemTag);
    } else writeItem = simpleElement(item, itemTag, xmlns);
    const ownAttr = attribute(own);
    return (value: unknown) => {
      if (!Array.isArray(value)) unexpected();
      let items = "";
      for (const v of value as unknown[]) if (sparse || v != null) items += writeItem(v);
      return flat ? items : element(listTag, ownAttr, items);
    };
  });
}

function mapPart(map: NormalizedSchema, parentXmlns: string | undefined, insideMap: boolean): Part {
  return lazyPart(() => {
    if (!map.isMemberSchema()) unexpected();
    const traits = map.getMergedTraits();
    const keySchema = map.getKeySchema();
    const valueSchema = map.getValueSchema();
    const valueTraits = valueSchema.getMergedTraits();
    const keyTag = (keySchema.getMergedTraits().xmlName as string | undefined) ?? "key";
    const valueTag = (valueTraits.xmlName as string | undefined) ?? "value";
    const sparse = !!valueTraits.sparse;
    const flat = !!traits.xmlFlattened;
    const own = xmlnsOf(map, parentXmlns);
    const xmlns = own?.[1];
    const keyOpen = `<${keyTag}${attribute(xmlnsOf(keySchema, xmlns))}>`;
    const keyClose = `</${keyTag}>`;
    let writeValue: Part;
    if (valueSchema.isListSchema()) {
      const inner = listPart(valueSchema, xmlns);
      writeValue = (v) => element(valueTag, "", inner(v));
    } else if (valueSchema.isMapSchema()) {
      const inner = mapPart(valueSchema, xmlns, true);
      writeValue = (v) => element(valueTag, "", inner(v));
    } else writeValue = aggregatePart(valueSchema, xmlns) ?? simpleElement(valueSchema, valueTag, xmlns);
    const entryTag = flat ? ((traits.xmlName as string | undefined) ?? map.getMemberName()) : "entry";
    const mapTag = (traits.xmlName as string | undefined) ?? map.getMemberName();
    const ownAttr = attribute(own);
    return (value: unknown) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) unexpected();
      let entries = "";
      const m = value as Record<string, unknown>;
      for (const key of Object.keys(m)) {
        const v = m[key];
        if (sparse || v != null) entries += `<${entryTag}>${keyOpen}${escapeText(key)}${keyClose}${writeValue(v)}</${entryTag}>`;
      }
      return flat || insideMap ? entries : element(mapTag, ownAttr, entries);
    };
  });
}

export interface RootWriter {
  /** The whole document element, with the service namespace unless the shape sets its own. */
  body(value: Record<string, unknown>, xmlNamespace: string): string;
  /** Only the children of the document element (query protocols wrap them in their own envelope). */
  members(value: Record<string, unknown>): string;
}

const roots = new WeakMap<NormalizedSchema, RootWriter>();

/**
 * The compiled writer of a structure shape. It throws where it would not write what the SDK writes;
 * xmlBody and xmlMembers then use the SDK's serializer.
 */
export function compiledXml(ns: NormalizedSchema): RootWriter {
  let w = roots.get(ns);
  if (w) return w;
  let compiled: { plan: StructPlan; tag: string; xmlnsSet: boolean } | undefined;
  const root = () => {
    if (compiled) return compiled;
    const plan = planStruct(ns, undefined);
    // flush() adds the service namespace only where no "xmlns" attribute is set: one set by a member is the SDK's case.
    if (plan.attributes.some(([, attr]) => attr === "xmlns")) unexpected();
    const traits = ns.getMergedTraits();
    const tag = traits.httpPayload && !traits.xmlName ? ns.getName() : structTag(ns);
    compiled = { plan, tag: tag || unexpected(), xmlnsSet: xmlnsOf(ns, undefined)?.[0] === "xmlns" };
    return compiled;
  };
  w = {
    body: (value, xmlNamespace) => {
      const { plan, tag, xmlnsSet } = root();
      const v = structValue(plan, value);
      const attrs = structAttributes(plan, v);
      const children = structChildren(plan, v);
      return element(tag, xmlNamespace && !xmlnsSet ? `${attrs} xmlns="${escapeAttribute(xmlNamespace)}"` : attrs, children);
    },
    members: (value) => {
      const { plan } = root();
      const v = structValue(plan, value);
      // Written only to fail where the SDK fails: the envelope has no place for root attributes.
      if (plan.attributes.length > 0) structAttributes(plan, v);
      return structChildren(plan, v);
    },
  };
  roots.set(ns, w);
  return w;
}

function sdkBody(schema: NormalizedSchema, value: unknown, xmlNamespace: string): string {
  const s = new XmlShapeSerializer({ xmlNamespace, serviceNamespace: "", timestampFormat: { useTrait: true, default: 5 } });
  s.write(schema, reviveTimestamps(schema, value));
  return String(s.flush());
}

/** The serialized shape: a structure's element, or a string payload as it is. */
export function xmlBody(schema: NormalizedSchema, value: Record<string, unknown>, xmlNamespace: string): string {
  if (schema.isStructSchema()) {
    try {
      return compiledXml(schema).body(value, xmlNamespace);
    } catch {
      // The SDK's serializer writes it, or throws its own error.
    }
  }
  return sdkBody(schema, value, xmlNamespace);
}

/** Children of the serialized root element, for embedding in the protocol's response envelope. */
export function xmlMembers(schema: NormalizedSchema, value: Record<string, unknown>): string {
  if (!schema.isStructSchema()) return "";
  try {
    return compiledXml(schema).members(value);
  } catch {
    // As in xmlBody.
  }
  const xml = sdkBody(schema, value, "");
  const open = xml.indexOf(">");
  if (xml[open - 1] === "/") return "";
  return xml.slice(open + 1, xml.lastIndexOf("</"));
}
