/**
 * How an automation step calls an AWS API: with the real SDK client of the service, signed with the execution's keys
 * (the assumed role's session, or the caller's), and sent through the range's own request path (core/service.ts,
 * ServiceCall) — authenticated, authorized, handled and journaled with invokedBy ssm.amazonaws.com, at the emulator
 * time the step's work fell due.
 */

import { importExternal } from "../../core/external.ts";
import { fetchRequestHandler } from "../../core/fetch-request-handler.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceCall } from "../../core/service.ts";

export const SSM_SERVICE = "ssm.amazonaws.com";

/** An API's error as the SDK reports it: the service's error code and message. */
export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly api: string,
  ) {
    super(message);
  }
}

/** Automation's service names (boto3's) that the range serves, and their SDK clients. */
const CLIENTS: Record<string, string> = {
  ec2: "client-ec2",
  iam: "client-iam",
  s3: "client-s3",
  sts: "client-sts",
  ssm: "client-ssm",
  cloudtrail: "client-cloudtrail",
  guardduty: "client-guardduty",
  securityhub: "client-securityhub",
  athena: "client-athena",
  glue: "client-glue",
};

/** The SDK's name of an API, whether written as AWS's (DescribeInstances) or boto3's (describe_instances). */
export function apiName(api: string): string {
  return api.includes("_") || /^[a-z]/.test(api) ? api.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase()) : api;
}

/** Endpoints as the SDK would use them in the region (CloudTrail's tlsDetails show the host); IAM is global. */
function endpointOf(service: string, region: string): string {
  if (service === "iam") return "https://iam.amazonaws.com";
  return `https://${service}.${region}.amazonaws.com`;
}

/** A smithy request handler that hands the signed request to the range in-process, as a call SSM makes. */
function inProcess(call: ServiceCall, at: Date) {
  return fetchRequestHandler((request) => call(request, { invokedBy: SSM_SERVICE, at }));
}

type Client = { send(c: unknown): Promise<Record<string, unknown>>; destroy(): void };

/** Plain data of an SDK output: no $metadata, times as ISO strings, a streamed body read as text. */
async function plain(out: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { $metadata: _m, ...rest } = out;
  const body = rest.Body as { transformToString?: () => Promise<string> } | undefined;
  if (body && typeof body.transformToString === "function") rest.Body = await body.transformToString();
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

export interface ApiTarget {
  runtime: Runtime;
  call: ServiceCall;
  region: string;
  /** The key that signs: the session's or the caller's (resolved now, so a key revoked since fails as in AWS). */
  accessKeyId: string;
  /** The emulator time of the call. */
  at: Date;
}

/** Calls one API as the execution; its output as plain data, or ApiCallError with the service's code and message. */
export async function callApi(t: ApiTarget, service: string, api: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const name = apiName(api);
  const pkg = CLIENTS[service.toLowerCase()];
  if (!pkg) throw new ApiCallError("InvalidServiceName", `Service ${service} is not supported by ir-range's Automation.`, name);
  const mod = await importExternal<Record<string, unknown>>(`@aws-sdk/${pkg}`, { whole: true });
  const ClientClass = Object.entries(mod).find(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")?.[1] as
    | (new (
        c: object,
      ) => Client)
    | undefined;
  const Command = mod[`${name}Command`] as (new (i: object) => unknown) | undefined;
  if (!ClientClass || !Command) throw new ApiCallError("InvalidApi", `${name} is not an API of ${service}.`, name);
  // A key that no longer resolves still signs, with no secret: the range then refuses it as AWS would.
  const cred = t.runtime.resolveCredential(t.accessKeyId);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const client = new ClientClass({
    region: service === "iam" ? "us-east-1" : t.region,
    endpoint: endpointOf(service.toLowerCase(), t.region),
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: t.accessKeyId,
      secretAccessKey: cred?.secretAccessKey ?? "revoked",
      ...(cred?.sessionToken ? { sessionToken: cred.sessionToken } : {}),
    },
    requestHandler: inProcess(t.call, t.at),
  });
  try {
    return await plain(await client.send(new Command(input)));
  } catch (e) {
    const err = e as { name?: string; Code?: string; message?: string };
    throw new ApiCallError(err.Code ?? err.name ?? "InternalFailure", err.message ?? "", name);
  } finally {
    client.destroy();
  }
}
