/** EC2 at discovery in both regions: the stopped web server and miners, their disks, groups, ENIs, images and flow logs. */

import type { NetworkInterface, SecurityGroupRule } from "@aws-sdk/client-ec2";
import { DEFAULT_FLOW_LOG_FORMAT } from "../../../emulator/scenario/flow-log-objects.ts";
import { type Ec2State, emptyEc2State, type StoredInstance } from "../../../emulator/services/ec2/state.ts";
import type { Stored } from "../../../emulator/services/stored.ts";
import { minerUserData } from "./content.ts";
import { Rng } from "./prng.ts";
import { imageName, PROFILE_ARN, type Story } from "./story.ts";
import { iso, jstDate, nginxErrorTime } from "./time.ts";
import { ACCOUNT, AMI, HOME, IAM_IDS, IP, KEYS, MINERS, type MinerSpec, NAMES, NET, type Region, T, USE1, WEB } from "./world.ts";

type Tag = { Key: string; Value: string };
type Group = { GroupId: string; GroupName: string };

/** EC2's own ${field} log-format syntax for the version-2 default fields. */
export const FLOW_LOG_FORMAT = DEFAULT_FLOW_LOG_FORMAT;

const dnsName = (region: string, ip: string) =>
  region === USE1 ? `ip-${ip.replaceAll(".", "-")}.ec2.internal` : `ip-${ip.replaceAll(".", "-")}.${region}.compute.internal`;
const publicDns = (region: string, ip: string) =>
  region === USE1 ? `ec2-${ip.replaceAll(".", "-")}.compute-1.amazonaws.com` : `ec2-${ip.replaceAll(".", "-")}.${region}.compute.amazonaws.com`;

export function buildEc2(anchor: number, story: Story): Record<Region, Ec2State> {
  const at = (off: number) => iso(anchor + off);
  const r = new Rng("ec2-state");
  const st: Record<Region, Ec2State> = { [HOME]: emptyEc2State(), [USE1]: emptyEc2State() };

  // --- VPCs and subnets -----------------------------------------------------------------------------
  const vpc = (region: Region, id: string, cidr: string, isDefault: boolean, tags: Tag[]) => {
    st[region].vpcs[id] = {
      CidrBlock: cidr,
      DhcpOptionsId: `dopt-0${r.hex(16)}`,
      State: "available",
      VpcId: id,
      OwnerId: ACCOUNT,
      InstanceTenancy: "default",
      CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-0${r.hex(16)}`, CidrBlock: cidr, CidrBlockState: { State: "associated" } }],
      IsDefault: isDefault,
      ...(tags.length ? { Tags: tags } : {}),
    };
  };
  const subnet = (region: Region, vpcId: string, s: { az: string; subnetId: string; cidr: string }, isDefault: boolean, used: number, name?: string) => {
    const size = 2 ** (32 - Number(s.cidr.split("/")[1]));
    st[region].subnets[s.subnetId] = {
      AvailabilityZone: s.az,
      AvailabilityZoneId: azId(s.az),
      AvailableIpAddressCount: size - 5 - used,
      CidrBlock: s.cidr,
      DefaultForAz: isDefault,
      MapPublicIpOnLaunch: true,
      State: "available",
      SubnetId: s.subnetId,
      VpcId: vpcId,
      OwnerId: ACCOUNT,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      SubnetArn: `arn:aws:ec2:${region}:${ACCOUNT}:subnet/${s.subnetId}`,
      EnableDns64: false,
      Ipv6Native: false,
      PrivateDnsNameOptionsOnLaunch: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
      ...(name ? { Tags: [{ Key: "Name", Value: name }] } : {}),
    };
  };
  vpc(HOME, NET.appVpc.vpcId, NET.appVpc.cidr, false, [{ Key: "Name", Value: "secutter-vpc" }]);
  for (const s of NET.appSubnets) subnet(HOME, NET.appVpc.vpcId, s, false, s.az === WEB.az ? 1 : 0, s.name);
  vpc(HOME, NET.defaultHome.vpcId, NET.defaultHome.cidr, true, []);
  for (const s of NET.defaultHome.subnets) subnet(HOME, NET.defaultHome.vpcId, s, true, MINERS[HOME].filter((m) => m.subnetId === s.subnetId).length);
  vpc(USE1, NET.defaultUse1.vpcId, NET.defaultUse1.cidr, true, []);
  for (const s of NET.defaultUse1.subnets) subnet(USE1, NET.defaultUse1.vpcId, s, true, MINERS[USE1].filter((m) => m.subnetId === s.subnetId).length);

  // --- Security groups: rules are the source of truth, IpPermissions derived from them -------------------
  type Rule = Omit<Stored<SecurityGroupRule>, "SecurityGroupRuleId" | "GroupId" | "GroupOwnerId" | "SecurityGroupRuleArn">;
  const group = (region: Region, id: string, name: string, description: string, vpcId: string, rules: Rule[], tags: Tag[] = []) => {
    const ingress: NonNullable<Stored<import("@aws-sdk/client-ec2").SecurityGroup>["IpPermissions"]> = [];
    const egress: typeof ingress = [];
    for (const rule of rules) {
      const ruleId =
        rule.IsEgress === false && rule.CidrIpv4 === "0.0.0.0/0" && rule.FromPort === 22 && name === NAMES.attackerSg ? attackerRuleId(region) : r.resId("sgr");
      st[region].securityGroupRules[ruleId] = {
        SecurityGroupRuleId: ruleId,
        GroupId: id,
        GroupOwnerId: ACCOUNT,
        SecurityGroupRuleArn: `arn:aws:ec2:${region}:${ACCOUNT}:security-group-rule/${ruleId}`,
        Tags: [],
        ...rule,
      };
      const list = rule.IsEgress ? egress : ingress;
      const perm = {
        IpProtocol: rule.IpProtocol,
        ...(rule.IpProtocol === "-1" ? {} : { FromPort: rule.FromPort, ToPort: rule.ToPort }),
        IpRanges: rule.CidrIpv4 ? [{ CidrIp: rule.CidrIpv4, ...(rule.Description ? { Description: rule.Description } : {}) }] : [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: rule.ReferencedGroupInfo ? [{ GroupId: rule.ReferencedGroupInfo.GroupId, UserId: ACCOUNT }] : [],
      };
      const same = list.find((p) => p.IpProtocol === perm.IpProtocol && p.FromPort === perm.FromPort && p.ToPort === perm.ToPort);
      if (same) {
        same.IpRanges?.push(...perm.IpRanges);
        same.UserIdGroupPairs?.push(...perm.UserIdGroupPairs);
      } else list.push(perm);
    }
    st[region].securityGroups[id] = {
      Description: description,
      GroupName: name,
      IpPermissions: ingress,
      OwnerId: ACCOUNT,
      GroupId: id,
      IpPermissionsEgress: egress,
      VpcId: vpcId,
      SecurityGroupArn: `arn:aws:ec2:${region}:${ACCOUNT}:security-group/${id}`,
      ...(tags.length ? { Tags: tags } : {}),
    };
  };
  const allOut: Rule = { IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" };
  const defaultGroup = (region: Region, id: string, vpcId: string) =>
    group(region, id, "default", "default VPC security group", vpcId, [
      { IsEgress: false, IpProtocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: id, UserId: ACCOUNT } },
      allOut,
    ]);
  defaultGroup(HOME, NET.appVpc.defaultSgId, NET.appVpc.vpcId);
  defaultGroup(HOME, NET.defaultHome.defaultSgId, NET.defaultHome.vpcId);
  defaultGroup(USE1, NET.defaultUse1.defaultSgId, NET.defaultUse1.vpcId);
  group(
    HOME,
    NET.webSgId,
    NAMES.webSg,
    "secutter web server: HTTP/HTTPS from anywhere, SSH from the office",
    NET.appVpc.vpcId,
    [
      { IsEgress: false, IpProtocol: "tcp", FromPort: 80, ToPort: 80, CidrIpv4: "0.0.0.0/0" },
      { IsEgress: false, IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIpv4: "0.0.0.0/0" },
      { IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: `${IP.office}/32`, Description: "office" },
      allOut,
    ],
    [{ Key: "Name", Value: NAMES.webSg }],
  );
  for (const region of [HOME, USE1] as Region[]) {
    group(
      region,
      NET.attackerSg[region],
      NAMES.attackerSg,
      `launch-wizard-1 created ${new Date(anchor + (region === HOME ? T.launchHome - 200_000 : T.launchUse1 - 150_000) + 80_000).toISOString()}`,
      region === HOME ? NET.defaultHome.vpcId : NET.defaultUse1.vpcId,
      [{ IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: "0.0.0.0/0" }, allOut],
    );
  }

  // --- Key pairs ------------------------------------------------------------------------------------
  st[HOME].keyPairs[NAMES.deployKey] = {
    KeyPairId: KEYS.deploy.id,
    KeyFingerprint: KEYS.deploy.fingerprint,
    KeyName: NAMES.deployKey,
    KeyType: "rsa",
    Tags: [],
    CreateTime: at(T.webLaunch - 2 * 3600_000),
  };
  for (const region of [HOME, USE1] as Region[]) {
    st[region].keyPairs[NAMES.minerKey] = {
      KeyPairId: KEYS.miner[region].id,
      KeyFingerprint: KEYS.miner[region].fingerprint,
      KeyName: NAMES.minerKey,
      KeyType: "rsa",
      Tags: [],
      CreateTime: at((region === HOME ? T.launchHome - 200_000 : T.launchUse1 - 150_000) + 62_000),
    };
  }

  // --- Instances with their ENIs and root volumes ---------------------------------------------------------
  interface Spec {
    region: Region;
    id: string;
    reservation: string;
    eni: string;
    attachment: string;
    vol: string;
    mac: string;
    privateIp: string;
    subnetId: string;
    vpcId: string;
    az: string;
    groups: Group[];
    type: string;
    ami: string;
    key: string;
    launch: number;
    stoppedAt: number;
    launchIndex: number;
    volSize: number;
    baseSnapshot: string;
    tags: Tag[];
    eip?: string;
    profile: boolean;
    httpTokens: "optional" | "required";
    userData?: string;
    cores: number;
  }
  const add = (s: Spec) => {
    const dns = dnsName(s.region, s.privateIp);
    const lt = at(s.launch);
    const association = s.eip ? { IpOwnerId: ACCOUNT, PublicDnsName: publicDns(s.region, s.eip), PublicIp: s.eip } : undefined;
    const stopStamp = nginxErrorTime(anchor + s.stoppedAt - 9 * 3600_000).replaceAll("/", "-");
    const inst: StoredInstance = {
      ReservationId: s.reservation,
      AmiLaunchIndex: s.launchIndex,
      ImageId: s.ami,
      InstanceId: s.id,
      InstanceType: s.type as StoredInstance["InstanceType"],
      KeyName: s.key,
      LaunchTime: lt,
      Monitoring: { State: "disabled" },
      Placement: { AvailabilityZone: s.az, GroupName: "", Tenancy: "default" },
      PrivateDnsName: dns,
      PrivateIpAddress: s.privateIp,
      ProductCodes: [],
      PublicDnsName: s.eip ? publicDns(s.region, s.eip) : "",
      ...(s.eip ? { PublicIpAddress: s.eip } : {}),
      State: { Code: 80, Name: "stopped" },
      StateTransitionReason: `User initiated (${stopStamp} GMT)`,
      StateReason: { Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown" },
      SubnetId: s.subnetId,
      VpcId: s.vpcId,
      Architecture: "x86_64",
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { AttachTime: lt, DeleteOnTermination: true, Status: "attached", VolumeId: s.vol } }],
      ClientToken: r.uuid(),
      EbsOptimized: true,
      EnaSupport: true,
      Hypervisor: "xen",
      ...(s.profile ? { IamInstanceProfile: { Arn: PROFILE_ARN, Id: IAM_IDS.webProfile } } : {}),
      NetworkInterfaces: [
        {
          ...(association ? { Association: { IpOwnerId: ACCOUNT, PublicDnsName: association.PublicDnsName, PublicIp: association.PublicIp } } : {}),
          Attachment: { AttachTime: lt, AttachmentId: s.attachment, DeleteOnTermination: true, DeviceIndex: 0, Status: "attached", NetworkCardIndex: 0 },
          Description: "",
          Groups: s.groups,
          Ipv6Addresses: [],
          MacAddress: s.mac,
          NetworkInterfaceId: s.eni,
          OwnerId: ACCOUNT,
          PrivateDnsName: dns,
          PrivateIpAddress: s.privateIp,
          PrivateIpAddresses: [
            {
              ...(association ? { Association: { IpOwnerId: ACCOUNT, PublicDnsName: association.PublicDnsName, PublicIp: association.PublicIp } } : {}),
              Primary: true,
              PrivateDnsName: dns,
              PrivateIpAddress: s.privateIp,
            },
          ],
          SourceDestCheck: true,
          Status: "in-use",
          SubnetId: s.subnetId,
          VpcId: s.vpcId,
          InterfaceType: "interface",
        },
      ],
      RootDeviceName: "/dev/xvda",
      RootDeviceType: "ebs",
      SecurityGroups: s.groups,
      SourceDestCheck: true,
      Tags: s.tags,
      VirtualizationType: "hvm",
      CpuOptions: { CoreCount: s.cores, ThreadsPerCore: 2 },
      CapacityReservationSpecification: { CapacityReservationPreference: "open" },
      HibernationOptions: { Configured: false },
      MetadataOptions: {
        State: "applied",
        HttpTokens: s.httpTokens,
        HttpPutResponseHopLimit: s.httpTokens === "required" ? 2 : 1,
        HttpEndpoint: "enabled",
        HttpProtocolIpv6: "disabled",
        InstanceMetadataTags: "disabled",
      },
      EnclaveOptions: { Enabled: false },
      BootMode: "uefi-preferred",
      PlatformDetails: "Linux/UNIX",
      UsageOperation: "RunInstances",
      UsageOperationUpdateTime: lt,
      PrivateDnsNameOptions: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
      MaintenanceOptions: { AutoRecovery: "default" },
      CurrentInstanceBootMode: "legacy-bios",
      ...(s.userData ? { UserData: s.userData } : {}),
      DisableApiTermination: false,
    };
    st[s.region].instances[s.id] = inst;
    const eni: Stored<NetworkInterface> = {
      ...(association
        ? {
            Association: {
              AllocationId: WEB.eipAllocation,
              AssociationId: WEB.eipAssociation,
              IpOwnerId: ACCOUNT,
              PublicDnsName: association.PublicDnsName,
              PublicIp: association.PublicIp,
            },
          }
        : {}),
      Attachment: {
        AttachTime: lt,
        AttachmentId: s.attachment,
        DeleteOnTermination: true,
        DeviceIndex: 0,
        NetworkCardIndex: 0,
        InstanceId: s.id,
        InstanceOwnerId: ACCOUNT,
        Status: "attached",
      },
      AvailabilityZone: s.az,
      Description: "",
      Groups: s.groups,
      InterfaceType: "interface",
      Ipv6Addresses: [],
      MacAddress: s.mac,
      NetworkInterfaceId: s.eni,
      OwnerId: ACCOUNT,
      PrivateDnsName: dns,
      PrivateIpAddress: s.privateIp,
      PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dns, PrivateIpAddress: s.privateIp }],
      RequesterManaged: false,
      SourceDestCheck: true,
      Status: "in-use",
      SubnetId: s.subnetId,
      TagSet: [],
      VpcId: s.vpcId,
    };
    st[s.region].networkInterfaces[s.eni] = eni;
    st[s.region].volumes[s.vol] = {
      Attachments: [{ AttachTime: lt, Device: "/dev/xvda", InstanceId: s.id, State: "attached", VolumeId: s.vol, DeleteOnTermination: true }],
      AvailabilityZone: s.az,
      CreateTime: lt,
      Encrypted: false,
      Size: s.volSize,
      SnapshotId: s.baseSnapshot,
      State: "in-use",
      VolumeId: s.vol,
      Iops: 3000,
      VolumeType: "gp3",
      MultiAttachEnabled: false,
      Throughput: 125,
    };
  };
  const webGroups = [{ GroupId: NET.webSgId, GroupName: NAMES.webSg }];
  add({
    region: HOME,
    id: WEB.instanceId,
    reservation: WEB.reservationId,
    eni: WEB.eniId,
    attachment: WEB.attachmentId,
    vol: WEB.volumeId,
    mac: WEB.mac,
    privateIp: IP.webPrivate,
    subnetId: NET.appSubnets[0].subnetId,
    vpcId: NET.appVpc.vpcId,
    az: WEB.az,
    groups: webGroups,
    type: "t3.small",
    ami: AMI.webBase,
    key: NAMES.deployKey,
    launch: T.webLaunch,
    stoppedAt: T.stopWeb,
    launchIndex: 0,
    volSize: 30,
    baseSnapshot: AMI.baseSnapshot.web,
    tags: [
      { Key: "Name", Value: "secutter-web" },
      { Key: "Service", Value: "secutter" },
      { Key: "Env", Value: "production" },
    ],
    eip: IP.webEip,
    profile: true,
    httpTokens: "optional",
    cores: 1,
  });
  st[HOME].iamInstanceProfileAssociations[WEB.profileAssociation] = {
    AssociationId: WEB.profileAssociation,
    InstanceId: WEB.instanceId,
    IamInstanceProfile: { Arn: PROFILE_ARN, Id: IAM_IDS.webProfile },
    State: "associated",
  };
  const userData = Buffer.from(minerUserData()).toString("base64");
  for (const region of [HOME, USE1] as Region[]) {
    for (const m of MINERS[region] as MinerSpec[]) {
      add({
        region,
        id: m.instanceId,
        reservation: m.reservationId,
        eni: m.eniId,
        attachment: m.attachmentId,
        vol: m.volumeId,
        mac: m.mac,
        privateIp: m.privateIp,
        subnetId: m.subnetId,
        vpcId: region === HOME ? NET.defaultHome.vpcId : NET.defaultUse1.vpcId,
        az: m.az,
        groups: [{ GroupId: NET.attackerSg[region], GroupName: NAMES.attackerSg }],
        type: "c5.4xlarge",
        ami: AMI.al2023[region],
        key: NAMES.minerKey,
        launch: region === HOME ? T.launchHome : T.launchUse1,
        stoppedAt: region === HOME ? T.stopMinersHome : T.stopMinersUse1,
        launchIndex: m.launchIndex,
        volSize: 8,
        baseSnapshot: AMI.baseSnapshot[region],
        tags: [],
        profile: false,
        httpTokens: "required",
        userData,
        cores: 8,
      });
    }
  }

  // --- Snapshots: the nightly job's last seven, and the one behind the CTO's image ------------------------------
  const snaps = [...story.snapshotsBefore.map((x) => ({ t: x.t, id: x.id })), ...story.daily.map((d) => ({ t: d.t, id: d.snapshotId }))];
  const deleted = new Set(story.daily.map((d) => d.deletes));
  for (const s of snaps) {
    if (deleted.has(s.id)) continue;
    const date = jstDate(anchor + s.t);
    st[HOME].snapshots[s.id] = {
      Description: `secutter-web daily ${date}`,
      Encrypted: false,
      OwnerId: ACCOUNT,
      Progress: "100%",
      SnapshotId: s.id,
      StartTime: at(s.t),
      State: "completed",
      VolumeId: WEB.volumeId,
      VolumeSize: 30,
      StorageTier: "standard",
      Tags: [],
    };
  }
  st[HOME].snapshots[AMI.backupSnapshot] = {
    Description: `Created by CreateImage(${WEB.instanceId}) for ${AMI.backupImage}`,
    Encrypted: false,
    OwnerId: ACCOUNT,
    Progress: "100%",
    SnapshotId: AMI.backupSnapshot,
    StartTime: at(T.createImage + 2000),
    State: "completed",
    VolumeId: WEB.volumeId,
    VolumeSize: 30,
    StorageTier: "standard",
    Tags: [],
  };
  st[HOME].images[AMI.backupImage] = {
    Architecture: "x86_64",
    CreationDate: new Date(anchor + T.createImage).toISOString(),
    ImageId: AMI.backupImage,
    ImageLocation: `${ACCOUNT}/${imageName(anchor)}`,
    ImageType: "machine",
    Public: false,
    OwnerId: ACCOUNT,
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
    State: "available",
    BlockDeviceMappings: [
      {
        DeviceName: "/dev/xvda",
        Ebs: { DeleteOnTermination: true, SnapshotId: AMI.backupSnapshot, VolumeSize: 30, VolumeType: "gp3", Encrypted: false, Iops: 3000, Throughput: 125 },
      },
    ],
    Description: "secutter-web preserved before incident response",
    EnaSupport: true,
    Hypervisor: "xen",
    Name: imageName(anchor),
    RootDeviceName: "/dev/xvda",
    RootDeviceType: "ebs",
    SriovNetSupport: "simple",
    VirtualizationType: "hvm",
    BootMode: "uefi-preferred",
    SourceInstanceId: WEB.instanceId,
    DeregistrationProtection: "disabled",
  };

  // --- Flow logs to the evidence bucket ---------------------------------------------------------------------
  const flow = (region: Region, id: string, vpcId: string, created: number) => {
    st[region].flowLogs[id] = {
      CreationTime: at(created),
      DeliverLogsStatus: "SUCCESS",
      FlowLogId: id,
      FlowLogStatus: "ACTIVE",
      ResourceId: vpcId,
      TrafficType: "ALL",
      LogDestinationType: "s3",
      LogDestination: `arn:aws:s3:::${NAMES.evidence}`,
      LogFormat: FLOW_LOG_FORMAT,
      MaxAggregationInterval: 600,
      Tags: [],
      DestinationOptions: { FileFormat: "plain-text", HiveCompatiblePartitions: false, PerHourPartition: false },
    };
  };
  flow(HOME, NET.flowLogs.app, NET.appVpc.vpcId, T.webLaunch - 2 * 86400_000);
  flow(HOME, NET.flowLogs.defaultHome, NET.defaultHome.vpcId, T.trailCreated + 3600_000);
  flow(USE1, NET.flowLogs.defaultUse1, NET.defaultUse1.vpcId, T.trailCreated + 3700_000);
  return st;
}

function attackerRuleId(region: Region): string {
  return new Rng(region === HOME ? "sgr" : "sgr2").resId("sgr");
}

const AZ_IDS: Record<string, string> = {
  "ap-northeast-1a": "apne1-az4",
  "ap-northeast-1c": "apne1-az1",
  "ap-northeast-1d": "apne1-az2",
  "us-east-1a": "use1-az1",
  "us-east-1b": "use1-az2",
  "us-east-1c": "use1-az4",
  "us-east-1d": "use1-az6",
  "us-east-1e": "use1-az3",
  "us-east-1f": "use1-az5",
};
const azId = (az: string) => AZ_IDS[az];
