/** What the fuzz run found in the codecs, pinned down: each case as the fuzzer sent it, checked directly. */
import { connect } from "node:net";
import { NormalizedSchema } from "@smithy/core/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQueryTree, decodeJson, decodeQuery } from "../../emulator/protocols/decode.ts";
import { xmlEscape } from "../../emulator/protocols/encode.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { rawHttp } from "../helpers/raw-http.ts";
import { signedFetch } from "../helpers/signed-fetch.ts";
import { parseStrictXml } from "./shapes.ts";

describe("fuzz regressions", () => {
  it("a form key through __proto__ stays in the request: Object.prototype is untouched", () => {
    // One signed EC2 call with this key used to set Object.prototype.fuzzB = {}; the next request of any kind then
    // failed in the HTTP adapter (v.join is not a function) and the server process exited.
    const tree = buildQueryTree(
      [
        ["Action", "DescribeInstances"],
        ["__proto__.fuzzB.c", "1"],
        ["Filter.1.Name.__proto__.fuzzA", "1"],
        ["constructor.prototype.fuzzC", "1"],
      ],
      new Set(["Action"]),
    );
    expect(Object.getOwnPropertyNames(Object.prototype).filter((k) => k.startsWith("fuzz"))).toEqual([]);
    expect(({} as Record<string, unknown>).fuzzB).toBeUndefined();
    expect(Object.keys(tree).sort()).toEqual(["Filter", "__proto__", "constructor"]);
  });

  it("a map key named __proto__ is an entry of the map, not its prototype", () => {
    // A map of strings to strings, as the SDK's static schemas write one: [2, namespace, name, traits, key, value].
    const map = NormalizedSchema.of([2, "fuzz", "StringMap", 0, 0, 0] as never);
    const fromJson = decodeJson(map, JSON.parse('{"__proto__": "x", "a": "y"}'), "Tags") as Record<string, unknown>;
    expect(Object.getPrototypeOf(fromJson)).toBe(Object.prototype);
    expect(Object.keys(fromJson).sort()).toEqual(["__proto__", "a"]);
    const tree = buildQueryTree(
      [
        ["Tags.entry.1.key", "__proto__"],
        ["Tags.entry.1.value", "x"],
      ],
      new Set(),
    );
    const fromQuery = decodeQuery(map, tree.Tags, "Tags") as Record<string, unknown>;
    expect(Object.getPrototypeOf(fromQuery)).toBe(Object.prototype);
    expect(Object.keys(fromQuery)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(fromQuery, "__proto__")?.value).toBe("x");
  });

  it("an error message echoing a control character is still well-formed XML 1.0", () => {
    // "The user with name \u0011 cannot be found." made the whole ErrorResponse unreadable to botocore's expat.
    const body = `<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>${xmlEscape("The user with name \u0011\u0000\ud800\uffff cannot be found.")}</Message></Error></ErrorResponse>`;
    const root = parseStrictXml(Buffer.from(body));
    expect(root.children[0].children[1].text).toBe("The user with name \ufffd\ufffd\ufffd\ufffd cannot be found.");
    expect(xmlEscape("tab\tand\r\nnewline <&>")).toBe("tab\tand\r\nnewline &lt;&amp;&gt;");
  });
});

describe("fuzz regressions over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scenario: "basic" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** One request as written, on its own connection; the answer as read until the server closes. */
  const raw = (head: string, body: string | Buffer = "") =>
    new Promise<string>((resolve, reject) => {
      const sock = connect(server.port, "127.0.0.1");
      const chunks: Buffer[] = [];
      sock.on("data", (c) => chunks.push(c));
      sock.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      sock.on("error", reject);
      sock.write(head);
      sock.end(body);
    });

  const plain = (path: string, headers: Record<string, string>, body?: string) =>
    rawHttp(server.port, body === undefined ? "GET" : "POST", path, headers, body).then((r) => ({ status: r.status, text: r.body }));

  it("a head over AWS's limit is the service's own 400; one over node's is a 431 with a body, not a reset", async () => {
    // GET /<bucket>/?tagging with a 53 kB x-amz-expected-bucket-owner got node's bare 431 (or a reset).
    const s3 = await signedFetch(server.url, server.credentials, {
      service: "s3",
      method: "GET",
      path: "/fuzz-bucket/",
      query: { tagging: "" },
      afterSigning: { "x-amz-expected-bucket-owner": "1".repeat(53_000) },
    });
    expect(s3.status).toBe(400);
    expect(s3.text).toContain("<Code>RequestHeaderSectionTooLarge</Code>");
    expect(s3.text).toContain("Your request header section exceeds the maximum allowed size.");
    const json = await signedFetch(server.url, server.credentials, {
      service: "cloudtrail",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.DescribeTrails" },
      body: "{}",
      afterSigning: { "x-fuzz": "a".repeat(40_000) },
    });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.text).__type).toMatch(/Exception$/);
    const huge = await raw(`GET /fuzz-bucket/?tagging HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Fuzz: ${"b".repeat(300_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toMatch(/content-type: text\/plain/i);
    expect(huge.slice(huge.indexOf("\r\n\r\n") + 4)).toContain("exceed");
  });

  it("a form call signed for a service the range does not serve is refused, its body read once", async () => {
    // Credential=…/lambda/aws4_request with an STS body was a 500: "request body read twice".
    const sts = await signedFetch(server.url, server.credentials, {
      service: "lambda",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(sts.status).toBeLessThan(500);
    expect(sts.text).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(sts.text).toContain("Credential should be scoped to correct service: &apos;sts&apos;.");
    // A CloudTrail JSON call signed for lambda was served with 200.
    const ct = await signedFetch(server.url, server.credentials, {
      service: "lambda",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.DescribeTrails" },
      body: "{}",
    });
    expect(ct.status).toBe(400);
    expect(JSON.parse(ct.text)).toMatchObject({
      __type: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'cloudtrail'.",
    });
  });

  it("an unsigned oversized form body with a target is refused in the target's JSON shape", async () => {
    // Was the awsQuery ErrorResponse 413 from the early form read.
    for (const target of ["CloudTrail_20131101.GetTrail", "AmazonAthena.GetWorkGroup"]) {
      const r = await plain("/", { "content-type": "application/x-www-form-urlencoded", "x-amz-target": target }, `Name=${"x".repeat(70_000)}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toContain("<ErrorResponse");
      expect(JSON.parse(r.text).__type).toBeTruthy();
    }
  });
});
