/** The CLI walkthrough runs end to end against secutter and leaves every containment objective passed. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { gradingSnapshot } from "../../emulator/server/app.ts";
import { hasAwsCli, startTestServer, type TestServer } from "../../test/helpers/emulator.ts";

const run = promisify(execFile);
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!hasAwsCli)("examples/cli/walkthrough.sh", () => {
  it("investigates and contains secutter", async () => {
    // PYTHONUNBUFFERED=1, as container images often set it: the CLI then writes at once, and a pipe closed early
    // (`| head`) would break it under pipefail.
    const env = { ...server.env, PYTHONUNBUFFERED: "1" };
    const { stdout } = await run("bash", ["examples/cli/walkthrough.sh"], { env, maxBuffer: 64 * 2 ** 20 });
    expect(stdout).toMatch(/stolen key ASIA[A-Z0-9]{16} of role secutter-web-role, used from 203\.0\.113\.45/);
    expect(stdout).toContain("169.254.169.254/latest/meta-data/iam/security-credentials/secutter-web-role");
    expect(stdout).toContain("AmazonEC2FullAccess");
    const report = grade(loadAssessment(server.emulator.runtime.scenario.dir), await gradingSnapshot(server.emulator), {});
    const notPassed = report.items.filter((i) => i.kind !== "question" && i.status !== "pass");
    expect(notPassed).toEqual([]);
  }, 300_000);
});
