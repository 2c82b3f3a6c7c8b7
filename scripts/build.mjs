// Bundles the CLI (and each scenario generator) into dist/ so `ir-range start` loads in one file instead of
// compiling hundreds of TypeScript modules at start. Runs on `npm ci` (prepare); sources stay the truth.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
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
  // SDK clients load lazily per service; native and test-only packages stay outside.
  external: ["@aws-sdk/client-*", "@duckdb/*", "msw", "msw/*", "tsx", "tsx/*", "esbuild", "vitest"],
  // Bundled CommonJS dependencies (express) need require() inside ESM.
  banner: { js: "import { createRequire as __irCreateRequire } from 'node:module'; const require = __irCreateRequire(import.meta.url);" },
};

await build({ ...common, entryPoints: [join(root, "emulator/cli/main.ts")], outfile: join(root, "dist/ir-range.mjs") });

const recordings = join(root, "recordings");
for (const name of readdirSync(recordings)) {
  const gen = join(recordings, name, "generate.ts");
  if (existsSync(gen)) await build({ ...common, entryPoints: [gen], outfile: join(root, "dist/recordings", name, "generate.mjs") });
}
