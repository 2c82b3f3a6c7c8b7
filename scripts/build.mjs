// Bundles the CLI (and each scenario generator) into dist/ so `ir-range start` loads a few files instead of
// compiling hundreds of TypeScript modules at start. Runs on `npm ci` (prepare); sources stay the truth.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Smaller source parses faster at every start.
  minify: true,
  keepNames: true,
  logLevel: "warning",
  // Native and test-only packages stay outside.
  external: ["@duckdb/*", "msw", "msw/*", "tsx", "tsx/*", "esbuild", "vitest"],
};
// Bundled CommonJS dependencies need require() inside ESM.
const esmBanner = { js: "import { createRequire as __irCreateRequire } from 'node:module'; const require = __irCreateRequire(import.meta.url);" };

// A fresh build starts without a code cache; ir-range.mjs and chunks/ are what earlier builds wrote.
for (const f of ["ir-range.cjs", "ir-range.cjs.map", "code-cache", "schemas", "recordings", "ir-range.mjs", "ir-range.mjs.map", "chunks"]) {
  rmSync(join(dist, f), { recursive: true, force: true });
}

/**
 * The CLI and each scenario generator as classic scripts, which bin/ir-range.js compiles with V8's code cache (ES
 * modules cannot use one on Node 20): that skips most parsing and compiling at start. The launcher passes each
 * script its URL and its import().
 */
const external = join(root, "emulator", "core", "external.ts");
const launcherImports = {
  name: "launcher-imports",
  setup(b) {
    b.onLoad({ filter: /[\\/]emulator[\\/]core[\\/]external\.ts$/ }, (args) =>
      args.path === external ? { contents: "export const importExternal = (specifier) => __irImport(specifier);", loader: "js" } : undefined,
    );
  },
};
async function buildScript(entry, outfile) {
  const result = await build({
    ...common,
    format: "cjs",
    entryPoints: [entry],
    outfile,
    define: { "import.meta.url": "__irUrl" },
    plugins: [launcherImports],
    write: false,
  });
  const out = result.outputFiles.find((f) => f.path.endsWith(".cjs"));
  // An import() left in a script would fail once its function comes from the code cache.
  if (/\bimport\(/.test(out.text))
    throw new Error(`${outfile} contains import(): import outside the bundle through importExternal (emulator/core/external.ts)`);
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.contents);
  }
}
await buildScript(join(root, "emulator/cli/main.ts"), join(dist, "ir-range.cjs"));

/** A client's Xxx$ schemas on their own (all the codecs use), if this SDK version ships them as one module. */
function schemaFile(client) {
  const dir = join(root, "node_modules", "@aws-sdk", client, "dist-es", "schemas");
  const files = existsSync(dir) ? readdirSync(dir) : [];
  return files.length === 1 && files[0] === "schemas_0.js" ? join(dir, files[0]) : undefined;
}
/**
 * dist/schemas/client-x.mjs, which the launcher loads for import("@aws-sdk/client-x"): the whole client (its runtime,
 * credential chain, middleware) costs 80 ms for STS and 500 ms for EC2 on the first request, and the codecs use none of it.
 */
const deps = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies);
const schemaEntries = deps.flatMap((d) => {
  const client = d.startsWith("@aws-sdk/client-") ? d.slice("@aws-sdk/".length) : "";
  const file = client && schemaFile(client);
  return file ? [{ in: file, out: client }] : [];
});
await build({
  ...common,
  format: "esm",
  banner: esmBanner,
  splitting: true,
  entryPoints: schemaEntries,
  outdir: join(dist, "schemas"),
  outExtension: { ".js": ".mjs" },
  chunkNames: "shared-[hash]",
});

const recordings = join(root, "recordings");
for (const name of readdirSync(recordings)) {
  const gen = join(recordings, name, "generate.ts");
  if (existsSync(gen)) await buildScript(gen, join(dist, "recordings", name, "generate.cjs"));
}
