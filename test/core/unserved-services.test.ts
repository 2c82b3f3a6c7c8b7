/**
 * Calls to AWS services the range does not serve (#16 item 9): each is answered in that service's own protocol with a
 * 4xx that names the service and points at the README, which the real CLI prints as one clean line and does not
 * retry; SDK v3's own protocol code reads the same error's name and message; a signed call that names its operation
 * is journaled as a failed call; an unsigned one keeps the generic answer.
 */
import { request as httpRequest } from "node:http";
import {
  AwsJson1_0Protocol,
  AwsJson1_1Protocol,
  AwsQueryProtocol,
  AwsRestJsonProtocol,
  AwsRestXmlProtocol,
  AwsSmithyRpcV2CborProtocol,
} from "@aws-sdk/core/protocols";
import { Sha256 } from "@smithy/core/checksum";
import { ServiceException } from "@smithy/core/client";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { op, TypeRegistry } from "@smithy/core/schema";
import { type HttpRequest, HttpResponse } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { rawHttp } from "../helpers/raw-http.ts";
import { signedFetch } from "../helpers/signed-fetch.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-03-01T12:00:00Z" });
});

afterAll(async () => {
  await server.stop(true);
});

const SERVED = "It emulates Athena, CloudTrail, EC2, Glue, GuardDuty, IAM, S3, SecurityHub, SSM and STS: see README.md#what-is-emulated.";
const notEmulated = (named: string) => `ir-range does not emulate ${named}. ${SERVED}`;

/** The journal's records of calls to one event source. */
const recordsOf = (eventSource: string) => [...server.emulator.runtime.journal].filter((r) => r.eventSource === eventSource);

describe.skipIf(!hasAwsCli)("the aws CLI against services the range does not serve", () => {
  it("prints one clean error line naming the service, exits non-zero and does not retry", async () => {
    const commands: { args: string[]; operation: string; named: string; mode?: string }[] = [
      { args: ["lambda", "list-functions"], operation: "ListFunctions", named: "AWS Lambda (lambda)" },
      { args: ["dax", "describe-clusters"], operation: "DescribeClusters", named: "Amazon DynamoDB Accelerator (DAX)" },
      { args: ["detective", "list-graphs"], operation: "ListGraphs", named: "Amazon Detective (detective)" },
      { args: ["logs", "describe-log-groups"], operation: "DescribeLogGroups", named: "Amazon CloudWatch Logs (logs)" },
      { args: ["kms", "list-keys"], operation: "ListKeys", named: "AWS Key Management Service (kms)" },
      // The CLI's default retry mode is legacy; standard retries other statuses: the REST (404) and JSON (400) answers.
      { args: ["lambda", "list-functions"], operation: "ListFunctions", named: "AWS Lambda (lambda)", mode: "standard" },
      { args: ["kms", "list-keys"], operation: "ListKeys", named: "AWS Key Management Service (kms)", mode: "standard" },
    ];
    // Every request that reaches the range, to count the CLI's attempts.
    const handle = vi.spyOn(server.emulator.dispatcher, "handle");
    // The CLI's own retry settings: without the test server's AWS_MAX_ATTEMPTS=1, a retried answer would show.
    const env = { ...server.env };
    delete env.AWS_MAX_ATTEMPTS;
    try {
      const runs = await Promise.all(
        commands.map((c) => aws({ env: { ...env, ...(c.mode ? { AWS_RETRY_MODE: c.mode } : {}) } }, ["--endpoint-url", server.url, ...c.args])),
      );
      runs.forEach((r, i) => {
        const { operation, named } = commands[i];
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(`\nAn error occurred (UnknownOperationException) when calling the ${operation} operation: ${notEmulated(named)}\n`);
        expect([254, 255]).toContain(r.status);
      });
      expect(handle).toHaveBeenCalledTimes(commands.length);
    } finally {
      handle.mockRestore();
    }
  });
});

/** One call as an SDK v3 client makes it, from the SDK's own protocol code: serialized, signed, sent, its error read. */
interface SdkCall {
  signingName: string;
  /** The Smithy namespace of the service, e.g. com.amazonaws.lambda. */
  namespace: string;
  /** The client's name, whose XxxServiceException is the base of errors the model does not list. */
  client: string;
  protocol: new (settings: any) => any;
  settings?: Record<string, unknown>;
  operation: string;
  /** REST: the operation's http trait [method, path, status]. */
  http?: [string, string, number];
  /** Smithy RPC v2: the service shape's name, which the path carries. */
  rpcService?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

interface SdkError {
  name: string;
  message: string;
  status?: number;
  requestId?: string;
  fault?: string;
  isServiceException: boolean;
  /** How SDK v3's retry strategy classifies the error (retryMiddleware's getRetryErrorType): only a CLIENT_ERROR is never retried. */
  retryType: string;
}

function send(req: { method: string; path: string; query?: Record<string, any>; headers: Record<string, string>; body?: any }): Promise<HttpResponse> {
  const url = new URL(server.url);
  const qs = new URLSearchParams(req.query ?? {}).toString();
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: url.hostname, port: Number(url.port), method: req.method, path: `${req.path}${qs ? `?${qs}` : ""}`, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers[k] = v;
          resolve(new HttpResponse({ statusCode: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) }));
        });
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

async function sdkV3Error(c: SdkCall): Promise<SdkError> {
  // As a generated client registers it: the synthetic base exception of errors its model does not name.
  const synthetic = `smithy.ts.sdk.synthetic.${c.namespace}`;
  class ClientServiceException extends ServiceException {
    constructor(options: any) {
      super(options);
      Object.setPrototypeOf(this, ClientServiceException.prototype);
    }
  }
  const registry = TypeRegistry.for(synthetic);
  registry.registerError([-3, synthetic, `${c.client}ServiceException`, 0, [], []] as any, ClientServiceException);
  const protocol = new c.protocol({ defaultNamespace: c.namespace, errorTypeRegistries: [registry], ...c.settings });
  const schema = op(c.namespace, c.operation, c.http ? { http: c.http } : 0, "unit", "unit");
  const url = new URL(server.url);
  const context = {
    endpoint: async () => ({ protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/" }),
    __smithy_context: { service: c.rpcService, operation: c.operation },
  };
  const request = await protocol.serializeRequest(schema, {}, context);
  request.headers.host = url.host;
  const signer = new SignatureV4({ credentials: c.credentials ?? server.credentials, region: server.region, service: c.signingName, sha256: Sha256 });
  const response = await send(await signer.sign(request as HttpRequest));
  try {
    await protocol.deserializeResponse(schema, context, response);
  } catch (e) {
    const err = e as ServiceException;
    const retry = e as Parameters<typeof isServerError>[0];
    return {
      name: err.name,
      message: err.message,
      status: err.$metadata?.httpStatusCode,
      requestId: err.$metadata?.requestId,
      fault: err.$fault,
      isServiceException: err instanceof ClientServiceException,
      retryType: isThrottlingError(retry) ? "THROTTLING" : isTransientError(retry) ? "TRANSIENT" : isServerError(retry) ? "SERVER_ERROR" : "CLIENT_ERROR",
    };
  }
  throw new Error(`expected ${c.operation} to fail`);
}

const lambda: SdkCall = {
  signingName: "lambda",
  namespace: "com.amazonaws.lambda",
  client: "Lambda",
  protocol: AwsRestJsonProtocol,
  operation: "ListFunctions",
  http: ["GET", "/2015-03-31/functions", 200],
};
const kms: SdkCall = {
  signingName: "kms",
  namespace: "com.amazonaws.kms",
  client: "KMS",
  protocol: AwsJson1_1Protocol,
  settings: { serviceTarget: "TrentService" },
  operation: "ListKeys",
};

describe("SDK v3 against services the range does not serve", () => {
  it("reads the refusal in each protocol as a client error named for the code, with the message naming the service", async () => {
    const calls: [SdkCall, string, number, string][] = [
      [lambda, "UnknownOperationException", 404, "AWS Lambda (lambda)"],
      [kms, "UnknownOperationException", 400, "AWS Key Management Service (kms)"],
      [
        {
          signingName: "dynamodb",
          namespace: "com.amazonaws.dynamodb",
          client: "DynamoDB",
          protocol: AwsJson1_0Protocol,
          settings: { serviceTarget: "DynamoDB_20120810" },
          operation: "ListTables",
        },
        "UnknownOperationException",
        400,
        "Amazon DynamoDB (dynamodb)",
      ],
      [
        {
          signingName: "sns",
          namespace: "com.amazonaws.sns",
          client: "SNS",
          protocol: AwsQueryProtocol,
          settings: { xmlNamespace: "http://sns.amazonaws.com/doc/2010-03-31/", version: "2010-03-31" },
          operation: "ListTopics",
        },
        "InvalidAction",
        400,
        "Amazon Simple Notification Service (sns)",
      ],
      [
        {
          signingName: "route53",
          namespace: "com.amazonaws.route53",
          client: "Route53",
          protocol: AwsRestXmlProtocol,
          settings: { xmlNamespace: "https://route53.amazonaws.com/doc/2013-04-01/" },
          operation: "ListHostedZones",
          http: ["GET", "/2013-04-01/hostedzone", 200],
        },
        "InvalidAction",
        400,
        "Amazon Route 53 (route53)",
      ],
      [
        {
          signingName: "monitoring",
          namespace: "com.amazonaws.cloudwatch",
          client: "CloudWatch",
          protocol: AwsSmithyRpcV2CborProtocol,
          operation: "ListMetrics",
          rpcService: "GraniteServiceVersion20100801",
        },
        "UnknownOperationException",
        400,
        "Amazon CloudWatch (cloudwatch)",
      ],
    ];
    for (const [call, name, status, named] of calls) {
      const err = await sdkV3Error(call);
      expect({ name: err.name, message: err.message, status: err.status, fault: err.fault, retryType: err.retryType }, call.signingName).toEqual({
        name,
        message: notEmulated(named),
        status,
        fault: "client",
        retryType: "CLIENT_ERROR",
      });
      expect(err.isServiceException).toBe(true);
    }
  });
});

describe("signed calls to services the range does not serve", () => {
  it("are journaled as failed calls of that service when the request names its operation (CloudTrail would show them)", async () => {
    const err = await sdkV3Error(kms);
    const record = [...server.emulator.runtime.journal].find((r) => r.requestID === err.requestId);
    expect(record).toMatchObject({
      eventSource: "kms.amazonaws.com",
      eventName: "ListKeys",
      awsRegion: server.region,
      errorCode: "UnknownOperationException",
      errorMessage: notEmulated("AWS Key Management Service (kms)"),
      readOnly: true,
      eventType: "AwsApiCall",
      userIdentity: { accessKeyId: server.credentials.accessKeyId },
    });
  });

  it("are not journaled when only the service's model could name the operation (a REST path)", async () => {
    const err = await sdkV3Error(lambda);
    expect(err.name).toBe("UnknownOperationException");
    expect([...server.emulator.runtime.journal].some((r) => r.requestID === err.requestId)).toBe(false);
  });

  it("are authenticated first: an unknown key gets the protocol's own refusal, and nothing is journaled", async () => {
    const before = recordsOf("kms.amazonaws.com").length;
    const err = await sdkV3Error({ ...kms, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } });
    expect({ name: err.name, message: err.message, status: err.status }).toEqual({
      name: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
      status: 400,
    });
    expect(recordsOf("kms.amazonaws.com").length).toBe(before);
  });
});

describe("a service named by its target rather than its signature", () => {
  it("is refused as that service refuses a credential scoped to another", async () => {
    const res = await signedFetch(server.url, server.credentials, {
      service: "cloudhsm-nope",
      region: server.region,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.ListKeys" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ __type: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'kms'." });
  });
});

describe("unsigned requests", () => {
  it("keep the generic answer, even when their target names a service the range does not serve", async () => {
    const res = await rawHttp(
      server.port,
      "POST",
      "/",
      {
        host: `127.0.0.1:${server.port}`,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.ListKeys",
      },
      "{}",
    );
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toBe("application/x-amz-json-1.1");
    const body = JSON.parse(res.body);
    expect(body.__type).toBe("UnknownOperationException");
    expect(body.message).toMatch(/^Could not determine the AWS service/);
  });
});
