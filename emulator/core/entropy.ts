/**
 * Where the range's identifiers get their randomness: node:crypto, except while a scenario is built from its
 * timeline, when a seeded stream takes its place so that the same timeline builds the same recording byte for byte
 * (ids, request ids, event ids, session tokens). File names of temporary files keep using node:crypto directly:
 * they never reach a recording, and drawing them from the stream would make it depend on timing.
 */
import { createHash, randomBytes as cryptoBytes, randomInt as cryptoInt, randomUUID as cryptoUUID } from "node:crypto";

type Source = (n: number) => Buffer;

let seeded: Source | undefined;

/** A deterministic byte stream: SHA-256 of the seed and a block counter (not for secrets that must stay secret). */
function streamOf(seed: string): Source {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      const block = createHash("sha256").update(seed).update(":").update(String(counter++)).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
}

export function randomBytes(n: number): Buffer {
  return seeded ? seeded(n) : cryptoBytes(n);
}

/** An integer in [min, max) — or [0, min) with one argument — as node:crypto's randomInt (addresses, MACs). */
export function randomInt(min: number, max?: number): number {
  const [lo, hi] = max === undefined ? [0, min] : [min, max];
  if (!seeded) return cryptoInt(lo, hi);
  return lo + (seeded(6).readUIntBE(0, 6) % (hi - lo));
}

/** An RFC 4122 version 4 UUID. */
export function randomUUID(): string {
  if (!seeded) return cryptoUUID();
  const b = seeded(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Runs `fn` with every id drawn from a stream seeded by `seed`. Process-wide: only a scenario build, which owns its
 * process (or runs before the range serves), may use it.
 */
export async function withSeededEntropy<T>(seed: string, fn: () => Promise<T>): Promise<T> {
  if (seeded) throw new Error("seeded entropy is already in use (one scenario build at a time)");
  seeded = streamOf(seed);
  try {
    return await fn();
  } finally {
    seeded = undefined;
  }
}
