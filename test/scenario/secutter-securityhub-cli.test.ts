/**
 * The CIRT way into secutter with the real aws CLI: Security Hub's control findings point at the cause (a web server
 * that allows IMDSv1, the attacker's world-open SSH groups), its GuardDuty findings name the stolen key, and a fix
 * shows up in the control's finding.
 */
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from "@aws-sdk/client-ec2";
import { GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { secutterFacts } from "../../recordings/secutter/generator/index.ts";
import { awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let facts: ReturnType<typeof secutterFacts>;

beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  facts = secutterFacts(server.emulator.runtime.anchor);
});
afterAll(() => server?.stop());

const json = (args: string[]) => awsJson(server, args);

describe.skipIf(!hasAwsCli)("aws securityhub on secutter", () => {
  it("shows the failed controls that explain the breach, in both regions", async () => {
    const home = await json([
      "securityhub",
      "get-findings",
      "--filters",
      '{"ComplianceStatus":[{"Value":"FAILED","Comparison":"EQUALS"}],"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"},{"Value":"HIGH","Comparison":"EQUALS"}]}',
      "--query",
      "Findings[].[Compliance.SecurityControlId,Resources[0].Id,CreatedAt]",
    ]);
    const row = (control: string, resource: string) => (home as string[][]).find(([c, r]) => c === control && r.endsWith(resource));
    // The cause: IMDSv1 still allowed on the web server, whose role the SSRF read.
    expect(row("EC2.8", `instance/${facts.webServer.instanceId}`)).toBeDefined();
    // The attacker's group: failing from the minute its 0.0.0.0/0 rule on 22 was added, not before.
    const sg = row("EC2.13", `security-group/${facts.securityGroups[facts.webServer.region as "ap-northeast-1"]}`);
    expect(sg).toBeDefined();
    const opened = Date.parse(sg?.[2] as string);
    expect(opened).toBeGreaterThan(Date.parse(facts.firstMaliciousCall.eventTime));
    expect(opened).toBeLessThan(Date.parse(facts.lastAttackerCall.eventTime) + 10 * 60_000);
    const use1 = await json([
      "securityhub",
      "get-findings",
      "--region",
      "us-east-1",
      "--filters",
      `{"ComplianceSecurityControlId":[{"Value":"EC2.19","Comparison":"EQUALS"}],"ResourceId":[{"Value":"${facts.securityGroups["us-east-1"]}","Comparison":"CONTAINS"}]}`,
      "--query",
      "Findings[0].[Compliance.Status,Severity.Label]",
    ]);
    expect(use1).toEqual(["FAILED", "CRITICAL"]);
  });

  it("carries GuardDuty's credential-exfiltration finding with the stolen key", async () => {
    const found = await json([
      "securityhub",
      "get-findings",
      "--filters",
      '{"ProductName":[{"Value":"GuardDuty","Comparison":"EQUALS"}],"Type":[{"Value":"Effects/Data Exfiltration/UnauthorizedAccess:IAMUser-InstanceCredentialExfiltration","Comparison":"PREFIX"}]}',
      "--query",
      "Findings[].Resources[0].Details.AwsIamAccessKey.AccessKeyId",
    ]);
    expect(found).toEqual([facts.stolenAccessKeyId]);
  });

  it("counts the miners with the managed cryptocurrency insight", async () => {
    const results = await json([
      "securityhub",
      "get-insight-results",
      "--insight-arn",
      "arn:aws:securityhub:::insight/securityhub/default/24",
      "--query",
      "InsightResults.ResultValues[].GroupByAttributeValue",
    ]);
    expect([...results].sort()).toEqual(facts.miners["ap-northeast-1"].map((id) => `arn:aws:ec2:ap-northeast-1:111122223333:instance/${id}`).sort());
  });

  it("passes EC2.8 once the student requires IMDSv2, and keeps the triage note", async () => {
    // A server of its own: the fix would change what the other tests read.
    const own = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
    onTestFinished(() => own.stop());
    const sh = new SecurityHubClient(own.sdk());
    const filter = `{"ComplianceSecurityControlId":[{"Value":"EC2.8","Comparison":"EQUALS"}],"ResourceId":[{"Value":"instance/${facts.webServer.instanceId}","Comparison":"CONTAINS"}]}`;
    const [finding] =
      (
        await sh.send(
          new GetFindingsCommand({
            Filters: {
              ComplianceSecurityControlId: [{ Value: "EC2.8", Comparison: "EQUALS" }],
              ResourceId: [{ Value: `instance/${facts.webServer.instanceId}`, Comparison: "CONTAINS" }],
            },
          }),
        )
      ).Findings ?? [];
    expect(finding?.Compliance?.Status).toBe("FAILED");
    const note = await awsJson(own, [
      "securityhub",
      "batch-update-findings",
      "--finding-identifiers",
      `Id=${finding.Id},ProductArn=${finding.ProductArn}`,
      "--workflow",
      "Status=NOTIFIED",
      "--note",
      "Text=SSRF read the role credentials over IMDSv1,UpdatedBy=student",
    ]);
    expect(note.ProcessedFindings).toHaveLength(1);
    await new EC2Client(own.sdk()).send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: facts.webServer.instanceId, HttpTokens: "required" }));
    const after = await awsJson(own, [
      "securityhub",
      "get-findings",
      "--filters",
      filter,
      "--query",
      "Findings[0].[Compliance.Status,Workflow.Status,Note.Text]",
    ]);
    expect(after).toEqual(["PASSED", "RESOLVED", "SSRF read the role credentials over IMDSv1"]);
  });
});
