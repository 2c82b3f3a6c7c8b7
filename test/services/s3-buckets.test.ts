/** S3 buckets through SDK v3: create, list, delete, their configuration (policy, access block, tags, encryption, logging), features never configured, and virtual-host addressing. */
import { Agent } from "node:http";
import type { LookupFunction } from "node:net";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { startTestServer } from "../helpers/emulator.ts";
import { failure, s3Suite } from "../helpers/s3.ts";

const EVIDENCE = "basic-evidence";
const suite = s3Suite();
const { keys, text, newBucket, raw } = suite;

describe("buckets", () => {
  it("lists the recorded bucket with its region and the account's canonical owner", async () => {
    const out = await suite.s3.send(new ListBucketsCommand({}));
    const rec = out.Buckets?.find((b) => b.Name === EVIDENCE);
    expect(rec).toMatchObject({ Name: EVIDENCE, BucketRegion: "ap-northeast-1" });
    expect(rec?.CreationDate).toBeInstanceOf(Date);
    expect(out.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it("pages the bucket list with MaxBuckets and ContinuationToken", async () => {
    await newBucket();
    await newBucket();
    const all = (await suite.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const out = await suite.s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: token }));
      expect(out.Buckets?.length).toBeLessThanOrEqual(2);
      seen.push(...(out.Buckets ?? []).map((b) => b.Name ?? ""));
      token = out.ContinuationToken;
    } while (token);
    expect(seen).toEqual(all);
    expect((await suite.s3.send(new ListBucketsCommand({ Prefix: "test-bucket-" }))).Buckets?.every((b) => b.Name?.startsWith("test-bucket-"))).toBe(true);
  });

  it("creates a bucket with a LocationConstraint, heads it and reports its location", async () => {
    const name = await newBucket();
    expect((await suite.s3.send(new HeadBucketCommand({ Bucket: name }))).BucketRegion).toBe("ap-northeast-1");
    expect((await suite.s3.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint).toBe("ap-northeast-1");
    const listed = (await suite.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(listed).toContain(name);
    const again = await failure(suite.s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } })));
    expect(again.name).toBe("BucketAlreadyOwnedByYou");
    expect(again.$metadata.httpStatusCode).toBe(409);
  });

  it("a us-east-1 bucket has an empty LocationConstraint", async () => {
    const us = new S3Client(suite.server.sdk("us-east-1"));
    await us.send(new CreateBucketCommand({ Bucket: "virginia-bucket" }));
    const loc = await us.send(new GetBucketLocationCommand({ Bucket: "virginia-bucket" }));
    expect(loc.LocationConstraint ?? "").toBe("");
    expect((await us.send(new HeadBucketCommand({ Bucket: "virginia-bucket" }))).BucketRegion).toBe("us-east-1");
  });

  it("refuses bad names and a constraint that does not match the regional endpoint, creating nothing", async () => {
    const before = (await suite.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect((await failure(suite.s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).name).toBe("InvalidBucketName");
    expect((await failure(suite.s3.send(new CreateBucketCommand({ Bucket: "__proto__" })))).name).toBe("InvalidBucketName");
    const mismatch = await failure(
      suite.s3.send(new CreateBucketCommand({ Bucket: "wrong-region-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
    );
    expect(mismatch.name).toBe("IllegalLocationConstraintException");
    // SDK v3 fills in the client's region as LocationConstraint, so leave it out by hand as the CLI's s3api does.
    const unspecified = await raw("PUT", "/wrong-region-bucket");
    expect(unspecified.status).toBe(400);
    expect(unspecified.body).toContain("<Code>IllegalLocationConstraintException</Code>");
    expect(unspecified.body).toContain("The unspecified location constraint is incompatible");
    expect((await suite.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(before);
  });

  it("deletes only empty buckets", async () => {
    const name = await newBucket();
    await suite.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "v" }));
    const err = await failure(suite.s3.send(new DeleteBucketCommand({ Bucket: name })));
    expect(err.name).toBe("BucketNotEmpty");
    expect(err.BucketName).toBe(name);
    expect(await keys(name)).toEqual(["k"]);
    await suite.s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    await suite.s3.send(new DeleteBucketCommand({ Bucket: name }));
    expect((await failure(suite.s3.send(new HeadBucketCommand({ Bucket: name })))).name).toBe("NotFound");
    expect((await failure(suite.s3.send(new DeleteBucketCommand({ Bucket: name })))).name).toBe("NoSuchBucket");
  });

  it("a recorded bucket emptied, deleted and re-created does not bring its recorded objects back", async () => {
    const name = "basic-evidence";
    const recorded = await keys(name);
    expect(recorded).toContain("notes/readme.txt");
    // Use a fresh server so the shared one keeps its evidence.
    const other = await startTestServer({ scenario: "basic" });
    try {
      const c = new S3Client(other.sdk());
      for (const k of recorded) await c.send(new DeleteObjectCommand({ Bucket: name, Key: k }));
      await c.send(new DeleteBucketCommand({ Bucket: name }));
      await c.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } }));
      expect((await c.send(new ListObjectsV2Command({ Bucket: name }))).KeyCount).toBe(0);
      expect((await failure(c.send(new GetObjectCommand({ Bucket: name, Key: "notes/readme.txt" })))).name).toBe("NoSuchKey");
    } finally {
      await other.stop();
    }
  });

  it("bucket operations on a missing bucket answer NoSuchBucket with the bucket name", async () => {
    const err = await failure(suite.s3.send(new GetBucketPolicyCommand({ Bucket: "no-such-bucket-here" })));
    expect(err.name).toBe("NoSuchBucket");
    expect(err.BucketName).toBe("no-such-bucket-here");
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect((await failure(suite.s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket-here" })))).name).toBe("NoSuchBucket");
  });
});

describe("bucket configuration", () => {
  it("policy: NoSuchBucketPolicy, MalformedPolicy that keeps the old policy, put, get, delete", async () => {
    const name = await newBucket();
    const none = await failure(suite.s3.send(new GetBucketPolicyCommand({ Bucket: name })));
    expect(none.name).toBe("NoSuchBucketPolicy");
    expect(none.message).toBe("The bucket policy does not exist");
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecure",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: `arn:aws:s3:::${name}/*`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    await suite.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy }));
    expect(JSON.parse((await suite.s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? "")).toEqual(JSON.parse(policy));
    for (const bad of [
      "{not json",
      "[]",
      JSON.stringify({ Version: "2012-10-17" }),
      JSON.stringify({ Statement: [{ Effect: "Maybe", Principal: "*", Action: "s3:*", Resource: "*" }] }),
    ]) {
      expect((await failure(suite.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: bad })))).name, bad).toBe("MalformedPolicy");
    }
    expect((await suite.s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy).toBe(policy);
    await suite.s3.send(new DeleteBucketPolicyCommand({ Bucket: name }));
    expect((await failure(suite.s3.send(new GetBucketPolicyCommand({ Bucket: name })))).name).toBe("NoSuchBucketPolicy");
  });

  it("public access block: missing, put (omitted flags false), get, delete", async () => {
    const name = await newBucket();
    const none = await failure(suite.s3.send(new GetPublicAccessBlockCommand({ Bucket: name })));
    expect(none.name).toBe("NoSuchPublicAccessBlockConfiguration");
    expect(none.$metadata.httpStatusCode).toBe(404);
    await suite.s3.send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true } }));
    expect((await suite.s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    await suite.s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    expect((await failure(suite.s3.send(new GetPublicAccessBlockCommand({ Bucket: name })))).name).toBe("NoSuchPublicAccessBlockConfiguration");
  });

  it("tagging: NoSuchTagSet, put, get; duplicate keys are refused and leave the tags as they were", async () => {
    const name = await newBucket();
    expect((await failure(suite.s3.send(new GetBucketTaggingCommand({ Bucket: name })))).name).toBe("NoSuchTagSet");
    await suite.s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: {
          TagSet: [
            { Key: "env", Value: "prod" },
            { Key: "owner", Value: "sec" },
          ],
        },
      }),
    );
    const dup = await failure(
      suite.s3.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: {
            TagSet: [
              { Key: "a", Value: "1" },
              { Key: "a", Value: "2" },
            ],
          },
        }),
      ),
    );
    expect(dup.name).toBe("InvalidTag");
    expect((await suite.s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet).toEqual([
      { Key: "env", Value: "prod" },
      { Key: "owner", Value: "sec" },
    ]);
  });

  it("ACL grants the owner FULL_CONTROL; encryption defaults to SSE-S3; versioning and logging are empty until recorded", async () => {
    const name = await newBucket();
    const acl = await suite.s3.send(new GetBucketAclCommand({ Bucket: name }));
    expect(acl.Grants).toEqual([{ Grantee: { Type: "CanonicalUser", ID: acl.Owner?.ID }, Permission: "FULL_CONTROL" }]);
    const enc = await suite.s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" },
      BucketKeyEnabled: false,
    });
    const ver = await suite.s3.send(new GetBucketVersioningCommand({ Bucket: name }));
    expect(ver.Status).toBeUndefined();
    expect((await suite.s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toBeUndefined();
  });

  it("policy status: public only for an unconditioned Allow to everyone", async () => {
    const name = await newBucket();
    expect((await failure(suite.s3.send(new GetBucketPolicyStatusCommand({ Bucket: name })))).name).toBe("NoSuchBucketPolicy");
    const statement = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${name}/*` };
    const status = async (policy: object) => {
      await suite.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(policy) }));
      return (await suite.s3.send(new GetBucketPolicyStatusCommand({ Bucket: name }))).PolicyStatus?.IsPublic;
    };
    expect(await status({ Version: "2012-10-17", Statement: [statement] })).toBe(true);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Principal: { AWS: ["*"] } }] })).toBe(true);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }] })).toBe(false);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Principal: { AWS: "arn:aws:iam::111122223333:root" } }] })).toBe(false);
    expect(await status({ Version: "2012-10-17", Statement: [{ ...statement, Effect: "Deny" }] })).toBe(false);
  });

  it("encryption and access logging can be set, refused when invalid, and reset", async () => {
    const name = await newBucket();
    const logs = await newBucket();
    const kms = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    await suite.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: kms }, BucketKeyEnabled: true }],
        },
      }),
    );
    const rule = (await suite.s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule).toEqual({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: kms }, BucketKeyEnabled: true });
    const bad = await failure(
      suite.s3.send(
        new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: kms } }] },
        }),
      ),
    );
    expect(bad.name).toBe("InvalidArgument");
    expect(
      (await suite.s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("aws:kms");
    await suite.s3.send(new DeleteBucketEncryptionCommand({ Bucket: name }));
    expect(
      (await suite.s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("AES256");

    const noTarget = await failure(
      suite.s3.send(
        new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "no-such-log-bucket", TargetPrefix: "x/" } } }),
      ),
    );
    expect(noTarget.name).toBe("InvalidTargetBucketForLogging");
    await suite.s3.send(
      new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: logs, TargetPrefix: "access/" } } }),
    );
    expect((await suite.s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toEqual({ TargetBucket: logs, TargetPrefix: "access/" });
    await suite.s3.send(new PutBucketLoggingCommand({ Bucket: name, BucketLoggingStatus: {} }));
    expect((await suite.s3.send(new GetBucketLoggingCommand({ Bucket: name }))).LoggingEnabled).toBeUndefined();
  });

  it("reports versioning, logging and KMS encryption as a recording holds them", async () => {
    const other = await startTestServer({ scenario: "basic" });
    try {
      const rt = other.emulator.runtime;
      const b = objectsOf(rt).bucket(other.accountId, EVIDENCE);
      if (!b) throw new Error("recorded bucket missing");
      b.versioning = { Status: "Suspended" };
      b.logging = { TargetBucket: "access-logs", TargetPrefix: "evidence/" };
      b.encryption = { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/abcd", BucketKeyEnabled: true };
      await rt.store.commit();
      const c = new S3Client(other.sdk());
      expect((await c.send(new GetBucketVersioningCommand({ Bucket: EVIDENCE }))).Status).toBe("Suspended");
      expect((await c.send(new GetBucketLoggingCommand({ Bucket: EVIDENCE }))).LoggingEnabled).toEqual({
        TargetBucket: "access-logs",
        TargetPrefix: "evidence/",
      });
      const rule = (await c.send(new GetBucketEncryptionCommand({ Bucket: EVIDENCE }))).ServerSideEncryptionConfiguration?.Rules?.[0];
      expect(rule).toEqual({
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:ap-northeast-1:123456789012:key/abcd" },
        BucketKeyEnabled: true,
      });
    } finally {
      await other.stop();
    }
  });
});

describe("unconfigured features", () => {
  it("features never configured answer as AWS does for such a bucket", async () => {
    const name = await newBucket();
    const cases: [() => Promise<unknown>, string][] = [
      [() => suite.s3.send(new GetBucketCorsCommand({ Bucket: name })), "NoSuchCORSConfiguration"],
      [() => suite.s3.send(new GetBucketWebsiteCommand({ Bucket: name })), "NoSuchWebsiteConfiguration"],
      [() => suite.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })), "NoSuchLifecycleConfiguration"],
      [() => suite.s3.send(new GetBucketReplicationCommand({ Bucket: name })), "ReplicationConfigurationNotFoundError"],
      [() => suite.s3.send(new GetObjectLockConfigurationCommand({ Bucket: name })), "ObjectLockConfigurationNotFoundError"],
    ];
    for (const [call, code] of cases) {
      const err = await failure(call());
      expect(err.name).toBe(code);
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
    const notif = await suite.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: name }));
    expect(notif.TopicConfigurations ?? notif.QueueConfigurations ?? notif.LambdaFunctionConfigurations).toBeUndefined();
    expect((await suite.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name }))).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: "BucketOwnerEnforced" },
    ]);
  });
});

describe("virtual-host addressing", () => {
  it("the SDK with forcePathStyle:false addresses the bucket by Host", async () => {
    // bucket.localhost does not resolve here: connect to the server, keep the Host header the SDK built.
    const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)) as unknown as LookupFunction;
    const hosts: string[] = [];
    const vhost = new S3Client({
      ...suite.server.sdk(),
      endpoint: `http://localhost:${suite.server.port}`,
      forcePathStyle: false,
      requestHandler: { httpAgent: new Agent({ lookup }) },
    });
    vhost.middlewareStack.add(
      (next) => async (args) => {
        hosts.push(String((args.request as { headers: Record<string, string> }).headers.host ?? (args.request as { hostname: string }).hostname));
        return next(args);
      },
      { step: "finalizeRequest" },
    );
    await vhost.send(new PutObjectCommand({ Bucket: EVIDENCE, Key: "vhost/file.txt", Body: "by host" }));
    expect(await text(EVIDENCE, "vhost/file.txt")).toBe("by host");
    const listed = await vhost.send(new ListObjectsV2Command({ Bucket: EVIDENCE, Prefix: "vhost/" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["vhost/file.txt"]);
    expect(hosts.every((h) => h.startsWith(`${EVIDENCE}.localhost`))).toBe(true);
  });

  it("a raw request with the bucket in the Host header reads the object at the path", async () => {
    const r = await raw("GET", "/notes/readme.txt", { host: `${EVIDENCE}.s3.ap-northeast-1.amazonaws.com` });
    expect(r.status).toBe(200);
    expect(r.body).toBe(await text(EVIDENCE, "notes/readme.txt"));
  });
});
