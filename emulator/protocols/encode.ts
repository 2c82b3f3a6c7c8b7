/** JSON response bodies written by the SDK's own shape serializer, so the clients read back exactly what we mean. */
import { JsonShapeSerializer } from "@aws-sdk/core/protocols";
import type { NormalizedSchema } from "@smithy/core/schema";

export function jsonBody(schema: NormalizedSchema, value: unknown, useJsonName: boolean): string {
  if (!schema.isStructSchema() && !schema.isUnitSchema()) {
    const s = new JsonShapeSerializer({ timestampFormat: { useTrait: true, default: 7 }, jsonName: useJsonName });
    s.write(schema, value);
    return s.flush();
  }
  if (schema.isUnitSchema()) return "{}";
  const s = new JsonShapeSerializer({ timestampFormat: { useTrait: true, default: 7 }, jsonName: useJsonName });
  s.write(schema, value ?? {});
  return s.flush() || "{}";
}

/**
 * Characters XML 1.0 allows neither raw nor as a reference (C0 controls but tab, CR and LF; U+FFFE, U+FFFF; lone
 * surrogates). An error message that echoes one from the request ("The user with name \u0011 cannot be found.") would
 * make the whole answer unreadable to a conforming parser (botocore's expat: "not well-formed"), so each becomes U+FFFD.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters XML forbids is the point.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const xmlEscape = (s: string) =>
  s.replace(XML_INVALID, "\ufffd").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/**
 * State keeps times as ISO strings (it is JSON); the serializers want Dates. Walks the output schema and
 * turns strings at timestamp positions into Dates, leaving everything else as it is.
 */
export function reviveTimestamps(ns: NormalizedSchema, value: unknown, depth = 0): unknown {
  if (value === null || value === undefined || depth > 40) return value;
  if (ns.isTimestampSchema()) return typeof value === "string" || typeof value === "number" ? new Date(value) : value;
  if (ns.isListSchema() && Array.isArray(value)) {
    const m = ns.getValueSchema();
    return value.map((v) => reviveTimestamps(m, v, depth + 1));
  }
  if (ns.isMapSchema() && typeof value === "object") {
    const m = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = reviveTimestamps(m, v, depth + 1);
    return out;
  }
  if (ns.isStructSchema() && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value)) {
    if (typeof (value as { pipe?: unknown }).pipe === "function" || value instanceof Uint8Array) return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [name, member] of ns.structIterator()) {
      if (out[name] !== undefined) out[name] = reviveTimestamps(member, out[name], depth + 1);
    }
    return out;
  }
  return value;
}
