/**
 * The scenario's own credentials (the responder's keys in scenario.json) with secrets of this installation: the
 * recording names the access key ids — they appear in its history — but its secrets are public on GitHub, so each
 * state directory makes its own at first use and keeps them (mode 0600) across restarts and resets. `ir-range start`,
 * `env` and `profile` print them; the in-process shim and tests read them from the runtime.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScenarioCredential, ScenarioManifest } from "../core/manifest.ts";

export const CREDENTIALS_FILE = "credentials.json";

export interface InstalledCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** 40 characters of AWS's secret alphabet (letters, digits, + and /). */
function newSecret(): string {
  return randomBytes(30).toString("base64");
}

function read(file: string): Record<string, string> | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === "string" && v.length >= 16) out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}

/** Sets secrets for keys of a state directory (tests and benchmarks that sign with fixed keys; a class handing out keys). */
export function writeInstalledSecrets(stateDir: string, secrets: Record<string, string>): void {
  const file = join(stateDir, CREDENTIALS_FILE);
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${JSON.stringify({ ...(read(file) ?? {}), ...secrets }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * The secret of every credential the manifest defines, from the state directory; missing ones are made and written
 * (atomically: a concurrent `ir-range env` and `start` agree on one file).
 */
export function installedSecrets(stateDir: string, manifest: Pick<ScenarioManifest, "credentials">): Map<string, string> {
  const file = join(stateDir, CREDENTIALS_FILE);
  const stored = read(file) ?? {};
  const missing = manifest.credentials.filter((c) => !stored[c.accessKeyId]);
  if (missing.length) {
    for (const c of missing) stored[c.accessKeyId] = newSecret();
    const tmp = `${file}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } else if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
  }
  return new Map(Object.entries(stored));
}

/** The credential a user signs with: the manifest's responder, with this installation's secret. */
export function responderCredential(stateDir: string, manifest: Pick<ScenarioManifest, "credentials" | "responder">): InstalledCredential {
  return responderWith(installedSecrets(stateDir, manifest), manifest);
}

/** The responder's credential with secrets already read (a running runtime holds them). */
export function responderWith(secrets: ReadonlyMap<string, string>, manifest: Pick<ScenarioManifest, "credentials" | "responder">): InstalledCredential {
  const c: ScenarioCredential = manifest.credentials.find((x) => x.label === manifest.responder) ?? manifest.credentials[0];
  const secret = secrets.get(c.accessKeyId) ?? "";
  return { accessKeyId: c.accessKeyId, secretAccessKey: secret, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
}
