/**
 * The compiled XML writer against the SDK's own XmlShapeSerializer: for every structure of the XML services'
 * operations (inputs too, for S3's attributes and namespaces), seeded random values serialize to the same bytes.
 */
import { XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { NormalizedSchema } from "@smithy/core/schema";
import { NumericValue } from "@smithy/core/serde";
import { describe, expect, it } from "vitest";
import { rng } from "../../bench/lib.ts";
import { reviveTimestamps } from "../../emulator/protocols/encode.ts";
import { operationsOf } from "../../emulator/protocols/schema.ts";
import { compiledXml, xmlBody, xmlMembers } from "../../emulator/protocols/xml-writer.ts";
import { allServices } from "../../emulator/services/index.ts";

const STRINGS = ["", "web-1", "a&b<c>d\"e'f", "line\r\nbreak\u0085\u2028end", "日本語", "  spaced  ", "]]>", "0"];
const TIMES = [new Date("2026-10-16T22:07:23Z"), new Date("2026-10-16T22:07:23.456Z"), "2026-01-02T03:04:05.000Z", 1_760_000_000_123];

function valueFor(ns: NormalizedSchema, r: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    if (depth > 5) return out;
    const members = [...ns.structIterator()];
    if (ns.isUnionSchema()) {
      if (members.length) {
        const [name, m] = pick(members);
        out[name] = valueFor(m, r, depth + 1);
      }
      return out;
    }
    for (const [name, m] of members) {
      // Tokens are always set: an absent one is a fresh random UUID on either side.
      if (m.isIdempotencyToken()) out[name] = pick(STRINGS);
      else if (r() < 0.6) out[name] = r() < 0.05 ? null : valueFor(m, r, depth + 1);
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (depth > 5) return [];
    const n = Math.floor(r() * 4);
    const item = ns.getValueSchema();
    return Array.from({ length: n }, () => (r() < 0.05 && !item.getMergedTraits().sparse ? null : valueFor(item, r, depth + 1)));
  }
  if (ns.isMapSchema()) {
    if (depth > 5) return {};
    const out: Record<string, unknown> = {};
    const n = Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out[`${pick(["k", "a&b", "ü"])}${i}`] = valueFor(ns.getValueSchema(), r, depth + 1);
    return out;
  }
  if (ns.isTimestampSchema()) return pick(TIMES);
  if (ns.isBlobSchema()) return new Uint8Array(Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * 256)));
  if (ns.isBooleanSchema()) return r() < 0.5;
  if (ns.isNumericSchema()) return pick([0, 1, -7, 2.5, 1e21, 65535]);
  if (ns.isBigIntegerSchema()) return pick([0n, 12345678901234567890n]);
  if (ns.isBigDecimalSchema()) return pick(["1.50", 3]);
  return pick(STRINGS);
}

function sdkXml(ns: NormalizedSchema, value: unknown, xmlNamespace: string): string {
  const s = new XmlShapeSerializer({ xmlNamespace, serviceNamespace: "", timestampFormat: { useTrait: true, default: 5 } });
  s.write(ns, reviveTimestamps(ns, value));
  return String(s.flush());
}

const xmlServices = allServices().filter((s) => s.protocol === "ec2Query" || s.protocol === "awsQuery" || s.protocol === "restXml");

describe("compiled XML writer", () => {
  for (const svc of xmlServices) {
    it(`writes what the SDK writes for every ${svc.id} structure`, async () => {
      const r = rng(7);
      const mod = await svc.schemas();
      let compared = 0;
      for (const op of operationsOf(mod).values()) {
        for (const ns of [op.input, op.output]) {
          if (!ns.isStructSchema()) continue;
          for (let i = 0; i < 3; i++) {
            const value = valueFor(ns, r, 0) as Record<string, unknown>;
            const expected = sdkXml(ns, value, svc.xmlNamespace ?? "");
            // compiledXml throws where it would hand over to the SDK: well-typed values never take that way.
            const got = compiledXml(ns).body(value, svc.xmlNamespace ?? "");
            if (got !== expected) expect({ op: op.name, value, got }).toEqual({ op: op.name, value, got: expected });
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(50);
    });
  }

  // Shapes the served services do not have, for the writer's other branches: nested and flattened maps,
  // namespaced lists, maps and keys, sparse collections, other time formats, unions.
  const inner = [2, "t", "Inner", 0, [0, { xmlName: "k" }], [0, { xmlName: "v" }]];
  const item = [3, "t", "Item", { xmlName: "It" }, ["Id", "Kind"], [0, [0, { xmlAttribute: 1, xmlName: "kind" }]]];
  const choice = [4, "t", "Choice", 0, ["A", "B"], [0, 1]];
  const synthetic = NormalizedSchema.of([
    3,
    "t",
    "Synthetic",
    { xmlNamespace: ["p", "urn:p"] },
    ["Nested", "Flat", "Lists", "Structs", "Spaced", "Sparse", "SparseMap", "Http", "Epoch", "Dec", "Token", "Choice", "Grid"],
    [
      [2, "t", "Nested", 0, 0, inner],
      [[2, "t", "FlatMap", 0, 0, 1], { xmlFlattened: 1, xmlName: "F" }],
      [2, "t", "Lists", { xmlNamespace: ["", "urn:m"] }, [0, { xmlNamespace: ["q", "urn:q"] }], [1, "t", "L", 0, [0, { xmlNamespace: ["", "urn:v"] }]]],
      [2, "t", "Structs", 0, 0, item],
      [[1, "t", "Spaced", 0, item], { xmlNamespace: ["", "urn:l"] }],
      [1, "t", "Sparse", 0, [0, { sparse: 1 }]],
      [2, "t", "SparseMap", 0, 0, [2, { sparse: 1 }]],
      6,
      7,
      19,
      [0, 4],
      choice,
      [1, "t", "Grid", 0, [1, "t", "Row", { xmlFlattened: 1 }, 1]],
    ],
  ] as never);

  it("writes what the SDK writes for the branches the services do not reach", () => {
    const r = rng(11);
    for (let i = 0; i < 300; i++) {
      const value = valueFor(synthetic, r, 0) as Record<string, unknown>;
      // Sparse collections hold nulls, which neither writer can put in XML.
      delete value.Sparse;
      delete value.SparseMap;
      expect(compiledXml(synthetic).body(value, "urn:svc")).toBe(sdkXml(synthetic, value, "urn:svc"));
    }
    const fixed = {
      Nested: { a: { x: "1", y: "2" }, b: {} },
      Lists: { k: ["1", "2"], e: [] },
      Structs: { s: { Id: "i&1", Kind: 'a"b' } },
      Spaced: [{ Id: "1" }, { Kind: "k" }],
      Sparse: ["a", "b"],
      Http: "2026-10-16T22:07:23Z",
      Epoch: new Date(1_760_000_000_500),
      Dec: new NumericValue("1.50", "bigDecimal"),
      Choice: { B: 3 },
      Grid: [[1, 2], [], 3],
      Token: "t-1",
    };
    expect(compiledXml(synthetic).body(fixed, "")).toBe(sdkXml(synthetic, fixed, ""));
  });

  it("writes a fresh token where an idempotency token is absent, as the SDK does", () => {
    const xml = compiledXml(synthetic).members({});
    expect(xml).toMatch(/^<Token>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}<\/Token>$/);
    expect(sdkXml(synthetic, {}, "")).toMatch(/<Token>[0-9a-f-]{36}<\/Token>/);
  });

  it("hands values it does not expect to the SDK's serializer, errors included", async () => {
    const mod = await allServices()
      .find((s) => s.id === "ec2")!
      .schemas();
    const out = operationsOf(mod).get("DescribeInstances")!.output;
    // A string where a list belongs: the SDK iterates its characters; so does the answer.
    const odd = { Reservations: [{ ReservationId: "r-1", Instances: "ab" }] };
    expect(xmlMembers(out, odd)).toBe(sdkXml(out, odd, "").replace(/^<[^>]*>|<\/[^>]*>$/g, ""));
    expect(xmlBody(out, odd, "urn:x")).toBe(sdkXml(out, odd, "urn:x"));
    expect(() => xmlMembers(out, { Reservations: [{ Instances: [{ LaunchTime: "not a time" }] }] })).toThrow(RangeError);
    // A union member the model does not know (as the SDK keeps it), and nulls in a sparse list.
    const unknown = { Token: "t-1", Choice: { $unknown: ["C", "x"] } };
    expect(xmlBody(synthetic, unknown, "")).toBe(sdkXml(synthetic, unknown, ""));
    expect(() => xmlBody(synthetic, { Sparse: ["a", null] }, "")).toThrow("cannot write null value");
  });
});
