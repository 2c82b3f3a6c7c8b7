/** GuardDuty at discovery: detectors in both regions and findings computed from the same events as the logs. */
import type { Finding } from "@aws-sdk/client-guardduty";
import type { CloudTrailRecord } from "../../../emulator/core/records.ts";
import type { GuardDutyState } from "../../../emulator/services/guardduty/state.ts";
import type { Stored } from "../../../emulator/services/stored.ts";
import { minerFlows, minerWindow } from "./flows.ts";
import { Rng } from "./prng.ts";
import type { Story } from "./story.ts";
import { ACCOUNT, AMI, DOMAIN, GD, HOME, IAM_IDS, IP, MIN, MINERS, NAMES, NET, type Region, T, USE1, WEB } from "./world.ts";

type F = Stored<Finding>;

const isoMs = (ms: number) => new Date(ms).toISOString();

const ATTACKER_GEO = {
  City: { CityName: "Amsterdam" },
  Country: { CountryCode: "NL", CountryName: "Netherlands" },
  GeoLocation: { Lat: 52.3759, Lon: 4.8975 },
  IpAddressV4: IP.attacker,
  // 64500 is from the documentation ASN range (RFC 5398).
  Organization: { Asn: "64500", AsnOrg: "EXAMPLE-VPS-AS", Isp: "Example VPS Hosting", Org: "Example VPS Hosting" },
};

function scannerGeo(ip: string) {
  return {
    City: { CityName: "" },
    Country: { CountryName: "Unknown" },
    GeoLocation: { Lat: 0, Lon: 0 },
    IpAddressV4: ip,
    Organization: { Asn: "64501", AsnOrg: "EXAMPLE-SCANNER-NET", Isp: "Example Scanner Network", Org: "Example Scanner Network" },
  };
}

export function buildGuardDuty(anchor: number, story: Story): Record<Region, GuardDutyState> {
  const r = new Rng("guardduty");
  const out: Record<Region, GuardDutyState> = { [HOME]: empty(), [USE1]: empty() };
  for (const region of [HOME, USE1] as Region[]) {
    const id = GD.detector[region];
    out[region].detectors[id] = {
      DetectorId: id,
      CreatedAt: isoMs(anchor + T.trailCreated + 7_200_000),
      FindingPublishingFrequency: "FIFTEEN_MINUTES",
      ServiceRole: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      Status: "ENABLED",
      UpdatedAt: isoMs(anchor + T.trailCreated + 7_200_000),
      Features: [
        { Name: "CLOUD_TRAIL", Status: "ENABLED", UpdatedAt: isoMs(anchor + T.trailCreated + 7_200_000) },
        { Name: "DNS_LOGS", Status: "ENABLED", UpdatedAt: isoMs(anchor + T.trailCreated + 7_200_000) },
        { Name: "FLOW_LOGS", Status: "ENABLED", UpdatedAt: isoMs(anchor + T.trailCreated + 7_200_000) },
        { Name: "S3_DATA_EVENTS", Status: "ENABLED", UpdatedAt: isoMs(anchor + T.trailCreated + 7_200_000) },
      ],
      Tags: {},
    };
  }
  const add = (region: Region, f: Omit<F, "AccountId" | "Arn" | "Id" | "Partition" | "Region" | "SchemaVersion">) => {
    const id = r.hex(32);
    const det = GD.detector[region];
    out[region].findings[id] = {
      AccountId: ACCOUNT,
      Arn: `arn:aws:guardduty:${region}:${ACCOUNT}:detector/${det}/finding/${id}`,
      Id: id,
      Partition: "aws",
      Region: region,
      SchemaVersion: "2.0",
      ...f,
    };
  };
  const service = (region: Region, first: number, last: number, count: number, action: NonNullable<F["Service"]>["Action"]): F["Service"] => ({
    Action: action,
    Archived: false,
    Count: count,
    DetectorId: GD.detector[region],
    EventFirstSeen: isoMs(first),
    EventLastSeen: isoMs(last),
    ResourceRole: "TARGET",
    ServiceName: "guardduty",
    AdditionalInfo: { Value: "{}", Type: "default" },
  });
  const accessKey = {
    AccessKeyDetails: {
      AccessKeyId: story.stolen.accessKeyId,
      PrincipalId: `${IAM_IDS.webRole}:${WEB.instanceId}`,
      UserName: NAMES.webRole,
      UserType: "AssumedRole",
    },
    ResourceType: "AccessKey",
  };
  const apiAction = (rec: CloudTrailRecord) => ({
    ActionType: "AWS_API_CALL",
    AwsApiCallAction: {
      Api: rec.eventName,
      CallerType: "Remote IP",
      ...(rec.errorCode ? { ErrorCode: rec.errorCode as string } : {}),
      RemoteIpDetails: ATTACKER_GEO,
      ServiceName: rec.eventSource,
      UserAgent: rec.userAgent as string,
    },
  });

  // The stolen instance credentials used outside AWS: one finding per region the attacker called.
  for (const region of [HOME, USE1] as Region[]) {
    const calls = story.attackerCalls.filter((c) => c.awsRegion === region);
    if (!calls.length) continue;
    const first = Date.parse(calls[0].eventTime);
    const last = Date.parse(calls[calls.length - 1].eventTime);
    add(region, {
      CreatedAt: isoMs(first + 7 * MIN + r.int(0, 59_999)),
      UpdatedAt: isoMs(last + 9 * MIN + r.int(0, 59_999)),
      Description: `Credentials created exclusively for an EC2 instance using instance role ${NAMES.webRole} have been used from external IP address ${IP.attacker}.`,
      Resource: accessKey,
      Service: service(region, first, last, calls.length, apiAction(calls[calls.length - 1])),
      Severity: 8,
      Title: `Credentials for instance role ${NAMES.webRole} used from external IP address.`,
      Type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    });
  }
  // The discovery burst (IAM and EC2 enumeration) from the same session.
  {
    // GuardDuty reports it where the calls were recorded: IAM/STS (global, us-east-1) and the us-east-1 EC2 look-ups.
    const discovery = story.attackerCalls.filter(
      (c) => c.awsRegion === USE1 && /^(List|Get|Describe)/.test(c.eventName) && c.eventSource !== "s3.amazonaws.com",
    );
    const first = Date.parse(discovery[0].eventTime);
    const last = Date.parse(discovery[discovery.length - 1].eventTime);
    add(USE1, {
      CreatedAt: isoMs(first + 11 * MIN + r.int(0, 59_999)),
      UpdatedAt: isoMs(last + 12 * MIN + r.int(0, 59_999)),
      Description: `APIs commonly used in Discovery tactics were invoked by user AssumedRole : ${NAMES.webRole} under unusual circumstances. Such activity is not typically seen from this user.`,
      Resource: accessKey,
      Service: service(USE1, first, last, discovery.length, apiAction(discovery[1])),
      Severity: 5,
      Title: `The user AssumedRole : ${NAMES.webRole} is anomalously invoking APIs commonly used in Discovery tactics.`,
      Type: "Discovery:IAMUser/AnomalousBehavior",
    });
  }
  // Each miner: pool DNS lookups, and scanners probing its world-open SSH port.
  const fm = minerFlows();
  for (const region of [HOME, USE1] as Region[]) {
    for (const m of MINERS[region]) {
      const vpc = region === HOME ? NET.defaultHome.vpcId : NET.defaultUse1.vpcId;
      const dns = region === USE1 ? `ip-${m.privateIp.replaceAll(".", "-")}.ec2.internal` : `ip-${m.privateIp.replaceAll(".", "-")}.${region}.compute.internal`;
      const pub =
        region === USE1
          ? `ec2-${m.publicIp.replaceAll(".", "-")}.compute-1.amazonaws.com`
          : `ec2-${m.publicIp.replaceAll(".", "-")}.${region}.compute.amazonaws.com`;
      const { up } = minerWindow(m);
      const instance = {
        InstanceDetails: {
          AvailabilityZone: m.az,
          ImageDescription: "Amazon Linux 2023 AMI 2023.3.20240219.0 x86_64 HVM kernel-6.1",
          ImageId: AMI.al2023[region],
          InstanceId: m.instanceId,
          InstanceState: "running",
          InstanceType: "c5.4xlarge",
          LaunchTime: isoMs(anchor + up - 75_000 - ((anchor + up - 75_000) % 1000)),
          NetworkInterfaces: [
            {
              Ipv6Addresses: [],
              NetworkInterfaceId: m.eniId,
              PrivateDnsName: dns,
              PrivateIpAddress: m.privateIp,
              PrivateIpAddresses: [{ PrivateDnsName: dns, PrivateIpAddress: m.privateIp }],
              PublicDnsName: pub,
              PublicIp: m.publicIp,
              SecurityGroups: [{ GroupId: NET.attackerSg[region], GroupName: NAMES.attackerSg }],
              SubnetId: m.subnetId,
              VpcId: vpc,
            },
          ],
          ProductCodes: [],
          Tags: [],
        },
        ResourceType: "Instance",
      };
      const d = fm.dns.get(m.instanceId)!;
      add(region, {
        CreatedAt: isoMs(anchor + d.first + 6 * MIN + r.int(0, 59_999)),
        UpdatedAt: isoMs(anchor + d.last + 8 * MIN + r.int(0, 59_999)),
        Description: `EC2 instance ${m.instanceId} is querying a domain name that is associated with Bitcoin-related activity.`,
        Resource: instance,
        Service: service(region, anchor + d.first, anchor + d.last, d.count, {
          ActionType: "DNS_REQUEST",
          DnsRequestAction: { Domain: DOMAIN.pool, Protocol: "UDP", Blocked: false, DomainWithSuffix: "minexmr.example" },
        }),
        Severity: 8,
        Title: `Bitcoin-related domain name queried by EC2 instance ${m.instanceId}.`,
        Type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      });
      const probes = fm.probes.filter((p) => p.instanceId === m.instanceId);
      if (probes.length) {
        const lastProbe = probes[probes.length - 1];
        add(region, {
          CreatedAt: isoMs(anchor + probes[0].t + 9 * MIN + r.int(0, 59_999)),
          UpdatedAt: isoMs(anchor + lastProbe.t + 11 * MIN + r.int(0, 59_999)),
          Description: `EC2 instance has an unprotected port which is being probed by a known malicious host.`,
          Resource: instance,
          Service: service(region, anchor + probes[0].t, anchor + lastProbe.t, probes.length, {
            ActionType: "PORT_PROBE",
            PortProbeAction: {
              Blocked: false,
              PortProbeDetails: [
                { LocalPortDetails: { Port: 22, PortName: "SSH" }, LocalIpDetails: { IpAddressV4: m.privateIp }, RemoteIpDetails: scannerGeo(lastProbe.ip) },
              ],
            },
          }),
          Severity: 2,
          Title: `Unprotected port on EC2 instance ${m.instanceId} is being probed.`,
          Type: "Recon:EC2/PortProbeUnprotectedPort",
        });
      }
    }
  }
  return out;
}

function empty(): GuardDutyState {
  return { detectors: {}, findings: {}, filters: {} };
}
