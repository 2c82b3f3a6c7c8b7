/**
 * LookupEvents over 1M events with an attribute filter, and ListFindings with criteria over 10k findings:
 * server time measured in-process (the dispatcher, no socket), plus RSS with the history loaded, in this process
 * and in a fresh one.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GuardDutyClient, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { createEmulator, type Emulator } from "../emulator/server/app.ts";
import { eventIndex, warmLookupIndex } from "../emulator/services/cloudtrail/lookup.ts";
import { writeInstalledSecrets } from "../emulator/state/install-credentials.ts";
import { sdkRequest } from "../test/helpers/wire.ts";
import { ms, percentile, table, timeCalls, writeBenchScenario } from "./lib.ts";
import { BENCH_ACCOUNT, BENCH_DETECTOR, BENCH_RESPONDER } from "./synthetic.ts";

const creds = { accessKeyId: BENCH_RESPONDER.accessKeyId, secretAccessKey: "benchResponderSecretKey00000000000000001" };

function benchScenario(root: string): void {
  writeBenchScenario(root, {
    name: "bench-history",
    accountId: BENCH_ACCOUNT,
    credentials: creds,
    principalId: BENCH_RESPONDER.principalId,
    generator: `export { generate } from ${JSON.stringify(new URL("./synthetic.ts", import.meta.url).pathname)};\n`,
  });
}

/** Loads the synthetic scenario and builds its lookup index, timing both, with the process's RSS before and after. */
export async function loadBenchHistory(
  root: string,
): Promise<{ emu: Emulator; events: number; loadMs: number; indexMs: number; rssBefore: number; rss: number }> {
  benchScenario(join(root, "recordings"));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const loadStart = performance.now();
  writeInstalledSecrets(join(root, "state"), { [creds.accessKeyId]: creds.secretAccessKey });
  const emu = await createEmulator({ scenario: "bench-history", stateDir: join(root, "state"), recordingsDir: join(root, "recordings") });
  const loadMs = performance.now() - loadStart;
  const indexStart = performance.now();
  await warmLookupIndex(emu.runtime);
  const indexMs = performance.now() - indexStart;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  return { emu, events: (await eventIndex(emu.runtime)).count, loadMs, indexMs, rssBefore, rss };
}

/** The same load in a fresh process, which holds nothing but the server: RSS as `ir-range start` would show it. */
function loadInFreshProcess(): Promise<{ rssBefore: number; rss: number; loadMs: number; indexMs: number }> {
  const runTs = fileURLToPath(new URL("../bin/run-ts.js", import.meta.url));
  const entry = fileURLToPath(new URL("./history-load.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--expose-gc", runTs, entry], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1) as string));
    });
  });
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

export async function benchHistory(): Promise<string> {
  const fresh = await loadInFreshProcess();
  const root = mkdtempSync(join(tmpdir(), "ir-range-bench-history-"));
  const { emu, events, loadMs, indexMs, rssBefore, rss } = await loadBenchHistory(root);
  const cfg = { region: "us-east-1", credentials: creds, endpoint: "https://cloudtrail.us-east-1.amazonaws.com", maxAttempts: 1 };
  const lookup = await sdkRequest(
    new CloudTrailClient(cfg),
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIABENCH00000000042" }], MaxResults: 50 }),
  );
  const byName = await sdkRequest(
    new CloudTrailClient(cfg),
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }], MaxResults: 50 }),
  );
  const findings = await sdkRequest(
    new GuardDutyClient({ ...cfg, endpoint: "https://guardduty.us-east-1.amazonaws.com" }),
    new ListFindingsCommand({
      DetectorId: BENCH_DETECTOR,
      FindingCriteria: { Criterion: { severity: { Gte: 7 }, "service.archived": { Eq: ["false"] } } },
      MaxResults: 50,
    }),
  );
  const call = async (req: typeof lookup) => {
    const res = await emu.handle(req);
    if (res.status !== 200) throw new Error(`${res.status} ${String(res.body)}`);
  };
  for (let i = 0; i < 20; i++) await Promise.all([call(lookup), call(byName), call(findings)]);
  const a = await timeCalls(200, () => call(lookup));
  const b = await timeCalls(200, () => call(byName));
  const c = await timeCalls(200, () => call(findings));
  await emu.close();
  rmSync(root, { recursive: true, force: true });
  return table([
    ["history and findings (in-process server time)", "p50", "p90", "target"],
    [`LookupEvents AccessKeyId over ${events.toLocaleString("en")} events`, ms(percentile(a, 50)), ms(percentile(a, 90)), "≤5 ms"],
    ["LookupEvents EventName=RunInstances", ms(percentile(b, 50)), ms(percentile(b, 90)), "≤5 ms"],
    [
      `ListFindings severity≥7, not archived, over ${Number(process.env.BENCH_FINDINGS ?? 10_000).toLocaleString("en")}`,
      ms(percentile(c, 50)),
      ms(percentile(c, 90)),
      "≤5 ms",
    ],
    ["load (generate) / history store and index build", `${ms(loadMs)} / ${ms(indexMs)}`, "", ""],
    ["RSS with the history loaded (this process, SDK clients and all)", `${mb(rss)} (+${mb(rss - rssBefore)})`, "", "≤600 MB"],
    ["RSS with the history loaded (a fresh process: the server alone)", `${mb(fresh.rss)} (+${mb(fresh.rss - fresh.rssBefore)})`, "", "≤600 MB"],
  ]);
}
