/**
 * What the account has before the build's first call: the VPCs (the range's EC2 API cannot create them) and the
 * actors' IAM users with their keys. Everything else — roles, buckets, instances, trails, detectors — is made by the
 * timeline's setup calls through the range itself.
 */
import type { ScenarioManifest } from "../../core/manifest.ts";
import type { AccountState } from "../../core/records.ts";
import { type Ec2State, emptyEc2State } from "../../services/ec2/state.ts";
import { emptyIamState, type IamState, type StoredUser } from "../../services/iam/state.ts";
import type { Rng } from "../prng.ts";
import type { Actor, Network, Timeline } from "./schema.ts";
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

function networkState(n: Network, account: string, rng: Rng, since: string): Ec2State {
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
      LogDestination: `arn:aws:s3:::${n.flowLogs.bucket}`,
      LogFormat:
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
      MaxAggregationInterval: 600,
      DestinationOptions: { FileFormat: "plain-text", HiveCompatiblePartitions: false, PerHourPartition: false },
      Tags: [],
    };
  }
  return st;
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
  for (const [name, actor] of Object.entries(tl.actors)) {
    if (actor.user) keys.push(provisionUser(iam, name, actor, account, manifest, actor.created ? timeOf(actor.created, discovery) : start, rng));
  }
  const regions: AccountState["regions"] = {};
  for (const r of manifest.regions) regions[r] = {};
  for (const n of tl.network ?? []) {
    regions[n.region] ??= {};
    regions[n.region].ec2 ??= emptyEc2State();
    const ec2 = regions[n.region].ec2 as Ec2State;
    mergeEc2(ec2, networkState(n, account, rng, iso(n.flowLogs?.since ? timeOf(n.flowLogs.since, discovery) : start)));
  }
  return { accounts: { [account]: { global: { iam, s3: { buckets: {} } }, regions } }, keys };
}
