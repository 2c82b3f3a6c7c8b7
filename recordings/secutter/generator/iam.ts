/** IAM at discovery: the CTO, the developer, the backup bot, the responder, and the over-privileged web role. */
import type { IamState, StoredRole } from "../../../emulator/services/iam/state.ts";
import { PROFILE_ARN, ROLE_ARN, type Story } from "./story.ts";
import { iso } from "./time.ts";
import { ACCOUNT, DAY, HOME, IAM_IDS, NAMES, RESPONDER, T } from "./world.ts";

const policy = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

export const WEB_ROLE_INLINE = policy([
  {
    Sid: "DbBackups",
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
    Resource: [`arn:aws:s3:::${NAMES.backups}`, `arn:aws:s3:::${NAMES.backups}/*`],
  },
  { Sid: "UserIcons", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`arn:aws:s3:::${NAMES.uploads}/icons/*`] },
]);

const trust = (service: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

export function buildIam(anchor: number, story: Story): IamState {
  const at = (off: number) => iso(anchor + off);
  const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
  const slr = (name: string, id: string, service: string, policyArn: string, created: number, description: string): StoredRole => ({
    Path: `/aws-service-role/${service}/`,
    RoleName: name,
    RoleId: id,
    Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${name}`,
    CreateDate: at(created),
    AssumeRolePolicyDocument: trust(service),
    Description: description,
    MaxSessionDuration: 3600,
    InlinePolicies: {},
    AttachedPolicies: [policyArn],
  });
  // The web server's own calls continue after the attacker's, until the CTO stopped it.
  const roleLastUsed = story.lastEventTime(
    (u) => (u as { sessionContext?: { sessionIssuer?: { userName?: string } } }).sessionContext?.sessionIssuer?.userName === NAMES.webRole,
  );
  const webRole: StoredRole = {
    Path: "/",
    RoleName: NAMES.webRole,
    RoleId: IAM_IDS.webRole,
    Arn: ROLE_ARN,
    CreateDate: at(T.webLaunch - 3 * 3600_000),
    AssumeRolePolicyDocument: trust("ec2.amazonaws.com"),
    Description: "secutter web server (app uploads, DB backups, auto-scaling scripts)",
    MaxSessionDuration: 3600,
    RoleLastUsed: { LastUsedDate: roleLastUsed, Region: HOME },
    Tags: [{ Key: "Service", Value: "secutter" }],
    InlinePolicies: { "secutter-app-s3": WEB_ROLE_INLINE },
    // AmazonEC2FullAccess was attached "for the auto-scaling scripts": far more than describe/snapshot calls need.
    AttachedPolicies: ["arn:aws:iam::aws:policy/AmazonEC2FullAccess"],
  };
  const { InlinePolicies: _i, AttachedPolicies: _a, ...webRoleShape } = webRole;
  return {
    users: {
      "cto-suzuki": {
        Path: "/",
        UserName: "cto-suzuki",
        UserId: IAM_IDS.cto,
        Arn: arn("cto-suzuki"),
        CreateDate: at(-540 * DAY),
        PasswordLastUsed: at(story.lastUsed.ctoLogin),
        Tags: [{ Key: "Role", Value: "CTO" }],
        AccessKeys: [],
        InlinePolicies: {},
        AttachedPolicies: [],
        Groups: ["admins"],
        MFADevices: [{ UserName: "cto-suzuki", SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/cto-suzuki`, EnableDate: at(-539 * DAY) }],
        LoginProfile: { CreateDate: at(-540 * DAY), PasswordResetRequired: false },
      },
      "dev-tanaka": {
        Path: "/",
        UserName: "dev-tanaka",
        UserId: IAM_IDS.dev,
        Arn: arn("dev-tanaka"),
        CreateDate: at(-320 * DAY),
        AccessKeys: [
          {
            UserName: "dev-tanaka",
            AccessKeyId: IAM_IDS.devKey,
            Status: "Active",
            CreateDate: at(-320 * DAY + 600_000),
            SecretAccessKey: IAM_IDS.devSecret,
            LastUsed: { LastUsedDate: at(story.lastUsed.dev), ServiceName: "ec2", Region: HOME },
          },
        ],
        InlinePolicies: {},
        AttachedPolicies: [],
        Groups: ["developers"],
      },
      "backup-bot": {
        Path: "/service/",
        UserName: "backup-bot",
        UserId: IAM_IDS.backupBot,
        Arn: `arn:aws:iam::${ACCOUNT}:user/service/backup-bot`,
        CreateDate: at(-300 * DAY),
        AccessKeys: [
          {
            UserName: "backup-bot",
            AccessKeyId: IAM_IDS.backupKey,
            Status: "Active",
            CreateDate: at(-300 * DAY + 300_000),
            SecretAccessKey: IAM_IDS.backupSecret,
            LastUsed: { LastUsedDate: at(story.lastUsed.backup), ServiceName: "s3", Region: HOME },
          },
        ],
        InlinePolicies: {
          "pull-db-backups": policy([
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${NAMES.backups}` },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${NAMES.backups}/db/*` },
          ]),
        },
        AttachedPolicies: [],
        Groups: [],
      },
      [RESPONDER.userName]: {
        Path: "/",
        UserName: RESPONDER.userName,
        UserId: RESPONDER.userId,
        Arn: arn(RESPONDER.userName),
        CreateDate: at(-30 * 60_000),
        Tags: [{ Key: "Purpose", Value: "incident-response" }],
        AccessKeys: [
          {
            UserName: RESPONDER.userName,
            AccessKeyId: RESPONDER.accessKeyId,
            Status: "Active",
            CreateDate: at(-29 * 60_000),
          },
        ],
        InlinePolicies: {
          "ir-containment": policy([
            {
              Sid: "Containment",
              Effect: "Allow",
              Action: [
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:TerminateInstances",
                "ec2:ModifyInstanceAttribute",
                "ec2:ModifyInstanceMetadataOptions",
                "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:DisassociateIamInstanceProfile",
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateSnapshot",
                "ec2:CreateSnapshots",
                "ec2:CreateImage",
                "ec2:CreateTags",
                "ec2:DeleteKeyPair",
                "iam:UpdateAccessKey",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:AttachRolePolicy",
                "iam:PutUserPolicy",
                "iam:AttachUserPolicy",
                "iam:DeleteLoginProfile",
                "guardduty:ArchiveFindings",
                "guardduty:UpdateFindingsFeedback",
                "securityhub:BatchUpdateFindings",
                "sts:DecodeAuthorizationMessage",
                "athena:*",
                "glue:Get*",
                "glue:CreateTable",
                "glue:CreateDatabase",
              ],
              Resource: "*",
            },
            {
              Sid: "Evidence",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
              Resource: [`arn:aws:s3:::${NAMES.evidence}`, `arn:aws:s3:::${NAMES.evidence}/*`],
            },
            {
              Sid: "ReadAppUploadsForEvidence",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:ListBucket"],
              Resource: [`arn:aws:s3:::${NAMES.uploads}`, `arn:aws:s3:::${NAMES.uploads}/*`],
            },
          ]),
        },
        AttachedPolicies: ["arn:aws:iam::aws:policy/SecurityAudit"],
        Groups: [],
      },
    },
    groups: {
      admins: {
        Path: "/",
        GroupName: "admins",
        GroupId: `AGPA${IAM_IDS.cto.slice(4)}`,
        Arn: `arn:aws:iam::${ACCOUNT}:group/admins`,
        CreateDate: at(-540 * DAY),
        InlinePolicies: {},
        AttachedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"],
      },
      developers: {
        Path: "/",
        GroupName: "developers",
        GroupId: `AGPA${IAM_IDS.dev.slice(4)}`,
        Arn: `arn:aws:iam::${ACCOUNT}:group/developers`,
        CreateDate: at(-330 * DAY),
        InlinePolicies: {},
        AttachedPolicies: ["arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
      },
    },
    roles: {
      [NAMES.webRole]: webRole,
      AWSServiceRoleForAmazonGuardDuty: slr(
        "AWSServiceRoleForAmazonGuardDuty",
        IAM_IDS.guardDutySlr,
        "guardduty.amazonaws.com",
        "arn:aws:iam::aws:policy/aws-service-role/AmazonGuardDutyServiceRolePolicy",
        T.trailCreated + 7200_000,
        "A service-linked role required for Amazon GuardDuty to access your resources. ",
      ),
      AWSServiceRoleForSupport: slr(
        "AWSServiceRoleForSupport",
        IAM_IDS.supportSlr,
        "support.amazonaws.com",
        "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
        -560 * DAY,
        "Enables resource access for AWS to provide billing, administrative and support services",
      ),
      AWSServiceRoleForTrustedAdvisor: slr(
        "AWSServiceRoleForTrustedAdvisor",
        IAM_IDS.trustedAdvisorSlr,
        "trustedadvisor.amazonaws.com",
        "arn:aws:iam::aws:policy/aws-service-role/AWSTrustedAdvisorServiceRolePolicy",
        -560 * DAY,
        "Access for the AWS Trusted Advisor Service to help reduce cost, increase performance, and improve security of your AWS environment.",
      ),
    },
    policies: {},
    instanceProfiles: {
      [NAMES.webProfile]: {
        Path: "/",
        InstanceProfileName: NAMES.webProfile,
        InstanceProfileId: IAM_IDS.webProfile,
        Arn: PROFILE_ARN,
        CreateDate: at(T.webLaunch - 3 * 3600_000 + 5000),
        Roles: [webRoleShape],
      },
    },
  };
}
