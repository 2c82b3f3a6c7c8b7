/** `ir-range scenario new | check | build`: scenarios authored as timelines (docs/scenarios.md). */
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { checkScenarioName, defaultImportFolder, locateScenario } from "../scenario/catalog.ts";
import { loadScenario } from "../scenario/loader.ts";
import { build, check, hasTimeline, TimelineError } from "../scenario/timeline/index.ts";
import { newScenario } from "../scenario/timeline/new.ts";

/** The scenario folder as the user would type it: relative when it is below the current directory. */
function shown(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
}

function folderOf(name: string, dir: string | undefined): { root?: string; dir: string } {
  if (dir) return { root: resolve(dir), dir: join(resolve(dir), name) };
  return { dir: locateScenario(name).dir };
}

export function registerScenarioCommands(program: Command, fail: (e: unknown) => never): void {
  const scenario = program.command("scenario").description("author scenarios as timelines: new, check, build");

  scenario
    .command("new <name>")
    .description("make a new scenario from a small, complete example timeline, in your scenarios folder")
    .option("--scenarios-dir <dir>", "where to make it (default: your scenarios folder, as import-cloudtrail uses)")
    .action((name: string, opts: { scenariosDir?: string }) => {
      try {
        checkScenarioName(name);
        const root = resolve(opts.scenariosDir ?? defaultImportFolder());
        const to = join(root, name);
        newScenario(to, name);
        process.stdout.write(
          [
            `made scenario "${name}" in ${to}`,
            `  edit ${join(to, "timeline")}/*.yaml, then:`,
            `  npx ir-range scenario check ${name}${opts.scenariosDir ? ` --scenarios-dir ${opts.scenariosDir}` : ""}`,
            `  npx ir-range scenario build ${name}${opts.scenariosDir ? ` --scenarios-dir ${opts.scenariosDir}` : ""}`,
            `  npx ir-range start --scenario ${name}${opts.scenariosDir ? ` --scenarios-dir ${opts.scenariosDir}` : ""}`,
            "",
          ].join("\n"),
        );
      } catch (e) {
        fail(e);
      }
    });

  scenario
    .command("check <name>")
    .description("validate a scenario's timeline: unknown operations, actors and references, with file and line")
    .option("--scenarios-dir <dir>", "the folder that holds the scenario (default: the search path)")
    .action((name: string, opts: { scenariosDir?: string }) => {
      try {
        const where = folderOf(name, opts.scenariosDir);
        const { manifest } = loadScenario(name, where.root);
        if (!hasTimeline(where.dir)) throw new Error(`${name} is not authored as a timeline (no timeline/ folder)`);
        const problems = check(where.dir, manifest);
        const rel = shown(where.dir);
        for (const p of problems) process.stdout.write(`${join(rel, p.where)}: ${p.message}\n`);
        if (problems.length) {
          process.stdout.write(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${name}\n`);
          process.exit(1);
        }
        process.stdout.write(`${name}: the timeline is consistent\n`);
      } catch (e) {
        fail(e);
      }
    });

  scenario
    .command("build <name>")
    .description("build a scenario's recording from its timeline (through the range itself), into its build/ folder")
    .option("--scenarios-dir <dir>", "the folder that holds the scenario (default: the search path)")
    .option("--out <dir>", "write the recording here instead of the scenario's build/ folder")
    .option("--if-stale", "only when the timeline changed since the last build")
    .action(async (name: string, opts: { scenariosDir?: string; out?: string; ifStale?: boolean }) => {
      try {
        const where = folderOf(name, opts.scenariosDir);
        const { manifest } = loadScenario(name, where.root);
        if (!hasTimeline(where.dir)) throw new Error(`${name} is not authored as a timeline (no timeline/ folder)`);
        const r = await build(where.dir, manifest, {
          log: (line) => process.stdout.write(`${line}\n`),
          ifStale: opts.ifStale,
          ...(opts.out ? { out: resolve(opts.out) } : {}),
        });
        if (!r.rebuilt) process.stdout.write(`${name}: ${r.out} is up to date\n`);
      } catch (e) {
        if (e instanceof TimelineError) {
          const rel = shown(folderOf(name, opts.scenariosDir).dir);
          for (const p of e.problems) process.stderr.write(`${join(rel, p.where)}: ${p.message}\n`);
          process.exit(1);
        }
        fail(e);
      }
    });
}
