/** CloudTrail records of the responder's own calls, as CloudTrail would deliver them. */

import type { NormalizedSchema } from "@smithy/core/schema";
import { randomUUID } from "./entropy.ts";
import type { AwsError } from "./errors.ts";
import type { EventCategory, ServiceDefinition } from "./service.ts";
import type { Principal, RequestContext } from "./types.ts";

export function userIdentity(p: Principal): Record<string, unknown> {
  const base: Record<string, unknown> = { type: p.type, principalId: p.principalId, arn: p.arn, accountId: p.accountId, accessKeyId: p.accessKeyId };
  if (p.userName && p.type === "IAMUser") base.userName = p.userName;
  if (p.sessionContext) {
    base.sessionContext = {
      sessionIssuer: p.sessionContext.sessionIssuer,
      webIdFederationData: {},
      attributes: { creationDate: p.sessionContext.creationDate, mfaAuthenticated: String(p.sessionContext.mfaAuthenticated) },
      ...(p.sessionContext.ec2RoleDelivery ? { ec2RoleDelivery: p.sessionContext.ec2RoleDelivery } : {}),
    };
  } else if (p.type === "IAMUser") {
    base.sessionContext = undefined;
  }
  return base;
}

const lowerFirst = (s: string) => (s ? s[0].toLowerCase() + s.slice(1) : s);

/** requestParameters/responseElements: camelCase members, sensitive values hidden as CloudTrail hides them. */
export function auditValue(ns: NormalizedSchema | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (ns?.getMergedTraits().sensitive) return "HIDDEN_DUE_TO_SECURITY_REASONS";
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, "Z");
  if (value instanceof Uint8Array || Buffer.isBuffer(value)) return undefined;
  if (typeof value === "object" && typeof (value as { pipe?: unknown }).pipe === "function") return undefined;
  if (Array.isArray(value)) return value.map((v) => auditValue(ns?.isListSchema() ? ns.getValueSchema() : undefined, v));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      let member: NormalizedSchema | undefined;
      try {
        member = ns?.isStructSchema() ? ns.getMemberSchema(k) : ns?.isMapSchema() ? ns.getValueSchema() : undefined;
      } catch {
        member = undefined;
      }
      const key = ns?.isMapSchema() ? k : lowerFirst(k);
      const a = auditValue(member, v);
      if (a !== undefined) out[key] = a;
    }
    return out;
  }
  return value;
}

export interface AuditInput {
  ctx: RequestContext;
  service: ServiceDefinition;
  /** The operation's declared category (OperationSpec.category): data events are not management events. */
  category: EventCategory;
  inputSchema?: NormalizedSchema;
  outputSchema?: NormalizedSchema;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  error?: AwsError;
  host: string;
  /** Whether CloudTrail records this operation's response (OperationSpec.logsResponse); by default, when not read-only. */
  logsResponse?: boolean;
}

export function apiCallRecord(a: AuditInput): Record<string, unknown> & { eventTime: string; eventID: string } {
  const { ctx } = a;
  const custom = a.input && a.service.audit ? a.service.audit(ctx.operation, a.input, a.host) : undefined;
  const requestParameters = custom ? custom.requestParameters : a.input ? (auditValue(a.inputSchema, a.input) as Record<string, unknown>) : null;
  const logsResponse = a.logsResponse ?? !ctx.readOnly;
  const responseElements = logsResponse && a.output && !a.error ? (auditValue(a.outputSchema, a.output) ?? null) : null;
  return {
    eventVersion: "1.11",
    userIdentity: ctx.invokedBy ? { ...userIdentity(ctx.principal), invokedBy: ctx.invokedBy } : userIdentity(ctx.principal),
    eventTime: ctx.time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: a.service.eventSource,
    eventName: ctx.operation,
    awsRegion: ctx.region,
    sourceIPAddress: ctx.sourceIp,
    userAgent: ctx.userAgent,
    // EC2's records say who erred: Client.UnauthorizedOperation, Server.InternalError.
    ...(a.error
      ? {
          errorCode: a.service.protocol === "ec2Query" ? `${a.error.status < 500 ? "Client" : "Server"}.${a.error.code}` : a.error.code,
          errorMessage: a.error.message,
        }
      : {}),
    requestParameters: requestParameters && Object.keys(requestParameters).length > 0 ? requestParameters : null,
    responseElements,
    requestID: ctx.requestId,
    eventID: randomUUID(),
    ...(custom?.resources ? { resources: custom.resources } : {}),
    readOnly: ctx.readOnly,
    eventType: "AwsApiCall",
    managementEvent: a.category === "Management",
    recipientAccountId: ctx.accountId,
    eventCategory: a.category,
    // Every call to AWS arrives over TLS, so CloudTrail always has tlsDetails; the range records what AWS would.
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: a.host },
  };
}
