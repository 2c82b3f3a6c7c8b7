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
const bundle = join(root, "dist", "ir-range.cjs");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The bundle's import() (emulator/core/external.ts): an SDK client as its schemas alone when they were built. */
function importExternal(specifier) {
  const client = /^@aws-sdk\/(client-[a-z0-9-]+)$/.exec(specifier)?.[1];
  const schemas = client ? join(root, "dist", "schemas", `${client}.mjs`) : "";
  return import(schemas && existsSync(schemas) ? pathToFileURL(schemas).href : specifier);
}

function saveCodeCache(script, file) {
  try {
    const data = script.createCachedData();
    mkdirSync(dirname(file), { recursive: true });
    for (const f of readdirSync(dirname(file))) if (f !== basename(file)) rmSync(join(dirname(file), f), { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    // A read-only install simply starts without the cache.
  }
}

/**
 * Compiles the bundle with V8's code cache, which spares most of its parsing and compiling at start. The cache is
 * written by the first `start` that ends normally, so it holds what starting and serving compiled.
 */
function runBundle() {
  const source = readFileSync(bundle, "utf8");
  // V8 checks a cache against its version and flags but the source only by length. The name says which file it was
  // made from: every write to a file changes its ctime, which nobody can set back (cheaper than hashing 2 MB).
  const st = statSync(bundle, { bigint: true });
  const made = [st.ino, st.size, st.mtimeNs, st.ctimeNs, process.version, process.arch, ...process.execArgv].join(" ");
  const key = createHash("sha256").update(made).digest("hex");
  const cacheFile = join(root, "dist", "code-cache", `${key.slice(0, 32)}.bin`);
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __irUrl, __irImport) {"use strict";\n${source}\n})`, {
    filename: bundle,
    lineOffset: -1,
    cachedData,
  });
  if ((!cachedData || script.cachedDataRejected) && process.argv[2] === "start") {
    process.once("exit", (code) => {
      if (code === 0) saveCodeCache(script, cacheFile);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle), pathToFileURL(bundle).href, importExternal);
}

if (process.env.IR_RANGE_FROM_SOURCE !== "1" && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, "emulator"))) {
  process.env.IR_RANGE_BUNDLED = "1";
  runBundle();
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../emulator/cli/main.ts");
}
