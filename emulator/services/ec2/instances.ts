/** Instances: describe (with attributes and status), modify, and the stop/start/terminate lifecycle. */

import type {
  DescribeInstanceAttributeCommandInput,
  DescribeInstanceAttributeCommandOutput,
  DescribeInstanceStatusCommandInput,
  DescribeInstanceStatusCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  Instance,
  InstanceAttribute,
  InstanceStateChange,
  InstanceStatus,
  ModifyInstanceAttributeCommandInput,
  ModifyInstanceAttributeCommandOutput,
  ModifyInstanceMetadataOptionsCommandInput,
  ModifyInstanceMetadataOptionsCommandOutput,
  Reservation,
  StartInstancesCommandInput,
  StartInstancesCommandOutput,
  StopInstancesCommandInput,
  StopInstancesCommandOutput,
  TerminateInstancesCommandInput,
  TerminateInstancesCommandOutput,
} from "@aws-sdk/client-ec2";
import { randomInt } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { addMs, checkIdFormat, gmt, notFound, pageOf, requireParam } from "./common.ts";
import { applyFilters, type Extractor } from "./filters.ts";
import { disassociateForInstance } from "./iam-profiles.ts";
import { liveInstance, liveInstances, settleAll, stateOf, TRANSITION_MS, visibleInstances } from "./lifecycle.ts";
import { setInterfaceGroups } from "./network.ts";
import { ec2State, type StoredInstance } from "./state.ts";

const enis = (i: StoredInstance) => i.NetworkInterfaces ?? [];

/** Built once per account: DescribeInstances is called often, and sixty closures per call add up. */
const filtersByAccount = new Map<string, Record<string, Extractor<StoredInstance>>>();

export function instanceFilters(accountId: string): Record<string, Extractor<StoredInstance>> {
  let filters = filtersByAccount.get(accountId);
  if (!filters) {
    filters = instanceFilterTable(accountId);
    filtersByAccount.set(accountId, filters);
  }
  return filters;
}

function instanceFilterTable(accountId: string): Record<string, Extractor<StoredInstance>> {
  return {
    "instance-id": (i) => i.InstanceId,
    "instance-state-name": (i) => i.State?.Name,
    "instance-state-code": (i) => i.State?.Code,
    "instance-type": (i) => i.InstanceType,
    "image-id": (i) => i.ImageId,
    "key-name": (i) => i.KeyName,
    "vpc-id": (i) => i.VpcId,
    "subnet-id": (i) => i.SubnetId,
    "availability-zone": (i) => i.Placement?.AvailabilityZone,
    tenancy: (i) => i.Placement?.Tenancy,
    "private-ip-address": (i) => i.PrivateIpAddress,
    "ip-address": (i) => i.PublicIpAddress,
    "dns-name": (i) => i.PublicDnsName,
    "private-dns-name": (i) => i.PrivateDnsName,
    architecture: (i) => i.Architecture,
    platform: (i) => i.Platform,
    "platform-details": (i) => i.PlatformDetails,
    "root-device-type": (i) => i.RootDeviceType,
    "root-device-name": (i) => i.RootDeviceName,
    "virtualization-type": (i) => i.VirtualizationType,
    hypervisor: (i) => i.Hypervisor,
    "instance-lifecycle": (i) => i.InstanceLifecycle,
    "monitoring-state": (i) => i.Monitoring?.State,
    "state-reason-code": (i) => i.StateReason?.Code,
    "client-token": (i) => i.ClientToken,
    "ami-launch-index": (i) => i.AmiLaunchIndex,
    "owner-id": () => accountId,
    "instance.group-id": (i) => i.SecurityGroups?.map((g) => g.GroupId),
    "instance.group-name": (i) => i.SecurityGroups?.map((g) => g.GroupName),
    "group-id": (i) => i.SecurityGroups?.map((g) => g.GroupId),
    "group-name": (i) => i.SecurityGroups?.map((g) => g.GroupName),
    "iam-instance-profile.arn": (i) => i.IamInstanceProfile?.Arn,
    "iam-instance-profile.id": (i) => i.IamInstanceProfile?.Id,
    "reservation-id": (i) => i.ReservationId,
    "launch-time": (i) => i.LaunchTime,
    "metadata-options.http-tokens": (i) => i.MetadataOptions?.HttpTokens,
    "metadata-options.http-endpoint": (i) => i.MetadataOptions?.HttpEndpoint,
    "metadata-options.http-put-response-hop-limit": (i) => i.MetadataOptions?.HttpPutResponseHopLimit,
    "block-device-mapping.device-name": (i) => i.BlockDeviceMappings?.map((b) => b.DeviceName),
    "block-device-mapping.volume-id": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeId),
    "block-device-mapping.status": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.Status),
    "block-device-mapping.delete-on-termination": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.DeleteOnTermination),
    "association.public-ip": (i) => enis(i).map((n) => n.Association?.PublicIp),
    "network-interface.network-interface-id": (i) => enis(i).map((n) => n.NetworkInterfaceId),
    "network-interface.addresses.private-ip-address": (i) => enis(i).flatMap((n) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress) ?? []),
    "network-interface.private-dns-name": (i) => enis(i).map((n) => n.PrivateDnsName),
    "network-interface.subnet-id": (i) => enis(i).map((n) => n.SubnetId),
    "network-interface.vpc-id": (i) => enis(i).map((n) => n.VpcId),
    "network-interface.mac-address": (i) => enis(i).map((n) => n.MacAddress),
    "network-interface.status": (i) => enis(i).map((n) => n.Status),
    "network-interface.description": (i) => enis(i).map((n) => n.Description),
    "network-interface.source-dest-check": (i) => enis(i).map((n) => n.SourceDestCheck),
    "network-interface.group-id": (i) => enis(i).flatMap((n) => n.Groups?.map((g) => g.GroupId) ?? []),
    "network-interface.group-name": (i) => enis(i).flatMap((n) => n.Groups?.map((g) => g.GroupName) ?? []),
    "network-interface.attachment.attachment-id": (i) => enis(i).map((n) => n.Attachment?.AttachmentId),
    "network-interface.attachment.device-index": (i) => enis(i).map((n) => n.Attachment?.DeviceIndex),
    "network-interface.attachment.status": (i) => enis(i).map((n) => n.Attachment?.Status),
    "network-interface.association.public-ip": (i) => enis(i).map((n) => n.Association?.PublicIp),
    "network-interface.owner-id": (i) => enis(i).map((n) => n.OwnerId),
  };
}

/** The SDK shape of a stored instance: the fields only attributes show are left out. */
export function instanceView(inst: StoredInstance): Stored<Instance> {
  const {
    ReservationId: _r,
    UserData: _u,
    DisableApiTermination: _d,
    Transition: _t,
    TerminatedAt: _ta,
    InstanceInitiatedShutdownBehavior: _s,
    DisableApiStop: _ds,
    AutoPublicIp: _ap,
    ...shown
  } = inst;
  return shown;
}

export const describeInstances: OpHandler<DescribeInstancesCommandInput, DescribeInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && input.InstanceIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  checkIdFormat(input.InstanceIds, "i", "InvalidInstanceID.Malformed");
  const visible = visibleInstances(state, ctx.time);
  let instances = visible;
  if (input.InstanceIds?.length) {
    const byId = new Map(visible.map((i) => [i.InstanceId ?? "", i]));
    const missing = input.InstanceIds.filter((id) => !byId.has(id));
    if (missing.length) throw notFound("InvalidInstanceID.NotFound", "instance ID", missing);
    instances = [...new Set(input.InstanceIds)].map((id) => byId.get(id)!);
  }
  instances = applyFilters(instances, input.Filters, instanceFilters(ctx.accountId));
  const reservations = new Map<string, Stored<Reservation>>();
  for (const inst of instances) {
    let r = reservations.get(inst.ReservationId);
    if (!r) {
      r = { ReservationId: inst.ReservationId, OwnerId: ctx.accountId, Groups: [], Instances: [] };
      reservations.set(inst.ReservationId, r);
    }
    r.Instances?.push(instanceView(inst));
  }
  const { page, next } = pageOf([...reservations.values()], input, "DescribeInstances");
  return { Reservations: page as Reservation[], NextToken: next };
};

const ATTRIBUTES = [
  "instanceType",
  "kernel",
  "ramdisk",
  "userData",
  "disableApiTermination",
  "instanceInitiatedShutdownBehavior",
  "rootDeviceName",
  "blockDeviceMapping",
  "productCodes",
  "sourceDestCheck",
  "groupSet",
  "ebsOptimized",
  "sriovNetSupport",
  "enaSupport",
  "enclaveOptions",
  "disableApiStop",
] as const;
type AttributeName = (typeof ATTRIBUTES)[number];

function attributeOf(inst: StoredInstance, name: AttributeName): Stored<InstanceAttribute> {
  switch (name) {
    case "instanceType":
      return { InstanceType: { Value: inst.InstanceType } };
    case "kernel":
      return { KernelId: inst.KernelId ? { Value: inst.KernelId } : {} };
    case "ramdisk":
      return { RamdiskId: inst.RamdiskId ? { Value: inst.RamdiskId } : {} };
    case "userData":
      return { UserData: inst.UserData ? { Value: inst.UserData } : {} };
    case "disableApiTermination":
      return { DisableApiTermination: { Value: inst.DisableApiTermination ?? false } };
    case "instanceInitiatedShutdownBehavior":
      return { InstanceInitiatedShutdownBehavior: { Value: inst.InstanceInitiatedShutdownBehavior ?? "stop" } };
    case "rootDeviceName":
      return { RootDeviceName: { Value: inst.RootDeviceName } };
    case "blockDeviceMapping":
      return { BlockDeviceMappings: inst.BlockDeviceMappings ?? [] };
    case "productCodes":
      return { ProductCodes: inst.ProductCodes ?? [] };
    case "sourceDestCheck":
      return { SourceDestCheck: { Value: inst.SourceDestCheck ?? true } };
    case "groupSet":
      return { Groups: inst.SecurityGroups ?? [] };
    case "ebsOptimized":
      return { EbsOptimized: { Value: inst.EbsOptimized ?? false } };
    case "sriovNetSupport":
      return { SriovNetSupport: inst.SriovNetSupport ? { Value: inst.SriovNetSupport } : {} };
    case "enaSupport":
      return { EnaSupport: { Value: inst.EnaSupport ?? true } };
    case "enclaveOptions":
      return { EnclaveOptions: { Enabled: inst.EnclaveOptions?.Enabled ?? false } };
    case "disableApiStop":
      return { DisableApiStop: { Value: inst.DisableApiStop ?? false } };
  }
}

function attributeName(value: string | undefined): AttributeName {
  const name = requireParam(value, "attribute");
  if (!(ATTRIBUTES as readonly string[]).includes(name)) {
    throw new AwsError("InvalidParameterValue", `Value (${name}) for parameter attribute is invalid. Unknown attribute.`);
  }
  return name as AttributeName;
}

export const describeInstanceAttribute: OpHandler<DescribeInstanceAttributeCommandInput, DescribeInstanceAttributeCommandOutput> = (input, ctx) => {
  const name = attributeName(input.Attribute);
  const id = requireParam(input.InstanceId, "InstanceId");
  checkIdFormat([id], "i", "InvalidInstanceID.Malformed");
  const inst = visibleInstances(ec2State(ctx), ctx.time).find((i) => i.InstanceId === id);
  if (!inst) throw notFound("InvalidInstanceID.NotFound", "instance ID", [id]);
  return { InstanceId: id, ...(attributeOf(inst, name) as InstanceAttribute) };
};

function statusOf(inst: StoredInstance): Stored<InstanceStatus> {
  const running = inst.State?.Name === "running";
  const check = running
    ? { Status: "ok" as const, Details: [{ Name: "reachability" as const, Status: "passed" as const }] }
    : { Status: "not-applicable" as const, Details: [] };
  return {
    AvailabilityZone: inst.Placement?.AvailabilityZone,
    InstanceId: inst.InstanceId,
    InstanceState: inst.State,
    InstanceStatus: check,
    SystemStatus: check,
    AttachedEbsStatus: running ? check : { Status: "not-applicable", Details: [] },
  };
}

export const describeInstanceStatus: OpHandler<DescribeInstanceStatusCommandInput, DescribeInstanceStatusCommandOutput> = (input, ctx) => {
  if (input.MaxResults !== undefined && input.InstanceIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  checkIdFormat(input.InstanceIds, "i", "InvalidInstanceID.Malformed");
  let instances = visibleInstances(ec2State(ctx), ctx.time);
  if (input.InstanceIds?.length) {
    const byId = new Map(instances.map((i) => [i.InstanceId ?? "", i]));
    const missing = input.InstanceIds.filter((id) => !byId.has(id));
    if (missing.length) throw notFound("InvalidInstanceID.NotFound", "instance ID", missing);
    instances = [...new Set(input.InstanceIds)].map((id) => byId.get(id)!);
  }
  // Without IncludeAllInstances EC2 reports only running instances.
  if (!input.IncludeAllInstances) instances = instances.filter((i) => i.State?.Name === "running");
  const statuses = applyFilters(instances.map(statusOf), input.Filters, {
    "availability-zone": (s) => s.AvailabilityZone,
    "instance-state-name": (s) => s.InstanceState?.Name,
    "instance-state-code": (s) => s.InstanceState?.Code,
    "instance-status.status": (s) => s.InstanceStatus?.Status,
    "instance-status.reachability": (s) => s.InstanceStatus?.Details?.map((d) => d.Status),
    "system-status.status": (s) => s.SystemStatus?.Status,
    "system-status.reachability": (s) => s.SystemStatus?.Details?.map((d) => d.Status),
    "event.code": () => [],
  });
  const { page, next } = pageOf(statuses, input, "DescribeInstanceStatus");
  return { InstanceStatuses: page as InstanceStatus[], NextToken: next };
};

/** Which single attribute a ModifyInstanceAttribute call changes, from either of its two input styles. */
function requestedChange(input: ModifyInstanceAttributeCommandInput): { name: string; value: unknown } {
  const set: { name: string; value: unknown }[] = [];
  if (input.InstanceType) set.push({ name: "instanceType", value: input.InstanceType.Value });
  if (input.UserData) set.push({ name: "userData", value: input.UserData.Value });
  if (input.DisableApiTermination) set.push({ name: "disableApiTermination", value: input.DisableApiTermination.Value });
  if (input.DisableApiStop) set.push({ name: "disableApiStop", value: input.DisableApiStop.Value });
  if (input.InstanceInitiatedShutdownBehavior) set.push({ name: "instanceInitiatedShutdownBehavior", value: input.InstanceInitiatedShutdownBehavior.Value });
  if (input.SourceDestCheck) set.push({ name: "sourceDestCheck", value: input.SourceDestCheck.Value });
  if (input.EbsOptimized) set.push({ name: "ebsOptimized", value: input.EbsOptimized.Value });
  if (input.EnaSupport) set.push({ name: "enaSupport", value: input.EnaSupport.Value });
  if (input.Groups?.length) set.push({ name: "groupSet", value: input.Groups });
  if (input.BlockDeviceMappings?.length) set.push({ name: "blockDeviceMapping", value: input.BlockDeviceMappings });
  if (input.Attribute) {
    const name = attributeName(input.Attribute);
    if (input.Value === undefined && name !== "groupSet" && name !== "blockDeviceMapping") {
      throw new AwsError("MissingParameter", "The request must contain the parameter value");
    }
    const value =
      name === "userData" && input.Value !== undefined
        ? Buffer.from(input.Value, "base64")
        : /^(true|false)$/.test(input.Value ?? "")
          ? input.Value === "true"
          : input.Value;
    set.push({ name, value });
  }
  if (set.length === 0) throw new AwsError("InvalidParameterCombination", "No attributes specified.");
  if (set.length > 1) throw new AwsError("InvalidParameterCombination", `Fields for multiple attribute types specified: ${set.map((s) => s.name).join(", ")}`);
  return set[0];
}

const notStopped = (id: string) => new AwsError("IncorrectInstanceState", `The instance '${id}' is not in the 'stopped' state.`);

export const modifyInstanceAttribute: OpHandler<ModifyInstanceAttributeCommandInput, ModifyInstanceAttributeCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const inst = liveInstance(state, input.InstanceId, ctx.time);
  const id = inst.InstanceId ?? "";
  const { name, value } = requestedChange(input);
  const stateName = inst.State?.Name;
  if (stateName === "terminated" || stateName === "shutting-down") {
    throw new AwsError("IncorrectInstanceState", `The instance '${id}' is not in a state from which it can be modified.`);
  }
  const bool = (v: unknown) => {
    if (typeof v !== "boolean") throw new AwsError("InvalidParameterValue", `Value (${String(v)}) for parameter ${name} is invalid. Expected a boolean.`);
    return v;
  };
  switch (name) {
    case "instanceType": {
      const type = String(value ?? "");
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(type))
        throw new AwsError("InvalidInstanceAttributeValue", `Value (${type}) for parameter instanceType is invalid.`);
      if (stateName !== "stopped") throw notStopped(id);
      inst.InstanceType = type as Instance["InstanceType"];
      break;
    }
    case "userData": {
      if (stateName !== "stopped") throw notStopped(id);
      const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value ?? ""));
      if (bytes.length === 0) delete inst.UserData;
      else inst.UserData = bytes.toString("base64");
      break;
    }
    case "disableApiTermination":
      inst.DisableApiTermination = bool(value);
      break;
    case "disableApiStop":
      inst.DisableApiStop = bool(value);
      break;
    case "ebsOptimized":
      inst.EbsOptimized = bool(value);
      break;
    case "enaSupport":
      inst.EnaSupport = bool(value);
      break;
    case "sourceDestCheck": {
      inst.SourceDestCheck = bool(value);
      const primary = inst.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
      if (primary) {
        primary.SourceDestCheck = inst.SourceDestCheck;
        const eni = state.networkInterfaces[primary.NetworkInterfaceId ?? ""];
        if (eni) eni.SourceDestCheck = inst.SourceDestCheck;
      }
      break;
    }
    case "instanceInitiatedShutdownBehavior": {
      if (value !== "stop" && value !== "terminate") {
        throw new AwsError("InvalidParameterValue", `Value (${String(value)}) for parameter instanceInitiatedShutdownBehavior is invalid.`);
      }
      inst.InstanceInitiatedShutdownBehavior = value;
      break;
    }
    case "groupSet": {
      const ids = Array.isArray(value) ? (value as string[]) : [String(value)];
      const primary = inst.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0)?.NetworkInterfaceId;
      // The instance's groups are its primary interface's groups: change both together.
      const groups = setInterfaceGroups(state, primary, ids, inst.VpcId);
      inst.SecurityGroups = groups;
      break;
    }
    case "blockDeviceMapping": {
      for (const m of (value as ModifyInstanceAttributeCommandInput["BlockDeviceMappings"]) ?? []) {
        const bdm = inst.BlockDeviceMappings?.find((b) => b.DeviceName === m.DeviceName);
        if (!bdm?.Ebs) throw new AwsError("InvalidInstanceAttributeValue", `No device is currently mapped at ${m.DeviceName}`);
        if (m.Ebs?.DeleteOnTermination !== undefined) {
          bdm.Ebs.DeleteOnTermination = m.Ebs.DeleteOnTermination;
          const vol = state.volumes[bdm.Ebs.VolumeId ?? ""];
          const att = vol?.Attachments?.find((a) => a.InstanceId === id);
          if (att) att.DeleteOnTermination = m.Ebs.DeleteOnTermination;
        }
      }
      break;
    }
    default:
      throw new AwsError("InvalidParameterValue", `Value (${name}) for parameter attribute is invalid. The attribute cannot be modified.`);
  }
  return {};
};

export const modifyInstanceMetadataOptions: OpHandler<ModifyInstanceMetadataOptionsCommandInput, ModifyInstanceMetadataOptionsCommandOutput> = (input, ctx) => {
  const inst = liveInstance(ec2State(ctx), input.InstanceId, ctx.time);
  const id = inst.InstanceId ?? "";
  const check = (param: string, v: string | undefined, allowed: string[]) => {
    if (v !== undefined && !allowed.includes(v)) throw new AwsError("InvalidParameterValue", `Value (${v}) for parameter ${param} is invalid.`);
  };
  check("HttpTokens", input.HttpTokens, ["optional", "required"]);
  check("HttpEndpoint", input.HttpEndpoint, ["enabled", "disabled"]);
  check("HttpProtocolIpv6", input.HttpProtocolIpv6, ["enabled", "disabled"]);
  check("InstanceMetadataTags", input.InstanceMetadataTags, ["enabled", "disabled"]);
  const hop = input.HttpPutResponseHopLimit;
  if (hop !== undefined && (hop < 1 || hop > 64)) {
    throw new AwsError("InvalidParameterValue", `Value (${hop}) for parameter HttpPutResponseHopLimit is invalid. Valid values are 1 to 64.`);
  }
  if (inst.State?.Name === "terminated" || inst.State?.Name === "shutting-down") {
    throw new AwsError("IncorrectInstanceState", `The instance '${id}' is not in a valid state for this operation.`);
  }
  const m = {
    HttpTokens: "optional" as const,
    HttpPutResponseHopLimit: 1,
    HttpEndpoint: "enabled" as const,
    HttpProtocolIpv6: "disabled" as const,
    InstanceMetadataTags: "disabled" as const,
    ...inst.MetadataOptions,
  };
  if (input.HttpTokens) m.HttpTokens = input.HttpTokens as "optional";
  if (hop !== undefined) m.HttpPutResponseHopLimit = hop;
  if (input.HttpEndpoint) m.HttpEndpoint = input.HttpEndpoint as "enabled";
  if (input.HttpProtocolIpv6) m.HttpProtocolIpv6 = input.HttpProtocolIpv6 as "disabled";
  if (input.InstanceMetadataTags) m.InstanceMetadataTags = input.InstanceMetadataTags as "disabled";
  // The change applies within moments: the answer says "pending", later describes say "applied".
  inst.MetadataOptions = { ...m, State: "applied" };
  return { InstanceId: id, InstanceMetadataOptions: { ...m, State: "pending" } };
};

type Change = { inst: StoredInstance; to?: { now: string; end: "running" | "stopped" | "terminated" } };

function changes(list: Change[]): InstanceStateChange[] {
  return list.map(({ inst, to }) => ({
    InstanceId: inst.InstanceId,
    PreviousState: { ...inst.State },
    CurrentState: to ? stateOf(to.now) : { ...inst.State },
  }));
}

function apply(list: Change[], ctx: RequestContext): void {
  for (const { inst, to } of list) {
    if (!to) continue;
    inst.State = stateOf(to.now);
    inst.Transition = { To: to.end, At: addMs(ctx.time, TRANSITION_MS) };
    inst.StateTransitionReason = `User initiated (${gmt(ctx.time)})`;
  }
}

export const stopInstances: OpHandler<StopInstancesCommandInput, StopInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const list: Change[] = liveInstances(state, requireParam(input.InstanceIds, "InstanceIds"), ctx.time).map((inst) => {
    const name = inst.State?.Name;
    if (name === "stopping" || name === "stopped") return { inst };
    if (name !== "running" && name !== "pending") {
      throw new AwsError("IncorrectInstanceState", `This instance '${inst.InstanceId}' is not in a state from which it can be stopped.`);
    }
    if (inst.DisableApiStop) {
      throw new AwsError(
        "OperationNotPermitted",
        `The instance '${inst.InstanceId}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`,
      );
    }
    return { inst, to: { now: "stopping", end: "stopped" } };
  });
  const out = changes(list);
  apply(list, ctx);
  for (const { inst, to } of list) if (to) setPublicIp(state, inst, undefined);
  return { StoppingInstances: out };
};

export const startInstances: OpHandler<StartInstancesCommandInput, StartInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const list: Change[] = liveInstances(state, requireParam(input.InstanceIds, "InstanceIds"), ctx.time).map((inst) => {
    const name = inst.State?.Name;
    if (name === "pending" || name === "running") return { inst };
    if (name !== "stopped") throw new AwsError("IncorrectInstanceState", `The instance '${inst.InstanceId}' is not in a state from which it can be started.`);
    return { inst, to: { now: "pending", end: "running" } };
  });
  const out = changes(list);
  apply(list, ctx);
  for (const { inst, to } of list) {
    if (!to) continue;
    inst.LaunchTime = ctx.time.toISOString();
    if (inst.AutoPublicIp) setPublicIp(state, inst, `203.0.113.${randomInt(1, 255)}`);
  }
  return { StartingInstances: out };
};

export const terminateInstances: OpHandler<TerminateInstancesCommandInput, TerminateInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  settleAll(state, ctx.time);
  const list: Change[] = liveInstances(state, requireParam(input.InstanceIds, "InstanceIds"), ctx.time).map((inst) => {
    const name = inst.State?.Name;
    if (name === "shutting-down" || name === "terminated") return { inst };
    if (inst.DisableApiTermination) {
      throw new AwsError(
        "OperationNotPermitted",
        `The instance '${inst.InstanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
      );
    }
    return { inst, to: { now: "shutting-down", end: "terminated" } };
  });
  const out = changes(list);
  apply(list, ctx);
  for (const { inst, to } of list) if (to) releaseResources(state, inst, ctx);
  return { TerminatingInstances: out };
};

/**
 * Gives the instance's primary interface a new auto-assigned public address, or releases it (undefined).
 * EC2 releases an auto-assigned address when the instance stops and assigns a new one when it starts;
 * Elastic IPs (associations with an AllocationId) stay.
 */
function setPublicIp(state: ReturnType<typeof ec2State>, inst: StoredInstance, ip: string | undefined): void {
  const primary = inst.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
  const eni = state.networkInterfaces[primary?.NetworkInterfaceId ?? ""];
  if (eni?.Association?.AllocationId) return;
  if (ip === undefined && !inst.PublicIpAddress) return;
  const assoc = ip
    ? {
        IpOwnerId: "amazon",
        PublicIp: ip,
        PublicDnsName: `ec2-${ip.replace(/\./g, "-")}.${inst.Placement?.AvailabilityZone?.slice(0, -1)}.compute.amazonaws.com`,
      }
    : undefined;
  for (const n of [primary, eni]) {
    if (!n) continue;
    if (assoc) n.Association = { ...assoc };
    else delete n.Association;
    const addr = n.PrivateIpAddresses?.find((a) => a.Primary);
    if (addr && assoc) addr.Association = { ...assoc };
    else if (addr) delete addr.Association;
  }
  if (assoc) {
    inst.PublicIpAddress = assoc.PublicIp;
    inst.PublicDnsName = assoc.PublicDnsName;
    delete inst.AutoPublicIp;
  } else {
    delete inst.PublicIpAddress;
    inst.PublicDnsName = "";
    inst.AutoPublicIp = true;
  }
}

/** What termination does to the rest of the account: delete-on-termination disks and interfaces go, the rest detach. */
function releaseResources(state: ReturnType<typeof ec2State>, inst: StoredInstance, ctx: RequestContext): void {
  const id = inst.InstanceId;
  for (const vol of Object.values(state.volumes)) {
    const att = vol.Attachments?.find((a) => a.InstanceId === id);
    if (!att) continue;
    if (att.DeleteOnTermination) delete state.volumes[vol.VolumeId ?? ""];
    else {
      vol.Attachments = vol.Attachments?.filter((a) => a !== att);
      vol.State = "available";
    }
  }
  for (const eni of Object.values(state.networkInterfaces)) {
    if (eni.Attachment?.InstanceId !== id) continue;
    if (eni.Attachment?.DeleteOnTermination) delete state.networkInterfaces[eni.NetworkInterfaceId ?? ""];
    else {
      delete eni.Attachment;
      eni.Status = "available";
    }
  }
  disassociateForInstance(state, id ?? "", ctx);
  // With the association ended, the instance no longer carries the profile (no derived association either).
  delete inst.IamInstanceProfile;
}
