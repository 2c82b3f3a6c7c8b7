/**
 * Signed calls to AWS services the range does not serve (`aws lambda list-functions`, `aws kms list-keys`): which
 * service the request is for, from the same signals the router reads (SigV4 scope, X-Amz-Target, host, Action and
 * Version) looked up in the table of every AWS service (aws-services.ts, generated from the CLI's own models), and a
 * refusal in that service's protocol that names it, so the CLI and SDK print one clean line and do not retry.
 */
import type { SigV4Auth } from "../auth/sigv4.ts";
import { AwsError } from "../core/errors.ts";
import type { ServiceDefinition } from "../core/service.ts";
import type { ProtocolName } from "../core/types.ts";
import { codecs } from "../protocols/codecs/index.ts";
import { rpcV2CborError } from "../protocols/codecs/rpc-v2-cbor.ts";
import { formFields, isFormBody, type WireRequest, type WireResponse } from "../protocols/wire.ts";
import { AWS_SERVICES, type AwsServiceRow } from "./aws-services.ts";

/** The protocols a client may speak to an AWS service: the range's codecs, and Smithy RPC v2 CBOR (CloudWatch's SDK v3). */
export type UnservedProtocol = AwsServiceRow[4];

/** Where the README lists what the range serves. */
export const WHAT_IS_EMULATED = "README.md#what-is-emulated";

export interface UnservedCall {
  /**
   * A stand-in definition of the service (no operations), so that the call is authenticated, refused and journaled
   * like any other: its signing name, CloudTrail event source, and a codec protocol whose error vocabulary fits.
   */
  service: ServiceDefinition;
  /** The protocol the request speaks, in which every answer to it is written. */
  protocol: UnservedProtocol;
  /** The operation, when the request itself names it (X-Amz-Target, Action, the CBOR path); a REST path names none. */
  operation: string | undefined;
  /**
   * CloudTrail's readOnly for the call. No declaration exists for another service's operations, so it is read off the
   * name: AWS's read APIs are the Describe/Get/List… ones in nearly every service.
   */
  readOnly: boolean;
  /** What the call gets once authenticated: the service is not emulated. */
  refusal: AwsError;
  /** Any error (the refusal, or the signature check's) in the request's protocol. */
  error(err: AwsError, requestId: string): WireResponse;
}

/** One row of the generated table, by name. */
interface AwsService {
  /** The CLI's name for it: `aws lambda`. */
  name: string;
  signingName: string;
  serviceId: string;
  fullName: string;
  protocol: UnservedProtocol;
  /** The first labels of its host name: "api.detective" in api.detective.us-east-1.amazonaws.com. */
  endpointPrefix: string;
  /** Its X-Amz-Target prefix (JSON, CBOR) or API version (query), "" for REST services. */
  alias: string;
}

const SERVICES: readonly AwsService[] = AWS_SERVICES.map(([name, signingName, serviceId, fullName, protocol, endpointPrefix, alias]) => ({
  name,
  signingName,
  serviceId,
  fullName,
  protocol,
  endpointPrefix: endpointPrefix || signingName,
  alias,
}));

function groupBy(key: (s: AwsService) => string): Map<string, AwsService[]> {
  const m = new Map<string, AwsService[]>();
  for (const s of SERVICES) {
    const k = key(s);
    if (!k) continue;
    const list = m.get(k);
    if (list) list.push(s);
    else m.set(k, [s]);
  }
  return m;
}
const bySigningName = groupBy((s) => s.signingName);
const byAlias = groupBy((s) => s.alias);
const byEndpointPrefix = groupBy((s) => s.endpointPrefix);

const isJson = (p: UnservedProtocol) => p === "awsJson1_0" || p === "awsJson1_1" || p === "rpcv2Cbor";
const isQuery = (p: UnservedProtocol) => p === "awsQuery" || p === "ec2Query";
const isRest = (p: UnservedProtocol) => p === "restJson1" || p === "restXml";

/** What the request's own shape says about its protocol, with the service it names besides its signature. */
interface Shape {
  kind: "cbor" | "json" | "query" | "rest";
  /** The X-Amz-Target prefix or CBOR service name (json, cbor), or the Version field (query). */
  alias?: string;
  operation?: string;
  jsonVersion?: "1.0" | "1.1";
}

const CBOR_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

function shapeOf(req: WireRequest): Shape {
  // Smithy RPC v2: the header says so, and the path names the service and the operation.
  if (req.headers["smithy-protocol"] === "rpc-v2-cbor") {
    const m = CBOR_PATH.exec(req.rawPath);
    return { kind: "cbor", alias: m?.[1], operation: m?.[2] };
  }
  const target = req.headers["x-amz-target"];
  if (target) {
    const dot = target.lastIndexOf(".");
    const jsonVersion = (req.headers["content-type"] ?? "").includes("json-1.0") ? "1.0" : "1.1";
    return { kind: "json", alias: dot < 0 ? target : target.slice(0, dot), operation: dot < 0 ? undefined : target.slice(dot + 1), jsonVersion };
  }
  if (isFormBody(req) || req.query.some(([k]) => k === "Action")) {
    const fields = formFields(req);
    return { kind: "query", alias: fields.find(([k]) => k === "Version")?.[1], operation: fields.find(([k]) => k === "Action")?.[1] };
  }
  return { kind: "rest" };
}

/** "api.detective.us-east-1.amazonaws.com" → "api.detective"; undefined for the range's own host names. */
function endpointPrefixOf(host: string | undefined): string | undefined {
  const name = (host ?? "").replace(/:\d+$/, "").toLowerCase();
  const m = /^(.+?)(?:\.[a-z]{2}(?:-[a-z]+)+-\d)?\.amazonaws\.com$/.exec(name);
  return m?.[1];
}

/** Of the services sharing a signing name (bedrock, ses, sagemaker…), the one the request's shape and names fit. */
function pick(candidates: readonly AwsService[], shape: Shape, hostPrefix: string | undefined): AwsService {
  const fits = (s: AwsService) => (shape.kind === "rest" ? isRest(s.protocol) : shape.kind === "query" ? isQuery(s.protocol) : isJson(s.protocol));
  const primary = (s: AwsService) => s.name === s.signingName;
  return (
    candidates.find((s) => fits(s) && ((shape.alias && s.alias === shape.alias) || s.endpointPrefix === hostPrefix)) ??
    candidates.find((s) => fits(s) && primary(s)) ??
    candidates.find(fits) ??
    candidates.find(primary) ??
    candidates[0]
  );
}

/** The protocol of the answer: the request's own where its shape settles it, else the service's. */
function protocolOf(shape: Shape, service: AwsService): UnservedProtocol {
  switch (shape.kind) {
    case "cbor":
      return "rpcv2Cbor";
    case "json":
      return shape.jsonVersion === "1.0" ? "awsJson1_0" : "awsJson1_1";
    case "query":
      return service.protocol === "ec2Query" ? "ec2Query" : "awsQuery";
    case "rest":
      return service.protocol;
  }
}

/** How AWS's front ends refuse an operation they cannot route, per protocol; all 4xx, which no SDK or CLI retries. */
function refusal(protocol: UnservedProtocol, message: string): AwsError {
  switch (protocol) {
    case "restJson1":
      return new AwsError("UnknownOperationException", message, 404);
    case "awsQuery":
    case "ec2Query":
    case "restXml":
      return new AwsError("InvalidAction", message, 400);
    default:
      return new AwsError("UnknownOperationException", message, 400);
  }
}

/** Renders an error in the protocol the request speaks. */
function render(protocol: UnservedProtocol, err: AwsError, requestId: string): WireResponse {
  switch (protocol) {
    case "rpcv2Cbor":
      return rpcV2CborError(err, requestId);
    // Route 53's and CloudFront's errors are the query protocols' <ErrorResponse> document (S3's bare <Error> is S3's own).
    case "restXml":
      return codecs.awsQuery.error(err, undefined, requestId);
    default:
      return codecs[protocol].error(err, undefined, requestId);
  }
}

/** The served services as AWS names them (serviceId: "EC2", "SecurityHub"), for the refusal's message. */
function servedNames(served: readonly ServiceDefinition[]): string {
  const names = served.map((s) => bySigningName.get(s.signingName)?.find((a) => a.name === s.id)?.serviceId ?? s.id.toUpperCase());
  names.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * The AWS service a SigV4-signed request no served service claimed is for, and how to answer it; undefined when the
 * request names no AWS service the CLI knows (a garbled scope), which keeps the generic answer.
 */
export function unservedCall(req: WireRequest, auth: SigV4Auth, served: readonly ServiceDefinition[]): UnservedCall | undefined {
  const shape = shapeOf(req);
  const hostPrefix = endpointPrefixOf(req.headers.host);
  // The signature's scope first, as the front ends route; else what the target, the Version or the host names.
  let candidates = bySigningName.get(auth.service);
  if (!candidates && shape.alias) candidates = byAlias.get(shape.alias)?.filter((s) => (shape.kind === "query" ? isQuery(s.protocol) : isJson(s.protocol)));
  if (!candidates?.length && hostPrefix) candidates = byEndpointPrefix.get(hostPrefix);
  if (!candidates?.length) return undefined;
  const target = pick(candidates, shape, hostPrefix);
  // Never ours to answer: the router places every request that a served service's names fit.
  if (served.some((s) => s.signingName === target.signingName)) return undefined;
  const protocol = protocolOf(shape, target);
  // "AWS Lambda (lambda)", but "Amazon Simple Systems Manager (SSM)" as it is: one parenthesis is enough.
  const named = target.fullName.endsWith(")") ? target.fullName : `${target.fullName} (${target.name})`;
  const message = `ir-range does not emulate ${named}. It emulates ${servedNames(served)}: see ${WHAT_IS_EMULATED}.`;
  // The codec whose error vocabulary (signature, key and size refusals) the request's protocol shares.
  const codecProtocol: ProtocolName = protocol === "rpcv2Cbor" ? "awsJson1_0" : protocol === "restXml" ? "awsQuery" : protocol;
  const service: ServiceDefinition = {
    id: target.name,
    signingName: target.signingName,
    endpointPrefix: target.endpointPrefix,
    protocol: codecProtocol,
    eventSource: `${target.signingName}.amazonaws.com`,
    schemas: async () => ({}),
    operations: {},
  };
  const operation = shape.kind === "rest" ? undefined : shape.operation || undefined;
  return {
    service,
    protocol,
    operation,
    readOnly: /^(Describe|Get|List|BatchGet|Search|Lookup|Query|Scan)[A-Z]/.test(operation ?? ""),
    refusal: refusal(protocol, message),
    error: (err, requestId) => render(protocol, err, requestId),
  };
}
