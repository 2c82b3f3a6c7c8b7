/** AMIs: describe, and CreateImage, which snapshots every EBS volume of the instance and registers them. */
import type {
  BlockDeviceMapping,
  CreateImageCommandInput,
  CreateImageCommandOutput,
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  Image,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { addMs, checkIdFormat, pageOf, requireParam, tagsFor } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { liveInstance, TRANSITION_MS } from "./lifecycle.ts";
import { ec2State, type StoredImage } from "./state.ts";
import { ownerMatches, snapshotVolume } from "./volumes.ts";

export function imageView(img: StoredImage, now: Date): Stored<Image> {
  const { ReadyAt, LaunchPermissions: _p, ...shown } = img;
  if (ReadyAt && Date.parse(ReadyAt) <= now.getTime() && shown.State === "pending") return { ...shown, State: "available" };
  return shown;
}

export const describeImages: OpHandler<DescribeImagesCommandInput, DescribeImagesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && input.ImageIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter ImageIds cannot be used with the parameter maxResults");
  }
  checkIdFormat(input.ImageIds, "ami", "InvalidAMIID.Malformed");
  let images = Object.values(state.images).map((i) => imageView({ ...i, OwnerId: i.OwnerId ?? ctx.accountId }, ctx.time));
  if (input.ImageIds?.length) {
    const ids = input.ImageIds;
    const missing = ids.filter((id) => !state.images[id]);
    // EC2 formats this one differently from the other NotFound errors: the ids in brackets.
    if (missing.length)
      throw new AwsError(
        "InvalidAMIID.NotFound",
        `The image id${missing.length > 1 ? "s" : ""} '[${missing.join(", ")}]' do${missing.length > 1 ? "" : "es"} not exist`,
      );
    images = images.filter((i) => ids.includes(i.ImageId ?? ""));
  }
  images = images.filter((i) => ownerMatches(input.Owners, ctx, i));
  if (input.ExecutableUsers?.length) {
    images = images.filter((i) => i.Public || input.ExecutableUsers?.some((u) => u === "all" || u === "self" || u === ctx.accountId));
  }
  if (!input.IncludeDeprecated && !input.ImageIds?.length) {
    images = images.filter((i) => !i.DeprecationTime || Date.parse(i.DeprecationTime) > ctx.time.getTime() || i.OwnerId === ctx.accountId);
  }
  images = applyFilters(images, input.Filters, {
    "image-id": (i) => i.ImageId,
    name: (i) => i.Name,
    description: (i) => i.Description,
    state: (i) => i.State,
    "owner-id": (i) => i.OwnerId,
    "owner-alias": (i) => i.ImageOwnerAlias,
    architecture: (i) => i.Architecture,
    "image-type": (i) => i.ImageType,
    "is-public": (i) => i.Public,
    platform: (i) => i.Platform,
    "platform-details": (i) => i.PlatformDetails,
    "root-device-name": (i) => i.RootDeviceName,
    "root-device-type": (i) => i.RootDeviceType,
    "virtualization-type": (i) => i.VirtualizationType,
    hypervisor: (i) => i.Hypervisor,
    "creation-date": (i) => i.CreationDate,
    "source-instance-id": (i) => i.SourceInstanceId,
    "block-device-mapping.snapshot-id": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.SnapshotId),
    "block-device-mapping.device-name": (i) => i.BlockDeviceMappings?.map((b) => b.DeviceName),
    "block-device-mapping.volume-size": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeSize),
    "block-device-mapping.volume-type": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeType),
    "block-device-mapping.encrypted": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.Encrypted),
  });
  const { page, next } = pageOf(images, input, "DescribeImages");
  return { Images: page as Image[], NextToken: next };
};

export const createImage: OpHandler<CreateImageCommandInput, CreateImageCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const name = requireParam(input.Name, "Name");
  const inst = liveInstance(state, input.InstanceId, ctx.time);
  if (!/^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/.test(name)) {
    throw new AwsError(
      "InvalidAMIName.Malformed",
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
    );
  }
  const clash = Object.values(state.images).find((i) => i.Name === name && (i.OwnerId ?? ctx.accountId) === ctx.accountId);
  if (clash) throw new AwsError("InvalidAMIName.Duplicate", `AMI name ${name} is already in use by AMI ${clash.ImageId}`);
  const st = inst.State?.Name;
  if (st !== "running" && st !== "stopped") {
    throw new AwsError("IncorrectInstanceState", `The instance '${inst.InstanceId}' is not in a state from which an image can be created.`);
  }
  const imageTags = tagsFor(input.TagSpecifications, "image");
  const snapTags = tagsFor(input.TagSpecifications, "snapshot");
  const imageId = resourceId("ami");
  const mappings: Stored<BlockDeviceMapping>[] = [];
  for (const b of inst.BlockDeviceMappings ?? []) {
    const vol = state.volumes[b.Ebs?.VolumeId ?? ""];
    if (!vol) continue;
    const override = input.BlockDeviceMappings?.find((m) => m.DeviceName === b.DeviceName);
    if (override?.NoDevice !== undefined) continue;
    // The description EC2 writes on the snapshots it takes for an AMI.
    const snap = snapshotVolume(state, vol, ctx, `Created by CreateImage(${inst.InstanceId}) for ${imageId}`, snapTags);
    mappings.push({
      DeviceName: b.DeviceName,
      Ebs: {
        SnapshotId: snap.SnapshotId,
        VolumeSize: vol.Size,
        VolumeType: vol.VolumeType,
        DeleteOnTermination: override?.Ebs?.DeleteOnTermination ?? true,
        Encrypted: vol.Encrypted ?? false,
        ...(vol.Iops && vol.VolumeType !== "gp2" ? { Iops: vol.Iops } : {}),
      },
    });
  }
  const source = state.images[inst.ImageId ?? ""];
  state.images[imageId] = {
    ImageId: imageId,
    ImageLocation: `${ctx.accountId}/${name}`,
    State: "pending",
    OwnerId: ctx.accountId,
    CreationDate: ctx.time.toISOString(),
    Public: false,
    Architecture: inst.Architecture ?? "x86_64",
    ImageType: "machine",
    Name: name,
    Description: input.Description,
    RootDeviceType: "ebs",
    RootDeviceName: inst.RootDeviceName ?? "/dev/xvda",
    BlockDeviceMappings: mappings,
    VirtualizationType: inst.VirtualizationType ?? "hvm",
    Hypervisor: inst.Hypervisor ?? "xen",
    EnaSupport: inst.EnaSupport ?? true,
    PlatformDetails: inst.PlatformDetails ?? source?.PlatformDetails ?? "Linux/UNIX",
    UsageOperation: inst.UsageOperation ?? "RunInstances",
    ...(inst.Platform ? { Platform: inst.Platform } : {}),
    SourceInstanceId: inst.InstanceId,
    Tags: imageTags,
    ReadyAt: addMs(ctx.time, TRANSITION_MS),
  };
  return { ImageId: imageId };
};
