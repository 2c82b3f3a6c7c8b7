/** Identifiers in AWS's shapes, from core/entropy.ts: crypto at run time, a seeded stream while a timeline is built. */
import { randomBytes, randomUUID } from "./entropy.ts";

const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

/** e.g. resourceId("i") → "i-0a1b2c3d4e5f67890" (17 hex digits, as EC2 issues today). */
export function resourceId(prefix: string): string {
  return `${prefix}-0${hex(8).slice(0, 16)}`;
}

export function requestId(): string {
  return randomUUID();
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** IAM-style unique ids and access keys: 4-letter prefix + 16 base32 characters. */
export function iamId(prefix: "AKIA" | "ASIA" | "AIDA" | "AROA" | "AIPA" | "ANPA" | "AGPA"): string {
  const bytes = randomBytes(16);
  let out = prefix;
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

export function secretKey(): string {
  return randomBytes(30).toString("base64").replace(/[+/]/g, "A").slice(0, 40);
}
