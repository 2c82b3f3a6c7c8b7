/**
 * `ir-range replay-attacker`: the attacker's next moves (the scenario's attacker.json) against the running range,
 * each shown as blocked or still possible with the reason. Without --apply they run on a copy of the range's
 * state and change nothing; with --apply they are made for real, from the attacker's address, and appear in
 * CloudTrail (lookup-events) with their errorCode — for a debrief.
 */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { AttemptResult } from "../attacker/replay.ts";
import { adminAuthorization, adminTokenFor } from "../server/admin-token.ts";
import { defaultStateDir } from "../state/state-dir.ts";
import { endpointFor, probe } from "./endpoint.ts";

type Lang = "en" | "ja";

const WORDS = {
  en: {
    blocked: "blocked",
    possible: "POSSIBLE",
    summary: (b: number, n: number) => `${b} of ${n} attacker moves blocked`,
    applied: "performed on the range (see lookup-events)",
  },
  ja: {
    blocked: "阻止",
    possible: "可能",
    summary: (b: number, n: number) => `攻撃者の ${n} 手のうち ${b} 手を阻止`,
    applied: "レンジ上で実行しました (lookup-events で確認できます)",
  },
} as const;

export function formatAttempts(results: AttemptResult[], lang: Lang, applied: boolean): string {
  const w = WORDS[lang];
  const lines = results.map(
    (r) => `${r.blocked ? `  ${w.blocked}` : `✗ ${w.possible}`}  ${r.title[lang]}\n      ${r.reason[lang]}${r.detail ? `\n      ${r.detail}` : ""}`,
  );
  const blocked = results.filter((r) => r.blocked).length;
  return [...lines, "", w.summary(blocked, results.length) + (applied ? ` — ${w.applied}` : "")].join("\n");
}

export function registerReplayAttackerCommand(program: Command, fail: (e: unknown) => never): void {
  program
    .command("replay-attacker")
    .description("show which of the attacker's next moves your containment blocks (on a copy of the state; --apply performs them, journaled)")
    .option("--endpoint <url>", "the running emulator (default: the server that owns the state directory, else AWS_ENDPOINT_URL)")
    .option("--scenario <name>", "whose state directory to look in for the running server (default: IR_RANGE_SCENARIO, else secutter)")
    .option("--state-dir <dir>", "the running server's state directory")
    .option("--apply", "perform the moves on the range itself: they appear in CloudTrail with their errorCode")
    .option("--json", "machine-readable output")
    .option("--reveal", "name the instances and addresses concerned (an instructor's debrief: they answer questions)")
    .addOption(new Option("--lang <lang>", "en or ja").choices(["en", "ja"]).default("en"))
    .action(async (opts: { endpoint?: string; scenario?: string; stateDir?: string; apply?: boolean; json?: boolean; reveal?: boolean; lang: Lang }) => {
      try {
        const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(opts.scenario ?? process.env.IR_RANGE_SCENARIO ?? "secutter");
        const found = opts.endpoint ? { endpoint: opts.endpoint, from: "--endpoint" } : endpointFor(stateDir);
        const health = await probe(found);
        const token = await adminTokenFor(found.endpoint, opts.stateDir ? stateDir : (found.stateDir ?? health.stateDir));
        const res = await fetch(`${found.endpoint.replace(/\/$/, "")}/_ir-range/attacker`, {
          method: opts.apply ? "POST" : "GET",
          headers: { authorization: adminAuthorization(token) },
        });
        if (!res.ok) throw new Error(`${found.endpoint} answered ${res.status} for the attacker's replay`);
        const all = ((await res.json()) as { attempts: AttemptResult[] }).attempts;
        // The resources concerned answer the scenario's questions: named only in a debrief.
        const attempts = opts.reveal ? all : all.map(({ detail: _d, ...r }) => r);
        if (opts.json) process.stdout.write(`${JSON.stringify({ applied: !!opts.apply, attempts }, null, 2)}\n`);
        else process.stdout.write(`${attempts.length ? formatAttempts(attempts, opts.lang, !!opts.apply) : "this scenario lists no attacker moves"}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
