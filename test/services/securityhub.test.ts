/** Security Hub over SDK v3 on the basic scenario: hub and standards, controls evaluated live, GuardDuty findings, filters, updates. */
import { CloudTrailClient, LookupEventsCommand, StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { EC2Client, ModifyInstanceMetadataOptionsCommand, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { GuardDutyClient, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { CreatePolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  BatchGetSecurityControlsCommand,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  CreateInsightCommand,
  DeleteInsightCommand,
  DescribeHubCommand,
  DescribeStandardsCommand,
  DescribeStandardsControlsCommand,
  DisableSecurityHubCommand,
  EnableSecurityHubCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  GetInsightResultsCommand,
  GetInsightsCommand,
  ListSecurityControlDefinitionsCommand,
  paginateGetFindings,
  SecurityHubClient,
  UpdateInsightCommand,
  UpdateStandardsControlCommand,
} from "@aws-sdk/client-securityhub";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filterFields, inCidr } from "../../emulator/services/securityhub/filters.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const INSTANCE = "i-0a1b2c3d4e5f60001";
const BASTION_SG = "sg-0a1b2c3d4e5f60003";
const FSBP_SUB = `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0`;

let server: TestServer;
let sh: SecurityHubClient;

beforeEach(async () => {
  server = await startTestServer({ scenario: "basic" });
  sh = new SecurityHubClient(server.sdk());
});
afterEach(() => server?.stop());

async function findings(Filters?: AwsSecurityFindingFilters, extra: object = {}): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  for await (const page of paginateGetFindings({ client: sh, pageSize: 7 }, { Filters, ...extra })) out.push(...(page.Findings ?? []));
  return out;
}

const eq = (Value: string) => [{ Value, Comparison: "EQUALS" as const }];
const control = async (id: string, resourceId: string) => (await findings({ ComplianceSecurityControlId: eq(id), ResourceId: eq(resourceId) }))[0];

describe("the hub", () => {
  it("answers as AWS does before it is enabled, then enables with the default standards", async () => {
    await expect(sh.send(new DescribeHubCommand({}))).rejects.toMatchObject({
      name: "InvalidAccessException",
      message: expect.stringContaining("not subscribed"),
    });
    await expect(sh.send(new GetFindingsCommand({}))).rejects.toMatchObject({ name: "InvalidAccessException" });
    await sh.send(new EnableSecurityHubCommand({}));
    const hub = await sh.send(new DescribeHubCommand({}));
    expect(hub.HubArn).toBe(`arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`);
    expect(hub.SubscribedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await expect(sh.send(new EnableSecurityHubCommand({}))).rejects.toMatchObject({ name: "ResourceConflictException" });
    const enabled = (await sh.send(new GetEnabledStandardsCommand({}))).StandardsSubscriptions?.map((s) => [s.StandardsArn, s.StandardsStatus]);
    expect(enabled).toEqual([
      [`arn:aws:securityhub:${REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`, "READY"],
      ["arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", "READY"],
    ]);
    const all = (await sh.send(new DescribeStandardsCommand({}))).Standards?.map((s) => s.Name);
    expect(all).toContain("NIST Special Publication 800-53 Revision 5");
  });

  it("lists each standard's controls with their severities", async () => {
    await sh.send(new EnableSecurityHubCommand({}));
    const fsbp = (await sh.send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: FSBP_SUB }))).Controls ?? [];
    const imds = fsbp.find((c) => c.ControlId === "EC2.8");
    expect(imds).toMatchObject({
      ControlStatus: "ENABLED",
      SeverityRating: "HIGH",
      StandardsControlArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:control/aws-foundational-security-best-practices/v/1.0.0/EC2.8`,
    });
    expect(fsbp.find((c) => c.ControlId === "EC2.19")?.SeverityRating).toBe("CRITICAL");
    const cis = (
      await sh.send(
        new DescribeStandardsControlsCommand({
          StandardsSubscriptionArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/cis-aws-foundations-benchmark/v/1.2.0`,
        }),
      )
    ).Controls;
    expect(cis?.map((c) => c.ControlId)).toContain("CIS.4.1");
    await expect(sh.send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: `${FSBP_SUB}-x` }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });
});

describe("findings", () => {
  beforeEach(async () => {
    await sh.send(new EnableSecurityHubCommand({}));
  });

  it("evaluates the controls over the recorded resources", async () => {
    const imds = await control("EC2.8", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}`);
    expect(imds).toMatchObject({
      ProductName: "Security Hub",
      GeneratorId: "security-control/EC2.8",
      Compliance: { Status: "FAILED", SecurityControlId: "EC2.8" },
      Severity: { Label: "HIGH", Original: "HIGH" },
      Workflow: { Status: "NEW" },
      RecordState: "ACTIVE",
      Resources: [{ Type: "AwsEc2Instance", Region: REGION, Details: { AwsEc2Instance: { MetadataOptions: { HttpTokens: "optional" } } } }],
    });
    expect(imds.Compliance?.AssociatedStandards).toEqual([{ StandardsId: "standards/aws-foundational-security-best-practices/v/1.0.0" }]);
    const ssh = await control("EC2.13", `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${BASTION_SG}`);
    expect(ssh.Compliance?.Status).toBe("FAILED");
    // EC2.13 is also CIS 1.2.0's 4.1.
    expect(ssh.Compliance?.AssociatedStandards?.map((s) => s.StandardsId)).toEqual([
      "standards/aws-foundational-security-best-practices/v/1.0.0",
      "ruleset/cis-aws-foundations-benchmark/v/1.2.0",
    ]);
    const trail = await control("CloudTrail.1", `AWS::::Account:${ACCOUNT}`);
    expect(trail).toMatchObject({ Compliance: { Status: "PASSED" }, Severity: { Label: "INFORMATIONAL" }, Workflow: { Status: "RESOLVED" } });
  });

  it("carries GuardDuty's findings as GuardDuty sends them", async () => {
    const gd = new GuardDutyClient(server.sdk());
    const detector = "12abc34d567e8fa901bc2d34e56789f0";
    const gdIds = (await gd.send(new ListFindingsCommand({ DetectorId: detector }))).FindingIds ?? [];
    const fromGd = await findings({ ProductName: eq("GuardDuty") });
    expect(fromGd.map((f) => f.Id?.split("/").pop()).sort()).toEqual([...gdIds].sort());
    const c2 = fromGd.find((f) => f.Types?.[0] === "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS");
    expect(c2).toMatchObject({
      Id: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/${detector}/finding/b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00`,
      ProductArn: `arn:aws:securityhub:${REGION}::product/aws/guardduty`,
      CompanyName: "Amazon",
      Severity: { Label: "HIGH", Normalized: 80, Product: 8 },
      Resources: [{ Type: "AwsEc2Instance", Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}` }],
      Action: { ActionType: "DNS_REQUEST", DnsRequestAction: { Domain: "c2.example.net" } },
    });
    const keys = await findings({ ResourceType: eq("AwsIamAccessKey"), ResourceAwsIamAccessKeyPrincipalName: eq("dev-alice") });
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.Resources?.[0].Id).toBe("AWS::IAM::AccessKey:AKIAEXAMPLEALICE0001");
  });

  it("applies every kind of filter, and sorts", async () => {
    const all = await findings();
    const count = (p: (f: AwsSecurityFinding) => boolean) => all.filter(p).length;
    const failed = count((f) => f.Compliance?.Status === "FAILED");
    expect(failed).toBeGreaterThan(5);
    expect(await findings({ ComplianceStatus: eq("FAILED") })).toHaveLength(failed);
    expect(await findings({ ComplianceStatus: [{ Value: "FAILED", Comparison: "NOT_EQUALS" }] })).toHaveLength(all.length - failed);
    expect(await findings({ GeneratorId: [{ Value: "security-control/EC2.", Comparison: "PREFIX" }] })).toHaveLength(
      count((f) => !!f.GeneratorId?.startsWith("security-control/EC2.")),
    );
    expect(await findings({ Title: [{ Value: "IMDSv2", Comparison: "CONTAINS" }] })).toHaveLength(count((f) => !!f.Title?.includes("IMDSv2")));
    // Positive filters on one field are OR'ed; fields are AND'ed.
    const highOrCritical = await findings({ SeverityLabel: [...eq("HIGH"), ...eq("CRITICAL")], ProductName: eq("Security Hub") });
    expect(highOrCritical.length).toBe(count((f) => f.ProductName === "Security Hub" && ["HIGH", "CRITICAL"].includes(f.Severity?.Label as string)));
    expect(await findings({ SeverityNormalized: [{ Gte: 70 }] })).toHaveLength(count((f) => (f.Severity?.Normalized ?? 0) >= 70));
    expect(await findings({ CreatedAt: [{ DateRange: { Value: 100000, Unit: "DAYS" } }] })).toHaveLength(all.length);
    expect(await findings({ CreatedAt: [{ Start: "2000-01-01T00:00:00Z", End: "2000-01-02T00:00:00Z" }] })).toHaveLength(0);
    const tagged = await findings({ ResourceTags: [{ Key: "Name", Value: "web-1", Comparison: "EQUALS" }] });
    expect(tagged.length).toBeGreaterThan(0);
    for (const f of tagged) expect(f.Resources?.[0].Tags?.Name).toBe("web-1");
    const inVpc = await findings({ ResourceAwsEc2InstanceIpV4Addresses: [{ Cidr: "10.0.0.0/16" }] });
    expect(inVpc.length).toBe(count((f) => !!f.Resources?.some((r) => r.Details?.AwsEc2Instance?.IpV4Addresses?.some((ip) => ip.startsWith("10.0.")))));
    expect(await findings({ Sample: [{ Value: false }] })).toHaveLength(all.length);
    const sorted = await findings({ ProductName: eq("Security Hub") }, { SortCriteria: [{ Field: "SeverityNormalized", SortOrder: "desc" }] });
    const normalized = sorted.map((f) => f.Severity?.Normalized ?? 0);
    expect(normalized).toEqual([...normalized].sort((a, b) => b - a));
    await expect(sh.send(new GetFindingsCommand({ Filters: { Id: [...eq("a"), { Value: "b", Comparison: "NOT_EQUALS" }] } }))).rejects.toMatchObject({
      name: "InvalidInputException",
    });
    await expect(sh.send(new GetFindingsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: "InvalidInputException" });
    await expect(sh.send(new GetFindingsCommand({ NextToken: "bm9wZQ==" }))).rejects.toMatchObject({ name: "InvalidInputException" });
  });

  it("follows the responder's fixes: the finding passes from the time of the change, and is resolved", async () => {
    const ec2 = new EC2Client(server.sdk());
    const before = await control("EC2.8", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}`);
    await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: INSTANCE, HttpTokens: "required" }));
    const ct = new CloudTrailClient(server.sdk());
    const call = (
      await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "ModifyInstanceMetadataOptions" }] }))
    ).Events?.[0];
    const after = await control("EC2.8", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}`);
    expect(after).toMatchObject({ Id: before.Id, Compliance: { Status: "PASSED" }, Severity: { Label: "INFORMATIONAL" }, Workflow: { Status: "RESOLVED" } });
    expect(after.CreatedAt).toBe(before.CreatedAt);
    expect(Date.parse(after.UpdatedAt as string)).toBe(call?.EventTime?.getTime());

    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: BASTION_SG,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    expect((await control("EC2.13", `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${BASTION_SG}`)).Compliance?.Status).toBe("PASSED");

    await ct.send(new StopLoggingCommand({ Name: "management-events" }));
    const trail = await control("CloudTrail.1", `AWS::::Account:${ACCOUNT}`);
    expect(trail).toMatchObject({ Compliance: { Status: "FAILED" }, Severity: { Label: "HIGH" }, Workflow: { Status: "NEW" } });

    // A policy whose one Statement is an object, not a list, is read like any other.
    expect((await control("S3.5", "arn:aws:s3:::basic-evidence")).Compliance?.Status).toBe("FAILED");
    const tlsOnly = {
      Version: "2012-10-17",
      Statement: {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::basic-evidence", "arn:aws:s3:::basic-evidence/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    };
    await new S3Client(server.sdk()).send(new PutBucketPolicyCommand({ Bucket: "basic-evidence", Policy: JSON.stringify(tlsOnly) }));
    expect((await control("S3.5", "arn:aws:s3:::basic-evidence")).Compliance?.Status).toBe("PASSED");

    const admin = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const created = await new IAMClient(server.sdk()).send(new CreatePolicyCommand({ PolicyName: "break-glass", PolicyDocument: JSON.stringify(admin) }));
    expect((await control("IAM.1", created.Policy?.Arn as string)).Compliance?.Status).toBe("FAILED");
  });

  it("updates workflow, notes and severity with BatchUpdateFindings", async () => {
    const [target] = await findings({ ComplianceSecurityControlId: eq("EC2.2"), ComplianceStatus: eq("FAILED") });
    const ident = { Id: target.Id as string, ProductArn: target.ProductArn as string };
    const res = await sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [ident, { Id: "arn:aws:securityhub:nope", ProductArn: ident.ProductArn }],
        Workflow: { Status: "NOTIFIED" },
        Note: { Text: "Ticket IR-42: default group to be emptied", UpdatedBy: "ir-responder" },
        VerificationState: "TRUE_POSITIVE",
      }),
    );
    expect(res.ProcessedFindings).toEqual([ident]);
    expect(res.UnprocessedFindings).toEqual([
      { FindingIdentifier: { Id: "arn:aws:securityhub:nope", ProductArn: ident.ProductArn }, ErrorCode: "FindingNotFound", ErrorMessage: "Finding Not Found" },
    ]);
    const [updated] = await findings({ Id: eq(ident.Id) });
    expect(updated).toMatchObject({
      Workflow: { Status: "NOTIFIED" },
      VerificationState: "TRUE_POSITIVE",
      Note: { Text: "Ticket IR-42: default group to be emptied", UpdatedBy: "ir-responder" },
    });
    // BatchUpdateFindings leaves UpdatedAt alone.
    expect(updated.UpdatedAt).toBe(target.UpdatedAt);
    expect((await findings({ WorkflowStatus: eq("NOTIFIED") })).map((f) => f.Id)).toEqual([ident.Id]);
    await expect(sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [ident], Workflow: { Status: "DONE" as never } }))).rejects.toMatchObject({
      name: "InvalidInputException",
    });
    await expect(sh.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [ident] }))).rejects.toMatchObject({ name: "InvalidInputException" });
  });

  it("imports findings in ASFF and reports the ones it refuses", async () => {
    const now = new Date().toISOString();
    const productArn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
    const finding = {
      SchemaVersion: "2018-10-08",
      Id: "ir-notes/web-1/webshell",
      ProductArn: productArn,
      GeneratorId: "ir-notes",
      AwsAccountId: ACCOUNT,
      Types: ["TTPs/Persistence"],
      CreatedAt: now,
      UpdatedAt: now,
      Severity: { Label: "HIGH" as const },
      Title: "Web shell found on web-1",
      Description: "uploads/shell.php answers commands",
      Resources: [{ Type: "AwsEc2Instance", Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${INSTANCE}` }],
    };
    const res = await sh.send(new BatchImportFindingsCommand({ Findings: [finding, { ...finding, Id: "bad", AwsAccountId: "999999999999" }] }));
    expect(res).toMatchObject({ SuccessCount: 1, FailedCount: 1, FailedFindings: [{ Id: "bad", ErrorCode: "InvalidInput" }] });
    await expect(sh.send(new BatchImportFindingsCommand({ Findings: [{ ...finding, Title: undefined as never }] }))).rejects.toMatchObject({
      name: "InvalidInputException",
      message: expect.stringContaining("Title"),
    });
    const [got] = await findings({ ProductArn: eq(productArn) });
    expect(got).toMatchObject({
      Id: "ir-notes/web-1/webshell",
      ProductName: "Default",
      Severity: { Label: "HIGH", Normalized: 70 },
      Workflow: { Status: "NEW" },
    });
  });

  it("archives a control's findings when the control is disabled in every standard that has it", async () => {
    const arn = `arn:aws:securityhub:${REGION}:${ACCOUNT}:control/aws-foundational-security-best-practices/v/1.0.0/EC2.9`;
    // The web server's public address fails EC2.9 while the control is enabled.
    expect((await findings({ ComplianceSecurityControlId: eq("EC2.9") })).map((f) => [f.RecordState, f.Compliance?.Status])).toEqual([["ACTIVE", "FAILED"]]);
    await expect(sh.send(new UpdateStandardsControlCommand({ StandardsControlArn: arn, ControlStatus: "DISABLED" }))).rejects.toMatchObject({
      name: "InvalidInputException",
    });
    await sh.send(new UpdateStandardsControlCommand({ StandardsControlArn: arn, ControlStatus: "DISABLED", DisabledReason: "Public web server by design" }));
    const ec29 = await findings({ ComplianceSecurityControlId: eq("EC2.9") });
    expect(ec29.map((f) => f.RecordState)).toEqual(["ARCHIVED"]);
    const listed = (await sh.send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: FSBP_SUB }))).Controls?.find((c) => c.ControlId === "EC2.9");
    expect(listed).toMatchObject({ ControlStatus: "DISABLED", DisabledReason: "Public web server by design" });
    const got = await sh.send(new BatchGetSecurityControlsCommand({ SecurityControlIds: ["EC2.9", "EC2.8", "Nope.1"] }));
    expect(got.SecurityControls?.map((c) => [c.SecurityControlId, c.SecurityControlStatus, c.SeverityRating])).toEqual([
      ["EC2.9", "DISABLED", "HIGH"],
      ["EC2.8", "ENABLED", "HIGH"],
    ]);
    expect(got.UnprocessedIds).toEqual([{ SecurityControlId: "Nope.1", ErrorCode: "NOT_FOUND", ErrorReason: "Security control Nope.1 not found" }]);
    const cis = await sh.send(
      new ListSecurityControlDefinitionsCommand({ StandardsArn: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0" }),
    );
    const ids = cis.SecurityControlDefinitions?.map((d) => d.SecurityControlId);
    expect(ids).toContain("EC2.13");
    expect(ids).not.toContain("EC2.8");
  });

  it("counts findings with managed and custom insights", async () => {
    const severity = "arn:aws:securityhub:::insight/securityhub/default/29";
    expect((await sh.send(new GetInsightsCommand({}))).Insights).toEqual([]);
    const [managed] = (await sh.send(new GetInsightsCommand({ InsightArns: [severity] }))).Insights ?? [];
    expect(managed).toMatchObject({ Name: "Severity by counts of findings", GroupByAttribute: "SeverityLabel" });
    const open = (await findings()).filter((f) => f.RecordState === "ACTIVE" && ["NEW", "NOTIFIED"].includes(f.Workflow?.Status as string));
    const expected = new Map<string, number>();
    for (const f of open) expected.set(f.Severity?.Label as string, (expected.get(f.Severity?.Label as string) ?? 0) + 1);
    const results = (await sh.send(new GetInsightResultsCommand({ InsightArn: severity }))).InsightResults;
    expect(results?.GroupByAttribute).toBe("SeverityLabel");
    expect(new Map(results?.ResultValues?.map((v) => [v.GroupByAttributeValue, v.Count]))).toEqual(expected);
    const counts = results?.ResultValues?.map((v) => v.Count ?? 0) ?? [];
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    const { InsightArn } = await sh.send(
      new CreateInsightCommand({ Name: "GuardDuty by resource type", Filters: { ProductName: eq("GuardDuty") }, GroupByAttribute: "ResourceType" }),
    );
    expect(InsightArn).toMatch(new RegExp(`^arn:aws:securityhub:${REGION}:${ACCOUNT}:insight/${ACCOUNT}/custom/[0-9a-f-]{36}$`));
    const byType = (await sh.send(new GetInsightResultsCommand({ InsightArn }))).InsightResults?.ResultValues;
    const gd = await findings({ ProductName: eq("GuardDuty") });
    expect(byType?.reduce((n, v) => n + (v.Count ?? 0), 0)).toBe(gd.length);
    expect(byType?.find((v) => v.GroupByAttributeValue === "AwsIamAccessKey")?.Count).toBe(
      gd.filter((f) => f.Resources?.[0].Type === "AwsIamAccessKey").length,
    );
    await sh.send(new UpdateInsightCommand({ InsightArn, Name: "GuardDuty findings by resource type" }));
    expect((await sh.send(new GetInsightsCommand({}))).Insights?.map((i) => i.Name)).toEqual(["GuardDuty findings by resource type"]);
    await expect(sh.send(new CreateInsightCommand({ Name: "x", Filters: {}, GroupByAttribute: "SeverityNormalized" }))).rejects.toMatchObject({
      name: "InvalidInputException",
    });
    await expect(sh.send(new DeleteInsightCommand({ InsightArn: severity }))).rejects.toMatchObject({ name: "InvalidInputException" });
    expect((await sh.send(new DeleteInsightCommand({ InsightArn }))).InsightArn).toBe(InsightArn);
    await expect(sh.send(new GetInsightResultsCommand({ InsightArn }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("is gone once disabled", async () => {
    await sh.send(new DisableSecurityHubCommand({}));
    await expect(sh.send(new GetFindingsCommand({}))).rejects.toMatchObject({ name: "InvalidAccessException" });
  });
});

describe("filter fields", () => {
  it("resolves every filter of the SDK's AwsSecurityFindingFilters to a finding path", async () => {
    const fields = await filterFields();
    const unresolved = [...fields].filter(([, f]) => !f.path).map(([name]) => name);
    // Keyword is deprecated: it searches the whole finding.
    expect(unresolved).toEqual(["Keyword"]);
    expect(fields.size).toBeGreaterThan(100);
    expect(fields.get("ResourceAwsEc2InstanceIamInstanceProfileArn")?.path).toEqual(["Resources", "Details", "AwsEc2Instance", "IamInstanceProfileArn"]);
    expect(fields.get("Type")?.path).toEqual(["Types"]);
    expect(fields.get("RecommendationText")?.path).toEqual(["Remediation", "Recommendation", "Text"]);
    expect(fields.get("ComplianceAssociatedStandardsId")?.path).toEqual(["Compliance", "AssociatedStandards", "StandardsId"]);
  });

  it("matches addresses to CIDR blocks", () => {
    expect(inCidr("10.0.1.10", "10.0.0.0/16")).toBe(true);
    expect(inCidr("10.1.1.10", "10.0.0.0/16")).toBe(false);
    expect(inCidr("203.0.113.45", "203.0.113.45")).toBe(true);
    expect(inCidr("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(inCidr("2001:db9::1", "2001:db8::/32")).toBe(false);
    expect(inCidr("10.0.0.1", "2001:db8::/32")).toBe(false);
  });
});
