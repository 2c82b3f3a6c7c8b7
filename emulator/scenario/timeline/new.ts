/** `ir-range scenario new`: a copy of the template (a small, complete timeline scenario) under a new name. */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../core/paths.ts";

export const TEMPLATE_DIR = join(PROJECT_ROOT, "emulator", "scenario", "timeline", "template");

/** Copies the template to `to`, every NAME in it replaced by the scenario's name. */
export function newScenario(to: string, name: string): void {
  if (existsSync(to)) throw new Error(`${to} already exists`);
  cpSync(TEMPLATE_DIR, to, { recursive: true });
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else writeFileSync(p, readFileSync(p, "utf8").replaceAll("NAME", name));
    }
  };
  walk(to);
}
