/** STS beyond GetCallerIdentity: AssumeRole and GetSessionToken sessions that sign requests, GetAccessKeyInfo. */
import { GetRoleCommand, IAMClient, ListUsersCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountFromKeyId } from "../../emulator/services/sts/sessions.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let sts: STSClient;
beforeEach(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  sts = new STSClient(server.sdk());
});
afterEach(async () => {
  await server?.stop();
});

type Creds = { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
const asSession = (c: Creds | undefined, region?: string) => ({
  ...server.sdk(region),
  credentials: { accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken },
});

describe("AssumeRole", () => {
  it("issues ASIA credentials that sign requests as the assumed-role session", async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/ir-forensics", RoleSessionName: "triage-1" }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials?.SessionToken).toMatch(/^IQoJb3JpZ2luX2Vj/);
    const lifetime = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.parse("2026-02-01T12:00:00Z");
    expect(lifetime).toBeGreaterThan(3590_000);
    expect(lifetime).toBeLessThan(3700_000);
    expect(out.AssumedRoleUser).toEqual({
      AssumedRoleId: "AROAEXAMPLEFORENSIC1:triage-1",
      Arn: "arn:aws:sts::123456789012:assumed-role/ir-forensics/triage-1",
    });

    const me = await new STSClient(asSession(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Account: "123456789012",
      Arn: "arn:aws:sts::123456789012:assumed-role/ir-forensics/triage-1",
      UserId: "AROAEXAMPLEFORENSIC1:triage-1",
    });
    // Works against other services too, and the role records its use.
    const iam = new IAMClient(asSession(out.Credentials, "us-east-1"));
    expect((await iam.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
    const role = (await iam.send(new GetRoleCommand({ RoleName: "ir-forensics" }))).Role;
    expect(role?.RoleLastUsed?.LastUsedDate).toBeInstanceOf(Date);
  });

  it("the session token is required and must match", async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/ir-forensics", RoleSessionName: "triage-2" }));
    const noToken = new STSClient(asSession({ ...out.Credentials, SessionToken: undefined }));
    await expect(noToken.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "InvalidClientTokenId" });
    const wrongSecret = new STSClient(asSession({ ...out.Credentials, SecretAccessKey: "x".repeat(40) }));
    await expect(wrongSecret.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
  });

  it("denies unknown roles and roles whose trust policy does not name the caller", async () => {
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/nope", RoleSessionName: "x1" }))).rejects.toMatchObject({
      name: "AccessDenied",
      message:
        "User: arn:aws:iam::123456789012:user/ir-responder is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope",
      $metadata: { httpStatusCode: 403 },
    });
    // web-app-role trusts only ec2.amazonaws.com.
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/web-app-role", RoleSessionName: "x1" }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
  });

  it("validates the session name and duration", async () => {
    const arn = "arn:aws:iam::123456789012:role/ir-forensics";
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "bad name" }))).rejects.toMatchObject({ name: "ValidationError" });
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "ok", DurationSeconds: 7201 }))).rejects.toMatchObject({
      name: "ValidationError",
      message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    });
    const long = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "ok", DurationSeconds: 7200 }));
    expect(long.Credentials?.Expiration).toBeInstanceOf(Date);
    // Role chaining is limited to one hour. (The session's own role must allow it to assume a role: ReadOnlyAccess
    // does not.)
    await new IAMClient(server.sdk()).send(
      new PutRolePolicyCommand({
        RoleName: "ir-forensics",
        PolicyName: "chain",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: arn }] }),
      }),
    );
    const chained = new STSClient(asSession(long.Credentials));
    await expect(chained.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "chain", DurationSeconds: 3601 }))).rejects.toMatchObject({
      message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    });
    const ok = await chained.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "chain" }));
    expect(ok.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/ir-forensics/chain");
  });
});

describe("GetSessionToken", () => {
  it("issues a session that signs as the IAM user; sessions cannot call it again", async () => {
    const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const session = new STSClient(asSession(out.Credentials));
    expect(await session.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Arn: "arn:aws:iam::123456789012:user/ir-responder",
      UserId: "AIDAIRRANGERESPOND01",
    });
    await expect(session.send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: "AccessDenied",
      message: "Cannot call GetSessionToken with session credentials",
    });
    await expect(sts.send(new GetSessionTokenCommand({ DurationSeconds: 600 }))).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("the session survives a restart of the emulator on the same state directory", async () => {
    const out = await sts.send(new GetSessionTokenCommand({}));
    const stateDir = server.stateDir;
    await server.stop(false);
    server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:05:00Z", stateDir });
    sts = new STSClient(server.sdk());
    const me = await new STSClient(asSession(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe("arn:aws:iam::123456789012:user/ir-responder");
  });

  it("an expired session no longer signs", async () => {
    const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const stateDir = server.stateDir;
    await server.stop(false);
    server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:30:00Z", stateDir });
    sts = new STSClient(server.sdk());
    await expect(new STSClient(asSession(out.Credentials)).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "ExpiredToken",
      message: "The security token included in the request is expired",
    });
  });
});

describe("GetAccessKeyInfo", () => {
  it("names the account of known keys, sessions and keys of other accounts", async () => {
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: "AKIAEXAMPLEALICE0001" }))).Account).toBe("123456789012");
    const session = await sts.send(new GetSessionTokenCommand({}));
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: session.Credentials?.AccessKeyId }))).Account).toBe("123456789012");
    // AWS's documented example key decodes to its account bits.
    const foreign = "ASIAY34FZKBOKMUTVV7A";
    expect((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: foreign }))).Account).toBe(accountFromKeyId(foreign));
    expect(accountFromKeyId(foreign)).toMatch(/^\d{12}$/);
    await expect(sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: "short" }))).rejects.toMatchObject({ name: "ValidationError" });
  });
});
