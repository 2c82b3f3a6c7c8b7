/** Runs `ir-range start` as a real child process and reads its printed export lines. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/ir-range.js", import.meta.url));

export interface StartedCli {
  proc: ChildProcess;
  exports: Record<string, string>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Date.now() just before the process was spawned: its --clock started after this. */
  spawnedAt: number;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, bin = BIN): Promise<StartedCli> {
  const spawnedAt = Date.now();
  const proc = spawn(process.execPath, [bin, "start", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ir-range start printed no exports in time:\n${out}\n${err}`)), 30_000);
    proc.stdout?.on("data", (d) => {
      out += d;
      if (/export AWS_REGION=.*\n/.test(out)) {
        clearTimeout(timer);
        const exports: Record<string, string> = {};
        for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) exports[m[1]] = m[2];
        resolve({ proc, exports, stdout: () => out, stderr: () => err, exited, spawnedAt });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ir-range start exited with ${code}:\n${out}\n${err}`));
    });
  });
}
