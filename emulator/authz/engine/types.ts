/** The engine's API types: who asks, for what, under which policies, and what AWS would decide. */
import type { ContextValues, NamedPolicy, PolicyKind } from "../../core/authz.ts";

export interface AuthzPrincipal {
  type: "IAMUser" | "AssumedRole" | "Root" | "FederatedUser" | "Service" | "Anonymous";
  /** The caller's ARN: arn:aws:iam::111122223333:user/alice, arn:aws:sts::111122223333:assumed-role/Web/i-0abc…, arn:aws:iam::111122223333:root */
  arn: string;
  accountId: string;
  /** Role sessions: the role's ARN (a resource policy naming the role matches its sessions). */
  roleArn?: string;
  /** Service principals: "ec2.amazonaws.com". */
  service?: string;
  /** Federated user sessions (GetFederationToken): the IAM user who federated; a resource policy naming it matches the session. */
  userArn?: string;
  /** Web identity / SAML role sessions: the provider a trust policy's {"Federated": …} names. */
  federatedProvider?: string;
  /** S3's canonical user ID of the principal's account, for {"CanonicalUser": …}. */
  canonicalUserId?: string;
}

export interface EvaluationRequest {
  principal: AuthzPrincipal;
  /** "s3:GetObject" */
  action: string;
  /** ARN or "*" */
  resource: string;
  /** Defaults to principal.accountId. */
  resourceAccount?: string;
  /**
   * All request context keys (global and service keys), case-insensitive names. aws:PrincipalArn, aws:PrincipalAccount,
   * aws:PrincipalType, aws:username (IAM users), aws:PrincipalServiceName and aws:ResourceAccount are derived from the
   * principal and resource account when absent; nothing is read from the wall clock (give aws:CurrentTime).
   */
  context: ContextValues;
}

export interface PolicySet {
  /** inline + managed + group policies of the principal (for a role session: the role's) */
  identity: NamedPolicy[];
  /** bucket policy, role trust policy… */
  resource?: NamedPolicy;
  /** permissions boundary of the user/role */
  boundary?: NamedPolicy;
  /** session policies (AssumeRole Policy/PolicyArns) */
  session?: NamedPolicy[];
  /** organization SCPs that apply (all must allow) */
  scps?: NamedPolicy[];
  /**
   * The resource policy must allow even within the same account: role trust policies (sts:AssumeRole…) and KMS key
   * policies (reference_policies_evaluation-logic.html, "Resource-based policies"). Defaults to true when a resource
   * policy is given for an sts: or kms: action, false otherwise.
   */
  resourcePolicyRequired?: boolean;
}

export interface MatchedStatement {
  policy: NamedPolicy;
  index: number;
  sid?: string;
  effect: "Allow" | "Deny";
}

export interface Decision {
  /** IAM simulate-principal-policy's EvalDecision values */
  decision: "allowed" | "explicitDeny" | "implicitDeny";
  /**
   * For denials, what AWS's AccessDenied message names: an explicit deny's policy (kind + policy), or for an implicit
   * deny the policy type that did not allow (identity, boundary, session, scp, resource).
   */
  deniedBy?: { kind: PolicyKind; policy?: NamedPolicy };
  /** Statements whose Action/Resource/Principal/Condition all matched, allow and deny, in evaluation order. */
  matched: MatchedStatement[];
  /** Condition keys that statements relevant to this action/resource tested and the context did not have. */
  missingContextKeys: string[];
}
