/**
 * IAM authorization as a student meets it with the real aws CLI: containment that works because AWS would refuse
 * the next call (a revoked session, AWSDenyAll, a bucket policy, a permissions boundary), AWS's denial messages,
 * EC2's encoded message decoded by STS, and the simulator answering from the same engine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const ACCOUNT = "123456789012";
const ALICE = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLEALICE0001" };

describe.skipIf(!hasAwsCli)("IAM authorization with the real aws CLI (basic)", () => {
  let server: TestServer;
  let alice: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer({ clock: "2024-01-15T14:00:00Z" });
    const iam = server.emulator.runtime.document.accounts[ACCOUNT].global.iam as { users: Record<string, { AccessKeys: { SecretAccessKey?: string }[] }> };
    alice = { ...ALICE, AWS_SECRET_ACCESS_KEY: iam.users["dev-alice"].AccessKeys[0].SecretAccessKey ?? "" };
  });
  afterAll(() => server?.stop());

  const assume = async (name: string) => {
    const out = await awsJson(server, ["sts", "assume-role", "--role-arn", `arn:aws:iam::${ACCOUNT}:role/ir-forensics`, "--role-session-name", name]);
    return {
      AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: out.Credentials.SessionToken,
    };
  };

  it("revoking a role's older sessions (AWSRevokeOlderSessions) blocks a session issued before, not one issued after", async () => {
    const before = await assume("analyst-1");
    expect((await aws(server, ["ec2", "describe-instances", "--query", "length(Reservations)"], before)).status).toBe(0);
    server.emulator.runtime.clock.advance(10 * 60_000);
    const cutoff = server.emulator.runtime.clock.now().toISOString();
    // What the IAM console's "Revoke active sessions" writes.
    const revoke = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": cutoff } } }],
    };
    const put = await aws(server, [
      "iam",
      "put-role-policy",
      "--role-name",
      "ir-forensics",
      "--policy-name",
      "AWSRevokeOlderSessions",
      "--policy-document",
      JSON.stringify(revoke),
    ]);
    expect(put.stderr).toBe("");
    server.emulator.runtime.clock.advance(60_000);
    const denied = await aws(server, ["ec2", "describe-instances"], before);
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain(
      "An error occurred (UnauthorizedOperation) when calling the DescribeInstances operation: You are not authorized to perform this operation.",
    );
    expect(denied.stderr).toContain(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/ir-forensics/analyst-1 is not authorized to perform: ec2:DescribeInstances with an explicit deny in an identity-based policy`,
    );
    const s3denied = await aws(server, ["s3api", "list-buckets"], before);
    expect(s3denied.stderr).toContain("An error occurred (AccessDenied) when calling the ListBuckets operation: User: ");
    const after = await assume("analyst-2");
    expect((await aws(server, ["ec2", "describe-instances", "--query", "length(Reservations)"], after)).status).toBe(0);
    // The denied calls are in CloudTrail with AWS's error code.
    const events = await awsJson(server, [
      "cloudtrail",
      "lookup-events",
      "--lookup-attributes",
      "AttributeKey=EventName,AttributeValue=DescribeInstances",
      "--max-results",
      "5",
    ]);
    const failed = events.Events.map((e: { CloudTrailEvent: string }) => JSON.parse(e.CloudTrailEvent)).find((r: { errorCode?: string }) => r.errorCode);
    expect(failed.errorCode).toBe("Client.UnauthorizedOperation");
    expect(failed.userIdentity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ir-forensics/analyst-1`);
  });

  it("AWSDenyAll on a user stops its key everywhere but GetCallerIdentity; the encoded message decodes with STS", async () => {
    expect((await aws(server, ["s3api", "list-objects-v2", "--bucket", "basic-evidence"], alice)).status).not.toBe(0);
    expect((await aws(server, ["ec2", "describe-instances", "--query", "length(Reservations)"], alice)).status).toBe(0);
    expect((await aws(server, ["iam", "attach-user-policy", "--user-name", "dev-alice", "--policy-arn", "arn:aws:iam::aws:policy/AWSDenyAll"])).status).toBe(0);
    const denied = await aws(server, ["ec2", "describe-instances"], alice);
    expect(denied.stderr).toContain(
      `User: arn:aws:iam::${ACCOUNT}:user/dev-alice is not authorized to perform: ec2:DescribeInstances with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSDenyAll`,
    );
    const encoded = /Encoded authorization failure message: (\S+)/.exec(denied.stderr)?.[1] ?? "";
    expect(encoded.length).toBeGreaterThan(100);
    const decoded = await awsJson(server, ["sts", "decode-authorization-message", "--encoded-message", encoded]);
    const message = JSON.parse(decoded.DecodedMessage);
    expect(message).toMatchObject({ allowed: false, explicitDeny: true, context: { action: "ec2:DescribeInstances", principal: { name: "dev-alice" } } });
    // A forged or truncated message is refused as AWS refuses it.
    const forged = await aws(server, ["sts", "decode-authorization-message", "--encoded-message", `${encoded.slice(0, -4)}AAAA`]);
    expect(forged.stderr).toContain("InvalidAuthorizationMessageException");
    expect((await awsJson(server, ["sts", "get-caller-identity"])).Arn).toContain("ir-responder");
    const who = await aws(server, ["sts", "get-caller-identity"], alice);
    expect(who.status).toBe(0);
    expect((await aws(server, ["iam", "detach-user-policy", "--user-name", "dev-alice", "--policy-arn", "arn:aws:iam::aws:policy/AWSDenyAll"])).status).toBe(0);
  });

  it("a bucket policy denying everyone stops even an administrator's s3 ls", async () => {
    expect((await aws(server, ["s3", "ls", "s3://basic-evidence"])).status).toBe(0);
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Sid: "Quarantine", Effect: "Deny", Principal: "*", Action: "s3:ListBucket", Resource: "arn:aws:s3:::basic-evidence" }],
    };
    expect((await aws(server, ["s3api", "put-bucket-policy", "--bucket", "basic-evidence", "--policy", JSON.stringify(policy)])).status).toBe(0);
    const denied = await aws(server, ["s3", "ls", "s3://basic-evidence"]);
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain(
      `An error occurred (AccessDenied) when calling the ListObjectsV2 operation: User: arn:aws:iam::${ACCOUNT}:user/ir-responder is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::basic-evidence" with an explicit deny in a resource-based policy`,
    );
    expect((await aws(server, ["s3api", "delete-bucket-policy", "--bucket", "basic-evidence"])).status).toBe(0);
    expect((await aws(server, ["s3", "ls", "s3://basic-evidence"])).status).toBe(0);
  });

  it("a permissions boundary caps what a user's own policies allow; the simulator agrees with enforcement", async () => {
    // Alice's group allows ec2:StartInstances; a boundary of S3 read-only takes it away.
    const sim = (action: string) =>
      awsJson(server, ["iam", "simulate-principal-policy", "--policy-source-arn", `arn:aws:iam::${ACCOUNT}:user/dev-alice`, "--action-names", action]);
    expect((await sim("ec2:DescribeInstances")).EvaluationResults[0]).toMatchObject({ EvalActionName: "ec2:DescribeInstances", EvalDecision: "allowed" });
    expect((await sim("iam:CreateUser")).EvaluationResults[0].EvalDecision).toBe("implicitDeny");
    expect(
      (
        await aws(server, [
          "iam",
          "put-user-permissions-boundary",
          "--user-name",
          "dev-alice",
          "--permissions-boundary",
          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ])
      ).status,
    ).toBe(0);
    const bounded = (await sim("ec2:DescribeInstances")).EvaluationResults[0];
    expect(bounded.EvalDecision).toBe("implicitDeny");
    expect(bounded.PermissionsBoundaryDecisionDetail).toEqual({ AllowedByPermissionsBoundary: false });
    const denied = await aws(server, ["ec2", "describe-instances"], alice);
    expect(denied.stderr).toContain("because no permissions boundary allows the ec2:DescribeInstances action");
    const listed = await aws(server, ["s3api", "list-objects-v2", "--bucket", "basic-app-data"], alice);
    expect(listed.stderr).not.toContain("AccessDenied");
    expect((await aws(server, ["iam", "delete-user-permissions-boundary", "--user-name", "dev-alice"])).status).toBe(0);
  });

  it("simulate-custom-policy answers with matched statements and missing context values", async () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OfficeOnly",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::basic-evidence/*",
          Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
        },
      ],
    };
    const run = (ip?: string) =>
      awsJson(server, [
        "iam",
        "simulate-custom-policy",
        "--policy-input-list",
        JSON.stringify(policy),
        "--action-names",
        "s3:GetObject",
        "--resource-arns",
        "arn:aws:s3:::basic-evidence/report.txt",
        ...(ip ? ["--context-entries", `ContextKeyName=aws:SourceIp,ContextKeyValues=${ip},ContextKeyType=ip`] : []),
      ]);
    const missing = (await run()).EvaluationResults[0];
    expect(missing.EvalDecision).toBe("implicitDeny");
    expect(missing.MissingContextValues).toEqual(["aws:SourceIp"]);
    const inside = (await run("203.0.113.10")).EvaluationResults[0];
    expect(inside.EvalDecision).toBe("allowed");
    expect(inside.MatchedStatements).toEqual([
      { SourcePolicyId: "PolicyInputList.1", SourcePolicyType: "none", StartPosition: expect.any(Object), EndPosition: expect.any(Object) },
    ]);
    expect((await run("198.51.100.7")).EvaluationResults[0].EvalDecision).toBe("implicitDeny");
  });
});

describe.skipIf(!hasAwsCli)("the secutter responder's permissions are an IR role's, no more", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T07:00:00Z" });
  });
  afterAll(() => server?.stop());

  it("investigates and contains, but cannot create users or read the backups", async () => {
    expect((await aws(server, ["ec2", "describe-instances", "--query", "length(Reservations)"])).status).toBe(0);
    const create = await aws(server, ["iam", "create-user", "--user-name", "backdoor"]);
    expect(create.status).not.toBe(0);
    expect(create.stderr).toContain(
      "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:iam::111122223333:user/ir-responder is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/backdoor because no identity-based policy allows the iam:CreateUser action",
    );
    const read = await aws(server, ["s3", "cp", "s3://secutter-db-backups-111122223333/db/secutter-20260226.sql.gz", "-"]);
    expect(read.status).not.toBe(0);
    expect(read.stderr).toMatch(/AccessDenied|403/);
  });
});
