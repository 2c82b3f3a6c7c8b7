/**
 * Scenarios authored as timelines (docs/scenarios.md, "Authoring a scenario as a timeline"): check, build, and the
 * loader's entry point, which rebuilds the recording when its timeline changed since the last build.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ScenarioManifest } from "../../core/manifest.ts";
import { BuildError, runTimeline } from "./build.ts";
import { checkTimeline } from "./check.ts";
import { deriveEvidence, EvidenceError } from "./evidence/index.ts";
import type { BuildOutput } from "./model.ts";
import { builtHash, sourceHash, writeRecording } from "./output.ts";
import { type Problem, readTimeline, TimelineError } from "./read.ts";
import { writeWebLogs } from "./web-logs.ts";

export type { Problem };
export { BuildError, TimelineError };

/** Where a scenario's built recording lives: build/ in its folder. */
export const buildDir = (dir: string): string => join(dir, "build");

export function hasTimeline(dir: string): boolean {
  return existsSync(join(dir, "timeline"));
}

/** Problems of the timeline, each with file and line; empty when it is ready to build. */
export function check(dir: string, manifest: ScenarioManifest): Problem[] {
  try {
    return checkTimeline(readTimeline(dir), manifest);
  } catch (e) {
    if (e instanceof TimelineError) return e.problems;
    throw e;
  }
}

export interface BuildSummary {
  out: string;
  calls: number;
  records: number;
  objects: number;
  findings: number;
  rebuilt: boolean;
}

/** Builds the recording into build/ (always, or only when stale with `ifStale`). */
export async function build(
  dir: string,
  manifest: ScenarioManifest,
  opts: { log?: (line: string) => void; ifStale?: boolean; out?: string } = {},
): Promise<BuildSummary> {
  const out = opts.out ?? buildDir(dir);
  // One build of a folder at a time, across processes (two test files, or a start beside `scenario build`): the
  // second waits, then finds the first's recording fresh.
  const release = await buildLock(out, opts.log ?? (() => {}));
  try {
    return await buildLocked(dir, manifest, out, opts);
  } finally {
    release();
  }
}

/** Builds older than this are taken to be a crashed process's (a build takes seconds to a minute). */
const STALE_LOCK_MS = 10 * 60_000;

async function buildLock(out: string, log: (line: string) => void): Promise<() => void> {
  const file = `${out}.lock`;
  mkdirSync(dirname(out), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(file).mtimeMs > STALE_LOCK_MS) rmSync(file, { force: true });
      } catch {
        // gone meanwhile
      }
      if (!told) log(`waiting for another build of ${out} to finish`);
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function buildLocked(
  dir: string,
  manifest: ScenarioManifest,
  out: string,
  opts: { log?: (line: string) => void; ifStale?: boolean },
): Promise<BuildSummary> {
  const log = opts.log ?? (() => {});
  const read = readTimeline(dir);
  const hash = sourceHash(dir, read.files);
  if (opts.ifStale && builtHash(out) === hash) return { out, calls: 0, records: 0, objects: 0, findings: 0, rebuilt: false };
  const problems = checkTimeline(read, manifest);
  if (problems.length) throw new TimelineError(problems);
  log(`building ${manifest.name} from ${read.files.length} timeline file(s)`);
  const run = await runTimeline({ manifest, timeline: read.timeline, where: read.where, dir, log });
  const objects = [...run.output.objects];
  const output: BuildOutput = {
    ...run.output,
    writeObject: (bucket, key, body) => objects.push({ bucket, key, body }),
    log,
  };
  try {
    deriveEvidence(output);
    writeWebLogs(output);
  } catch (e) {
    // A rule the evidence cannot follow ("detections.2": no detector in its region) points at its line.
    if (e instanceof EvidenceError) {
      const path = e.where.match(/[^.[\]]+/g)?.map((p) => (/^\d+$/.test(p) ? Number(p) : p)) ?? [];
      throw new BuildError(read.where(path), e.message.slice(e.where.length + 2));
    }
    throw e;
  }
  let findings = 0;
  for (const acct of Object.values(output.accounts)) {
    for (const r of Object.values(acct.regions)) findings += Object.keys((r.guardduty as { findings?: object } | undefined)?.findings ?? {}).length;
  }
  const facts = {
    discovery: manifest.recordedDiscovery,
    saved: output.saved,
    actors: Object.fromEntries(Object.entries(read.timeline.actors).map(([k, a]) => [k, { ...a }])),
  };
  writeRecording(out, hash, {
    accounts: output.accounts,
    records: output.records,
    objects,
    facts,
    summary: { calls: run.calls, records: output.records.length, objects: objects.length, findings, sealing: run.sealingMaterial },
  });
  log(`built ${out}: ${run.calls} calls, ${output.records.length} CloudTrail records, ${objects.length} objects, ${findings} GuardDuty findings`);
  return { out, calls: run.calls, records: output.records.length, objects: objects.length, findings, rebuilt: true };
}
