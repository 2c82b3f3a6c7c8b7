/**
 * The SDK containment example, run through the in-process shim (no socket), earns a full grade on secutter;
 * the same machinery shows what careless responders lose.
 */
import { afterEach, describe, expect, it } from "vitest";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { gradingSnapshot } from "../../emulator/server/app.ts";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { type InProcessRange, startInProcess } from "../../sdk-shim/index.ts";
import { archiveFindings, contain, investigate } from "./contain.ts";

const REGIONS = ["ap-northeast-1", "us-east-1"];
let range: InProcessRange | undefined;
afterEach(async () => {
  await range?.close();
  range = undefined;
});

async function start() {
  range = await startInProcess({ scenario: "secutter", clock: new Date("2026-03-01T12:00:00Z") });
  const assessment = loadAssessment(range.emulator.runtime.scenario.dir);
  const { answers } = secutterAnswers(range.emulator.runtime.anchor);
  return { range, assessment, answers };
}

describe("examples/sdk/contain.ts on secutter", () => {
  it("finds the incident through the APIs and earns full marks, with no listening socket", async () => {
    const { range, assessment, answers } = await start();
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    expect(handles.some((h) => h?.constructor?.name === "Server")).toBe(false);
    const incident = await investigate(range.config, "ap-northeast-1", REGIONS);
    expect(incident.stolenKey).toBe(answers["stolen-key"]);
    expect(incident.attackerIp).toBe(answers["attacker-ip"]);
    expect(
      Object.values(incident.created)
        .flatMap((c) => c.instances)
        .sort(),
    ).toEqual([...answers["rogue-instances"]].sort());
    await contain(range.config, incident);
    expect(await archiveFindings(range.config, REGIONS)).toBeGreaterThan(0);
    const report = grade(assessment, await gradingSnapshot(range.emulator), answers);
    expect(report.items.filter((i) => i.status !== "pass")).toEqual([]);
    expect(report.score).toBe(report.maxScore);
    expect(grade(assessment, await gradingSnapshot(range.emulator), answers)).toEqual(report);
  });

  it("a responder who terminates before snapshotting loses the order item", async () => {
    const { range, assessment, answers } = await start();
    await contain(range.config, await investigate(range.config, "ap-northeast-1", REGIONS), { snapshotFirst: false });
    const report = grade(assessment, await gradingSnapshot(range.emulator), answers);
    const order = report.items.find((i) => i.id === "snapshot-before-terminate");
    expect(order?.status).toBe("fail");
    expect(order?.evidence.join("\n")).toMatch(/was terminated at .* before any snapshot/);
    expect(report.items.find((i) => i.id === "miners-terminated")?.status).toBe("pass");
  });

  it("a responder who only archives findings gets no containment credit", async () => {
    const { range, assessment, answers } = await start();
    await archiveFindings(range.config, REGIONS);
    const report = grade(assessment, await gradingSnapshot(range.emulator), answers);
    const containment = report.items.filter((i) => i.kind === "containment");
    expect(containment.length).toBeGreaterThan(0);
    expect(containment.every((i) => i.points === 0)).toBe(true);
    expect(report.items.find((i) => i.id === "findings-archived-after-containment")?.status).toBe("fail");
    expect(report.items.find((i) => i.id === "miners-terminated")?.evidence.join()).toMatch(/still (stopped|running)/);
  });
});

describe("examples/sdk/contain.ts run as its header says", () => {
  it("`node bin/run-ts.js examples/sdk/contain.ts` from the repo root contains a running range and says what it did", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { startTestServer } = await import("../../test/helpers/emulator.ts");
    const server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
    try {
      // The endpoint as `eval "$(ir-range env)"` exports it; the keys from the server's state directory.
      const env = { PATH: process.env.PATH, HOME: server.stateDir, AWS_ENDPOINT_URL: server.url, IR_RANGE_STATE_DIR: server.stateDir };
      const { stdout } = await promisify(execFile)(process.execPath, ["bin/run-ts.js", "examples/sdk/contain.ts"], { env, maxBuffer: 16 * 2 ** 20 });
      expect(stdout).toContain("investigating:");
      expect(stdout).toMatch(/"stolenKey": "ASIA[A-Z0-9]{16}"/);
      expect(stdout).toMatch(/contained; archived \d+ findings/);
      const report = grade(loadAssessment(server.emulator.runtime.scenario.dir), await gradingSnapshot(server.emulator), {});
      expect(report.items.filter((i) => i.kind !== "question" && i.status !== "pass").map((i) => i.id)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
