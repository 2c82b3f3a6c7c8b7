/** Thin helpers over the SDK's exported Xxx$ schemas, walked with NormalizedSchema. */
import { NormalizedSchema } from "@smithy/core/schema";
import type { SchemaModule } from "../core/service.ts";

export interface OperationSchemas {
  name: string;
  traits: Record<string, unknown>;
  input: NormalizedSchema;
  output: NormalizedSchema;
}

type StaticOperation = [9, string, string, unknown, () => unknown, () => unknown];

const cache = new WeakMap<SchemaModule, Map<string, OperationSchemas>>();

function isOperationSchema(value: unknown): value is StaticOperation {
  return Array.isArray(value) && value[0] === 9 && typeof value[2] === "string";
}

/** All operations a client module knows, by name. */
export function operationsOf(mod: SchemaModule): Map<string, OperationSchemas> {
  let ops = cache.get(mod);
  if (ops) return ops;
  ops = new Map();
  for (const [key, value] of Object.entries(mod)) {
    if (!key.endsWith("$") || !isOperationSchema(value)) continue;
    const [, , name, traits, input, output] = value;
    ops.set(name, {
      name,
      traits: (typeof traits === "object" && traits !== null ? traits : {}) as Record<string, unknown>,
      input: NormalizedSchema.of(input as never),
      output: NormalizedSchema.of(output as never),
    });
  }
  cache.set(mod, ops);
  return ops;
}

const required = new WeakMap<object, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/** Members 0..n-1 of a static structure schema are required; the count is its 7th element. */
export function requiredMembers(ns: NormalizedSchema): ReadonlySet<string> {
  if (!ns.isStructSchema()) return NONE;
  const sc = ns.getSchema() as unknown as unknown[];
  let set = required.get(sc);
  if (!set) {
    const count = typeof sc[6] === "number" ? sc[6] : 0;
    set = new Set((sc[4] as string[]).slice(0, count));
    required.set(sc, set);
  }
  return set;
}
