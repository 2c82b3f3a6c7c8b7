/** IAM users, access keys, login profiles, MFA, groups, tags and inline policies through SDK v3. */
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
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

const doc = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const S3_READ = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::basic-evidence/*" });

describe("users", () => {
  it("lists users without tags and pages with Marker/MaxItems", async () => {
    const all = await iam.send(new ListUsersCommand({}));
    expect(all.Users?.map((u) => u.UserName)).toEqual(["dev-alice", "ir-responder"]);
    expect(all.Users?.[0].Tags).toBeUndefined();
    expect(all.IsTruncated).toBe(false);
    const first = await iam.send(new ListUsersCommand({ MaxItems: 1 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(["dev-alice"]);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListUsersCommand({ MaxItems: 1, Marker: first.Marker }));
    expect(second.Users?.map((u) => u.UserName)).toEqual(["ir-responder"]);
    expect(second.IsTruncated).toBe(false);
    await expect(iam.send(new ListUsersCommand({ Marker: "bogus" }))).rejects.toMatchObject({ Code: "ValidationError" });
  });

  it("GetUser returns the caller without a name, tags with one, NoSuchEntity otherwise", async () => {
    const me = await iam.send(new GetUserCommand({}));
    expect(me.User).toMatchObject({ UserName: "ir-responder", UserId: "AIDAIRRANGERESPOND01", Arn: "arn:aws:iam::123456789012:user/ir-responder" });
    const alice = await iam.send(new GetUserCommand({ UserName: "dev-alice" }));
    expect(alice.User?.Tags).toEqual([{ Key: "team", Value: "web" }]);
    expect(alice.User?.PasswordLastUsed).toBeInstanceOf(Date);
    await expect(iam.send(new GetUserCommand({ UserName: "nobody" }))).rejects.toMatchObject({
      name: "NoSuchEntityException",
      Code: "NoSuchEntity",
      message: "The user with name nobody cannot be found.",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("CreateUser issues an AIDA id and refuses duplicate (case-insensitive) and invalid names", async () => {
    const out = await iam.send(new CreateUserCommand({ UserName: "temp-contractor", Path: "/contractors/", Tags: [{ Key: "ticket", Value: "IR-42" }] }));
    expect(out.User?.UserId).toMatch(/^AIDA[A-Z2-7]{16}$/);
    expect(out.User?.Arn).toBe("arn:aws:iam::123456789012:user/contractors/temp-contractor");
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
    await expect(iam.send(new CreateUserCommand({ UserName: "TEMP-Contractor" }))).rejects.toMatchObject({
      Code: "EntityAlreadyExists",
      message: "User with name TEMP-Contractor already exists.",
      $metadata: { httpStatusCode: 409 },
    });
    await expect(iam.send(new CreateUserCommand({ UserName: "bad name!" }))).rejects.toMatchObject({ Code: "ValidationError" });
    const contractors = await iam.send(new ListUsersCommand({ PathPrefix: "/contractors/" }));
    expect(contractors.Users?.map((u) => u.UserName)).toEqual(["temp-contractor"]);
    expect((await iam.send(new ListUserTagsCommand({ UserName: "temp-contractor" }))).Tags).toEqual([{ Key: "ticket", Value: "IR-42" }]);
  });

  it("tags and untags users", async () => {
    await iam.send(
      new TagUserCommand({
        UserName: "dev-alice",
        Tags: [
          { Key: "ir-status", Value: "contained" },
          { Key: "team", Value: "platform" },
        ],
      }),
    );
    const tags = await iam.send(new ListUserTagsCommand({ UserName: "dev-alice" }));
    expect(tags.Tags).toEqual([
      { Key: "team", Value: "platform" },
      { Key: "ir-status", Value: "contained" },
    ]);
    await iam.send(new UntagUserCommand({ UserName: "dev-alice", TagKeys: ["ir-status"] }));
    expect((await iam.send(new ListUserTagsCommand({ UserName: "dev-alice" }))).Tags).toEqual([{ Key: "team", Value: "platform" }]);
    await expect(iam.send(new TagUserCommand({ UserName: "dev-alice", Tags: [{ Key: "aws:reserved", Value: "x" }] }))).rejects.toMatchObject({
      Code: "InvalidInput",
    });
  });
});

describe("access keys", () => {
  it("lists a user's keys and the caller's own", async () => {
    const alice = await iam.send(new ListAccessKeysCommand({ UserName: "dev-alice" }));
    expect(alice.AccessKeyMetadata).toEqual([{ UserName: "dev-alice", AccessKeyId: "AKIAEXAMPLEALICE0001", Status: "Active", CreateDate: expect.any(Date) }]);
    const mine = await iam.send(new ListAccessKeysCommand({}));
    expect(mine.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual(["AKIAIRRANGERESPOND01"]);
  });

  it("a created key signs requests until it is deactivated or deleted", async () => {
    await iam.send(new CreateUserCommand({ UserName: "key-holder" }));
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: "key-holder" }));
    const key = created.AccessKey;
    expect(key?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key?.SecretAccessKey).toHaveLength(40);
    expect(key?.Status).toBe("Active");
    const credentials = { accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" };
    const asHolder = new STSClient({ ...server.sdk(), credentials });
    expect((await asHolder.send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:iam::123456789012:user/key-holder");

    await iam.send(new UpdateAccessKeyCommand({ UserName: "key-holder", AccessKeyId: key?.AccessKeyId, Status: "Inactive" }));
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "key-holder" }))).AccessKeyMetadata?.[0].Status).toBe("Inactive");
    await expect(asHolder.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "InvalidClientTokenId" });
    const asHolderIam = new IAMClient({ ...server.sdk("us-east-1"), credentials });
    await expect(asHolderIam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: "InvalidClientTokenId" });

    await iam.send(new UpdateAccessKeyCommand({ UserName: "key-holder", AccessKeyId: key?.AccessKeyId, Status: "Active" }));
    expect((await asHolder.send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");

    await iam.send(new DeleteAccessKeyCommand({ UserName: "key-holder", AccessKeyId: key?.AccessKeyId }));
    await expect(asHolder.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "InvalidClientTokenId" });
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "key-holder" }))).AccessKeyMetadata).toEqual([]);
  });

  it("enforces two keys per user and rejects unknown keys and statuses", async () => {
    await iam.send(new CreateUserCommand({ UserName: "two-keys" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "two-keys" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "two-keys" }));
    await expect(iam.send(new CreateAccessKeyCommand({ UserName: "two-keys" }))).rejects.toMatchObject({
      Code: "LimitExceeded",
      message: "Cannot exceed quota for AccessKeysPerUser: 2",
    });
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "two-keys" }))).AccessKeyMetadata).toHaveLength(2);
    await expect(iam.send(new UpdateAccessKeyCommand({ UserName: "two-keys", AccessKeyId: "AKIAAAAAAAAAAAAAAAAA", Status: "Inactive" }))).rejects.toMatchObject(
      {
        Code: "NoSuchEntity",
        message: "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
      },
    );
    await expect(
      iam.send(new UpdateAccessKeyCommand({ UserName: "dev-alice", AccessKeyId: "AKIAEXAMPLEALICE0001", Status: "Disabled" as never })),
    ).rejects.toMatchObject({ Code: "ValidationError" });
    expect((await iam.send(new ListAccessKeysCommand({ UserName: "dev-alice" }))).AccessKeyMetadata?.[0].Status).toBe("Active");
  });

  it("GetAccessKeyLastUsed reports the recorded use, N/A for an unused key", async () => {
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAEXAMPLEALICE0001" }));
    expect(used.UserName).toBe("dev-alice");
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: "s3", Region: "ap-northeast-1" });
    expect(used.AccessKeyLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    await iam.send(new CreateUserCommand({ UserName: "fresh-key" }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: "fresh-key" }));
    const fresh = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKey?.AccessKeyId }));
    expect(fresh.AccessKeyLastUsed).toEqual({ ServiceName: "N/A", Region: "N/A" });
    await expect(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAZZZZZZZZZZZZZZZZ" }))).rejects.toMatchObject({ Code: "AccessDenied" });
  });
});

describe("login profile and MFA", () => {
  it("lists MFA devices", async () => {
    const out = await iam.send(new ListMFADevicesCommand({ UserName: "ir-responder" }));
    expect(out.MFADevices).toEqual([{ UserName: "ir-responder", SerialNumber: "arn:aws:iam::123456789012:mfa/ir-responder", EnableDate: expect.any(Date) }]);
    expect((await iam.send(new ListMFADevicesCommand({ UserName: "dev-alice" }))).MFADevices).toEqual([]);
  });

  it("lists the other credential types a user can hold", async () => {
    const ssh = await iam.send(new ListSSHPublicKeysCommand({ UserName: "dev-alice" }));
    expect(ssh.SSHPublicKeys).toEqual([{ UserName: "dev-alice", SSHPublicKeyId: "APKAEXAMPLEALICESSH1", Status: "Active", UploadDate: expect.any(Date) }]);
    expect((await iam.send(new ListSigningCertificatesCommand({ UserName: "dev-alice" }))).Certificates).toEqual([]);
    expect((await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }))).ServiceSpecificCredentials).toEqual([]);
    await expect(iam.send(new ListSSHPublicKeysCommand({ UserName: "nobody" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });

  it("gets and deletes a console login profile", async () => {
    await iam.send(new CreateUserCommand({ UserName: "console-user" }));
    await expect(iam.send(new GetLoginProfileCommand({ UserName: "console-user" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "Login Profile for User console-user cannot be found.",
    });
    const alice = await iam.send(new GetLoginProfileCommand({ UserName: "dev-alice" }));
    expect(alice.LoginProfile).toMatchObject({ UserName: "dev-alice", PasswordResetRequired: false });
    expect(alice.LoginProfile?.CreateDate).toBeInstanceOf(Date);
  });
});

describe("inline policies", () => {
  it("puts, gets (URL-encoded), lists and deletes user and group policies", async () => {
    await iam.send(new PutUserPolicyCommand({ UserName: "dev-alice", PolicyName: "read-evidence", PolicyDocument: S3_READ }));
    const list = await iam.send(new ListUserPoliciesCommand({ UserName: "dev-alice" }));
    expect(list.PolicyNames).toEqual(["alice-list-buckets", "read-evidence"]);
    const got = await iam.send(new GetUserPolicyCommand({ UserName: "dev-alice", PolicyName: "read-evidence" }));
    expect(got.UserName).toBe("dev-alice");
    expect(got.PolicyDocument).toMatch(/^%7B%22Version%22/);
    expect(decodeURIComponent(got.PolicyDocument ?? "")).toBe(S3_READ);
    await iam.send(new DeleteUserPolicyCommand({ UserName: "dev-alice", PolicyName: "read-evidence" }));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: "dev-alice" }))).PolicyNames).toEqual(["alice-list-buckets"]);
    await expect(iam.send(new GetUserPolicyCommand({ UserName: "dev-alice", PolicyName: "read-evidence" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "The user policy with name read-evidence cannot be found.",
    });

    expect((await iam.send(new ListGroupPoliciesCommand({ GroupName: "developers" }))).PolicyNames).toEqual(["dev-start-instances"]);
    const g = await iam.send(new GetGroupPolicyCommand({ GroupName: "developers", PolicyName: "dev-start-instances" }));
    expect(JSON.parse(decodeURIComponent(g.PolicyDocument ?? ""))).toMatchObject({ Statement: [{ Action: "ec2:StartInstances" }] });
    await iam.send(new PutGroupPolicyCommand({ GroupName: "developers", PolicyName: "extra", PolicyDocument: S3_READ }));
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: "developers", PolicyName: "extra" }));
    await expect(iam.send(new DeleteGroupPolicyCommand({ GroupName: "developers", PolicyName: "extra" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "The group policy with name extra cannot be found.",
    });
  });

  it("rejects malformed documents with MalformedPolicyDocument and stores nothing", async () => {
    const bad: [string, string][] = [
      ["{not json", "Syntax errors in policy."],
      [doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Principal: "*" }), "Policy document should not specify a principal."],
      [doc({ Effect: "Allow", Action: "s3:*" }), "Policy statement must contain resources."],
      [doc({ Effect: "Maybe", Action: "s3:*", Resource: "*" }), "Invalid effect: Maybe"],
      [doc({ Effect: "Allow", Action: "GetObject", Resource: "*" }), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."],
      [JSON.stringify({ Version: "2020-01-01", Statement: [] }), "The policy must contain a valid version string"],
    ];
    for (const [document, message] of bad) {
      await expect(iam.send(new PutUserPolicyCommand({ UserName: "dev-alice", PolicyName: "bad", PolicyDocument: document }))).rejects.toMatchObject({
        Code: "MalformedPolicyDocument",
        message,
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: "dev-alice" }))).PolicyNames).toEqual(["alice-list-buckets"]);
    await expect(iam.send(new PutUserPolicyCommand({ UserName: "ghost", PolicyName: "p", PolicyDocument: S3_READ }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
    });
  });

  it("enforces the 2048-character aggregate quota for user inline policies", async () => {
    await iam.send(new CreateUserCommand({ UserName: "quota-user" }));
    const big = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 40 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) });
    expect(big.length).toBeGreaterThan(1024);
    await iam.send(new PutUserPolicyCommand({ UserName: "quota-user", PolicyName: "one", PolicyDocument: big }));
    await expect(iam.send(new PutUserPolicyCommand({ UserName: "quota-user", PolicyName: "two", PolicyDocument: big }))).rejects.toMatchObject({
      Code: "LimitExceeded",
      message: "Maximum policy size of 2048 bytes exceeded for user quota-user",
    });
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: "quota-user" }))).PolicyNames).toEqual(["one"]);
  });
});

describe("groups", () => {
  it("lists groups, members and a user's groups; adds and removes members", async () => {
    expect((await iam.send(new ListGroupsCommand({}))).Groups?.map((g) => g.GroupName)).toEqual(["developers"]);
    const dev = await iam.send(new GetGroupCommand({ GroupName: "developers" }));
    expect(dev.Group).toMatchObject({ GroupName: "developers", GroupId: "AGPAEXAMPLEDEVGROUP1" });
    expect(dev.Users?.map((u) => u.UserName)).toEqual(["dev-alice"]);
    await iam.send(new CreateGroupCommand({ GroupName: "responders" }));
    await iam.send(new AddUserToGroupCommand({ GroupName: "responders", UserName: "ir-responder" }));
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: "ir-responder" }))).Groups?.map((g) => g.GroupName)).toEqual(["responders"]);
    await expect(iam.send(new DeleteGroupCommand({ GroupName: "responders" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must remove users from group first.",
    });
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: "responders", UserName: "ir-responder" }));
    await iam.send(new DeleteGroupCommand({ GroupName: "responders" }));
    await expect(iam.send(new GetGroupCommand({ GroupName: "responders" }))).rejects.toMatchObject({
      Code: "NoSuchEntity",
      message: "The group with name responders cannot be found.",
    });
  });
});

describe("DeleteUser", () => {
  it("refuses while the user still has credentials, policies or groups, then deletes", async () => {
    await iam.send(new CreateUserCommand({ UserName: "leaver" }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: "leaver" }));
    await iam.send(new PutUserPolicyCommand({ UserName: "leaver", PolicyName: "p", PolicyDocument: S3_READ }));
    await iam.send(new AddUserToGroupCommand({ GroupName: "developers", UserName: "leaver" }));
    const attempt = () => iam.send(new DeleteUserCommand({ UserName: "leaver" }));
    await expect(attempt()).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must delete access keys first.",
      $metadata: { httpStatusCode: 409 },
    });
    await iam.send(new DeleteAccessKeyCommand({ UserName: "leaver", AccessKeyId: key.AccessKey?.AccessKeyId }));
    await expect(attempt()).rejects.toMatchObject({ Code: "DeleteConflict", message: "Cannot delete entity, must delete policies first." });
    await iam.send(new DeleteUserPolicyCommand({ UserName: "leaver", PolicyName: "p" }));
    await expect(attempt()).rejects.toMatchObject({ Code: "DeleteConflict", message: "Cannot delete entity, must remove users from group first." });
    // Every refusal left the user in place.
    expect((await iam.send(new GetUserCommand({ UserName: "leaver" }))).User?.UserName).toBe("leaver");
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: "developers", UserName: "leaver" }));
    await attempt();
    await expect(iam.send(new GetUserCommand({ UserName: "leaver" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });

  it("names the login profile and MFA device as blockers", async () => {
    await expect(iam.send(new DeleteUserCommand({ UserName: "dev-alice" }))).rejects.toMatchObject({
      Code: "DeleteConflict",
      message: "Cannot delete entity, must delete login profile first.",
    });
    await expect(iam.send(new DeleteUserCommand({ UserName: "ir-responder" }))).rejects.toMatchObject({ Code: "DeleteConflict" });
    await iam.send(new DeleteLoginProfileCommand({ UserName: "dev-alice" }));
    await expect(iam.send(new GetLoginProfileCommand({ UserName: "dev-alice" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
    await expect(iam.send(new DeleteUserCommand({ UserName: "dev-alice" }))).rejects.toMatchObject({
      message: "Cannot delete entity, must delete access keys first.",
    });
    await expect(iam.send(new DeleteUserCommand({ UserName: "nobody" }))).rejects.toMatchObject({ Code: "NoSuchEntity" });
  });
});

describe("access key last used", () => {
  it("records the service and region a key last signed a request for", async () => {
    const before = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAIRRANGERESPOND01" }));
    await new STSClient(server.sdk("eu-west-1")).send(new GetCallerIdentityCommand({}));
    const after = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAIRRANGERESPOND01" }));
    // The GetAccessKeyLastUsed call itself is the latest use: IAM, which AWS reports in us-east-1.
    expect(after.AccessKeyLastUsed).toMatchObject({ ServiceName: "iam", Region: "us-east-1" });
    expect(after.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-02-01T12:00:00Z"));
    expect(after.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(before.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? 0);
  });
});
