/**
 * fast-check arbitraries for an operation's input, walked from the SDK's own schema (NormalizedSchema, as the codecs
 * walk it): mostly plausible values (names taken from the scenario and the SDK's enums), sometimes hostile ones —
 * unicode, NUL and lone surrogates, huge lists and maps, numbers at the edges, a wrong type, a required member left
 * out — and, at timestamp and blob positions, sentinels whose wire form the mutations replace with a bad timestamp
 * or bad base64 after the SDK has serialized them.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import fc from "fast-check";
import { requiredMembers } from "../../emulator/protocols/schema.ts";

/** A timestamp the SDK writes in a form the mutations can find: 2001-02-03T04:05:06.789Z. */
export const SENTINEL_DATE = new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 789));
/** Every form the SDK writes SENTINEL_DATE in (ISO 8601, epoch seconds, HTTP date), raw and form/URI-encoded. */
export const SENTINEL_DATE_FORMS = [
  "2001-02-03T04:05:06.789Z",
  "2001-02-03T04%3A05%3A06.789Z",
  "2001-02-03T04:05:06Z",
  "2001-02-03T04%3A05%3A06Z",
  "981173106.789",
  "Sat, 03 Feb 2001 04:05:06 GMT",
  "Sat%2C%2003%20Feb%202001%2004%3A05%3A06%20GMT",
];
/** A blob whose base64 form the mutations can find. */
export const SENTINEL_BLOB = new Uint8Array(Buffer.from("FUZZ-BLOB-SENTINEL"));
export const SENTINEL_BLOB_FORMS = [Buffer.from(SENTINEL_BLOB).toString("base64"), encodeURIComponent(Buffer.from(SENTINEL_BLOB).toString("base64"))];

/** Strings that have broken parsers before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0001\u0002\u0003\u001f\u007f",
  "\ud800",
  "x\udfffy",
  "\ufffe\uffff",
  "\u202e\u200b\ufeff",
  "💥🧨",
  "日本語のキー",
  "<>&'\"",
  "]]>",
  "<![CDATA[x]]>",
  "&amp;&lt;&#0;&#xD800;",
  "%00%zz%",
  "../../etc/passwd",
  "a/../../b",
  "=&=&",
  "+ +",
  "\r\n\r\n",
  "\\",
  "null",
  "true",
  "-1",
  "1e400",
  "NaN",
  "__proto__",
  "constructor",
  "toString",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection payload, literally.
  "${jndi:ldap://x}",
  "' OR 1=1 --",
  "arn:aws:iam::123456789012:",
  "a".repeat(1025),
  "ü".repeat(300),
];

const MAX_DEPTH = 6;

export interface ArbContext {
  /** Plausible strings: the scenario's names and ids, the SDK's enum values. */
  dictionary: readonly string[];
}

const OMIT = Symbol("omit");
type Maybe = unknown | typeof OMIT;

function stringArb(ctx: ArbContext): fc.Arbitrary<string> {
  const dict = fc.constantFrom(...ctx.dictionary);
  return fc.oneof(
    { arbitrary: dict, weight: 20 },
    { arbitrary: fc.string({ maxLength: 24 }), weight: 6 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 24 }), weight: 4 },
    { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
    { arbitrary: fc.tuple(dict, fc.constantFrom(...NASTY_STRINGS)).map(([a, b]) => a + b), weight: 2 },
    // Long values: over most services' length limits; in a header or URI, over node:http's 16 KiB head when very long.
    {
      arbitrary: fc
        .oneof({ arbitrary: fc.integer({ min: 1025, max: 4096 }), weight: 4 }, { arbitrary: fc.integer({ min: 4096, max: 70_000 }), weight: 1 })
        .map((n) => "x".repeat(n)),
      weight: 1,
    },
  );
}

const numberArb = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 1000 }), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      0,
      -1,
      2 ** 31,
      2 ** 31 - 1,
      -(2 ** 31) - 1,
      2 ** 53,
      -(2 ** 63),
      1e308,
      5e-324,
      0.5,
      -0.0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ),
    weight: 2,
  },
  { arbitrary: fc.double(), weight: 1 },
);

const dateArb = fc.oneof(
  { arbitrary: fc.date({ min: new Date("2015-01-01T00:00:00Z"), max: new Date("2030-01-01T00:00:00Z"), noInvalidDate: true }), weight: 6 },
  { arbitrary: fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }), weight: 1 },
  { arbitrary: fc.constant(SENTINEL_DATE), weight: 3 },
);

const blobArb = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 5 },
  { arbitrary: fc.constant(SENTINEL_BLOB), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 256 * 1024 }).map((n) => new Uint8Array(n).fill(0x41)), weight: 1 },
);

/** A value of some other type than the member's: what a hand-written client gets wrong. */
const wrongTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant("not-the-right-type"),
  fc.constant(12345),
  fc.constant(true),
  fc.constant({ unexpected: "object" }),
  fc.constant(["a", "list"]),
);

/** A list or map far larger than a client usually sends: one generated item, repeated. */
const hugeCount = fc.integer({ min: 300, max: 5000 });

export class InputArbitraries {
  private readonly structCache = new WeakMap<object, Map<number, fc.Arbitrary<unknown>>>();
  private readonly str: fc.Arbitrary<string>;
  private readonly keys: fc.Arbitrary<string>;

  constructor(ctx: ArbContext) {
    this.str = stringArb(ctx);
    this.keys = fc.oneof(
      { arbitrary: fc.constantFrom(...ctx.dictionary), weight: 4 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
      { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 1 },
    );
  }

  /** The input of one operation (a structure; a unit input is {}). */
  input(ns: NormalizedSchema): fc.Arbitrary<Record<string, unknown>> {
    if (!ns.isStructSchema()) return fc.constant({});
    return this.value(ns, 0, false) as fc.Arbitrary<Record<string, unknown>>;
  }

  private value(ns: NormalizedSchema, depth: number, allowWrong = true): fc.Arbitrary<unknown> {
    const inner = this.correct(ns, depth);
    if (!allowWrong) return inner;
    return fc.oneof({ arbitrary: inner, weight: 30 }, { arbitrary: wrongTypeArb, weight: 1 });
  }

  private correct(ns: NormalizedSchema, depth: number): fc.Arbitrary<unknown> {
    if (ns.isStructSchema()) return this.struct(ns, depth);
    if (ns.isListSchema()) {
      const item = depth >= MAX_DEPTH ? fc.constant(undefined) : this.value(ns.getValueSchema(), depth + 1);
      if (depth >= MAX_DEPTH) return fc.constant([]);
      return fc.oneof(
        { arbitrary: fc.array(item, { maxLength: 4 }), weight: 20 },
        { arbitrary: fc.tuple(item, hugeCount).map(([v, n]) => Array.from({ length: n }, () => v)), weight: 1 },
      );
    }
    if (ns.isMapSchema()) {
      if (depth >= MAX_DEPTH) return fc.constant({});
      const value = this.value(ns.getValueSchema(), depth + 1);
      return fc.oneof(
        { arbitrary: fc.dictionary(this.keys, value, { maxKeys: 4 }), weight: 20 },
        {
          arbitrary: fc.tuple(value, hugeCount).map(([v, n]) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, v]))),
          weight: 1,
        },
      );
    }
    if (ns.isTimestampSchema()) return dateArb;
    if (ns.isBlobSchema()) return blobArb;
    if (ns.isBooleanSchema()) return fc.boolean();
    if (ns.isBigIntegerSchema()) return fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n });
    if (ns.isNumericSchema() || ns.isBigDecimalSchema()) return numberArb;
    if (ns.isDocumentSchema()) return fc.jsonValue({ maxDepth: 3 });
    return this.str;
  }

  private struct(ns: NormalizedSchema, depth: number): fc.Arbitrary<unknown> {
    const schema = ns.getSchema() as unknown as object;
    const byDepth = this.structCache.get(schema) ?? new Map<number, fc.Arbitrary<unknown>>();
    this.structCache.set(schema, byDepth);
    const hit = byDepth.get(depth);
    if (hit) return hit;
    const required = requiredMembers(ns);
    const names: string[] = [];
    const parts: fc.Arbitrary<Maybe>[] = [];
    const deep = depth >= MAX_DEPTH;
    for (const [name, member] of ns.structIterator()) {
      names.push(name);
      if (deep) {
        parts.push(fc.constant(OMIT));
        continue;
      }
      // Built on first use: a schema may be recursive, and most members are never present.
      let built: fc.Arbitrary<unknown> | undefined;
      const value = fc.constant(null).chain(() => {
        built ??= this.value(member, depth + 1);
        return built;
      });
      parts.push(
        required.has(name)
          ? fc.oneof({ arbitrary: value, weight: 12 }, { arbitrary: fc.constant(OMIT), weight: 1 })
          : fc.oneof({ arbitrary: fc.constant(OMIT), weight: names.length > 8 ? 5 : 2 }, { arbitrary: value, weight: 1 }),
      );
    }
    const union = ns.isUnionSchema();
    let arb: fc.Arbitrary<unknown> = fc.tuple(...parts).map((values) => {
      const out: Record<string, unknown> = {};
      values.forEach((v, i) => {
        if (v !== OMIT) out[names[i]] = v;
      });
      return out;
    });
    if (union && names.length > 0 && !deep) {
      // A union carries one member (sometimes, wrongly, two).
      arb = fc.tuple(fc.nat({ max: names.length - 1 }), fc.boolean(), arb).map(([i, two, all]) => {
        const v = all as Record<string, unknown>;
        const chosen = Object.keys(v);
        const pick = chosen.length > 0 ? chosen[i % chosen.length] : undefined;
        if (!pick) return v;
        if (two && chosen.length > 1) return { [pick]: v[pick], [chosen[(i + 1) % chosen.length]]: v[chosen[(i + 1) % chosen.length]] };
        return { [pick]: v[pick] };
      });
    }
    byDepth.set(depth, arb);
    return arb;
  }
}

/** The scenario's strings (names, ids, ARNs, policy documents) and the SDK module's enum values. */
export function dictionaryOf(state: unknown, sdkModules: Record<string, unknown>[], extra: string[] = []): string[] {
  const set = new Set<string>(extra);
  const walk = (v: unknown, depth: number): void => {
    if (depth > 20) return;
    if (typeof v === "string") {
      if (v.length > 0 && v.length <= 300) set.add(v);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (!/^\d+$/.test(k) && k.length <= 100) set.add(k);
        walk(x, depth + 1);
      }
    }
  };
  walk(state, 0);
  for (const mod of sdkModules) {
    for (const [name, value] of Object.entries(mod)) {
      // Enums are exported as plain objects of string constants (LookupAttributeKey = { EVENT_ID: "EventId", … }).
      if (!value || typeof value !== "object" || Array.isArray(value) || name.endsWith("$")) continue;
      const values = Object.values(value as Record<string, unknown>);
      if (values.length > 0 && values.length < 400 && values.every((x) => typeof x === "string")) for (const x of values) set.add(x as string);
    }
  }
  return [...set].sort();
}
