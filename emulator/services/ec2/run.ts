/**
 * RunInstances: the attacker's way in. Launches pending instances (running TRANSITION_MS later) with a primary
 * network interface in the subnet, EBS volumes from the image's snapshots, and the profile association, all of
 * which the other describes then show. Everything is validated before anything is created.
 */

import type { Instance, RunInstancesCommandInput, RunInstancesCommandOutput, Tag } from "@aws-sdk/client-ec2";
import { randomInt } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { addMs, checkIdFormat, notFound, tagsFor } from "./common.ts";
import { profileOf } from "./iam-profiles.ts";
import { instanceView } from "./instances.ts";
import { stateOf, TRANSITION_MS } from "./lifecycle.ts";
import { groupsById } from "./security-groups.ts";
import { type Ec2State, ec2State, type StoredInstance } from "./state.ts";

/** How many instances one call may start (EC2's default on-demand quota check, simplified). */
const MAX_LAUNCH = 20;

const ipToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** A free private address in the subnet; EC2 reserves the first four and the last. */
function freeAddress(state: Ec2State, cidr: string, taken: Set<string>): string {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base);
  for (const ni of Object.values(state.networkInterfaces)) for (const a of ni.PrivateIpAddresses ?? []) if (a.PrivateIpAddress) taken.add(a.PrivateIpAddress);
  for (let i = 0; i < size; i++) {
    const ip = intToIp(start + 4 + ((randomInt(size - 5) + i) % (size - 5)));
    if (!taken.has(ip)) return ip;
  }
  throw new AwsError("InsufficientFreeAddressesInSubnet", `There are not enough free addresses in subnet to satisfy the requested number of instances.`);
}

export const runInstances: OpHandler<RunInstancesCommandInput, RunInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const min = input.MinCount;
  const max = input.MaxCount;
  if (min === undefined) throw new AwsError("MissingParameter", "The request must contain the parameter MinCount");
  if (max === undefined) throw new AwsError("MissingParameter", "The request must contain the parameter MaxCount");
  if (min < 1 || max < min)
    throw new AwsError("InvalidParameterValue", `Value (${min}) for parameter minCount is invalid. Expected a value between 1 and ${max}.`);
  if (min > MAX_LAUNCH) {
    throw new AwsError(
      "InstanceLimitExceeded",
      `You have requested more instances (${min}) than your current instance limit of ${MAX_LAUNCH} allows for the specified instance type.`,
    );
  }
  const count = Math.min(max, MAX_LAUNCH);
  const imageId = input.ImageId;
  if (!imageId) throw new AwsError("MissingParameter", "The request must contain the parameter ImageId");
  checkIdFormat([imageId], "ami", "InvalidAMIID.Malformed");
  const image = state.images[imageId];
  if (!image || (image.OwnerId && image.OwnerId !== ctx.accountId && !image.Public)) {
    throw new AwsError("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  }
  const type = input.InstanceType ?? "m1.small";
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(type)) throw new AwsError("InvalidParameterValue", `Invalid value '${type}' for InstanceType.`);
  if (input.KeyName && !state.keyPairs[input.KeyName]) throw new AwsError("InvalidKeyPair.NotFound", `The key pair '${input.KeyName}' does not exist`);
  if (input.UserData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(input.UserData.replace(/\s/g, ""))) {
    throw new AwsError("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
  }

  // Where: the instance-level subnet, the primary interface's, or the default VPC's subnet for the zone.
  const nic = input.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0);
  if (input.SubnetId && nic?.SubnetId) {
    throw new AwsError("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request");
  }
  const subnetId = input.SubnetId ?? nic?.SubnetId;
  let subnet = subnetId ? state.subnets[subnetId] : undefined;
  if (subnetId) {
    checkIdFormat([subnetId], "subnet", "InvalidSubnetID.Malformed");
    if (!subnet) throw notFound("InvalidSubnetID.NotFound", "subnet ID", [subnetId]);
  } else {
    const defaultVpc = Object.values(state.vpcs).find((v) => v.IsDefault);
    const zone = input.Placement?.AvailabilityZone;
    subnet = Object.values(state.subnets).find((s) => s.VpcId === defaultVpc?.VpcId && s.DefaultForAz && (!zone || s.AvailabilityZone === zone));
    if (!subnet) throw new AwsError("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.");
  }
  const vpcId = subnet.VpcId ?? "";

  const groupIds = [...(input.SecurityGroupIds ?? []), ...(nic?.Groups ?? [])];
  const groups = groupsById(state, groupIds);
  for (const g of groups)
    if (g.VpcId !== vpcId) throw new AwsError("InvalidGroup.NotFound", `The security group '${g.GroupId}' does not exist in VPC '${vpcId}'`);
  for (const name of input.SecurityGroups ?? []) {
    const g = Object.values(state.securityGroups).find((x) => x.GroupName === name && x.VpcId === vpcId);
    if (!g) throw new AwsError("InvalidGroup.NotFound", `The security group '${name}' does not exist in VPC '${vpcId}'`);
    groups.push(g);
  }
  if (groups.length === 0) {
    const def = Object.values(state.securityGroups).find((g) => g.GroupName === "default" && g.VpcId === vpcId);
    if (def) groups.push(def);
  }
  const sgs = groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
  const profile = input.IamInstanceProfile?.Arn || input.IamInstanceProfile?.Name ? profileOf(input.IamInstanceProfile, ctx) : undefined;
  const mo = input.MetadataOptions;
  if (mo?.HttpTokens && mo.HttpTokens !== "optional" && mo.HttpTokens !== "required") {
    throw new AwsError("InvalidParameterValue", `Value (${mo.HttpTokens}) for parameter HttpTokens is invalid.`);
  }
  const instanceTags = tagsFor(input.TagSpecifications, "instance");
  const volumeTags = tagsFor(input.TagSpecifications, "volume");
  const eniTags = tagsFor(input.TagSpecifications, "network-interface");

  // Validated: now create.
  const now = ctx.time.toISOString();
  const reservationId = resourceId("r");
  const zone = subnet.AvailabilityZone ?? `${ctx.region}a`;
  const publicIp = nic?.AssociatePublicIpAddress ?? subnet.MapPublicIpOnLaunch ?? false;
  const taken = new Set<string>();
  const launched: StoredInstance[] = [];
  for (let n = 0; n < count; n++) {
    const instanceId = resourceId("i");
    const ip =
      n === 0 && (input.PrivateIpAddress ?? nic?.PrivateIpAddress)
        ? (input.PrivateIpAddress ?? nic?.PrivateIpAddress ?? "")
        : freeAddress(state, subnet.CidrBlock ?? "10.0.0.0/24", taken);
    taken.add(ip);
    const privateDns = `ip-${ip.replace(/\./g, "-")}.${ctx.region}.compute.internal`;
    const pub = publicIp ? `203.0.113.${randomInt(1, 255)}` : undefined;
    const assoc = pub ? { IpOwnerId: "amazon", PublicIp: pub, PublicDnsName: `ec2-${pub.replace(/\./g, "-")}.${ctx.region}.compute.amazonaws.com` } : undefined;
    const eniId = resourceId("eni");
    const mac = `06:${Array.from({ length: 5 }, () => randomInt(256).toString(16).padStart(2, "0")).join(":")}`;
    const attachment = {
      AttachmentId: resourceId("eni-attach"),
      AttachTime: now,
      DeleteOnTermination: nic?.DeleteOnTermination ?? true,
      DeviceIndex: 0,
      NetworkCardIndex: 0,
      Status: "attaching" as const,
    };
    const addresses = [{ Primary: true, PrivateIpAddress: ip, PrivateDnsName: privateDns, ...(assoc ? { Association: assoc } : {}) }];
    state.networkInterfaces[eniId] = {
      NetworkInterfaceId: eniId,
      SubnetId: subnet.SubnetId,
      VpcId: vpcId,
      AvailabilityZone: zone,
      Description: "",
      OwnerId: ctx.accountId,
      RequesterManaged: false,
      Status: "in-use",
      MacAddress: mac,
      PrivateIpAddress: ip,
      PrivateDnsName: privateDns,
      SourceDestCheck: true,
      InterfaceType: "interface",
      Groups: sgs.map((g) => ({ ...g })),
      Attachment: { ...attachment, Status: "attached", InstanceId: instanceId, InstanceOwnerId: ctx.accountId },
      PrivateIpAddresses: addresses,
      Ipv6Addresses: [],
      TagSet: eniTags ?? [],
      ...(assoc ? { Association: assoc } : {}),
    };
    if (subnet.AvailableIpAddressCount) subnet.AvailableIpAddressCount -= 1;

    const mappings: Stored<Instance>["BlockDeviceMappings"] = [];
    for (const b of image.BlockDeviceMappings ?? []) {
      if (!b.Ebs || b.NoDevice !== undefined) continue;
      const override = input.BlockDeviceMappings?.find((m) => m.DeviceName === b.DeviceName)?.Ebs;
      const volumeId = resourceId("vol");
      const dot = override?.DeleteOnTermination ?? b.Ebs.DeleteOnTermination ?? true;
      state.volumes[volumeId] = {
        VolumeId: volumeId,
        Size: override?.VolumeSize ?? b.Ebs.VolumeSize ?? 8,
        SnapshotId: b.Ebs.SnapshotId ?? "",
        AvailabilityZone: zone,
        State: "in-use",
        CreateTime: now,
        VolumeType: override?.VolumeType ?? b.Ebs.VolumeType ?? "gp3",
        Iops: b.Ebs.Iops ?? 3000,
        Encrypted: override?.Encrypted ?? b.Ebs.Encrypted ?? false,
        MultiAttachEnabled: false,
        Attachments: [{ AttachTime: now, Device: b.DeviceName, InstanceId: instanceId, State: "attached", VolumeId: volumeId, DeleteOnTermination: dot }],
        Tags: (volumeTags ?? []) as Tag[],
      };
      mappings.push({ DeviceName: b.DeviceName, Ebs: { AttachTime: now, DeleteOnTermination: dot, Status: "attached", VolumeId: volumeId } });
    }

    const inst: StoredInstance = {
      ReservationId: reservationId,
      InstanceId: instanceId,
      ImageId: imageId,
      InstanceType: type,
      ...(input.KeyName ? { KeyName: input.KeyName } : {}),
      State: stateOf("pending"),
      StateReason: { Code: "pending", Message: "pending" },
      StateTransitionReason: "",
      LaunchTime: now,
      AmiLaunchIndex: n,
      Placement: { AvailabilityZone: zone, GroupName: "", Tenancy: input.Placement?.Tenancy ?? "default" },
      PrivateIpAddress: ip,
      PrivateDnsName: privateDns,
      PublicDnsName: assoc?.PublicDnsName ?? "",
      ...(pub ? { PublicIpAddress: pub } : {}),
      SubnetId: subnet.SubnetId,
      VpcId: vpcId,
      Architecture: image.Architecture ?? "x86_64",
      RootDeviceType: "ebs",
      RootDeviceName: image.RootDeviceName ?? "/dev/xvda",
      BlockDeviceMappings: mappings,
      VirtualizationType: image.VirtualizationType ?? "hvm",
      Hypervisor: "xen",
      EnaSupport: image.EnaSupport ?? true,
      EbsOptimized: input.EbsOptimized ?? false,
      SourceDestCheck: true,
      Monitoring: { State: input.Monitoring?.Enabled ? "pending" : "disabled" },
      PlatformDetails: image.PlatformDetails ?? "Linux/UNIX",
      UsageOperation: image.UsageOperation ?? "RunInstances",
      UsageOperationUpdateTime: now,
      ...(image.Platform ? { Platform: image.Platform } : {}),
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
      SecurityGroups: sgs.map((g) => ({ ...g })),
      NetworkInterfaces: [
        {
          NetworkInterfaceId: eniId,
          SubnetId: subnet.SubnetId,
          VpcId: vpcId,
          Description: "",
          OwnerId: ctx.accountId,
          Status: "in-use",
          MacAddress: mac,
          PrivateIpAddress: ip,
          PrivateDnsName: privateDns,
          SourceDestCheck: true,
          InterfaceType: "interface",
          Groups: sgs.map((g) => ({ ...g })),
          Attachment: attachment,
          PrivateIpAddresses: addresses,
          Ipv6Addresses: [],
          ...(assoc ? { Association: assoc } : {}),
        },
      ],
      ...(profile ? { IamInstanceProfile: { ...profile } } : {}),
      Tags: instanceTags ?? [],
      MetadataOptions: {
        State: "applied",
        // Images that declare IMDSv2 support launch with tokens required, as EC2 does.
        HttpTokens: mo?.HttpTokens ?? (image.ImdsSupport === "v2.0" ? "required" : "optional"),
        HttpPutResponseHopLimit: mo?.HttpPutResponseHopLimit ?? (image.ImdsSupport === "v2.0" ? 2 : 1),
        HttpEndpoint: mo?.HttpEndpoint ?? "enabled",
        HttpProtocolIpv6: mo?.HttpProtocolIpv6 ?? "disabled",
        InstanceMetadataTags: mo?.InstanceMetadataTags ?? "disabled",
      },
      CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
      CapacityReservationSpecification: { CapacityReservationPreference: "open" },
      HibernationOptions: { Configured: false },
      EnclaveOptions: { Enabled: false },
      MaintenanceOptions: { AutoRecovery: "default" },
      PrivateDnsNameOptions: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
      ...(input.UserData ? { UserData: input.UserData.replace(/\s/g, "") } : {}),
      DisableApiTermination: input.DisableApiTermination ?? false,
      ...(input.DisableApiStop ? { DisableApiStop: true } : {}),
      InstanceInitiatedShutdownBehavior: input.InstanceInitiatedShutdownBehavior ?? "stop",
      Transition: { To: "running", At: addMs(ctx.time, TRANSITION_MS) },
    };
    state.instances[instanceId] = inst;
    if (profile) {
      const assocId = resourceId("iip-assoc");
      state.iamInstanceProfileAssociations[assocId] = {
        AssociationId: assocId,
        InstanceId: instanceId,
        IamInstanceProfile: { ...profile },
        State: "associated",
        Timestamp: now,
      };
    }
    launched.push(inst);
  }
  return {
    ReservationId: reservationId,
    OwnerId: ctx.accountId,
    Groups: [],
    Instances: launched.map(launchView) as Instance[],
  };
};

/** The answer shows the instance as just launched, its metadata options still pending. */
function launchView(inst: StoredInstance): Stored<Instance> {
  const shown = instanceView(inst);
  return { ...shown, MetadataOptions: { ...shown.MetadataOptions, State: "pending" } };
}
