/**
 * Unsigned requests (curl, a browser's address bar, `aws --no-sign-request`) are refused in the shape of the service
 * their method and path name (issue #12, finding 6): S3's <Error> AccessDenied for a bucket or object path, restJson's
 * MissingAuthenticationTokenException (x-amzn-ErrorType) for a GuardDuty or Security Hub route, and nothing is done.
 */
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { type RawResponse, rawHttp } from "../helpers/raw-http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

type Raw = RawResponse;

/** What curl sends: no signature, no Origin, the Host of the endpoint. */
const curl = (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> =>
  rawHttp(server.port, method, path, { "user-agent": "curl/8.5.0", accept: "*/*", ...headers }, body);

function expectS3AccessDenied(r: Raw, what: string): void {
  expect(r.status, what).toBe(403);
  expect(r.headers["content-type"], what).toBe("application/xml");
  expect(r.body, what).toMatch(/^<\?xml[^>]*>\s*<Error><Code>AccessDenied<\/Code>/);
  expect(r.body, what).not.toContain("ErrorResponse");
}

function expectRestJsonMissingToken(r: Raw, what: string): void {
  expect(r.status, what).toBe(403);
  expect(r.headers["x-amzn-errortype"], what).toBe("MissingAuthenticationTokenException");
  expect(r.headers["content-type"], what).toBe("application/json");
  expect(JSON.parse(r.body), what).toMatchObject({ __type: "MissingAuthenticationTokenException" });
}

describe("unsigned requests get their service's refusal", () => {
  it("the finding's two requests, even as the very first requests the server sees (schemas still loading)", async () => {
    const [list, detectors] = await Promise.all([curl("GET", "/basic-evidence?list-type=2"), curl("GET", "/detector")]);
    expectS3AccessDenied(list, "GET /basic-evidence?list-type=2");
    expect(list.body).not.toContain("notes/readme.txt");
    expectRestJsonMissingToken(detectors, "GET /detector");
    expect(detectors.body).not.toContain("12abc34d567e8fa901bc2d34e56789f0");
  });

  it("S3 path-style: objects, buckets and the account, for every method; nothing is read or written", async () => {
    const journal = server.emulator.runtime.journal.length;
    const get = await curl("GET", "/basic-evidence/notes/readme.txt");
    expectS3AccessDenied(get, "GET object");
    expect(get.body).not.toContain("readme");
    expectS3AccessDenied(await curl("GET", "/"), "GET / (ListBuckets)");
    expectS3AccessDenied(await curl("GET", "/basic-evidence?policy"), "GET ?policy");
    expectS3AccessDenied(await curl("PUT", "/basic-evidence/unsigned.txt", { "content-type": "text/plain" }, "dropped in"), "PUT object");
    expectS3AccessDenied(await curl("DELETE", "/basic-evidence/notes/readme.txt"), "DELETE object");
    expectS3AccessDenied(await curl("GET", "/no-such-bucket/x"), "GET unknown bucket");
    const head = await curl("HEAD", "/basic-evidence/notes/readme.txt");
    expect(head.status).toBe(403);
    expect(head.body).toBe("");
    const s3 = new S3Client(server.sdk());
    await expect(s3.send(new HeadObjectCommand({ Bucket: "basic-evidence", Key: "unsigned.txt" }))).rejects.toMatchObject({ name: "NotFound" });
    expect((await s3.send(new HeadObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }))).ContentLength).toBeGreaterThan(0);
    // The unsigned calls were no calls of anyone's: nothing journaled but the two HeadObjects just made.
    expect(server.emulator.runtime.journal.length).toBe(journal + 2);
  });

  it("restJson: GuardDuty and Security Hub routes, before S3 could take the path as a bucket", async () => {
    const json = { "content-type": "application/json" };
    expectRestJsonMissingToken(await curl("POST", "/detector/12abc34d567e8fa901bc2d34e56789f0/findings", json, "{}"), "GuardDuty ListFindings");
    expectRestJsonMissingToken(await curl("GET", "/detector/12abc34d567e8fa901bc2d34e56789f0"), "GuardDuty GetDetector");
    expectRestJsonMissingToken(await curl("POST", "/findings", json, "{}"), "Security Hub GetFindings");
    expectRestJsonMissingToken(await curl("GET", "/accounts"), "Security Hub DescribeHub");
  });

  it("query protocols keep their own shapes, and a request that names nothing stays the generic 400", async () => {
    const ec2 = await curl("GET", "/?Action=DescribeInstances&Version=2016-11-15");
    expect(ec2.status).toBe(403);
    expect(ec2.body).toMatch(/<Response><Errors><Error><Code>/);
    const iam = await curl("POST", "/", { "content-type": "application/x-www-form-urlencoded" }, "Action=ListUsers&Version=2010-05-08");
    expect(iam.status).toBe(403);
    expect(iam.body).toContain("<ErrorResponse");
    // A POST that no S3 or restJson operation has, with no target, host or Action: no service is named.
    const nothing = await curl("POST", "/whatever", { "content-type": "text/plain" }, "x=1");
    expect(nothing.status).toBe(400);
    expect(nothing.body).toContain("<Code>InvalidAction</Code>");
  });

  it.skipIf(!hasAwsCli)("aws --no-sign-request shows the service's own error", async () => {
    const s3 = await aws(server, ["s3api", "list-objects-v2", "--bucket", "basic-evidence", "--no-sign-request"]);
    expect(s3.status).not.toBe(0);
    expect(s3.stderr).toContain("(AccessDenied)");
    const gd = await aws(server, ["guardduty", "list-detectors", "--no-sign-request"]);
    expect(gd.status).not.toBe(0);
    expect(gd.stderr).toContain("(MissingAuthenticationTokenException)");
    // Signed, the same calls work.
    expect((await aws(server, ["guardduty", "list-detectors"])).json().DetectorIds).toEqual(["12abc34d567e8fa901bc2d34e56789f0"]);
  });
});
