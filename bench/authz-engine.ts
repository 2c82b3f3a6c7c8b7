// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${aws:username} and the like are IAM policy variables, written literally.
/**
 * The policy engine alone: median evaluate() time for a Secutter-like policy set (the web role's session after
 * containment: 5 identity policies and a bucket policy, 20 statements, conditions on dates, IPs, regions, tags).
 * Issue #13's budget for authorization is 50 µs per request. Printed, never asserted:
 *   node bin/run-ts.js bench/authz-engine.ts
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AuthzPrincipal, EvaluationRequest, PolicySet } from "../emulator/authz/engine/index.ts";
import { evaluate } from "../emulator/authz/engine/index.ts";
import type { ContextValues, NamedPolicy } from "../emulator/core/authz.ts";
import { microTimes, percentile, table } from "./lib.ts";

const ACCOUNT = "111122223333";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/secutter-web`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const policy = (kind: NamedPolicy["kind"], name: string, document: string, arn?: string): NamedPolicy => ({ kind, name, document, ...(arn && { arn }) });

const POLICIES: PolicySet = {
  identity: [
    policy(
      "identity",
      "secutter-app-s3",
      doc(
        {
          Sid: "DbBackups",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
          Resource: ["arn:aws:s3:::secutter-db-backups", "arn:aws:s3:::secutter-db-backups/*"],
        },
        { Sid: "UserIcons", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::secutter-uploads/icons/*"] },
      ),
    ),
    policy(
      "identity",
      "AmazonEC2FullAccess",
      doc(
        { Action: "ec2:*", Effect: "Allow", Resource: "*" },
        { Effect: "Allow", Action: "elasticloadbalancing:*", Resource: "*" },
        { Effect: "Allow", Action: "cloudwatch:*", Resource: "*" },
        { Effect: "Allow", Action: "autoscaling:*", Resource: "*" },
        {
          Effect: "Allow",
          Action: "iam:CreateServiceLinkedRole",
          Resource: "*",
          Condition: {
            StringEquals: {
              "iam:AWSServiceName": ["autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com", "elasticloadbalancing.amazonaws.com", "spot.amazonaws.com"],
            },
          },
        },
      ),
      "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
    ),
    policy(
      "identity",
      "AWSRevokeOlderSessions",
      doc({ Effect: "Deny", Action: ["*"], Resource: ["*"], Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-02-26T04:00:00Z" } } }),
    ),
    policy(
      "identity",
      "ir-guardrails",
      doc(
        {
          Sid: "DenyOutsideOffice",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"] }, Bool: { "aws:ViaAWSService": "false" } },
        },
        {
          Sid: "DenyOtherRegions",
          Effect: "Deny",
          NotAction: ["iam:*", "sts:*", "cloudfront:*", "route53:*", "support:*"],
          Resource: "*",
          Condition: { StringNotEquals: { "aws:RequestedRegion": ["ap-northeast-1", "us-east-1"] } },
        },
        {
          Sid: "DenyBigInstances",
          Effect: "Deny",
          Action: "ec2:RunInstances",
          Resource: "arn:aws:ec2:*:*:instance/*",
          Condition: { StringNotLike: { "ec2:InstanceType": ["t3.*", "t4g.*"] } },
        },
        { Sid: "DenyKeyPairs", Effect: "Deny", Action: ["ec2:CreateKeyPair", "ec2:ImportKeyPair"], Resource: "*" },
        {
          Sid: "DenyOpenIngress",
          Effect: "Deny",
          Action: "ec2:AuthorizeSecurityGroupIngress",
          Resource: "*",
          Condition: { "ForAnyValue:StringEquals": { "ec2:Ingress.CidrIp": "0.0.0.0/0" } },
        },
        {
          Sid: "KeepTrail",
          Effect: "Deny",
          Action: ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
          NotResource: "arn:aws:cloudtrail:*:*:trail/scratch-*",
        },
      ),
    ),
    policy(
      "identity",
      "team-tags",
      doc(
        {
          Sid: "OwnTeam",
          Effect: "Allow",
          Action: ["ec2:StartInstances", "ec2:StopInstances"],
          Resource: "*",
          Condition: { StringEquals: { "aws:ResourceTag/Team": "${aws:PrincipalTag/Team}" } },
        },
        {
          Sid: "OwnPrefix",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: "arn:aws:s3:::secutter-uploads",
          Condition: { StringLike: { "s3:prefix": ["icons/${aws:PrincipalTag/Team}/*"] } },
        },
        { Sid: "MfaForIam", Effect: "Deny", Action: "iam:*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } },
      ),
    ),
  ],
  resource: policy(
    "resource",
    "secutter-db-backups bucket policy",
    doc(
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::secutter-db-backups", "arn:aws:s3:::secutter-db-backups/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      { Sid: "WebRole", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::secutter-db-backups/*" },
      {
        Sid: "BackupBot",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/service/backup-bot` },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::secutter-db-backups/db/*",
        Condition: { IpAddress: { "aws:SourceIp": "198.51.100.0/24" } },
      },
    ),
  ),
};

const principal: AuthzPrincipal = {
  type: "AssumedRole",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/secutter-web/i-0a1b2c3d4e5f60718`,
  accountId: ACCOUNT,
  roleArn: ROLE,
};

/** The global keys the dispatcher gives every request, plus each call's own. */
function context(extra: ContextValues): ContextValues {
  return {
    "aws:SourceIp": "198.51.100.23",
    "aws:CurrentTime": new Date("2026-02-26T05:00:00Z"),
    "aws:EpochTime": 1772082000,
    "aws:TokenIssueTime": new Date("2026-02-26T04:30:00Z"),
    "aws:RequestedRegion": "ap-northeast-1",
    "aws:SecureTransport": "true",
    "aws:ViaAWSService": "false",
    "aws:MultiFactorAuthPresent": "false",
    "aws:userid": "AROAEXAMPLEWEBROLE01:i-0a1b2c3d4e5f60718",
    "aws:PrincipalTag/Team": "web",
    "aws:PrincipalServiceName": "",
    ...extra,
  };
}

const REQUESTS: [string, EvaluationRequest, PolicySet][] = [
  ["ec2:DescribeInstances", { principal, action: "ec2:DescribeInstances", resource: "*", context: context({}) }, { ...POLICIES, resource: undefined }],
  [
    "ec2:RunInstances (instance)",
    {
      principal,
      action: "ec2:RunInstances",
      resource: `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:instance/*`,
      context: context({ "ec2:InstanceType": "c5.4xlarge" }),
    },
    { ...POLICIES, resource: undefined },
  ],
  [
    "s3:GetObject (bucket policy)",
    { principal, action: "s3:GetObject", resource: "arn:aws:s3:::secutter-db-backups/db/dump.sql.gz", context: context({}) },
    POLICIES,
  ],
  [
    "ec2:StopInstances (tags)",
    {
      principal,
      action: "ec2:StopInstances",
      resource: `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:instance/i-0123`,
      context: context({ "aws:ResourceTag/Team": "web" }),
    },
    { ...POLICIES, resource: undefined },
  ],
  [
    "iam:CreateUser",
    { principal, action: "iam:CreateUser", resource: `arn:aws:iam::${ACCOUNT}:user/backdoor`, context: context({}) },
    { ...POLICIES, resource: undefined },
  ],
];

export function benchAuthzEngine(): string {
  const statements = [...POLICIES.identity, POLICIES.resource!].reduce((n, p) => n + JSON.parse(p.document).Statement.length, 0);
  const rows = [["request", "decision", "median", "p95"]];
  const all: number[] = [];
  for (const [label, request, policies] of REQUESTS) {
    const decision = evaluate(request, policies).decision;
    const t = microTimes(() => evaluate(request, policies));
    all.push(t.median);
    rows.push([label, decision, `${t.median.toFixed(2)} µs`, `${t.p95.toFixed(2)} µs`]);
  }
  const median = percentile(all, 50);
  return `authz engine: evaluate() with ${POLICIES.identity.length} identity policies + a bucket policy (${statements} statements), budget 50 µs\n${table(rows)}\nmedian over these requests: ${median.toFixed(2)} µs`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) console.log(benchAuthzEngine());
