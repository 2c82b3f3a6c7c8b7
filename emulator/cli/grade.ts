/** `ir-range grade` and `ir-range answers --template`. */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { Lang } from "../grading/grade.ts";
import type { GradingSnapshot } from "../grading/snapshot.ts";
import { loadScenario } from "../scenario/loader.ts";
import { defaultStateDir } from "../state/state-dir.ts";
import { endpointFor, type FoundEndpoint, NoServerError, probe } from "./endpoint.ts";

// Grading (and its YAML parser) loads only for these commands, not at every `ir-range start`.
const grading = () => Promise.all([import("../grading/grade.ts"), import("../grading/load.ts")]);

interface GradeOpts {
  endpoint?: string;
  scenario?: string;
  stateDir?: string;
  answers?: string;
  json?: boolean;
  reveal?: boolean;
  lang: Lang | "both";
}

/**
 * The snapshot to grade. A state directory named with --state-dir and owned by no running server is graded offline:
 * a copy of it opened in this process (grading/offline.ts), no server needed. Otherwise the running server's, found
 * as `reset` finds it.
 */
async function snapshotFor(opts: GradeOpts): Promise<GradingSnapshot> {
  const { fetchSnapshot } = await import("../grading/snapshot.ts");
  const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(opts.scenario ?? process.env.IR_RANGE_SCENARIO ?? "secutter");
  const found: FoundEndpoint = opts.endpoint ? { endpoint: opts.endpoint, from: "--endpoint" } : endpointFor(stateDir);
  // Loaded only here: offline grading opens the range itself, with every service.
  const offline = async () => (await import("../grading/offline.ts")).offlineSnapshot(stateDir, { scenario: opts.scenario });
  if (opts.stateDir && !opts.endpoint && !found.stateDir) return offline();
  let health: Awaited<ReturnType<typeof probe>>;
  try {
    health = await probe(found);
  } catch (e) {
    // A lock whose process lives but serves nothing is another program's pid reused after a crash: read the directory.
    if (e instanceof NoServerError && opts.stateDir && found.stateDir) return offline();
    throw e;
  }
  // The admin token: in the state directory named (or whose lock led here), else in the one the server names.
  const tokenDir = opts.stateDir ? stateDir : (found.stateDir ?? health.stateDir);
  return fetchSnapshot(found.endpoint, { stateDir: tokenDir });
}

export function registerGradeCommands(program: Command, fail: (e: unknown) => never): void {
  program
    .command("grade")
    .description("grade the running range, or a saved state directory with no server: answers, containment in the state, order of your own calls")
    .option("--endpoint <url>", "the running emulator (default: the server that owns the state directory, else AWS_ENDPOINT_URL, else http://127.0.0.1:4566)")
    .option("--scenario <name>", "whose state directory to look in for the running server (default: IR_RANGE_SCENARIO, else secutter)")
    .option(
      "--state-dir <dir>",
      "a state directory: graded through the server that owns it, else read directly with no server (a copy is graded; the directory is left as it is)",
    )
    .option("--answers <file>", "your answers (answers.yaml or .json)")
    .option("--json", "machine-readable output (score, maxScore, warnings, items)")
    .option("--reveal", "name every resource in the evidence, answered or not (an instructor's debrief)")
    .addOption(new Option("--lang <lang>", "en, ja or both").choices(["en", "ja", "both"]).default("en"))
    .action(async (opts: GradeOpts) => {
      try {
        const [{ formatReport, grade }, { loadAnswers, loadAssessment }] = await grading();
        // Read before any request: a wrong path is the student's first error to hear about.
        const answers = opts.answers ? loadAnswers(opts.answers) : {};
        const snap = await snapshotFor(opts);
        const assessment = loadAssessment(loadScenario(snap.scenario).dir);
        const langs: Lang[] = opts.lang === "both" ? ["en", "ja"] : [opts.lang];
        const reports = langs.map((l) => grade(assessment, snap, answers, l, { reveal: opts.reveal === true }));
        if (opts.json) {
          // One language: the report itself; both: { en, ja }.
          const doc = reports.length === 1 ? reports[0] : { en: reports[0], ja: reports[1] };
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } else process.stdout.write(`${reports.map((r, i) => formatReport(r, langs[i])).join("\n\n")}\n`);
        process.exitCode = reports[0].passed ? 0 : 1;
      } catch (e) {
        fail(e);
      }
    });

  program
    .command("answers")
    .description("print an answers.yaml template for a scenario's questions")
    .option("--template", "print the template (the default)")
    .option("--scenario <name>", "a built-in scenario or one of yours (default: IR_RANGE_SCENARIO, else secutter)")
    .addOption(new Option("--lang <lang>", "en or ja").choices(["en", "ja"]).default("en"))
    .action(async (opts: { scenario?: string; lang: Lang }) => {
      try {
        const [, { answersTemplate, loadAssessment }] = await grading();
        const scenario = opts.scenario ?? process.env.IR_RANGE_SCENARIO ?? "secutter";
        process.stdout.write(answersTemplate(loadAssessment(loadScenario(scenario).dir), opts.lang));
      } catch (e) {
        fail(e);
      }
    });
}
