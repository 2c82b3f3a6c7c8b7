/**
 * The live attacker of secutter: the stolen role session from the evidence signs requests in the range until the
 * student revokes it; `ir-range replay-attacker` shows which next moves containment blocks (and, with --apply, makes
 * them, so LookupEvents shows the denials); grading counts what blocks the attacker, not what was typed.
 */
import { execFile } from "node:child_process";
import { IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { afterEach, describe, expect, it } from "vitest";
import { grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { fetchSnapshot } from "../../emulator/grading/snapshot.ts";
import { secutterFacts } from "../../recordings/secutter/generator/index.ts";
import { BIN } from "../helpers/cli-process.ts";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const ROLE = "secutter-web-role";
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function irRange(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The stolen credentials as the student finds them: the "icon" the SSRF saved in the uploads bucket. */
async function stolenFromEvidence(s: TestServer): Promise<NodeJS.ProcessEnv> {
  const facts = secutterFacts(s.emulator.runtime.anchor);
  const icon = await aws(s, ["s3", "cp", `s3://${facts.ssrf.savedIcon.bucket}/${facts.ssrf.savedIcon.key}`, "-"]);
  expect(icon.status).toBe(0);
  const creds = JSON.parse(icon.stdout) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
  expect(creds.AccessKeyId).toBe(facts.stolenAccessKeyId);
  return { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.Token };
}

const revokeAt = (time: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": time } } }],
  });

describe.skipIf(!hasAwsCli)("secutter's live attacker", () => {
  it("the stolen session works until revoked; replay-attacker shows the effect and --apply journals the denials", async () => {
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T07:00:00Z" });
    const s = server;
    const stolen = await stolenFromEvidence(s);
    const who = await awsJson(s, ["sts", "get-caller-identity"]);
    expect(who.Arn).toContain("ir-responder");
    const asAttacker = await aws(s, ["sts", "get-caller-identity"], stolen);
    expect(JSON.parse(asAttacker.stdout).Arn).toMatch(new RegExp(`^arn:aws:sts::111122223333:assumed-role/${ROLE}/i-0[0-9a-f]+$`));
    expect((await aws(s, ["ec2", "describe-regions", "--query", "length(Regions)"], stolen)).status).toBe(0);

    const before = JSON.parse((await irRange(["replay-attacker", "--endpoint", s.url, "--state-dir", s.stateDir, "--json", "--reveal"])).stdout);
    const byId = (r: { attempts: { id: string; blocked: boolean; reason: { en: string } }[] }, id: string) => r.attempts.find((a) => a.id === id);
    expect(byId(before, "run-miners-home")).toMatchObject({ blocked: false });
    expect(byId(before, "resteal-through-ssrf")).toMatchObject({ reason: { en: "IMDSv1 still allowed on the instance (stopped: open again when it starts)" } });
    expect((byId(before, "resteal-through-ssrf") as { detail?: string }).detail).toMatch(/^i-0[0-9a-f]+ \(ap-northeast-1\)$/);
    // The replay ran on a copy: the range's own journal has none of the attacker's calls.
    expect([...s.emulator.runtime.journal].filter((r) => r.sourceIPAddress === "203.0.113.45")).toEqual([]);

    // The console's "Revoke active sessions", done by hand.
    const now = s.emulator.runtime.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    expect(
      (await aws(s, ["iam", "put-role-policy", "--role-name", ROLE, "--policy-name", "AWSRevokeOlderSessions", "--policy-document", revokeAt(now)])).stderr,
    ).toBe("");
    const denied = await aws(s, ["ec2", "describe-instances"], stolen);
    expect(denied.stderr).toContain(
      `User: arn:aws:sts::111122223333:assumed-role/${ROLE}/${JSON.parse(asAttacker.stdout).Arn.split("/").pop()} is not authorized to perform: ec2:DescribeInstances with an explicit deny in an identity-based policy`,
    );
    // GetCallerIdentity needs no permission: AWS answers it even for a revoked session.
    expect((await aws(s, ["sts", "get-caller-identity"], stolen)).status).toBe(0);

    const shown = await irRange(["replay-attacker", "--endpoint", s.url, "--state-dir", s.stateDir]);
    // Without --reveal, no instance id or address: they answer the scenario's questions.
    expect(shown.stdout).not.toMatch(/\bi-0[0-9a-f]{8}|203\.0\.113\.45/);
    expect(shown.stdout).toContain(`ec2:RunInstances denied by inline policy AWSRevokeOlderSessions of role/${ROLE} (aws:TokenIssueTime)`);
    expect(shown.stdout).toContain("✗ POSSIBLE  Fresh role credentials stolen again through the SSRF (IMDSv1)");
    expect(shown.stdout).toMatch(/4 of 6 attacker moves blocked/);

    const applied = JSON.parse((await irRange(["replay-attacker", "--endpoint", s.url, "--state-dir", s.stateDir, "--apply", "--json"])).stdout);
    expect(applied.applied).toBe(true);
    const events = await awsJson(s, [
      "cloudtrail",
      "lookup-events",
      "--lookup-attributes",
      `AttributeKey=AccessKeyId,AttributeValue=${stolen.AWS_ACCESS_KEY_ID}`,
      "--max-results",
      "10",
    ]);
    const fresh = events.Events.map((e: { CloudTrailEvent: string }) => JSON.parse(e.CloudTrailEvent)).filter(
      (r: { sourceIPAddress: string; eventTime: string }) => r.eventTime >= now,
    );
    const run = fresh.find((r: { eventName: string }) => r.eventName === "RunInstances");
    expect(run).toMatchObject({ sourceIPAddress: "203.0.113.45", errorCode: "Client.UnauthorizedOperation" });
    expect(run.userAgent).toContain("kali");
  });
});

describe("grading containment by its effect on the attacker", () => {
  const wrong = [
    ["a deny on the wrong role", "ir-responder-does-not-exist", undefined],
    ["a revocation dated before the theft", ROLE, "2026-02-01T00:00:00Z"],
  ] as const;

  for (const [what, role, date] of wrong) {
    it(`${what} does not revoke the stolen session`, async () => {
      server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T07:00:00Z" });
      const s = server;
      const time = date ?? s.emulator.runtime.clock.now().toISOString();
      const put = new IAMClient(s.sdk()).send(
        new PutRolePolicyCommand({ RoleName: role, PolicyName: "AWSRevokeOlderSessions", PolicyDocument: revokeAt(time) }),
      );
      // The wrong role does not exist: the student's policy text went nowhere.
      if (role !== ROLE) expect((await sdkFailure(put)).name).toBe("NoSuchEntityException");
      else await put;
      const report = grade(loadAssessment(s.emulator.runtime.scenario.dir), await fetchSnapshot(s.url, { stateDir: s.stateDir }), {});
      const item = report.items.find((i) => i.id === "stolen-sessions-revoked");
      expect(item?.status).toBe("fail");
      expect(item?.evidence.join("\n")).toMatch(/attacker's 4 next moves are still possible|4 of the attacker's 4 next moves are still possible/);
    });
  }

  it("a revocation that works passes, whatever the policy is called", async () => {
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T07:00:00Z" });
    const s = server;
    const now = s.emulator.runtime.clock.now().toISOString();
    await new IAMClient(s.sdk()).send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: "cut-off", PolicyDocument: revokeAt(now) }));
    const report = grade(loadAssessment(s.emulator.runtime.scenario.dir), await fetchSnapshot(s.url, { stateDir: s.stateDir }), {});
    expect(report.items.find((i) => i.id === "stolen-sessions-revoked")?.status).toBe("pass");
    expect(report.items.find((i) => i.id === "imdsv2-required")?.status).toBe("fail");
  });
});
