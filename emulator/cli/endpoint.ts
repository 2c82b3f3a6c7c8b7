/**
 * Finding the running range, the same way for every command: the server that owns the state directory (its lock names
 * its endpoint, as `reset` reads it), else AWS_ENDPOINT_URL (what `eval "$(ir-range env)"` exported), else the default.
 */
import { readLock } from "../state/lock.ts";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:4566";

export interface FoundEndpoint {
  endpoint: string;
  /** Where it came from, for messages: "the server that owns <dir>", "AWS_ENDPOINT_URL", "the default". */
  from: string;
  /** The state directory whose server this is, when its lock said so. */
  stateDir?: string;
}

export function endpointFor(stateDir: string, env: NodeJS.ProcessEnv = process.env): FoundEndpoint {
  const owner = readLock(stateDir);
  if (owner?.endpoint) return { endpoint: owner.endpoint, from: `the server that owns ${stateDir}`, stateDir };
  const fromEnv = env.AWS_ENDPOINT_URL?.trim();
  if (fromEnv) return { endpoint: fromEnv.replace(/\/+$/, ""), from: "AWS_ENDPOINT_URL" };
  return { endpoint: DEFAULT_ENDPOINT, from: "the default" };
}

export class NoServerError extends Error {}

/** The range's open health route: the server's scenario and state directory, or why there is no range there. */
export async function probe(found: FoundEndpoint): Promise<{ scenario?: string; stateDir?: string }> {
  const url = `${found.endpoint.replace(/\/+$/, "")}/_ir-range/health`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new NoServerError(
      `no ir-range server is running at ${found.endpoint} (${found.from}). Start one with \`npx ir-range start\`, or name the one you started with --scenario NAME, --state-dir DIR or --endpoint URL.`,
    );
  }
  const body = res.ok ? ((await res.json().catch(() => undefined)) as { status?: unknown; scenario?: unknown; stateDir?: unknown } | undefined) : undefined;
  if (body?.status !== "ok") {
    throw new NoServerError(`${found.endpoint} (${found.from}) answers, but not as an ir-range server (HTTP ${res.status} for /_ir-range/health)`);
  }
  return {
    scenario: typeof body.scenario === "string" ? body.scenario : undefined,
    stateDir: typeof body.stateDir === "string" ? body.stateDir : undefined,
  };
}
