/**
 * Text the range hands out sealed and opens later (EC2's encoded authorization messages): AES-256-GCM under a key
 * of this installation (Runtime.sealingKey), so it opens in this state directory only and cannot be forged.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { randomBytes } from "./entropy.ts";
import type { Runtime } from "./runtime.ts";

export function seal(runtime: Runtime, purpose: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", runtime.sealingKey(purpose), iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The sealed text, or undefined when it was not sealed here for this purpose (or was altered). */
export function unseal(runtime: Runtime, purpose: string, sealed: string): string | undefined {
  const raw = Buffer.from(sealed.trim(), "base64url");
  if (raw.length < 29) return undefined;
  // This installation's key, then the recording's: messages a recording's own calls were refused with open too.
  for (const key of [runtime.sealingKey(purpose), runtime.recordingSealingKey?.(purpose)]) {
    if (!key) continue;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      // not sealed under this key
    }
  }
  return undefined;
}

/** The purpose EC2's encoded authorization messages are sealed for. */
export const AUTHORIZATION_MESSAGE = "authorization-message";
