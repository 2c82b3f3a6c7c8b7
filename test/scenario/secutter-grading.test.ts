/**
 * Grading secutter over HTTP: wrong answers fail with hints, the grade survives a server restart unchanged, answers
 * are judged in the range's time (no --clock, across resets), and containment names nothing a question asks for.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { EC2Client, ModifyInstanceMetadataOptionsCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { checkAnswer, frameAt } from "../../emulator/grading/answers.ts";
import { formatReport, grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { BIN } from "../helpers/cli-process.ts";
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
    const en = grade(assessment, await fetchSnapshot(server.url), wrong);
    const item = (id: string) => report.items.find((i) => i.id === id);
    expect(item("attacker-ip")).toMatchObject({ status: "fail", points: 0 });
    expect(item("attacker-ip")?.hint).toContain("GuardDuty");
    expect(item("credential-theft")?.status).toBe("fail");
    expect(item("first-malicious-time")?.evidence[0]).toMatch(/は求める時刻の前後 2 分以内にありません$/);
    expect(en.items.find((i) => i.id === "first-malicious-time")?.evidence[0]).toMatch(/not within 2 min/);
    expect(item("rogue-instances")).toMatchObject({ status: "partial" });
    expect(item("rogue-instances")?.evidence[0]).toBe("7 個中 4 個正解");
    expect(en.items.find((i) => i.id === "rogue-instances")?.evidence[0]).toBe("4 of 7 found");
    expect(item("stolen-key")?.status).toBe("pass");
  });
});

describe("answers in the range's time (issue #16 item 1)", () => {
  const assessment = loadAssessment(loadScenario("secutter").dir);
  const recorded = new Date(loadScenario("secutter").manifest.recordedDiscovery);
  const questions = (r: ReturnType<typeof grade>) => r.items.filter((i) => i.kind === "question");
  const item = (r: ReturnType<typeof grade>, id: string) => r.items.find((i) => i.id === id);

  it("reads a date spelt into a name in the range's time, and only that date", () => {
    const q = assessment.questions.find((x) => x.id === "exfiltrated-object");
    if (!q) throw new Error("exfiltrated-object");
    const anchor = new Date("2026-12-07T20:51:13Z");
    const frame = { anchors: [anchor], recordedDiscovery: recorded };
    const shown = secutterAnswers(anchor).answers["exfiltrated-object"];
    const date = /(\d{8})\.sql\.gz$/.exec(shown)?.[1] ?? "";
    expect(date).toBe("20261204"); // what the range lists at this shift; the recording says 20260226
    expect(checkAnswer(q, assessment.salt, shown, frame).fraction).toBe(1);
    expect(checkAnswer(q, assessment.salt, shown.replace("s3://", "").toUpperCase(), frame).fraction).toBe(1);
    // The recording's spelling, and the dumps of the days around it, are other objects in this range.
    for (const other of ["20260226", "20261203", "20261205"]) expect(checkAnswer(q, assessment.salt, shown.replace(date, other), frame).fraction).toBe(0);
    expect(checkAnswer(q, assessment.salt, secutterAnswers(recorded).answers["exfiltrated-object"], frameAt(recorded)).fraction).toBe(1);
  });

  it("gives an honest answer full marks at the real time, with no --clock, and names nothing unanswered (items 1 and 2)", async () => {
    server = await startTestServer({ scenario: "secutter" });
    const rt = server.emulator.runtime;
    const { answers, facts } = secutterAnswers(rt.anchor);
    // What the student reads in this range: the dump under its shifted key (which the responder may not read: the
    // bucket holds customers' data), the first call at its shifted time.
    expect(rt.recordingObjects.head(rt.accountId, facts.exfiltrated.bucket, facts.exfiltrated.key)).toBeDefined();
    const at = new Date(answers["first-malicious-time"]);
    const names: string[] = [];
    for (const region of rt.manifest.regions) {
      const found = await new CloudTrailClient(server.sdk(region)).send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: answers["stolen-key"] }],
          StartTime: at,
          EndTime: new Date(at.getTime() + 1000),
        }),
      );
      names.push(...(found.Events ?? []).map((e) => String(e.EventName)));
    }
    expect(names).toContain(answers["first-malicious-call"]);

    const snap = await fetchSnapshot(server.url);
    const report = grade(assessment, snap, answers);
    expect(questions(report).filter((i) => i.status !== "pass")).toEqual([]);
    const asRecorded = secutterAnswers(recorded).answers["exfiltrated-object"];
    if (asRecorded !== answers["exfiltrated-object"]) {
      // The key the recording spells is not what this range shows: it is no answer here.
      expect(item(grade(assessment, snap, { ...answers, "exfiltrated-object": asRecorded }), "exfiltrated-object")?.status).toBe("fail");
    }

    // Before any answer, containment counts what remains and names none of it.
    const blind = grade(assessment, snap, {});
    const text = `${JSON.stringify(blind)}\n${formatReport(blind)}`;
    const secrets = [...answers["rogue-instances"], ...answers.persistence, ...answers["rogue-regions"], answers["stolen-key"], answers["attacker-ip"]];
    for (const s of secrets) expect(text).not.toContain(s);
    expect(item(blind, "miners-terminated")?.evidence).toEqual(["7 of 7 instances are still stopped, in 2 regions"]);
    expect(item(blind, "attacker-key-pairs-deleted")?.evidence).toEqual(["2 of 2 key pairs are still there, in 2 regions"]);
    expect(item(blind, "attacker-security-groups-closed")?.evidence).toEqual(["2 of 2 security groups are still open to 0.0.0.0/0, in 2 regions"]);
    // What the student answered right is named again (and the rest still counted); --reveal names everything.
    const part = grade(assessment, snap, { "rogue-instances": facts.miners["us-east-1"], "rogue-regions": ["us-east-1"] });
    const miners = item(part, "miners-terminated")?.evidence ?? [];
    expect(miners[0]).toBe("7 of 7 instances are still stopped, in 2 regions");
    expect(miners.slice(1)).toEqual(facts.miners["us-east-1"].map((id) => `${id} in us-east-1 still stopped`));
    expect(item(part, "attacker-key-pairs-deleted")?.evidence).toEqual(["2 of 2 key pairs are still there, in 2 regions"]);
    // A set answer with a wrong member names none of it: the grade would tell which guesses were right.
    const guess = { "rogue-instances": [...facts.miners["us-east-1"], "i-0fffffffffffffff0"], "rogue-regions": ["us-east-1"] };
    expect(item(grade(assessment, snap, guess), "miners-terminated")?.evidence).toEqual(["7 of 7 instances are still stopped, in 2 regions"]);
    expect(grade(assessment, snap, answers).withheld).toBe(false);
    const debrief = formatReport(grade(assessment, snap, {}, "en", { reveal: true }));
    for (const s of secrets.slice(0, -2)) expect(debrief).toContain(s);
  });

  it("keeps answers noted before a reset, through a restart and an offline reset", async () => {
    server = await startTestServer({ scenario: "secutter" });
    const rt = server.emulator.runtime;
    const noted = secutterAnswers(rt.anchor).answers;
    rt.clock.advance(27 * 3600_000 + 17 * 60_000 + 5000);
    await rt.reset();
    const now = secutterAnswers(rt.anchor).answers;
    // The incident moved: the time and the dump's date the student noted are not the range's any more.
    expect(now["first-malicious-time"]).not.toBe(noted["first-malicious-time"]);
    expect(now["exfiltrated-object"]).not.toBe(noted["exfiltrated-object"]);

    const snap = await fetchSnapshot(server.url);
    expect(snap.anchors).toHaveLength(2);
    for (const answers of [noted, now]) expect(questions(grade(assessment, snap, answers)).filter((i) => i.status !== "pass")).toEqual([]);
    expect(item(grade(assessment, snap, noted), "first-malicious-time")?.evidence[0]).toMatch(/^correct in the range's time before a reset/);
    // Without the directory's history they would fail, as the issue reports.
    const forgetful = grade(assessment, { ...snap, anchors: [snap.anchor] }, noted);
    expect(item(forgetful, "first-malicious-time")?.evidence[0]).toMatch(/is not within 2 min of the moment asked for/);
    expect(item(forgetful, "exfiltrated-object")?.status).toBe("fail");
    // An answer right in neither frame is still wrong.
    const late = new Date(Date.parse(noted["first-malicious-time"]) + 3600_000).toISOString();
    expect(item(grade(assessment, snap, { ...noted, "first-malicious-time": late }), "first-malicious-time")?.status).toBe("fail");

    // The history lives in the state directory: a restart and an offline `ir-range reset` keep it.
    const stateDir = server.stateDir;
    await server.stop(false);
    await promisify(execFile)(process.execPath, [BIN, "reset", "--scenario", "secutter", "--state-dir", stateDir]);
    server = await startTestServer({ scenario: "secutter", stateDir });
    const again = await fetchSnapshot(server.url);
    expect(again.anchor).not.toBe(snap.anchor); // the offline reset placed the incident afresh
    expect(again.anchors.length).toBeGreaterThanOrEqual(2);
    expect(questions(grade(assessment, again, noted)).filter((i) => i.status !== "pass")).toEqual([]);
  });
});
