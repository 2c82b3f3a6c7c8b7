/**
 * Issue #12, findings 3–5: a signed request is refused as AWS refuses it when its time is off, its presigned URL has
 * expired, its body is not the one signed, its credential scope names no region, or its session token does not
 * belong (a token on a long-term key, a token added after signing). Each reproduction from the report, now refused
 * in its protocol's shape; and nothing it asked for happened.
 */
import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { type RawRequest, signedFetch } from "../helpers/signed-fetch.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

type Probe = RawRequest & { credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };

async function send(p: Probe): Promise<{ status: number; text: string }> {
  return signedFetch(server.url, p.credentials ?? server.credentials, p);
}

const sts = (extra: Partial<Probe> = {}): Probe => ({
  service: "sts",
  body: "Action=GetCallerIdentity&Version=2011-06-15",
  headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  ...extra,
});
const minutes = (n: number) => new Date(Date.now() + n * 60_000);
const EVIDENCE = "basic-evidence";

async function groupNames(): Promise<string[]> {
  const out = await new EC2Client(server.sdk()).send(new DescribeSecurityGroupsCommand({}));
  return (out.SecurityGroups ?? []).map((g) => g.GroupName ?? "");
}

describe("signing time (finding 3)", () => {
  it("accepts a header signature within 15 minutes either way", async () => {
    expect((await send(sts({ signingDate: minutes(-14) }))).status).toBe(200);
    expect((await send(sts({ signingDate: minutes(14) }))).status).toBe(200);
  });

  it("refuses X-Amz-Date 16 minutes, a day or years off, in each protocol's words", async () => {
    for (const when of [minutes(-16), minutes(-24 * 60), new Date("2019-10-29T15:46:23Z")]) {
      const r = await send(sts({ signingDate: when }));
      expect(r.status).toBe(403);
      expect(r.text).toContain("<Code>SignatureDoesNotMatch</Code>");
      expect(r.text).toMatch(/Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)/);
    }
    const future = await send(sts({ signingDate: minutes(60) }));
    expect(future.text).toMatch(/Signature not yet current: .* is still later than .* \+ 15 min\.\)/);
    const s3 = await send({ service: "s3", method: "GET", path: `/${EVIDENCE}`, query: { "list-type": "2" }, signingDate: minutes(-16) });
    expect([s3.status, /<Code>RequestTimeTooSkewed<\/Code>/.test(s3.text), /<MaxAllowedSkewMilliseconds>900000</.test(s3.text)]).toEqual([403, true, true]);
    const ec2 = await send({
      service: "ec2",
      region: "ap-northeast-1",
      body: "Action=DescribeRegions&Version=2016-11-15",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      signingDate: minutes(-16),
    });
    expect([ec2.status, /<Code>RequestExpired<\/Code>/.test(ec2.text)]).toEqual([400, true]);
    const json = await send({
      service: "cloudtrail",
      region: "ap-northeast-1",
      body: "{}",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.DescribeTrails" },
      signingDate: minutes(-16),
    });
    expect([json.status, JSON.parse(json.text).__type]).toEqual([403, "InvalidSignatureException"]);
  });

  it("refuses a presigned URL past X-Amz-Expires, and serves it before", async () => {
    // As @aws-sdk/s3-request-presigner prepares it: no payload signed.
    const get = { service: "s3", method: "GET", path: `/${EVIDENCE}/notes/readme.txt`, headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } };
    expect((await send({ ...get, presignExpiresIn: 60 })).status).toBe(200);
    const late = await send({ ...get, presignExpiresIn: 60, signingDate: minutes(-2) });
    expect([late.status, /<Code>AccessDenied<\/Code>/.test(late.text), /Request has expired/.test(late.text)]).toEqual([403, true, true]);
  });

  it("refuses a SigV2 URL past Expires", async () => {
    const { createHmac } = await import("node:crypto");
    const url = new URL(server.url);
    const path = `/${EVIDENCE}/notes/readme.txt`;
    const at = (expires: number) => {
      const signature = createHmac("sha1", server.credentials.secretAccessKey).update(`GET\n\n\n${expires}\n${path}`).digest("base64");
      const qs = new URLSearchParams({ AWSAccessKeyId: server.credentials.accessKeyId, Expires: String(expires), Signature: signature });
      return fetch(`http://${url.host}${path}?${qs}`);
    };
    expect((await at(Math.floor(Date.now() / 1000) + 300)).status).toBe(200);
    const late = await at(Math.floor(Date.now() / 1000) - 60);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain("Request has expired");
  });
});

describe("payload hash (finding 4)", () => {
  it("refuses an S3 PUT signed for one body and sent with another, and stores nothing", async () => {
    const r = await send({
      service: "s3",
      method: "PUT",
      path: `/${EVIDENCE}/swapped.txt`,
      body: "what was signed",
      sent: "what was sent!!",
      headers: { "x-amz-content-sha256": (await import("node:crypto")).createHash("sha256").update("what was signed").digest("hex") },
    });
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect(objectsOf(server.emulator.runtime).head(server.accountId, EVIDENCE, "swapped.txt")).toBeUndefined();
  });

  it("refuses an EC2 request signed with the empty-body hash and sent with a CreateSecurityGroup body", async () => {
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const r = await send({
      service: "ec2",
      region: "ap-northeast-1",
      body: "",
      sent: "Action=CreateSecurityGroup&Version=2016-11-15&GroupName=smuggled&GroupDescription=x&VpcId=vpc-0a1b2c3d4e5f60001",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", "x-amz-content-sha256": empty },
    });
    expect(r.status).toBe(403);
    expect(r.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(await groupNames()).not.toContain("smuggled");
  });

  it("still takes S3's UNSIGNED-PAYLOAD", async () => {
    const r = await send({
      service: "s3",
      method: "PUT",
      path: `/${EVIDENCE}/unsigned.txt`,
      body: "unsigned body",
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    });
    expect(r.status).toBe(200);
  });
});

describe("credential scope and session tokens (finding 5)", () => {
  it("refuses a scope naming a region AWS does not have", async () => {
    const r = await send(sts({ region: "xx-fake-1" }));
    expect(r.status).toBe(403);
    expect(r.text).toContain("Credential should be scoped to a valid region");
    const s3 = await send({ service: "s3", region: "xx-fake-1", method: "GET", path: `/${EVIDENCE}` });
    expect([s3.status, /AuthorizationHeaderMalformed/.test(s3.text)]).toEqual([400, true]);
  });

  it("refuses an AKIA key sent with a session token", async () => {
    const r = await send(sts({ credentials: { ...server.credentials, sessionToken: "bogus-token" } }));
    expect(r.status).toBe(403);
    expect(r.text).toContain("<Code>InvalidClientTokenId</Code>");
  });

  it("refuses a session token that is not among the signed headers, and accepts the same one signed", async () => {
    const session = await new STSClient(server.sdk()).send(new GetSessionTokenCommand({}));
    const c = session.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error("no session");
    const signedOk = await send(sts({ credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } }));
    expect(signedOk.status).toBe(200);
    const late = await send(
      sts({ credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey }, afterSigning: { "x-amz-security-token": c.SessionToken } }),
    );
    expect(late.status).toBe(403);
    expect(late.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    // The SDK signs its token: sessions work as before.
    const me = await new STSClient({
      ...server.sdk(),
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
    }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBeDefined();
  });
});

describe("per-chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
  /** A PUT signed as S3 documents chunked uploads: the seed signature over the headers, then each chunk's chained. */
  async function chunkedPut(key: string, chunks: string[], tamper?: (framed: string[]) => void) {
    const { createHash, createHmac } = await import("node:crypto");
    const { HttpRequest } = await import("@smithy/protocol-http");
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Sha256 } = await import("@smithy/core/checksum");
    const url = new URL(server.url);
    const region = "ap-northeast-1";
    const decoded = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
    const signer = new SignatureV4({ credentials: server.credentials, region, service: "s3", sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign(
      new HttpRequest({
        method: "PUT",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: `/${EVIDENCE}/${key}`,
        headers: {
          host: url.host,
          "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
          "content-encoding": "aws-chunked",
          "x-amz-decoded-content-length": String(decoded),
        },
      }),
    );
    const date = signed.headers["x-amz-date"];
    const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)?.[1] ?? "";
    const hmac = (k: Buffer | string, d: string) => createHmac("sha256", k).update(d).digest();
    let kSigning = hmac(`AWS4${server.credentials.secretAccessKey}`, date.slice(0, 8));
    for (const part of [region, "s3", "aws4_request"]) kSigning = hmac(kSigning, part);
    const sha = (d: string) => createHash("sha256").update(d).digest("hex");
    let previous = seed;
    const framed: string[] = [];
    for (const data of [...chunks, ""]) {
      const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", date, `${date.slice(0, 8)}/${region}/s3/aws4_request`, previous, sha(""), sha(data)].join("\n");
      previous = createHmac("sha256", kSigning).update(toSign).digest("hex");
      framed.push(`${Buffer.byteLength(data).toString(16)};chunk-signature=${previous}\r\n${data}\r\n`);
    }
    tamper?.(framed);
    const body = framed.join("");
    const res = await fetch(`${server.url}/${EVIDENCE}/${key}`, {
      method: "PUT",
      headers: { ...signed.headers, "content-length": String(Buffer.byteLength(body)) },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  it("stores an upload whose chunks carry their chained signatures", async () => {
    const put = await chunkedPut("chunked/good.txt", ["hello ", "chunked ", "world"]);
    expect(put.status).toBe(200);
    expect(objectsOf(server.emulator.runtime).read(server.accountId, EVIDENCE, "chunked/good.txt")?.toString()).toBe("hello chunked world");
  });

  it("refuses a chunk changed after signing, chunks out of order, and a body without its final chunk", async () => {
    const changed = await chunkedPut("chunked/changed.txt", ["hello ", "chunked ", "world"], (f) => {
      f[1] = f[1].replace("chunked ", "CHUNKED ");
    });
    const swapped = await chunkedPut("chunked/swapped.txt", ["first!", "second"], (f) => {
      [f[0], f[1]] = [f[1], f[0]];
    });
    const cut = await chunkedPut("chunked/cut.txt", ["hello ", "world"], (f) => {
      f.pop();
    });
    for (const r of [changed, swapped, cut]) {
      expect(r.status).toBe(403);
      expect(r.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    }
    for (const key of ["chunked/changed.txt", "chunked/swapped.txt", "chunked/cut.txt"]) {
      expect(objectsOf(server.emulator.runtime).head(server.accountId, EVIDENCE, key)).toBeUndefined();
    }
  });
});
