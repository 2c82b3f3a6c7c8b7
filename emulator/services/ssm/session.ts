/**
 * The AutomationAssumeRole's session of an execution: SSM assumes the role as the service principal
 * ssm.amazonaws.com (the role's trust policy must allow it, decided by the range's policy engine), with the execution
 * id as the role session name, and STS issues the session with its own session code. CloudTrail records the
 * AssumeRole as SSM's: userIdentity AWSService, invokedBy ssm.amazonaws.com.
 */
import type { AssumeRoleCommandInput } from "@aws-sdk/client-sts";
import { evaluate } from "../../authz/engine/index.ts";
import { peekGlobal } from "../../authz/requests.ts";
import { randomUUID } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { Principal, RequestContext } from "../../core/types.ts";
import { plainDocument } from "../iam/common.ts";
import type { IamState } from "../iam/state.ts";
import { assumeRole, stsStateOf } from "../sts/sessions.ts";
import { SSM_SERVICE } from "./api-call.ts";

/** What Automation reports when the role cannot be assumed (missing, or its trust policy leaves SSM out). */
export const UNASSUMABLE = "The defined assume role is unable to be assumed.";

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** CloudTrail's record of SSM's AssumeRole call, as an AWS service's call is recorded. */
function assumeRoleRecord(
  at: Date,
  region: string,
  accountId: string,
  roleArn: string,
  sessionName: string,
  result: { error?: AwsError; credentials?: { AccessKeyId?: string; Expiration?: unknown }; user?: { AssumedRoleId?: string; Arn?: string } },
): Record<string, unknown> & { eventTime: string; eventID: string } {
  return {
    eventVersion: "1.11",
    userIdentity: { type: "AWSService", invokedBy: SSM_SERVICE },
    eventTime: iso(at),
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    awsRegion: region,
    sourceIPAddress: SSM_SERVICE,
    userAgent: SSM_SERVICE,
    ...(result.error ? { errorCode: result.error.code, errorMessage: result.error.message } : {}),
    requestParameters: { roleArn, roleSessionName: sessionName },
    responseElements: result.credentials
      ? {
          credentials: {
            accessKeyId: result.credentials.AccessKeyId,
            sessionToken: "HIDDEN_DUE_TO_SECURITY_REASONS",
            expiration: result.credentials.Expiration,
          },
          assumedRoleUser: { assumedRoleId: result.user?.AssumedRoleId, arn: result.user?.Arn },
        }
      : null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: true,
    resources: [{ accountId, type: "AWS::IAM::Role", ARN: roleArn }],
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: accountId,
    sharedEventID: randomUUID(),
    eventCategory: "Management",
  };
}

/** Whether the role's trust policy lets SSM assume it, for this execution (aws:SourceAccount / aws:SourceArn). */
function trustAllows(runtime: Runtime, roleArn: string, accountId: string, region: string, executionId: string, at: Date): boolean {
  const name = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  const account = roleArn.split(":")[4] ?? "";
  const iam = peekGlobal<IamState>(runtime, account, "iam");
  const role = iam && Object.hasOwn(iam.roles, name) ? iam.roles[name] : undefined;
  if (!role || role.Arn !== roleArn || !role.AssumeRolePolicyDocument) return false;
  const d = evaluate(
    {
      principal: { type: "Service", arn: SSM_SERVICE, accountId, service: SSM_SERVICE },
      action: "sts:AssumeRole",
      resource: roleArn,
      resourceAccount: account,
      context: {
        "aws:CurrentTime": at.toISOString(),
        "aws:SourceAccount": accountId,
        "aws:SourceArn": `arn:aws:ssm:${region}:${accountId}:automation-execution/${executionId}`,
        "aws:PrincipalServiceName": SSM_SERVICE,
        "sts:RoleSessionName": executionId,
      },
    },
    { identity: [], resource: { kind: "resource", name: "trust policy", attachedTo: roleArn, document: plainDocument(role.AssumeRolePolicyDocument) } },
  );
  return d.decision === "allowed";
}

/**
 * Assumes the execution's role (inside the caller's transaction) and journals SSM's AssumeRole; the session's access
 * key, or UNASSUMABLE's failure. The session is dated at `at`, the moment the execution started its first step.
 */
export function assumeAutomationRole(runtime: Runtime, accountId: string, region: string, roleArn: string, executionId: string, at: Date): string {
  const sessionName = executionId;
  const record = (result: Parameters<typeof assumeRoleRecord>[5]) =>
    runtime.journal.append(assumeRoleRecord(at, region, accountId, roleArn, sessionName, result));
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn) || !trustAllows(runtime, roleArn, accountId, region, executionId, at)) {
    record({ error: new AwsError("AccessDenied", `User: ${SSM_SERVICE} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403) });
    throw new Error(UNASSUMABLE);
  }
  // STS's own session code issues the session; SSM is no principal of the account, so its identity is only read by
  // the handler to decide role chaining (it is none).
  const ssm = { type: "AWSService", accountId, arn: SSM_SERVICE, principalId: SSM_SERVICE, accessKeyId: "" } as unknown as Principal;
  const ctx: RequestContext = {
    requestId: randomUUID(),
    accountId,
    region,
    service: "sts",
    operation: "AssumeRole",
    principal: ssm,
    accessKeyId: "",
    sourceIp: SSM_SERVICE,
    userAgent: SSM_SERVICE,
    time: at,
    readOnly: true,
    runtime,
  };
  const input: AssumeRoleCommandInput = { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 };
  let out: ReturnType<typeof assumeRole>;
  try {
    out = assumeRole(input, ctx) as ReturnType<typeof assumeRole>;
  } catch (e) {
    if (e instanceof AwsError) {
      record({ error: e });
      throw new Error(UNASSUMABLE);
    }
    throw e;
  }
  const creds = (out as { Credentials?: { AccessKeyId?: string; Expiration?: unknown } }).Credentials;
  const keyId = creds?.AccessKeyId ?? "";
  // Issued now by STS's clock; dated to the step's moment, as the calls it signs are.
  const session = stsStateOf(runtime, accountId).sessions[keyId];
  if (session) {
    session.Expiration = iso(new Date(at.getTime() + 3600_000));
    if (session.principal.sessionContext) session.principal.sessionContext.creationDate = iso(at);
  }
  record({
    credentials: { AccessKeyId: keyId, Expiration: session?.Expiration },
    user: (out as { AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string } }).AssumedRoleUser,
  });
  return keyId;
}
