/** `ir-range grade` and `ir-range answers --template`. */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Lang } from "../grading/grade.ts";
import { loadScenario } from "../scenario/loader.ts";
import { defaultStateDir } from "../state/state-dir.ts";
import { endpointFor, type FoundEndpoint, probe } from "./endpoint.ts";

// Grading (and its YAML parser) loads only for these commands, not at every `ir-range start`.
const grading = () => Promise.all([import("../grading/grade.ts"), import("../grading/load.ts"), import("../grading/snapshot.ts")]);

const langOf = (l: string): Lang => (l === "ja" ? "ja" : "en");

interface GradeOpts {
  endpoint?: string;
  scenario?: string;
  stateDir?: string;
  answers?: string;
  json?: boolean;
  reveal?: boolean;
  lang: string;
}

export function registerGradeCommands(program: Command, fail: (e: unknown) => never): void {
  program
    .command("grade")
    .description("grade the running range: answers, containment in the live state, order of your own calls")
    .option("--endpoint <url>", "the running emulator (default: the server that owns the state directory, else AWS_ENDPOINT_URL, else http://127.0.0.1:4566)")
    .option("--scenario <name>", "whose state directory to look in for the running server (default: IR_RANGE_SCENARIO, else secutter)")
    .option("--state-dir <dir>", "the server's state directory: its lock names the server, and its admin token is there (default: .ir-range/<scenario>)")
    .option("--answers <file>", "your answers (answers.yaml or .json)")
    .option("--json", "machine-readable output (score, maxScore, items)")
    .option("--reveal", "name every resource in the evidence, answered or not (an instructor's debrief)")
    .option("--lang <lang>", "en or ja", "en")
    .action(async (opts: GradeOpts) => {
      try {
        const [{ formatReport, grade }, { loadAnswers, loadAssessment }, { fetchSnapshot }] = await grading();
        const lang = langOf(opts.lang);
        // Read before any request: a wrong path is the student's first error to hear about.
        const answers = opts.answers ? loadAnswers(opts.answers) : {};
        const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(opts.scenario ?? process.env.IR_RANGE_SCENARIO ?? "secutter");
        const found: FoundEndpoint = opts.endpoint ? { endpoint: opts.endpoint, from: "--endpoint" } : endpointFor(stateDir);
        const health = await probe(found);
        // The admin token: in the state directory named (or whose lock led here), else in the one the server names.
        const tokenDir = opts.stateDir ? stateDir : (found.stateDir ?? health.stateDir);
        const snap = await fetchSnapshot(found.endpoint, { stateDir: tokenDir });
        const assessment = loadAssessment(loadScenario(snap.scenario).dir);
        const report = grade(assessment, snap, answers, lang, { reveal: opts.reveal === true });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, lang)}\n`);
        process.exitCode = report.passed ? 0 : 1;
      } catch (e) {
        fail(e);
      }
    });

  program
    .command("answers")
    .description("print an answers.yaml template for a scenario's questions")
    .option("--template", "print the template (the default)")
    .option("--scenario <name>", "scenario under recordings/ (default: IR_RANGE_SCENARIO, else secutter)")
    .option("--lang <lang>", "en or ja", "en")
    .action(async (opts: { scenario?: string; lang: string }) => {
      try {
        const [, { answersTemplate, loadAssessment }] = await grading();
        const scenario = opts.scenario ?? process.env.IR_RANGE_SCENARIO ?? "secutter";
        process.stdout.write(answersTemplate(loadAssessment(loadScenario(scenario).dir), langOf(opts.lang)));
      } catch (e) {
        fail(e);
      }
    });
}
