/**
 * Reads a scenario's folder (built-in in recordings/<name>/, or a user's own; catalog.ts finds it): the manifest,
 * briefing, and either static files or a generator module.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod/mini";
import { importExternal } from "../core/external.ts";
import { formatIssues, manifestSchema, type ScenarioManifest } from "../core/manifest.ts";
import { PROJECT_ROOT } from "../core/paths.ts";
import type { AccountState, CloudTrailRecord, ObjectMeta, RecordingObjects } from "../core/records.ts";
import type { LoadedScenario, ScenarioContent, ScenarioGenerator } from "../core/scenario.ts";
import { etagOf } from "../services/s3/object-store.ts";
import { isScenarioName, locateScenario, namesIn, RECORDINGS_DIR, ScenarioError } from "./catalog.ts";
import { shiftFlowLogBody, shiftFlowLogKey } from "./flow-log-objects.ts";
import { readJsonLines } from "./json-lines.ts";
import { shiftTimes } from "./time-shift.ts";
import { isBuildFresh } from "./timeline/output.ts";
import { lazyMeta, shiftLogBody, shiftLogKey } from "./trail-log-objects.ts";
import { shiftWebLogBody, shiftWebLogKey } from "./web-log-objects.ts";

export { RECORDINGS_DIR, ScenarioError };

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ScenarioError(`${file}: ${(e as Error).message}`);
  }
}

/** The scenarios of one folder (the built-in ones by default); catalog.ts lists every folder's. */
export function listScenarios(root = RECORDINGS_DIR): string[] {
  return namesIn(root);
}

const stateSchema = z.object({
  accounts: z.record(
    z.string().check(z.regex(/^\d{12}$/)),
    z.object({ global: z.record(z.string(), z.unknown()), regions: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  ),
});

/** One object of a build's objects.json. */
export interface ListedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

/**
 * Objects under objects/<bucket>/… indexed once at load: keys are looked up, never joined into paths. CloudTrail
 * log files move by deltaMs like the history (trail-log-objects.ts), so they are served from memory, built on
 * first read; every other object is served from its file as recorded, dated `lastModified`.
 */
export function directoryObjects(
  root: string,
  accountId: string,
  lastModified: string,
  deltaMs = 0,
  listed?: () => ListedObject[] | undefined,
): RecordingObjects {
  type Entry = { meta: ObjectMeta; file?: string; body?: () => Buffer };
  const index = new Map<string, Entry[]>();
  const byKey = new Map<string, Entry>();
  const add = (bucket: string, key: string, file: string, known?: { size: number; etag: string }) => {
    // Logs whose names and lines hold times move with the recording; other objects are served as they are.
    const log = shiftLogKey(key, deltaMs);
    const flow = log ? undefined : shiftFlowLogKey(key, deltaMs);
    const web = log || flow ? undefined : shiftWebLogKey(key, deltaMs);
    let entry: Entry;
    if (log) {
      const body = () => shiftLogBody(readFileSync(file), deltaMs);
      entry = { meta: lazyMeta(log.key, log.written, body), body };
    } else if (flow) {
      const body = () => shiftFlowLogBody(readFileSync(file), deltaMs);
      entry = { meta: lazyMeta(flow.key, flow.written, body), body };
    } else if (web) {
      const body = () => shiftWebLogBody(readFileSync(file), deltaMs);
      entry = { meta: lazyMeta(web.key, web.written, body), body };
    } else if (known) {
      entry = { meta: { key, size: known.size, etag: known.etag, lastModified }, file };
    } else {
      const body = readFileSync(file);
      entry = { meta: { key, size: body.length, etag: etagOf(body), lastModified }, file };
    }
    let entries = index.get(bucket);
    if (!entries) {
      entries = [];
      index.set(bucket, entries);
    }
    entries.push(entry);
    byKey.set(`${bucket}/${entry.meta.key}`, entry);
  };
  // Indexed on first use, not at start: a range that is asked about EC2 first never waits for thousands of log keys.
  let indexed = false;
  const ensure = () => {
    if (indexed) return;
    indexed = true;
    populate();
  };
  const populate = () => {
    // A build's list of its objects (objects.json), read here rather than at start: no walk, no stat, no body read.
    const list = listed?.();
    if (list) {
      for (const o of list) add(o.bucket, o.key, join(root, o.bucket, ...o.key.split("/")), o);
    } else if (existsSync(root)) {
      for (const bucket of readdirSync(root)) {
        const walk = (dir: string) => {
          for (const name of readdirSync(dir)) {
            const file = join(dir, name);
            if (statSync(file).isDirectory()) walk(file);
            else add(bucket, relative(join(root, bucket), file).split(sep).join("/"), file);
          }
        };
        walk(join(root, bucket));
      }
    }
    for (const entries of index.values()) entries.sort((a, b) => (a.meta.key < b.meta.key ? -1 : 1));
  };
  return {
    list: (acct, bucket) => {
      ensure();
      return acct === accountId ? (index.get(bucket) ?? []).map((e) => e.meta) : [];
    },
    head: (acct, bucket, key) => {
      ensure();
      return acct === accountId ? byKey.get(`${bucket}/${key}`)?.meta : undefined;
    },
    read: (acct, bucket, key) => {
      ensure();
      const e = acct === accountId ? byKey.get(`${bucket}/${key}`) : undefined;
      if (!e) return undefined;
      return e.body ? e.body() : readFileSync(e.file as string);
    },
    // Moved log files have no file of their own: Athena reads their moved bodies, as S3 serves them.
    file: (acct, bucket, key) => {
      ensure();
      return acct === accountId ? byKey.get(`${bucket}/${key}`)?.file : undefined;
    },
    fileRoots: () => [root],
  };
}

/**
 * A generator module: its prebuilt bundle when running bundled and it is fresh (a script the launcher runs from
 * V8's code cache, like the CLI), else the TypeScript via tsx.
 */
async function importGenerator(dir: string, file: string): Promise<ScenarioGenerator> {
  // The build bundles the built-in recordings' generators only; a user's runs from its TypeScript.
  const builtIn = relative(RECORDINGS_DIR, dir);
  const built = join(PROJECT_ROOT, "dist", "recordings", builtIn, "generate.cjs");
  if (process.env.IR_RANGE_BUNDLED === "1") {
    if (isScenarioName(builtIn) && existsSync(built) && statSync(built).mtimeMs >= newestTs(dir)) {
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

/** A build's list of its objects, when it has one. */
function listedObjects(data: string): ListedObject[] | undefined {
  const file = join(data, "objects.json");
  return existsSync(file) ? (readJson(file) as ListedObject[]) : undefined;
}

/** What a timeline build sealed its recorded texts under (build.json), so that they open here too. */
function sealingOf(data: string): { sealingMaterial?: string } {
  const sealing = (readJson(join(data, "build.json")) as { sealing?: unknown }).sealing;
  return typeof sealing === "string" ? { sealingMaterial: sealing } : {};
}

/** The folder of a timeline scenario's recording, built first when missing or older than its timeline. */
async function builtRecording(dir: string, manifest: ScenarioManifest): Promise<string> {
  // Asked with the file system alone; the builder (YAML, zod, the SDK clients) loads only when it has work.
  if (isBuildFresh(dir)) return join(dir, "build");
  const { build } = await import("./timeline/index.ts");
  const r = await build(dir, manifest, { ifStale: true, log: (line) => process.stderr.write(`${line}\n`) });
  return r.out;
}

/**
 * Loads a scenario by name: from `root` when given (that folder only), else from the first folder of the search
 * path that has it (built-in recordings/, then the user's folders: catalog.ts).
 */
export function loadScenario(name: string, root?: string): LoadedScenario {
  const dir = root === undefined ? locateScenario(name).dir : join(root, name);
  const manifestFile = join(dir, "scenario.json");
  if (root !== undefined && (!isScenarioName(name) || !existsSync(manifestFile))) {
    const known = namesIn(root).join(", ");
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
      const mod = await importGenerator(dir, join(dir, manifest.generator));
      return mod.generate({ manifest, anchor });
    }
    const delta = anchor.getTime() - recorded;
    // A timeline scenario is read from its build, made (or made again, when its timeline changed) on first need.
    const data = manifest.timeline ? await builtRecording(dir, manifest) : dir;
    const stateFile = join(data, "state.json");
    const state = stateSchema.safeParse(readJson(stateFile));
    if (!state.success) throw new ScenarioError(formatIssues(stateFile, state.error));
    return {
      accounts: shiftTimes(state.data.accounts as Record<string, AccountState>, delta),
      objects: directoryObjects(join(data, "objects"), manifest.accountId, new Date(anchor.getTime() - 3600_000).toISOString(), delta, () =>
        listedObjects(data),
      ),
      history: recordedHistory(data, delta),
      ...(manifest.timeline ? sealingOf(data) : {}),
    };
  };
  return { manifest, dir, briefing, content };
}
