/**
 * Who else can use a snapshot or an image: createVolumePermission and launchPermission. Sharing a snapshot or
 * an AMI with another account (or with "all") is how data leaves an account, so responders look here.
 */
import type {
  DescribeImageAttributeCommandInput,
  DescribeImageAttributeCommandOutput,
  DescribeSnapshotAttributeCommandInput,
  DescribeSnapshotAttributeCommandOutput,
  ModifyImageAttributeCommandInput,
  ModifyImageAttributeCommandOutput,
  ModifySnapshotAttributeCommandInput,
  ModifySnapshotAttributeCommandOutput,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { checkIdFormat, notFound, requireParam } from "./common.ts";
import { ec2State, type StoredImage, type StoredSnapshot } from "./state.ts";

type Permission = { UserId?: string; Group?: "all" };

function snapshotOf(ctx: RequestContext, id: string | undefined): StoredSnapshot {
  const snapshotId = requireParam(id, "SnapshotId");
  checkIdFormat([snapshotId], "snap", "InvalidSnapshotID.Malformed");
  const snap = ec2State(ctx).snapshots[snapshotId];
  if (!snap) throw notFound("InvalidSnapshot.NotFound", "snapshot", [snapshotId]);
  return snap;
}

function imageOf(ctx: RequestContext, id: string | undefined): StoredImage {
  const imageId = requireParam(id, "ImageId");
  checkIdFormat([imageId], "ami", "InvalidAMIID.Malformed");
  const img = ec2State(ctx).images[imageId];
  if (!img) throw new AwsError("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  return img;
}

/** The permissions a Modify call adds and removes, from either its structured or its flat parameters. */
function changesOf(
  structured: { Add?: Permission[]; Remove?: Permission[] } | undefined,
  operation: string | undefined,
  userIds: string[] | undefined,
  groups: string[] | undefined,
): { add: Permission[]; remove: Permission[] } {
  const flat: Permission[] = [...(userIds ?? []).map((UserId) => ({ UserId })), ...(groups ?? []).map((g) => ({ Group: g as "all" }))];
  if (flat.length && operation !== "add" && operation !== "remove")
    throw new AwsError("MissingParameter", "The request must contain the parameter operationType");
  const add = [...(structured?.Add ?? []), ...(operation === "add" ? flat : [])];
  const remove = [...(structured?.Remove ?? []), ...(operation === "remove" ? flat : [])];
  for (const p of [...add, ...remove]) {
    if (p.Group !== undefined && p.Group !== "all")
      throw new AwsError("InvalidParameterValue", `Value (${p.Group}) for parameter group is invalid. Valid value is 'all'.`);
    if (p.UserId !== undefined && !/^\d{12}$/.test(p.UserId)) throw new AwsError("InvalidUserID.Malformed", `Invalid user id: "${p.UserId}"`);
  }
  if (add.length === 0 && remove.length === 0) throw new AwsError("MissingParameter", "No permission modifications were specified");
  return { add, remove };
}

const same = (a: Permission, b: Permission) => a.UserId === b.UserId && a.Group === b.Group;

function applyChanges(current: Permission[] | undefined, { add, remove }: { add: Permission[]; remove: Permission[] }): Permission[] {
  const next = (current ?? []).filter((p) => !remove.some((r) => same(p, r)));
  for (const p of add) if (!next.some((n) => same(n, p))) next.push(p.Group ? { Group: "all" } : { UserId: p.UserId });
  return next;
}

function requireOwned(ctx: RequestContext, ownerId: string | undefined, what: string): void {
  if (ownerId && ownerId !== ctx.accountId) throw new AwsError("AuthFailure", `Not authorized for ${what}`);
}

export const describeSnapshotAttribute: OpHandler<DescribeSnapshotAttributeCommandInput, DescribeSnapshotAttributeCommandOutput> = (input, ctx) => {
  const attribute = requireParam(input.Attribute, "Attribute");
  const snap = snapshotOf(ctx, input.SnapshotId);
  if (attribute === "createVolumePermission") return { SnapshotId: snap.SnapshotId, CreateVolumePermissions: snap.CreateVolumePermissions ?? [] };
  if (attribute === "productCodes") return { SnapshotId: snap.SnapshotId, ProductCodes: [] };
  throw new AwsError("InvalidParameterValue", `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
};

export const modifySnapshotAttribute: OpHandler<ModifySnapshotAttributeCommandInput, ModifySnapshotAttributeCommandOutput> = (input, ctx) => {
  const snap = snapshotOf(ctx, input.SnapshotId);
  if (input.Attribute && input.Attribute !== "createVolumePermission") {
    throw new AwsError("InvalidParameterValue", `Value (${input.Attribute}) for parameter attribute is invalid. Only createVolumePermission can be modified.`);
  }
  requireOwned(ctx, snap.OwnerId, `snapshot ${snap.SnapshotId}`);
  const changes = changesOf(input.CreateVolumePermission, input.OperationType, input.UserIds, input.GroupNames);
  snap.CreateVolumePermissions = applyChanges(snap.CreateVolumePermissions, changes);
  return {};
};

export const describeImageAttribute: OpHandler<DescribeImageAttributeCommandInput, DescribeImageAttributeCommandOutput> = (input, ctx) => {
  const attribute = requireParam(input.Attribute, "Attribute");
  const img = imageOf(ctx, input.ImageId);
  const base = { ImageId: img.ImageId };
  switch (attribute) {
    case "launchPermission":
      return { ...base, LaunchPermissions: img.LaunchPermissions ?? (img.Public ? [{ Group: "all" as const }] : []) };
    case "description":
      return { ...base, Description: img.Description !== undefined ? { Value: img.Description } : {} };
    case "blockDeviceMapping":
      return { ...base, BlockDeviceMappings: (img.BlockDeviceMappings ?? []) as DescribeImageAttributeCommandOutput["BlockDeviceMappings"] };
    case "productCodes":
      return { ...base, ProductCodes: [] };
    case "kernel":
      return { ...base, KernelId: img.KernelId ? { Value: img.KernelId } : {} };
    case "ramdisk":
      return { ...base, RamdiskId: img.RamdiskId ? { Value: img.RamdiskId } : {} };
    case "sriovNetSupport":
      return { ...base, SriovNetSupport: img.SriovNetSupport ? { Value: img.SriovNetSupport } : {} };
    case "bootMode":
      return { ...base, BootMode: img.BootMode ? { Value: img.BootMode } : {} };
    case "imdsSupport":
      return { ...base, ImdsSupport: img.ImdsSupport ? { Value: img.ImdsSupport } : {} };
    case "lastLaunchedTime":
      return { ...base, LastLaunchedTime: img.LastLaunchedTime ? { Value: img.LastLaunchedTime } : {} };
    default:
      throw new AwsError("InvalidParameterValue", `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
  }
};

export const modifyImageAttribute: OpHandler<ModifyImageAttributeCommandInput, ModifyImageAttributeCommandOutput> = (input, ctx) => {
  const img = imageOf(ctx, input.ImageId);
  requireOwned(ctx, img.OwnerId, `image ${img.ImageId}`);
  const attribute = input.Attribute ?? (input.Description ? "description" : "launchPermission");
  if (attribute === "description") {
    const value = input.Description?.Value ?? input.Value;
    if (value === undefined) throw new AwsError("MissingParameter", "The request must contain the parameter description");
    img.Description = value;
    return {};
  }
  if (attribute !== "launchPermission") throw new AwsError("InvalidParameterValue", `Value (${attribute}) for parameter attribute is invalid.`);
  const changes = changesOf(input.LaunchPermission, input.OperationType, input.UserIds, input.UserGroups);
  const current = img.LaunchPermissions ?? (img.Public ? [{ Group: "all" as const }] : []);
  img.LaunchPermissions = applyChanges(current, changes);
  // A launch permission for "all" is what makes an AMI public.
  img.Public = img.LaunchPermissions.some((p) => p.Group === "all");
  return {};
};
