/** Reads recordings/<name>/: the manifest, briefing, and either static files or a generator module. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod/mini";
import { importExternal } from "../core/external.ts";
import { formatIssues, manifestSchema } from "../core/manifest.ts";
import { PROJECT_ROOT } from "../core/paths.ts";
import type { AccountState, CloudTrailRecord, ObjectMeta, RecordingObjects } from "../core/records.ts";
import type { LoadedScenario, ScenarioContent, ScenarioGenerator } from "../core/scenario.ts";
import { etagOf } from "../services/s3/object-store.ts";
import { readJsonLines } from "./json-lines.ts";
import { shiftTimes } from "./time-shift.ts";

export const RECORDINGS_DIR = join(PROJECT_ROOT, "recordings");

export class ScenarioError extends Error {}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ScenarioError(`${file}: ${(e as Error).message}`);
  }
}

export function listScenarios(root = RECORDINGS_DIR): string[] {
  return readdirSync(root).filter((d) => existsSync(join(root, d, "scenario.json")));
}

const stateSchema = z.object({
  accounts: z.record(
    z.string().check(z.regex(/^\d{12}$/)),
    z.object({ global: z.record(z.string(), z.unknown()), regions: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  ),
});

/** Objects under objects/<bucket>/… indexed once at load: keys are looked up, never joined into paths. */
export function directoryObjects(root: string, accountId: string, lastModified: string): RecordingObjects {
  const index = new Map<string, { meta: ObjectMeta; file: string }[]>();
  const byKey = new Map<string, { meta: ObjectMeta; file: string }>();
  if (existsSync(root)) {
    for (const bucket of readdirSync(root)) {
      const entries: { meta: ObjectMeta; file: string }[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const file = join(dir, name);
          const st = statSync(file);
          if (st.isDirectory()) walk(file);
          else {
            const key = relative(join(root, bucket), file).split(sep).join("/");
            const body = readFileSync(file);
            const entry = { meta: { key, size: st.size, etag: etagOf(body), lastModified }, file };
            entries.push(entry);
            byKey.set(`${bucket}/${key}`, entry);
          }
        }
      };
      walk(join(root, bucket));
      entries.sort((a, b) => (a.meta.key < b.meta.key ? -1 : 1));
      index.set(bucket, entries);
    }
  }
  return {
    list: (acct, bucket) => (acct === accountId ? (index.get(bucket) ?? []).map((e) => e.meta) : []),
    head: (acct, bucket, key) => (acct === accountId ? byKey.get(`${bucket}/${key}`)?.meta : undefined),
    read: (acct, bucket, key) => {
      const e = acct === accountId ? byKey.get(`${bucket}/${key}`) : undefined;
      return e ? readFileSync(e.file) : undefined;
    },
    file: (acct, bucket, key) => (acct === accountId ? byKey.get(`${bucket}/${key}`)?.file : undefined),
    fileRoots: () => [root],
  };
}

/**
 * A generator module: its prebuilt bundle when running bundled and it is fresh (a script the launcher runs from
 * V8's code cache, like the CLI), else the TypeScript via tsx.
 */
async function importGenerator(name: string, file: string): Promise<ScenarioGenerator> {
  const built = join(PROJECT_ROOT, "dist", "recordings", name, "generate.cjs");
  if (process.env.IR_RANGE_BUNDLED === "1") {
    if (existsSync(built) && statSync(built).mtimeMs >= newestTs(join(PROJECT_ROOT, "recordings", name))) {
      return importExternal<ScenarioGenerator>(pathToFileURL(built).href);
    }
    const { register } = await importExternal<typeof import("tsx/esm/api")>("tsx/esm/api");
    register();
  }
  return importExternal<ScenarioGenerator>(pathToFileURL(file).href);
}

function newestTs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * history.ndjson (one record a line, oldest first, as import-cloudtrail writes it), streamed record by record
 * with times shifted; or history.json ({"Records": […]}, as imports before it wrote), read whole.
 */
function recordedHistory(dir: string, delta: number): Iterable<CloudTrailRecord> {
  const lines = join(dir, "history.ndjson");
  if (existsSync(lines)) {
    return {
      *[Symbol.iterator]() {
        for (const r of readJsonLines(lines)) yield shiftTimes(r as CloudTrailRecord, delta);
      },
    };
  }
  const whole = join(dir, "history.json");
  if (!existsSync(whole)) return [];
  const history = shiftTimes((readJson(whole) as { Records: CloudTrailRecord[] }).Records, delta);
  return history.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
}

export function loadScenario(name: string, root = RECORDINGS_DIR): LoadedScenario {
  const dir = join(root, name);
  const manifestFile = join(dir, "scenario.json");
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(manifestFile)) {
    const known = existsSync(root) ? listScenarios(root).join(", ") : "";
    throw new ScenarioError(`no scenario named "${name}" in ${root}${known ? ` (available: ${known})` : ""}`);
  }
  const parsed = manifestSchema.safeParse(readJson(manifestFile));
  if (!parsed.success) throw new ScenarioError(formatIssues(manifestFile, parsed.error));
  const manifest = parsed.data;
  const briefing = {
    en: readFileSync(join(dir, manifest.briefing.en), "utf8"),
    ja: readFileSync(join(dir, manifest.briefing.ja), "utf8"),
  };
  const recorded = Date.parse(manifest.recordedDiscovery);

  const content = async (anchor: Date): Promise<ScenarioContent> => {
    if (manifest.generator) {
      const mod = await importGenerator(name, join(dir, manifest.generator));
      return mod.generate({ manifest, anchor });
    }
    const delta = anchor.getTime() - recorded;
    const stateFile = join(dir, "state.json");
    const state = stateSchema.safeParse(readJson(stateFile));
    if (!state.success) throw new ScenarioError(formatIssues(stateFile, state.error));
    return {
      accounts: shiftTimes(state.data.accounts as Record<string, AccountState>, delta),
      objects: directoryObjects(join(dir, "objects"), manifest.accountId, new Date(anchor.getTime() - 3600_000).toISOString()),
      history: recordedHistory(dir, delta),
    };
  };
  return { manifest, dir, briefing, content };
}
