/**
 * What a call asks of IAM authorization, in the terms of AWS's policy evaluation: shared by the services (which say
 * what each operation touches), the evaluation engine (authz/engine/) and the dispatcher that enforces the decision.
 */

/**
 * A request context value as policy conditions compare it: a single value or a set (aws:TagKeys). Booleans,
 * numbers and dates are compared by the condition operator's type, so they may be given as strings ("true", "3",
 * "2026-02-26T04:00:00Z") or as their own type.
 */
export type ContextValue = string | number | boolean | Date | readonly (string | number | boolean)[];

/** Condition keys and their values; keys are matched case-insensitively ("aws:SourceIp", "aws:PrincipalTag/team"). */
export type ContextValues = Record<string, ContextValue>;

export type PolicyKind = "identity" | "resource" | "boundary" | "session" | "scp";

/** One policy taking part in a decision, named as AWS's denial messages and simulate-principal-policy name it. */
export interface NamedPolicy {
  kind: PolicyKind;
  /** The inline policy's name, or the managed policy's name. */
  name: string;
  /** Managed policies (and boundaries): their ARN. Inline policies have none. */
  arn?: string;
  /** What the policy is attached to (user, role, group or bucket ARN), for explanations. */
  attachedTo?: string;
  /** The JSON document (not URL-encoded). */
  document: string;
}

/**
 * One authorization an operation needs: an action on a resource, with the condition keys the resource and the
 * request supply. An operation may need several (RunInstances: the instance, its image, subnet, groups…; a call
 * with an instance profile: iam:PassRole on the role).
 */
export interface AuthzCheck {
  /** "ec2:TerminateInstances", in the Service Authorization Reference's spelling. */
  action: string;
  /** The resource's ARN, or "*" for actions that support no resource-level permissions. */
  resource: string;
  /** Owning account of the resource when it is known (S3 buckets, roles); defaults to the caller's account. */
  resourceAccount?: string;
  /** Keys of this resource and request (aws:ResourceTag/…, ec2:ResourceTag/…, s3:prefix, iam:PolicyARN…). */
  context?: ContextValues;
  /** The resource's own policy (a bucket policy, a role's trust policy for sts:AssumeRole). */
  resourcePolicy?: NamedPolicy;
}
