/**
 * What the fuzz run found about strings: characters XML 1.0 cannot carry (NUL, other C0 controls but tab/LF/CR,
 * U+FFFE, U+FFFF, lone surrogates) were accepted, stored and echoed raw into XML answers no client could parse.
 * The query and JSON protocols now refuse them at decode time; S3 keys (restXml) may still hold them.
 */
import { CreateKeyPairCommand, DescribeKeyPairsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateUserCommand, GetUserPolicyCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NormalizedSchema } from "@smithy/core/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJson, InputError } from "../../emulator/protocols/decode.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const failure = sdkFailure;

describe("fuzz regressions: strings XML cannot carry", () => {
  let server: TestServer;
  let iam: IAMClient;
  let ec2: EC2Client;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startTestServer();
    iam = new IAMClient(server.sdk());
    ec2 = new EC2Client(server.sdk());
    s3 = new S3Client(server.sdk());
  });
  afterAll(() => server?.stop());

  it("IAM: a NUL in a tag key is a ValidationError and the user is not created", async () => {
    const err = await failure(iam.send(new CreateUserCommand({ UserName: "nul-tag", Tags: [{ Key: "a\u0000b", Value: "v" }] })));
    expect(err).toMatchObject({ name: "ValidationError", status: 400 });
    expect(err.message).toBe(
      "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must not contain control characters",
    );
    const users = await iam.send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).not.toContain("nul-tag");
  });

  it("EC2: U+FFFF in a key pair name is a 400 and nothing is created", async () => {
    const before = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    const err = await failure(ec2.send(new CreateKeyPairCommand({ KeyName: "bad\uffff" })));
    expect(err).toMatchObject({ name: "InvalidParameterValue", status: 400 });
    expect(err.message).toContain("'keyName'");
    const after = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    expect(after.map((k) => k.KeyName)).toEqual(before.map((k) => k.KeyName));
  });

  it("IAM: a policy document with newlines, tabs and CR is still accepted", async () => {
    await iam.send(new CreateUserCommand({ UserName: "policy-ws" }));
    const doc = '{\r\n\t"Version": "2012-10-17",\n\t"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\n}';
    await iam.send(new PutUserPolicyCommand({ UserName: "policy-ws", PolicyName: "ws", PolicyDocument: doc }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: "policy-ws", PolicyName: "ws" }));
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ""))).toEqual(JSON.parse(doc));
  });

  it("S3 (restXml) is not affected: an object key with a control character still works", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "ctl-keys" }));
    const key = "dir/a\u0001b";
    await s3.send(new PutObjectCommand({ Bucket: "ctl-keys", Key: key, Body: "hello" }));
    const out = await s3.send(new GetObjectCommand({ Bucket: "ctl-keys", Key: key }));
    expect(await out.Body?.transformToString()).toBe("hello");
  });

  it("JSON bodies: a lone surrogate in a value or a control character in a map key is refused; tab/LF/CR are not", () => {
    const map = NormalizedSchema.of([2, "fuzz", "StringMap", 0, 0, 0] as never);
    const refused = (raw: unknown) => {
      try {
        decodeJson(map, raw, "Tags");
      } catch (e) {
        return e instanceof InputError && e.kind === "validation" ? e.message : `other: ${e}`;
      }
      return "accepted";
    };
    expect(refused(JSON.parse('{"k": "a\\ud800b"}'))).toContain("Value at 'tags.k'");
    expect(refused({ "a\u001fb": "v" })).toContain("Member must not contain control characters");
    expect(refused({ "a\uffffb": "v" })).toContain("control characters");
    expect(refused({ k: "line\n\ttab\r\n", emoji: "\ud83d\ude00" })).toBe("accepted");
  });
});
