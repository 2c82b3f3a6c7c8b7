/** Account-wide IAM views (authorization details, credential report) and atomicity of failing calls, through SDK v3. */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteGroupCommand,
  DeletePolicyCommand,
  DeleteUserCommand,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListPoliciesCommand,
  ListVirtualMFADevicesCommand,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CREDENTIAL_REPORT_COLUMNS, REPORT_GENERATION_MS } from "../../emulator/services/iam/account.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let iam: IAMClient;
beforeEach(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  iam = new IAMClient(server.sdk("us-east-1"));
});
afterEach(async () => {
  await server?.stop();
});

const decoded = (s: string | undefined) => JSON.parse(decodeURIComponent(s ?? ""));

/** Everything IAM holds for the account, in one comparable value. */
async function snapshot() {
  const d = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000 }));
  const keys = await Promise.all(
    (d.UserDetailList ?? []).map(async (u) => (await iam.send(new ListAccessKeysCommand({ UserName: u.UserName }))).AccessKeyMetadata),
  );
  const local = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
  const { $metadata: _a, ...details } = d;
  return { details, keys, local: local.Policies };
}

describe("GetAccountAuthorizationDetails", () => {
  it("returns users, groups, roles and the policies in use, documents URL-encoded", async () => {
    const d = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(d.IsTruncated).toBe(false);
    const alice = d.UserDetailList?.find((u) => u.UserName === "dev-alice");
    expect(alice).toMatchObject({
      UserId: "AIDAEXAMPLEALICE0001",
      GroupList: ["developers"],
      AttachedManagedPolicies: [{ PolicyName: "DevS3Access", PolicyArn: "arn:aws:iam::123456789012:policy/DevS3Access" }],
      Tags: [{ Key: "team", Value: "web" }],
    });
    expect(alice?.UserPolicyList?.[0].PolicyName).toBe("alice-list-buckets");
    expect(alice?.UserPolicyList?.[0].PolicyDocument).toMatch(/^%7B/);
    expect(decoded(alice?.UserPolicyList?.[0].PolicyDocument).Statement[0].Action).toBe("s3:ListAllMyBuckets");
    const web = d.RoleDetailList?.find((r) => r.RoleName === "web-app-role");
    expect(web?.InstanceProfileList?.map((p) => p.InstanceProfileName)).toEqual(["web-app-profile"]);
    expect(web?.RolePolicyList?.map((p) => p.PolicyName)).toEqual(["app-data-access"]);
    expect(web?.AttachedManagedPolicies?.map((p) => p.PolicyName)).toEqual(["AmazonSSMManagedInstanceCore", "AmazonS3ReadOnlyAccess"]);
    expect(web?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    expect(decoded(web?.AssumeRolePolicyDocument).Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
    expect(d.GroupDetailList?.map((g) => g.GroupName)).toEqual(["developers"]);
    expect(d.GroupDetailList?.[0].GroupPolicyList?.map((p) => p.PolicyName)).toEqual(["dev-start-instances"]);

    const names = d.Policies?.map((p) => p.PolicyName) ?? [];
    expect(names).toContain("DevS3Access");
    expect(names).toContain("SecurityAudit");
    // AWS managed policies appear only while something uses them.
    expect(names).not.toContain("IAMFullAccess");
    const dev = d.Policies?.find((p) => p.PolicyName === "DevS3Access");
    expect(dev?.PolicyVersionList?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ["v1", false],
      ["v2", true],
    ]);
    expect(decoded(dev?.PolicyVersionList?.[1].Document).Statement[0].Action).toEqual(["s3:ListBucket", "s3:GetObject"]);
  });

  it("filters by entity type and pages across the lists", async () => {
    const roles = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));
    expect(roles.RoleDetailList?.length).toBe(3);
    expect([roles.UserDetailList, roles.GroupDetailList, roles.Policies]).toEqual([[], [], []]);
    const aws = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["AWSManagedPolicy"] }));
    expect(aws.Policies?.every((p) => p.Arn?.startsWith("arn:aws:iam::aws:policy/"))).toBe(true);
    const local = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["LocalManagedPolicy"] }));
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(["DevS3Access"]);

    const users: string[] = [];
    const rolesSeen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User", "Role"], MaxItems: 2, Marker: marker }));
      users.push(...(page.UserDetailList ?? []).map((u) => u.UserName ?? ""));
      rolesSeen.push(...(page.RoleDetailList ?? []).map((r) => r.RoleName ?? ""));
      marker = page.IsTruncated ? page.Marker : undefined;
      pages++;
    } while (marker);
    expect(pages).toBe(3);
    expect(users).toEqual(["dev-alice", "ir-responder"]);
    expect(rolesSeen).toEqual(["AWSServiceRoleForAmazonGuardDuty", "ir-forensics", "web-app-role"]);
    await expect(iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Bucket" as never] }))).rejects.toMatchObject({ Code: "ValidationError" });
  });
});

describe("credential report", () => {
  it("ReportNotPresent, then STARTED → in progress → COMPLETE, then a CSV with AWS's columns", async () => {
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({ Code: "ReportNotPresent", $metadata: { httpStatusCode: 410 } });
    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({
      State: "STARTED",
      Description: "No report exists. Starting a new report generation task",
    });
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({ Code: "ReportInProgress", $metadata: { httpStatusCode: 404 } });
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("INPROGRESS");
    server.emulator.runtime.clock.advance(REPORT_GENERATION_MS);
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("COMPLETE");

    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe("text/csv");
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    const lines = Buffer.from(report.Content ?? new Uint8Array())
      .toString("utf8")
      .split("\n");
    const header = lines[0].split(",");
    expect(header).toEqual(CREDENTIAL_REPORT_COLUMNS);
    expect(header).toHaveLength(22);
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v])));
    expect(rows.map((r) => r.user)).toEqual(["<root_account>", "dev-alice", "ir-responder"]);
    const [root, alice, responder] = rows;
    expect(root).toMatchObject({
      arn: "arn:aws:iam::123456789012:root",
      password_enabled: "not_supported",
      access_key_1_active: "false",
      cert_2_last_rotated: "N/A",
    });
    expect(alice).toMatchObject({
      arn: "arn:aws:iam::123456789012:user/dev-alice",
      password_enabled: "true",
      mfa_active: "false",
      access_key_1_active: "true",
      access_key_1_last_used_region: "ap-northeast-1",
      access_key_1_last_used_service: "s3",
      access_key_2_active: "false",
      access_key_2_last_rotated: "N/A",
    });
    expect(alice.user_creation_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(alice.password_last_used).toMatch(/\+00:00$/);
    expect(responder).toMatchObject({ password_enabled: "false", password_last_used: "N/A", mfa_active: "true", access_key_1_last_used_service: "iam" });
    // The responder's own key signed these very calls, so the report shows it used.
    expect(responder.access_key_1_last_used_date).toMatch(/^2026-02-01T12:\d\d:\d\d\+00:00$/);
    // The account's password policy expires passwords after 90 days.
    const changed = (await iam.send(new GetLoginProfileCommand({ UserName: "dev-alice" }))).LoginProfile?.CreateDate?.getTime() ?? 0;
    expect(alice.password_last_changed).toBe(new Date(changed).toISOString().replace(".000Z", "+00:00"));
    expect(alice.password_next_rotation).toBe(new Date(changed + 90 * 86_400_000).toISOString().replace(".000Z", "+00:00"));
  });

  it("is a snapshot: later changes wait for the next report", async () => {
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("STARTED");
    server.emulator.runtime.clock.advance(REPORT_GENERATION_MS);
    await iam.send(new CreateUserCommand({ UserName: "after-report" }));
    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(Buffer.from(report.Content ?? new Uint8Array()).toString()).not.toContain("after-report");
    expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe("COMPLETE");
  });
});

describe("account summary, aliases, password policy, virtual MFA", () => {
  it("GetAccountSummary counts what the account holds", async () => {
    const m = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
    const users = (await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], MaxItems: 1000 }))).UserDetailList?.length;
    expect(m.Users).toBe(users);
    expect(m).toMatchObject({
      Groups: 1,
      Roles: 3,
      Policies: 1,
      InstanceProfiles: 1,
      MFADevices: 1,
      AccountMFAEnabled: 0,
      AccessKeysPerUserQuota: 2,
      UsersQuota: 5000,
    });
  });

  it("lists aliases and virtual MFA devices", async () => {
    expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
    const v = await iam.send(new ListVirtualMFADevicesCommand({}));
    expect(v.VirtualMFADevices?.map((d) => [d.SerialNumber, d.User?.UserName])).toEqual([["arn:aws:iam::123456789012:mfa/ir-responder", "ir-responder"]]);
    expect((await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: "Unassigned" }))).VirtualMFADevices).toEqual([]);
  });

  it("gets and deletes the password policy", async () => {
    const p = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
    expect(p).toMatchObject({ MinimumPasswordLength: 14, ExpirePasswords: true, MaxPasswordAge: 90, PasswordReusePrevention: 24 });
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    await expect(iam.send(new GetAccountPasswordPolicyCommand({}))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "The Password Policy with domain name 123456789012 cannot be found.",
      $metadata: { httpStatusCode: 404 },
    });
    await expect(iam.send(new DeleteAccountPasswordPolicyCommand({}))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });
});

describe("failing calls change nothing", () => {
  it("leaves IAM exactly as it was after each refused mutation", async () => {
    const before = await snapshot();
    const failures: Promise<unknown>[] = [
      iam.send(new DeleteUserCommand({ UserName: "dev-alice" })),
      iam.send(new DeleteGroupCommand({ GroupName: "developers" })),
      iam.send(new DeletePolicyCommand({ PolicyArn: "arn:aws:iam::123456789012:policy/DevS3Access" })),
      iam.send(new CreateUserCommand({ UserName: "DEV-ALICE" })),
      iam.send(new CreateAccessKeyCommand({ UserName: "ghost" })),
      iam.send(new UpdateAccessKeyCommand({ UserName: "dev-alice", AccessKeyId: "AKIAEXAMPLEALICE0001", Status: "Paused" as never })),
      iam.send(new DeleteAccessKeyCommand({ UserName: "ir-responder", AccessKeyId: "AKIAEXAMPLEALICE0001" })),
      iam.send(new AttachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy" })),
      iam.send(new PutRolePolicyCommand({ RoleName: "web-app-role", PolicyName: "x", PolicyDocument: '{"Statement":[{"Effect":"Allow"}]}' })),
      iam.send(
        new PutRolePolicyCommand({
          RoleName: "AWSServiceRoleForAmazonGuardDuty",
          PolicyName: "x",
          PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        }),
      ),
      iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: "arn:aws:iam::aws:policy/SecurityAudit",
          PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        }),
      ),
    ];
    const results = await Promise.allSettled(failures);
    expect(results.map((r) => r.status)).toEqual(results.map(() => "rejected"));
    expect(await snapshot()).toEqual(before);
  });
});
