/** Grading secutter over HTTP: wrong answers fail with hints, and the grade survives a server restart unchanged. */
import { EC2Client, ModifyInstanceMetadataOptionsCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("grading secutter", () => {
  it("is identical across two runs and across a restart of the server", async () => {
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
    const assessment = loadAssessment(server.emulator.runtime.scenario.dir);
    const { answers, facts } = secutterAnswers(server.emulator.runtime.anchor);
    const ec2 = new EC2Client(server.sdk());
    await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: facts.webServer.instanceId, HttpTokens: "required" }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: facts.miners["ap-northeast-1"] }));

    const first = grade(assessment, await fetchSnapshot(server.url), answers);
    const second = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(second).toEqual(first);
    expect(first.items.find((i) => i.id === "imdsv2-required")?.status).toBe("pass");
    expect(first.items.find((i) => i.id === "miners-terminated")).toMatchObject({ status: "partial" });
    expect(first.items.find((i) => i.id === "snapshot-before-terminate")?.status).toBe("fail");

    const stateDir = server.stateDir;
    await server.stop(false);
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T13:00:00Z", stateDir });
    expect(grade(assessment, await fetchSnapshot(server.url), answers)).toEqual(first);
  });

  it("fails wrong answers with a hint, and gives partial credit for part of a set", async () => {
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
    const assessment = loadAssessment(server.emulator.runtime.scenario.dir);
    const { answers, facts } = secutterAnswers(server.emulator.runtime.anchor);
    const wrong = {
      ...answers,
      "attacker-ip": "203.0.113.10",
      "credential-theft": "phishing",
      "rogue-instances": facts.miners["us-east-1"],
      "first-malicious-time": new Date(Date.parse(answers["first-malicious-time"]) + 3600_000).toISOString(),
    };
    const report = grade(assessment, await fetchSnapshot(server.url), wrong, "ja");
    const item = (id: string) => report.items.find((i) => i.id === id);
    expect(item("attacker-ip")).toMatchObject({ status: "fail", points: 0 });
    expect(item("attacker-ip")?.hint).toContain("GuardDuty");
    expect(item("credential-theft")?.status).toBe("fail");
    expect(item("first-malicious-time")?.evidence[0]).toMatch(/not within 2 min/);
    expect(item("rogue-instances")).toMatchObject({ status: "partial" });
    expect(item("rogue-instances")?.evidence[0]).toBe("4 of 7 found");
    expect(item("stolen-key")?.status).toBe("pass");
  });
});
