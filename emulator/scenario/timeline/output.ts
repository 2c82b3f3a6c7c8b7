/**
 * Writes a built recording as a static scenario the loader reads (state.json, history.ndjson, objects/), with
 * build.json saying what it was built from: the loader rebuilds when the timeline changed since.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { CloudTrailRecord } from "../../core/records.ts";
import { etagOf } from "../../services/s3/object-store.ts";

/** The timeline's files, in the order they are read. */
export function timelineFiles(dir: string): string[] {
  const folder = join(dir, "timeline");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => join(folder, f));
}

/** Bump when the builder's output changes for the same timeline (every recording is then rebuilt on next use). */
export const BUILDER_VERSION = 4;

/** What a recording was built from: the builder's version, the manifest and every timeline file's bytes. */
export function sourceHash(dir: string, files: string[]): string {
  const h = createHash("sha256").update(`builder ${BUILDER_VERSION}\n`);
  for (const f of [join(dir, "scenario.json"), ...files]) {
    h.update(`${relative(dir, f).split(sep).join("/")}\n`);
    h.update(readFileSync(f));
    h.update("\n");
  }
  return h.digest("hex");
}

export interface BuiltRecording {
  accounts: Record<string, unknown>;
  records: CloudTrailRecord[];
  objects: { bucket: string; key: string; body: Buffer }[];
  facts: Record<string, unknown>;
  summary: Record<string, unknown>;
}

/** Writes into a fresh folder beside `out`, then swaps it in: a reader never sees half a recording. */
export function writeRecording(out: string, hash: string, rec: BuiltRecording): void {
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "state.json"), `${JSON.stringify({ accounts: rec.accounts }, null, 1)}\n`);
  writeFileSync(join(tmp, "history.ndjson"), rec.records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  // One object per key (a later write replaces an earlier one, as in S3), in key order.
  const byKey = new Map(rec.objects.map((o) => [`${o.bucket}/${o.key}`, o]));
  const sorted = [...byKey.values()].sort((a, b) => (a.bucket + a.key < b.bucket + b.key ? -1 : 1));
  // The list the loader reads instead of walking thousands of files at every start.
  const listed = sorted.map((o) => ({ bucket: o.bucket, key: o.key, size: o.body.length, etag: etagOf(o.body) }));
  writeFileSync(join(tmp, "objects.json"), `${JSON.stringify(listed)}\n`);
  for (const o of sorted) {
    if (o.key.split("/").some((p) => p === ".." || p === "." || p === "") || o.bucket.includes("/")) {
      throw new Error(`object key ${o.bucket}/${o.key} cannot be written as a file`);
    }
    const file = join(tmp, "objects", o.bucket, ...o.key.split("/"));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, o.body);
  }
  writeFileSync(join(tmp, "facts.json"), `${JSON.stringify(rec.facts, null, 1)}\n`);
  writeFileSync(join(tmp, "build.json"), `${JSON.stringify({ source: hash, builder: BUILDER_VERSION, ...rec.summary }, null, 1)}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
}

/** Whether build/ holds the recording of the timeline as it is now (read with the file system alone: starts ask it). */
export function isBuildFresh(dir: string, out = join(dir, "build")): boolean {
  return builtHash(out) === sourceHash(dir, timelineFiles(dir));
}

export function builtHash(out: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(out, "build.json"), "utf8")) as { source?: string }).source;
  } catch {
    return undefined;
  }
}
