/** What a responder types: the real aws CLI against the IAM and STS emulation. */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORT_GENERATION_MS } from "../../emulator/services/iam/account.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!hasAwsCli)("aws iam / aws sts", () => {
  it("list-attached-role-policies", async () => {
    const r = await aws(server, ["iam", "list-attached-role-policies", "--role-name", "web-app-role"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      AttachedPolicies: [
        { PolicyName: "AmazonSSMManagedInstanceCore", PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
        { PolicyName: "AmazonS3ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" },
      ],
    });
  });

  it("update-access-key --status Inactive makes the key unusable", async () => {
    const iam = new IAMClient(server.sdk("us-east-1"));
    await iam.send(new CreateUserCommand({ UserName: "cli-suspect" }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "cli-suspect" }))).AccessKey;
    const asSuspect = { AWS_ACCESS_KEY_ID: key?.AccessKeyId, AWS_SECRET_ACCESS_KEY: key?.SecretAccessKey };
    const suspect = new STSClient({ ...server.sdk(), credentials: { accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" } });
    expect((await suspect.send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:iam::123456789012:user/cli-suspect");

    const upd = await aws(server, [
      "iam",
      "update-access-key",
      "--user-name",
      "cli-suspect",
      "--access-key-id",
      key?.AccessKeyId ?? "",
      "--status",
      "Inactive",
    ]);
    expect(upd.status, upd.stderr).toBe(0);
    expect(upd.stdout.trim()).toBe("");
    const after = await aws(server, ["sts", "get-caller-identity"], asSuspect);
    expect(after.status).not.toBe(0);
    expect(after.stderr).toContain(
      "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
    );
  });

  it("generate-credential-report, then get-credential-report decodes to AWS's CSV once it is ready", async () => {
    const g = await aws(server, ["iam", "generate-credential-report"]);
    expect(g.status, g.stderr).toBe(0);
    expect(g.json()).toEqual({ State: "STARTED", Description: "No report exists. Starting a new report generation task" });
    // The report takes a second of emulator time to generate (iam-account.test.ts follows it through INPROGRESS).
    server.emulator.runtime.clock.advance(REPORT_GENERATION_MS);
    const r = await aws(server, ["iam", "get-credential-report"]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json();
    expect(out.ReportFormat).toBe("text/csv");
    const csv = Buffer.from(out.Content, "base64").toString("utf8").split("\n");
    expect(csv[0]).toMatch(/^user,arn,user_creation_time,password_enabled,password_last_used,.*,cert_2_active,cert_2_last_rotated$/);
    expect(csv[1]).toMatch(/^<root_account>,arn:aws:iam::123456789012:root,/);
    expect(csv.some((l) => l.startsWith("dev-alice,arn:aws:iam::123456789012:user/dev-alice,"))).toBe(true);
  });

  it("get-account-authorization-details prints policy documents as JSON objects", async () => {
    const r = await aws(server, ["iam", "get-account-authorization-details", "--filter", "Role", "LocalManagedPolicy"]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json();
    const web = out.RoleDetailList.find((x: { RoleName: string }) => x.RoleName === "web-app-role");
    expect(web.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
    expect(web.RolePolicyList[0].PolicyDocument.Statement[0].Action).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(out.UserDetailList).toEqual([]);
    expect(out.Policies[0].PolicyVersionList.find((v: { IsDefaultVersion: boolean }) => v.IsDefaultVersion).Document.Version).toBe("2012-10-17");
  });

  it("delete-user explains the DeleteConflict", async () => {
    const r = await aws(server, ["iam", "delete-user", "--user-name", "dev-alice"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "An error occurred (DeleteConflict) when calling the DeleteUser operation: Cannot delete entity, must delete login profile first.",
    );
  });

  it("sts assume-role returns credentials the CLI can use", async () => {
    const r = await aws(server, ["sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/ir-forensics", "--role-session-name", "cli-triage"]);
    expect(r.status, r.stderr).toBe(0);
    const c = r.json().Credentials;
    const me = await aws(server, ["sts", "get-caller-identity"], {
      AWS_ACCESS_KEY_ID: c.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
      AWS_SESSION_TOKEN: c.SessionToken,
    });
    expect(me.status, me.stderr).toBe(0);
    expect(me.json().Arn).toBe("arn:aws:sts::123456789012:assumed-role/ir-forensics/cli-triage");
  });
});
