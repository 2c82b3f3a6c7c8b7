/** VPCs, subnets, network interfaces and flow logs. */
import type {
  DescribeFlowLogsCommandInput,
  DescribeFlowLogsCommandOutput,
  DescribeNetworkInterfacesCommandInput,
  DescribeNetworkInterfacesCommandOutput,
  DescribeSubnetsCommandInput,
  DescribeSubnetsCommandOutput,
  DescribeVpcsCommandInput,
  DescribeVpcsCommandOutput,
  FlowLog,
  GroupIdentifier,
  ModifyNetworkInterfaceAttributeCommandInput,
  ModifyNetworkInterfaceAttributeCommandOutput,
  NetworkInterface,
  Subnet,
  Vpc,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { checkIdFormat, lookup, pageOf, requireParam } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { groupsById } from "./security-groups.ts";
import { type Ec2State, ec2State } from "./state.ts";

type Eni = Stored<NetworkInterface>;

export const describeVpcs: OpHandler<DescribeVpcsCommandInput, DescribeVpcsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  checkIdFormat(input.VpcIds, "vpc", "InvalidVpcID.Malformed");
  let vpcs = input.VpcIds?.length ? lookup(state.vpcs, input.VpcIds, "InvalidVpcID.NotFound", "vpc ID") : Object.values(state.vpcs);
  vpcs = applyFilters(vpcs, input.Filters, {
    "vpc-id": (v) => v.VpcId,
    cidr: (v) => v.CidrBlock,
    "cidr-block-association.cidr-block": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlock),
    "cidr-block-association.association-id": (v) => v.CidrBlockAssociationSet?.map((a) => a.AssociationId),
    "cidr-block-association.state": (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlockState?.State),
    "ipv6-cidr-block-association.ipv6-cidr-block": (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock),
    "dhcp-options-id": (v) => v.DhcpOptionsId,
    "is-default": (v) => v.IsDefault,
    "owner-id": (v) => v.OwnerId,
    state: (v) => v.State,
  });
  const { page, next } = pageOf(vpcs, input, "DescribeVpcs");
  return { Vpcs: page as Vpc[], NextToken: next };
};

export const describeSubnets: OpHandler<DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  checkIdFormat(input.SubnetIds, "subnet", "InvalidSubnetID.Malformed");
  let subnets = input.SubnetIds?.length ? lookup(state.subnets, input.SubnetIds, "InvalidSubnetID.NotFound", "subnet ID") : Object.values(state.subnets);
  subnets = applyFilters(subnets, input.Filters, {
    "subnet-id": (s) => s.SubnetId,
    "subnet-arn": (s) => s.SubnetArn,
    "vpc-id": (s) => s.VpcId,
    "availability-zone": (s) => s.AvailabilityZone,
    "availability-zone-id": (s) => s.AvailabilityZoneId,
    "cidr-block": (s) => s.CidrBlock,
    cidr: (s) => s.CidrBlock,
    cidrBlock: (s) => s.CidrBlock,
    "default-for-az": (s) => s.DefaultForAz,
    defaultForAz: (s) => s.DefaultForAz,
    "map-public-ip-on-launch": (s) => s.MapPublicIpOnLaunch,
    "available-ip-address-count": (s) => s.AvailableIpAddressCount,
    "owner-id": (s) => s.OwnerId,
    state: (s) => s.State,
  });
  const { page, next } = pageOf(subnets, input, "DescribeSubnets");
  return { Subnets: page as Subnet[], NextToken: next };
};

const eniFilters = {
  "network-interface-id": (n: Eni) => n.NetworkInterfaceId,
  "attachment.instance-id": (n: Eni) => n.Attachment?.InstanceId,
  "attachment.attachment-id": (n: Eni) => n.Attachment?.AttachmentId,
  "attachment.device-index": (n: Eni) => n.Attachment?.DeviceIndex,
  "attachment.status": (n: Eni) => n.Attachment?.Status,
  "attachment.delete-on-termination": (n: Eni) => n.Attachment?.DeleteOnTermination,
  "attachment.instance-owner-id": (n: Eni) => n.Attachment?.InstanceOwnerId,
  "addresses.private-ip-address": (n: Eni) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress),
  "addresses.primary": (n: Eni) => n.PrivateIpAddresses?.map((a) => a.Primary),
  "addresses.association.public-ip": (n: Eni) => n.PrivateIpAddresses?.map((a) => a.Association?.PublicIp),
  "association.public-ip": (n: Eni) => n.Association?.PublicIp,
  "association.allocation-id": (n: Eni) => n.Association?.AllocationId,
  "association.association-id": (n: Eni) => n.Association?.AssociationId,
  "association.public-dns-name": (n: Eni) => n.Association?.PublicDnsName,
  "availability-zone": (n: Eni) => n.AvailabilityZone,
  description: (n: Eni) => n.Description,
  "group-id": (n: Eni) => n.Groups?.map((g) => g.GroupId),
  "group-name": (n: Eni) => n.Groups?.map((g) => g.GroupName),
  "interface-type": (n: Eni) => n.InterfaceType,
  "mac-address": (n: Eni) => n.MacAddress,
  "owner-id": (n: Eni) => n.OwnerId,
  "private-ip-address": (n: Eni) => n.PrivateIpAddress,
  "private-dns-name": (n: Eni) => n.PrivateDnsName,
  "requester-id": (n: Eni) => n.RequesterId,
  "requester-managed": (n: Eni) => n.RequesterManaged,
  "source-dest-check": (n: Eni) => n.SourceDestCheck,
  status: (n: Eni) => n.Status,
  "subnet-id": (n: Eni) => n.SubnetId,
  "vpc-id": (n: Eni) => n.VpcId,
};

export const describeNetworkInterfaces: OpHandler<DescribeNetworkInterfacesCommandInput, DescribeNetworkInterfacesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && input.NetworkInterfaceIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults");
  }
  checkIdFormat(input.NetworkInterfaceIds, "eni", "InvalidNetworkInterfaceId.Malformed");
  let enis = input.NetworkInterfaceIds?.length
    ? lookup(state.networkInterfaces, input.NetworkInterfaceIds, "InvalidNetworkInterfaceID.NotFound", "network interface ID")
    : Object.values(state.networkInterfaces);
  enis = applyFilters(enis, input.Filters, eniFilters);
  const { page, next } = pageOf(enis, input, "DescribeNetworkInterfaces");
  return { NetworkInterfaces: page as NetworkInterface[], NextToken: next };
};

/**
 * Sets an interface's security groups. The groups must exist and be in the interface's VPC. The copy of the
 * interface inside its instance follows, and so does the instance's own SecurityGroups for the primary interface
 * (DeviceIndex 0), because EC2 shows an instance's groups as its primary interface's groups.
 */
export function setInterfaceGroups(state: Ec2State, eniId: string | undefined, groupIds: string[], vpcId: string | undefined): GroupIdentifier[] {
  const groups = groupsById(state, groupIds);
  for (const g of groups) {
    if (vpcId && g.VpcId !== vpcId) throw new AwsError("InvalidGroup.NotFound", `The security group '${g.GroupId}' does not exist in VPC '${vpcId}'`);
  }
  if (groups.length > 5) throw new AwsError("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.");
  const ids = groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
  const eni = eniId ? state.networkInterfaces[eniId] : undefined;
  if (eni) eni.Groups = ids.map((g) => ({ ...g }));
  for (const inst of Object.values(state.instances)) {
    const copy = inst.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === eniId);
    if (!copy) continue;
    copy.Groups = ids.map((g) => ({ ...g }));
    if (copy.Attachment?.DeviceIndex === 0) inst.SecurityGroups = ids.map((g) => ({ ...g }));
  }
  return ids;
}

export const modifyNetworkInterfaceAttribute: OpHandler<ModifyNetworkInterfaceAttributeCommandInput, ModifyNetworkInterfaceAttributeCommandOutput> = (
  input,
  ctx,
) => {
  const state = ec2State(ctx);
  const id = requireParam(input.NetworkInterfaceId, "NetworkInterfaceId");
  checkIdFormat([id], "eni", "InvalidNetworkInterfaceId.Malformed");
  const eni = lookup(state.networkInterfaces, [id], "InvalidNetworkInterfaceID.NotFound", "network interface ID")[0];
  const given = [input.Groups?.length, input.SourceDestCheck, input.Description, input.Attachment].filter((x) => x !== undefined && x !== 0).length;
  if (given === 0) throw new AwsError("MissingParameter", "The request must contain exactly one attribute to modify");
  if (given > 1) throw new AwsError("InvalidParameterCombination", "Fields for multiple attribute types specified");
  const copies = Object.values(state.instances).flatMap((i) =>
    (i.NetworkInterfaces ?? []).filter((n) => n.NetworkInterfaceId === id).map((n) => ({ inst: i, n })),
  );
  if (input.Groups?.length) setInterfaceGroups(state, id, input.Groups, eni.VpcId);
  else if (input.SourceDestCheck) {
    const v = input.SourceDestCheck.Value ?? true;
    eni.SourceDestCheck = v;
    for (const { inst, n } of copies) {
      n.SourceDestCheck = v;
      if (n.Attachment?.DeviceIndex === 0) inst.SourceDestCheck = v;
    }
  } else if (input.Description) {
    eni.Description = input.Description.Value ?? "";
    for (const { n } of copies) n.Description = eni.Description;
  } else if (input.Attachment) {
    if (!eni.Attachment || eni.Attachment.AttachmentId !== input.Attachment.AttachmentId) {
      throw new AwsError("InvalidAttachmentID.NotFound", `The attachment ID '${input.Attachment.AttachmentId ?? ""}' does not exist`);
    }
    if (input.Attachment.DeleteOnTermination !== undefined) {
      eni.Attachment.DeleteOnTermination = input.Attachment.DeleteOnTermination;
      for (const { n } of copies) if (n.Attachment) n.Attachment.DeleteOnTermination = input.Attachment.DeleteOnTermination;
    }
  }
  return {};
};

export const describeFlowLogs: OpHandler<DescribeFlowLogsCommandInput, DescribeFlowLogsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  let logs = Object.values(state.flowLogs);
  if (input.FlowLogIds?.length) {
    const ids = new Set(input.FlowLogIds);
    logs = logs.filter((l) => ids.has(l.FlowLogId ?? ""));
  }
  logs = applyFilters(logs, input.Filter, {
    "deliver-log-status": (l) => l.DeliverLogsStatus,
    "log-destination-type": (l) => l.LogDestinationType,
    "flow-log-id": (l) => l.FlowLogId,
    "log-group-name": (l) => l.LogGroupName,
    "resource-id": (l) => l.ResourceId,
    "traffic-type": (l) => l.TrafficType,
  });
  const { page, next } = pageOf(logs, input, "DescribeFlowLogs");
  return { FlowLogs: page as FlowLog[], NextToken: next };
};
