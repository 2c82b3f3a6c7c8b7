/**
 * Writes a file a script derives from a scenario's build (assessment.json, attacker.json), or with `--check` only
 * says whether the one in the repository is still what the build gives: a build whose ids changed would otherwise
 * leave answers and the attacker's moves pointing at things the recording no longer has.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const checkOnly = process.argv.includes("--check");
const stale: string[] = [];

export function emit(file: string, text: string): void {
  if (!checkOnly) {
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) stale.push(file);
}

/** With --check: exit 1 naming every stale file. */
export function finish(): void {
  if (!checkOnly) return;
  if (stale.length) {
    console.error(`stale (run the script without --check to rewrite): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log("assessment and attacker files are current");
}
