// Bundles the CLI (and each scenario generator) into dist/ so `ir-range start` loads a few files instead of
// compiling hundreds of TypeScript modules at start. Runs on `npm ci` (prepare); sources stay the truth.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

// Says what `npm ci` is doing once its packages are in (npm shows a lifecycle script's output as it comes; on stderr,
// it shows even where stdout goes to a file).
const started = Date.now();
process.stderr.write("ir-range: building dist/ (the CLI bundle, then V8's code cache from one start of secutter)…\n");
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
// A fresh build starts without a code cache; ir-range.mjs and chunks/ are what earlier builds wrote.
for (const f of ["ir-range.cjs", "ir-range.cjs.map", "code-cache", "schemas", "recordings", "ir-range.mjs", "ir-range.mjs.map", "chunks"]) {
  rmSync(join(dist, f), { recursive: true, force: true });
}

/**
 * The CLI, each scenario generator and each client's schemas as classic scripts, which bin/ir-range.js compiles with V8's code cache (ES
 * modules cannot use one on Node 20): that skips most parsing and compiling at start. The launcher passes each
 * script its URL and its import().
 */
const external = join(root, "emulator", "core", "external.ts");
const launcherImports = {
  name: "launcher-imports",
  setup(b) {
    b.onLoad({ filter: /[\\/]emulator[\\/]core[\\/]external\.ts$/ }, (args) =>
      args.path === external ? { contents: "export const importExternal = (specifier, opts) => __irImport(specifier, opts);", loader: "js" } : undefined,
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
 * dist/schemas/client-x.cjs, which the launcher runs (from the code cache, like the CLI) for import("@aws-sdk/client-x"):
 * the whole client (its runtime, credential chain, middleware) costs 80 ms for STS and 500 ms for EC2 on the first
 * request, and the codecs use none of it.
 */
const deps = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies);
for (const d of deps) {
  const client = d.startsWith("@aws-sdk/client-") ? d.slice("@aws-sdk/".length) : "";
  const file = client && schemaFile(client);
  if (file) await buildScript(file, join(dist, "schemas", `${client}.cjs`));
}

const recordings = join(root, "recordings");
for (const name of readdirSync(recordings)) {
  const gen = join(recordings, name, "generate.ts");
  if (existsSync(gen)) await buildScript(gen, join(dist, "recordings", name, "generate.cjs"));
}

/**
 * Fills the code caches: one `ir-range start` of the default scenario answering one signed request, as the first
 * start after an install would (which would write them otherwise). Never fails the build: without caches the CLI
 * only starts slower, and writes them itself.
 */
async function warmCodeCaches() {
  const { spawn } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { Sha256 } = await import("@smithy/core/checksum");
  const { HttpRequest } = await import("@smithy/protocol-http");
  const { SignatureV4 } = await import("@smithy/signature-v4");
  const scenario = "secutter";
  const state = mkdtempSync(join(tmpdir(), "ir-range-build-"));
  const proc = spawn(process.execPath, [join(root, "bin", "ir-range.js"), "start", "--scenario", scenario, "--port", "0", "--state-dir", state, "--quiet"], {
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, IR_RANGE_FROM_SOURCE: "" },
  });
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  try {
    // The export lines name the endpoint and this state directory's keys (made at its first start).
    const exported = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("no export lines")), 30_000);
      proc.stdout.on("data", (d) => {
        out += d;
        const field = (name) => new RegExp(`${name}=(\\S+)`).exec(out)?.[1];
        if (field("AWS_ENDPOINT_URL") && field("AWS_REGION")) {
          clearTimeout(timer);
          resolve({
            endpoint: new URL(field("AWS_ENDPOINT_URL")),
            cred: { accessKeyId: field("AWS_ACCESS_KEY_ID"), secretAccessKey: field("AWS_SECRET_ACCESS_KEY") },
          });
        }
      });
      exited.then(() => reject(new Error("exited")));
    });
    const { endpoint, cred } = exported;
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const signer = new SignatureV4({ credentials: cred, region: "us-east-1", service: "sts", sha256: Sha256 });
    const req = await signer.sign(
      new HttpRequest({
        method: "POST",
        protocol: "http:",
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path: "/",
        headers: { host: endpoint.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
      }),
    );
    const res = await fetch(endpoint, { method: "POST", headers: req.headers, body });
    if (!res.ok) throw new Error(`GetCallerIdentity answered ${res.status}`);
    proc.kill("SIGTERM");
    if ((await exited) !== 0) throw new Error("did not exit cleanly");
  } catch (e) {
    proc.kill("SIGKILL");
    console.warn(`build: code caches not prepared (${e.message}); the first \`npx ir-range start\` writes them`);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
/**
 * The built-in scenarios authored as timelines, built into recordings/<name>/build/ by running them through the range
 * (only when their timeline changed since the last build), so no test or first start waits for it.
 */
async function buildTimelineScenarios() {
  const { spawnSync } = await import("node:child_process");
  for (const name of readdirSync(recordings).sort()) {
    const manifest = join(recordings, name, "scenario.json");
    if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, "utf8")).timeline !== true) continue;
    process.stderr.write(`ir-range: building scenario ${name} from its timeline…\n`);
    const r = spawnSync(process.execPath, [join(root, "bin", "ir-range.js"), "scenario", "build", name, "--if-stale"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error(`scenario ${name} did not build (exit ${r.status})`);
  }
}
await buildTimelineScenarios();

// The signer comes from devDependencies: an install without them (`npm ci --omit=dev`) builds without caches.
await warmCodeCaches().catch((e) => console.warn(`build: code caches not prepared (${e.message}); the first \`npx ir-range start\` writes them`));
process.stderr.write(`ir-range: built dist/ in ${Math.round((Date.now() - started) / 1000)} s\n`);
