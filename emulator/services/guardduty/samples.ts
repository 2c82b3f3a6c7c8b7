/**
 * CreateSampleFindings: findings shaped like GuardDuty's generated samples — "GeneratedFinding…" placeholder
 * values, placeholder instance i-99999999, Service.AdditionalInfo {"sample":true} — one per requested type.
 */

import type { Action, CreateSampleFindingsCommandInput, CreateSampleFindingsCommandOutput, Finding, Resource } from "@aws-sdk/client-guardduty";
import { randomBytes } from "../../core/entropy.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { badRequest, detectorOf } from "./detectors.ts";
import { applyArchiveFilters } from "./filters.ts";
import { guardDutyState } from "./state.ts";

/** Common finding types with their severity and title, used when no types are given. */
export const SAMPLE_TYPES: Record<string, { severity: number; title: string }> = {
  "Backdoor:EC2/C&CActivity.B!DNS": { severity: 8, title: "Command and Control server domain name queried by EC2 instance i-99999999." },
  "CryptoCurrency:EC2/BitcoinTool.B!DNS": { severity: 8, title: "Bitcoin-related domain name queried by EC2 instance i-99999999." },
  "Recon:EC2/PortProbeUnprotectedPort": { severity: 2, title: "Unprotected port on EC2 instance i-99999999 is being probed." },
  "UnauthorizedAccess:EC2/SSHBruteForce": { severity: 2, title: "198.51.100.0 is performing SSH brute force attacks against i-99999999." },
  "UnauthorizedAccess:EC2/TorClient": { severity: 8, title: "EC2 instance i-99999999 is communicating with Tor Entry/Guard Node." },
  "Trojan:EC2/DNSDataExfiltration": { severity: 8, title: "Data exfiltration through DNS queries from EC2 instance i-99999999." },
  "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": {
    severity: 8,
    title: "Credentials for instance role GeneratedFindingUserName used from external IP address.",
  },
  "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B": { severity: 5, title: "Unusual console login was seen for principal GeneratedFindingUserName." },
  "Discovery:IAMUser/AnomalousBehavior": { severity: 2, title: "The user GeneratedFindingUserName is performing discovery API calls in an anomalous way." },
  "Persistence:IAMUser/AnomalousBehavior": { severity: 5, title: "The user GeneratedFindingUserName is making persistence API calls in an anomalous way." },
  "PrivilegeEscalation:IAMUser/AnomalousBehavior": {
    severity: 5,
    title: "The user GeneratedFindingUserName is making privilege escalation API calls in an anomalous way.",
  },
  "Stealth:IAMUser/CloudTrailLoggingDisabled": { severity: 2, title: "AWS CloudTrail trail GeneratedFindingTrailName was disabled." },
  "Policy:IAMUser/RootCredentialUsage": { severity: 2, title: "API GeneratedFindingAPIName was invoked using root credentials." },
  "Policy:S3/BucketBlockPublicAccessDisabled": { severity: 2, title: "Amazon S3 Block Public Access was disabled for S3 bucket bucketName." },
  "Exfiltration:S3/AnomalousBehavior": { severity: 8, title: "Anomalous S3 object reads from bucket bucketName." },
  "Impact:EC2/BitcoinDomainRequest.Reputation": { severity: 8, title: "EC2 instance i-99999999 queried a domain name associated with cryptocurrency." },
};

const TYPE_FORMAT = /^[A-Za-z0-9]+:[A-Za-z0-9]+\/[A-Za-z0-9.!&_-]+$/;

function sampleResource(type: string, ctx: RequestContext): Stored<Resource> {
  if (/:(IAMUser|IAM)\//.test(type)) {
    return {
      ResourceType: "AccessKey",
      AccessKeyDetails: {
        AccessKeyId: "GeneratedFindingAccessKeyId",
        PrincipalId: "GeneratedFindingPrincipalId",
        UserName: "GeneratedFindingUserName",
        UserType: "IAMUser",
      },
    };
  }
  if (/:S3\//.test(type)) {
    return {
      ResourceType: "S3Bucket",
      AccessKeyDetails: {
        AccessKeyId: "GeneratedFindingAccessKeyId",
        PrincipalId: "GeneratedFindingPrincipalId",
        UserName: "GeneratedFindingUserName",
        UserType: "IAMUser",
      },
      S3BucketDetails: [
        {
          Arn: "arn:aws:s3:::bucketName",
          Name: "bucketName",
          Type: "Destination",
          CreatedAt: "2017-12-18T15:58:11.551Z",
          Owner: { Id: "CanonicalId of Owner" },
          DefaultServerSideEncryption: { EncryptionType: "SSEAlgorithm" },
          PublicAccess: { EffectivePermission: "NOT_PUBLIC" },
        },
      ],
    };
  }
  return {
    ResourceType: "Instance",
    InstanceDetails: {
      InstanceId: "i-99999999",
      InstanceType: "m3.xlarge",
      InstanceState: "running",
      AvailabilityZone: `${ctx.region}a`,
      ImageId: "ami-99999999",
      ImageDescription: "GeneratedFindingInstaceImageDescription",
      LaunchTime: "2016-08-02T02:05:06.000Z",
      Platform: undefined,
      IamInstanceProfile: { Arn: `arn:aws:iam::${ctx.accountId}:example/instance/profile`, Id: "GeneratedFindingInstanceProfileId" },
      NetworkInterfaces: [
        {
          NetworkInterfaceId: "eni-bfcffe88",
          PrivateDnsName: "GeneratedFindingPrivateDnsName",
          PrivateIpAddress: "10.0.0.1",
          PublicDnsName: "GeneratedFindingPublicDNSName",
          PublicIp: "198.51.100.0",
          SubnetId: "GeneratedFindingSubnetId",
          VpcId: "GeneratedFindingVPCId",
          SecurityGroups: [{ GroupId: "GeneratedFindingSecurityId", GroupName: "GeneratedFindingSecurityGroupName" }],
        },
      ],
      Tags: [{ Key: "GeneratedFindingInstaceTag1", Value: "GeneratedFindingInstaceValue1" }],
    },
  };
}

function sampleAction(type: string): Stored<Action> {
  const remote = {
    IpAddressV4: "198.51.100.0",
    Organization: { Asn: "-1", AsnOrg: "GeneratedFindingASNOrg", Isp: "GeneratedFindingISP", Org: "GeneratedFindingORG" },
  };
  if (/!DNS$|DNS/.test(type)) {
    return { ActionType: "DNS_REQUEST", DnsRequestAction: { Domain: "GeneratedFindingDomainName", Protocol: "UDP", Blocked: false } };
  }
  if (/PortProbe/.test(type)) {
    return {
      ActionType: "PORT_PROBE",
      PortProbeAction: { Blocked: false, PortProbeDetails: [{ LocalPortDetails: { Port: 80, PortName: "HTTP" }, RemoteIpDetails: remote }] },
    };
  }
  if (/:(IAMUser|S3|IAM)\//.test(type)) {
    return {
      ActionType: "AWS_API_CALL",
      AwsApiCallAction: {
        Api: "GeneratedFindingAPIName",
        CallerType: "Remote IP",
        ServiceName: "GeneratedFindingAPIServiceName",
        RemoteIpDetails: { ...remote, City: { CityName: "GeneratedFindingCityName" }, Country: { CountryName: "GeneratedFindingCountryName" } },
      },
    };
  }
  return {
    ActionType: "NETWORK_CONNECTION",
    NetworkConnectionAction: {
      ConnectionDirection: "INBOUND",
      Blocked: false,
      Protocol: "TCP",
      LocalPortDetails: { Port: 22, PortName: "SSH" },
      RemotePortDetails: { Port: 32794, PortName: "Unknown" },
      RemoteIpDetails: remote,
    },
  };
}

export function sampleFinding(type: string, detectorId: string, ctx: RequestContext): Stored<Finding> {
  const id = randomBytes(16).toString("hex");
  const now = ctx.time.toISOString();
  const known = SAMPLE_TYPES[type];
  return {
    SchemaVersion: "2.0",
    AccountId: ctx.accountId,
    Region: ctx.region,
    Partition: "aws",
    Id: id,
    Arn: `arn:aws:guardduty:${ctx.region}:${ctx.accountId}:detector/${detectorId}/finding/${id}`,
    Type: type,
    Resource: sampleResource(type, ctx),
    Service: {
      ServiceName: "guardduty",
      DetectorId: detectorId,
      Action: sampleAction(type),
      ResourceRole: "TARGET",
      AdditionalInfo: { Value: '{"sample":true}', Type: "default" },
      EventFirstSeen: now,
      EventLastSeen: now,
      Archived: false,
      Count: 1,
    },
    Severity: known?.severity ?? 5,
    CreatedAt: now,
    UpdatedAt: now,
    Title: known?.title ?? `Sample ${type} finding.`,
    Description: `${known?.title ?? `Sample ${type} finding.`} This is a sample finding.`,
  };
}

export const createSampleFindings: OpHandler<CreateSampleFindingsCommandInput, CreateSampleFindingsCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const types = input.FindingTypes?.length ? input.FindingTypes : Object.keys(SAMPLE_TYPES);
  for (const t of types) if (!TYPE_FORMAT.test(t)) throw badRequest(`The request is rejected because the finding type ${t} is not valid.`);
  const st = guardDutyState(ctx);
  const created = new Set<string>();
  for (const t of types) {
    const f = sampleFinding(t, d.DetectorId, ctx);
    st.findings[f.Id as string] = f;
    created.add(f.Id as string);
  }
  // Suppression rules archive new findings as they arrive.
  applyArchiveFilters(ctx, d.DetectorId, created);
  return {};
};
