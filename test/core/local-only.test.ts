/**
 * Local-only by construction (issue #12, finding 2; docs/security.md): no web page can drive the range. Each
 * reproduction of the finding is refused before routing and changes nothing; the range's own CLI, the aws CLI and the
 * SDK work as before.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostAllowed } from "../../emulator/server/host-guard.ts";
import { BIN } from "../helpers/cli-process.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { type RawResponse, rawHttp } from "../helpers/raw-http.ts";

const run = promisify(execFile);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

type Raw = RawResponse;

/** A request sent byte for byte (Host, Origin and Sec-Fetch-* as a browser or an attacker sets them). */
const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> =>
  rawHttp(server.port, method, path, { host: `127.0.0.1:${server.port}`, ...headers }, body);

const bearer = () => ({ authorization: `Bearer ${server.adminToken}` });
const journalLength = () => server.emulator.runtime.journal.length;
const corsHeaders = (r: Raw) => Object.keys(r.headers).filter((h) => h.startsWith("access-control-"));

/** A query-signed GET URL (path and query) for a query-protocol action, as a page could embed with the public key. */
async function presigned(service: string, region: string, params: Record<string, string>): Promise<string> {
  const signer = new SignatureV4({ service, region, credentials: server.credentials, sha256: Sha256 });
  const signed = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: server.port,
      path: "/",
      query: params,
      headers: { host: `127.0.0.1:${server.port}` },
    }),
    { expiresIn: 300 },
  );
  return `/?${new URLSearchParams(signed.query as Record<string, string>).toString()}`;
}

/** A change of the student's that a reset would undo: an object in the evidence bucket, and its journal line. */
async function studentWork(key: string): Promise<S3Client> {
  const s3 = new S3Client(server.sdk());
  await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: key, Body: "my notes" }));
  return s3;
}

async function stillThere(s3: S3Client, key: string): Promise<string | undefined> {
  return (await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: key }))).Body?.transformToString();
}

describe("the finding's reproductions are refused and change nothing", () => {
  it("a cross-origin POST /_ir-range/reset (an HTML form's) does not reset the student's work", async () => {
    const s3 = await studentWork("work-1.txt");
    const before = journalLength();
    const exact = await raw(
      "POST",
      "/_ir-range/reset",
      { origin: "http://evil.example", host: "evil.example", "content-type": "text/plain", "content-length": "1" },
      "x",
    );
    expect(exact.status).toBe(403);
    expect(exact.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(exact.body).toContain('the Host "evil.example" does not name this range');
    // The same form aimed at the right Host, with and without Origin, with every body type a form can send.
    const forms: Record<string, string>[] = [
      { origin: "http://evil.example", "content-type": "text/plain" },
      { origin: "null", "content-type": "application/x-www-form-urlencoded" },
      { "sec-fetch-site": "cross-site", "content-type": "multipart/form-data; boundary=x" },
      { "sec-fetch-site": "same-site", "content-type": "text/plain" },
    ];
    for (const h of forms) {
      const r = await raw("POST", "/_ir-range/reset", { ...h, "content-length": "1" }, "x");
      expect(r.status, JSON.stringify(h)).toBe(403);
      // Even a page that somehow had the token is refused for its origin.
      expect((await raw("POST", "/_ir-range/reset", { ...h, ...bearer(), "content-length": "1" }, "x")).status, JSON.stringify(h)).toBe(403);
    }
    // Same origin but without the token (a page served on this port cannot read the state directory).
    expect((await raw("POST", "/_ir-range/reset")).status).toBe(401);
    expect((await raw("POST", "/_ir-range/reset", { authorization: "Bearer not-the-token" })).status).toBe(401);
    // With the token, a form or text body is still refused: only JSON or no body.
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await raw("POST", "/_ir-range/reset", { ...bearer(), "content-type": type, "content-length": "1" }, "x");
      expect(r.status, type).toBe(415);
    }
    expect((await raw("POST", "/_ir-range/reset", { ...bearer(), "content-length": "1" }, "x")).status).toBe(415);
    expect(await stillThere(s3, "work-1.txt")).toBe("my notes");
    expect(journalLength()).toBeGreaterThanOrEqual(before);
  });

  it("a web page cannot make the attacker's moves (POST /_ir-range/attacker) nor read their replay", async () => {
    const before = journalLength();
    const pages: Record<string, string>[] = [{ origin: "http://evil.example", "content-type": "text/plain" }, { "sec-fetch-site": "cross-site" }];
    for (const h of pages) {
      expect((await raw("POST", "/_ir-range/attacker", { ...h, "content-length": "1" }, "x")).status, JSON.stringify(h)).toBe(403);
      expect((await raw("POST", "/_ir-range/attacker", { ...h, ...bearer(), "content-length": "1" }, "x")).status, JSON.stringify(h)).toBe(403);
    }
    expect((await raw("POST", "/_ir-range/attacker")).status).toBe(401);
    expect((await raw("GET", "/_ir-range/attacker")).status).toBe(401);
    // Nothing was replayed on the range: no call of the exposed key in the journal.
    expect(journalLength()).toBe(before);
    const replay = await raw("GET", "/_ir-range/attacker", bearer());
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body).attempts.map((a: { id: string }) => a.id)).toEqual(["list-buckets", "start-web"]);
    expect(journalLength()).toBe(before);
  });

  it("GET /_ir-range/snapshot under a rebound Host, or without the token, returns no secret", async () => {
    // Every IAM user's key is in the state document with its SecretAccessKey (dev-alice's, in this scenario).
    const secret = "SecretAccessKey";
    for (const [headers, status] of [
      [{ host: "evil.example" }, 403],
      [{ host: `evil.example:${server.port}` }, 403],
      [{ host: "127.0.0.1.nip.io" }, 403],
      [{ host: "localhost.evil.example" }, 403],
      [{ host: "evil.example", ...bearer() }, 403],
      [{}, 401],
      [{ origin: "http://evil.example", ...bearer() }, 403],
    ] as const) {
      const r = await raw("GET", "/_ir-range/snapshot", headers);
      expect(r.status, JSON.stringify(headers)).toBe(status);
      expect(r.body.includes(secret)).toBe(false);
      expect(corsHeaders(r)).toEqual([]);
    }
    for (const path of ["/_ir-range/journal", "/_ir-range/JOURNAL"]) {
      expect((await raw("GET", path)).status).toBe(401);
      expect((await raw("GET", path, { host: "evil.example", ...bearer() })).status).toBe(403);
      expect((await raw("GET", path, bearer())).status).toBe(200);
    }
    // The project's own way in: the token from the state directory.
    const ok = await raw("GET", "/_ir-range/snapshot", bearer());
    expect(ok.status).toBe(200);
    expect(ok.body.includes(secret)).toBe(true);
  });

  it("query-signed AWS calls with the public responder key are refused from a foreign origin, a foreign site or a rebound Host", async () => {
    const before = journalLength();
    const createGroup = await presigned("ec2", "ap-northeast-1", {
      Action: "CreateSecurityGroup",
      Version: "2016-11-15",
      GroupName: "from-a-web-page",
      GroupDescription: "x",
      VpcId: "vpc-0a1b2c3d4e5f60001",
    });
    const createKey = await presigned("iam", "us-east-1", { Action: "CreateAccessKey", Version: "2010-05-08", UserName: "dev-alice" });
    for (const path of [createGroup, createKey]) {
      const foreign: Record<string, string>[] = [
        { origin: "http://evil.example" },
        { origin: "null" },
        { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
        { "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate" },
        { host: "evil.example" },
      ];
      for (const headers of foreign) {
        const r = await raw("GET", path, headers);
        expect(r.status, JSON.stringify(headers)).toBe(403);
        expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
        expect(r.body).not.toContain("SecretAccessKey");
        expect(corsHeaders(r)).toEqual([]);
      }
    }
    // Nothing reached a service: no journal line, no group, no key.
    expect(journalLength()).toBe(before);
    // The very same URLs, sent as the CLI sends (no Origin), are served: the guard alone refused them above.
    const group = await raw("GET", createGroup);
    expect(group.status).toBe(200);
    expect(group.body).toContain("<groupId>sg-");
  });

  it("answers no CORS preflight, on any route", async () => {
    for (const path of ["/_ir-range/reset", "/_ir-range/snapshot", "/_ir-range/health", "/", "/basic-evidence/notes/readme.txt"]) {
      const pre = await raw("OPTIONS", path, {
        origin: "http://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      });
      expect(pre.status, path).toBe(403);
      expect(corsHeaders(pre), path).toEqual([]);
    }
    const own = await raw("OPTIONS", "/_ir-range/reset");
    expect(own.status).toBe(405);
    expect(corsHeaders(own)).toEqual([]);
  });
});

describe("what stays open", () => {
  it("every name of this range is accepted, with or without its port", async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      "127.0.0.1",
      `localhost:${server.port}`,
      "localhost",
      "LOCALHOST",
      `[::1]:${server.port}`,
      `basic-evidence.localhost:${server.port}`,
      "basic-evidence.s3.ap-northeast-1.amazonaws.com",
      "ec2.us-east-1.amazonaws.com",
    ]) {
      const r = await raw("GET", "/_ir-range/health", { host });
      expect(r.status, host).toBe(200);
    }
    for (const host of ["evil.example", "127.0.0.1@evil.example", "evil.example@127.0.0.1", "amazonaws.com.evil.example", "192.168.1.7"]) {
      expect((await raw("GET", "/_ir-range/health", { host })).status, host).toBe(403);
    }
    // No Host at all (HTTP/1.0; node:http itself refuses an HTTP/1.1 request without one) and an empty one.
    for (const head of ["GET /_ir-range/health HTTP/1.0\r\n\r\n", "GET /_ir-range/health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n"]) {
      const answer = await new Promise<string>((resolve, reject) => {
        let text = "";
        const socket = connect(server.port, "127.0.0.1", () => socket.end(head));
        socket.on("data", (d) => {
          text += d;
        });
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
      expect(answer, head).toMatch(/^HTTP\/1\.1 (403|400) /);
      expect(answer).not.toContain('"status":"ok"');
    }
  });

  it("health and briefing need no token; a same-origin page and typed-in URLs are served", async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const local: Record<string, string>[] = [{}, { origin }, { "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none", "sec-fetch-mode": "navigate" }];
    for (const headers of local) {
      expect((await raw("GET", "/_ir-range/health", headers)).status, JSON.stringify(headers)).toBe(200);
      expect((await raw("GET", "/_ir-range/briefing", headers)).status, JSON.stringify(headers)).toBe(200);
    }
    const health = JSON.parse((await raw("GET", "/_ir-range/health")).body) as Record<string, unknown>;
    expect(health.stateDir).toBe(server.stateDir);
    expect(JSON.stringify(health)).not.toContain(server.credentials.secretAccessKey);
    expect(JSON.stringify(health)).not.toContain(server.adminToken);
  });

  it("the bound address decides which other names are this range", () => {
    expect(hostAllowed("192.168.1.7:4566", "0.0.0.0")).toBe(true);
    expect(hostAllowed("[fe80::1]:4566", "::")).toBe(true);
    expect(hostAllowed("evil.example:4566", "0.0.0.0")).toBe(false);
    expect(hostAllowed("192.168.1.7:4566", "127.0.0.1")).toBe(false);
    expect(hostAllowed("192.168.1.7", "192.168.1.7")).toBe(true);
    expect(hostAllowed("range.lab:4566", "range.lab")).toBe(true);
    expect(hostAllowed("[::1]:4566", "::1")).toBe(true);
    expect(hostAllowed("127.0.0.2", "127.0.0.1")).toBe(true);
    expect(hostAllowed(undefined, "127.0.0.1")).toBe(false);
  });
});

describe("the admin token", () => {
  it("lives in the state directory, mode 0600, and survives a reset and a restart", async () => {
    const file = join(server.stateDir, "admin-token");
    expect(readFileSync(file, "utf8").trim()).toBe(server.adminToken);
    if (process.platform !== "win32") expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await raw("POST", "/_ir-range/reset", bearer())).status).toBe(200);
    expect(readFileSync(file, "utf8").trim()).toBe(server.adminToken);
    // A second server on its own directory has its own token; the first directory's token survives its restart.
    const other = await startTestServer({ scenario: "basic" });
    try {
      expect(other.adminToken).not.toBe(server.adminToken);
      const stateDir = other.stateDir;
      const token = other.adminToken;
      await other.stop(false);
      const again = await startTestServer({ scenario: "basic", stateDir });
      expect(again.adminToken).toBe(token);
      await again.stop();
    } finally {
      await other.stop().catch(() => {});
    }
  });

  it("ir-range reset and ir-range grade read it and work against the running server", async () => {
    const s3 = await studentWork("work-2.txt");
    const grade = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--json"]).catch(
      (e) => e as { code: number; stdout: string; stderr: string },
    );
    expect(grade.stdout, (grade as { stderr?: string }).stderr).not.toBe("");
    expect(JSON.parse(grade.stdout)).toMatchObject({ scenario: "basic" });
    const withDir = await run(process.execPath, [BIN, "grade", "--endpoint", server.url, "--state-dir", server.stateDir, "--json"]).catch(
      (e) => e as { code: number; stdout: string },
    );
    expect(JSON.parse(withDir.stdout)).toMatchObject({ scenario: "basic" });
    // The lock names this server's endpoint: reset goes through it, with the token.
    const { stdout } = await run(process.execPath, [BIN, "reset", "--scenario", "basic", "--state-dir", server.stateDir]);
    expect(stdout).toContain("on the running server");
    await expect(stillThere(s3, "work-2.txt")).rejects.toMatchObject({ name: "NoSuchKey" });
  });
});

describe.skipIf(!hasAwsCli)("the real aws CLI", () => {
  it("still works, at 127.0.0.1 and at localhost", async () => {
    const id = await aws(server, ["sts", "get-caller-identity", "--query", "Account", "--output", "text"]);
    expect(id.stdout.trim()).toBe(server.accountId);
    const ls = await aws(server, ["s3", "ls", "s3://basic-evidence/notes/"], { AWS_ENDPOINT_URL: `http://localhost:${server.port}` });
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toContain("readme.txt");
  });
});
