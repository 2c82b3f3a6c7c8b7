/**
 * Runs the attacker's replay against a throwaway copy of a state directory, so that what the attacker's moves
 * would change (and the journal lines they add) never reach the student's range.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "../core/runtime.ts";
import { copyStateDir } from "../state/state-copy.ts";
import type { AttackerPlan } from "./plan.ts";
import { type AttemptResult, type Handle, replayAttacker } from "./replay.ts";

export interface OpenedRange {
  runtime: Runtime;
  handle: Handle;
  close(): Promise<void>;
}

export async function replayOnCopy(stateDir: string, plan: AttackerPlan, open: (copyDir: string) => Promise<OpenedRange>): Promise<AttemptResult[]> {
  const copy = mkdtempSync(join(tmpdir(), "ir-range-replay-"));
  try {
    copyStateDir(stateDir, copy);
    const range = await open(copy);
    try {
      return await replayAttacker(range.runtime, range.handle, plan);
    } finally {
      await range.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
