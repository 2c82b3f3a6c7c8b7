/** Hostile and malformed input gets the AWS-shaped error of its protocol, and the server stays up. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { HOSTILE_BODIES, HOSTILE_TARGETS } from "../helpers/hostile.ts";
import { signedFetch } from "../helpers/signed-fetch.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
const json11 = (target: string) => ({ "content-type": "application/x-amz-json-1.1", "x-amz-target": target });

describe("bad input", () => {
  it("ec2Query: wrong type and missing member name the member", async () => {
    const wrong = await signedFetch(server.url, server.credentials, {
      service: "ec2",
      region: "ap-northeast-1",
      headers: form,
      body: "Action=DescribeInstances&Version=2016-11-15&MaxResults=lots",
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toMatch(/<Response><Errors><Error><Code>InvalidParameterValue<\/Code><Message>[^<]*MaxResults/);
    const missing = await signedFetch(server.url, server.credentials, {
      service: "ec2",
      region: "ap-northeast-1",
      headers: form,
      body: "Action=CreateSnapshot&Version=2016-11-15",
    });
    expect(missing.text).toMatch(/<Code>MissingParameter<\/Code><Message>[^<]*VolumeId/);
  });

  it("awsQuery: an unknown action is InvalidAction in an ErrorResponse", async () => {
    const r = await signedFetch(server.url, server.credentials, { service: "iam", headers: form, body: "Action=ExplodeEverything&Version=2010-05-08" });
    expect(r.status).toBe(400);
    expect(r.text).toContain("<ErrorResponse");
    expect(r.text).toContain("<Code>InvalidAction</Code>");
  });

  it("awsJson: malformed JSON, a list where a number belongs, an unknown target", async () => {
    const bad = await signedFetch(server.url, server.credentials, {
      service: "cloudtrail",
      headers: json11("CloudTrail_20131101.DescribeTrails"),
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).__type).toBe("SerializationException");
    const wrong = await signedFetch(server.url, server.credentials, {
      service: "cloudtrail",
      headers: json11("CloudTrail_20131101.DescribeTrails"),
      body: '{"trailNameList": 7}',
    });
    expect(JSON.parse(wrong.text)).toMatchObject({ __type: "InvalidParameterException" });
    expect(JSON.parse(wrong.text).message).toContain("trailNameList");
    const unknown = await signedFetch(server.url, server.credentials, { service: "cloudtrail", headers: json11("CloudTrail_20131101.Detonate"), body: "{}" });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text).__type).toBe("UnknownOperationException");
  });

  it("restJson: an unknown route is a 404 with x-amzn-ErrorType", async () => {
    const r = await signedFetch(server.url, server.credentials, { service: "guardduty", method: "GET", path: "/no/such/route" });
    expect(r.status).toBe(404);
    expect(r.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });

  it("restXml: malformed percent-encoding and dot segments never escape a bucket", async () => {
    for (const path of [
      "/basic-evidence/%E0%A4%A",
      "/basic-evidence/..%2F..%2Fetc%2Fpasswd",
      "/../../etc/passwd",
      "/basic-evidence/%2e%2e/%2e%2e/etc/passwd",
      "/basic-evidence/notes/..%2Freadme.txt",
    ]) {
      const r = await signedFetch(server.url, server.credentials, { service: "s3", region: "ap-northeast-1", method: "GET", path });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.text, path).toMatch(/<Error><Code>(NoSuchKey|NoSuchBucket|InvalidBucketName|InvalidURI|AccessDenied)<\/Code>/);
      expect(r.text).not.toContain("root:");
    }
  });

  it("a request for no known service is a 4xx, not a 500", async () => {
    const r = await fetch(`${server.url}/whatever`, { method: "POST", body: "x=1" });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("InvalidAction");
  });

  it("garbage of every kind is never a 5xx and never takes the server down", async () => {
    for (const t of HOSTILE_TARGETS) {
      for (const body of HOSTILE_BODIES) {
        const r = await signedFetch(server.url, server.credentials, { ...t, body });
        expect(r.status, `${t.service} ${body.slice(0, 20)}`).toBeLessThan(500);
      }
    }
    const health = await fetch(`${server.url}/_ir-range/health`);
    expect(health.status).toBe(200);
  });
});
