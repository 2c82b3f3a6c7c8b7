/**
 * The security controls this range evaluates, from the AWS Foundational Security Best Practices standard, and
 * their checks over an account's current state: a control finding's status follows what the responder changes
 * (require IMDSv2 and EC2.8 passes; stop the trail and CloudTrail.1 fails). Titles, severities and Config rules
 * are those of the Security Hub user guide.
 */

import { asList, type Json, statementsOf } from "../../core/policy-document.ts";
import type { StoredTrail } from "../cloudtrail/state.ts";
import type { Ec2State } from "../ec2/state.ts";
import type { GuardDutyState } from "../guardduty/state.ts";
import type { IamState } from "../iam/state.ts";
import type { BucketRecord } from "../s3/object-store.ts";
import { type AsffResource, asffResource, asffTags } from "./asff.ts";

export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";

export interface ControlDef {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  /** The AWS Config rule behind the control (its name in ProductFields). */
  configRule: string;
  /** CIS AWS Foundations Benchmark v1.2.0 requirement, where the control maps to one. */
  cis12?: string;
  schedule: "CHANGE_TRIGGERED" | "PERIODIC";
}

/** An account as the checks see it: one region's resources, with the account-wide ones. */
export interface AccountView {
  accountId: string;
  region: string;
  /** IAM, a global service, is evaluated in this region only (where Config records global resources). */
  homeRegion: string;
  now: number;
  ec2: Ec2State;
  iam: IamState;
  /** Every trail of the account, wherever it is homed. */
  trails: StoredTrail[];
  buckets: BucketRecord[];
  guardduty: GuardDutyState;
}

export interface ControlResult {
  control: ControlDef;
  resource: AsffResource;
  status: "PASSED" | "FAILED";
  reason?: { ReasonCode: string; Description: string };
  /** When the resource came to be, where the state says: the first evaluation cannot be earlier. */
  since?: string;
}

const def = (
  id: string,
  severity: Severity,
  configRule: string,
  schedule: ControlDef["schedule"],
  title: string,
  description: string,
  cis12?: string,
): ControlDef => ({ id, severity, configRule, schedule, title, description, cis12 });

export const CONTROLS: readonly ControlDef[] = [
  def(
    "CloudTrail.1",
    "HIGH",
    "multi-region-cloudtrail-enabled",
    "PERIODIC",
    "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
    "This control checks whether there is at least one multi-Region AWS CloudTrail trail that logs read and write management events. The control fails if no trail is logging them in every Region.",
    "2.1",
  ),
  def(
    "CloudTrail.4",
    "LOW",
    "cloud-trail-log-file-validation-enabled",
    "PERIODIC",
    "CloudTrail log file validation should be enabled",
    "This control checks whether log file integrity validation is enabled on a CloudTrail trail.",
    "2.2",
  ),
  def(
    "EC2.2",
    "HIGH",
    "vpc-default-security-group-closed",
    "CHANGE_TRIGGERED",
    "The VPC default security group should not allow inbound and outbound traffic",
    "This control checks that the default security group of a VPC does not allow inbound or outbound traffic.",
    "4.3",
  ),
  def(
    "EC2.6",
    "MEDIUM",
    "vpc-flow-logs-enabled",
    "PERIODIC",
    "VPC flow logging should be enabled in all VPCs",
    "This control checks whether Amazon VPC Flow Logs are found and enabled for VPCs.",
    "2.9",
  ),
  def(
    "EC2.8",
    "HIGH",
    "ec2-imdsv2-check",
    "CHANGE_TRIGGERED",
    "Amazon EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
    "This control checks whether your EC2 instance metadata version is configured with Instance Metadata Service Version 2 (IMDSv2). The control passes if HttpTokens is set to required for IMDSv2. The control fails if HttpTokens is set to optional.",
  ),
  def(
    "EC2.9",
    "HIGH",
    "ec2-instance-no-public-ip",
    "CHANGE_TRIGGERED",
    "Amazon EC2 instances should not have a public IPv4 address",
    "This control checks whether EC2 instances have a public IP address. The control fails if the publicIp field is present in the EC2 instance configuration item.",
  ),
  def(
    "EC2.13",
    "HIGH",
    "restricted-ssh",
    "CHANGE_TRIGGERED",
    "Security groups should not allow ingress from 0.0.0.0/0 to port 22",
    "This control checks whether security groups allow unrestricted incoming SSH traffic: an ingress rule from 0.0.0.0/0 or ::/0 that reaches port 22 fails it.",
    "4.1",
  ),
  def(
    "EC2.15",
    "MEDIUM",
    "subnet-auto-assign-public-ip-disabled",
    "CHANGE_TRIGGERED",
    "Amazon EC2 subnets should not automatically assign public IP addresses",
    "This control checks whether the assignment of public IPs in Amazon Virtual Private Cloud (Amazon VPC) subnets have MapPublicIpOnLaunch set to FALSE. The control passes if the flag is set to FALSE.",
  ),
  def(
    "EC2.18",
    "HIGH",
    "vpc-sg-open-only-to-authorized-ports",
    "CHANGE_TRIGGERED",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
    "This control checks whether security groups allow unrestricted incoming traffic to ports other than the authorized ones (by default TCP 80 and 443).",
  ),
  def(
    "EC2.19",
    "CRITICAL",
    "vpc-sg-restricted-common-ports",
    "CHANGE_TRIGGERED",
    "Security groups should not allow unrestricted access to ports with high risk",
    "This control checks whether unrestricted incoming traffic for the security groups is accessible to the specified ports that have the highest risk. This control fails if any of the rules in a security group allow ingress traffic from '0.0.0.0/0' or '::/0' to those ports.",
  ),
  def(
    "GuardDuty.1",
    "HIGH",
    "guardduty-enabled-centralized",
    "PERIODIC",
    "GuardDuty should be enabled",
    "This control checks whether Amazon GuardDuty is enabled in your GuardDuty account and Region.",
  ),
  def(
    "IAM.1",
    "HIGH",
    "iam-policy-no-statements-with-admin-access",
    "CHANGE_TRIGGERED",
    'IAM policies should not allow full "*" administrative privileges',
    'This control checks whether the default version of IAM policies (also known as customer managed policies) has administrator access that includes a statement with "Effect": "Allow" with "Action": "*" over "Resource": "*".',
    "1.22",
  ),
  def(
    "IAM.2",
    "LOW",
    "iam-user-no-policies-check",
    "CHANGE_TRIGGERED",
    "IAM users should not have IAM policies attached",
    "This control checks that none of your IAM users have policies attached. Instead, IAM users must inherit permissions from IAM groups or roles.",
    "1.16",
  ),
  def(
    "IAM.3",
    "MEDIUM",
    "access-keys-rotated",
    "PERIODIC",
    "IAM users' access keys should be rotated every 90 days or less",
    "This control checks whether the active access keys are rotated within 90 days.",
    "1.4",
  ),
  def(
    "IAM.5",
    "MEDIUM",
    "mfa-enabled-for-iam-console-access",
    "PERIODIC",
    "MFA should be enabled for all IAM users that have a console password",
    "This control checks whether AWS multi-factor authentication (MFA) is enabled for all IAM users that use a console password.",
    "1.2",
  ),
  def(
    "IAM.8",
    "MEDIUM",
    "iam-user-unused-credentials-check",
    "PERIODIC",
    "Unused IAM user credentials should be removed",
    "This control checks whether your IAM users have passwords or active access keys that have not been used for 90 days.",
    "1.3",
  ),
  def(
    "S3.5",
    "MEDIUM",
    "s3-bucket-ssl-requests-only",
    "CHANGE_TRIGGERED",
    "S3 buckets should require requests to use Secure Socket Layer",
    "This control checks whether S3 buckets have policies that require requests to use Secure Socket Layer (SSL).",
  ),
  def(
    "S3.8",
    "HIGH",
    "s3-bucket-level-public-access-prohibited",
    "CHANGE_TRIGGERED",
    "S3 Block Public Access setting should be enabled at the bucket-level",
    "This control checks whether S3 buckets have bucket-level public access blocks applied. This control fails if any of the following settings are set to false: ignorePublicAcls, blockPublicPolicy, blockPublicAcls, restrictPublicBuckets.",
  ),
];

export const CONTROL_BY_ID = new Map(CONTROLS.map((c) => [c.id, c]));

/** EC2.19's ports with the highest risk, as the control lists them. */
const HIGH_RISK_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300];
/** EC2.18's authorizedTcpPorts default. */
const AUTHORIZED_PORTS = [80, 443];
const DAY = 86_400_000;

const accountResource = (view: AccountView) => asffResource(view.region, "AwsAccount", `AWS::::Account:${view.accountId}`);

const control = (id: string) => CONTROL_BY_ID.get(id) as ControlDef;

interface Rule {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  IsEgress?: boolean;
  ReferencedGroupInfo?: { GroupId?: string };
  PrefixListId?: string;
}

function rulesOf(ec2: Ec2State, groupId: string): Rule[] {
  return Object.values(ec2.securityGroupRules).filter((r) => r.GroupId === groupId) as Rule[];
}

const open = (r: Rule) => r.CidrIpv4 === "0.0.0.0/0" || r.CidrIpv6 === "::/0";
/** Whether an ingress rule reaches a TCP port: all protocols (-1) reach every port. */
const reaches = (r: Rule, port: number) =>
  r.IpProtocol === "-1" || ((r.IpProtocol === "tcp" || r.IpProtocol === "6") && (r.FromPort ?? 0) <= port && port <= (r.ToPort ?? 65535));

/** The group as ASFF's AwsEc2SecurityGroup details show it, rules grouped into permissions. */
function groupDetails(ec2: Ec2State, g: { GroupId?: string; GroupName?: string; OwnerId?: string; VpcId?: string }): Record<string, unknown> {
  const perm = (r: Rule) => ({
    IpProtocol: r.IpProtocol,
    ...(r.IpProtocol !== "-1" ? { FromPort: r.FromPort, ToPort: r.ToPort } : {}),
    ...(r.CidrIpv4 ? { IpRanges: [{ CidrIp: r.CidrIpv4 }] } : {}),
    ...(r.CidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: r.CidrIpv6 }] } : {}),
    ...(r.ReferencedGroupInfo?.GroupId ? { UserIdGroupPairs: [{ GroupId: r.ReferencedGroupInfo.GroupId, UserId: g.OwnerId }] } : {}),
  });
  const rules = rulesOf(ec2, g.GroupId as string);
  return {
    AwsEc2SecurityGroup: {
      GroupName: g.GroupName,
      GroupId: g.GroupId,
      OwnerId: g.OwnerId,
      VpcId: g.VpcId,
      IpPermissions: rules.filter((r) => !r.IsEgress).map(perm),
      IpPermissionsEgress: rules.filter((r) => r.IsEgress).map(perm),
    },
  };
}

function ec2Checks(view: AccountView): ControlResult[] {
  const { ec2, accountId, region } = view;
  const out: ControlResult[] = [];
  for (const i of Object.values(ec2.instances)) {
    if (i.State?.Name === "terminated") continue;
    const ips = [i.PublicIpAddress, i.PrivateIpAddress].filter((x): x is string => !!x);
    const r = asffResource(
      view.region,
      "AwsEc2Instance",
      `arn:aws:ec2:${region}:${accountId}:instance/${i.InstanceId}`,
      {
        AwsEc2Instance: {
          Type: i.InstanceType,
          ImageId: i.ImageId,
          IpV4Addresses: ips,
          KeyName: i.KeyName,
          IamInstanceProfileArn: i.IamInstanceProfile?.Arn,
          VpcId: i.VpcId,
          SubnetId: i.SubnetId,
          LaunchedAt: i.LaunchTime,
          MetadataOptions: i.MetadataOptions
            ? {
                HttpEndpoint: i.MetadataOptions.HttpEndpoint,
                HttpTokens: i.MetadataOptions.HttpTokens,
                HttpPutResponseHopLimit: i.MetadataOptions.HttpPutResponseHopLimit,
                InstanceMetadataTags: i.MetadataOptions.InstanceMetadataTags,
              }
            : undefined,
        },
      },
      asffTags(i.Tags),
    );
    const imdsv2 = i.MetadataOptions?.HttpTokens === "required";
    out.push({ control: control("EC2.8"), resource: r, status: imdsv2 ? "PASSED" : "FAILED", since: i.LaunchTime });
    out.push({ control: control("EC2.9"), resource: r, status: i.PublicIpAddress ? "FAILED" : "PASSED", since: i.LaunchTime });
  }
  for (const g of Object.values(ec2.securityGroups)) {
    const gid = g.GroupId as string;
    const r = asffResource(
      view.region,
      "AwsEc2SecurityGroup",
      `arn:aws:ec2:${region}:${accountId}:security-group/${gid}`,
      groupDetails(ec2, g),
      asffTags(g.Tags),
    );
    const ingress = rulesOf(ec2, gid).filter((x) => !x.IsEgress);
    const unrestricted = ingress.filter(open);
    if (g.GroupName === "default") {
      const any = rulesOf(ec2, gid).length > 0;
      out.push({ control: control("EC2.2"), resource: r, status: any ? "FAILED" : "PASSED" });
    }
    out.push({ control: control("EC2.13"), resource: r, status: unrestricted.some((x) => reaches(x, 22)) ? "FAILED" : "PASSED" });
    const risky = HIGH_RISK_PORTS.filter((p) => unrestricted.some((x) => reaches(x, p)));
    out.push({
      control: control("EC2.19"),
      resource: r,
      status: risky.length ? "FAILED" : "PASSED",
      reason: risky.length
        ? { ReasonCode: "CONFIG_EVALUATIONS_EMPTY", Description: `Unrestricted ingress to high-risk ports: ${risky.join(", ")}` }
        : undefined,
    });
    const unauthorized = unrestricted.filter(
      (x) => x.IpProtocol === "-1" || x.IpProtocol !== "tcp" || !((x.FromPort ?? 0) === (x.ToPort ?? -1) && AUTHORIZED_PORTS.includes(x.FromPort as number)),
    );
    out.push({ control: control("EC2.18"), resource: r, status: unauthorized.length ? "FAILED" : "PASSED" });
  }
  const flowLogged = new Set(
    Object.values(ec2.flowLogs)
      .filter((f) => f.FlowLogStatus !== "INACTIVE")
      .map((f) => f.ResourceId),
  );
  for (const v of Object.values(ec2.vpcs)) {
    const r = asffResource(
      view.region,
      "AwsEc2Vpc",
      `arn:aws:ec2:${region}:${accountId}:vpc/${v.VpcId}`,
      { AwsEc2Vpc: { CidrBlockAssociationSet: [{ CidrBlock: v.CidrBlock, CidrBlockState: "associated" }], DhcpOptionsId: v.DhcpOptionsId, State: v.State } },
      asffTags(v.Tags),
    );
    out.push({ control: control("EC2.6"), resource: r, status: flowLogged.has(v.VpcId) ? "PASSED" : "FAILED" });
  }
  for (const s of Object.values(ec2.subnets)) {
    const r = asffResource(
      view.region,
      "AwsEc2Subnet",
      `arn:aws:ec2:${region}:${accountId}:subnet/${s.SubnetId}`,
      {
        AwsEc2Subnet: {
          SubnetId: s.SubnetId,
          VpcId: s.VpcId,
          CidrBlock: s.CidrBlock,
          AvailabilityZone: s.AvailabilityZone,
          MapPublicIpOnLaunch: !!s.MapPublicIpOnLaunch,
          DefaultForAz: !!s.DefaultForAz,
        },
      },
      asffTags(s.Tags),
    );
    out.push({ control: control("EC2.15"), resource: r, status: s.MapPublicIpOnLaunch ? "FAILED" : "PASSED" });
  }
  return out;
}

/** Whether a trail logs read and write management events (the default, or a selector that says so). */
function logsAllManagementEvents(t: StoredTrail): boolean {
  if (t.AdvancedEventSelectors?.length) {
    return t.AdvancedEventSelectors.some((s) => {
      const f = s.FieldSelectors ?? [];
      const management = f.some((x) => x.Field === "eventCategory" && x.Equals?.includes("Management"));
      const readOnlyLimited = f.some((x) => x.Field === "readOnly");
      return management && !readOnlyLimited;
    });
  }
  const selectors = t.EventSelectors ?? [{ ReadWriteType: "All", IncludeManagementEvents: true }];
  return selectors.some((s) => (s.ReadWriteType ?? "All") === "All" && s.IncludeManagementEvents !== false && !s.ExcludeManagementEventSources?.length);
}

function cloudTrailChecks(view: AccountView): ControlResult[] {
  const out: ControlResult[] = [];
  const ok = view.trails.some((t) => t.IsMultiRegionTrail && t.IsLogging && logsAllManagementEvents(t));
  out.push({
    control: control("CloudTrail.1"),
    resource: accountResource(view),
    status: ok ? "PASSED" : "FAILED",
    reason: ok ? undefined : { ReasonCode: "CONFIG_EVALUATIONS_EMPTY", Description: "No multi-Region trail is logging read and write management events." },
  });
  for (const t of view.trails) {
    if ((t.HomeRegion ?? view.region) !== view.region) continue;
    const r = asffResource(view.region, "AwsCloudTrailTrail", t.TrailARN as string, {
      AwsCloudTrailTrail: {
        Name: t.Name,
        TrailArn: t.TrailARN,
        HomeRegion: t.HomeRegion,
        IsMultiRegionTrail: !!t.IsMultiRegionTrail,
        IsOrganizationTrail: !!t.IsOrganizationTrail,
        LogFileValidationEnabled: !!t.LogFileValidationEnabled,
        IncludeGlobalServiceEvents: !!t.IncludeGlobalServiceEvents,
        S3BucketName: t.S3BucketName,
        HasCustomEventSelectors: !!t.HasCustomEventSelectors,
      },
    });
    out.push({ control: control("CloudTrail.4"), resource: r, status: t.LogFileValidationEnabled ? "PASSED" : "FAILED" });
  }
  return out;
}

function guardDutyChecks(view: AccountView): ControlResult[] {
  const enabled = Object.values(view.guardduty.detectors).some((d) => d.Status === "ENABLED");
  return [{ control: control("GuardDuty.1"), resource: accountResource(view), status: enabled ? "PASSED" : "FAILED" }];
}

function grantsAdmin(document: string): boolean {
  return statementsOf(document).some((s) => s.Effect === "Allow" && asList(s.Action).includes("*") && asList(s.Resource).includes("*"));
}

function iamChecks(view: AccountView): ControlResult[] {
  if (view.region !== view.homeRegion) return [];
  const out: ControlResult[] = [];
  for (const u of Object.values(view.iam.users)) {
    const r = asffResource(view.region, "AwsIamUser", u.Arn as string, {
      AwsIamUser: {
        UserName: u.UserName,
        UserId: u.UserId,
        Path: u.Path,
        CreateDate: u.CreateDate,
        AttachedManagedPolicies: u.AttachedPolicies.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split("/").pop() })),
        UserPolicyList: Object.keys(u.InlinePolicies).map((PolicyName) => ({ PolicyName })),
        GroupList: u.Groups,
      },
    });
    const since = u.CreateDate;
    const policies = u.AttachedPolicies.length + Object.keys(u.InlinePolicies).length;
    out.push({ control: control("IAM.2"), resource: r, status: policies ? "FAILED" : "PASSED", since });
    const active = u.AccessKeys.filter((k) => k.Status === "Active");
    const old = active.filter((k) => view.now - Date.parse(k.CreateDate as string) > 90 * DAY);
    out.push({
      control: control("IAM.3"),
      resource: r,
      status: old.length ? "FAILED" : "PASSED",
      reason: old.length
        ? { ReasonCode: "CONFIG_EVALUATIONS_EMPTY", Description: `Active access keys older than 90 days: ${old.map((k) => k.AccessKeyId).join(", ")}` }
        : undefined,
      since,
    });
    const console = !!u.LoginProfile || !!u.PasswordLastUsed;
    out.push({ control: control("IAM.5"), resource: r, status: console && !u.MFADevices?.length ? "FAILED" : "PASSED", since });
    const unusedSince = (last: string | undefined, created: string | undefined) => view.now - Date.parse((last ?? created) as string) > 90 * DAY;
    const staleKey = active.some((k) => unusedSince(k.LastUsed?.LastUsedDate, k.CreateDate));
    const stalePassword = console && unusedSince(u.PasswordLastUsed, u.LoginProfile?.CreateDate ?? u.CreateDate);
    out.push({ control: control("IAM.8"), resource: r, status: staleKey || stalePassword ? "FAILED" : "PASSED", since });
  }
  for (const p of Object.values(view.iam.policies)) {
    const version = p.Versions.find((v) => v.IsDefaultVersion) ?? p.Versions[0];
    const r = asffResource(view.region, "AwsIamPolicy", p.Arn as string, {
      AwsIamPolicy: {
        PolicyName: p.PolicyName,
        PolicyId: p.PolicyId,
        Path: p.Path,
        DefaultVersionId: p.DefaultVersionId,
        AttachmentCount: p.AttachmentCount,
        IsAttachable: p.IsAttachable,
        CreateDate: p.CreateDate,
        UpdateDate: p.UpdateDate,
      },
    });
    out.push({ control: control("IAM.1"), resource: r, status: version && grantsAdmin(version.Document) ? "FAILED" : "PASSED", since: p.CreateDate });
  }
  return out;
}

/** Whether a bucket policy denies requests without TLS (aws:SecureTransport false), as s3-bucket-ssl-requests-only wants. */
function requiresTls(policy: string | undefined): boolean {
  return statementsOf(policy ?? "").some((s) => {
    if (s.Effect !== "Deny") return false;
    const v = (s.Condition as { Bool?: Record<string, Json> } | undefined)?.Bool?.["aws:SecureTransport"];
    return v === false || v === "false" || (Array.isArray(v) && v.includes("false"));
  });
}

function s3Checks(view: AccountView): ControlResult[] {
  const out: ControlResult[] = [];
  for (const b of view.buckets) {
    if (b.region !== view.region) continue;
    const bpa = b.publicAccessBlock ?? {};
    const r = asffResource(
      view.region,
      "AwsS3Bucket",
      `arn:aws:s3:::${b.name}`,
      {
        AwsS3Bucket: {
          Name: b.name,
          CreatedAt: b.creationDate,
          OwnerAccountId: view.accountId,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: !!bpa.BlockPublicAcls,
            BlockPublicPolicy: !!bpa.BlockPublicPolicy,
            IgnorePublicAcls: !!bpa.IgnorePublicAcls,
            RestrictPublicBuckets: !!bpa.RestrictPublicBuckets,
          },
        },
      },
      asffTags(b.tags),
    );
    const blocked = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"].every((k) => bpa[k] === true);
    out.push({ control: control("S3.8"), resource: r, status: blocked ? "PASSED" : "FAILED", since: b.creationDate });
    out.push({ control: control("S3.5"), resource: r, status: requiresTls(b.policy) ? "PASSED" : "FAILED", since: b.creationDate });
  }
  return out;
}

/** Every enabled control's result on every resource it applies to in the view's region. */
export function evaluateControls(view: AccountView): ControlResult[] {
  return [...cloudTrailChecks(view), ...ec2Checks(view), ...guardDutyChecks(view), ...iamChecks(view), ...s3Checks(view)];
}
