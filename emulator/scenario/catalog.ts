/**
 * Where scenarios are found: the built-in ones in the project's recordings/, then the user's own (imports) in
 * user folders outside the project. A name is only ever a folder name, never a path.
 */
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { PROJECT_ROOT, userScenariosDir } from "../core/paths.ts";

export const RECORDINGS_DIR = join(PROJECT_ROOT, "recordings");

export class ScenarioError extends Error {}

export type ScenarioOrigin = "built-in" | "user";

export interface ScenarioFolder {
  root: string;
  origin: ScenarioOrigin;
}

export interface ScenarioEntry extends ScenarioFolder {
  name: string;
  dir: string;
  /** The folder of the scenario of the same name found first, which `start --scenario NAME` loads instead. */
  hiddenBy?: string;
}

/** 1–63 lower-case letters, digits and dashes, not starting with a dash: no separators, no dots, so never a path. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isScenarioName(name: string): boolean {
  return NAME.test(name);
}

export function checkScenarioName(name: string): void {
  if (!isScenarioName(name)) {
    throw new ScenarioError(`scenario name "${name}" is not allowed: use 1 to 63 lower-case letters, digits and dashes (a name, not a path)`);
  }
}

/**
 * The user's scenario folders, searched in order: the given ones (`--scenarios-dir`), else IR_RANGE_SCENARIOS (a
 * path list, separated as PATH is), else the default user folder (<user data folder>/scenarios).
 */
export function userScenarioFolders(dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  if (dirs.length > 0) return dirs.map((d) => resolve(d));
  const listed = (env.IR_RANGE_SCENARIOS ?? "").split(delimiter).filter(Boolean);
  if (listed.length > 0) return listed.map((d) => resolve(d));
  return [userScenariosDir({ env })];
}

/** Where `import-cloudtrail` writes without --out: the first user folder `start` searches. */
export function defaultImportFolder(env: NodeJS.ProcessEnv = process.env): string {
  return userScenarioFolders([], env)[0];
}

/** Built-in first, so a user folder can never replace a scenario the course relies on. */
export function scenarioFolders(dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ScenarioFolder[] {
  const user = userScenarioFolders(dirs, env).filter((r, i, all) => r !== RECORDINGS_DIR && all.indexOf(r) === i);
  return [{ root: RECORDINGS_DIR, origin: "built-in" }, ...user.map((root) => ({ root, origin: "user" as const }))];
}

/** Every scenario of every folder, in search order; one hidden by an earlier one of the same name says by which. */
export function listScenarioEntries(dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ScenarioEntry[] {
  const first = new Map<string, string>();
  const out: ScenarioEntry[] = [];
  for (const folder of scenarioFolders(dirs, env)) {
    for (const name of namesIn(folder.root)) {
      const dir = join(folder.root, name);
      const hiddenBy = first.get(name);
      out.push({ ...folder, name, dir, ...(hiddenBy ? { hiddenBy } : {}) });
      if (!hiddenBy) first.set(name, dir);
    }
  }
  return out;
}

/** The scenario folders directly under root (a valid name with a scenario.json), sorted. */
export function namesIn(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => isScenarioName(d) && existsSync(join(root, d, "scenario.json")))
    .sort();
}

/** The folder `start --scenario NAME` loads: the first of the search path that has it. */
export function locateScenario(name: string, dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ScenarioEntry {
  checkScenarioName(name);
  const entries = listScenarioEntries(dirs, env);
  const found = entries.find((e) => e.name === name);
  if (found) return found;
  const builtIn = entries.filter((e) => e.origin === "built-in").map((e) => e.name);
  const user = entries.filter((e) => e.origin === "user" && !e.hiddenBy).map((e) => e.name);
  const folders = userScenarioFolders(dirs, env).join(", ");
  throw new ScenarioError(`no scenario named "${name}" (built-in: ${builtIn.join(", ") || "none"}; yours, in ${folders}: ${user.join(", ") || "none"})`);
}

/** The scenarios and where each comes from, for `start --help`. */
export function describeScenarios(dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  const entries = listScenarioEntries(dirs, env);
  const width = Math.max(8, ...entries.map((e) => e.name.length));
  const lines = entries.map((e) => {
    const from = e.origin === "built-in" ? "built-in" : "yours   ";
    const hidden = e.hiddenBy ? ` (not loadable: ${e.hiddenBy} has this name first)` : "";
    return `  ${e.name.padEnd(width)}  ${from}  ${e.dir}${hidden}`;
  });
  const folders = userScenarioFolders(dirs, env);
  const source = dirs.length > 0 ? "--scenarios-dir" : env.IR_RANGE_SCENARIOS ? "IR_RANGE_SCENARIOS" : "the default user folder";
  return [
    "Scenarios (--scenario NAME):",
    ...lines,
    `Your scenarios are searched for in (${source}):`,
    ...folders.map((f) => `  ${f}`),
    "A built-in comes first, then your folders in order. IR_RANGE_SCENARIOS (a path",
    "list, like PATH) or --scenarios-dir DIR search other folders instead;",
    "`ir-range import-cloudtrail` writes into the first of them.",
  ].join("\n");
}

/** The names `--scenario` accepts, each once, built-in first. */
export function scenarioNames(dirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  return listScenarioEntries(dirs, env)
    .filter((e) => !e.hiddenBy)
    .map((e) => e.name);
}
