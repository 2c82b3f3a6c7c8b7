/**
 * What each EC2 operation asks of IAM, as the Service Authorization Reference (SAR) lists it: the action on every
 * resource the call touches (one check per instance, group, volume…), with the resource's own keys read from state
 * (ec2:ResourceTag/…, ec2:InstanceType, ec2:MetadataHttpTokens…) and ec2:Region on every check. Describe* calls
 * support no resource-level permissions: they need their action on "*".
 */
import { createHash } from "node:crypto";
import type { Tag } from "@aws-sdk/client-ec2";
import {
  addKey,
  addRequestTags,
  addResourceTags,
  type Input,
  list,
  obj,
  own,
  peekGlobal,
  peekRegional,
  permission,
  type Rule,
  serviceAuthorization,
  str,
  strs,
} from "../../authz/requests.ts";
import type { AuthzCheck, ContextValues } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import type { IamState } from "../iam/state.ts";
import type { Ec2State, StoredInstance } from "./state.ts";

type Ctx = RequestContext;

const RESOURCE_TAG = "ec2:ResourceTag/";

/** The region's one frozen {ec2:Region} (every EC2 action has the key), reused by checks on "*". */
const regionKeys = new Map<string, Readonly<ContextValues>>();
function regionContext(region: string): Readonly<ContextValues> {
  let c = regionKeys.get(region);
  if (!c) {
    c = Object.freeze({ "ec2:Region": region });
    regionKeys.set(region, c);
  }
  return c;
}

const base = (ctx: Ctx): ContextValues => ({ "ec2:Region": ctx.region });

function stateOf(ctx: Ctx): Ec2State | undefined {
  return peekRegional<Ec2State>(ctx.runtime, ctx.accountId, ctx.region, "ec2");
}

/** An action EC2 authorizes on "*" only (the SAR lists no resource type for it). */
function anyResource(action: string): Rule {
  const p = permission(action);
  const checks = new Map<string, AuthzCheck>();
  return (_input, ctx) => {
    let c = checks.get(ctx.region);
    if (!c) {
      c = Object.freeze(p.check(ctx, undefined, { context: regionContext(ctx.region) }));
      checks.set(ctx.region, c);
    }
    return [c];
  };
}

// ---- the resources' ARNs and keys ----

const arnOf = {
  vpc: permission("ec2:CreateSecurityGroup", "vpc"),
  subnet: permission("ec2:RunInstances", "subnet"),
  volume: permission("ec2:CreateSnapshot", "volume"),
  snapshot: permission("ec2:CreateSnapshot", "snapshot"),
};

function instanceKeys(ctx: Ctx, inst: StoredInstance | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:InstanceID"] = id;
  if (!inst) return c;
  addKey(c, "ec2:InstanceType", inst.InstanceType);
  addKey(c, "ec2:AvailabilityZone", inst.Placement?.AvailabilityZone);
  addKey(c, "ec2:Tenancy", inst.Placement?.Tenancy);
  addKey(c, "ec2:RootDeviceType", inst.RootDeviceType);
  addKey(c, "ec2:EbsOptimized", inst.EbsOptimized);
  addKey(c, "ec2:InstanceProfile", inst.IamInstanceProfile?.Arn);
  c["ec2:InstanceMarketType"] = inst.InstanceLifecycle === "spot" ? "spot" : "on-demand";
  const mo = inst.MetadataOptions;
  if (mo) {
    addKey(c, "ec2:MetadataHttpTokens", mo.HttpTokens);
    addKey(c, "ec2:MetadataHttpEndpoint", mo.HttpEndpoint);
    addKey(c, "ec2:MetadataHttpPutResponseHopLimit", mo.HttpPutResponseHopLimit);
    addKey(c, "ec2:InstanceMetadataTags", mo.InstanceMetadataTags);
  }
  return addResourceTags(c, inst.Tags, RESOURCE_TAG);
}

function groupKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:SecurityGroupID"] = id;
  const g = own(st?.securityGroups, id);
  if (g?.VpcId) c["ec2:Vpc"] = arnOf.vpc.arn(ctx, { VpcId: g.VpcId });
  return addResourceTags(c, g?.Tags, RESOURCE_TAG);
}

function volumeKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:VolumeID"] = id;
  const v = own(st?.volumes, id);
  if (!v) return c;
  addKey(c, "ec2:VolumeSize", v.Size);
  addKey(c, "ec2:VolumeType", v.VolumeType);
  addKey(c, "ec2:Encrypted", v.Encrypted);
  addKey(c, "ec2:AvailabilityZone", v.AvailabilityZone);
  if (v.SnapshotId) c["ec2:ParentSnapshot"] = arnOf.snapshot.arn(ctx, { SnapshotId: v.SnapshotId });
  return addResourceTags(c, v.Tags, RESOURCE_TAG);
}

function snapshotKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:SnapshotID"] = id;
  const s = own(st?.snapshots, id);
  if (!s) return c;
  addKey(c, "ec2:Owner", s.OwnerAlias ?? s.OwnerId);
  addKey(c, "ec2:VolumeSize", s.VolumeSize);
  addKey(c, "ec2:Encrypted", s.Encrypted);
  addKey(c, "ec2:SnapshotTime", s.StartTime);
  if (s.VolumeId) c["ec2:ParentVolume"] = arnOf.volume.arn(ctx, { VolumeId: s.VolumeId });
  return addResourceTags(c, s.Tags, RESOURCE_TAG);
}

function imageKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:ImageID"] = id;
  const i = own(st?.images, id);
  if (!i) return c;
  addKey(c, "ec2:Owner", i.ImageOwnerAlias ?? i.OwnerId);
  c["ec2:Public"] = !!i.Public;
  addKey(c, "ec2:ImageType", i.ImageType);
  addKey(c, "ec2:RootDeviceType", i.RootDeviceType);
  return addResourceTags(c, i.Tags, RESOURCE_TAG);
}

function subnetKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:SubnetID"] = id;
  const s = own(st?.subnets, id);
  if (!s) return c;
  if (s.VpcId) c["ec2:Vpc"] = arnOf.vpc.arn(ctx, { VpcId: s.VpcId });
  addKey(c, "ec2:AvailabilityZone", s.AvailabilityZone);
  return addResourceTags(c, s.Tags, RESOURCE_TAG);
}

function interfaceKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:NetworkInterfaceID"] = id;
  const n = own(st?.networkInterfaces, id);
  if (!n) return c;
  if (n.SubnetId) c["ec2:Subnet"] = arnOf.subnet.arn(ctx, { SubnetId: n.SubnetId });
  if (n.VpcId) c["ec2:Vpc"] = arnOf.vpc.arn(ctx, { VpcId: n.VpcId });
  addKey(c, "ec2:AvailabilityZone", n.AvailabilityZone);
  return addResourceTags(c, n.TagSet, RESOURCE_TAG);
}

function keyPairKeys(ctx: Ctx, st: Ec2State | undefined, name: string): ContextValues {
  const c = base(ctx);
  c["ec2:KeyPairName"] = name;
  const k = own(st?.keyPairs, name);
  if (!k) return c;
  addKey(c, "ec2:KeyPairType", k.KeyType);
  return addResourceTags(c, k.Tags, RESOURCE_TAG);
}

function vpcKeys(ctx: Ctx, st: Ec2State | undefined, id: string): ContextValues {
  const c = base(ctx);
  c["ec2:VpcID"] = id;
  const v = own(st?.vpcs, id);
  if (!v) return c;
  addKey(c, "ec2:Tenancy", v.InstanceTenancy);
  return addResourceTags(c, v.Tags, RESOURCE_TAG);
}

/** A group named rather than identified: in the default VPC first, as EC2 resolves GroupName. */
function groupIdByName(st: Ec2State | undefined, name: string, vpcId?: string): string | undefined {
  if (!st) return undefined;
  const found = Object.values(st.securityGroups).filter((g) => g.GroupName === name && (vpcId === undefined || g.VpcId === vpcId));
  const defaultVpc = Object.values(st.vpcs).find((v) => v.IsDefault)?.VpcId;
  return (found.find((g) => g.VpcId === defaultVpc) ?? found[0])?.GroupId;
}

/** Tags a TagSpecifications list gives one resource type. */
function specTags(specs: unknown, resourceType: string): Tag[] {
  return list(specs)
    .filter((s) => s.ResourceType === resourceType)
    .flatMap((s) => list(s.Tags) as Tag[]);
}

// ---- permissions for tags set at creation ----

const createTags = permission("ec2:CreateTags", "instance");

/**
 * Tagging a resource as it is created also needs ec2:CreateTags on it, with ec2:CreateAction naming the call
 * (docs: "Grant permission to tag resources during creation").
 */
function tagOnCreate(ctx: Ctx, action: string, resourceArn: string, tags: Tag[]): AuthzCheck[] {
  if (!tags.length) return [];
  const c = base(ctx);
  c["ec2:CreateAction"] = action;
  return [createTags.onArn(resourceArn, { context: addRequestTags(c, tags) })];
}

// ---- instances ----

function perInstance(action: string): Rule {
  const p = permission(action, "instance");
  return (input, ctx) => {
    const st = stateOf(ctx);
    return strs(input.InstanceIds).map((id) => p.check(ctx, { InstanceId: id }, { context: instanceKeys(ctx, own(st?.instances, id), id) }));
  };
}

function oneInstance(action: string): Rule {
  const p = permission(action, "instance");
  return (input, ctx) => {
    const id = str(input.InstanceId);
    if (id === undefined) return [];
    return [p.check(ctx, { InstanceId: id }, { context: instanceKeys(ctx, own(stateOf(ctx)?.instances, id), id) })];
  };
}

/** ModifyInstanceAttribute's attributes that take {Value}: ec2:Attribute/<name> is the value asked for. */
const VALUE_ATTRIBUTES = [
  "InstanceType",
  "DisableApiTermination",
  "DisableApiStop",
  "InstanceInitiatedShutdownBehavior",
  "SourceDestCheck",
  "EbsOptimized",
  "EnaSupport",
  "Kernel",
  "Ramdisk",
  "SriovNetSupport",
] as const;

const modifyInstanceAttribute = {
  instance: permission("ec2:ModifyInstanceAttribute", "instance"),
  group: permission("ec2:ModifyInstanceAttribute", "security-group"),
};

const modifyInstanceAttributeRule: Rule = (input, ctx) => {
  const id = str(input.InstanceId);
  if (id === undefined) return [];
  const st = stateOf(ctx);
  const c = instanceKeys(ctx, own(st?.instances, id), id);
  for (const name of VALUE_ATTRIBUTES) {
    const v = obj(input[name]).Value;
    if (v !== undefined && v !== null) c[`ec2:Attribute/${name}`] = v as string | boolean;
  }
  const attribute = str(input.Attribute);
  if (attribute && input.Value !== undefined) c[`ec2:Attribute/${attribute[0].toUpperCase()}${attribute.slice(1)}`] = String(input.Value);
  const checks = [modifyInstanceAttribute.instance.check(ctx, { InstanceId: id }, { context: c })];
  // Moving the instance into other groups touches those groups too.
  for (const g of strs(input.Groups)) checks.push(modifyInstanceAttribute.group.check(ctx, { SecurityGroupId: g }, { context: groupKeys(ctx, st, g) }));
  return checks;
};

// ---- RunInstances ----

const run = {
  instance: permission("ec2:RunInstances", "instance"),
  image: permission("ec2:RunInstances", "image"),
  subnet: permission("ec2:RunInstances", "subnet"),
  eni: permission("ec2:RunInstances", "network-interface"),
  group: permission("ec2:RunInstances", "security-group"),
  keyPair: permission("ec2:RunInstances", "key-pair"),
  volume: permission("ec2:RunInstances", "volume"),
};

const passRole = permission("iam:PassRole", "role");

/** The role of an instance profile named by Arn or Name, from IAM's state. */
function profileRole(ctx: Ctx, spec: unknown): { profileArn: string; roleArn?: string } | undefined {
  const s = obj(spec);
  const arn = str(s.Arn);
  const name = str(s.Name);
  if (!arn && !name) return undefined;
  const iam = peekGlobal<IamState>(ctx.runtime, ctx.accountId, "iam");
  const profiles = Object.values(iam?.instanceProfiles ?? {});
  const p = arn ? profiles.find((x) => x.Arn === arn) : profiles.find((x) => x.InstanceProfileName === name);
  if (!p) return undefined;
  return { profileArn: p.Arn ?? "", roleArn: p.Roles?.[0]?.Arn };
}

/** Passing an instance profile passes its role to EC2 (iam:PassRole, iam:PassedToService ec2.amazonaws.com). */
function passProfileRole(roleArn: string | undefined, instanceArn: string): AuthzCheck[] {
  if (!roleArn) return [];
  return [passRole.onArn(roleArn, { context: { "iam:PassedToService": "ec2.amazonaws.com", "iam:AssociatedResourceArn": instanceArn } })];
}

const runInstancesRule: Rule = (input, ctx) => {
  const st = stateOf(ctx);
  const checks: AuthzCheck[] = [];
  const imageId = str(input.ImageId);
  const image = own(st?.images, imageId);
  const nic = list(input.NetworkInterfaces).find((n) => (n.DeviceIndex ?? 0) === 0) ?? {};
  // The subnet: the instance's, its primary interface's, or the default VPC's subnet for the zone (as run.ts picks).
  let subnetId = str(input.SubnetId) ?? str(nic.SubnetId);
  const zone = str(obj(input.Placement).AvailabilityZone);
  if (!subnetId && st) {
    const defaultVpc = Object.values(st.vpcs).find((v) => v.IsDefault)?.VpcId;
    subnetId = Object.values(st.subnets).find((s) => s.VpcId === defaultVpc && s.DefaultForAz && (!zone || s.AvailabilityZone === zone))?.SubnetId;
  }
  const subnet = own(st?.subnets, subnetId);
  const vpcId = subnet?.VpcId;
  const profile = profileRole(ctx, input.IamInstanceProfile);

  const instanceArn = run.instance.arn(ctx, { InstanceId: "*" });
  const ic = base(ctx);
  ic["ec2:InstanceType"] = str(input.InstanceType) ?? "m1.small";
  addKey(ic, "ec2:AvailabilityZone", subnet?.AvailabilityZone ?? zone);
  ic["ec2:Tenancy"] = str(obj(input.Placement).Tenancy) ?? "default";
  ic["ec2:RootDeviceType"] = image?.RootDeviceType ?? "ebs";
  ic["ec2:EbsOptimized"] = input.EbsOptimized === true;
  addKey(ic, "ec2:InstanceProfile", profile?.profileArn);
  ic["ec2:InstanceMarketType"] = obj(input.InstanceMarketOptions).MarketType === "spot" ? "spot" : "on-demand";
  // The options the instance will have: asked for, else the image's defaults (IMDSv2 images require tokens).
  const mo = obj(input.MetadataOptions);
  const v2 = image?.ImdsSupport === "v2.0";
  ic["ec2:MetadataHttpTokens"] = str(mo.HttpTokens) ?? (v2 ? "required" : "optional");
  ic["ec2:MetadataHttpEndpoint"] = str(mo.HttpEndpoint) ?? "enabled";
  ic["ec2:MetadataHttpPutResponseHopLimit"] = typeof mo.HttpPutResponseHopLimit === "number" ? mo.HttpPutResponseHopLimit : v2 ? 2 : 1;
  ic["ec2:InstanceMetadataTags"] = str(mo.InstanceMetadataTags) ?? "disabled";
  const instanceTags = specTags(input.TagSpecifications, "instance");
  checks.push(run.instance.onArn(instanceArn, { context: addRequestTags(ic, instanceTags) }));

  if (imageId !== undefined) checks.push(run.image.check(ctx, { ImageId: imageId }, { context: imageKeys(ctx, st, imageId) }));
  if (subnetId !== undefined) checks.push(run.subnet.check(ctx, { SubnetId: subnetId }, { context: subnetKeys(ctx, st, subnetId) }));

  const eniTags = specTags(input.TagSpecifications, "network-interface");
  const nc = base(ctx);
  if (subnetId) nc["ec2:Subnet"] = arnOf.subnet.arn(ctx, { SubnetId: subnetId });
  if (vpcId) nc["ec2:Vpc"] = arnOf.vpc.arn(ctx, { VpcId: vpcId });
  addKey(nc, "ec2:AvailabilityZone", subnet?.AvailabilityZone);
  if (typeof nic.AssociatePublicIpAddress === "boolean") nc["ec2:AssociatePublicIpAddress"] = nic.AssociatePublicIpAddress;
  const eniArn = run.eni.arn(ctx, { NetworkInterfaceId: "*" });
  checks.push(run.eni.onArn(eniArn, { context: addRequestTags(nc, eniTags) }));

  // The groups: by id, by name in the subnet's VPC, else the VPC's default group.
  const groupIds = [...strs(input.SecurityGroupIds), ...strs(nic.Groups)];
  for (const name of strs(input.SecurityGroups)) {
    const id = groupIdByName(st, name, vpcId);
    if (id) groupIds.push(id);
  }
  if (!groupIds.length) {
    const def = groupIdByName(st, "default", vpcId);
    if (def) groupIds.push(def);
  }
  for (const g of new Set(groupIds)) checks.push(run.group.check(ctx, { SecurityGroupId: g }, { context: groupKeys(ctx, st, g) }));

  const keyName = str(input.KeyName);
  if (keyName !== undefined) checks.push(run.keyPair.check(ctx, { KeyPairName: keyName }, { context: keyPairKeys(ctx, st, keyName) }));

  // EBS volumes made from the image's block device mappings (every EBS-backed launch makes at least its root).
  const volumeArn = run.volume.arn(ctx, { VolumeId: "*" });
  const volumeTags = specTags(input.TagSpecifications, "volume");
  if (image?.RootDeviceType !== "instance-store") checks.push(run.volume.onArn(volumeArn, { context: addRequestTags(base(ctx), volumeTags) }));

  checks.push(...tagOnCreate(ctx, "RunInstances", instanceArn, instanceTags));
  checks.push(...tagOnCreate(ctx, "RunInstances", volumeArn, volumeTags));
  checks.push(...tagOnCreate(ctx, "RunInstances", eniArn, eniTags));
  checks.push(...passProfileRole(profile?.roleArn, instanceArn));
  return checks;
};

// ---- instance profiles ----

const associate = permission("ec2:AssociateIamInstanceProfile", "instance");
const replace = permission("ec2:ReplaceIamInstanceProfileAssociation", "instance");
const disassociate = permission("ec2:DisassociateIamInstanceProfile", "instance");

/** The instance an association is of: its record, else the instance whose profile has no record (iam-profiles.ts). */
function associatedInstance(st: Ec2State | undefined, associationId: string | undefined): string | undefined {
  if (!st || !associationId) return undefined;
  const stored = own(st.iamInstanceProfileAssociations, associationId);
  if (stored) return stored.InstanceId;
  for (const inst of Object.values(st.instances)) {
    // iam-profiles.ts derives these ids from the instance and profile: "iip-assoc-0" + 16 hex of their sha256.
    if (inst.IamInstanceProfile?.Arn && associationId === derivedAssociationId(inst.InstanceId ?? "", inst.IamInstanceProfile.Arn)) return inst.InstanceId;
  }
  return undefined;
}

function derivedAssociationId(instanceId: string, profileArn: string): string {
  return `iip-assoc-0${createHash("sha256").update(`${instanceId}/${profileArn}`).digest("hex").slice(0, 16)}`;
}

function profileChange(p: typeof associate, instanceOf: (input: Input, st: Ec2State | undefined) => string | undefined): Rule {
  return (input, ctx) => {
    const st = stateOf(ctx);
    const id = instanceOf(input, st);
    if (id === undefined) return [];
    const c = instanceKeys(ctx, own(st?.instances, id), id);
    const profile = p === disassociate ? undefined : profileRole(ctx, input.IamInstanceProfile);
    addKey(c, "ec2:NewInstanceProfile", profile?.profileArn);
    const instanceArn = p.arn(ctx, { InstanceId: id });
    return [p.onArn(instanceArn, { context: c }), ...passProfileRole(profile?.roleArn, instanceArn)];
  };
}

// ---- security groups ----

function oneGroup(action: string, opts: { byName?: boolean; ruleTags?: boolean } = {}): Rule {
  const p = permission(action, "security-group");
  const rule = opts.ruleTags ? permission(action, "security-group-rule") : undefined;
  return (input, ctx) => {
    const st = stateOf(ctx);
    const name = opts.byName ? str(input.GroupName) : undefined;
    const id = str(input.GroupId) ?? (name !== undefined ? (groupIdByName(st, name) ?? "*") : undefined);
    if (id === undefined) return [];
    const checks = [p.check(ctx, { SecurityGroupId: id }, { context: groupKeys(ctx, st, id) })];
    const tags = rule ? specTags(input.TagSpecifications, "security-group-rule") : [];
    if (rule && tags.length) checks.push(rule.check(ctx, { SecurityGroupRuleId: "*" }, { context: addRequestTags(base(ctx), tags) }));
    return checks;
  };
}

const createGroup = { group: permission("ec2:CreateSecurityGroup", "security-group"), vpc: permission("ec2:CreateSecurityGroup", "vpc") };

const createSecurityGroupRule: Rule = (input, ctx) => {
  const st = stateOf(ctx);
  const vpcId = str(input.VpcId) ?? (st && Object.values(st.vpcs).find((v) => v.IsDefault)?.VpcId);
  const tags = specTags(input.TagSpecifications, "security-group");
  const groupArn = createGroup.group.arn(ctx, { SecurityGroupId: "*" });
  const c = base(ctx);
  if (vpcId) c["ec2:Vpc"] = arnOf.vpc.arn(ctx, { VpcId: vpcId });
  const checks = [createGroup.group.onArn(groupArn, { context: addRequestTags(c, tags) })];
  if (vpcId) checks.push(createGroup.vpc.check(ctx, { VpcId: vpcId }, { context: vpcKeys(ctx, st, vpcId) }));
  return [...checks, ...tagOnCreate(ctx, "CreateSecurityGroup", groupArn, tags)];
};

// ---- volumes, snapshots, images ----

const snapshot = { snapshot: permission("ec2:CreateSnapshot", "snapshot"), volume: permission("ec2:CreateSnapshot", "volume") };

const createSnapshotRule: Rule = (input, ctx) => {
  const volumeId = str(input.VolumeId);
  if (volumeId === undefined) return [];
  const st = stateOf(ctx);
  const volume = own(st?.volumes, volumeId);
  const tags = specTags(input.TagSpecifications, "snapshot");
  const sc = base(ctx);
  sc["ec2:ParentVolume"] = arnOf.volume.arn(ctx, { VolumeId: volumeId });
  addKey(sc, "ec2:VolumeSize", volume?.Size);
  const snapshotArn = snapshot.snapshot.arn(ctx, { SnapshotId: "*" });
  return [
    snapshot.snapshot.onArn(snapshotArn, { context: addRequestTags(sc, tags) }),
    snapshot.volume.check(ctx, { VolumeId: volumeId }, { context: volumeKeys(ctx, st, volumeId) }),
    ...tagOnCreate(ctx, "CreateSnapshot", snapshotArn, tags),
  ];
};

const snapshots = {
  instance: permission("ec2:CreateSnapshots", "instance"),
  volume: permission("ec2:CreateSnapshots", "volume"),
  snapshot: permission("ec2:CreateSnapshots", "snapshot"),
};

const createSnapshotsRule: Rule = (input, ctx) => {
  const spec = obj(input.InstanceSpecification);
  const id = str(spec.InstanceId);
  if (id === undefined) return [];
  const st = stateOf(ctx);
  const inst = own(st?.instances, id);
  const excluded = new Set(strs(spec.ExcludeDataVolumeIds));
  const checks = [snapshots.instance.check(ctx, { InstanceId: id }, { context: instanceKeys(ctx, inst, id) })];
  for (const b of inst?.BlockDeviceMappings ?? []) {
    const vol = b.Ebs?.VolumeId;
    if (!vol) continue;
    const root = b.DeviceName === inst?.RootDeviceName;
    if ((root && spec.ExcludeBootVolume === true) || (!root && excluded.has(vol))) continue;
    checks.push(snapshots.volume.check(ctx, { VolumeId: vol }, { context: volumeKeys(ctx, st, vol) }));
  }
  const tags = specTags(input.TagSpecifications, "snapshot");
  const snapshotArn = snapshots.snapshot.arn(ctx, { SnapshotId: "*" });
  checks.push(snapshots.snapshot.onArn(snapshotArn, { context: addRequestTags(base(ctx), tags) }));
  return [...checks, ...tagOnCreate(ctx, "CreateSnapshots", snapshotArn, tags)];
};

const image = {
  image: permission("ec2:CreateImage", "image"),
  instance: permission("ec2:CreateImage", "instance"),
  snapshot: permission("ec2:CreateImage", "snapshot"),
};

const createImageRule: Rule = (input, ctx) => {
  const id = str(input.InstanceId);
  if (id === undefined) return [];
  const st = stateOf(ctx);
  const imageTags = specTags(input.TagSpecifications, "image");
  const snapshotTags = specTags(input.TagSpecifications, "snapshot");
  const imageArn = image.image.arn(ctx, { ImageId: "*" });
  const snapshotArn = image.snapshot.arn(ctx, { SnapshotId: "*" });
  return [
    image.image.onArn(imageArn, { context: addRequestTags(base(ctx), imageTags) }),
    image.instance.check(ctx, { InstanceId: id }, { context: instanceKeys(ctx, own(st?.instances, id), id) }),
    image.snapshot.onArn(snapshotArn, { context: addRequestTags(base(ctx), snapshotTags) }),
    ...tagOnCreate(ctx, "CreateImage", imageArn, imageTags),
    ...tagOnCreate(ctx, "CreateImage", snapshotArn, snapshotTags),
  ];
};

function oneSnapshot(action: string, sharing = false): Rule {
  const p = permission(action, "snapshot");
  return (input, ctx) => {
    const id = str(input.SnapshotId);
    if (id === undefined) return [];
    const c = snapshotKeys(ctx, stateOf(ctx), id);
    if (sharing) {
      // Sharing a snapshot with another account (exfiltration's usual path) is conditioned on who is added.
      const perm = obj(input.CreateVolumePermission);
      for (const [op, entries] of [
        ["Add", list(perm.Add)],
        ["Remove", list(perm.Remove)],
      ] as const) {
        const users = entries.flatMap((e) => strs([e.UserId]));
        const groups = entries.flatMap((e) => strs([e.Group]));
        if (users.length) c[`ec2:${op}/userId`] = users;
        if (groups.length) c[`ec2:${op}/group`] = groups;
      }
      const attribute = str(input.Attribute);
      if (attribute) c["ec2:Attribute"] = attribute;
    }
    return [p.check(ctx, { SnapshotId: id }, { context: c })];
  };
}

function oneImage(action: string): Rule {
  const p = permission(action, "image");
  return (input, ctx) => {
    const id = str(input.ImageId);
    if (id === undefined) return [];
    return [p.check(ctx, { ImageId: id }, { context: imageKeys(ctx, stateOf(ctx), id) })];
  };
}

// ---- key pairs ----

function newKeyPair(action: string): Rule {
  const p = permission(action, "key-pair");
  return (input, ctx) => {
    const name = str(input.KeyName);
    if (name === undefined) return [];
    const tags = specTags(input.TagSpecifications, "key-pair");
    const c = base(ctx);
    c["ec2:KeyPairName"] = name;
    if (action === "ec2:CreateKeyPair") c["ec2:KeyPairType"] = str(input.KeyType) ?? "rsa";
    const arn = p.arn(ctx, { KeyPairName: name });
    return [p.onArn(arn, { context: addRequestTags(c, tags) }), ...tagOnCreate(ctx, action.slice(4), arn, tags)];
  };
}

const deleteKeyPair = permission("ec2:DeleteKeyPair", "key-pair");

const deleteKeyPairRule: Rule = (input, ctx) => {
  const st = stateOf(ctx);
  const byId = str(input.KeyPairId);
  const name = byId !== undefined ? Object.values(st?.keyPairs ?? {}).find((k) => k.KeyPairId === byId)?.KeyName : str(input.KeyName);
  if (name === undefined) return byId !== undefined ? [deleteKeyPair.check(ctx, { KeyPairName: "*" }, { context: base(ctx) })] : [];
  return [deleteKeyPair.check(ctx, { KeyPairName: name }, { context: keyPairKeys(ctx, st, name) })];
};

// ---- network interfaces ----

const modifyEni = {
  eni: permission("ec2:ModifyNetworkInterfaceAttribute", "network-interface"),
  group: permission("ec2:ModifyNetworkInterfaceAttribute", "security-group"),
};

const modifyNetworkInterfaceRule: Rule = (input, ctx) => {
  const id = str(input.NetworkInterfaceId);
  if (id === undefined) return [];
  const st = stateOf(ctx);
  const c = interfaceKeys(ctx, st, id);
  const sdc = obj(input.SourceDestCheck).Value;
  if (typeof sdc === "boolean") c["ec2:Attribute/SourceDestCheck"] = sdc;
  const checks = [modifyEni.eni.check(ctx, { NetworkInterfaceId: id }, { context: c })];
  // Isolation swaps the interface's groups: each group it moves into is authorized too.
  for (const g of strs(input.Groups)) checks.push(modifyEni.group.check(ctx, { SecurityGroupId: g }, { context: groupKeys(ctx, st, g) }));
  return checks;
};

// ---- tags ----

interface Tagged {
  type: string;
  values: (id: string, st: Ec2State | undefined) => Record<string, string>;
  keys: (ctx: Ctx, st: Ec2State | undefined, id: string) => ContextValues;
}

const keyPairName = (id: string, st: Ec2State | undefined) => Object.values(st?.keyPairs ?? {}).find((k) => k.KeyPairId === id)?.KeyName ?? "*";

/** EC2 resources by id prefix (tags.ts), with their SAR resource type and keys. Longer prefixes first (sgr before sg). */
const TAGGED: [string, Tagged][] = [
  ["i-", { type: "instance", values: (id) => ({ InstanceId: id }), keys: (ctx, st, id) => instanceKeys(ctx, own(st?.instances, id), id) }],
  [
    "sgr-",
    {
      type: "security-group-rule",
      values: (id) => ({ SecurityGroupRuleId: id }),
      keys: (ctx, st, id) => addResourceTags(base(ctx), own(st?.securityGroupRules, id)?.Tags, RESOURCE_TAG),
    },
  ],
  ["sg-", { type: "security-group", values: (id) => ({ SecurityGroupId: id }), keys: groupKeys }],
  ["vol-", { type: "volume", values: (id) => ({ VolumeId: id }), keys: volumeKeys }],
  ["snap-", { type: "snapshot", values: (id) => ({ SnapshotId: id }), keys: snapshotKeys }],
  ["ami-", { type: "image", values: (id) => ({ ImageId: id }), keys: imageKeys }],
  [
    "key-",
    {
      type: "key-pair",
      values: (id, st) => ({ KeyPairName: keyPairName(id, st) }),
      keys: (ctx, st, id) => keyPairKeys(ctx, st, keyPairName(id, st)),
    },
  ],
  ["eni-", { type: "network-interface", values: (id) => ({ NetworkInterfaceId: id }), keys: interfaceKeys }],
  ["vpc-", { type: "vpc", values: (id) => ({ VpcId: id }), keys: vpcKeys }],
  ["subnet-", { type: "subnet", values: (id) => ({ SubnetId: id }), keys: subnetKeys }],
  [
    "fl-",
    {
      type: "vpc-flow-log",
      values: (id) => ({ VpcFlowLogId: id }),
      keys: (ctx, st, id) => addResourceTags(base(ctx), own(st?.flowLogs, id)?.Tags, RESOURCE_TAG),
    },
  ],
];

function tagging(action: "ec2:CreateTags" | "ec2:DeleteTags"): Rule {
  const perms = new Map(TAGGED.map(([prefix, t]) => [prefix, permission(action, t.type)]));
  return (input, ctx) => {
    const st = stateOf(ctx);
    const tags = list(input.Tags) as Tag[];
    const checks: AuthzCheck[] = [];
    for (const id of strs(input.Resources)) {
      const found = TAGGED.find(([prefix]) => id.startsWith(prefix));
      // An id of no type EC2 keeps: the handler refuses it (InvalidID); nothing to authorize it against.
      if (!found) continue;
      const [prefix, t] = found;
      const c = t.keys(ctx, st, id);
      if (action === "ec2:CreateTags") addRequestTags(c, tags);
      // DeleteTags: the keys being removed.
      else if (tags.length) c["aws:TagKeys"] = tags.flatMap((x) => strs([x.Key]));
      checks.push(perms.get(prefix)!.check(ctx, t.values(id, st), { context: c }));
    }
    return checks;
  };
}

// ---- the table ----

const rules: Record<string, Rule> = {
  DescribeRegions: anyResource("ec2:DescribeRegions"),
  DescribeAvailabilityZones: anyResource("ec2:DescribeAvailabilityZones"),
  DescribeAccountAttributes: anyResource("ec2:DescribeAccountAttributes"),
  DescribeInstances: anyResource("ec2:DescribeInstances"),
  DescribeInstanceStatus: anyResource("ec2:DescribeInstanceStatus"),
  DescribeSecurityGroups: anyResource("ec2:DescribeSecurityGroups"),
  DescribeSecurityGroupRules: anyResource("ec2:DescribeSecurityGroupRules"),
  DescribeVolumes: anyResource("ec2:DescribeVolumes"),
  DescribeSnapshots: anyResource("ec2:DescribeSnapshots"),
  DescribeImages: anyResource("ec2:DescribeImages"),
  DescribeKeyPairs: anyResource("ec2:DescribeKeyPairs"),
  DescribeNetworkInterfaces: anyResource("ec2:DescribeNetworkInterfaces"),
  DescribeVpcs: anyResource("ec2:DescribeVpcs"),
  DescribeSubnets: anyResource("ec2:DescribeSubnets"),
  DescribeFlowLogs: anyResource("ec2:DescribeFlowLogs"),
  DescribeIamInstanceProfileAssociations: anyResource("ec2:DescribeIamInstanceProfileAssociations"),
  DescribeTags: anyResource("ec2:DescribeTags"),
  DescribeInstanceAttribute: oneInstance("ec2:DescribeInstanceAttribute"),
  ModifyInstanceAttribute: modifyInstanceAttributeRule,
  ModifyInstanceMetadataOptions: oneInstance("ec2:ModifyInstanceMetadataOptions"),
  StopInstances: perInstance("ec2:StopInstances"),
  StartInstances: perInstance("ec2:StartInstances"),
  TerminateInstances: perInstance("ec2:TerminateInstances"),
  RunInstances: runInstancesRule,
  CreateSecurityGroup: createSecurityGroupRule,
  DeleteSecurityGroup: oneGroup("ec2:DeleteSecurityGroup", { byName: true }),
  AuthorizeSecurityGroupIngress: oneGroup("ec2:AuthorizeSecurityGroupIngress", { byName: true, ruleTags: true }),
  AuthorizeSecurityGroupEgress: oneGroup("ec2:AuthorizeSecurityGroupEgress", { ruleTags: true }),
  RevokeSecurityGroupIngress: oneGroup("ec2:RevokeSecurityGroupIngress", { byName: true }),
  RevokeSecurityGroupEgress: oneGroup("ec2:RevokeSecurityGroupEgress"),
  CreateSnapshot: createSnapshotRule,
  CreateSnapshots: createSnapshotsRule,
  CreateImage: createImageRule,
  DescribeSnapshotAttribute: oneSnapshot("ec2:DescribeSnapshotAttribute"),
  ModifySnapshotAttribute: oneSnapshot("ec2:ModifySnapshotAttribute", true),
  DescribeImageAttribute: oneImage("ec2:DescribeImageAttribute"),
  ModifyImageAttribute: oneImage("ec2:ModifyImageAttribute"),
  CreateKeyPair: newKeyPair("ec2:CreateKeyPair"),
  ImportKeyPair: newKeyPair("ec2:ImportKeyPair"),
  DeleteKeyPair: deleteKeyPairRule,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceRule,
  AssociateIamInstanceProfile: profileChange(associate, (input) => str(input.InstanceId)),
  ReplaceIamInstanceProfileAssociation: profileChange(replace, (input, st) => associatedInstance(st, str(input.AssociationId))),
  DisassociateIamInstanceProfile: profileChange(disassociate, (input, st) => associatedInstance(st, str(input.AssociationId))),
  CreateTags: tagging("ec2:CreateTags"),
  DeleteTags: tagging("ec2:DeleteTags"),
};

export const ec2Authorization = serviceAuthorization("ec2", rules);
