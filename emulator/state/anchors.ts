/**
 * The discovery moments a state directory has had (`anchors.json`): one per fresh start and per reset, oldest first.
 * The incident moves at each reset (it is placed relative to now), so grading accepts an answer noted in the range's
 * time before a reset. Kept beside the admin token, across restarts and resets (an offline reset removes only the
 * state, the journal and the blobs).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ANCHORS_FILE = "anchors.json";
/** Enough for any course; the oldest are forgotten beyond it. */
const KEEP = 100;

/** The anchors recorded for a state directory, oldest first; none when the file is missing or not ours. */
export function readAnchors(stateDir: string): string[] {
  try {
    const doc = JSON.parse(readFileSync(join(stateDir, ANCHORS_FILE), "utf8")) as { anchors?: unknown };
    return Array.isArray(doc.anchors) ? doc.anchors.filter((a): a is string => typeof a === "string" && !Number.isNaN(Date.parse(a))) : [];
  } catch {
    return [];
  }
}

/** Adds an anchor unless it is already the newest; written by the owner of the state directory (its lock held). */
export function rememberAnchor(stateDir: string, anchor: string): void {
  const anchors = readAnchors(stateDir);
  if (anchors.at(-1) === anchor) return;
  const file = join(stateDir, ANCHORS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ anchors: [...anchors.filter((a) => a !== anchor), anchor].slice(-KEEP) })}\n`);
  renameSync(tmp, file);
}
