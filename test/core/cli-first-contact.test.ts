/**
 * First contact with the CLI (#16 item 8): a version, the scenarios in --help, wrong options refused, a busy port
 * explained, and hints a clone can run as printed (`npx ir-range …`: ir-range itself is not on PATH there).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, startCli } from "../helpers/cli-process.ts";

const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [BIN, ...args], { encoding: "utf8" }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe("ir-range at first contact", () => {
  it("prints its version", async () => {
    const version = JSON.parse(readFileSync("package.json", "utf8")).version;
    expect((await run(["--version"])).stdout.trim()).toBe(version);
  });

  it("lists the scenarios in start --help", async () => {
    expect((await run(["start", "--help"])).stdout).toMatch(/scenario to serve: basic,\s+exposed-credentials,\s+misconfigured-resource,\s+secutter/);
  });

  it("refuses a language it has no briefing in", async () => {
    const r = await run(["brief", "--lang", "fr"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Allowed choices are en, ja, both/);
  });

  it("explains a busy port and leaves no state directory behind", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), "ir-range-busy-"));
    try {
      const stateDir = join(dir, "state");
      const r = await run(["start", "--scenario", "basic", "--port", String(port), "--state-dir", stateDir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/EADDRINUSE/);
      expect(r.stderr).toMatch(/pass --port to use another/);
      expect(existsSync(stateDir)).toBe(false);
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the start banner's hints run from a clone: npx ir-range profile, never a bare ir-range", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-banner-"));
    const started = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", join(dir, "state")]);
    try {
      // The banner is one write; its last line may arrive just after the export lines.
      await new Promise<void>((resolve) => {
        const check = () => started.stdout().includes("Ctrl-C stops the server.") && resolve();
        started.proc.stdout?.on("data", check);
        check();
      });
      expect(started.stdout()).toContain("(or run `npx ir-range profile` and use --profile ir-range). Ctrl-C stops the server.");
      // Every command the banner tells the user to run is spelt so that a clone can run it.
      expect(started.stdout()).not.toMatch(/(?<!npx )(?<![\w-])ir-range (start|profile|env|reset|grade|brief|answers|submit)\b/);
    } finally {
      started.proc.kill("SIGTERM");
      await started.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
