/** The ir-range command: start, brief, env, profile, reset; grade, answers, submit, grade-class (grade.ts, grade-class.ts). */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { PROJECT_ROOT } from "../core/paths.ts";
import { describeScenarios, locateScenario, scenarioNames } from "../scenario/catalog.ts";
import { loadScenario, ScenarioError } from "../scenario/loader.ts";
import { ADMIN_TOKEN_FILE, adminAuthorization, readAdminToken } from "../server/admin-token.ts";
import { responderCredential } from "../state/install-credentials.ts";
import { readLock, StateDirInUseError } from "../state/lock.ts";
import { defaultStateDir } from "../state/state-dir.ts";
import { writeProfile } from "./aws-config.ts";
import { endpointFor } from "./endpoint.ts";
import { registerGradeCommands } from "./grade.ts";
import { registerClassCommands } from "./grade-class.ts";
import { registerImportCommand } from "./import-cloudtrail.ts";
import { registerReplayAttackerCommand } from "./replay-attacker.ts";
import { registerScenarioCommands } from "./scenario.ts";

/** Where env and profile point without --endpoint (endpoint.ts: as `reset` finds the server). */
const ENDPOINT_DEFAULT = "the server that owns the state directory, else AWS_ENDPOINT_URL, else http://127.0.0.1:4566";

/** The scenario when --scenario is not given: IR_RANGE_SCENARIO, else the seed exercise. */
const scenarioName = (s: string | undefined) => s ?? process.env.IR_RANGE_SCENARIO ?? "secutter";

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a port number");
  return n;
}

function parseClock(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError("not an ISO 8601 time, e.g. 2026-01-15T12:00:00Z");
  return d;
}

/**
 * The responder's keys with this state directory's secret (made at its first use: `start`, `env` or `profile`);
 * `root` is the scenario's folder when `start` was told it (--scenarios-dir), else the search path finds it.
 */
function responderOf(scenario: string, stateDir: string | undefined, root?: string) {
  const m = loadScenario(scenario, root).manifest;
  const dir = stateDir ? resolve(stateDir) : defaultStateDir(scenario);
  mkdirSync(dir, { recursive: true });
  return { m, cred: responderCredential(dir, m) };
}

function exportsFor(scenario: string, endpoint: string, stateDir: string | undefined, root?: string): string[] {
  const { m, cred } = responderOf(scenario, stateDir, root);
  const lines = [
    `export AWS_ENDPOINT_URL=${endpoint}`,
    `export AWS_ACCESS_KEY_ID=${cred.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${cred.secretAccessKey}`,
    `export AWS_DEFAULT_REGION=${m.homeRegion}`,
    `export AWS_REGION=${m.homeRegion}`,
  ];
  if (cred.sessionToken) lines.push(`export AWS_SESSION_TOKEN=${cred.sessionToken}`);
  return lines;
}

/** The package's version, from package.json at the project root. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The scenarios this installation has (built-in, then the user's), for --help. */
function scenarioList(): string {
  try {
    return scenarioNames().join(", ");
  } catch {
    return "see recordings/";
  }
}

/** `--scenarios-dir` may be given more than once. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

function fail(e: unknown): never {
  const known = e instanceof ScenarioError || e instanceof StateDirInUseError || (e as NodeJS.ErrnoException).code === "EADDRINUSE";
  process.stderr.write(`ir-range: ${known || e instanceof Error ? (e as Error).message : String(e)}\n`);
  if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") {
    process.stderr.write("ir-range: another program is listening on that port; pass --port to use another (e.g. --port 4567)\n");
  }
  if (!known && e instanceof Error && process.env.IR_RANGE_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(2);
}

const program = new Command();
program
  .name("ir-range")
  .description("An offline AWS incident-response range: point the real AWS CLI or SDK at a recorded, compromised account.")
  .version(packageVersion(), "-V, --version", "print the version of ir-range");

program
  .command("start")
  .description("serve a scenario's AWS account on a local endpoint")
  .option("--scenario <name>", `scenario to serve: ${scenarioList()} (default: secutter; all listed below)`)
  .option("--scenarios-dir <dir>", "a folder of your scenarios to search instead of IR_RANGE_SCENARIOS or the default (repeatable)", collect)
  .option("--port <port>", "port to listen on", parsePort, 4566)
  .option("--host <host>", "address to bind (loopback unless you say otherwise)", "127.0.0.1")
  .option("--state-dir <dir>", "where the account's mutable state and journal live (default: .ir-range/<scenario>)")
  .option("--clock <iso>", "the emulator's current time at start, for repeatable runs", parseClock)
  .option("--quiet", "print only the export lines")
  .addHelpText("after", () => {
    try {
      return `\n${describeScenarios()}`;
    } catch {
      return "";
    }
  })
  .action(async (opts: { scenario?: string; scenariosDir?: string[]; port: number; host: string; stateDir?: string; clock?: Date; quiet?: boolean }) => {
    const scenario = scenarioName(opts.scenario);
    let root: string;
    try {
      // Built-in first, then the user's folders; a name is never a path.
      root = locateScenario(scenario, opts.scenariosDir).root;
    } catch (e) {
      fail(e);
    }
    const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(scenario);
    // Loaded only here: brief/env/profile/reset need no services.
    const { startServer } = await import("../server/app.ts");
    // A start that fails (a port in use) leaves no state directory it made behind.
    const existed = existsSync(stateDir);
    const server = await startServer({
      scenario,
      recordingsDir: root,
      stateDir,
      clock: opts.clock,
      host: opts.host,
      port: opts.port,
      log: (l) => process.stderr.write(`${l}\n`),
    }).catch((e: unknown) => {
      if (!existed && !(e instanceof StateDirInUseError)) rmSync(stateDir, { recursive: true, force: true });
      return fail(e);
    });
    // Handlers before the export lines: whoever reads them may signal us at once.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (!opts.quiet) process.stderr.write(`ir-range: ${signal}, shutting down\n`);
      server.close().then(() => process.exit(0));
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    const m = server.emulator.runtime.scenario;
    const out: string[] = [];
    if (!opts.quiet) {
      out.push(`ir-range: serving scenario "${m.manifest.name}" (${m.manifest.title.en}) on ${server.url}`);
      out.push(`account ${m.manifest.accountId}, home region ${m.manifest.homeRegion}; state in ${stateDir}`);
      out.push("", m.briefing.en.trim(), "", m.briefing.ja.trim(), "");
      out.push("Point the AWS CLI or SDK at the range with:");
    }
    out.push(...exportsFor(scenario, server.url, stateDir, root));
    // `npx ir-range`: it works in a clone (where ir-range is not on PATH) and with a global install alike.
    if (!opts.quiet) out.push("", "(or run `npx ir-range profile` and use --profile ir-range). Ctrl-C stops the server.");
    process.stdout.write(`${out.join("\n")}\n`);
    // While the responder reads the briefing, build what the recording and the services left until needed (the
    // CloudTrail records, Athena's tables): not at once, where its slices and garbage would slow the first answers.
    setTimeout(() => void server.emulator.prepare(), 250).unref();
  });

program
  .command("brief")
  .description("print the scenario's briefing (English and Japanese)")
  .option("--scenario <name>", "a built-in scenario or one of yours (start --help lists them)")
  .addOption(new Option("--lang <lang>", "en, ja or both").choices(["en", "ja", "both"]).default("both"))
  .action((opts: { scenario?: string; lang: string }) => {
    try {
      const s = loadScenario(scenarioName(opts.scenario));
      const parts = opts.lang === "en" ? [s.briefing.en] : opts.lang === "ja" ? [s.briefing.ja] : [s.briefing.en, s.briefing.ja];
      process.stdout.write(`${parts.map((p) => p.trim()).join("\n\n")}\n`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command("env")
  .description("print the export lines for the scenario's responder credentials")
  .option("--scenario <name>", "a built-in scenario or one of yours (start --help lists them)")
  .option("--endpoint <url>", `the running emulator (default: ${ENDPOINT_DEFAULT})`)
  .option("--state-dir <dir>", "the state directory whose keys to print (default: .ir-range/<scenario>)")
  .action((opts: { scenario?: string; endpoint?: string; stateDir?: string }) => {
    try {
      const endpoint = opts.endpoint ?? endpointFor(opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(scenarioName(opts.scenario))).endpoint;
      process.stdout.write(`${exportsFor(scenarioName(opts.scenario), endpoint, opts.stateDir).join("\n")}\n`);
    } catch (e) {
      fail(e);
    }
  });

program
  .command("profile")
  .description("write or update [profile ir-range] (endpoint_url, region, credentials) in your AWS config")
  .option("--scenario <name>", "a built-in scenario or one of yours (start --help lists them)")
  .option("--endpoint <url>", `the running emulator (default: ${ENDPOINT_DEFAULT})`)
  .option("--profile <name>", "profile name", "ir-range")
  .option("--state-dir <dir>", "the state directory whose keys to write (default: .ir-range/<scenario>)")
  .action((opts: { scenario?: string; endpoint?: string; profile: string; stateDir?: string }) => {
    try {
      const { m, cred } = responderOf(scenarioName(opts.scenario), opts.stateDir);
      const files = writeProfile({
        profile: opts.profile,
        endpoint: opts.endpoint ?? endpointFor(opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(scenarioName(opts.scenario))).endpoint,
        region: m.homeRegion,
        accessKeyId: cred.accessKeyId,
        secretAccessKey: cred.secretAccessKey,
        sessionToken: cred.sessionToken,
      });
      process.stdout.write(
        `wrote [profile ${opts.profile}] to ${files.configFile} and its keys to ${files.credentialsFile}\ntry: aws --profile ${opts.profile} sts get-caller-identity\n`,
      );
    } catch (e) {
      fail(e);
    }
  });

program
  .command("reset")
  .description("restore the recording: the account as it was at discovery, an empty journal")
  .option("--scenario <name>", "a built-in scenario or one of yours (start --help lists them)")
  .option("--state-dir <dir>", "state directory (default: .ir-range/<scenario>)")
  .action(async (opts: { scenario?: string; stateDir?: string }) => {
    const scenario = scenarioName(opts.scenario);
    const stateDir = opts.stateDir ? resolve(opts.stateDir) : defaultStateDir(scenario);
    const owner = readLock(stateDir);
    if (owner?.endpoint) {
      // The reset route needs the state directory's admin token (docs/security.md): we are its owner, a web page is not.
      const token = readAdminToken(stateDir);
      if (!token) fail(new Error(`cannot read ${join(stateDir, ADMIN_TOKEN_FILE)}: run \`npx ir-range reset\` as the user who started the server`));
      const res = await fetch(`${owner.endpoint}/_ir-range/reset`, { method: "POST", headers: { authorization: adminAuthorization(token) } }).catch(fail);
      if (!res.ok) fail(new Error(`the server at ${owner.endpoint} refused the reset (${res.status})`));
      process.stdout.write(`reset scenario "${scenario}" on the running server ${owner.endpoint}\n`);
      return;
    }
    for (const f of ["state.json", "journal.ndjson", "blobs"]) rmSync(resolve(stateDir, f), { recursive: true, force: true });
    process.stdout.write(`reset scenario "${scenario}": removed its state in ${stateDir}; the next start loads the recording afresh\n`);
  });

registerGradeCommands(program, fail);
registerClassCommands(program, fail);
registerImportCommand(program);
registerReplayAttackerCommand(program, fail);
registerScenarioCommands(program, fail);

// Not awaited at the top: the bundle runs as a classic script (for V8's code cache), which has no top-level await.
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
