/**
 * What the account has before the build's first call: the VPCs (the range's EC2 API cannot create them) and the
 * actors' IAM users with their keys. Everything else — roles, buckets, instances, trails, detectors — is made by the
 * timeline's setup calls through the range itself.
 */
import type { ScenarioManifest } from "../../core/manifest.ts";
import type { AccountState } from "../../core/records.ts";
import { type Ec2State, emptyEc2State } from "../../services/ec2/state.ts";
import { emptyIamState, type IamState, type StoredUser } from "../../services/iam/state.ts";
import { DEFAULT_FLOW_LOG_FORMAT } from "../flow-log-objects.ts";
import type { Rng } from "../prng.ts";
import { interpolate } from "./interpolate.ts";
import type { Actor, ImageSpec, Network, Timeline } from "./schema.ts";
import { timeOf } from "./times.ts";

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const iso = (ms: number) => new Date(ms).toISOString();

/** Usable addresses of a subnet: AWS keeps the first four and the last. */
function freeCount(cidr: string): number {
  const bits = Number(cidr.split("/")[1]);
  return 2 ** (32 - bits) - 5;
}

const zoneIds: Record<string, string> = { a: "az4", c: "az1", d: "az2", b: "az6" };
const DIRECTIONS: Record<string, string> = {
  northeast: "ne",
  southeast: "se",
  northwest: "nw",
  southwest: "sw",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
};

/** "ap-northeast-1" → "apne1", as zone ids spell regions. */
function regionShort(region: string): string {
  const [area, direction, n] = region.split("-");
  return `${area}${DIRECTIONS[direction] ?? direction}${n}`;
}

function networkState(n: Network, account: string, rng: Rng, since: string, windowSeconds: number, text: (s: string) => string): Ec2State {
  const st = emptyEc2State();
  const tags = (name?: string) => (name ? [{ Key: "Name", Value: name }] : []);
  st.vpcs[n.vpcId] = {
    VpcId: n.vpcId,
    CidrBlock: n.cidr,
    State: "available",
    DhcpOptionsId: rng.resId("dopt"),
    InstanceTenancy: "default",
    IsDefault: n.isDefault ?? false,
    OwnerId: account,
    BlockPublicAccessStates: { InternetGatewayBlockMode: "off" },
    CidrBlockAssociationSet: [{ AssociationId: rng.resId("vpc-cidr-assoc"), CidrBlock: n.cidr, CidrBlockState: { State: "associated" } }],
    Tags: tags(n.name),
  };
  for (const s of n.subnets) {
    st.subnets[s.subnetId] = {
      SubnetId: s.subnetId,
      SubnetArn: `arn:aws:ec2:${n.region}:${account}:subnet/${s.subnetId}`,
      VpcId: n.vpcId,
      CidrBlock: s.cidr,
      AvailabilityZone: s.zone,
      AvailabilityZoneId: `${regionShort(n.region)}-${zoneIds[s.zone.slice(-1)] ?? "az1"}`,
      AvailableIpAddressCount: freeCount(s.cidr),
      DefaultForAz: n.isDefault ?? false,
      MapPublicIpOnLaunch: s.public ?? false,
      State: "available",
      OwnerId: account,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      Tags: tags(s.name),
    };
  }
  const sg = n.defaultSecurityGroupId;
  st.securityGroups[sg] = {
    GroupId: sg,
    GroupName: "default",
    Description: "default VPC security group",
    VpcId: n.vpcId,
    OwnerId: account,
    SecurityGroupArn: `arn:aws:ec2:${n.region}:${account}:security-group/${sg}`,
    Tags: [],
  };
  // AWS's default group: members reach each other, everything may leave.
  const ingress = rng.resId("sgr");
  st.securityGroupRules[ingress] = {
    SecurityGroupRuleId: ingress,
    GroupId: sg,
    GroupOwnerId: account,
    IsEgress: false,
    IpProtocol: "-1",
    FromPort: -1,
    ToPort: -1,
    ReferencedGroupInfo: { GroupId: sg, UserId: account },
    SecurityGroupRuleArn: `arn:aws:ec2:${n.region}:${account}:security-group-rule/${ingress}`,
    Tags: [],
  };
  const egress = rng.resId("sgr");
  st.securityGroupRules[egress] = {
    SecurityGroupRuleId: egress,
    GroupId: sg,
    GroupOwnerId: account,
    IsEgress: true,
    IpProtocol: "-1",
    FromPort: -1,
    ToPort: -1,
    CidrIpv4: "0.0.0.0/0",
    SecurityGroupRuleArn: `arn:aws:ec2:${n.region}:${account}:security-group-rule/${egress}`,
    Tags: [],
  };
  if (n.flowLogs) {
    st.flowLogs[n.flowLogs.flowLogId] = {
      FlowLogId: n.flowLogs.flowLogId,
      CreationTime: since,
      DeliverLogsStatus: "SUCCESS",
      FlowLogStatus: "ACTIVE",
      ResourceId: n.vpcId,
      TrafficType: "ALL",
      LogDestinationType: "s3",
      LogDestination: `arn:aws:s3:::${text(n.flowLogs.bucket)}`,
      LogFormat: DEFAULT_FLOW_LOG_FORMAT,
      MaxAggregationInterval: windowSeconds,
      DestinationOptions: { FileFormat: "plain-text", HiveCompatiblePartitions: false, PerHourPartition: false },
      Tags: [],
    };
  }
  return st;
}

/**
 * AWS's public AMIs, which every region has and no API of the range creates: stand-ins (fixed ids, the same in each
 * region) for the two a timeline's RunInstances can name. The Ubuntu image declares no IMDS support, so it launches
 * with IMDSv1 allowed; Amazon Linux 2023 declares v2.0 and launches with tokens required, as in AWS.
 */
export const PUBLIC_IMAGES = { ubuntu2204: "ami-0d59d2226a7661990", al2023: "ami-08519a3a5e3eb494c" } as const;

function publicImages(): Ec2State["images"] {
  const image = (id: string, owner: string, name: string, description: string, root: string, snapshot: string, extra: object) => ({
    ImageId: id,
    ImageLocation: `${owner === "137112412989" ? "amazon" : owner}/${name}`,
    State: "available" as const,
    OwnerId: owner,
    CreationDate: "2024-05-28T00:00:00.000Z",
    Public: true,
    Architecture: "x86_64" as const,
    ImageType: "machine" as const,
    Name: name,
    Description: description,
    RootDeviceType: "ebs" as const,
    RootDeviceName: root,
    BlockDeviceMappings: [
      { DeviceName: root, Ebs: { DeleteOnTermination: true, SnapshotId: snapshot, VolumeSize: 8, VolumeType: "gp3" as const, Encrypted: false } },
    ],
    VirtualizationType: "hvm" as const,
    Hypervisor: "xen" as const,
    EnaSupport: true,
    SriovNetSupport: "simple",
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
    ...extra,
  });
  return {
    [PUBLIC_IMAGES.ubuntu2204]: image(
      PUBLIC_IMAGES.ubuntu2204,
      "099720109477",
      "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20240528",
      "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-05-28",
      "/dev/sda1",
      "snap-004a52cb3b2a91183",
      {},
    ),
    [PUBLIC_IMAGES.al2023]: image(
      PUBLIC_IMAGES.al2023,
      "137112412989",
      "al2023-ami-2023.4.20240528.0-kernel-6.1-x86_64",
      "Amazon Linux 2023 AMI 2023.4.20240528.0 x86_64 HVM kernel-6.1",
      "/dev/xvda",
      "snap-029d3ada3a3c9017c",
      { ImageOwnerAlias: "amazon", BootMode: "uefi-preferred", ImdsSupport: "v2.0" },
    ),
  };
}

/** Amazon's owner id for its public images. */
const AMAZON = "137112412989";

function imageState(i: ImageSpec, rng: Rng, created: string): Ec2State["images"][string] {
  return {
    ImageId: i.imageId,
    ImageLocation: `amazon/${i.name}`,
    State: "available",
    OwnerId: AMAZON,
    ImageOwnerAlias: "amazon",
    CreationDate: created,
    Public: true,
    Architecture: i.architecture ?? "x86_64",
    ImageType: "machine",
    Name: i.name,
    Description: i.description ?? i.name,
    RootDeviceType: "ebs",
    RootDeviceName: "/dev/xvda",
    VirtualizationType: "hvm",
    Hypervisor: "xen",
    EnaSupport: true,
    PlatformDetails: i.platform ?? "Linux/UNIX",
    UsageOperation: "RunInstances",
    BootMode: "uefi-preferred",
    ...(i.imdsSupport ? { ImdsSupport: i.imdsSupport } : {}),
    BlockDeviceMappings: [
      {
        DeviceName: "/dev/xvda",
        Ebs: {
          SnapshotId: i.rootSnapshotId ?? rng.resId("snap"),
          VolumeSize: i.volumeSize ?? 8,
          VolumeType: "gp3",
          DeleteOnTermination: true,
          Encrypted: false,
          Iops: 3000,
          Throughput: 125,
        },
      },
    ],
  };
}

function mergeEc2(into: Ec2State, from: Ec2State): void {
  for (const k of Object.keys(from) as (keyof Ec2State)[]) Object.assign(into[k], from[k]);
}

export interface ProvisionedKey {
  actor: string;
  userName: string;
  accessKeyId: string;
  /** Absent for the manifest's own keys, whose secrets each installation makes. */
  secretAccessKey?: string;
}

function provisionUser(iam: IamState, name: string, actor: Actor, account: string, manifest: ScenarioManifest, created: number, rng: Rng): ProvisionedKey {
  const userName = actor.user as string;
  const own = manifest.credentials.find((c) => c.accessKeyId === actor.accessKeyId || (c.principal.userName === userName && !actor.accessKeyId));
  const accessKeyId = actor.accessKeyId ?? own?.accessKeyId ?? `AKIA${rng.chars(16, B32)}`;
  const secret = own ? undefined : rng.chars(40, SECRET);
  const existing = iam.users[userName];
  if (existing) throw new Error(`actors.${name}: user ${userName} is already an actor's user`);
  const user: StoredUser = {
    Path: "/",
    UserName: userName,
    UserId: own?.principal.principalId ?? `AIDA${rng.chars(17, B32)}`,
    Arn: `arn:aws:iam::${account}:user/${userName}`,
    CreateDate: iso(created),
    Tags: [],
    AccessKeys: [
      {
        UserName: userName,
        AccessKeyId: accessKeyId,
        Status: "Active",
        CreateDate: iso(created + 60_000),
        ...(secret ? { SecretAccessKey: secret } : {}),
      },
    ],
    InlinePolicies: Object.fromEntries(Object.entries(actor.inlinePolicies ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    AttachedPolicies: actor.managedPolicies ?? [],
    Groups: actor.groups ?? [],
    ...(actor.console
      ? {
          LoginProfile: { CreateDate: iso(created), PasswordResetRequired: false },
          PasswordLastUsed: iso(created + 3_600_000),
          ...(actor.console.mfa
            ? {
                MFADevices: [{ UserName: userName, SerialNumber: `arn:aws:iam::${account}:mfa/${userName}`, EnableDate: iso(created + 600_000) }],
              }
            : {}),
        }
      : {}),
  };
  iam.users[userName] = user;
  return { actor: name, userName, accessKeyId, ...(secret ? { secretAccessKey: secret } : {}) };
}

export interface InitialWorld {
  accounts: Record<string, AccountState>;
  keys: ProvisionedKey[];
}

export function initialWorld(tl: Timeline, manifest: ScenarioManifest, discovery: number, rng: Rng): InitialWorld {
  const account = manifest.accountId;
  const start = timeOf(tl.start, discovery);
  const iam = emptyIamState();
  const keys: ProvisionedKey[] = [];
  // Names may say ${account}, ${ip.…}, ${vars.…}: nothing is saved yet.
  const text = (v: string) => interpolate(v, { account, region: manifest.homeRegion, ips: tl.ips ?? {}, vars: tl.vars ?? {}, saved: {} });
  for (const [name, actor] of Object.entries(tl.actors)) {
    if (actor.user) keys.push(provisionUser(iam, name, actor, account, manifest, actor.created ? timeOf(actor.created, discovery) : start, rng));
  }
  const regions: AccountState["regions"] = {};
  for (const r of manifest.regions) regions[r] = {};
  for (const n of tl.network ?? []) {
    regions[n.region] ??= {};
    regions[n.region].ec2 ??= emptyEc2State();
    const ec2 = regions[n.region].ec2 as Ec2State;
    const since = iso(n.flowLogs?.since ? timeOf(n.flowLogs.since, discovery) : start);
    mergeEc2(ec2, networkState(n, account, rng, since, tl.flowLogWindow === "1m" ? 60 : 600, text));
    Object.assign(ec2.images, publicImages());
  }
  for (const i of tl.images ?? []) {
    regions[i.region] ??= {};
    regions[i.region].ec2 ??= emptyEc2State();
    (regions[i.region].ec2 as Ec2State).images[i.imageId] = imageState(i, rng, iso(i.created ? timeOf(i.created, discovery) : start - 60 * 86_400_000));
  }
  return { accounts: { [account]: { global: { iam, s3: { buckets: {} } }, regions } }, keys };
}
