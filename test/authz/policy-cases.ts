// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${aws:username} and the like are IAM policy variables, written literally.
/**
 * The policy-case table (issue #13): requests, the policies AWS's documentation shows, and the decision AWS documents
 * for them. Each case names the page its policy or rule comes from. Run by policy-cases.test.ts.
 */

import type { AuthzPrincipal, Decision, EvaluationRequest, PolicySet } from "../../emulator/authz/engine/index.ts";
import type { ContextValues, NamedPolicy, PolicyKind } from "../../emulator/core/authz.ts";

export interface PolicyCase {
  name: string;
  /** The AWS documentation page the example or rule comes from. */
  source: string;
  request: EvaluationRequest;
  policies: PolicySet;
  expected: {
    decision: Decision["decision"];
    deniedBy?: PolicyKind;
    /** The name of the policy an explicit deny is in. */
    deniedByPolicy?: string;
    /** Sids (or "#index" for statements without one) of the matched statements, in evaluation order. */
    matched?: string[];
    missingContextKeys?: string[];
  };
}

// --- Sources ---------------------------------------------------------------------------------------------------------
const iam = (page: string, anchor?: string) => `https://docs.aws.amazon.com/IAM/latest/UserGuide/${page}.html${anchor ? `#${anchor}` : ""}`;
const EVAL = iam("reference_policies_evaluation-logic");
const EVAL_SAME_ACCOUNT = iam("reference_policies_evaluation-logic", "policy-eval-denyallow");
const CROSS = iam("reference_policies_evaluation-logic-cross-account");
const OPERATORS = iam("reference_policies_elements_condition_operators");
const MULTI = iam("reference_policies_multi-value-conditions");
const VARIABLES = iam("reference_policies_variables");
const RESOURCE = iam("reference_policies_elements_resource");
const PRINCIPAL = iam("reference_policies_elements_principal");
const NOT_PRINCIPAL = iam("reference_policies_elements_notprincipal");
const BOUNDARIES = iam("access_policies_boundaries");
const SESSION = iam("access_policies", "policies_session");
const REVOKE = iam("id_roles_use_revoke-sessions");
const DISABLE_TEMP = iam("id_credentials_temp_control-access_disable-perms");
const S3_EXAMPLES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html";
const SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html";
const MANAGED = (name: string) => `https://docs.aws.amazon.com/aws-managed-policy/latest/reference/${name}.html`;

// --- Principals ------------------------------------------------------------------------------------------------------
export const ACCOUNT = "111122223333";
export const OTHER = "444455556666";

const user = (name: string, account = ACCOUNT, path = "/"): AuthzPrincipal => ({
  type: "IAMUser",
  arn: `arn:aws:iam::${account}:user${path}${name}`,
  accountId: account,
});
const session = (role: string, name: string, account = ACCOUNT): AuthzPrincipal => ({
  type: "AssumedRole",
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
  accountId: account,
  roleArn: `arn:aws:iam::${account}:role/${role}`,
});
const root = (account = ACCOUNT): AuthzPrincipal => ({ type: "Root", arn: `arn:aws:iam::${account}:root`, accountId: account });
const federated = (name: string, viaUser: string, account = ACCOUNT): AuthzPrincipal => ({
  type: "FederatedUser",
  arn: `arn:aws:sts::${account}:federated-user/${name}`,
  accountId: account,
  userArn: `arn:aws:iam::${account}:user/${viaUser}`,
});
const service = (name: string, account = ACCOUNT): AuthzPrincipal => ({ type: "Service", arn: name, accountId: account, service: name });
const anonymous: AuthzPrincipal = { type: "Anonymous", arn: "anonymous", accountId: "" };

const req = (principal: AuthzPrincipal, action: string, resource: string, context: ContextValues = {}, resourceAccount?: string): EvaluationRequest => ({
  principal,
  action,
  resource,
  context,
  ...(resourceAccount && { resourceAccount }),
});

// --- Policies --------------------------------------------------------------------------------------------------------
type Doc = Record<string, unknown>;
const named = (kind: PolicyKind, name: string, document: Doc | string, arn?: string): NamedPolicy => ({
  kind,
  name,
  document: typeof document === "string" ? document : JSON.stringify(document),
  ...(arn && { arn }),
});
const v12 = (...Statement: Doc[]): Doc => ({ Version: "2012-10-17", Statement });
const identity = (name: string, doc: Doc, arn?: string) => named("identity", name, doc, arn);
const resourcePolicy = (name: string, doc: Doc) => named("resource", name, doc);
const boundary = (name: string, doc: Doc) => named("boundary", name, doc, `arn:aws:iam::${ACCOUNT}:policy/${name}`);
const sessionPolicy = (name: string, doc: Doc) => named("session", name, doc);
const scp = (name: string, doc: Doc) =>
  named("scp", name, doc, `arn:aws:organizations::${ACCOUNT}:policy/o-exampleorgid/service_control_policy/p-${name.toLowerCase()}`);
const allowAll = (name = "AdministratorAccess") => identity(name, v12({ Effect: "Allow", Action: "*", Resource: "*" }), `arn:aws:iam::aws:policy/${name}`);
const allow = (name: string, Action: string | string[], Resource: string | string[] = "*") => identity(name, v12({ Effect: "Allow", Action, Resource }));

const allowed = (extra: Partial<PolicyCase["expected"]> = {}): PolicyCase["expected"] => ({ decision: "allowed", ...extra });
const explicit = (kind: PolicyKind, policy?: string, extra: Partial<PolicyCase["expected"]> = {}): PolicyCase["expected"] => ({
  decision: "explicitDeny",
  deniedBy: kind,
  ...(policy && { deniedByPolicy: policy }),
  ...extra,
});
const implicit = (kind: PolicyKind, extra: Partial<PolicyCase["expected"]> = {}): PolicyCase["expected"] => ({
  decision: "implicitDeny",
  deniedBy: kind,
  ...extra,
});

// Documents as the pages print them (bucket names and accounts as there, or the range's documentation values).
const CARLOS = identity(
  "carlossalazar-s3",
  v12(
    {
      Sid: "AllowS3ListRead",
      Effect: "Allow",
      Action: ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
      Resource: "arn:aws:s3:::*",
    },
    { Sid: "AllowS3Self", Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"] },
    { Sid: "DenyS3Logs", Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::*log*" },
  ),
);
const CARLOS_BUCKET = resourcePolicy(
  "carlossalazar bucket policy",
  v12({
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/carlossalazar` },
    Action: "s3:*",
    Resource: ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
  }),
);
const GET_LIST_NO_REPORTS = identity(
  "iam-read-no-reports",
  v12(
    { Sid: "AllowGetList", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    { Sid: "DenyReports", Effect: "Deny", Action: "iam:*Report", Resource: "*" },
  ),
);
const AWS_DENY_ALL = identity("AWSDenyAll", v12({ Effect: "Deny", Action: "*", Resource: "*" }), "arn:aws:iam::aws:policy/AWSDenyAll");
const AWS_COMPROMISED_KEY_QUARANTINE = identity(
  "AWSCompromisedKeyQuarantine",
  v12({
    Effect: "Deny",
    Action: [
      "iam:AttachGroupPolicy",
      "iam:AttachRolePolicy",
      "iam:AttachUserPolicy",
      "iam:ChangePassword",
      "iam:CreateAccessKey",
      "iam:CreateInstanceProfile",
      "iam:CreateLoginProfile",
      "iam:CreateRole",
      "iam:CreateUser",
      "iam:DetachUserPolicy",
      "iam:PutUserPermissionsBoundary",
      "iam:PutUserPolicy",
      "iam:UpdateAccessKey",
      "iam:UpdateAccountPasswordPolicy",
      "iam:UpdateUser",
      "ec2:RequestSpotInstances",
      "ec2:RunInstances",
      "ec2:StartInstances",
      "organizations:CreateAccount",
      "organizations:CreateOrganization",
      "organizations:InviteAccountToOrganization",
      "lambda:CreateFunction",
      "lightsail:Create*",
      "lightsail:Start*",
      "lightsail:Delete*",
      "lightsail:Update*",
      "lightsail:GetInstanceAccessDetails",
      "lightsail:DownloadDefaultKeyPair",
    ],
    Resource: ["*"],
  }),
  "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine",
);
/** The inline policy IAM's "Revoke active sessions" writes, with the moment of revocation. */
const REVOKED_AT = "2026-02-26T04:00:00Z";
const AWS_REVOKE_OLDER_SESSIONS = identity(
  "AWSRevokeOlderSessions",
  v12({ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": REVOKED_AT } } }),
);
const EC2_FULL = identity(
  "AmazonEC2FullAccess",
  v12(
    { Action: "ec2:*", Effect: "Allow", Resource: "*" },
    { Effect: "Allow", Action: "elasticloadbalancing:*", Resource: "*" },
    { Effect: "Allow", Action: "cloudwatch:*", Resource: "*" },
    { Effect: "Allow", Action: "autoscaling:*", Resource: "*" },
  ),
  "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
);
const DENY_OUTSIDE_REGIONS = v12({
  Sid: "DenyAllOutsideRequestedRegions",
  Effect: "Deny",
  NotAction: ["cloudfront:*", "iam:*", "route53:*", "support:*"],
  Resource: "*",
  Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3"] } },
});
const DENY_IP = identity(
  "deny-outside-ip",
  v12({
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] }, Bool: { "aws:ViaAWSService": "false" } },
  }),
);
const REQUIRE_MFA_EC2 = identity(
  "ec2-require-mfa",
  v12(
    { Sid: "AllowAllActionsForEC2", Effect: "Allow", Action: "ec2:*", Resource: "*" },
    {
      Sid: "DenyStopAndTerminateWhenMFAIsNotPresent",
      Effect: "Deny",
      Action: ["ec2:StopInstances", "ec2:TerminateInstances"],
      Resource: "*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": false } },
    },
  ),
);
const MFA_DATES = identity(
  "mfa-dates",
  v12({
    Effect: "Allow",
    Action: ["service-prefix-1:*", "service-prefix-2:action-name-a", "service-prefix-2:action-name-b"],
    Resource: "*",
    Condition: {
      Bool: { "aws:MultiFactorAuthPresent": true },
      DateGreaterThan: { "aws:CurrentTime": "2017-07-01T00:00:00Z" },
      DateLessThan: { "aws:CurrentTime": "2017-12-31T23:59:59Z" },
    },
  }),
);
const HOME_DIRECTORY = identity(
  "s3-home-directory",
  v12(
    {
      Sid: "S3ConsoleAccess",
      Effect: "Allow",
      Action: [
        "s3:GetAccountPublicAccessBlock",
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:ListAccessPoints",
        "s3:ListAllMyBuckets",
      ],
      Resource: "*",
    },
    {
      Sid: "ListObjectsInBucket",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::bucket-name",
      Condition: { StringLike: { "s3:prefix": ["", "home/", "home/${aws:username}/*"] } },
    },
    { Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::bucket-name/home/${aws:username}", "arn:aws:s3:::bucket-name/home/${aws:username}/*"] },
  ),
);
const ABAC_COST_CENTER = identity(
  "start-stop-matching-tags",
  v12({
    Effect: "Allow",
    Action: ["ec2:startInstances", "ec2:stopInstances"],
    Resource: "*",
    Condition: { StringEquals: { "aws:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}" } },
  }),
);
const RUN_INSTANCE_TYPES = identity(
  "run-t-instances",
  v12(
    {
      Sid: "RunInstance",
      Effect: "Allow",
      Action: "ec2:RunInstances",
      Resource: "*",
      Condition: { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } },
    },
    { Sid: "DescribeActions", Effect: "Allow", Action: ["ec2:DescribeImages", "ec2:DescribeInstances"], Resource: "*" },
  ),
);
const DYNAMO_ALLOWED_ATTRIBUTES = identity(
  "thread-attributes",
  v12({
    Effect: "Allow",
    Action: "dynamodb:GetItem",
    Resource: "arn:aws:dynamodb:*:*:table/Thread",
    Condition: { "ForAllValues:StringEquals": { "dynamodb:Attributes": ["ID", "Message", "Tags"] } },
  }),
);
const DYNAMO_DENY_ATTRIBUTES = identity(
  "thread-protected-attributes",
  v12({
    Effect: "Deny",
    Action: "dynamodb:PutItem",
    Resource: "arn:aws:dynamodb:*:*:table/Thread",
    Condition: { "ForAnyValue:StringEquals": { "dynamodb:Attributes": ["ID", "PostDateTime"] } },
  }),
);
const DYNAMO_PUT = allow("dynamodb-put", "dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/Thread");
const THREAD = `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/Thread`;
const XCOMPANY_BOUNDARY = boundary(
  "XCompanyBoundaries",
  v12(
    { Sid: "ServiceBoundaries", Effect: "Allow", Action: ["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"], Resource: "*" },
    { Sid: "AllowIAMConsoleForCredentials", Effect: "Allow", Action: ["iam:ListUsers", "iam:GetAccountPasswordPolicy"], Resource: "*" },
    {
      Sid: "AllowManageOwnPasswordAndAccessKeys",
      Effect: "Allow",
      Action: ["iam:*AccessKey*", "iam:ChangePassword", "iam:GetUser", "iam:*ServiceSpecificCredential*", "iam:*SigningCertificate*"],
      Resource: ["arn:aws:iam::*:user/${aws:username}"],
    },
    { Sid: "DenyS3Logs", Effect: "Deny", Action: "s3:*", Resource: ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"] },
    { Sid: "DenyEC2Production", Effect: "Deny", Action: "ec2:*", Resource: "arn:aws:ec2:*:*:instance/i-1234567890abcdef0" },
  ),
);
const SHIRLEY_BOUNDARY = boundary("ShirleyBoundary", v12({ Effect: "Allow", Action: ["s3:*", "cloudwatch:*", "ec2:*"], Resource: "*" }));
const S3_ONLY_BOUNDARY = boundary("S3OnlyBoundary", v12({ Effect: "Allow", Action: "s3:*", Resource: "*" }));
const SECURE_TRANSPORT_BUCKET = resourcePolicy(
  "DOC-EXAMPLE-BUCKET policy",
  v12({
    Sid: "BooleanExample",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  }),
);
const PUBLIC_READ = resourcePolicy(
  "public-read",
  v12({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"] }),
);
const IP_MIX = resourcePolicy("ip-mix", {
  Id: "PolicyId2",
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AllowIPmix",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
      Condition: {
        IpAddress: { "aws:SourceIp": ["54.240.143.0/24", "2001:DB8:1234:5678::/64"] },
        NotIpAddress: { "aws:SourceIp": ["54.240.143.128/30", "2001:DB8:1234:5678:ABCD::/80"] },
      },
    },
  ],
});
const TAX_MFA = resourcePolicy("taxdocuments-mfa", {
  Version: "2012-10-17",
  Id: "123",
  Statement: [
    {
      Sid: "",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/taxdocuments/*",
      Condition: { Null: { "aws:MultiFactorAuthAge": true } },
    },
    {
      Sid: "",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/taxdocuments/*",
      Condition: { NumericGreaterThan: { "aws:MultiFactorAuthAge": 3600 } },
    },
    { Sid: "", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*" },
  ],
});
const INVENTORY_DESTINATION = resourcePolicy(
  "destinationbucket policy",
  v12({
    Sid: "InventoryAndAnalyticsExamplePolicy",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: ["arn:aws:s3:::destinationbucket/*"],
    Condition: {
      ArnLike: { "aws:SourceArn": "arn:aws:s3:::sourcebucket" },
      StringEquals: { "aws:SourceAccount": "123456789012", "s3:x-amz-acl": "bucket-owner-full-control" },
    },
  }),
);
const EC2_TRUST = named("resource", "trust policy of WebRole", v12({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }));
const ACCOUNT_TRUST = (account: string) =>
  named("resource", "trust policy of CrossAccountRole", v12({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "sts:AssumeRole" }));
const ROLE = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const INSTANCE = (id: string, region = "ap-northeast-1") => `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`;
const OBJECT = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const BUCKET = (bucket: string) => `arn:aws:s3:::${bucket}`;

export const POLICY_CASES: PolicyCase[] = [
  // --- The evaluation logic within one account ---------------------------------------------------------------------
  {
    name: "no policy at all: implicitly denied, no identity-based policy allows",
    source: EVAL_SAME_ACCOUNT,
    request: req(user("alice"), "s3:ListAllMyBuckets", "*"),
    policies: { identity: [] },
    expected: implicit("identity", { matched: [] }),
  },
  {
    name: "Carlos saves to carlossalazar-logs: his own DenyS3Logs explicitly denies",
    source: EVAL,
    request: req(user("carlossalazar"), "s3:PutObject", OBJECT("carlossalazar-logs", "app.log")),
    policies: { identity: [CARLOS] },
    expected: explicit("identity", "carlossalazar-s3", { matched: ["DenyS3Logs"] }),
  },
  {
    name: "Carlos saves to carlossalazar: identity and bucket policy both allow",
    source: EVAL,
    request: req(user("carlossalazar"), "s3:PutObject", OBJECT("carlossalazar", "notes.txt")),
    policies: { identity: [CARLOS], resource: CARLOS_BUCKET },
    expected: allowed({ matched: ["#0", "AllowS3Self"] }),
  },
  {
    name: "same account: a bucket policy naming the user allows with no identity policy at all",
    source: EVAL,
    request: req(user("carlossalazar"), "s3:GetObject", OBJECT("carlossalazar", "notes.txt")),
    policies: { identity: [], resource: CARLOS_BUCKET },
    expected: allowed(),
  },
  {
    name: "an explicit deny in the identity policy overrides the bucket policy's allow",
    source: EVAL,
    request: req(user("carlossalazar"), "s3:PutObject", OBJECT("carlossalazar", "access.log")),
    policies: { identity: [identity("deny-logs", v12({ Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::*log*" }))], resource: CARLOS_BUCKET },
    expected: explicit("identity", "deny-logs"),
  },
  {
    name: "AllowGetList allows iam:GetUser",
    source: iam("reference_policies_evaluation-logic", "AccessPolicyLanguage_Interplay"),
    request: req(user("alice"), "iam:GetUser", `arn:aws:iam::${ACCOUNT}:user/bob`),
    policies: { identity: [GET_LIST_NO_REPORTS] },
    expected: allowed({ matched: ["AllowGetList"] }),
  },
  {
    name: "iam:CreatePolicy is implicitly denied by the Get/List policy",
    source: iam("reference_policies_evaluation-logic", "AccessPolicyLanguage_Interplay"),
    request: req(user("alice"), "iam:CreatePolicy", "*"),
    policies: { identity: [GET_LIST_NO_REPORTS] },
    expected: implicit("identity"),
  },
  {
    name: "iam:GetOrganizationsAccessReport matches both iam:Get* and iam:*Report: the deny wins",
    source: iam("reference_policies_evaluation-logic", "AccessPolicyLanguage_Interplay"),
    request: req(user("alice"), "iam:GetOrganizationsAccessReport", "*"),
    policies: { identity: [GET_LIST_NO_REPORTS] },
    expected: explicit("identity", "iam-read-no-reports", { matched: ["AllowGetList", "DenyReports"] }),
  },
  {
    name: "iam:GenerateCredentialReport stays denied even when another policy allows it",
    source: iam("reference_policies_evaluation-logic", "AccessPolicyLanguage_Interplay"),
    request: req(user("alice"), "iam:GenerateCredentialReport", "*"),
    policies: { identity: [GET_LIST_NO_REPORTS, allow("reports", "iam:GenerateCredentialReport")] },
    expected: explicit("identity", "iam-read-no-reports"),
  },
  {
    name: "the root user has full access in its account without any policy",
    source: EVAL_SAME_ACCOUNT,
    request: req(root(), "iam:CreateUser", "*"),
    policies: { identity: [] },
    expected: allowed(),
  },
  {
    name: "the root user is stopped by an explicit deny in a bucket policy",
    source: EVAL_SAME_ACCOUNT,
    request: req(root(), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "a.txt"), { "aws:SecureTransport": false }),
    policies: { identity: [], resource: SECURE_TRANSPORT_BUCKET },
    expected: explicit("resource", "DOC-EXAMPLE-BUCKET policy", { matched: ["BooleanExample"] }),
  },

  // --- Action and NotAction ----------------------------------------------------------------------------------------
  {
    name: "action names match case-insensitively (ec2:startInstances allows ec2:StartInstances)",
    source: iam("reference_policies_examples_ec2-start-stop-match-tags"),
    request: req(user("alice"), "ec2:StartInstances", INSTANCE("i-0abc"), { "aws:ResourceTag/CostCenter": "42", "aws:PrincipalTag/CostCenter": "42" }),
    policies: { identity: [ABAC_COST_CENTER] },
    expected: allowed(),
  },
  {
    name: "a service prefix wildcard: s3:Get* allows s3:GetObject",
    source: iam("reference_policies_elements_action"),
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k")),
    policies: { identity: [allow("s3-read", "s3:Get*")] },
    expected: allowed(),
  },
  {
    name: "s3:Get* does not allow s3:PutObject",
    source: iam("reference_policies_elements_action"),
    request: req(user("alice"), "s3:PutObject", OBJECT("b", "k")),
    policies: { identity: [allow("s3-read", "s3:Get*")] },
    expected: implicit("identity"),
  },
  {
    name: "a wildcard inside the name: iam:*AccessKey* allows iam:CreateAccessKey",
    source: OPERATORS,
    request: req(user("alice"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/alice`, { "aws:PrincipalTag/job-category": "iamuser-admin" }),
    policies: {
      identity: [
        identity(
          "access-keys",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { StringEquals: { "aws:PrincipalTag/job-category": "iamuser-admin" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "the single-character wildcard: ec2:Describe?nstances allows ec2:DescribeInstances",
    source: iam("reference_policies_elements_action"),
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: { identity: [allow("describe", "ec2:Describe?nstances")] },
    expected: allowed(),
  },
  {
    name: "NotAction with Allow: everything except IAM is allowed",
    source: iam("reference_policies_elements_notaction"),
    request: req(user("alice"), "s3:ListAllMyBuckets", "*"),
    policies: { identity: [identity("all-but-iam", v12({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))] },
    expected: allowed(),
  },
  {
    name: "NotAction with Allow: IAM actions are not allowed",
    source: iam("reference_policies_elements_notaction"),
    request: req(user("alice"), "iam:CreateUser", "*"),
    policies: { identity: [identity("all-but-iam", v12({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))] },
    expected: implicit("identity"),
  },
  {
    name: "deny outside regions: ec2:RunInstances in us-east-1 is explicitly denied",
    source: iam("reference_policies_examples_aws_deny-requested-region"),
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*", "us-east-1"), { "aws:RequestedRegion": "us-east-1" }),
    policies: { identity: [allowAll(), identity("deny-regions", DENY_OUTSIDE_REGIONS)] },
    expected: explicit("identity", "deny-regions", { matched: ["#0", "DenyAllOutsideRequestedRegions"] }),
  },
  {
    name: "deny outside regions: IAM (NotAction) is not denied in us-east-1",
    source: iam("reference_policies_examples_aws_deny-requested-region"),
    request: req(user("alice"), "iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:RequestedRegion": "us-east-1" }),
    policies: { identity: [allowAll(), identity("deny-regions", DENY_OUTSIDE_REGIONS)] },
    expected: allowed(),
  },
  {
    name: "deny outside regions: a listed region is not denied (StringNotEquals with several values is a NOR)",
    source: MULTI,
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*", "eu-west-2"), { "aws:RequestedRegion": "eu-west-2" }),
    policies: { identity: [allowAll(), identity("deny-regions", DENY_OUTSIDE_REGIONS)] },
    expected: allowed(),
  },

  // --- Resource and NotResource ------------------------------------------------------------------------------------
  {
    name: "a * in the resource segment crosses slashes: DOC-EXAMPLE-BUCKET/*/test/* matches 1/2/test/3/object.jpg",
    source: RESOURCE,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "1/2/test/3/object.jpg")),
    policies: { identity: [allow("test-objects", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")] },
    expected: allowed(),
  },
  {
    name: "DOC-EXAMPLE-BUCKET/*/test/* matches //test/object.jpg (an empty run)",
    source: RESOURCE,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "/test/object.jpg")),
    policies: { identity: [allow("test-objects", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")] },
    expected: allowed(),
  },
  {
    name: "DOC-EXAMPLE-BUCKET/*/test/* does not match 1-test/object.jpg",
    source: RESOURCE,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "1-test/object.jpg")),
    policies: { identity: [allow("test-objects", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")] },
    expected: implicit("identity"),
  },
  {
    name: "DOC-EXAMPLE-BUCKET/*/test/* does not match test/object.jpg",
    source: RESOURCE,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "test/object.jpg")),
    policies: { identity: [allow("test-objects", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")] },
    expected: implicit("identity"),
  },
  {
    name: "the user name in a resource ARN is case-sensitive: user/Bob does not match user/bob",
    source: RESOURCE,
    request: req(user("alice"), "iam:GetUser", `arn:aws:iam::${ACCOUNT}:user/bob`),
    policies: { identity: [allow("bob-only", "iam:GetUser", `arn:aws:iam::${ACCOUNT}:user/Bob`)] },
    expected: implicit("identity"),
  },
  {
    name: "a path wildcard: user/accounting/* matches the users under /accounting/",
    source: RESOURCE,
    request: req(user("alice"), "iam:GetUser", `arn:aws:iam::${ACCOUNT}:user/accounting/dana`),
    policies: { identity: [allow("accounting", "iam:GetUser", `arn:aws:iam::${ACCOUNT}:user/accounting/*`)] },
    expected: allowed(),
  },
  {
    name: "a wildcard in the region and account segments: arn:aws:ec2:*:*:instance/* matches an instance in any region",
    source: RESOURCE,
    request: req(user("alice"), "ec2:TerminateInstances", INSTANCE("i-0abc", "us-east-1")),
    policies: { identity: [allow("instances", "ec2:TerminateInstances", "arn:aws:ec2:*:*:instance/*")] },
    expected: allowed(),
  },
  {
    name: "a wildcard in a segment stops at the colon: finance/* under account 111122223333 does not match a resource of 999999999999",
    source: iam("reference_policies_elements_condition_operators", "Conditions_ARN"),
    request: req(user("alice"), "someservice:Get", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"),
    policies: { identity: [allow("finance", "someservice:Get", "arn:aws:someservice:*:111122223333:finance/*")] },
    expected: implicit("identity"),
  },
  {
    name: "a * ending a short ARN expands beyond the colons: arn:aws:s3:* matches every S3 resource",
    source: RESOURCE,
    request: req(user("alice"), "s3:GetObject", OBJECT("any-bucket", "k")),
    policies: { identity: [allow("s3-anything", "s3:GetObject", "arn:aws:s3:*")] },
    expected: allowed(),
  },
  {
    name: "an action with no resource-level permissions (resource *) is allowed by Resource *",
    source: RESOURCE,
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: { identity: [allow("describe", "ec2:DescribeInstances")] },
    expected: allowed(),
  },
  {
    name: "an action with no resource-level permissions is not allowed by an instance ARN pattern",
    source: RESOURCE,
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: { identity: [allow("describe", "ec2:DescribeInstances", "arn:aws:ec2:*:*:instance/*")] },
    expected: implicit("identity"),
  },
  {
    name: "NotAction + NotResource deny: s3 in bucket-name is allowed",
    source: iam("reference_policies_examples_s3_deny-except-bucket"),
    request: req(user("alice"), "s3:GetObject", OBJECT("bucket-name", "report.csv")),
    policies: {
      identity: [
        identity(
          "s3-one-bucket",
          v12(
            { Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::bucket-name", "arn:aws:s3:::bucket-name/*"] },
            { Effect: "Deny", NotAction: "s3:*", NotResource: ["arn:aws:s3:::bucket-name", "arn:aws:s3:::bucket-name/*"] },
          ),
        ),
      ],
    },
    expected: allowed({ matched: ["#0"] }),
  },
  {
    name: "NotAction + NotResource deny: every other service is explicitly denied, even with AmazonEC2FullAccess",
    source: iam("reference_policies_examples_s3_deny-except-bucket"),
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [
        EC2_FULL,
        identity(
          "s3-one-bucket",
          v12(
            { Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::bucket-name", "arn:aws:s3:::bucket-name/*"] },
            { Effect: "Deny", NotAction: "s3:*", NotResource: ["arn:aws:s3:::bucket-name", "arn:aws:s3:::bucket-name/*"] },
          ),
        ),
      ],
    },
    expected: explicit("identity", "s3-one-bucket"),
  },
  {
    name: "NotResource with Allow: every bucket except the listed one",
    source: iam("reference_policies_elements_notresource"),
    request: req(user("alice"), "s3:GetObject", OBJECT("HRBucket", "Payroll/salaries.csv")),
    policies: {
      identity: [
        identity("not-payroll", v12({ Effect: "Allow", Action: "s3:*", NotResource: ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"] })),
      ],
    },
    expected: implicit("identity"),
  },

  // --- String operators ----------------------------------------------------------------------------------------------
  {
    name: "StringEquals on a principal tag: tagged iamuser-admin is allowed",
    source: OPERATORS,
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:PrincipalTag/job-category": "iamuser-admin" }),
    policies: {
      identity: [
        identity(
          "access-keys",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { StringEquals: { "aws:PrincipalTag/job-category": "iamuser-admin" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "StringEquals with the tag absent: the condition is false, and the key is reported missing",
    source: OPERATORS,
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/bob`),
    policies: {
      identity: [
        identity(
          "access-keys",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { StringEquals: { "aws:PrincipalTag/job-category": "iamuser-admin" } },
          }),
        ),
      ],
    },
    expected: implicit("identity", { missingContextKeys: ["aws:PrincipalTag/job-category"] }),
  },
  {
    name: "StringEquals is case-sensitive in values; key names are not",
    source: OPERATORS,
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/bob`, { "AWS:PRINCIPALTAG/JOB-CATEGORY": "IAMuser-admin" }),
    policies: {
      identity: [
        identity(
          "access-keys",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { StringEquals: { "aws:PrincipalTag/job-category": "iamuser-admin" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "StringEqualsIgnoreCase with several keys (AND) and several values (OR), plus StringEquals: all hold",
    source: MULTI,
    request: req(user("alice"), "s3:GetObject", OBJECT("audit", "a"), {
      "aws:PrincipalTag/department": "HR",
      "aws:PrincipalTag/role": "AUDIT",
      "aws:PrincipalAccount": "123456789012",
    }),
    policies: {
      identity: [
        identity(
          "audit",
          v12({
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: {
              StringEqualsIgnoreCase: { "aws:PrincipalTag/department": ["finance", "hr", "legal"], "aws:PrincipalTag/role": ["audit", "security"] },
              StringEquals: { "aws:PrincipalAccount": "123456789012" },
            },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "multiple keys are ANDed: without the role tag the statement does not apply",
    source: MULTI,
    request: req(user("alice"), "s3:GetObject", OBJECT("audit", "a"), { "aws:PrincipalTag/department": "finance", "aws:PrincipalAccount": "123456789012" }),
    policies: {
      identity: [
        identity(
          "audit",
          v12({
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: {
              StringEqualsIgnoreCase: { "aws:PrincipalTag/department": ["finance", "hr", "legal"], "aws:PrincipalTag/role": ["audit", "security"] },
              StringEquals: { "aws:PrincipalAccount": "123456789012" },
            },
          }),
        ),
      ],
    },
    expected: implicit("identity", { missingContextKeys: ["aws:PrincipalTag/role"] }),
  },
  {
    name: "StringNotEqualsIgnoreCase: a value equal but for case does not satisfy the negation",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k"), { "aws:PrincipalTag/team": "RED" }),
    policies: {
      identity: [
        allowAll(),
        identity("not-red", v12({ Effect: "Deny", Action: "*", Resource: "*", Condition: { StringNotEqualsIgnoreCase: { "aws:PrincipalTag/team": "red" } } })),
      ],
    },
    expected: allowed(),
  },
  {
    name: "StringLike with wildcards: the aws:Referer bucket policy allows pages of www.example.com",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "photo.jpg"), { "aws:Referer": "http://www.example.com/gallery/1" }, ACCOUNT),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "referer",
        v12({
          Sid: "Allow get requests originating from www.example.com and example.com.",
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject", "s3:GetObjectVersion"],
          Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
          Condition: { StringLike: { "aws:Referer": ["http://www.example.com/*", "http://example.com/*"] } },
        }),
      ),
    },
    expected: allowed({ matched: ["Allow get requests originating from www.example.com and example.com."] }),
  },
  {
    name: "StringLike: a referer of another site is not allowed",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "photo.jpg"), { "aws:Referer": "http://attacker.example/www.example.com/" }, ACCOUNT),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "referer",
        v12({
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject", "s3:GetObjectVersion"],
          Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
          Condition: { StringLike: { "aws:Referer": ["http://www.example.com/*", "http://example.com/*"] } },
        }),
      ),
    },
    expected: implicit("resource"),
  },
  {
    name: "StringLikeIfExists: t2.micro may be launched",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IfExists"),
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*"), { "ec2:InstanceType": "t2.micro" }),
    policies: { identity: [RUN_INSTANCE_TYPES] },
    expected: allowed({ matched: ["RunInstance"] }),
  },
  {
    name: "StringLikeIfExists: c5.4xlarge (the miners' type) may not",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IfExists"),
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*"), { "ec2:InstanceType": "c5.4xlarge" }),
    policies: { identity: [RUN_INSTANCE_TYPES] },
    expected: implicit("identity"),
  },
  {
    name: "StringLikeIfExists: the image, which has no ec2:InstanceType key, is allowed",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IfExists"),
    request: req(user("alice"), "ec2:RunInstances", "arn:aws:ec2:ap-northeast-1::image/ami-0abcdef1234567890"),
    policies: { identity: [RUN_INSTANCE_TYPES] },
    expected: allowed({ missingContextKeys: ["ec2:InstanceType"] }),
  },
  {
    name: "THISPOLICYDOESNOTWORK: plain StringLike fails on the image, which has no instance type",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IfExists"),
    request: req(user("alice"), "ec2:RunInstances", "arn:aws:ec2:ap-northeast-1::image/ami-0abcdef1234567890"),
    policies: {
      identity: [
        identity(
          "THISPOLICYDOESNOTWORK",
          v12({
            Sid: "THISPOLICYDOESNOTWORK",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: "*",
            Condition: { StringLike: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "StringLike (not ArnLike) lets a * run across colons",
    source: iam("reference_policies_elements_condition_operators", "Conditions_ARN"),
    request: req(user("alice"), "sqs:SendMessage", "*", {
      "aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
    }),
    policies: {
      identity: [
        identity(
          "string-like",
          v12({
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: "*",
            Condition: { StringLike: { "aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "ArnLike checks each of the six segments: the same value does not match",
    source: iam("reference_policies_elements_condition_operators", "Conditions_ARN"),
    request: req(user("alice"), "sqs:SendMessage", "*", {
      "aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
    }),
    policies: {
      identity: [
        identity(
          "arn-like",
          v12({
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: "*",
            Condition: { ArnLike: { "aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "a service principal with ArnLike aws:SourceArn and StringEquals aws:SourceAccount (S3 Inventory)",
    source: S3_EXAMPLES,
    request: req(service("s3.amazonaws.com"), "s3:PutObject", OBJECT("destinationbucket", "inventory/data.csv"), {
      "aws:SourceArn": "arn:aws:s3:::sourcebucket",
      "aws:SourceAccount": "123456789012",
      "s3:x-amz-acl": "bucket-owner-full-control",
    }),
    policies: { identity: [], resource: INVENTORY_DESTINATION },
    expected: allowed({ matched: ["InventoryAndAnalyticsExamplePolicy"] }),
  },
  {
    name: "the same service for another source bucket is not allowed",
    source: S3_EXAMPLES,
    request: req(service("s3.amazonaws.com"), "s3:PutObject", OBJECT("destinationbucket", "inventory/data.csv"), {
      "aws:SourceArn": "arn:aws:s3:::otherbucket",
      "aws:SourceAccount": "123456789012",
      "s3:x-amz-acl": "bucket-owner-full-control",
    }),
    policies: { identity: [], resource: INVENTORY_DESTINATION },
    expected: implicit("resource"),
  },
  {
    name: "ArnNotLike on an absent key is true (negated operators match a missing key)",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k")),
    policies: {
      identity: [
        allowAll(),
        identity(
          "only-from-source",
          v12({ Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { ArnNotLike: { "aws:SourceArn": "arn:aws:s3:::sourcebucket" } } }),
        ),
      ],
    },
    expected: explicit("identity", "only-from-source", { missingContextKeys: ["aws:SourceArn"] }),
  },

  // --- Numeric operators ---------------------------------------------------------------------------------------------
  {
    name: "NumericLessThanEquals s3:max-keys 10: 10 keys are allowed",
    source: OPERATORS,
    request: req(user("alice"), "s3:ListBucket", BUCKET("example_bucket"), { "s3:max-keys": "10" }),
    policies: {
      identity: [
        identity(
          "max-keys",
          v12({
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: "arn:aws:s3:::example_bucket",
            Condition: { NumericLessThanEquals: { "s3:max-keys": "10" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "NumericLessThanEquals s3:max-keys 10: 11 keys are not",
    source: OPERATORS,
    request: req(user("alice"), "s3:ListBucket", BUCKET("example_bucket"), { "s3:max-keys": 11 }),
    policies: {
      identity: [
        identity(
          "max-keys",
          v12({
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: "arn:aws:s3:::example_bucket",
            Condition: { NumericLessThanEquals: { "s3:max-keys": "10" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "NumericGreaterThan aws:MultiFactorAuthAge 3600: a two-hour-old MFA session is denied the tax documents",
    source: S3_EXAMPLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "taxdocuments/2025.pdf"), { "aws:MultiFactorAuthAge": 7200 }),
    policies: { identity: [], resource: TAX_MFA },
    expected: explicit("resource", "taxdocuments-mfa", { matched: ["#1", "#2"] }),
  },
  {
    name: "a ten-minute-old MFA session may read the tax documents",
    source: S3_EXAMPLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "taxdocuments/2025.pdf"), { "aws:MultiFactorAuthAge": "600" }),
    policies: { identity: [], resource: TAX_MFA },
    expected: allowed({ matched: ["#2"] }),
  },
  {
    name: "Null aws:MultiFactorAuthAge true: without MFA the tax documents are denied",
    source: S3_EXAMPLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "taxdocuments/2025.pdf")),
    policies: { identity: [], resource: TAX_MFA },
    expected: explicit("resource", "taxdocuments-mfa", { matched: ["#0", "#2"] }),
  },
  {
    name: "other objects of the bucket stay public without MFA",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html"), {}, ACCOUNT),
    policies: { identity: [], resource: TAX_MFA },
    expected: allowed({ matched: ["#2"] }),
  },
  {
    name: "NumericNotEquals on an absent key is true",
    source: OPERATORS,
    request: req(user("alice"), "s3:ListBucket", BUCKET("b")),
    policies: {
      identity: [
        allowAll(),
        identity("exactly-ten", v12({ Effect: "Deny", Action: "s3:ListBucket", Resource: "*", Condition: { NumericNotEquals: { "s3:max-keys": 10 } } })),
      ],
    },
    expected: explicit("identity", "exactly-ten"),
  },
  {
    name: "a non-numeric request value does not satisfy a numeric comparison",
    source: OPERATORS,
    request: req(user("alice"), "s3:ListBucket", BUCKET("example_bucket"), { "s3:max-keys": "ten" }),
    policies: {
      identity: [
        identity(
          "max-keys",
          v12({
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: "arn:aws:s3:::example_bucket",
            Condition: { NumericLessThanEquals: { "s3:max-keys": "10" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },

  {
    name: "NumericEquals: exactly ten keys per page",
    source: OPERATORS,
    request: req(user("alice"), "s3:ListBucket", BUCKET("example_bucket"), { "s3:max-keys": "10.0" }),
    policies: {
      identity: [identity("ten", v12({ Effect: "Allow", Action: "s3:ListBucket", Resource: "*", Condition: { NumericEquals: { "s3:max-keys": 10 } } }))],
    },
    expected: allowed(),
  },
  {
    name: "NumericGreaterThanEquals includes the bound: an MFA age of exactly 3600 seconds is denied",
    source: S3_EXAMPLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "taxdocuments/2025.pdf"), { "aws:MultiFactorAuthAge": 3600 }),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "mfa-age",
        v12({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/taxdocuments/*",
          Condition: { NumericGreaterThanEquals: { "aws:MultiFactorAuthAge": "3600" } },
        }),
      ),
    },
    expected: explicit("resource", "mfa-age"),
  },
  {
    name: "StringNotLike with a wildcard: instance types other than t*.* are denied (c5.4xlarge)",
    source: OPERATORS,
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*"), { "ec2:InstanceType": "c5.4xlarge" }),
    policies: {
      identity: [
        EC2_FULL,
        identity(
          "small-only",
          v12({ Effect: "Deny", Action: "ec2:RunInstances", Resource: "*", Condition: { StringNotLike: { "ec2:InstanceType": "t*.*" } } }),
        ),
      ],
    },
    expected: explicit("identity", "small-only"),
  },
  {
    name: "StringNotLike with a wildcard: t3.micro is not denied",
    source: OPERATORS,
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*"), { "ec2:InstanceType": "t3.micro" }),
    policies: {
      identity: [
        EC2_FULL,
        identity(
          "small-only",
          v12({ Effect: "Deny", Action: "ec2:RunInstances", Resource: "*", Condition: { StringNotLike: { "ec2:InstanceType": "t*.*" } } }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "ArnEquals iam:PolicyARN: attaching one of the named managed policies is allowed",
    source: iam("reference_policies_examples_iam_limit-managed"),
    request: req(user("alice"), "iam:AttachRolePolicy", ROLE("secutter-web"), { "iam:PolicyARN": `arn:aws:iam::${ACCOUNT}:policy/policy-name-2` }),
    policies: {
      identity: [
        identity(
          "limit-managed",
          v12({
            Effect: "Allow",
            Action: ["iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: "*",
            Condition: { ArnEquals: { "iam:PolicyARN": ["arn:aws:iam::*:policy/policy-name-1", "arn:aws:iam::*:policy/policy-name-2"] } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "ArnEquals iam:PolicyARN: AdministratorAccess is not among them",
    source: iam("reference_policies_examples_iam_limit-managed"),
    request: req(user("alice"), "iam:AttachRolePolicy", ROLE("secutter-web"), { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }),
    policies: {
      identity: [
        identity(
          "limit-managed",
          v12({
            Effect: "Allow",
            Action: ["iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: "*",
            Condition: { ArnEquals: { "iam:PolicyARN": ["arn:aws:iam::*:policy/policy-name-1", "arn:aws:iam::*:policy/policy-name-2"] } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "ArnNotEquals aws:PrincipalArn instead of NotPrincipal: the named user is spared",
    source: iam("reference_policies_elements_principal", "principal-anonymous"),
    request: req(user("user-name", OTHER), "s3:GetObject", OBJECT("BUCKETNAME", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "principal-arn",
        v12(
          {
            Sid: "UsePrincipalArnInsteadOfNotPrincipalWithDeny",
            Effect: "Deny",
            Action: "s3:*",
            Principal: "*",
            Resource: ["arn:aws:s3:::BUCKETNAME/*", "arn:aws:s3:::BUCKETNAME"],
            Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${OTHER}:user/user-name` } },
          },
          {
            Sid: "AllowUser",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OTHER}:user/user-name` },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::BUCKETNAME/*",
          },
        ),
      ),
    },
    expected: allowed({ matched: ["AllowUser", "#0"] }),
  },
  {
    name: "ArnNotEquals aws:PrincipalArn: a role session's aws:PrincipalArn is its role's ARN, so it is denied",
    source: iam("reference_policies_elements_principal", "principal-anonymous"),
    request: req(session("user-name", "s1", OTHER), "s3:GetObject", OBJECT("BUCKETNAME", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "principal-arn",
        v12({
          Sid: "UsePrincipalArnInsteadOfNotPrincipalWithDeny",
          Effect: "Deny",
          Action: "s3:*",
          Principal: "*",
          Resource: ["arn:aws:s3:::BUCKETNAME/*", "arn:aws:s3:::BUCKETNAME"],
          Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${OTHER}:user/user-name` } },
        }),
      ),
    },
    expected: explicit("resource", "principal-arn", { matched: ["UsePrincipalArnInsteadOfNotPrincipalWithDeny", "#0"] }),
  },

  // --- Date operators ------------------------------------------------------------------------------------------------
  {
    name: "DateGreaterThan aws:TokenIssueTime: credentials issued in 2020 are allowed",
    source: OPERATORS,
    request: req(session("Admin", "alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:TokenIssueTime": "2020-06-01T10:00:00Z" }),
    policies: {
      identity: [
        identity(
          "fresh-credentials",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { DateGreaterThan: { "aws:TokenIssueTime": "2020-01-01T00:00:01Z" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "DateGreaterThan aws:TokenIssueTime: an IAM user's long-term keys have no TokenIssueTime, so no match",
    source: OPERATORS,
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/bob`),
    policies: {
      identity: [
        identity(
          "fresh-credentials",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { DateGreaterThan: { "aws:TokenIssueTime": "2020-01-01T00:00:01Z" } },
          }),
        ),
      ],
    },
    expected: implicit("identity", { missingContextKeys: ["aws:TokenIssueTime"] }),
  },
  {
    name: "AWSRevokeOlderSessions: the stolen session, issued before the revocation, is explicitly denied",
    source: REVOKE,
    request: req(session("secutter-web", "i-0a1b2c3d4e5f60718"), "ec2:RunInstances", INSTANCE("*", "us-east-1"), {
      "aws:TokenIssueTime": new Date("2026-02-26T01:12:40Z"),
    }),
    policies: { identity: [EC2_FULL, AWS_REVOKE_OLDER_SESSIONS] },
    expected: explicit("identity", "AWSRevokeOlderSessions", { matched: ["#0", "#0"] }),
  },
  {
    name: "AWSRevokeOlderSessions: a session issued after the revocation is not affected",
    source: REVOKE,
    request: req(session("secutter-web", "i-0a1b2c3d4e5f60718"), "ec2:DescribeInstances", "*", { "aws:TokenIssueTime": "2026-02-26T04:05:00Z" }),
    policies: { identity: [EC2_FULL, AWS_REVOKE_OLDER_SESSIONS] },
    expected: allowed(),
  },
  {
    name: "AWSRevokeOlderSessions: a session issued exactly at the revocation moment is not earlier, so not denied",
    source: REVOKE,
    request: req(session("secutter-web", "i-0a1b2c3d4e5f60718"), "ec2:DescribeInstances", "*", { "aws:TokenIssueTime": REVOKED_AT }),
    policies: { identity: [EC2_FULL, AWS_REVOKE_OLDER_SESSIONS] },
    expected: allowed(),
  },
  {
    name: "deny by issue time with the date as epoch seconds in the request",
    source: DISABLE_TEMP,
    request: req(session("Accounting-Role", "Mary"), "s3:GetObject", OBJECT("b", "k"), { "aws:TokenIssueTime": 1399500000 }),
    policies: {
      identity: [
        allowAll(),
        identity(
          "deny-old-tokens",
          v12({ Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": "2014-05-07T23:47:00Z" } } }),
        ),
      ],
    },
    expected: explicit("identity", "deny-old-tokens"),
  },
  {
    name: "MFA within dates: MFA present and aws:CurrentTime inside the window is allowed",
    source: iam("reference_policies_examples_aws_mfa-dates"),
    request: req(user("alice"), "service-prefix-2:action-name-a", "*", { "aws:MultiFactorAuthPresent": "true", "aws:CurrentTime": "2017-09-15T12:00:00Z" }),
    policies: { identity: [MFA_DATES] },
    expected: allowed(),
  },
  {
    name: "MFA within dates: after the window is implicitly denied",
    source: iam("reference_policies_examples_aws_mfa-dates"),
    request: req(user("alice"), "service-prefix-1:anything", "*", { "aws:MultiFactorAuthPresent": true, "aws:CurrentTime": new Date("2018-01-01T00:00:00Z") }),
    policies: { identity: [MFA_DATES] },
    expected: implicit("identity"),
  },
  {
    name: "MFA within dates: without MFA in the window is implicitly denied",
    source: iam("reference_policies_examples_aws_mfa-dates"),
    request: req(user("alice"), "service-prefix-1:anything", "*", { "aws:MultiFactorAuthPresent": false, "aws:CurrentTime": "2017-09-15T12:00:00Z" }),
    policies: { identity: [MFA_DATES] },
    expected: implicit("identity"),
  },
  {
    name: "DateLessThan is strict: the last second of the window itself is outside it",
    source: iam("reference_policies_examples_aws-dates"),
    request: req(user("alice"), "service-prefix:action-name", "*", { "aws:CurrentTime": "2020-06-30T23:59:59Z" }),
    policies: {
      identity: [
        identity(
          "q2-2020",
          v12({
            Effect: "Allow",
            Action: "service-prefix:action-name",
            Resource: "*",
            Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-04-01T00:00:00Z" }, DateLessThan: { "aws:CurrentTime": "2020-06-30T23:59:59Z" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "DateLessThanEquals includes the moment itself",
    source: OPERATORS,
    request: req(user("alice"), "service-prefix:action-name", "*", { "aws:CurrentTime": "2020-06-30T23:59:59Z" }),
    policies: {
      identity: [
        identity(
          "q2-2020",
          v12({
            Effect: "Allow",
            Action: "service-prefix:action-name",
            Resource: "*",
            Condition: {
              DateGreaterThanEquals: { "aws:CurrentTime": "2020-04-01T00:00:00Z" },
              DateLessThanEquals: { "aws:CurrentTime": "2020-06-30T23:59:59Z" },
            },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "DateEquals compares instants (epoch seconds in the policy, ISO 8601 in the request)",
    source: OPERATORS,
    request: req(user("alice"), "service-prefix:action-name", "*", { "aws:CurrentTime": "2020-04-01T00:00:00Z" }),
    policies: {
      identity: [
        identity(
          "at-launch",
          v12({ Effect: "Allow", Action: "service-prefix:action-name", Resource: "*", Condition: { DateEquals: { "aws:CurrentTime": "1585699200" } } }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "DateNotEquals on an absent key is true",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k")),
    policies: {
      identity: [
        allowAll(),
        identity(
          "not-epoch",
          v12({ Effect: "Deny", Action: "*", Resource: "*", Condition: { DateNotEquals: { "aws:TokenIssueTime": "2020-01-01T00:00:00Z" } } }),
        ),
      ],
    },
    expected: explicit("identity", "not-epoch"),
  },

  // --- Bool, Binary, Null --------------------------------------------------------------------------------------------
  {
    name: "Bool aws:SecureTransport false: a plain-HTTP request is denied by the bucket policy",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "a.txt"), { "aws:SecureTransport": "false" }),
    policies: { identity: [allowAll()], resource: SECURE_TRANSPORT_BUCKET },
    expected: explicit("resource", "DOC-EXAMPLE-BUCKET policy"),
  },
  {
    name: "Bool aws:SecureTransport false: an HTTPS request passes (the identity policy allows)",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "a.txt"), { "aws:SecureTransport": true }),
    policies: { identity: [allowAll()], resource: SECURE_TRANSPORT_BUCKET },
    expected: allowed({ matched: ["#0"] }),
  },
  {
    name: "BoolIfExists MFA false: StopInstances without the MFA key is explicitly denied",
    source: iam("reference_policies_examples_ec2_require-mfa"),
    request: req(user("alice"), "ec2:StopInstances", INSTANCE("i-0abc")),
    policies: { identity: [REQUIRE_MFA_EC2] },
    expected: explicit("identity", "ec2-require-mfa", { matched: ["AllowAllActionsForEC2", "DenyStopAndTerminateWhenMFAIsNotPresent"] }),
  },
  {
    name: "BoolIfExists MFA false: with MFA, StopInstances is allowed",
    source: iam("reference_policies_examples_ec2_require-mfa"),
    request: req(user("alice"), "ec2:StopInstances", INSTANCE("i-0abc"), { "aws:MultiFactorAuthPresent": "true" }),
    policies: { identity: [REQUIRE_MFA_EC2] },
    expected: allowed({ matched: ["AllowAllActionsForEC2"] }),
  },
  {
    name: "BoolIfExists MFA false: a session without MFA (key false) is denied",
    source: iam("reference_policies_examples_ec2_require-mfa"),
    request: req(session("Ops", "alice"), "ec2:TerminateInstances", INSTANCE("i-0abc"), { "aws:MultiFactorAuthPresent": "false" }),
    policies: { identity: [REQUIRE_MFA_EC2] },
    expected: explicit("identity", "ec2-require-mfa"),
  },
  {
    name: "BoolIfExists MFA false: other EC2 actions need no MFA",
    source: iam("reference_policies_examples_ec2_require-mfa"),
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: { identity: [REQUIRE_MFA_EC2] },
    expected: allowed(),
  },
  {
    name: "BinaryEquals compares the base64 value byte for byte",
    source: iam("reference_policies_elements_condition_operators", "Conditions_BinaryEquals"),
    request: req(user("alice"), "someservice:Put", "*", { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }),
    policies: {
      identity: [
        identity(
          "binary",
          v12({ Effect: "Allow", Action: "someservice:Put", Resource: "*", Condition: { BinaryEquals: { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } } }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "BinaryEquals with other bytes does not match",
    source: iam("reference_policies_elements_condition_operators", "Conditions_BinaryEquals"),
    request: req(user("alice"), "someservice:Put", "*", { key: "T3RoZXJWYWx1ZQ==" }),
    policies: {
      identity: [
        identity(
          "binary",
          v12({ Effect: "Allow", Action: "someservice:Put", Resource: "*", Condition: { BinaryEquals: { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } } }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "Null aws:TokenIssueTime true: long-term keys may use EC2",
    source: iam("reference_policies_elements_condition_operators", "Conditions_Null"),
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [identity("no-temp-creds", v12({ Action: "ec2:*", Effect: "Allow", Resource: "*", Condition: { Null: { "aws:TokenIssueTime": "true" } } }))],
    },
    expected: allowed(),
  },
  {
    name: "Null aws:TokenIssueTime true: temporary credentials may not",
    source: iam("reference_policies_elements_condition_operators", "Conditions_Null"),
    request: req(session("Ops", "alice"), "ec2:DescribeInstances", "*", { "aws:TokenIssueTime": "2026-02-26T01:00:00Z" }),
    policies: {
      identity: [identity("no-temp-creds", v12({ Action: "ec2:*", Effect: "Allow", Resource: "*", Condition: { Null: { "aws:TokenIssueTime": "true" } } }))],
    },
    expected: implicit("identity"),
  },
  {
    name: "Null false requires the key: a request with the tag is allowed",
    source: iam("reference_policies_elements_condition_operators", "Conditions_Null"),
    request: req(user("alice"), "ec2:CreateTags", INSTANCE("i-0abc"), { "aws:RequestTag/CostCenter": "42" }),
    policies: {
      identity: [
        identity(
          "tag-required",
          v12({ Effect: "Allow", Action: "ec2:CreateTags", Resource: "*", Condition: { Null: { "aws:RequestTag/CostCenter": "false" } } }),
        ),
      ],
    },
    expected: allowed(),
  },

  // --- IP addresses --------------------------------------------------------------------------------------------------
  {
    name: "IpAddress 203.0.113.0/24: a request from 203.0.113.45 is allowed",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IPAddress"),
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/alice`, { "aws:SourceIp": "203.0.113.45" }),
    policies: {
      identity: [
        identity(
          "office",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "IpAddress 203.0.113.0/24: a request from 198.51.100.7 is not",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IPAddress"),
    request: req(user("alice"), "iam:ListAccessKeys", `arn:aws:iam::${ACCOUNT}:user/alice`, { "aws:SourceIp": "198.51.100.7" }),
    policies: {
      identity: [
        identity(
          "office",
          v12({
            Effect: "Allow",
            Action: "iam:*AccessKey*",
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "deny by source IP: outside the ranges and not via a service, everything is denied",
    source: iam("reference_policies_examples_aws_deny-ip"),
    request: req(user("alice"), "s3:ListAllMyBuckets", "*", { "aws:SourceIp": "198.51.100.9", "aws:ViaAWSService": "false" }),
    policies: { identity: [allowAll(), DENY_IP] },
    expected: explicit("identity", "deny-outside-ip"),
  },
  {
    name: "deny by source IP: a service calling with the principal's credentials is not denied",
    source: iam("reference_policies_examples_aws_deny-ip"),
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k"), { "aws:SourceIp": "198.51.100.9", "aws:ViaAWSService": true }),
    policies: { identity: [allowAll(), DENY_IP] },
    expected: allowed(),
  },
  {
    name: "deny by source IP: inside 192.0.2.0/24 the request is allowed",
    source: iam("reference_policies_examples_aws_deny-ip"),
    request: req(user("alice"), "s3:ListAllMyBuckets", "*", { "aws:SourceIp": "192.0.2.10", "aws:ViaAWSService": "false" }),
    policies: { identity: [allowAll(), DENY_IP] },
    expected: allowed(),
  },
  {
    name: "NotIpAddress without aws:SourceIp (a VPC endpoint) is true: the deny applies",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IPAddress"),
    request: req(user("alice"), "s3:ListAllMyBuckets", "*", { "aws:ViaAWSService": "false" }),
    policies: { identity: [allowAll(), DENY_IP] },
    expected: explicit("identity", "deny-outside-ip", { missingContextKeys: ["aws:SourceIp"] }),
  },
  {
    name: "terminate only from the office: TerminateInstances from 203.0.113.45 is allowed",
    source: iam("reference_policies_examples_ec2_terminate-ip"),
    request: req(user("alice"), "ec2:TerminateInstances", INSTANCE("i-0abc"), { "aws:SourceIp": "203.0.113.45" }),
    policies: {
      identity: [
        identity(
          "terminate-from-office",
          v12(
            { Effect: "Allow", Action: ["ec2:TerminateInstances"], Resource: ["*"] },
            {
              Effect: "Deny",
              Action: ["ec2:TerminateInstances"],
              Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] } },
              Resource: ["*"],
            },
          ),
        ),
      ],
    },
    expected: allowed({ matched: ["#0"] }),
  },
  {
    name: "IPv4 and IPv6 mix: 54.240.143.1 is allowed",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "aws:SourceIp": "54.240.143.1" }, ACCOUNT),
    policies: { identity: [], resource: IP_MIX },
    expected: allowed(),
  },
  {
    name: "IPv4 and IPv6 mix: 2001:DB8:1234:5678::1 is allowed",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "aws:SourceIp": "2001:DB8:1234:5678::1" }, ACCOUNT),
    policies: { identity: [], resource: IP_MIX },
    expected: allowed(),
  },
  {
    name: "IPv4 and IPv6 mix: 54.240.143.129 (in the excluded /30) is not",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "aws:SourceIp": "54.240.143.129" }, ACCOUNT),
    policies: { identity: [], resource: IP_MIX },
    expected: implicit("resource"),
  },
  {
    name: "IPv4 and IPv6 mix: 2001:DB8:1234:5678:ABCD::1 (in the excluded /80) is not",
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "aws:SourceIp": "2001:db8:1234:5678:abcd::1" }, ACCOUNT),
    policies: { identity: [], resource: IP_MIX },
    expected: implicit("resource"),
  },
  {
    name: "an address without a prefix means that one address (/32)",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IPAddress"),
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k"), { "aws:SourceIp": "203.0.113.46" }),
    policies: {
      identity: [
        identity("one-host", v12({ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "203.0.113.45" } } })),
      ],
    },
    expected: implicit("identity"),
  },

  // --- Set operators -------------------------------------------------------------------------------------------------
  {
    name: "ForAllValues:StringEquals: Message and Tags are both allowed attributes",
    source: MULTI,
    request: req(user("alice"), "dynamodb:GetItem", THREAD, { "dynamodb:Attributes": ["ID", "Message", "Tags"] }),
    policies: { identity: [DYNAMO_ALLOWED_ATTRIBUTES] },
    expected: allowed(),
  },
  {
    name: "ForAllValues:StringEquals: asking for UserName as well fails",
    source: MULTI,
    request: req(user("alice"), "dynamodb:GetItem", THREAD, { "dynamodb:Attributes": ["PostDateTime", "UserName"] }),
    policies: { identity: [DYNAMO_ALLOWED_ATTRIBUTES] },
    expected: implicit("identity"),
  },
  {
    name: "ForAllValues with no key in the request returns true (the documented warning)",
    source: MULTI,
    request: req(user("alice"), "dynamodb:GetItem", THREAD),
    policies: { identity: [DYNAMO_ALLOWED_ATTRIBUTES] },
    expected: allowed({ missingContextKeys: ["dynamodb:Attributes"] }),
  },
  {
    name: "ForAllValues with an empty set returns true too",
    source: MULTI,
    request: req(user("alice"), "dynamodb:GetItem", THREAD, { "dynamodb:Attributes": [] }),
    policies: { identity: [DYNAMO_ALLOWED_ATTRIBUTES] },
    expected: allowed(),
  },
  {
    name: "ForAnyValue:StringEquals deny: updating PostDateTime and Message is denied",
    source: MULTI,
    request: req(user("alice"), "dynamodb:PutItem", THREAD, { "dynamodb:Attributes": ["PostDateTime", "Message"] }),
    policies: { identity: [DYNAMO_PUT, DYNAMO_DENY_ATTRIBUTES] },
    expected: explicit("identity", "thread-protected-attributes"),
  },
  {
    name: "ForAnyValue:StringEquals deny: updating only UserName is not denied",
    source: MULTI,
    request: req(user("alice"), "dynamodb:PutItem", THREAD, { "dynamodb:Attributes": ["UserName"] }),
    policies: { identity: [DYNAMO_PUT, DYNAMO_DENY_ATTRIBUTES] },
    expected: allowed(),
  },
  {
    name: "ForAnyValue with no key in the request returns false",
    source: MULTI,
    request: req(user("alice"), "dynamodb:PutItem", THREAD),
    policies: { identity: [DYNAMO_PUT, DYNAMO_DENY_ATTRIBUTES] },
    expected: allowed(),
  },
  {
    name: "ForAllValues:StringLike on aws:TagKeys: only the allowed tag keys may be set",
    source: iam("access_tags", "access_tags_control-requests"),
    request: req(user("alice"), "iam:TagUser", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:TagKeys": ["Department", "cost-center"] }),
    policies: {
      identity: [
        identity(
          "tag-keys",
          v12({ Effect: "Allow", Action: "iam:TagUser", Resource: "*", Condition: { "ForAllValues:StringLike": { "aws:TagKeys": ["Department", "cost-*"] } } }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "ForAnyValue:StringNotEquals: one tag key outside the list is enough to deny",
    source: MULTI,
    request: req(user("alice"), "iam:TagUser", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:TagKeys": ["Department", "Owner"] }),
    policies: {
      identity: [
        allowAll(),
        identity(
          "no-other-keys",
          v12({
            Effect: "Deny",
            Action: "iam:TagUser",
            Resource: "*",
            Condition: { "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["Department", "cost-center"] } },
          }),
        ),
      ],
    },
    expected: explicit("identity", "no-other-keys"),
  },
  {
    name: "ForAllValues:StringNotEquals: no requested key may be a listed one",
    source: MULTI,
    request: req(user("alice"), "iam:TagUser", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:TagKeys": ["Department", "Owner"] }),
    policies: {
      identity: [
        identity(
          "not-reserved",
          v12({
            Effect: "Allow",
            Action: "iam:TagUser",
            Resource: "*",
            Condition: { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Owner", "Reserved"] } },
          }),
        ),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "a multivalued key with a plain operator matches when any of its values does",
    source: iam("reference_policies_condition-single-vs-multi-valued-context-keys"),
    request: req(user("alice"), "iam:TagUser", `arn:aws:iam::${ACCOUNT}:user/bob`, { "aws:TagKeys": ["Department", "Owner"] }),
    policies: {
      identity: [identity("dept", v12({ Effect: "Allow", Action: "iam:TagUser", Resource: "*", Condition: { StringEquals: { "aws:TagKeys": "Owner" } } }))],
    },
    expected: allowed(),
  },
  {
    name: "an operator IAM does not know never matches, even in a Deny",
    source: OPERATORS,
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k"), { "aws:PrincipalTag/team": "red" }),
    policies: {
      identity: [
        allowAll(),
        identity("typo", v12({ Effect: "Deny", Action: "*", Resource: "*", Condition: { StringEqualz: { "aws:PrincipalTag/team": "red" } } })),
      ],
    },
    expected: allowed(),
  },
  {
    name: "NumericLessThanIfExists with the key absent is true",
    source: iam("reference_policies_elements_condition_operators", "Conditions_IfExists"),
    request: req(user("alice"), "s3:ListBucket", BUCKET("b")),
    policies: {
      identity: [
        identity(
          "small-pages",
          v12({ Effect: "Allow", Action: "s3:ListBucket", Resource: "*", Condition: { NumericLessThanIfExists: { "s3:max-keys": 100 } } }),
        ),
      ],
    },
    expected: allowed(),
  },

  // --- Policy variables ----------------------------------------------------------------------------------------------
  {
    name: "home directory: alice lists her own folder (s3:prefix home/alice/…)",
    source: iam("reference_policies_examples_s3_home-directory-console"),
    request: req(user("alice"), "s3:ListBucket", BUCKET("bucket-name"), { "s3:prefix": "home/alice/photos/" }),
    policies: { identity: [HOME_DIRECTORY] },
    expected: allowed({ matched: ["ListObjectsInBucket"] }),
  },
  {
    name: "home directory: alice may not list bob's folder",
    source: iam("reference_policies_examples_s3_home-directory-console"),
    request: req(user("alice"), "s3:ListBucket", BUCKET("bucket-name"), { "s3:prefix": "home/bob/" }),
    policies: { identity: [HOME_DIRECTORY] },
    expected: implicit("identity"),
  },
  {
    name: "home directory: the empty prefix (the bucket's root) may be listed",
    source: iam("reference_policies_examples_s3_home-directory-console"),
    request: req(user("alice"), "s3:ListBucket", BUCKET("bucket-name"), { "s3:prefix": "" }),
    policies: { identity: [HOME_DIRECTORY] },
    expected: allowed(),
  },
  {
    name: "home directory: ${aws:username} in the Resource allows alice's objects",
    source: VARIABLES,
    request: req(user("alice"), "s3:PutObject", OBJECT("bucket-name", "home/alice/cv.pdf")),
    policies: { identity: [HOME_DIRECTORY] },
    expected: allowed({ matched: ["#2"] }),
  },
  {
    name: "home directory: and not bob's",
    source: VARIABLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("bucket-name", "home/bob/cv.pdf")),
    policies: { identity: [HOME_DIRECTORY] },
    expected: implicit("identity"),
  },
  {
    name: "home directory: a role session has no aws:username, so the variable matches nothing",
    source: iam("reference_policies_examples_s3_home-directory-console"),
    request: req(session("Ops", "alice"), "s3:GetObject", OBJECT("bucket-name", "home/alice/cv.pdf")),
    policies: { identity: [HOME_DIRECTORY] },
    expected: implicit("identity", { missingContextKeys: ["aws:username"] }),
  },
  {
    name: "a variable's default value: a user without a team tag reaches the company-wide bucket",
    source: iam("reference_policies_variables", "policy-vars-default-values"),
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET-company-wide", "join.txt")),
    policies: { identity: [allow("team-bucket", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}/*")] },
    expected: allowed(),
  },
  {
    name: "a variable's default value: a team=yellow user reaches the yellow bucket",
    source: iam("reference_policies_variables", "policy-vars-default-values"),
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET-yellow", "plan.txt"), { "aws:PrincipalTag/team": "yellow" }),
    policies: { identity: [allow("team-bucket", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}/*")] },
    expected: allowed(),
  },
  {
    name: "a variable's default value: a team=yellow user does not reach the company-wide bucket",
    source: iam("reference_policies_variables", "policy-vars-default-values"),
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET-company-wide", "join.txt"), { "aws:PrincipalTag/team": "yellow" }),
    policies: { identity: [allow("team-bucket", "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}/*")] },
    expected: implicit("identity"),
  },
  {
    name: "${*} is a literal asterisk, not a wildcard",
    source: iam("reference_policies_variables", "policy-vars-specialchars"),
    request: req(user("alice"), "s3:GetObject", OBJECT("bucket", "any-key")),
    policies: { identity: [allow("star-key", "s3:GetObject", "arn:aws:s3:::bucket/${*}")] },
    expected: implicit("identity"),
  },
  {
    name: "${*} matches an object literally named *",
    source: iam("reference_policies_variables", "policy-vars-specialchars"),
    request: req(user("alice"), "s3:GetObject", OBJECT("bucket", "*")),
    policies: { identity: [allow("star-key", "s3:GetObject", "arn:aws:s3:::bucket/${*}")] },
    expected: allowed(),
  },
  {
    name: "${$} writes a literal dollar: ${$}{aws:username} is the text ${aws:username}",
    source: iam("reference_policies_variables", "policy-vars-specialchars"),
    request: req(user("alice"), "s3:GetObject", OBJECT("bucket", "${aws:username}")),
    policies: { identity: [allow("dollar-key", "s3:GetObject", "arn:aws:s3:::bucket/${$}{aws:username}")] },
    expected: allowed(),
  },
  {
    name: "Version 2008-10-17 does not substitute variables: ${aws:username} is literal text",
    source: VARIABLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("mybucket", "alice/notes.txt")),
    policies: {
      identity: [
        identity("old-version", {
          Version: "2008-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/${aws:username}/*" }],
        }),
      ],
    },
    expected: implicit("identity"),
  },
  {
    name: "a document without Version does not substitute variables either",
    source: VARIABLES,
    request: req(user("alice"), "s3:GetObject", OBJECT("mybucket", "${aws:username}/notes.txt")),
    policies: {
      identity: [identity("no-version", { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/${aws:username}/*" }] })],
    },
    expected: allowed(),
  },
  {
    name: "ABAC: matching CostCenter tags allow stopping the instance",
    source: iam("reference_policies_examples_ec2-start-stop-match-tags"),
    request: req(user("alice"), "ec2:StopInstances", INSTANCE("i-0abc"), { "aws:ResourceTag/CostCenter": "0735", "aws:PrincipalTag/CostCenter": "0735" }),
    policies: { identity: [ABAC_COST_CENTER] },
    expected: allowed(),
  },
  {
    name: "ABAC: different CostCenter tags do not",
    source: iam("reference_policies_examples_ec2-start-stop-match-tags"),
    request: req(user("alice"), "ec2:StopInstances", INSTANCE("i-0abc"), { "aws:ResourceTag/CostCenter": "0735", "aws:PrincipalTag/CostCenter": "0999" }),
    policies: { identity: [ABAC_COST_CENTER] },
    expected: implicit("identity"),
  },
  {
    name: "ABAC: an untagged principal does not (a variable with no value equals nothing)",
    source: iam("reference_policies_variables", "policy-vars-no-value"),
    request: req(user("alice"), "ec2:StopInstances", INSTANCE("i-0abc"), { "aws:ResourceTag/CostCenter": "0735" }),
    policies: { identity: [ABAC_COST_CENTER] },
    expected: implicit("identity", { missingContextKeys: ["aws:PrincipalTag/CostCenter"] }),
  },
  {
    name: "a negated operator matches a variable with no value: the Team deny applies to an untagged principal",
    source: iam("reference_policies_variables", "policy-vars-no-value"),
    request: req(user("alice"), "s3:GetObject", OBJECT("example-bucket", "plan.txt"), { "s3:ExistingObjectTag/Team": "blue" }),
    policies: {
      identity: [
        allowAll(),
        identity(
          "team-objects",
          v12({
            Effect: "Deny",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::example-bucket/*",
            Condition: { StringNotEquals: { "s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}" } },
          }),
        ),
      ],
    },
    expected: explicit("identity", "team-objects"),
  },
  {
    name: "the same deny spares a member of the object's team",
    source: iam("reference_policies_variables", "policy-vars-no-value"),
    request: req(user("alice"), "s3:GetObject", OBJECT("example-bucket", "plan.txt"), { "s3:ExistingObjectTag/Team": "blue", "aws:PrincipalTag/Team": "blue" }),
    policies: {
      identity: [
        allowAll(),
        identity(
          "team-objects",
          v12({
            Effect: "Deny",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::example-bucket/*",
            Condition: { StringNotEquals: { "s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}" } },
          }),
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "manage your own access keys: user/${aws:username} allows alice on herself",
    source: VARIABLES,
    request: req(user("alice"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/alice`),
    policies: { identity: [allow("own-keys", ["iam:*AccessKey*"], [`arn:aws:iam::${ACCOUNT}:user/\${aws:username}`])] },
    expected: allowed(),
  },
  {
    name: "manage your own access keys: not on bob",
    source: VARIABLES,
    request: req(user("alice"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/bob`),
    policies: { identity: [allow("own-keys", ["iam:*AccessKey*"], [`arn:aws:iam::${ACCOUNT}:user/\${aws:username}`])] },
    expected: implicit("identity"),
  },

  // --- Principals in resource-based policies --------------------------------------------------------------------------
  {
    name: 'Principal "*": an anonymous user may read the public bucket',
    source: S3_EXAMPLES,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html"), {}, ACCOUNT),
    policies: { identity: [], resource: PUBLIC_READ },
    expected: allowed({ matched: ["PublicRead"] }),
  },
  {
    name: 'Principal {"AWS": "*"} is the same as "*" for anonymous users',
    source: iam("reference_policies_elements_principal", "principal-anonymous"),
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html"), {}, ACCOUNT),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "aws-star",
        v12({ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*" }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "an anonymous user without a public bucket policy: no resource-based policy allows",
    source: EVAL_SAME_ACCOUNT,
    request: req(anonymous, "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html"), {}, ACCOUNT),
    policies: { identity: [] },
    expected: implicit("resource"),
  },
  {
    name: 'Principal "*" in the same account needs no identity policy',
    source: iam("reference_policies_elements_principal", "principal-anonymous"),
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html")),
    policies: { identity: [], resource: PUBLIC_READ },
    expected: allowed(),
  },
  {
    name: "the account principal delegates: alone it does not allow a user of the same account",
    source: PRINCIPAL,
    request: req(user("alice"), "s3:PutObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "s3:x-amz-acl": "public-read" }),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "AddCannedAcl",
        v12({
          Sid: "AddCannedAcl",
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${OTHER}:root`] },
          Action: ["s3:PutObject", "s3:PutObjectAcl"],
          Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
          Condition: { StringEquals: { "s3:x-amz-acl": ["public-read"] } },
        }),
      ),
    },
    expected: implicit("identity", { matched: ["AddCannedAcl"] }),
  },
  {
    name: "the account principal delegates: with an identity policy the user is allowed",
    source: PRINCIPAL,
    request: req(user("alice"), "s3:PutObject", OBJECT("DOC-EXAMPLE-BUCKET", "k"), { "s3:x-amz-acl": "public-read" }),
    policies: {
      identity: [allow("put", "s3:PutObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*")],
      resource: resourcePolicy(
        "account",
        v12({ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "s3:PutObject", Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*" }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "a role ARN in a bucket policy matches the role's sessions (no identity policy needed)",
    source: PRINCIPAL,
    request: req(session("Accounting-Role", "Mary"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "ledger.csv")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "role",
        v12({ Effect: "Allow", Principal: { AWS: ROLE("Accounting-Role") }, Action: "s3:GetObject", Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*" }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "a role ARN grant is limited by the session policy",
    source: SESSION,
    request: req(session("Accounting-Role", "Mary"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "ledger.csv")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "role",
        v12({ Effect: "Allow", Principal: { AWS: ROLE("Accounting-Role") }, Action: "s3:GetObject", Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*" }),
      ),
      session: [sessionPolicy("session-ec2-only", v12({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }))],
    },
    expected: implicit("session"),
  },
  {
    name: "a session ARN grant is not limited by the session policy",
    source: SESSION,
    request: req(session("Accounting-Role", "Mary"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "ledger.csv")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "session",
        v12({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Accounting-Role/Mary` },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*",
        }),
      ),
      session: [sessionPolicy("session-ec2-only", v12({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }))],
    },
    expected: allowed(),
  },
  {
    name: "a role ARN grant is limited by the role's permissions boundary",
    source: BOUNDARIES,
    request: req(session("Accounting-Role", "Mary"), "dynamodb:GetItem", THREAD),
    policies: {
      identity: [],
      resource: resourcePolicy("table", v12({ Effect: "Allow", Principal: { AWS: ROLE("Accounting-Role") }, Action: "dynamodb:GetItem", Resource: THREAD })),
      boundary: S3_ONLY_BOUNDARY,
    },
    expected: implicit("boundary"),
  },
  {
    name: "a session ARN grant is not limited by the boundary",
    source: BOUNDARIES,
    request: req(session("Accounting-Role", "Mary"), "dynamodb:GetItem", THREAD),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "table",
        v12({ Effect: "Allow", Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Accounting-Role/Mary` }, Action: "dynamodb:GetItem", Resource: THREAD }),
      ),
      boundary: S3_ONLY_BOUNDARY,
    },
    expected: allowed(),
  },
  {
    name: "an IAM user ARN grant is not limited by the user's boundary or missing identity policy",
    source: BOUNDARIES,
    request: req(user("ShirleyRodriguez"), "dynamodb:GetItem", THREAD),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "table",
        v12({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ShirleyRodriguez` }, Action: "dynamodb:GetItem", Resource: THREAD }),
      ),
      boundary: S3_ONLY_BOUNDARY,
    },
    expected: allowed(),
  },
  {
    name: "a principal's user name is case-sensitive",
    source: PRINCIPAL,
    request: req(user("carlossalazar"), "s3:GetObject", OBJECT("carlossalazar", "notes.txt")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "case",
        v12({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/CarlosSalazar` }, Action: "s3:*", Resource: "arn:aws:s3:::carlossalazar/*" }),
      ),
    },
    expected: implicit("identity"),
  },
  {
    name: "no wildcard inside a principal ARN: user/* names nobody",
    source: PRINCIPAL,
    request: req(user("alice"), "s3:GetObject", OBJECT("b", "k")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "users-wildcard",
        v12({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/*` }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      ),
    },
    expected: implicit("identity"),
  },
  {
    name: "a service trust policy: ec2.amazonaws.com may assume the role",
    source: iam("id_roles_compare-resource-policies"),
    request: req(service("ec2.amazonaws.com"), "sts:AssumeRole", ROLE("secutter-web"), {}, ACCOUNT),
    policies: { identity: [], resource: EC2_TRUST, resourcePolicyRequired: true },
    expected: allowed(),
  },
  {
    name: "a service trust policy: another service may not",
    source: iam("id_roles_compare-resource-policies"),
    request: req(service("lambda.amazonaws.com"), "sts:AssumeRole", ROLE("secutter-web"), {}, ACCOUNT),
    policies: { identity: [], resource: EC2_TRUST, resourcePolicyRequired: true },
    expected: implicit("resource"),
  },
  {
    name: "a trust policy must allow even when the user's identity policy allows sts:AssumeRole",
    source: EVAL_SAME_ACCOUNT,
    request: req(user("alice"), "sts:AssumeRole", ROLE("secutter-web")),
    policies: { identity: [allowAll()], resource: EC2_TRUST, resourcePolicyRequired: true },
    expected: implicit("resource"),
  },
  {
    name: "a trust policy given for sts:AssumeRole must allow without being told so",
    source: EVAL_SAME_ACCOUNT,
    request: req(user("alice"), "sts:AssumeRole", ROLE("secutter-web")),
    policies: { identity: [allowAll()], resource: EC2_TRUST },
    expected: implicit("resource"),
  },
  {
    name: "a bucket policy is not required: the identity policy alone allows within the account",
    source: EVAL,
    request: req(user("alice"), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "k")),
    policies: { identity: [allowAll()], resource: SECURE_TRANSPORT_BUCKET },
    expected: allowed(),
  },
  {
    name: "a trust policy naming the account: the user also needs an identity policy allowing sts:AssumeRole",
    source: PRINCIPAL,
    request: req(user("alice"), "sts:AssumeRole", ROLE("CrossAccountRole")),
    policies: { identity: [], resource: ACCOUNT_TRUST(ACCOUNT), resourcePolicyRequired: true },
    expected: implicit("identity"),
  },
  {
    name: "a trust policy naming the account, and an identity policy: allowed",
    source: PRINCIPAL,
    request: req(user("alice"), "sts:AssumeRole", ROLE("CrossAccountRole")),
    policies: { identity: [allow("assume", "sts:AssumeRole", ROLE("CrossAccountRole"))], resource: ACCOUNT_TRUST(ACCOUNT), resourcePolicyRequired: true },
    expected: allowed(),
  },
  {
    name: "a web identity trust policy: {Federated: cognito-identity.amazonaws.com} with an aud condition",
    source: iam("reference_policies_elements_principal", "principal-federated-web-identity"),
    request: req(
      {
        type: "AssumedRole",
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Cognito_Auth/web`,
        accountId: ACCOUNT,
        federatedProvider: "cognito-identity.amazonaws.com",
      },
      "sts:AssumeRoleWithWebIdentity",
      ROLE("Cognito_Auth"),
      { "cognito-identity.amazonaws.com:aud": "us-east-2:12345678-abcd-abcd-abcd-123456789012" },
    ),
    policies: {
      identity: [],
      resource: named(
        "resource",
        "trust policy of Cognito_Auth",
        v12({
          Effect: "Allow",
          Principal: { Federated: "cognito-identity.amazonaws.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { "cognito-identity.amazonaws.com:aud": "us-east-2:12345678-abcd-abcd-abcd-123456789012" } },
        }),
      ),
      resourcePolicyRequired: true,
    },
    expected: allowed(),
  },
  {
    name: "CanonicalUser names an account: with its identity policy, a user of that account reads across accounts",
    source: PRINCIPAL,
    request: req(
      { ...user("alice"), canonicalUserId: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
      "s3:GetObject",
      OBJECT("DOC-EXAMPLE-BUCKET", "k"),
      {},
      OTHER,
    ),
    policies: {
      identity: [allow("read", "s3:GetObject")],
      resource: resourcePolicy(
        "canonical",
        v12({
          Effect: "Allow",
          Principal: { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
        }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "NotPrincipal with Deny: Bob, listed with his account, is not denied",
    source: NOT_PRINCIPAL,
    request: req(user("Bob", OTHER), "s3:GetObject", OBJECT("BUCKETNAME", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "only-bob",
        v12(
          {
            Effect: "Deny",
            NotPrincipal: { AWS: [`arn:aws:iam::${OTHER}:user/Bob`, `arn:aws:iam::${OTHER}:root`] },
            Action: "s3:*",
            Resource: ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
          },
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:user/Bob` }, Action: "s3:GetObject", Resource: "arn:aws:s3:::BUCKETNAME/*" },
        ),
      ),
    },
    expected: allowed({ matched: ["#1", "#0"] }),
  },
  {
    name: "NotPrincipal with Deny: everyone else is denied",
    source: NOT_PRINCIPAL,
    request: req(user("alice", OTHER), "s3:GetObject", OBJECT("BUCKETNAME", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "only-bob",
        v12({
          Effect: "Deny",
          NotPrincipal: { AWS: [`arn:aws:iam::${OTHER}:user/Bob`, `arn:aws:iam::${OTHER}:root`] },
          Action: "s3:*",
          Resource: ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
        }),
      ),
    },
    expected: explicit("resource", "only-bob"),
  },
  {
    name: "NotPrincipal with Deny naming only Bob's ARN denies Bob too (his account is not listed)",
    source: NOT_PRINCIPAL,
    request: req(user("Bob", OTHER), "s3:GetObject", OBJECT("BUCKETNAME", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "bob-only-arn",
        v12({ Effect: "Deny", NotPrincipal: { AWS: `arn:aws:iam::${OTHER}:user/Bob` }, Action: "s3:*", Resource: "arn:aws:s3:::BUCKETNAME/*" }),
      ),
    },
    expected: explicit("resource", "bob-only-arn"),
  },
  {
    name: "NotPrincipal with Deny: the listed session, role and account spare cross-account-audit-app",
    source: NOT_PRINCIPAL,
    request: req(session("cross-account-read-only-role", "cross-account-audit-app", OTHER), "s3:GetObject", OBJECT("Bucket_AccountAudit", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "audit-only",
        v12(
          {
            Effect: "Deny",
            NotPrincipal: {
              AWS: [
                `arn:aws:sts::${OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app`,
                `arn:aws:iam::${OTHER}:role/cross-account-read-only-role`,
                `arn:aws:iam::${OTHER}:root`,
              ],
            },
            Action: "s3:*",
            Resource: ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
          },
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${OTHER}:role/cross-account-read-only-role` },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::Bucket_AccountAudit/*",
          },
        ),
      ),
    },
    expected: allowed(),
  },
  {
    name: "NotPrincipal with Deny: another session of the same role is denied",
    source: NOT_PRINCIPAL,
    request: req(session("cross-account-read-only-role", "someone-else", OTHER), "s3:GetObject", OBJECT("Bucket_AccountAudit", "k"), {}, ACCOUNT),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "audit-only",
        v12({
          Effect: "Deny",
          NotPrincipal: {
            AWS: [
              `arn:aws:sts::${OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app`,
              `arn:aws:iam::${OTHER}:role/cross-account-read-only-role`,
              `arn:aws:iam::${OTHER}:root`,
            ],
          },
          Action: "s3:*",
          Resource: ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
        }),
      ),
    },
    expected: explicit("resource", "audit-only"),
  },
  {
    name: "NotPrincipal with Allow grants everyone except the listed principals, anonymous users included",
    source: iam("reference_policies_elements_notprincipal", "specifying-notprincipal-allow"),
    request: req(anonymous, "s3:GetObject", OBJECT("b", "k"), {}, ACCOUNT),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "not-bob",
        v12({ Effect: "Allow", NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:user/Bob` }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "deny by session name: the bucket policy stops Accounting-Role/Mary",
    source: DISABLE_TEMP,
    request: req(session("Accounting-Role", "Mary"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "deny-mary",
        v12({
          Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Accounting-Role/Mary` },
          Effect: "Deny",
          Action: "s3:*",
          Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*",
        }),
      ),
    },
    expected: explicit("resource", "deny-mary"),
  },
  {
    name: "deny by session name: another session of the role is not stopped",
    source: DISABLE_TEMP,
    request: req(session("Accounting-Role", "Paulo"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "deny-mary",
        v12({
          Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Accounting-Role/Mary` },
          Effect: "Deny",
          Action: "s3:*",
          Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*",
        }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "deny naming the role stops every session of it",
    source: DISABLE_TEMP,
    request: req(session("Accounting-Role", "Paulo"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "deny-role",
        v12({ Principal: { AWS: ROLE("Accounting-Role") }, Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*" }),
      ),
    },
    expected: explicit("resource", "deny-role"),
  },

  // --- Federated users (GetFederationToken) --------------------------------------------------------------------------
  {
    name: "a federated user without a session policy has no permissions, whatever the IAM user's policies",
    source: EVAL_SAME_ACCOUNT,
    request: req(federated("Bob", "token-app"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: { identity: [allowAll()] },
    expected: implicit("session"),
  },
  {
    name: "a federated user gets the intersection of the user's policies and the session policy",
    source: SESSION,
    request: req(federated("Bob", "token-app"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: { identity: [allowAll()], session: [sessionPolicy("federation", v12({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }))] },
    expected: allowed(),
  },
  {
    name: "a bucket policy naming the federated user grants directly, without a session policy",
    source: EVAL_SAME_ACCOUNT,
    request: req(federated("Bob", "token-app"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "fed",
        v12({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:sts::${ACCOUNT}:federated-user/Bob` },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*",
        }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "a bucket policy naming the user who federated is limited by the session policy",
    source: EVAL_SAME_ACCOUNT,
    request: req(federated("Bob", "token-app"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "token-app",
        v12({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/token-app` },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*",
        }),
      ),
      session: [sessionPolicy("federation", v12({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }))],
    },
    expected: implicit("session"),
  },
  {
    name: "a deny naming token-app stops every federated user it created",
    source: DISABLE_TEMP,
    request: req(federated("Bob", "token-app"), "s3:GetObject", OBJECT("EXAMPLE-BUCKET", "k")),
    policies: {
      identity: [allowAll()],
      resource: resourcePolicy(
        "deny-token-app",
        v12({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/token-app` }, Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::EXAMPLE-BUCKET/*" }),
      ),
      session: [sessionPolicy("federation", v12({ Effect: "Allow", Action: "s3:*", Resource: "*" }))],
    },
    expected: explicit("resource", "deny-token-app"),
  },

  // --- Cross-account -------------------------------------------------------------------------------------------------
  {
    name: "cross-account: Carlos's identity policy and the Production bucket policy both allow",
    source: CROSS,
    request: req(user("carlossalazar", "111111111111"), "s3:PutObject", OBJECT("Production", "build.zip"), {}, "222222222222"),
    policies: {
      identity: [
        identity(
          "carlos-production",
          v12(
            { Sid: "AllowS3ListRead", Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
            { Sid: "AllowS3ProductionObjectActions", Effect: "Allow", Action: "s3:*Object*", Resource: "arn:aws:s3:::Production/*" },
            { Sid: "DenyS3Logs", Effect: "Deny", Action: "s3:*", Resource: ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"] },
          ),
        ),
      ],
      resource: resourcePolicy(
        "Production bucket policy",
        v12({
          Effect: "Allow",
          Action: ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
          Principal: { AWS: "arn:aws:iam::111111111111:root" },
          Resource: "arn:aws:s3:::Production/*",
        }),
      ),
    },
    expected: allowed({ matched: ["#0", "AllowS3ProductionObjectActions"] }),
  },
  {
    name: "cross-account: Production-logs is denied by Carlos's own DenyS3Logs",
    source: CROSS,
    request: req(user("carlossalazar", "111111111111"), "s3:PutObject", OBJECT("Production-logs", "app.log"), {}, "222222222222"),
    policies: {
      identity: [
        identity(
          "carlos-production",
          v12(
            { Sid: "AllowS3ProductionObjectActions", Effect: "Allow", Action: "s3:*Object*", Resource: "arn:aws:s3:::Production*/*" },
            { Sid: "DenyS3Logs", Effect: "Deny", Action: "s3:*", Resource: ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"] },
          ),
        ),
      ],
      resource: resourcePolicy(
        "Production-logs bucket policy",
        v12({ Effect: "Allow", Action: "s3:*", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Resource: "arn:aws:s3:::Production-logs/*" }),
      ),
    },
    expected: explicit("identity", "carlos-production"),
  },
  {
    name: "cross-account: an identity policy alone is not enough (no resource-based policy allows)",
    source: CROSS,
    request: req(user("carlossalazar", "111111111111"), "s3:GetObject", OBJECT("Production", "build.zip"), {}, "222222222222"),
    policies: { identity: [allowAll()] },
    expected: implicit("resource"),
  },
  {
    name: "cross-account: a bucket policy naming the user is not enough without his identity policy",
    source: CROSS,
    request: req(user("carlossalazar", "111111111111"), "s3:GetObject", OBJECT("Production", "build.zip"), {}, "222222222222"),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "Production bucket policy",
        v12({
          Effect: "Allow",
          Action: "s3:GetObject",
          Principal: { AWS: "arn:aws:iam::111111111111:user/carlossalazar" },
          Resource: "arn:aws:s3:::Production/*",
        }),
      ),
    },
    expected: implicit("identity"),
  },
  {
    name: 'cross-account: Principal "*" still needs the other account\'s identity policy',
    source: iam("reference_policies_elements_principal", "principal-anonymous"),
    request: req(user("alice", OTHER), "s3:GetObject", OBJECT("DOC-EXAMPLE-BUCKET", "index.html"), {}, ACCOUNT),
    policies: { identity: [], resource: PUBLIC_READ },
    expected: implicit("identity"),
  },
  {
    name: "cross-account: the other account's root is allowed by a policy naming its account",
    source: CROSS,
    request: req(root("111111111111"), "s3:GetObject", OBJECT("Production", "build.zip"), {}, "222222222222"),
    policies: {
      identity: [],
      resource: resourcePolicy(
        "Production bucket policy",
        v12({ Effect: "Allow", Action: "s3:GetObject*", Principal: { AWS: "111111111111" }, Resource: "arn:aws:s3:::Production/*" }),
      ),
    },
    expected: allowed(),
  },
  {
    name: "cross-account AssumeRole: the trust policy names the account and the caller's policy allows",
    source: CROSS,
    request: req(user("auditor", OTHER), "sts:AssumeRole", ROLE("CrossAccountRole"), {}, ACCOUNT),
    policies: { identity: [allow("assume", "sts:AssumeRole", ROLE("CrossAccountRole"))], resource: ACCOUNT_TRUST(OTHER), resourcePolicyRequired: true },
    expected: allowed(),
  },
  {
    name: "cross-account AssumeRole: a trust policy naming another account does not allow",
    source: CROSS,
    request: req(user("auditor", OTHER), "sts:AssumeRole", ROLE("CrossAccountRole"), {}, ACCOUNT),
    policies: {
      identity: [allow("assume", "sts:AssumeRole", ROLE("CrossAccountRole"))],
      resource: ACCOUNT_TRUST("999999999999"),
      resourcePolicyRequired: true,
    },
    expected: implicit("resource"),
  },

  // --- Permissions boundaries ----------------------------------------------------------------------------------------
  {
    name: "Shirley's boundary has no IAM: iam:CreateUser is implicitly denied by the boundary",
    source: BOUNDARIES,
    request: req(user("ShirleyRodriguez"), "iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/new`),
    policies: { identity: [allow("create-user", "iam:CreateUser")], boundary: SHIRLEY_BOUNDARY },
    expected: implicit("boundary"),
  },
  {
    name: "Shirley's boundary allows S3: with an identity policy for S3 she may list buckets",
    source: BOUNDARIES,
    request: req(user("ShirleyRodriguez"), "s3:ListAllMyBuckets", "*"),
    policies: { identity: [allow("s3", "s3:*")], boundary: SHIRLEY_BOUNDARY },
    expected: allowed(),
  },
  {
    name: "a boundary grants nothing on its own",
    source: BOUNDARIES,
    request: req(user("ShirleyRodriguez"), "s3:ListAllMyBuckets", "*"),
    policies: { identity: [], boundary: SHIRLEY_BOUNDARY },
    expected: implicit("identity"),
  },
  {
    name: "an explicit deny in the boundary (XCompanyBoundaries DenyS3Logs) wins over AdministratorAccess",
    source: BOUNDARIES,
    request: req(user("newhire"), "s3:GetObject", OBJECT("logs", "2026/02/26.log")),
    policies: { identity: [allowAll()], boundary: XCOMPANY_BOUNDARY },
    expected: explicit("boundary", "XCompanyBoundaries", { matched: ["#0", "ServiceBoundaries", "DenyS3Logs"] }),
  },
  {
    name: "XCompanyBoundaries: a user manages his own access keys (${aws:username} in the boundary)",
    source: BOUNDARIES,
    request: req(user("newhire"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/newhire`),
    policies: { identity: [allowAll()], boundary: XCOMPANY_BOUNDARY },
    expected: allowed(),
  },
  {
    name: "XCompanyBoundaries: not another user's",
    source: BOUNDARIES,
    request: req(user("newhire"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/maria`),
    policies: { identity: [allowAll()], boundary: XCOMPANY_BOUNDARY },
    expected: implicit("boundary"),
  },
  {
    name: "an explicit deny in the boundary also beats a bucket policy naming the user",
    source: BOUNDARIES,
    request: req(user("newhire"), "s3:GetObject", OBJECT("logs", "a.log")),
    policies: {
      identity: [],
      boundary: XCOMPANY_BOUNDARY,
      resource: resourcePolicy(
        "logs bucket",
        v12({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/newhire` }, Action: "s3:GetObject", Resource: "arn:aws:s3:::logs/*" }),
      ),
    },
    expected: explicit("boundary", "XCompanyBoundaries"),
  },

  // --- Session policies ----------------------------------------------------------------------------------------------
  {
    name: "session policy ∩ role policy: s3:GetObject allowed by both",
    source: SESSION,
    request: req(session("Ops", "ci"), "s3:GetObject", OBJECT("b", "k")),
    policies: {
      identity: [allow("ops", ["s3:*", "ec2:*"])],
      session: [sessionPolicy("inline session policy", v12({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }))],
    },
    expected: allowed(),
  },
  {
    name: "session policy ∩ role policy: ec2 is implicitly denied by the session policy",
    source: SESSION,
    request: req(session("Ops", "ci"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [allow("ops", ["s3:*", "ec2:*"])],
      session: [sessionPolicy("inline session policy", v12({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }))],
    },
    expected: implicit("session"),
  },
  {
    name: "several session policies (Policy and PolicyArns) allow together: any one suffices",
    source: SESSION,
    request: req(session("Ops", "ci"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [allow("ops", ["s3:*", "ec2:*"])],
      session: [
        sessionPolicy("inline session policy", v12({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" })),
        named(
          "session",
          "AmazonEC2ReadOnlyAccess",
          v12({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }),
          "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
        ),
      ],
    },
    expected: allowed(),
  },
  {
    name: "a session policy grants nothing the role does not have",
    source: SESSION,
    request: req(session("Ops", "ci"), "iam:CreateUser", "*"),
    policies: {
      identity: [allow("ops", ["s3:*", "ec2:*"])],
      session: [sessionPolicy("inline session policy", v12({ Effect: "Allow", Action: "*", Resource: "*" }))],
    },
    expected: implicit("identity"),
  },
  {
    name: "an explicit deny in a session policy is an explicit deny",
    source: SESSION,
    request: req(session("Ops", "ci"), "s3:DeleteObject", OBJECT("b", "k")),
    policies: {
      identity: [allow("ops", ["s3:*"])],
      session: [sessionPolicy("no-delete", v12({ Effect: "Allow", Action: "s3:*", Resource: "*" }, { Effect: "Deny", Action: "s3:Delete*", Resource: "*" }))],
    },
    expected: explicit("session", "no-delete"),
  },
  {
    name: "a role session with a boundary and a session policy: all three must allow",
    source: BOUNDARIES,
    request: req(session("Ops", "ci"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [allowAll()],
      boundary: S3_ONLY_BOUNDARY,
      session: [sessionPolicy("everything", v12({ Effect: "Allow", Action: "*", Resource: "*" }))],
    },
    expected: implicit("boundary"),
  },

  // --- Service control policies --------------------------------------------------------------------------------------
  {
    name: "SCP FullAWSAccess with an identity policy: allowed",
    source: SCP,
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*")),
    policies: { identity: [EC2_FULL], scps: [scp("FullAWSAccess", v12({ Effect: "Allow", Action: "*", Resource: "*" }))] },
    expected: allowed(),
  },
  {
    name: "SCP: deny outside regions is an explicit deny in a service control policy",
    source: SCP,
    request: req(user("alice"), "ec2:RunInstances", INSTANCE("*", "us-east-1"), { "aws:RequestedRegion": "us-east-1" }),
    policies: {
      identity: [allowAll()],
      scps: [scp("FullAWSAccess", v12({ Effect: "Allow", Action: "*", Resource: "*" })), scp("DenyOutsideEU", DENY_OUTSIDE_REGIONS)],
    },
    expected: explicit("scp", "DenyOutsideEU"),
  },
  {
    name: "SCP allow list without IAM: iam:CreateUser is denied even with AdministratorAccess",
    source: SCP,
    request: req(user("alice"), "iam:CreateUser", "*"),
    policies: { identity: [allowAll()], scps: [scp("AllowS3EC2", v12({ Effect: "Allow", Action: ["s3:*", "ec2:*"], Resource: "*" }))] },
    expected: implicit("scp"),
  },
  {
    name: "SCPs at every level must allow: the OU's S3-only SCP stops EC2 although the root's allows all",
    source: SCP,
    request: req(user("alice"), "ec2:DescribeInstances", "*"),
    policies: {
      identity: [allowAll()],
      scps: [
        scp("FullAWSAccess", v12({ Effect: "Allow", Action: "*", Resource: "*" })),
        scp("OnlyS3", v12({ Effect: "Allow", Action: "s3:*", Resource: "*" })),
      ],
    },
    expected: implicit("scp"),
  },
  {
    name: "SCPs apply to a member account's root user",
    source: EVAL,
    request: req(root(), "ec2:RunInstances", INSTANCE("*", "us-east-1"), { "aws:RequestedRegion": "us-east-1" }),
    policies: { identity: [], scps: [scp("FullAWSAccess", v12({ Effect: "Allow", Action: "*", Resource: "*" })), scp("DenyOutsideEU", DENY_OUTSIDE_REGIONS)] },
    expected: explicit("scp", "DenyOutsideEU"),
  },
  {
    name: "an SCP that does not allow also limits a bucket policy naming the user",
    source: EVAL,
    request: req(user("carlossalazar"), "s3:GetObject", OBJECT("carlossalazar", "notes.txt")),
    policies: { identity: [], resource: CARLOS_BUCKET, scps: [scp("OnlyEC2", v12({ Effect: "Allow", Action: "ec2:*", Resource: "*" }))] },
    expected: implicit("scp"),
  },

  // --- Containment with AWS managed policies -------------------------------------------------------------------------
  {
    name: "AWSDenyAll attached to the role: every call of its sessions is explicitly denied",
    source: MANAGED("AWSDenyAll"),
    request: req(session("secutter-web", "i-0a1b2c3d4e5f60718"), "s3:GetObject", OBJECT("secutter-db-backups", "db/dump.sql.gz")),
    policies: { identity: [EC2_FULL, AWS_DENY_ALL] },
    expected: explicit("identity", "AWSDenyAll"),
  },
  {
    name: "AWSCompromisedKeyQuarantine: the leaked key may not run instances",
    source: MANAGED("AWSCompromisedKeyQuarantine"),
    request: req(user("dev-tanaka"), "ec2:RunInstances", INSTANCE("*")),
    policies: { identity: [allowAll(), AWS_COMPROMISED_KEY_QUARANTINE] },
    expected: explicit("identity", "AWSCompromisedKeyQuarantine"),
  },
  {
    name: "AWSCompromisedKeyQuarantine: nor create another access key",
    source: MANAGED("AWSCompromisedKeyQuarantine"),
    request: req(user("dev-tanaka"), "iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/dev-tanaka`),
    policies: { identity: [allowAll(), AWS_COMPROMISED_KEY_QUARANTINE] },
    expected: explicit("identity", "AWSCompromisedKeyQuarantine"),
  },
  {
    name: "AWSCompromisedKeyQuarantine: lightsail:Create* wildcards deny lightsail:CreateInstances",
    source: MANAGED("AWSCompromisedKeyQuarantine"),
    request: req(user("dev-tanaka"), "lightsail:CreateInstances", "*"),
    policies: { identity: [allowAll(), AWS_COMPROMISED_KEY_QUARANTINE] },
    expected: explicit("identity", "AWSCompromisedKeyQuarantine"),
  },
  {
    name: "AWSCompromisedKeyQuarantine leaves reads alone",
    source: MANAGED("AWSCompromisedKeyQuarantine"),
    request: req(user("dev-tanaka"), "s3:GetObject", OBJECT("b", "k")),
    policies: { identity: [allowAll(), AWS_COMPROMISED_KEY_QUARANTINE] },
    expected: allowed(),
  },
];
