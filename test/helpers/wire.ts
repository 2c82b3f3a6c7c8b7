/** Builds WireRequests the way real clients serialize them: SDK v3 in-process, or botocore via python3. */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WireRequest } from "../../emulator/protocols/wire.ts";

export const hasBotocore = spawnSync("python3", ["-c", "import botocore"]).status === 0;
if (!hasBotocore && process.env.CI === "true") throw new Error("python3 with botocore is required in CI");

const script = fileURLToPath(new URL("./botocore_serialize.py", import.meta.url));

/** The request the aws CLI would send for this operation and these parameters. */
export function botocoreRequest(service: string, operation: string, params: unknown): WireRequest {
  const out = JSON.parse(execFileSync("python3", [script, service, operation, JSON.stringify(params)], { encoding: "utf8" })) as {
    body: string;
    headers: Record<string, string>;
    url_path: string;
    query: Record<string, string> | string;
    method: string;
  };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = v;
  const query = typeof out.query === "string" ? [...new URLSearchParams(out.query).entries()] : Object.entries(out.query);
  return { method: out.method, rawPath: out.url_path, query, headers, body: Buffer.from(out.body ?? "") };
}

/** Captures the HTTP request an SDK v3 client would send, without sending it. */
export async function sdkRequest(client: { send(c: unknown): Promise<unknown>; config: { requestHandler: unknown } }, command: unknown): Promise<WireRequest> {
  let captured: WireRequest | undefined;
  (client.config as { requestHandler: unknown }).requestHandler = {
    handle: async (req: { method: string; path: string; query?: Record<string, string | string[]>; headers: Record<string, string>; body?: unknown }) => {
      const query: [string, string][] = [];
      for (const [k, v] of Object.entries(req.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) query.push([k, x ?? ""]);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
      // Bytes by view: the SDK's JSON body is a Uint8Array whose valueOf() (called by Buffer.from) warns.
      const b = req.body;
      const body = typeof b === "string" ? Buffer.from(b) : b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.alloc(0);
      captured = { method: req.method, rawPath: req.path, query, headers, body };
      throw new Error("captured");
    },
  };
  await client.send(command).catch(() => undefined);
  if (!captured) throw new Error("no request captured");
  return captured;
}
