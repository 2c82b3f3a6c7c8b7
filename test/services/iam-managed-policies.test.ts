/**
 * AWS managed policies as a responder meets them in containment: AWSDenyAll and AWSCompromisedKeyQuarantineV2
 * attached, used as boundaries and read back with the real aws CLI; every catalog policy served whole through SDK v3.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
} from "@aws-sdk/client-iam";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../emulator/core/paths.ts";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
const QUARANTINE_V2 = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2";
const DATA = join(PROJECT_ROOT, "emulator", "services", "iam", "managed-policies");
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

const start = () => startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
let server: TestServer;

describe.skipIf(!hasAwsCli)("AWS managed policies with the real aws CLI", () => {
  // Each containment step starts from the recording.
  beforeEach(async () => {
    server = await start();
  });
  afterEach(() => server?.stop());

  it("AWSDenyAll attaches to a role and a user; list-policies --scope AWS --only-attached counts each attachment", async () => {
    const attached = async () =>
      awsJson(server, ["iam", "list-policies", "--scope", "AWS", "--only-attached", "--query", "Policies[?PolicyName=='AWSDenyAll']"]);
    expect(await attached()).toEqual([]);

    const role = await aws(server, ["iam", "attach-role-policy", "--role-name", "web-app-role", "--policy-arn", DENY_ALL]);
    expect(role.status, role.stderr).toBe(0);
    expect(role.stdout).toBe("");
    expect(await attached()).toEqual([
      {
        PolicyName: "AWSDenyAll",
        PolicyId: "ANPAZKAPJZG4P43IUQ5E5",
        Arn: DENY_ALL,
        Path: "/",
        DefaultVersionId: "v2",
        AttachmentCount: 1,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        CreateDate: "2019-05-01T22:36:14Z",
        UpdateDate: "2023-12-18T16:42:05Z",
      },
    ]);

    const user = await aws(server, ["iam", "attach-user-policy", "--user-name", "dev-alice", "--policy-arn", DENY_ALL]);
    expect(user.status, user.stderr).toBe(0);
    expect((await attached())[0].AttachmentCount).toBe(2);
    expect(
      await awsJson(server, ["iam", "list-attached-user-policies", "--user-name", "dev-alice", "--query", "AttachedPolicies[?PolicyName=='AWSDenyAll']"]),
    ).toEqual([{ PolicyName: "AWSDenyAll", PolicyArn: DENY_ALL }]);
  });

  it("get-policy and get-policy-version show AWS's own AWSDenyAll; list-policy-versions has its default version", async () => {
    expect(await awsJson(server, ["iam", "get-policy", "--policy-arn", DENY_ALL])).toEqual({
      Policy: {
        PolicyName: "AWSDenyAll",
        PolicyId: "ANPAZKAPJZG4P43IUQ5E5",
        Arn: DENY_ALL,
        Path: "/",
        DefaultVersionId: "v2",
        AttachmentCount: 0,
        PermissionsBoundaryUsageCount: 0,
        IsAttachable: true,
        Description: "Deny all access.",
        CreateDate: "2019-05-01T22:36:14Z",
        UpdateDate: "2023-12-18T16:42:05Z",
      },
    });
    // The document of the AWS Managed Policy Reference Guide's AWSDenyAll page, v2.
    expect(await awsJson(server, ["iam", "get-policy-version", "--policy-arn", DENY_ALL, "--version-id", "v2"])).toEqual({
      PolicyVersion: {
        Document: { Version: "2012-10-17", Statement: [{ Sid: "DenyAll", Effect: "Deny", Action: ["*"], Resource: "*" }] },
        VersionId: "v2",
        IsDefaultVersion: true,
        CreateDate: "2023-12-18T16:42:05Z",
      },
    });
    expect(await awsJson(server, ["iam", "list-policy-versions", "--policy-arn", DENY_ALL])).toEqual({
      Versions: [{ VersionId: "v2", IsDefaultVersion: true, CreateDate: "2023-12-18T16:42:05Z" }],
    });
  });

  it("AWSCompromisedKeyQuarantineV2 is AWS's whole v5 document and attaches to a group", async () => {
    const v = await awsJson(server, ["iam", "get-policy-version", "--policy-arn", QUARANTINE_V2, "--version-id", "v5"]);
    const [deny, ...rest] = v.PolicyVersion.Document.Statement;
    expect(rest).toEqual([]);
    expect(deny).toMatchObject({ Effect: "Deny", Resource: ["*"] });
    // The actions a quarantined key loses first (AWS's list, 2024-10-02): recon, persistence, spending.
    for (const a of ["cloudtrail:LookupEvents", "ec2:RunInstances", "iam:CreateAccessKey", "iam:CreateUser", "iam:PassRole", "s3:PutBucketPolicy"]) {
      expect(deny.Action).toContain(a);
    }
    expect(deny.Action).toHaveLength(new Set(deny.Action).size);
    expect(deny.Action.length).toBeGreaterThan(60);

    const group = await aws(server, ["iam", "attach-group-policy", "--group-name", "developers", "--policy-arn", QUARANTINE_V2]);
    expect(group.status, group.stderr).toBe(0);
    expect(await awsJson(server, ["iam", "list-entities-for-policy", "--policy-arn", QUARANTINE_V2])).toEqual({
      PolicyGroups: [{ GroupName: "developers", GroupId: "AGPAEXAMPLEDEVGROUP1" }],
      PolicyUsers: [],
      PolicyRoles: [],
    });
  });

  it("AWSDenyAll and AWSCompromisedKeyQuarantineV2 serve as permissions boundaries of a user and a role", async () => {
    const u = await aws(server, ["iam", "put-user-permissions-boundary", "--user-name", "dev-alice", "--permissions-boundary", QUARANTINE_V2]);
    expect(u.status, u.stderr).toBe(0);
    const r = await aws(server, ["iam", "put-role-permissions-boundary", "--role-name", "web-app-role", "--permissions-boundary", DENY_ALL]);
    expect(r.status, r.stderr).toBe(0);
    expect(await awsJson(server, ["iam", "get-role", "--role-name", "web-app-role", "--query", "Role.PermissionsBoundary"])).toEqual({
      PermissionsBoundaryType: "PermissionsBoundaryPolicy",
      PermissionsBoundaryArn: DENY_ALL,
    });
    const boundaries = await awsJson(server, [
      "iam",
      "list-policies",
      "--scope",
      "AWS",
      "--only-attached",
      "--policy-usage-filter",
      "PermissionsBoundary",
      "--query",
      "Policies[].[PolicyName,PermissionsBoundaryUsageCount,AttachmentCount]",
    ]);
    expect(boundaries).toEqual([
      ["AWSCompromisedKeyQuarantineV2", 1, 0],
      ["AWSDenyAll", 1, 0],
    ]);
  });

  it("a service-role policy cannot be attached to a customer role, with AWS's words", async () => {
    const r = await aws(server, [
      "iam",
      "attach-role-policy",
      "--role-name",
      "web-app-role",
      "--policy-arn",
      "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy",
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "An error occurred (PolicyNotAttachable) when calling the AttachRolePolicy operation: Cannot attach a Service Role Policy to a Customer Role.",
    );
  });
});

describe("the AWS managed policy catalog through SDK v3", () => {
  // Reads only, and a role no other test looks at.
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server?.stop());

  const names = readdirSync(DATA)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length));
  const decoded = (s: string | undefined) => JSON.parse(decodeURIComponent(s ?? ""));

  it("has the policies responders attach and the read-only ones the scenarios use", () => {
    for (const n of [
      "AWSDenyAll",
      "AWSCompromisedKeyQuarantine",
      "AWSCompromisedKeyQuarantineV2",
      "AWSCompromisedKeyQuarantineV3",
      "ReadOnlyAccess",
      "ViewOnlyAccess",
      "SecurityAudit",
      "AmazonEC2ReadOnlyAccess",
      "AmazonS3ReadOnlyAccess",
      "AmazonGuardDutyReadOnlyAccess",
      "AWSSecurityHubReadOnlyAccess",
      "AWSSecurityHubFullAccess",
      "AmazonAthenaFullAccess",
      "AWSCloudTrail_ReadOnlyAccess",
      "IAMReadOnlyAccess",
      "AmazonSSMReadOnlyAccess",
      "AmazonSSMManagedInstanceCore",
      "AWSSupportAccess",
      "PowerUserAccess",
    ]) {
      expect(names).toContain(n);
    }
  });

  it.each(names)("%s: GetPolicy, ListPolicyVersions and GetPolicyVersion answer what its data file holds", async (name) => {
    const file = JSON.parse(readFileSync(join(DATA, `${name}.json`), "utf8"));
    const iam = new IAMClient(server.sdk());
    const arn = file.Policy.Arn as string;
    expect(arn).toBe(`arn:aws:iam::aws:policy${file.Policy.Path}${name}`);
    const p = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
    expect(p).toMatchObject({ PolicyName: name, PolicyId: file.Policy.PolicyId, Path: file.Policy.Path, Description: file.Policy.Description });
    expect(p?.PolicyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
    expect(p?.UpdateDate?.toISOString()).toBe(new Date(file.Policy.UpdateDate).toISOString());
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions;
    expect(versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([[p?.DefaultVersionId, true]]);
    const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p?.DefaultVersionId }))).PolicyVersion;
    expect(decoded(v?.Document)).toEqual(file.PolicyVersion.Document);
    expect(decoded(v?.Document).Version).toBe("2012-10-17");
  });

  it("serves ReadOnlyAccess and SecurityAudit whole, not cut to their leading statements", async () => {
    const iam = new IAMClient(server.sdk());
    const actions = async (arn: string, version: string) => {
      const doc = decoded((await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }))).PolicyVersion?.Document);
      return (doc.Statement as { Action?: string | string[] }[]).flatMap((s) => s.Action ?? []);
    };
    const ro = await actions("arn:aws:iam::aws:policy/ReadOnlyAccess", "v188");
    expect(ro.length).toBeGreaterThan(1000);
    expect(ro).toEqual(expect.arrayContaining(["ec2:Describe*", "s3:Get*", "iam:Get*", "cloudtrail:LookupEvents", "guardduty:Get*", "dynamodb:Scan"]));
    const audit = await actions("arn:aws:iam::aws:policy/SecurityAudit", "v92");
    expect(audit.length).toBeGreaterThan(300);
    expect(audit).toEqual(expect.arrayContaining(["guardduty:List*", "securityhub:Describe*", "s3:GetBucket*", "iam:GenerateCredentialReport"]));
  });

  it("ListPolicies --scope AWS filters by path prefix; a policy's ARN must carry its path", async () => {
    const iam = new IAMClient(server.sdk());
    const jobFunctions = await iam.send(new ListPoliciesCommand({ Scope: "AWS", PathPrefix: "/job-function/" }));
    expect(jobFunctions.Policies?.map((p) => p.Arn)).toEqual(["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]);
    const slr = await iam.send(new ListPoliciesCommand({ Scope: "AWS", PathPrefix: "/aws-service-role/" }));
    expect(slr.Policies?.map((p) => p.PolicyName).sort()).toEqual([
      "AWSSupportServiceRolePolicy",
      "AWSTrustedAdvisorServiceRolePolicy",
      "AmazonGuardDutyServiceRolePolicy",
    ]);
    expect(slr.Policies?.every((p) => p.IsAttachable)).toBe(true);
    const local = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies?.some((p) => p.Arn?.startsWith("arn:aws:iam::aws:"))).toBe(false);

    for (const arn of ["arn:aws:iam::aws:policy/ViewOnlyAccess", "arn:aws:iam::aws:policy/../managed-policies/AWSDenyAll", "arn:aws:iam::aws:policy/SOURCES"]) {
      expect(await sdkFailure(iam.send(new GetPolicyCommand({ PolicyArn: arn })))).toEqual({
        name: "NoSuchEntityException",
        message: `Policy ${arn} does not exist or is not attachable.`,
        status: 404,
      });
    }
    await iam.send(new CreateRoleCommand({ RoleName: "ir-isolation", AssumeRolePolicyDocument: TRUST }));
    expect(await sdkFailure(iam.send(new AttachRolePolicyCommand({ RoleName: "ir-isolation", PolicyArn: "arn:aws:iam::aws:policy/DenyAll" })))).toMatchObject({
      name: "NoSuchEntityException",
      message: "Policy arn:aws:iam::aws:policy/DenyAll does not exist or is not attachable.",
    });
  });
});
