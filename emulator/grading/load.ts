/** Reads a scenario's assessment.json and a student's answers file (YAML or JSON). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { formatIssues } from "../core/manifest.ts";
import { type Assessment, assessmentSchema } from "./assessment.ts";
import { type Lang, TEMPLATE_EXAMPLE, TEMPLATE_HEADER } from "./messages.ts";

export function loadAssessment(scenarioDir: string): Assessment {
  const file = join(scenarioDir, "assessment.json");
  if (!existsSync(file)) throw new Error(`this scenario has no assessment (${file})`);
  const parsed = assessmentSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(formatIssues(file, parsed.error));
  return parsed.data;
}

export function loadAnswers(file: string): Record<string, unknown> {
  const text = readFileSync(file, "utf8");
  const doc = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file}: answers must be a mapping of question id to answer`);
  return doc as Record<string, unknown>;
}

/** A YAML template with each question as a comment, in the student's language, for `ir-range answers --template`. */
export function answersTemplate(a: Assessment, lang: Lang): string {
  const lines = [...TEMPLATE_HEADER[lang](a.scenario), ""];
  for (const q of a.questions) {
    lines.push(`# ${q.prompt[lang]}`, `#   ${TEMPLATE_EXAMPLE[lang]} ${q.example}`, `${q.id}: ""`, "");
  }
  return lines.join("\n");
}
