/** EBS volumes and snapshots. Snapshots start "pending" and read as "completed" once their ReadyAt has passed. */
import type {
  CreateSnapshotCommandInput,
  CreateSnapshotCommandOutput,
  CreateSnapshotsCommandInput,
  CreateSnapshotsCommandOutput,
  DescribeSnapshotsCommandInput,
  DescribeSnapshotsCommandOutput,
  DescribeVolumesCommandInput,
  DescribeVolumesCommandOutput,
  Snapshot,
  SnapshotInfo,
  Tag,
  Volume,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { addMs, checkIdFormat, lookup, pageOf, requireParam, tagsFor } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { liveInstance, TRANSITION_MS } from "./lifecycle.ts";
import { type Ec2State, ec2State, type StoredSnapshot } from "./state.ts";

export const describeVolumes: OpHandler<DescribeVolumesCommandInput, DescribeVolumesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && input.VolumeIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults");
  }
  checkIdFormat(input.VolumeIds, "vol", "InvalidVolumeID.Malformed");
  let vols = input.VolumeIds?.length ? lookup(state.volumes, input.VolumeIds, "InvalidVolume.NotFound", "volume") : Object.values(state.volumes);
  vols = applyFilters(vols, input.Filters, {
    "volume-id": (v) => v.VolumeId,
    "attachment.instance-id": (v) => v.Attachments?.map((a) => a.InstanceId),
    "attachment.device": (v) => v.Attachments?.map((a) => a.Device),
    "attachment.status": (v) => v.Attachments?.map((a) => a.State),
    "attachment.attach-time": (v) => v.Attachments?.map((a) => a.AttachTime),
    "attachment.delete-on-termination": (v) => v.Attachments?.map((a) => a.DeleteOnTermination),
    "availability-zone": (v) => v.AvailabilityZone,
    "create-time": (v) => v.CreateTime,
    encrypted: (v) => v.Encrypted,
    "multi-attach-enabled": (v) => v.MultiAttachEnabled,
    size: (v) => v.Size,
    "snapshot-id": (v) => v.SnapshotId,
    status: (v) => v.State,
    "volume-type": (v) => v.VolumeType,
  });
  const { page, next } = pageOf(vols, input, "DescribeVolumes");
  return { Volumes: page as Volume[], NextToken: next };
};

/** A snapshot as it reads at `now`. */
export function snapshotView(s: StoredSnapshot, now: Date): Stored<Snapshot> {
  const { ReadyAt, CreateVolumePermissions: _p, ...shown } = s;
  if (ReadyAt && Date.parse(ReadyAt) <= now.getTime() && shown.State === "pending") return { ...shown, State: "completed", Progress: "100%" };
  return shown;
}

/** Owner aliases and ids as DescribeSnapshots/DescribeImages take them ("self", "amazon", an account id). */
export function ownerMatches(ownerIds: string[] | undefined, ctx: RequestContext, item: { OwnerId?: string; OwnerAlias?: string }): boolean {
  if (!ownerIds?.length) return true;
  return ownerIds.some((o) =>
    o === "self" ? item.OwnerId === ctx.accountId : o === "amazon" || o === "aws-marketplace" ? item.OwnerAlias === o : item.OwnerId === o,
  );
}

export const describeSnapshots: OpHandler<DescribeSnapshotsCommandInput, DescribeSnapshotsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  checkIdFormat(input.SnapshotIds, "snap", "InvalidSnapshotID.Malformed");
  for (const o of input.OwnerIds ?? []) {
    if (!/^(self|amazon|aws-marketplace|\d{12})$/.test(o)) throw new AwsError("InvalidUserID.Malformed", `Invalid user id: "${o}"`);
  }
  let snaps = input.SnapshotIds?.length ? lookup(state.snapshots, input.SnapshotIds, "InvalidSnapshot.NotFound", "snapshot") : Object.values(state.snapshots);
  // Snapshots of other accounts in state are ones shared with or made public to this one.
  snaps = snaps.filter((s) => ownerMatches(input.OwnerIds, ctx, { OwnerId: s.OwnerId ?? ctx.accountId, OwnerAlias: s.OwnerAlias }));
  if (input.RestorableByUserIds?.length) {
    // Restorable by a user: owned by them, shared with them, or shared with "all".
    const users = input.RestorableByUserIds.map((u) => (u === "self" ? ctx.accountId : u));
    snaps = snaps.filter((s) =>
      users.some((u) => (s.OwnerId ?? ctx.accountId) === u || s.CreateVolumePermissions?.some((p) => p.Group === "all" || p.UserId === u)),
    );
  }
  let views = snaps.map((s) => snapshotView({ ...s, OwnerId: s.OwnerId ?? ctx.accountId }, ctx.time));
  views = applyFilters(views, input.Filters, {
    "snapshot-id": (s) => s.SnapshotId,
    "volume-id": (s) => s.VolumeId,
    "volume-size": (s) => s.VolumeSize,
    "owner-id": (s) => s.OwnerId,
    "owner-alias": (s) => s.OwnerAlias,
    status: (s) => s.State,
    progress: (s) => s.Progress,
    description: (s) => s.Description,
    "start-time": (s) => s.StartTime,
    encrypted: (s) => s.Encrypted,
    "storage-tier": (s) => s.StorageTier,
  });
  const { page, next } = pageOf(views, input, "DescribeSnapshots");
  return { Snapshots: page as Snapshot[], NextToken: next };
};

export function volumeById(state: Ec2State, id: string | undefined): Stored<Volume> {
  const volumeId = requireParam(id, "VolumeId");
  checkIdFormat([volumeId], "vol", "InvalidVolumeID.Malformed");
  return lookup(state.volumes, [volumeId], "InvalidVolume.NotFound", "volume")[0];
}

/** Records a snapshot of a volume, pending until TRANSITION_MS later. */
export function snapshotVolume(state: Ec2State, vol: Stored<Volume>, ctx: RequestContext, description: string, tags: Tag[] | undefined): StoredSnapshot {
  const id = resourceId("snap");
  const snap: StoredSnapshot = {
    SnapshotId: id,
    VolumeId: vol.VolumeId,
    VolumeSize: vol.Size,
    State: "pending",
    Progress: "0%",
    StartTime: ctx.time.toISOString(),
    OwnerId: ctx.accountId,
    Description: description,
    Encrypted: vol.Encrypted ?? false,
    ...(vol.KmsKeyId ? { KmsKeyId: vol.KmsKeyId } : {}),
    StorageTier: "standard",
    Tags: tags,
    ReadyAt: addMs(ctx.time, TRANSITION_MS),
  };
  state.snapshots[id] = snap;
  return snap;
}

export const createSnapshot: OpHandler<CreateSnapshotCommandInput, CreateSnapshotCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const vol = volumeById(state, input.VolumeId);
  const tags = tagsFor(input.TagSpecifications, "snapshot");
  if (vol.State !== "in-use" && vol.State !== "available") {
    throw new AwsError("IncorrectState", `The volume '${vol.VolumeId}' is not in a state from which a snapshot can be created.`);
  }
  return snapshotView(snapshotVolume(state, vol, ctx, input.Description ?? "", tags), ctx.time) as Omit<CreateSnapshotCommandOutput, "$metadata">;
};

export const createSnapshots: OpHandler<CreateSnapshotsCommandInput, CreateSnapshotsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const spec = requireParam(input.InstanceSpecification, "InstanceSpecification");
  const inst = liveInstance(state, spec.InstanceId, ctx.time);
  if (inst.State?.Name === "terminated" || inst.State?.Name === "shutting-down") {
    throw new AwsError("IncorrectState", `The instance '${inst.InstanceId}' is not in a state from which snapshots can be created.`);
  }
  const excluded = new Set(spec.ExcludeDataVolumeIds ?? []);
  for (const id of excluded) {
    if (!(inst.BlockDeviceMappings ?? []).some((b) => b.Ebs?.VolumeId === id)) {
      throw new AwsError("InvalidParameterValue", `The volume '${id}' is not attached to instance '${inst.InstanceId}'.`);
    }
  }
  const tags = tagsFor(input.TagSpecifications, "snapshot");
  const mappings = (inst.BlockDeviceMappings ?? []).filter((b) => {
    const root = b.DeviceName === inst.RootDeviceName;
    return b.Ebs?.VolumeId && state.volumes[b.Ebs.VolumeId] && !(root && spec.ExcludeBootVolume) && !(!root && excluded.has(b.Ebs.VolumeId));
  });
  const infos: Stored<SnapshotInfo>[] = mappings.map((b) => {
    const vol = state.volumes[b.Ebs?.VolumeId ?? ""];
    const copied = input.CopyTagsFromSource === "volume" ? [...(vol.Tags ?? []), ...(tags ?? [])] : tags;
    const s = snapshotView(snapshotVolume(state, vol, ctx, input.Description ?? "", copied?.length ? copied : undefined), ctx.time);
    return {
      SnapshotId: s.SnapshotId,
      VolumeId: s.VolumeId,
      VolumeSize: s.VolumeSize,
      State: s.State,
      Progress: s.Progress,
      StartTime: s.StartTime,
      OwnerId: s.OwnerId,
      Description: s.Description,
      Encrypted: s.Encrypted,
      Tags: s.Tags,
    };
  });
  return { Snapshots: infos as SnapshotInfo[] };
};
