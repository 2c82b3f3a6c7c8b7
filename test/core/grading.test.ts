/** Grading: answers against salted hashes, containment against live state, order against the journal. */

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from "@aws-sdk/client-ec2";
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkAnswer, hashAnswer } from "../../emulator/grading/answers.ts";
import { checks } from "../../emulator/grading/checks.ts";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { RECORDINGS_DIR } from "../../emulator/scenario/loader.ts";
import { BIN } from "../helpers/cli-process.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const run = promisify(execFile);
const assessment = loadAssessment(join(RECORDINGS_DIR, "basic"));
let server: TestServer;
const answers = {
  "web-instance": "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60001",
  "other-user": " Dev-Alice ",
  "user-created": "",
  "regions-with-instances": ["ap-northeast-1"],
};

describe("answer comparison", () => {
  const q = (id: string) => {
    const found = assessment.questions.find((x) => x.id === id);
    if (!found) throw new Error(id);
    return found;
  };
  const anchor = new Date("2026-03-01T10:00:00Z");
  it("accepts ids as ARNs, any case and spacing; rejects others", () => {
    expect(checkAnswer(q("web-instance"), assessment.salt, "I-0A1B2C3D4E5F60001", anchor).fraction).toBe(1);
    expect(checkAnswer(q("web-instance"), assessment.salt, "i-0000000000000000f", anchor).fraction).toBe(0);
  });
  it("accepts times within the window, relative to the shifted discovery moment", () => {
    // The recording says 2023-03-10T01:23:45Z with discovery at 2024-01-15T12:00:00Z; discovery is now anchor.
    const t = new Date(anchor.getTime() + (Date.parse("2023-03-10T01:23:45Z") - Date.parse("2024-01-15T12:00:00Z")));
    expect(checkAnswer(q("user-created"), assessment.salt, t.toISOString(), anchor).fraction).toBe(1);
    expect(checkAnswer(q("user-created"), assessment.salt, new Date(t.getTime() + 50_000).toISOString(), anchor).fraction).toBe(1);
    expect(checkAnswer(q("user-created"), assessment.salt, new Date(t.getTime() + 5 * 60_000).toISOString(), anchor).fraction).toBe(0);
  });
  it("gives partial credit for sets and takes wrong members off", () => {
    expect(checkAnswer(q("regions-with-instances"), assessment.salt, "ap-northeast-1, us-east-1", anchor).fraction).toBe(0);
    expect(checkAnswer(q("regions-with-instances"), assessment.salt, ["AP-NORTHEAST-1"], anchor).fraction).toBe(1);
  });
  it("stores no answer in plain text", () => {
    const text = JSON.stringify(assessment);
    expect(text).not.toContain('i-0a1b2c3d4e5f60001"]');
    expect(text).not.toMatch(/"dev-alice"\s*\]/);
    expect(hashAnswer(assessment.salt, "other-user", "dev-alice")).toBe(q("other-user").hashes[0]);
  });
});

describe("grading a live range", () => {
  // A fresh server per test: one of them contains and destroys, the others must see the range as recorded.
  beforeEach(async () => {
    server = await startTestServer({ scenario: "basic", clock: "2026-03-01T12:00:00Z" });
  });
  afterEach(async () => {
    await server?.stop();
  });

  it("fails containment before it is done, with hints and evidence, and is deterministic", async () => {
    const snap = await fetchSnapshot(server.url);
    const journalBefore = snap.journal.length;
    const a = grade(assessment, snap, answers);
    const b = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(b).toEqual(a);
    expect((await fetchSnapshot(server.url)).journal.length).toBe(journalBefore); // grading adds no calls
    const imds = a.items.find((i) => i.id === "imdsv2");
    expect(imds).toMatchObject({ status: "fail", points: 0 });
    expect(imds?.evidence.join()).toContain("still allows IMDSv1");
    expect(imds?.hint).toContain("modify-instance-metadata-options");
    expect(a.items.find((i) => i.id === "user-created")).toMatchObject({ status: "fail", evidence: ["no answer"] });
    expect(a.items.find((i) => i.id === "web-instance")?.status).toBe("pass");
    expect(a.passed).toBe(false);
  });

  it("credits containment done through the API and catches destroyed evidence", async () => {
    await new EC2Client(server.sdk()).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: "i-0a1b2c3d4e5f60001", HttpTokens: "required" }));
    const after = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(after.items.find((i) => i.id === "imdsv2")?.status).toBe("pass");
    expect(after.items.find((i) => i.id === "evidence-kept")?.status).toBe("pass");
    await new S3Client(server.sdk()).send(new DeleteObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    const destroyed = grade(assessment, await fetchSnapshot(server.url), answers);
    expect(destroyed.items.find((i) => i.id === "evidence-kept")).toMatchObject({ status: "fail" });
    expect(destroyed.items.find((i) => i.id === "evidence-kept")?.evidence[0]).toMatch(/^DeleteObject on the evidence/);
  });

  it("ir-range grade prints a table or stable JSON and exits non-zero unless everything passes", async () => {
    const file = join(server.stateDir, "answers.yaml");
    writeFileSync(file, "web-instance: i-0a1b2c3d4e5f60001\nother-user: dev-alice\n");
    const r = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--answers", file, "--json"]).catch(
      (e) => e as { code: number; stdout: string },
    );
    expect((r as { code?: number }).code).toBe(1);
    const report = JSON.parse((r as { stdout: string }).stdout);
    expect(report).toMatchObject({ scenario: "basic", maxScore: 50 });
    expect(report.items.map((i: { id: string }) => i.id)).toEqual([
      "web-instance",
      "other-user",
      "user-created",
      "regions-with-instances",
      "imdsv2",
      "alice-key",
      "evidence-kept",
    ]);
    const ja = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--answers", file, "--lang", "ja"]).catch((e) => e as { stdout: string });
    expect((ja as { stdout: string }).stdout).toContain("合計");
    const template = await run(process.execPath, [BIN, "answers", "--template", "--scenario", "basic"]);
    expect(template.stdout).toContain('web-instance: ""');
  });
});

describe("the session-revocation check", () => {
  const anchor = "2026-03-01T12:00:00.000Z";
  const snap = (role: Record<string, unknown>) => ({
    scenario: "t",
    accountId: "111122223333",
    anchor,
    now: anchor,
    journal: [],
    state: { format: 1 as const, scenario: "t", anchor, accounts: { "111122223333": { global: { iam: { roles: { web: role } } }, regions: {} } } },
  });
  const params = { role: "web", stolenAt: -60, overBroad: ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"] };
  const deny = (before: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: { Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": before } } },
    });

  it("passes on a deny of sessions issued before the theft, policies still attached (the document URL-encoded or not)", () => {
    const attached = ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"];
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: deny(anchor) } }), params).fraction).toBe(1);
    expect(
      checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: encodeURIComponent(deny(anchor)) } }), params).fraction,
    ).toBe(1);
    // A deny that ends before the stolen session was issued revokes nothing.
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: attached, InlinePolicies: { revoke: deny("2026-03-01T10:00:00Z") } }), params).fraction).toBe(0);
    expect(checks.roleSessionsRevoked(snap({ AttachedPolicies: [], InlinePolicies: {} }), params).fraction).toBe(1);
  });
});
