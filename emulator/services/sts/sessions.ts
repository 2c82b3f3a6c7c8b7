/** Temporary credentials: AssumeRole and GetSessionToken issue ASIA keys whose sessions then sign requests. */

import type {
  AssumeRoleCommandInput,
  AssumeRoleCommandOutput,
  GetAccessKeyInfoCommandInput,
  GetAccessKeyInfoCommandOutput,
  GetSessionTokenCommandInput,
  GetSessionTokenCommandOutput,
} from "@aws-sdk/client-sts";
import { randomBytes } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { iamId, secretKey } from "../../core/ids.ts";
import type { CredentialResolver, Runtime } from "../../core/runtime.ts";
import type { OpHandler, Principal, RequestContext } from "../../core/types.ts";
import { plainDocument, validatePolicyDocument } from "../iam/common.ts";
import { iamStateOf } from "../iam/state.ts";

export interface StoredSession {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  principal: Omit<Principal, "accessKeyId">;
  /** AssumeRole's Policy and PolicyArns: they narrow what the session may do (authz/policies-of.ts). */
  sessionPolicies?: { document?: string; arns?: string[] };
}

export interface StsState {
  /** Issued sessions by access key id. */
  sessions: Record<string, StoredSession>;
}

export function stsStateOf(runtime: Runtime, accountId: string): StsState {
  const st = runtime.global<StsState>(accountId, "sts", () => ({ sessions: {} }));
  if (!st.sessions) st.sessions = {};
  return st;
}

/** Session keys sign requests as their session until they expire. */
export const resolveSessionKey: CredentialResolver = (runtime, accessKeyId) => {
  if (!accessKeyId.startsWith("ASIA")) return undefined;
  const s = stsStateOf(runtime, runtime.accountId).sessions[accessKeyId];
  if (!s) return undefined;
  return {
    accessKeyId,
    secretAccessKey: s.SecretAccessKey,
    sessionToken: s.SessionToken,
    principal: s.principal,
    active: true,
    expiration: s.Expiration,
  };
};

/** Modern STS tokens are base64 blobs starting with this prefix ("!\n\torigin_ec…"). */
function sessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(480).toString("base64")}`;
}

function issue(ctx: RequestContext, durationSeconds: number, principal: Omit<Principal, "accessKeyId">): StoredSession {
  return {
    AccessKeyId: iamId("ASIA"),
    SecretAccessKey: secretKey(),
    SessionToken: sessionToken(),
    Expiration: new Date(ctx.runtime.clock.now().getTime() + durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    principal,
  };
}

const credentialsOf = (s: StoredSession) => ({
  AccessKeyId: s.AccessKeyId,
  SecretAccessKey: s.SecretAccessKey,
  SessionToken: s.SessionToken,
  Expiration: s.Expiration as unknown as Date,
});

export const assumeRole: OpHandler<AssumeRoleCommandInput, AssumeRoleCommandOutput> = (input, ctx) => {
  const session = input.RoleSessionName ?? "";
  if (session.length < 2 || session.length > 64) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${session.length < 2 ? "greater than or equal to 2" : "less than or equal to 64"}`,
    );
  }
  if (!/^[\w+=,.@-]*$/.test(session)) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const arn = input.RoleArn ?? "";
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(arn)) throw new AwsError("ValidationError", `${arn} is invalid`);
  if (input.Policy !== undefined) validatePolicyDocument(input.Policy, "identity");
  const denied = () => new AwsError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`, 403);
  const accountId = arn.split(":")[4];
  const iam = iamStateOf(ctx.runtime, accountId);
  const role = iam.roles[arn.slice(arn.lastIndexOf("/") + 1)];
  if (!role || role.Arn !== arn) throw denied();
  // Whether the trust policy lets the caller in was decided before the handler, as IAM decides every call:
  // services/sts/authz.ts gives it as sts:AssumeRole's resource policy, which must allow even within the account.
  const chained = ctx.principal.type === "AssumedRole";
  const duration = input.DurationSeconds ?? 3600;
  if (duration < 900) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (chained && duration > 3600)
    throw new AwsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  if (duration > (role.MaxSessionDuration ?? 3600))
    throw new AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

  const now = ctx.runtime.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
  const assumedArn = `arn:aws:sts::${accountId}:assumed-role/${role.RoleName}/${session}`;
  const assumedId = `${role.RoleId}:${session}`;
  const s = issue(ctx, duration, {
    type: "AssumedRole",
    accountId,
    arn: assumedArn,
    principalId: assumedId,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: role.RoleId ?? "", arn: role.Arn ?? "", accountId, userName: role.RoleName ?? "" },
      creationDate: now,
      mfaAuthenticated: input.SerialNumber !== undefined && input.TokenCode !== undefined,
    },
  });
  const policyArns = (input.PolicyArns ?? []).map((p) => p.arn ?? "").filter((a) => a);
  if (input.Policy !== undefined || policyArns.length) {
    s.sessionPolicies = {
      ...(input.Policy !== undefined ? { document: plainDocument(input.Policy) } : {}),
      ...(policyArns.length ? { arns: policyArns } : {}),
    };
  }
  stsStateOf(ctx.runtime, accountId).sessions[s.AccessKeyId] = s;
  role.RoleLastUsed = { LastUsedDate: now, Region: ctx.region };
  return {
    Credentials: credentialsOf(s),
    AssumedRoleUser: { AssumedRoleId: assumedId, Arn: assumedArn },
    ...(input.SourceIdentity !== undefined ? { SourceIdentity: input.SourceIdentity } : {}),
  };
};

/** GetSessionToken is logged as a read but stores a session: sts declares it write(…, { loggedReadOnly: true }). */
export const getSessionToken: OpHandler<GetSessionTokenCommandInput, GetSessionTokenCommandOutput> = async (input, ctx) => {
  // Any temporary credentials (ASIA…), whether from AssumeRole or GetSessionToken itself.
  if (ctx.principal.type === "AssumedRole" || ctx.accessKeyId.startsWith("ASIA")) {
    throw new AwsError("AccessDenied", "Cannot call GetSessionToken with session credentials", 403);
  }
  const max = ctx.principal.type === "Root" ? 3600 : 129600;
  const duration = input.DurationSeconds ?? Math.min(43200, max);
  if (duration < 900 || duration > max) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? "greater than or equal to 900" : `less than or equal to ${max}`}`,
    );
  }
  const { accessKeyId: _k, ...principal } = ctx.principal;
  const s = issue(ctx, duration, principal);
  stsStateOf(ctx.runtime, ctx.accountId).sessions[s.AccessKeyId] = s;
  return { Credentials: credentialsOf(s) };
};

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The account id AWS encodes in bits 1..40 of a key id's base32 payload (keys issued since 2019). */
export function accountFromKeyId(keyId: string): string | undefined {
  const payload = keyId.slice(4);
  let bits = 0n;
  let n = 0;
  for (const c of payload) {
    const v = BASE32.indexOf(c);
    if (v < 0) return undefined;
    bits = (bits << 5n) | BigInt(v);
    n += 5;
  }
  if (n < 48) return undefined;
  const first48 = bits >> BigInt(n - 48);
  return ((first48 & 0x7fffffffff80n) >> 7n).toString().padStart(12, "0");
}

export const getAccessKeyInfo: OpHandler<GetAccessKeyInfoCommandInput, GetAccessKeyInfoCommandOutput> = (input, ctx) => {
  const id = input.AccessKeyId ?? "";
  if (id.length < 16 || id.length > 128 || !/^\w+$/.test(id)) {
    throw new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${id}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*`,
    );
  }
  const known = ctx.runtime.resolveCredential(id);
  const account = known?.principal.accountId ?? accountFromKeyId(id);
  if (!account) throw new AwsError("InvalidParameterValue", `The access key ID ${id} is not valid.`);
  return { Account: account };
};
