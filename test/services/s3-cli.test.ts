/** S3 through the real aws CLI: the high-level s3 commands a responder uses, and s3api output and error text. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
beforeAll(async () => {
  // Emulator time = wall time here: s3 sync compares local mtimes with LastModified, and a clock set in the
  // past would make every local file look newer than its upload.
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

async function ok(args: string[]) {
  const r = await aws(server, args);
  expect(r.status, `aws ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r;
}

// Each CLI run is a Python start-up (~0.7 s, several seconds on a loaded machine); the walk-through tests make 20 of them.
describe.skipIf(!hasAwsCli)("aws s3 and s3api", { timeout: 180_000 }, () => {
  it("mb, cp both ways (to stdout too), ls, sync both ways, multipart for a large file, rm --recursive, rb", async () => {
    const up = join(server.stateDir, "cli-up");
    const down = join(server.stateDir, "cli-down");
    mkdirSync(join(up, "logs"), { recursive: true });
    writeFileSync(join(up, "summary.txt"), "incident summary\n");
    writeFileSync(join(up, "logs", "access log+1.txt"), "GET /admin 200\n");
    // Over the CLI's 8 MB threshold: uploaded and downloaded in parts.
    const big = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    writeFileSync(join(up, "disk.img"), big);

    expect((await ok(["s3", "mb", "s3://cli-case-files"])).stdout).toContain("make_bucket: cli-case-files");
    expect((await ok(["s3", "ls"])).stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cli-case-files/);

    await ok(["s3", "cp", join(up, "summary.txt"), "s3://cli-case-files/single/summary.txt", "--metadata", "case=ir-7"]);
    const head = (await ok(["s3api", "head-object", "--bucket", "cli-case-files", "--key", "single/summary.txt"])).json();
    expect(head).toMatchObject({ ContentLength: 17, ContentType: "text/plain", Metadata: { case: "ir-7" }, ServerSideEncryption: "AES256" });
    expect((await ok(["s3", "cp", "s3://cli-case-files/single/summary.txt", "-"])).stdout).toBe("incident summary\n");

    const synced = await ok(["s3", "sync", up, "s3://cli-case-files/evidence"]);
    expect(synced.stdout).toContain("upload:");
    const listing = (await ok(["s3", "ls", "s3://cli-case-files/evidence/"])).stdout;
    expect(listing).toContain("PRE logs/");
    expect(listing).toMatch(/\s9437184 disk\.img/);
    const recursive = (await ok(["s3", "ls", "s3://cli-case-files", "--recursive"])).stdout;
    expect(recursive).toContain("evidence/logs/access log+1.txt");
    const big_head = (await ok(["s3api", "head-object", "--bucket", "cli-case-files", "--key", "evidence/disk.img"])).json();
    expect(big_head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    // A second sync finds nothing to do.
    expect((await ok(["s3", "sync", up, "s3://cli-case-files/evidence"])).stdout.trim()).toBe("");

    // A large object copied within S3 goes part by part with UploadPartCopy.
    await ok(["s3", "cp", "s3://cli-case-files/evidence/disk.img", "s3://cli-case-files/copies/disk.img"]);
    const copied = (await ok(["s3api", "head-object", "--bucket", "cli-case-files", "--key", "copies/disk.img"])).json();
    expect(copied).toMatchObject({ ContentLength: big.length, ETag: big_head.ETag });

    await ok(["s3", "sync", "s3://cli-case-files/evidence", down]);
    expect(readFileSync(join(down, "summary.txt"), "utf8")).toBe("incident summary\n");
    expect(readFileSync(join(down, "logs", "access log+1.txt"), "utf8")).toBe("GET /admin 200\n");
    expect(readFileSync(join(down, "disk.img")).equals(big)).toBe(true);
    await ok(["s3", "cp", "s3://basic-evidence/notes/readme.txt", join(down, "readme.txt")]);
    expect(readFileSync(join(down, "readme.txt"), "utf8").length).toBeGreaterThan(0);

    const removed = (await ok(["s3", "rm", "s3://cli-case-files", "--recursive"])).stdout;
    expect(removed.match(/^delete: /gm)).toHaveLength(5);
    expect((await ok(["s3api", "list-objects-v2", "--bucket", "cli-case-files"])).json().Contents).toBeUndefined();
    expect((await ok(["s3", "rb", "s3://cli-case-files"])).stdout).toContain("remove_bucket: cli-case-files");
  });

  it("s3api get-object --range writes the bytes and reports Content-Range", async () => {
    await ok(["s3api", "create-bucket", "--bucket", "cli-range", "--create-bucket-configuration", "LocationConstraint=ap-northeast-1"]);
    const src = join(server.stateDir, "alphabet.txt");
    writeFileSync(src, "abcdefghijklmnopqrstuvwxyz");
    await ok(["s3api", "put-object", "--bucket", "cli-range", "--key", "alphabet.txt", "--body", src]);
    const out = join(server.stateDir, "range.out");
    const r = (await ok(["s3api", "get-object", "--bucket", "cli-range", "--key", "alphabet.txt", "--range", "bytes=3-6", out])).json();
    expect(r).toMatchObject({ ContentLength: 4, ContentRange: "bytes 3-6/26" });
    expect(readFileSync(out, "utf8")).toBe("defg");
    const bad = await aws(server, ["s3api", "get-object", "--bucket", "cli-range", "--key", "alphabet.txt", "--range", "bytes=30-40", out]);
    expect(bad.status).toBe(255);
    expect(bad.stderr).toContain("An error occurred (InvalidRange) when calling the GetObject operation: The requested range is not satisfiable");
  });

  it("bucket policy, public access block and location as the CLI prints them", async () => {
    const noPolicy = await aws(server, ["s3api", "get-bucket-policy", "--bucket", "basic-evidence"]);
    expect(noPolicy.status).toBe(255);
    expect(noPolicy.stderr.trim()).toBe("An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy operation: The bucket policy does not exist");
    const malformed = await aws(server, ["s3api", "put-bucket-policy", "--bucket", "basic-evidence", "--policy", "{oops"]);
    expect(malformed.stderr).toContain("An error occurred (MalformedPolicy) when calling the PutBucketPolicy operation");

    await ok([
      "s3api",
      "put-public-access-block",
      "--bucket",
      "basic-evidence",
      "--public-access-block-configuration",
      "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ]);
    expect((await ok(["s3api", "get-public-access-block", "--bucket", "basic-evidence"])).json()).toEqual({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });

    expect((await ok(["s3api", "get-bucket-location", "--bucket", "basic-evidence"])).json()).toEqual({ LocationConstraint: "ap-northeast-1" });
    await ok(["s3api", "create-bucket", "--bucket", "cli-virginia", "--region", "us-east-1"]);
    // us-east-1 answers an empty LocationConstraint, which the CLI prints as null.
    expect((await ok(["s3api", "get-bucket-location", "--bucket", "cli-virginia"])).json()).toEqual({ LocationConstraint: null });
    expect((await ok(["s3api", "get-bucket-acl", "--bucket", "basic-evidence"])).json().Grants[0]).toMatchObject({
      Grantee: { Type: "CanonicalUser" },
      Permission: "FULL_CONTROL",
    });
  });

  it("a deleted object in a versioned bucket is found with list-object-versions and read back by version id", async () => {
    await ok(["s3", "mb", "s3://cli-versioned"]);
    await ok(["s3api", "put-bucket-versioning", "--bucket", "cli-versioned", "--versioning-configuration", "Status=Enabled"]);
    expect((await ok(["s3api", "get-bucket-versioning", "--bucket", "cli-versioned"])).json()).toEqual({ Status: "Enabled" });
    const src = join(server.stateDir, "ransom.txt");
    writeFileSync(src, "original evidence");
    const put = (await ok(["s3api", "put-object", "--bucket", "cli-versioned", "--key", "db/dump.sql", "--body", src])).json();
    expect(put.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    // The attacker's delete.
    await ok(["s3", "rm", "s3://cli-versioned/db/dump.sql"]);
    expect((await ok(["s3", "ls", "s3://cli-versioned", "--recursive"])).stdout.trim()).toBe("");
    const versions = (await ok(["s3api", "list-object-versions", "--bucket", "cli-versioned"])).json();
    expect(versions.Versions).toEqual([expect.objectContaining({ Key: "db/dump.sql", VersionId: put.VersionId, IsLatest: false, Size: 17 })]);
    expect(versions.DeleteMarkers).toEqual([expect.objectContaining({ Key: "db/dump.sql", IsLatest: true })]);
    const out = join(server.stateDir, "recovered.sql");
    await ok(["s3api", "get-object", "--bucket", "cli-versioned", "--key", "db/dump.sql", "--version-id", put.VersionId, out]);
    expect(readFileSync(out, "utf8")).toBe("original evidence");
    const missing = await aws(server, ["s3api", "get-object", "--bucket", "cli-versioned", "--key", "db/dump.sql", out]);
    expect(missing.stderr).toContain("An error occurred (NoSuchKey) when calling the GetObject operation");
  });

  it("keys with traversal sequences are plain keys to the CLI too", async () => {
    const src = join(server.stateDir, "t.txt");
    writeFileSync(src, "traversal-key body");
    await ok(["s3api", "put-object", "--bucket", "basic-evidence", "--key", "../../outside/escape.txt", "--body", src]);
    const out = join(server.stateDir, "t.out");
    await ok(["s3api", "get-object", "--bucket", "basic-evidence", "--key", "../../outside/escape.txt", out]);
    expect(readFileSync(out, "utf8")).toBe("traversal-key body");
    expect((await ok(["s3", "ls", "s3://basic-evidence", "--recursive"])).stdout).toContain("../../outside/escape.txt");
    await ok(["s3", "rm", "s3://basic-evidence/../../outside/escape.txt"]);
    expect((await ok(["s3", "ls", "s3://basic-evidence", "--recursive"])).stdout).not.toContain("escape.txt");
  });
});
