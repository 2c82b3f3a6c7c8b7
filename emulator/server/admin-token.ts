/**
 * The admin token of a state directory (docs/security.md, "Local-only"): made at the first start of the directory,
 * kept across restarts and resets, readable only by its owner (mode 0600). The range's own routes that change state or
 * reveal secrets require it; the project's CLI reads it from the state directory, which a web page never can.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ADMIN_TOKEN_FILE = "admin-token";
/** The header that carries it: `Authorization: Bearer <token>`. */
export const adminAuthorization = (token: string) => `Bearer ${token}`;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The state directory's token, or undefined when it has none (never started, or the file is not ours to read). */
export function readAdminToken(stateDir: string): string | undefined {
  try {
    const token = readFileSync(join(stateDir, ADMIN_TOKEN_FILE), "utf8").trim();
    return TOKEN.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}

/** The token of a state directory its server owns (the lock is held): the existing one, else a new one. */
export function ensureAdminToken(stateDir: string): string {
  const file = join(stateDir, ADMIN_TOKEN_FILE);
  const existing = readAdminToken(stateDir);
  if (existing) {
    // A copy or an editor may have widened it; only its owner may read it.
    if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  const token = randomBytes(32).toString("base64url");
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: "wx" });
  renameSync(tmp, file);
  return token;
}

/**
 * The token for a running range, as the CLI finds it: in the given state directory, else in the one the server names
 * on its open health route (the server this user started; another user's token file is not readable).
 */
export async function adminTokenFor(endpoint: string, stateDir?: string): Promise<string> {
  let dir = stateDir;
  if (!dir) {
    const res = await fetch(`${endpoint.replace(/\/$/, "")}/_ir-range/health`);
    if (!res.ok) throw new Error(`${endpoint} answered ${res.status} for its health route; is an ir-range server running there?`);
    dir = ((await res.json()) as { stateDir?: unknown }).stateDir as string | undefined;
    if (typeof dir !== "string") throw new Error(`${endpoint} does not name its state directory; pass --state-dir`);
  }
  const token = readAdminToken(dir);
  if (!token) {
    throw new Error(
      `cannot read the range's admin token (${join(dir, ADMIN_TOKEN_FILE)}): run this as the user who started the server, or pass its --state-dir`,
    );
  }
  return token;
}
