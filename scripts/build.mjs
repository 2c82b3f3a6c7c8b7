// Bundles the CLI (and each scenario generator) into dist/ so `ir-range start` loads a few files instead of
// compiling hundreds of TypeScript modules at start. Runs on `npm ci` (prepare); sources stay the truth.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  // Smaller source parses faster at every start.
  minify: true,
  keepNames: true,
  logLevel: "warning",
  // Native and test-only packages stay outside.
  external: ["@duckdb/*", "msw", "msw/*", "tsx", "tsx/*", "esbuild", "vitest"],
  // Bundled CommonJS dependencies (express) need require() inside ESM.
  banner: { js: "import { createRequire as __irCreateRequire } from 'node:module'; const require = __irCreateRequire(import.meta.url);" },
};

/** A client's Xxx$ schemas on their own (what `schemas()` uses), if this SDK version ships them as one module. */
function schemaFile(client) {
  const dir = join(root, "node_modules", "@aws-sdk", client, "dist-es", "schemas");
  const files = existsSync(dir) ? readdirSync(dir) : [];
  return files.length === 1 && files[0] === "schemas_0.js" ? join(dir, files[0]) : undefined;
}

const deps = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies);
const clients = deps.filter((d) => d.startsWith("@aws-sdk/client-")).map((d) => d.slice("@aws-sdk/".length));
const schemaEntries = clients.flatMap((c) => {
  const file = schemaFile(c);
  return file ? [{ in: file, out: `schemas/${c}` }] : [];
});

/**
 * A service's `import("@aws-sdk/client-x")` loads only the client's schemas: the whole client (its runtime, credential
 * chain, middleware) costs 80 ms for STS and 500 ms for EC2 on the first request, and the codecs use none of it.
 * Without a schema module the client stays external and loads as it does from the sources.
 */
const schemaOnly = {
  name: "schema-only",
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, (args) => {
      const file = args.kind === "dynamic-import" ? schemaFile(args.path.slice("@aws-sdk/".length)) : undefined;
      return file ? { path: file } : { path: args.path, external: true };
    });
  },
};

// Hashed chunk names change with the sources: clear the old ones.
for (const f of ["ir-range.mjs", "ir-range.mjs.map", "chunks", "schemas"]) rmSync(join(dist, f), { recursive: true, force: true });
await build({
  ...common,
  // Code only some commands or services need (the server, each client's schemas) loads when first used.
  splitting: true,
  entryPoints: [{ in: join(root, "emulator/cli/main.ts"), out: "ir-range" }, ...schemaEntries],
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  plugins: [schemaOnly],
});

const recordings = join(root, "recordings");
for (const name of readdirSync(recordings)) {
  const gen = join(recordings, name, "generate.ts");
  if (existsSync(gen)) await build({ ...common, entryPoints: [gen], outfile: join(dist, "recordings", name, "generate.mjs") });
}
