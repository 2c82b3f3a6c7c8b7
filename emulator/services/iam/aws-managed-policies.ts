/**
 * AWS managed policies an incident responder meets, with AWS's ARNs, policy ids, default versions and dates.
 * Documents are AWS's default versions; the very long ones (ReadOnlyAccess, SecurityAudit, the service-role
 * policies, AthenaFullAccess, GuardDutyFullAccess) are abbreviated to their leading statements and stay valid policies.
 * Ids marked "unverified" follow AWS's format but could not be checked against a live account.
 */
import type { StoredPolicy } from "./state.ts";

interface CatalogEntry {
  name: string;
  id: string;
  path?: string;
  description: string;
  version: string;
  created: string;
  updated: string;
  /** Service-linked role policies cannot be attached by customers. */
  attachable?: boolean;
  document: object;
}

const allow = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });

const CATALOG: CatalogEntry[] = [
  {
    name: "AdministratorAccess",
    id: "ANPAIWMBCKSKIEE64ZLYK",
    description: "Provides full access to AWS services and resources.",
    version: "v1",
    created: "2015-02-06T18:39:46Z",
    updated: "2015-02-06T18:39:46Z",
    document: doc(allow("*")),
  },
  {
    name: "ReadOnlyAccess",
    id: "ANPAILL3HVNFSB6DCOWYQ",
    description: "Provides read-only access to AWS services and resources.",
    version: "v122",
    created: "2015-02-06T18:39:48Z",
    updated: "2025-05-23T18:25:41Z",
    document: doc(
      allow([
        "a4b:Get*",
        "acm:Describe*",
        "acm:Get*",
        "acm:List*",
        "athena:Batch*",
        "athena:Get*",
        "athena:List*",
        "autoscaling:Describe*",
        "cloudformation:Describe*",
        "cloudformation:Get*",
        "cloudformation:List*",
        "cloudtrail:Describe*",
        "cloudtrail:Get*",
        "cloudtrail:List*",
        "cloudtrail:LookupEvents",
        "cloudwatch:Describe*",
        "cloudwatch:Get*",
        "cloudwatch:List*",
        "ec2:Describe*",
        "ec2:Get*",
        "glue:BatchGet*",
        "glue:Get*",
        "glue:List*",
        "guardduty:Describe*",
        "guardduty:Get*",
        "guardduty:List*",
        "iam:Generate*",
        "iam:Get*",
        "iam:List*",
        "iam:Simulate*",
        "kms:Describe*",
        "kms:Get*",
        "kms:List*",
        "lambda:Get*",
        "lambda:List*",
        "logs:Describe*",
        "logs:FilterLogEvents",
        "logs:Get*",
        "logs:ListTagsLogGroup",
        "logs:StartQuery",
        "logs:StopQuery",
        "logs:TestMetricFilter",
        "organizations:Describe*",
        "organizations:List*",
        "s3:Describe*",
        "s3:Get*",
        "s3:List*",
        "sts:GetCallerIdentity",
      ]),
    ),
  },
  {
    name: "SecurityAudit",
    id: "ANPAIX2T3QCXHR2OGGCTO",
    description:
      "The security audit template grants access to read security configuration metadata. It is useful for software that audits the configuration of an AWS account.",
    version: "v94",
    created: "2015-02-06T18:41:01Z",
    updated: "2026-09-30T20:27:00Z",
    document: doc(
      {
        Sid: "BaseSecurityAuditStatement",
        ...allow([
          "access-analyzer:GetAnalyzer",
          "access-analyzer:ListAnalyzers",
          "acm:Describe*",
          "acm:List*",
          "athena:GetWorkGroup",
          "athena:List*",
          "autoscaling:Describe*",
          "cloudformation:DescribeStack*",
          "cloudformation:GetStackPolicy",
          "cloudformation:GetTemplate",
          "cloudformation:ListStack*",
          "cloudtrail:DescribeTrails",
          "cloudtrail:GetEventSelectors",
          "cloudtrail:GetTrail",
          "cloudtrail:GetTrailStatus",
          "cloudtrail:ListTags",
          "cloudtrail:ListTrails",
          "cloudtrail:LookupEvents",
          "ec2:Describe*",
          "ec2:GetEbsEncryptionByDefault",
          "glue:GetDataCatalogEncryptionSettings",
          "glue:GetResourcePolicy",
          "guardduty:Get*",
          "guardduty:List*",
          "iam:GenerateCredentialReport",
          "iam:GenerateServiceLastAccessedDetails",
          "iam:Get*",
          "iam:List*",
          "iam:SimulateCustomPolicy",
          "iam:SimulatePrincipalPolicy",
          "kms:Describe*",
          "kms:Get*",
          "kms:List*",
          "logs:Describe*",
          "logs:ListTagsLogGroup",
          "s3:GetAccelerateConfiguration",
          "s3:GetAccessPoint",
          "s3:GetAccountPublicAccessBlock",
          "s3:GetBucket*",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:ListAccessPoints",
          "s3:ListAllMyBuckets",
          "sts:GetCallerIdentity",
        ]),
      },
      { Sid: "APIGatewayAccess", ...allow(["apigateway:GET"], ["arn:aws:apigateway:*::/restapis", "arn:aws:apigateway:*::/restapis/*/authorizers"]) },
    ),
  },
  {
    name: "AmazonEC2FullAccess",
    id: "ANPAI3VAJF5ZCRZ7MCQE6",
    description: "Provides full access to Amazon EC2 via the AWS Management Console.",
    version: "v5",
    created: "2015-02-06T18:40:15Z",
    updated: "2018-11-27T02:16:56Z",
    document: doc(
      allow("ec2:*"),
      allow("elasticloadbalancing:*"),
      allow("cloudwatch:*"),
      allow("autoscaling:*"),
      allow("iam:CreateServiceLinkedRole", "*", {
        Condition: {
          StringEquals: {
            "iam:AWSServiceName": [
              "autoscaling.amazonaws.com",
              "ec2scheduled.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
              "spot.amazonaws.com",
              "spotfleet.amazonaws.com",
              "transitgateway.amazonaws.com",
            ],
          },
        },
      }),
    ),
  },
  {
    name: "AmazonEC2ReadOnlyAccess",
    id: "ANPAIGDT4SV4GSETWTBZK",
    description: "Provides read only access to Amazon EC2 via the AWS Management Console.",
    version: "v3",
    created: "2015-02-06T18:40:17Z",
    updated: "2020-12-03T22:41:07Z",
    document: doc(
      allow("ec2:Describe*"),
      allow("elasticloadbalancing:Describe*"),
      allow(["cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "cloudwatch:Describe*"]),
      allow("autoscaling:Describe*"),
    ),
  },
  {
    name: "AmazonS3FullAccess",
    id: "ANPAIFIR6V6BVTRAHWINE",
    description: "Provides full access to all buckets via the AWS Management Console.",
    version: "v2",
    created: "2015-02-06T18:40:58Z",
    updated: "2021-09-27T20:16:37Z",
    document: doc(allow(["s3:*", "s3-object-lambda:*"])),
  },
  {
    name: "AmazonS3ReadOnlyAccess",
    id: "ANPAIZTJ4DXE7G6AGAE6M",
    description: "Provides read only access to all buckets via the AWS Management Console.",
    version: "v3",
    created: "2015-02-06T18:40:59Z",
    updated: "2023-08-10T21:31:39Z",
    document: doc(allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])),
  },
  {
    name: "IAMFullAccess",
    id: "ANPAI7XKCFMBPM3QQRRVQ",
    description: "Provides full access to IAM via the AWS Management Console.",
    version: "v2",
    created: "2015-02-06T18:40:38Z",
    updated: "2019-06-21T19:40:00Z",
    document: doc(
      allow("iam:*"),
      allow([
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:DescribePolicy",
        "organizations:ListChildren",
        "organizations:ListParents",
        "organizations:ListPoliciesForTarget",
        "organizations:ListRoots",
        "organizations:ListPolicies",
        "organizations:ListTargetsForPolicy",
      ]),
    ),
  },
  {
    name: "AmazonSSMManagedInstanceCore",
    id: "ANPAIXSHM2BNB2D3AXXRU",
    description: "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
    version: "v2",
    created: "2019-03-15T17:22:12Z",
    updated: "2019-05-23T16:54:21Z",
    document: doc(
      allow([
        "ssm:DescribeAssociation",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:DescribeDocument",
        "ssm:GetManifest",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutInventory",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation",
      ]),
      allow(["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]),
      allow([
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
      ]),
    ),
  },
  {
    name: "AWSCloudTrail_FullAccess",
    id: "ANPAZKAPJZG4BJ4VRUSBI", // unverified
    description: "Provides full access to AWS CloudTrail.",
    version: "v3",
    created: "2020-10-08T23:41:14Z",
    updated: "2021-02-22T19:01:27Z",
    document: doc(
      allow(["sns:AddPermission", "sns:CreateTopic", "sns:SetTopicAttributes", "sns:GetTopicAttributes"], ["arn:aws:sns:*:*:aws-cloudtrail-logs*"]),
      allow(["sns:ListTopics"]),
      allow(["s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock"], ["arn:aws:s3:::aws-cloudtrail-logs*"]),
      allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPolicy"]),
      allow("cloudtrail:*"),
      allow(["logs:CreateLogGroup"], ["arn:aws:logs:*:*:log-group:aws-cloudtrail-logs*"]),
      allow(["iam:ListRoles", "iam:GetRolePolicy", "iam:GetUser"]),
      allow(["iam:PassRole"], "*", { Condition: { StringEquals: { "iam:PassedToService": "cloudtrail.amazonaws.com" } } }),
      allow(["kms:CreateKey", "kms:CreateAlias", "kms:ListKeys", "kms:ListAliases"]),
      allow(["lambda:ListFunctions"]),
      allow(["dynamodb:ListGlobalTables", "dynamodb:ListTables"]),
    ),
  },
  {
    name: "AWSCloudTrail_ReadOnlyAccess",
    id: "ANPAZKAPJZG4PFQRHDBO4", // unverified
    description: "Provides read only access to AWS CloudTrail.",
    version: "v1",
    created: "2022-06-14T17:19:03Z",
    updated: "2022-06-14T17:19:03Z",
    document: doc(allow(["cloudtrail:Get*", "cloudtrail:Describe*", "cloudtrail:List*", "cloudtrail:LookupEvents"])),
  },
  {
    name: "AmazonGuardDutyFullAccess",
    id: "ANPAIKUTKSN4KC63VDQUM",
    description: "Provides full access to use Amazon GuardDuty.",
    version: "v6",
    created: "2017-11-28T22:31:30Z",
    updated: "2024-06-10T22:50:38Z",
    document: doc(
      { Sid: "AmazonGuardDutyFullAccessSid1", ...allow("guardduty:*") },
      {
        Sid: "CreateServiceLinkedRoleSid1",
        ...allow("iam:CreateServiceLinkedRole", "*", {
          Condition: { StringLike: { "iam:AWSServiceName": ["guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com"] } },
        }),
      },
      {
        Sid: "ActionsForOrganizationsSid1",
        ...allow([
          "organizations:EnableAWSServiceAccess",
          "organizations:RegisterDelegatedAdministrator",
          "organizations:ListDelegatedAdministrators",
          "organizations:ListAWSServiceAccessForOrganization",
          "organizations:DescribeOrganizationalUnit",
          "organizations:DescribeAccount",
          "organizations:DescribeOrganization",
          "organizations:ListAccounts",
        ]),
      },
      { Sid: "IamGetRoleSid1", ...allow("iam:GetRole", "arn:aws:iam::*:role/*AWSServiceRoleForAmazonGuardDutyMalwareProtection") },
    ),
  },
  {
    name: "AmazonAthenaFullAccess",
    id: "ANPAIPJMLMD4C7RYZ6XCK",
    description: "Provide full access to Amazon Athena and scoped access to the dependencies needed to enable querying, writing results, and data management.",
    version: "v12",
    created: "2016-11-30T16:46:01Z",
    updated: "2023-08-22T18:47:30Z",
    document: doc(
      { Sid: "BaseAthenaPermissions", ...allow(["athena:*"]) },
      {
        Sid: "BaseGluePermissions",
        ...allow([
          "glue:CreateDatabase",
          "glue:DeleteDatabase",
          "glue:GetDatabase",
          "glue:GetDatabases",
          "glue:UpdateDatabase",
          "glue:CreateTable",
          "glue:DeleteTable",
          "glue:BatchDeleteTable",
          "glue:UpdateTable",
          "glue:GetTable",
          "glue:GetTables",
          "glue:BatchCreatePartition",
          "glue:CreatePartition",
          "glue:DeletePartition",
          "glue:BatchDeletePartition",
          "glue:UpdatePartition",
          "glue:GetPartition",
          "glue:GetPartitions",
          "glue:BatchGetPartition",
        ]),
      },
      {
        Sid: "BaseQueryResultsPermissions",
        ...allow(
          [
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListMultipartUploadParts",
            "s3:AbortMultipartUpload",
            "s3:CreateBucket",
            "s3:PutObject",
            "s3:PutBucketPublicAccessBlock",
          ],
          ["arn:aws:s3:::aws-athena-query-results-*"],
        ),
      },
    ),
  },
  {
    name: "AWSSupportServiceRolePolicy",
    id: "ANPAJ7W6266ELXF5MISDS",
    path: "/aws-service-role/",
    description: "Enables resource access for AWS to provide billing, administrative and support services",
    version: "v40",
    created: "2018-04-19T18:04:44Z",
    updated: "2025-03-06T19:06:18Z",
    attachable: false,
    document: doc({
      Sid: "AWSSupportActions",
      ...allow([
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:LookupEvents",
        "ec2:DescribeInstances",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVolumes",
        "guardduty:GetDetector",
        "guardduty:ListDetectors",
        "iam:GetAccountSummary",
        "iam:ListRoles",
        "iam:ListUsers",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:ListAllMyBuckets",
      ]),
    }),
  },
  {
    name: "AmazonGuardDutyServiceRolePolicy",
    id: "ANPAIHZREZOEUUSLPSEU4", // unverified
    path: "/aws-service-role/",
    description: "Enables access to AWS Resources used or managed by Amazon GuardDuty",
    version: "v9",
    created: "2017-11-28T20:12:59Z",
    updated: "2024-06-10T18:54:37Z",
    attachable: false,
    document: doc(
      {
        Sid: "GuardDutyGetDescribeListPolicy",
        ...allow([
          "ec2:DescribeInstances",
          "ec2:DescribeImages",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeSubnets",
          "ec2:DescribeVpcPeeringConnections",
          "ec2:DescribeTransitGatewayAttachments",
          "organizations:ListAccounts",
          "organizations:DescribeAccount",
          "organizations:DescribeOrganization",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetEncryptionConfiguration",
          "s3:GetBucketTagging",
          "s3:GetAccountPublicAccessBlock",
          "s3:ListAllMyBuckets",
          "s3:GetBucketAcl",
          "s3:GetBucketPolicy",
          "s3:GetBucketPolicyStatus",
          "lambda:GetFunctionConfiguration",
          "lambda:ListFunctions",
          "lambda:ListTags",
        ]),
      },
      {
        Sid: "GuardDutyCreateSLRPolicy",
        ...allow("iam:CreateServiceLinkedRole", "*", { Condition: { StringEquals: { "iam:AWSServiceName": "malware-protection.guardduty.amazonaws.com" } } }),
      },
    ),
  },
];

export const AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy";

function toStored(e: CatalogEntry): StoredPolicy {
  const path = e.path ?? "/";
  return {
    PolicyName: e.name,
    PolicyId: e.id,
    Arn: `${AWS_POLICY_PREFIX}${path}${e.name}`,
    Path: path,
    DefaultVersionId: e.version,
    AttachmentCount: 0,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: e.attachable ?? true,
    Description: e.description,
    CreateDate: e.created,
    UpdateDate: e.updated,
    Versions: [{ VersionId: e.version, IsDefaultVersion: true, CreateDate: e.updated, Document: JSON.stringify(e.document, null, 4) }],
  };
}

const BY_ARN: ReadonlyMap<string, StoredPolicy> = new Map(
  CATALOG.map((e) => {
    const p = toStored(e);
    return [p.Arn ?? "", p];
  }),
);

/** A fresh copy of an AWS managed policy, or undefined if the catalog does not have it. */
export function awsManagedPolicy(arn: string): StoredPolicy | undefined {
  const p = BY_ARN.get(arn);
  return p ? structuredClone(p) : undefined;
}

export function awsManagedPolicies(): StoredPolicy[] {
  return [...BY_ARN.values()].map((p) => structuredClone(p));
}

export function isAwsManagedArn(arn: string): boolean {
  return arn.startsWith(`${AWS_POLICY_PREFIX}/`);
}
