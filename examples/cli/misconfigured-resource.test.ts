/**
 * examples/cli/misconfigured-resource.sh runs end to end against the scenario: the answers it prints earn every
 * question, and the account it leaves passes every containment and order objective with the attacker blocked.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { gradingSnapshot } from "../../emulator/server/app.ts";
import { hasAwsCli, startTestServer, type TestServer } from "../../test/helpers/emulator.ts";

const run = promisify(execFile);
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "misconfigured-resource", clock: "2026-06-01T12:00:00Z" });
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!hasAwsCli)("examples/cli/misconfigured-resource.sh", () => {
  it("investigates, contains with SSM Automation and remediates: a full grade", async () => {
    // The runbooks' steps run by the range's clock: while the script polls, the clock is moved on for it.
    const ticker = setInterval(() => server.emulator.runtime.clock.advance(10_000), 100);
    let stdout: string;
    try {
      ({ stdout } = await run("bash", ["examples/cli/misconfigured-resource.sh"], {
        env: { ...server.env, PYTHONUNBUFFERED: "1", POLL_SECONDS: "0.2" },
        maxBuffer: 64 * 2 ** 20,
      }));
    } finally {
      clearInterval(ticker);
    }
    expect(stdout).toMatch(/instance i-0[0-9a-f]+: SSH brute force from 198\.51\.100\.73, mining pool pool\.xmr-hub\.example/);
    expect(stdout).toContain("AWSSupport-ContainEC2Instance: Success");
    expect(stdout).toContain("ASR-EnableIMDSV2OnInstance: Success");
    expect(stdout).toContain("ASR-DisableUnrestrictedAccessToHighRiskPorts: Success");
    const answers = parse(stdout.slice(stdout.indexOf("== 11.")).split("\n").slice(1).join("\n")) as Record<string, unknown>;
    const report = grade(loadAssessment(server.emulator.runtime.scenario.dir), await gradingSnapshot(server.emulator), answers);
    expect(report.items.filter((i) => i.status !== "pass").map((i) => `${i.id}: ${i.evidence.join("; ")}`)).toEqual([]);
  }, 120_000);
});
