/**
 * The built-in timeline scenarios' assessment.json and attacker.json are derived from their builds (the ids, keys and
 * times the run made): they must be what the current build gives, or grading would judge against a recording that
 * no longer exists.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");

describe.each(["exposed-credentials", "misconfigured-resource"])("%s", (name) => {
  it("has the assessment and attacker moves its build gives", async () => {
    const { stdout } = await run(process.execPath, [join(root, "bin/run-ts.js"), join(root, `scripts/make-assessment-${name}.ts`), "--check"], { cwd: root });
    expect(stdout).toContain("assessment and attacker files are current");
  }, 120_000);
});
