#!/usr/bin/env node
// Runs the bundle built by `npm ci` (scripts/build.mjs) when it is up to date with the sources, else the
// TypeScript sources through tsx, so a stale or missing build never changes behaviour, only start-up time.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const bundle = join(dist, "ir-range.cjs");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Scripts whose cache was missing or rejected: written when a `start` ends normally, so it holds what serving compiled. */
const unsaved = [];
process.once("exit", (code) => {
  if (code === 0 && process.argv[2] === "start") for (const s of unsaved) saveCodeCache(s.script, s.cacheFile);
});

function saveCodeCache(script, file) {
  try {
    const data = script.createCachedData();
    mkdirSync(dirname(file), { recursive: true });
    const stem = basename(file).replace(/-[0-9a-f]+\.bin$/, "-");
    for (const f of readdirSync(dirname(file))) if (f.startsWith(stem) && f !== basename(file)) rmSync(join(dirname(file), f), { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    // A read-only install simply starts without the cache.
  }
}

/**
 * Runs one of dist/'s CommonJS scripts (the CLI, a scenario generator) compiled with V8's code cache, which spares
 * most of its parsing and compiling; returns its exports. ES modules cannot use a code cache on Node 20.
 */
function runScript(file) {
  const source = readFileSync(file, "utf8");
  // V8 checks a cache against its version and flags but the source only by length. The name says which file it was
  // made from: every write to a file changes its ctime, which nobody can set back (cheaper than hashing megabytes).
  const st = statSync(file, { bigint: true });
  const made = [st.ino, st.size, st.mtimeNs, st.ctimeNs, process.version, process.arch, ...process.execArgv].join(" ");
  const stem = file.slice(dist.length + 1).replace(/[\\/]/g, "_");
  const cacheFile = join(dist, "code-cache", `${stem}-${createHash("sha256").update(made).digest("hex").slice(0, 32)}.bin`);
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __irUrl, __irImport) {\n${source}\n})`, {
    filename: file,
    lineOffset: -1,
    cachedData,
  });
  if (!cachedData || script.cachedDataRejected) unsaved.push({ script, cacheFile });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href, importExternal);
  return module.exports;
}

/**
 * The scripts' import() (emulator/core/external.ts): an SDK client as its schemas alone when they were built (unless
 * asked for whole), and
 * they and other dist/ scripts through the code cache; anything else as given.
 */
async function importExternal(specifier, opts) {
  const client = opts?.whole ? undefined : /^@aws-sdk\/(client-[a-z0-9-]+)$/.exec(specifier)?.[1];
  const schemas = client ? join(dist, "schemas", `${client}.cjs`) : "";
  if (schemas && existsSync(schemas)) return runScript(schemas);
  if (specifier.startsWith("file:") && specifier.endsWith(".cjs")) {
    const file = fileURLToPath(specifier);
    if (file.startsWith(dist)) return runScript(file);
  }
  return import(specifier);
}

if (process.env.IR_RANGE_FROM_SOURCE !== "1" && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, "emulator"))) {
  process.env.IR_RANGE_BUNDLED = "1";
  runScript(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../emulator/cli/main.ts");
}
