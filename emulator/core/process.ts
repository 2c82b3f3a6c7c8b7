/** Whether a process still runs (EPERM: it does, as another user's): stale locks and temp folders are told by it. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
