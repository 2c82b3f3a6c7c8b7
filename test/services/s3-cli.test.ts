/**
 * S3 through the real aws CLI: the high-level s3 commands a responder uses (cp, sync, ls, rm, mb, rb) and s3api
 * output and error text. Setup and checks that are pure API go through SDK v3 in-process (s3*.test.ts cover the
 * API's breadth): every CLI run is a Python start-up, ~0.7 s.
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { failure, listKeys, readText } from "../helpers/s3.ts";

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  s3 = new S3Client(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

async function ok(args: string[]) {
  const r = await aws(server, args);
  expect(r.status, `aws ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r;
}

/** Local files dated well before the emulator's clock, so `s3 sync` decides by content, never by when the test ran. */
function writeOld(path: string, body: string | Buffer): void {
  writeFileSync(path, body);
  const past = new Date("2025-01-01T00:00:00Z");
  utimesSync(path, past, past);
}

describe.skipIf(!hasAwsCli)("aws s3 and s3api", () => {
  it("mb, ls, cp to S3 with --metadata and back (to stdout and to a file), rb --force", async () => {
    const dir = join(server.stateDir, "cli-single");
    mkdirSync(dir, { recursive: true });
    writeOld(join(dir, "summary.txt"), "incident summary\n");

    expect((await ok(["s3", "mb", "s3://cli-case-files"])).stdout).toContain("make_bucket: cli-case-files");
    expect((await ok(["s3", "ls"])).stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cli-case-files/);
    await ok(["s3", "cp", join(dir, "summary.txt"), "s3://cli-case-files/single/summary.txt", "--metadata", "case=ir-7"]);
    // The CLI guessed the content type from the file name and sent --metadata as x-amz-meta-*.
    const head = (await ok(["s3api", "head-object", "--bucket", "cli-case-files", "--key", "single/summary.txt"])).json();
    expect(head).toMatchObject({ ContentLength: 17, ContentType: "text/plain", Metadata: { case: "ir-7" }, ServerSideEncryption: "AES256" });
    expect((await ok(["s3", "cp", "s3://cli-case-files/single/summary.txt", "-"])).stdout).toBe("incident summary\n");
    // One object to a file, from the recording.
    await ok(["s3", "cp", "s3://basic-evidence/notes/readme.txt", join(dir, "readme.txt")]);
    expect(readFileSync(join(dir, "readme.txt"), "utf8")).toBe(await readText(s3, "basic-evidence", "notes/readme.txt"));

    const removed = (await ok(["s3", "rb", "s3://cli-case-files", "--force"])).stdout;
    expect(removed).toContain("delete: s3://cli-case-files/single/summary.txt");
    expect(removed).toContain("remove_bucket: cli-case-files");
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: "cli-case-files" })))).name).toBe("NotFound");
  });

  it("sync both ways (multipart for a large file), a second sync with nothing to do, cp within S3, rm --recursive", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "cli-sync", CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } }));
    const up = join(server.stateDir, "cli-up");
    const down = join(server.stateDir, "cli-down");
    mkdirSync(join(up, "logs"), { recursive: true });
    writeOld(join(up, "summary.txt"), "incident summary\n");
    writeOld(join(up, "logs", "access log+1.txt"), "GET /admin 200\n");
    // Over the CLI's 8 MB threshold: uploaded and downloaded in parts.
    const big = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    writeOld(join(up, "disk.img"), big);

    const synced = await ok(["s3", "sync", up, "s3://cli-sync/evidence"]);
    expect(synced.stdout.match(/^upload: /gm)).toHaveLength(3);
    const listing = (await ok(["s3", "ls", "s3://cli-sync/evidence/"])).stdout;
    expect(listing).toContain("PRE logs/");
    expect(listing).toMatch(/\s9437184 disk\.img/);
    expect(await listKeys(s3, "cli-sync", "evidence/")).toEqual(["evidence/disk.img", "evidence/logs/access log+1.txt", "evidence/summary.txt"]);
    const bigHead = await s3.send(new HeadObjectCommand({ Bucket: "cli-sync", Key: "evidence/disk.img" }));
    expect(bigHead.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    // A second sync finds nothing to do.
    expect((await ok(["s3", "sync", up, "s3://cli-sync/evidence"])).stdout.trim()).toBe("");

    // A large object copied within S3 goes part by part with UploadPartCopy.
    await ok(["s3", "cp", "s3://cli-sync/evidence/disk.img", "s3://cli-sync/copies/disk.img"]);
    expect(await s3.send(new HeadObjectCommand({ Bucket: "cli-sync", Key: "copies/disk.img" }))).toMatchObject({
      ContentLength: big.length,
      ETag: bigHead.ETag,
    });

    await ok(["s3", "sync", "s3://cli-sync/evidence", down]);
    expect(readFileSync(join(down, "summary.txt"), "utf8")).toBe("incident summary\n");
    expect(readFileSync(join(down, "logs", "access log+1.txt"), "utf8")).toBe("GET /admin 200\n");
    expect(readFileSync(join(down, "disk.img")).equals(big)).toBe(true);

    const removed = (await ok(["s3", "rm", "s3://cli-sync", "--recursive"])).stdout;
    expect(removed.match(/^delete: /gm)).toHaveLength(4);
    expect(await listKeys(s3, "cli-sync")).toEqual([]);
  });

  it("s3api get-object --range writes the bytes and reports Content-Range", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "cli-range/alphabet.txt", Body: "abcdefghijklmnopqrstuvwxyz" }));
    const out = join(server.stateDir, "range.out");
    const r = (await ok(["s3api", "get-object", "--bucket", "basic-evidence", "--key", "cli-range/alphabet.txt", "--range", "bytes=3-6", out])).json();
    expect(r).toMatchObject({ ContentLength: 4, ContentRange: "bytes 3-6/26" });
    expect(readFileSync(out, "utf8")).toBe("defg");
    const bad = await aws(server, ["s3api", "get-object", "--bucket", "basic-evidence", "--key", "cli-range/alphabet.txt", "--range", "bytes=30-40", out]);
    expect(bad.status).toBe(255);
    expect(bad.stderr).toContain("An error occurred (InvalidRange) when calling the GetObject operation: The requested range is not satisfiable");
  });

  it("a missing bucket policy and a us-east-1 bucket's location as the CLI prints them", async () => {
    const noPolicy = await aws(server, ["s3api", "get-bucket-policy", "--bucket", "basic-evidence"]);
    expect(noPolicy.status).toBe(255);
    expect(noPolicy.stderr.trim()).toBe("An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy operation: The bucket policy does not exist");
    await new S3Client(server.sdk("us-east-1")).send(new CreateBucketCommand({ Bucket: "cli-virginia" }));
    // us-east-1 answers an empty LocationConstraint, which the CLI prints as null.
    expect((await ok(["s3api", "get-bucket-location", "--bucket", "cli-virginia"])).json()).toEqual({ LocationConstraint: null });
  });

  it("a deleted object in a versioned bucket is found with list-object-versions and read back by version id", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "cli-versioned", CreateBucketConfiguration: { LocationConstraint: "ap-northeast-1" } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: "cli-versioned", VersioningConfiguration: { Status: "Enabled" } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: "cli-versioned", Key: "db/dump.sql", Body: "original evidence" }));
    // The attacker's delete.
    await s3.send(new DeleteObjectCommand({ Bucket: "cli-versioned", Key: "db/dump.sql" }));

    expect(await listKeys(s3, "cli-versioned")).toEqual([]);
    const versions = (await ok(["s3api", "list-object-versions", "--bucket", "cli-versioned"])).json();
    expect(versions.Versions).toEqual([expect.objectContaining({ Key: "db/dump.sql", VersionId: put.VersionId, IsLatest: false, Size: 17 })]);
    expect(versions.DeleteMarkers).toEqual([expect.objectContaining({ Key: "db/dump.sql", IsLatest: true })]);
    const out = join(server.stateDir, "recovered.sql");
    await ok(["s3api", "get-object", "--bucket", "cli-versioned", "--key", "db/dump.sql", "--version-id", versions.Versions[0].VersionId, out]);
    expect(readFileSync(out, "utf8")).toBe("original evidence");
  });

  it("keys with traversal sequences are plain keys to the CLI too", async () => {
    const key = "../../outside/escape.txt";
    const src = join(server.stateDir, "t.txt");
    writeFileSync(src, "traversal-key body");
    await ok(["s3api", "put-object", "--bucket", "basic-evidence", "--key", key, "--body", src]);
    expect(await listKeys(s3, "basic-evidence", "../")).toEqual([key]);
    expect(await readText(s3, "basic-evidence", key)).toBe("traversal-key body");
    await ok(["s3", "rm", `s3://basic-evidence/${key}`]);
    expect(await listKeys(s3, "basic-evidence", "../")).toEqual([]);
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "basic-evidence", Key: key })))).name).toBe("NotFound");
  });
});
