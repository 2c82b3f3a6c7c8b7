/**
 * When each IAM user's access key last signed a request. Every call notes it, reads included, so it is kept in
 * memory and folded into the state only when a transaction writes anyway (or the runtime stops): a read never
 * writes state.json, and GetAccessKeyLastUsed still answers at once, as AWS's data lags by hours at most.
 */
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceDefinition, ServiceLifecycle } from "../../core/service.ts";
import type { StoredAccessKey } from "./state.ts";
import { iamStateOf } from "./state.ts";
import { findAccessKey } from "./users.ts";

type LastUsed = NonNullable<StoredAccessKey["LastUsed"]>;

const pendingByRuntime = new WeakMap<Runtime, Map<string, LastUsed>>();

function pendingOf(runtime: Runtime): Map<string, LastUsed> {
  let p = pendingByRuntime.get(runtime);
  if (!p) {
    p = new Map();
    pendingByRuntime.set(runtime, p);
  }
  return p;
}

/** A user's key that signed a request records when, where and for which service, as GetAccessKeyLastUsed shows. */
export const noteKeyUse: ServiceDefinition["noteKeyUse"] = (runtime, accessKeyId, use) => {
  if (!accessKeyId.startsWith("AKIA")) return;
  pendingOf(runtime).set(accessKeyId, { LastUsedDate: use.time.toISOString(), ServiceName: use.serviceName, Region: use.region });
};

/** The key's last use: a use noted since the last write, else the stored one. */
export function lastUseOf(runtime: Runtime, key: StoredAccessKey): StoredAccessKey["LastUsed"] {
  return (key.AccessKeyId && pendingByRuntime.get(runtime)?.get(key.AccessKeyId)) || key.LastUsed;
}

function fold(runtime: Runtime): void {
  const pending = pendingByRuntime.get(runtime);
  if (!pending?.size) return;
  const st = iamStateOf(runtime, runtime.accountId);
  for (const [id, used] of pending) {
    const found = findAccessKey(st, id);
    if (found) found.key.LastUsed = used;
  }
  pending.clear();
}

export const keyUseLifecycle: ServiceLifecycle = {
  start: (runtime) => runtime.onCommit(() => fold(runtime)),
  // Uses noted after the last write are kept too.
  stop: (runtime) => runtime.transact(() => fold(runtime)),
};
