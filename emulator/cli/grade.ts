/** `ir-range grade` and `ir-range answers --template`. */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Lang } from "../grading/grade.ts";
import { loadScenario } from "../scenario/loader.ts";

// Grading (and its YAML parser) loads only for these commands, not at every `ir-range start`.
const grading = () => Promise.all([import("../grading/grade.ts"), import("../grading/load.ts"), import("../grading/snapshot.ts")]);

export function registerGradeCommands(program: Command, fail: (e: unknown) => never): void {
  program
    .command("grade")
    .description("grade the running range: answers, containment in the live state, order of your own calls")
    .option("--endpoint <url>", "the running emulator", "http://127.0.0.1:4566")
    .option("--state-dir <dir>", "the server's state directory, where its admin token is (default: the one the server names)")
    .option("--answers <file>", "your answers (answers.yaml or .json)")
    .option("--json", "machine-readable output (score, maxScore, items)")
    .option("--lang <lang>", "en or ja", "en")
    .action(async (opts: { endpoint: string; stateDir?: string; answers?: string; json?: boolean; lang: string }) => {
      try {
        const [{ formatReport, grade }, { loadAnswers, loadAssessment }, { fetchSnapshot }] = await grading();
        const lang: Lang = opts.lang === "ja" ? "ja" : "en";
        const snap = await fetchSnapshot(opts.endpoint, { stateDir: opts.stateDir && resolve(opts.stateDir) });
        const assessment = loadAssessment(loadScenario(snap.scenario).dir);
        const answers = opts.answers ? loadAnswers(opts.answers) : {};
        const report = grade(assessment, snap, answers, lang);
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
    .option("--scenario <name>", "scenario under recordings/", "secutter")
    .option("--lang <lang>", "en or ja", "en")
    .action(async (opts: { scenario: string; lang: string }) => {
      try {
        const [, { answersTemplate, loadAssessment }] = await grading();
        process.stdout.write(answersTemplate(loadAssessment(loadScenario(opts.scenario).dir), opts.lang === "ja" ? "ja" : "en"));
      } catch (e) {
        fail(e);
      }
    });
}
