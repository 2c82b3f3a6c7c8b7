/**
 * The global condition keys of a request (aws:SourceIp, aws:CurrentTime, aws:TokenIssueTime, aws:PrincipalTag/…),
 * as AWS sets them for the caller's kind of credential. Keys AWS leaves out for a credential stay out: a condition
 * on aws:TokenIssueTime does not match a long-term access key, as in AWS.
 */
import type { ContextValues } from "../../../core/authz.ts";
import type { RequestContext } from "../../../core/types.ts";
import type { CallerPolicies } from "./policies-of.ts";

export function globalContext(ctx: RequestContext, caller: CallerPolicies): ContextValues {
  const p = ctx.principal;
  const out: ContextValues = {
    "aws:CurrentTime": ctx.time.toISOString(),
    "aws:EpochTime": String(Math.floor(ctx.time.getTime() / 1000)),
    "aws:SourceIp": ctx.sourceIp,
    "aws:UserAgent": ctx.userAgent,
    // The range stands in for AWS's HTTPS endpoints: a bucket policy denying aws:SecureTransport false (AWS's
    // best practice) must not lock out the student, whose real-world call would have used TLS.
    "aws:SecureTransport": "true",
    "aws:RequestedRegion": ctx.region,
    // aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and aws:username the engine derives from the caller
    // (authz/engine/context.ts); aws:userid it cannot (AIDA…, AROA…:session).
    "aws:userid": p.principalId,
    "aws:PrincipalIsAWSService": "false",
    "aws:ViaAWSService": "false",
  };
  for (const [k, v] of Object.entries(caller.tags)) out[`aws:PrincipalTag/${k}`] = v;
  if (caller.tags && Object.keys(caller.tags).length) out["aws:PrincipalTagKeys"] = Object.keys(caller.tags);
  // Only temporary credentials carry an issue time and an MFA flag (AWS leaves both out for long-term keys).
  const session = p.sessionContext;
  if (session || p.accessKeyId.startsWith("ASIA")) {
    if (session?.creationDate) out["aws:TokenIssueTime"] = session.creationDate;
    out["aws:MultiFactorAuthPresent"] = session?.mfaAuthenticated ? "true" : "false";
  }
  if (session?.ec2RoleDelivery) {
    // Instance-profile credentials: the instance they were delivered to (the session name is its id).
    const instanceId = p.arn.slice(p.arn.lastIndexOf("/") + 1);
    // The instance runs in the scenario's home region whichever region the session calls.
    if (instanceId.startsWith("i-")) out["ec2:SourceInstanceARN"] = `arn:aws:ec2:${ctx.runtime.manifest.homeRegion}:${p.accountId}:instance/${instanceId}`;
    out["ec2:RoleDelivery"] = session.ec2RoleDelivery;
  }
  return out;
}
