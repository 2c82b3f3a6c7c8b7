/**
 * Grading a saved state directory with no server running (`ir-range grade --state-dir DIR`, class grading). The
 * directory is copied, and the copy opened as the server opens one — the same runtime, services and dispatcher
 * (createEmulator) — so every check, today's and those that replay calls through the range (issue #13), sees what a
 * server would. The student's directory is only read: opening a state directory writes to it (its lock, anchors.json,
 * a torn journal line cut off), and the copy takes all of that.
 */
import { existsSync, lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadAttackerPlan } from "../attacker/plan.ts";
import { replayAttacker } from "../attacker/replay.ts";
import { loadScenario } from "../scenario/loader.ts";
import { createEmulator, type Emulator } from "../server/app.ts";
import { Journal } from "../state/journal.ts";
import { copyStateDir } from "../state/state-copy.ts";
import { StateStore } from "../state/store.ts";
import { type GradingSnapshot, snapshotOf } from "./snapshot.ts";

/** Why a directory cannot be graded: it holds no state, not an ir-range state, or another scenario's. */
export type StateDirProblem = "noState" | "badState" | "wrongScenario";

export class StateDirError extends Error {
  constructor(
    readonly problem: StateDirProblem,
    message: string,
    /** For wrongScenario: the scenario the state holds. */
    readonly found?: string,
  ) {
    super(message);
  }
}

/**
 * The clock of the copy: where the student left the range — their last call, else the moment it started (discovery
 * plus the scenario's lead) — so the same state opens at the same time whenever it is graded.
 */
function leftAt(dir: string, anchor: string, minutesBefore: number): Date {
  const journal = new Journal(dir);
  try {
    let last = Date.parse(anchor) + minutesBefore * 60_000;
    for (let i = 0; i < journal.length; i++) last = Math.max(last, journal.summary(i).time);
    return new Date(last);
  } finally {
    journal.close();
  }
}

export interface OfflineOptions {
  /** The scenario the state must hold (default: the one it names). */
  scenario?: string;
  recordingsDir?: string;
}

/**
 * Opens a copy of the state directory as a range with no listener and runs fn on it; the copy is closed and removed
 * after, whatever fn does. Errors name the student's directory, never the copy.
 */
export async function withOfflineRange<T>(stateDir: string, opts: OfflineOptions, fn: (emulator: Emulator) => T | Promise<T>): Promise<T> {
  const dir = resolve(stateDir);
  const stateFile = join(dir, "state.json");
  if (!existsSync(stateFile) || !lstatSync(stateFile).isFile()) {
    throw new StateDirError("noState", `${dir} holds no ir-range state (no state.json): start the range with this --state-dir and work in it first`);
  }
  const copy = mkdtempSync(join(tmpdir(), "ir-range-grade-"));
  const inOriginal = (e: unknown) => {
    if (e instanceof Error) e.message = e.message.split(copy).join(dir);
    return e;
  };
  try {
    copyStateDir(dir, copy);
    // Which scenario, and when: read by the store the runtime opens it with (no second reader of state.json).
    let peek: { scenario?: unknown; anchor?: unknown };
    try {
      peek = (await StateStore.open(copy, () => Promise.reject(new Error("state.json vanished")))).store.data;
    } catch (e) {
      throw new StateDirError("badState", (inOriginal(e) as Error).message);
    }
    if (typeof peek.scenario !== "string" || typeof peek.anchor !== "string" || Number.isNaN(Date.parse(peek.anchor))) {
      throw new StateDirError("badState", `${stateFile} is not an ir-range state file (it names no scenario or discovery moment)`);
    }
    if (opts.scenario && peek.scenario !== opts.scenario) {
      throw new StateDirError("wrongScenario", `${dir} holds scenario "${peek.scenario}", not "${opts.scenario}"`, peek.scenario);
    }
    const { manifest } = loadScenario(peek.scenario, opts.recordingsDir);
    const emulator = await createEmulator({
      scenario: peek.scenario,
      stateDir: copy,
      recordingsDir: opts.recordingsDir,
      clock: leftAt(copy, peek.anchor, manifest.discoveredMinutesBeforeStart),
    });
    try {
      return await fn(emulator);
    } finally {
      await emulator.close();
    }
  } catch (e) {
    throw inOriginal(e);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * The grading snapshot of a saved state directory: what a server's /_ir-range/snapshot would answer for it, JSON and
 * all, so that the same grade comes of it.
 */
export function offlineSnapshot(stateDir: string, opts: OfflineOptions = {}): Promise<GradingSnapshot> {
  return withOfflineRange(stateDir, opts, async (e) => {
    const snap = JSON.parse(JSON.stringify(snapshotOf(e.runtime))) as GradingSnapshot;
    // Replayed after the snapshot was taken, on the copy (thrown away after), as the server replays on a copy.
    const plan = loadAttackerPlan(e.runtime.scenario.dir);
    return plan ? { ...snap, attacker: await replayAttacker(e.runtime, e.handle, plan) } : snap;
  });
}
