/** One owning process per state directory: a lock file naming the owner, refused while that process lives. */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../core/process.ts";

export interface LockInfo {
  pid: number;
  endpoint?: string;
}

export class StateDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockInfo,
  ) {
    super(
      `state directory ${dir} is in use by another ir-range server (pid ${owner.pid}${owner.endpoint ? `, ${owner.endpoint}` : ""}); stop it or pass another --state-dir`,
    );
  }
}

export function readLock(dir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir, "server.lock"), "utf8")) as LockInfo;
    return processAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function acquireLock(dir: string, info: LockInfo): () => void {
  const file = join(dir, "server.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = readLock(dir);
      if (owner && owner.pid !== process.pid) throw new StateDirInUseError(dir, owner);
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock ${dir}`);
}

export function updateLock(dir: string, info: LockInfo): void {
  const fd = openSync(join(dir, "server.lock"), "w");
  writeSync(fd, JSON.stringify(info));
  closeSync(fd);
}
