/**
 * Writes the function table of docs/athena.md from the translator's own function registry (translate.ts's
 * FUNCTION_REGISTRY, built in sql/functions.ts), between its BEGIN/END markers, so the page cannot drift from what
 * the range does: test/athena/athena-function-registry.test.ts fails when the page is not what this writes.
 *
 *   node bin/run-ts.js scripts/athena-functions-doc.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SupportKind } from "../emulator/services/athena/sql/functions.ts";
import { FUNCTION_REGISTRY } from "../emulator/services/athena/sql/translate.ts";
import { TRINO_TOPICS } from "../emulator/services/athena/sql/trino-functions.ts";

export const DOC_PATH = "docs/athena.md";
const BEGIN = "<!-- BEGIN function table: written by scripts/athena-functions-doc.ts -->";
const END = "<!-- END function table -->";

const KIND: Record<SupportKind, string> = {
  same: "supported (DuckDB's function of the same name)",
  macro: "supported (a `trino` macro)",
  translated: "translated",
  syntax: "supported (syntax)",
  unsupported: "**not supported**",
};

const link = (topic: string) => {
  const page = TRINO_TOPICS.find((t) => t.title === topic)?.page;
  return page ? `[${topic}](https://trino.io/docs/current/functions/${page})` : topic;
};

/** The table, with a count of each kind above it. */
export function functionTable(): string {
  const counts = new Map<SupportKind, number>();
  for (const e of FUNCTION_REGISTRY) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const summary = (Object.keys(KIND) as SupportKind[]).map((k) => `${counts.get(k) ?? 0} ${KIND[k].replace(/\*\*/g, "")}`).join(", ");
  const rows = FUNCTION_REGISTRY.map(
    (e) => `| \`${e.name}\` | ${e.topics.map(link).join(", ")} | ${KIND[e.kind]} | ${(e.note ?? "").replaceAll("|", "\\|")} |`,
  );
  return [`${FUNCTION_REGISTRY.length} functions: ${summary}.`, "", "| function | topic | here | notes |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** The document with its table replaced (the markers stay). */
export function replaceTable(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC_PATH} has no ${BEGIN} … ${END} markers`);
  return `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const file = join(dirname(fileURLToPath(import.meta.url)), "..", DOC_PATH);
  writeFileSync(file, replaceTable(readFileSync(file, "utf8"), functionTable()));
  console.log(`wrote the function table of ${DOC_PATH} (${FUNCTION_REGISTRY.length} functions)`);
}
