/** IAM roles, instance profiles, managed policies (AWS and customer), attachments and boundaries through SDK v3. */
import {
  AddRoleToInstanceProfileCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  RemoveRoleFromInstanceProfileCommand,
  SetDefaultPolicyVersionCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
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

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const TRUST_EC2 = doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
const POLICY = doc({ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" });
const decoded = (s: string | undefined) => JSON.parse(decodeURIComponent(s ?? ""));

describe("roles", () => {
  it("ListRoles returns URL-encoded trust policies and leaves out tags and last use", async () => {
    const out = await iam.send(new ListRolesCommand({}));
    expect(out.Roles?.map((r) => r.RoleName)).toEqual(["AWSServiceRoleForAmazonGuardDuty", "ir-forensics", "web-app-role"]);
    const web = out.Roles?.find((r) => r.RoleName === "web-app-role");
    expect(web?.AssumeRolePolicyDocument).toMatch(/^%7B/);
    expect(decoded(web?.AssumeRolePolicyDocument)).toMatchObject({ Statement: [{ Principal: { Service: "ec2.amazonaws.com" } }] });
    expect(web?.Tags).toBeUndefined();
    expect(web?.RoleLastUsed).toBeUndefined();
    const slr = await iam.send(new ListRolesCommand({ PathPrefix: "/aws-service-role/" }));
    expect(slr.Roles?.map((r) => r.RoleName)).toEqual(["AWSServiceRoleForAmazonGuardDuty"]);
  });

  it("GetRole returns tags, last use and max session; NoSuchEntity for unknown roles", async () => {
    const role = (await iam.send(new GetRoleCommand({ RoleName: "web-app-role" }))).Role;
    expect(role).toMatchObject({ RoleId: "AROAEXAMPLEWEBAPP001", MaxSessionDuration: 3600, Tags: [{ Key: "app", Value: "web" }] });
    expect(role?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    expect(role?.RoleLastUsed?.Region).toBe("ap-northeast-1");
    await expect(iam.send(new GetRoleCommand({ RoleName: "nope" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "The role with name nope cannot be found.",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("CreateRole validates the trust policy; UpdateAssumeRolePolicy replaces it", async () => {
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: "no-principal", AssumeRolePolicyDocument: doc({ Effect: "Allow", Action: "sts:AssumeRole" }) })),
    ).rejects.toMatchObject({ Code: "MalformedPolicyDocument", message: "Missing required field Principal" });
    await expect(iam.send(new GetRoleCommand({ RoleName: "no-principal" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
    const created = await iam.send(new CreateRoleCommand({ RoleName: "batch-role", AssumeRolePolicyDocument: TRUST_EC2, Tags: [{ Key: "k", Value: "v" }] }));
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{16}$/);
    expect(created.Role?.Arn).toBe("arn:aws:iam::123456789012:role/batch-role");
    await expect(iam.send(new CreateRoleCommand({ RoleName: "Batch-Role", AssumeRolePolicyDocument: TRUST_EC2 }))).rejects.toMatchObject({
      Code: "EntityAlreadyExists",
      message: "Role with name Batch-Role already exists.",
    });
    const trustAccount = doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "batch-role", PolicyDocument: trustAccount }));
    expect(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "batch-role" }))).Role?.AssumeRolePolicyDocument ?? "")).toBe(trustAccount);
    await expect(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "batch-role", PolicyDocument: "{" }))).rejects.toMatchObject({
      Code: "MalformedPolicyDocument",
    });
    expect(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: "batch-role" }))).Role?.AssumeRolePolicyDocument ?? "")).toBe(trustAccount);
  });

  it("service-linked roles are protected", async () => {
    await expect(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "AWSServiceRoleForAmazonGuardDuty", PolicyDocument: TRUST_EC2 })),
    ).rejects.toMatchObject({
      Code: "UnmodifiableEntity",
      message: "Cannot perform the operation on the protected role 'AWSServiceRoleForAmazonGuardDuty' - this role is only modifiable by AWS",
    });
    await expect(iam.send(new DeleteRoleCommand({ RoleName: "AWSServiceRoleForAmazonGuardDuty" }))).rejects.toMatchObject({ Code: "UnmodifiableEntity" });
  });

  it("tags roles", async () => {
    await iam.send(new TagRoleCommand({ RoleName: "web-app-role", Tags: [{ Key: "quarantine", Value: "2026-02-01" }] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: "web-app-role" }))).Tags).toEqual([
      { Key: "app", Value: "web" },
      { Key: "quarantine", Value: "2026-02-01" },
    ]);
    await iam.send(new UntagRoleCommand({ RoleName: "web-app-role", TagKeys: ["quarantine"] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: "web-app-role" }))).Tags).toEqual([{ Key: "app", Value: "web" }]);
  });

  it("role inline policies and DeleteRole conflicts", async () => {
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: "web-app-role" }))).PolicyNames).toEqual(["app-data-access"]);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: "web-app-role", PolicyName: "app-data-access" }));
    expect(decoded(inline.PolicyDocument).Statement[0].Resource).toBe("arn:aws:s3:::basic-app-data/*");
    await iam.send(new CreateRoleCommand({ RoleName: "doomed", AssumeRolePolicyDocument: TRUST_EC2 }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "doomed", PolicyName: "p", PolicyDocument: POLICY }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "doomed", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
    await expect(iam.send(new DeleteRoleCommand({ RoleName: "doomed" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must delete policies first.",
    });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "doomed", PolicyName: "p" }));
    await expect(iam.send(new DeleteRoleCommand({ RoleName: "doomed" }))).rejects.toMatchObject({
      message: "Cannot delete entity, must detach all policies first.",
    });
    await iam.send(new DetachRolePolicyCommand({ RoleName: "doomed", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
    await iam.send(new DeleteRoleCommand({ RoleName: "doomed" }));
    await expect(iam.send(new GetRoleCommand({ RoleName: "doomed" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });
});

describe("instance profiles", () => {
  it("lists and gets profiles with their current roles", async () => {
    const list = await iam.send(new ListInstanceProfilesCommand({}));
    expect(list.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(["web-app-profile"]);
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web-app-profile" }))).InstanceProfile;
    expect(profile).toMatchObject({ InstanceProfileId: "AIPAEXAMPLEWEBAPP001", Arn: "arn:aws:iam::123456789012:instance-profile/web-app-profile" });
    expect(profile?.Roles?.map((r) => r.RoleName)).toEqual(["web-app-role"]);
    expect(decoded(profile?.Roles?.[0].AssumeRolePolicyDocument).Statement[0].Principal.Service).toBe("ec2.amazonaws.com");
    const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "web-app-role" }));
    expect(forRole.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(["web-app-profile"]);
    expect((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "ir-forensics" }))).InstanceProfiles).toEqual([]);
    await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "nope" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "Instance Profile nope cannot be found.",
    });
  });

  it("a role in a profile cannot be deleted until removed", async () => {
    await expect(iam.send(new DeleteRoleCommand({ RoleName: "web-app-role" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must remove roles from instance profile first.",
    });
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "web-app-profile", RoleName: "web-app-role" }));
    expect((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web-app-profile" }))).InstanceProfile?.Roles).toEqual([]);
    await expect(
      iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "web-app-profile", RoleName: "web-app-role" })),
    ).rejects.toMatchObject({
      Code: "NoSuchEntity",
    });
  });

  it("creates a quarantine profile, swaps roles in and out, deletes it", async () => {
    const created = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "ir-quarantine", Path: "/ir/" }))).InstanceProfile;
    expect(created).toMatchObject({ Arn: "arn:aws:iam::123456789012:instance-profile/ir/ir-quarantine", Roles: [] });
    expect(created?.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{16}$/);
    await expect(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "IR-Quarantine" }))).rejects.toMatchObject({ Code: "EntityAlreadyExists" });
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ir-quarantine", RoleName: "ir-forensics" }));
    await expect(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ir-quarantine", RoleName: "web-app-role" }))).rejects.toMatchObject({
      Code: "LimitExceeded",
      message: "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    });
    const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "ir-quarantine" }))).InstanceProfile;
    expect(got?.Roles?.map((r) => r.RoleName)).toEqual(["ir-forensics"]);
    await expect(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "ir-quarantine" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must remove roles from instance profile first.",
    });
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "ir-quarantine", RoleName: "ir-forensics" }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "ir-quarantine" }));
    await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "ir-quarantine" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });
});

describe("AWS managed policies", () => {
  it("ListPolicies --scope AWS lists the catalog with attachment counts from state", async () => {
    const out = await iam.send(new ListPoliciesCommand({ Scope: "AWS", MaxItems: 1000 }));
    const names = out.Policies?.map((p) => p.PolicyName ?? "") ?? [];
    for (const n of [
      "AdministratorAccess",
      "ReadOnlyAccess",
      "SecurityAudit",
      "AmazonS3ReadOnlyAccess",
      "AmazonSSMManagedInstanceCore",
      "AWSCloudTrail_ReadOnlyAccess",
    ]) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain("DevS3Access");
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    const by = (n: string) => out.Policies?.find((p) => p.PolicyName === n);
    expect(by("SecurityAudit")).toMatchObject({ Arn: "arn:aws:iam::aws:policy/SecurityAudit", PolicyId: "ANPAIX2T3QCXHR2OGGCTO", AttachmentCount: 1 });
    expect(by("AdministratorAccess")?.AttachmentCount).toBe(1);
    expect(by("SecurityAudit")?.Description).toBeUndefined();
    expect(by("AmazonGuardDutyServiceRolePolicy")).toMatchObject({ Path: "/aws-service-role/", IsAttachable: true, AttachmentCount: 1 });
  });

  it("GetPolicy and GetPolicyVersion serve AWS managed policies with URL-encoded documents", async () => {
    const admin = (await iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }))).Policy;
    expect(admin).toMatchObject({
      PolicyName: "AdministratorAccess",
      PolicyId: "ANPAIWMBCKSKIEE64ZLYK",
      DefaultVersionId: "v1",
      Description: "Provides full access to AWS services and resources.",
      IsAttachable: true,
    });
    expect(admin?.CreateDate?.toISOString()).toBe("2015-02-06T18:39:46.000Z");
    const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess", VersionId: "v1" }))).PolicyVersion;
    expect(v?.IsDefaultVersion).toBe(true);
    expect(v?.Document).toMatch(/^%7B/);
    expect(decoded(v?.Document)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const s3 = (await iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }))).Policy;
    const s3v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: s3?.Arn, VersionId: s3?.DefaultVersionId }));
    expect(decoded(s3v.PolicyVersion?.Document).Statement[0].Action).toContain("s3:Get*");
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/NoSuchPolicy" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.",
    });
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: "not-an-arn" }))).rejects.toMatchObject({ Code: "InvalidInput" });
    await expect(iam.send(new GetPolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess", VersionId: "v9" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
    });
  });

  it("AWS managed policies cannot be changed; service-role policies cannot be attached", async () => {
    await expect(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", PolicyDocument: POLICY })),
    ).rejects.toMatchObject({
      Code: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(iam.send(new DeletePolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }))).rejects.toMatchObject({ Code: "AccessDenied" });
    await expect(
      iam.send(new AttachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy" })),
    ).rejects.toMatchObject({ Code: "PolicyNotAttachable" });
  });
});

describe("customer managed policies", () => {
  it("ListPolicies --scope Local and OnlyAttached", async () => {
    const local = await iam.send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(["DevS3Access"]);
    expect(local.Policies?.[0]).toMatchObject({ DefaultVersionId: "v2", AttachmentCount: 1 });
    const attached = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, MaxItems: 1000 }));
    expect(attached.Policies?.map((p) => p.PolicyName).sort()).toEqual(
      [
        "AdministratorAccess",
        "AmazonEC2ReadOnlyAccess",
        "AmazonGuardDutyServiceRolePolicy",
        "AmazonS3ReadOnlyAccess",
        "AmazonSSMManagedInstanceCore",
        "DevS3Access",
        "ReadOnlyAccess",
        "SecurityAudit",
      ].sort(),
    );
    await expect(iam.send(new ListPoliciesCommand({ Scope: "Everything" as never }))).rejects.toMatchObject({ Code: "ValidationError" });
  });

  it("versions: list newest first, get, create (limit 5), set default, delete", async () => {
    const arn = "arn:aws:iam::123456789012:policy/DevS3Access";
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ["v2", true],
      ["v1", false],
    ]);
    expect(versions.Versions?.[0].Document).toBeUndefined();
    const v1 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    expect(decoded(v1.PolicyVersion?.Document).Statement[0].Action).toBe("s3:ListBucket");

    const created = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: POLICY, SetAsDefault: true }));
    expect(created.PolicyVersion).toMatchObject({ VersionId: "v3", IsDefaultVersion: true });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId).toBe("v3");
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: POLICY }));
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: POLICY }));
    await expect(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: POLICY }))).rejects.toMatchObject({
      Code: "LimitExceeded",
      message: "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    });
    expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions).toHaveLength(5);
    await expect(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v3" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete the default version of a policy.",
    });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v3" }));
    const after = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(after.Versions?.map((v) => v.VersionId)).toEqual(["v5", "v4", "v2", "v1"]);
    expect(after.Versions?.find((v) => v.IsDefaultVersion)?.VersionId).toBe("v1");
  });

  it("CreatePolicy, attach to user/role/group, list attachments and entities, detach, delete", async () => {
    await expect(iam.send(new CreatePolicyCommand({ PolicyName: "bad", PolicyDocument: doc({ Effect: "Allow", Action: "s3:*" }) }))).rejects.toMatchObject({
      Code: "MalformedPolicyDocument",
    });
    const p = (await iam.send(new CreatePolicyCommand({ PolicyName: "ir-quarantine", Path: "/ir/", PolicyDocument: POLICY, Description: "deny all" }))).Policy;
    expect(p).toMatchObject({ Arn: "arn:aws:iam::123456789012:policy/ir/ir-quarantine", DefaultVersionId: "v1", AttachmentCount: 0, IsAttachable: true });
    expect(p?.PolicyId).toMatch(/^ANPA[A-Z2-7]{16}$/);
    await expect(iam.send(new CreatePolicyCommand({ PolicyName: "ir-quarantine", PolicyDocument: POLICY }))).rejects.toMatchObject({
      Code: "EntityAlreadyExists",
      message: "A policy called ir-quarantine already exists. Duplicate names are not allowed.",
    });
    const arn = p?.Arn ?? "";
    await iam.send(new AttachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "ir-forensics", PolicyArn: arn }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: "developers", PolicyArn: arn }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(3);
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "dev-alice" }))).AttachedPolicies).toEqual([
      { PolicyName: "DevS3Access", PolicyArn: "arn:aws:iam::123456789012:policy/DevS3Access" },
      { PolicyName: "ir-quarantine", PolicyArn: arn },
    ]);
    expect(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "dev-alice", PathPrefix: "/ir/" }))).AttachedPolicies?.map((a) => a.PolicyName),
    ).toEqual(["ir-quarantine"]);
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "ir-forensics" }))).AttachedPolicies?.map((a) => a.PolicyName)).toEqual([
      "ReadOnlyAccess",
      "ir-quarantine",
    ]);
    expect((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: "developers" }))).AttachedPolicies?.map((a) => a.PolicyName)).toEqual([
      "AmazonEC2ReadOnlyAccess",
      "ir-quarantine",
    ]);
    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyUsers).toEqual([{ UserName: "dev-alice", UserId: "AIDAEXAMPLEALICE0001" }]);
    expect(entities.PolicyRoles).toEqual([{ RoleName: "ir-forensics", RoleId: "AROAEXAMPLEFORENSIC1" }]);
    expect(entities.PolicyGroups).toEqual([{ GroupName: "developers", GroupId: "AGPAEXAMPLEDEVGROUP1" }]);
    const onlyRoles = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: "Role" }));
    expect([onlyRoles.PolicyUsers, onlyRoles.PolicyGroups, onlyRoles.PolicyRoles?.length]).toEqual([[], [], 1]);

    await expect(iam.send(new DeletePolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete a policy attached to entities.",
    });
    await iam.send(new DetachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: "ir-forensics", PolicyArn: arn }));
    await iam.send(new DetachGroupPolicyCommand({ GroupName: "developers", PolicyArn: arn }));
    await expect(iam.send(new DetachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: arn }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: `Policy ${arn} was not found.`,
    });
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await expect(iam.send(new GetPolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });

  it("attaching an unknown policy or to an unknown entity fails and attaches nothing; ten policies at most", async () => {
    await expect(iam.send(new AttachUserPolicyCommand({ UserName: "dev-alice", PolicyArn: "arn:aws:iam::123456789012:policy/Nope" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
    });
    await expect(iam.send(new AttachRolePolicyCommand({ RoleName: "ghost", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
    });
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "dev-alice" }))).AttachedPolicies?.map((a) => a.PolicyName)).toEqual([
      "DevS3Access",
    ]);
    await iam.send(new CreateUserCommand({ UserName: "collector" }));
    const arns = [
      "AdministratorAccess",
      "ReadOnlyAccess",
      "SecurityAudit",
      "AmazonEC2FullAccess",
      "AmazonEC2ReadOnlyAccess",
      "AmazonS3FullAccess",
      "AmazonS3ReadOnlyAccess",
      "IAMFullAccess",
      "AmazonSSMManagedInstanceCore",
      "AWSCloudTrail_FullAccess",
    ].map((n) => `arn:aws:iam::aws:policy/${n}`);
    for (const a of arns) await iam.send(new AttachUserPolicyCommand({ UserName: "collector", PolicyArn: a }));
    await expect(
      iam.send(new AttachUserPolicyCommand({ UserName: "collector", PolicyArn: "arn:aws:iam::aws:policy/AmazonGuardDutyFullAccess" })),
    ).rejects.toMatchObject({ Code: "LimitExceeded", message: "Cannot exceed quota for PoliciesPerUser: 10" });
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "collector" }))).AttachedPolicies).toHaveLength(10);
  });
});

describe("permissions boundaries", () => {
  it("puts and deletes user and role boundaries, counted as boundary usage", async () => {
    const arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: "dev-alice", PermissionsBoundary: arn }));
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: "ir-forensics", PermissionsBoundary: arn }));
    expect((await iam.send(new GetUserCommand({ UserName: "dev-alice" }))).User?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "PermissionsBoundaryPolicy",
      PermissionsBoundaryArn: arn,
    });
    expect((await iam.send(new GetRoleCommand({ RoleName: "ir-forensics" }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(arn);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.PermissionsBoundaryUsageCount).toBe(2);
    const boundaries = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: "PermissionsBoundary" }));
    expect(boundaries.PolicyUsers?.map((u) => u.UserName)).toEqual(["dev-alice"]);
    expect(boundaries.PolicyRoles?.map((r) => r.RoleName)).toEqual(["ir-forensics"]);
    await expect(
      iam.send(new PutUserPermissionsBoundaryCommand({ UserName: "dev-alice", PermissionsBoundary: "arn:aws:iam::123456789012:policy/Nope" })),
    ).rejects.toMatchObject({ Code: "NoSuchEntity", message: "Scope ARN: arn:aws:iam::123456789012:policy/Nope does not exist or is not attachable." });
    expect((await iam.send(new GetUserCommand({ UserName: "dev-alice" }))).User?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(arn);
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: "dev-alice" }));
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: "ir-forensics" }));
    expect((await iam.send(new GetUserCommand({ UserName: "dev-alice" }))).User?.PermissionsBoundary).toBeUndefined();
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.PermissionsBoundaryUsageCount).toBe(0);
  });
});
