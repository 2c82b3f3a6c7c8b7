/** EC2's read side through SDK v3: every Describe* operation, its filters, paging and error codes, on the basic recording. */
import {
  DescribeAccountAttributesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeFlowLogsCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const WEB = "i-0a1b2c3d4e5f60001";
const WEB_SG = "sg-0a1b2c3d4e5f60001";

let server: TestServer;
let ec2: EC2Client;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
  ec2 = new EC2Client(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

const failure = sdkFailure;

const instanceIds = (out: { Reservations?: { Instances?: { InstanceId?: string }[] }[] }) =>
  (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);

describe("DescribeInstances", () => {
  it("filters by tag, state, instance profile and network interface", async () => {
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["web-*"] }] }));
    expect(instanceIds(byTag)).toEqual([WEB]);
    expect(byTag.Reservations?.[0]).toMatchObject({ ReservationId: "r-0a1b2c3d4e5f60001", OwnerId: "123456789012" });
    const none = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Name", Values: ["db-1"] }] }));
    expect(none.Reservations).toEqual([]);
    const stopped = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["stopped", "terminated"] }] }));
    expect(instanceIds(stopped)).toEqual([]);
    const byProfile = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "iam-instance-profile.arn", Values: ["arn:aws:iam::123456789012:instance-profile/web-app-profile"] }] }),
    );
    expect(instanceIds(byProfile)).toEqual([WEB]);
    const byEni = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: "network-interface.network-interface-id", Values: ["eni-0a1b2c3d4e5f60001"] },
          { Name: "network-interface.group-id", Values: [WEB_SG] },
        ],
      }),
    );
    expect(instanceIds(byEni)).toEqual([WEB]);
    const inst = byEni.Reservations?.[0]?.Instances?.[0];
    expect(inst?.NetworkInterfaces?.[0]?.Attachment?.DeviceIndex).toBe(0);
    expect(inst?.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeId)).toEqual(["vol-0a1b2c3d4e5f60001", "vol-0a1b2c3d4e5f60002"]);
    // Recording times move with the anchor: the launch is in the emulator's past.
    expect(inst?.LaunchTime?.getTime()).toBeLessThan(Date.parse("2026-02-01T12:00:00Z"));
  });

  it("answers unknown, malformed ids, unknown filters and bad page sizes with EC2's codes", async () => {
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0000000000000000f"] })))).toMatchObject({
      name: "InvalidInstanceID.NotFound",
      message: "The instance ID 'i-0000000000000000f' does not exist",
    });
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["web-1"] })))).name).toBe("InvalidInstanceID.Malformed");
    expect((await failure(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "colour", Values: ["red"] }] })))).name).toBe("InvalidParameterValue");
    expect((await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })))).name).toBe("InvalidParameterValue");
  });

  it("keeps regions apart: us-east-1 has no instances", async () => {
    const east = new EC2Client(server.sdk("us-east-1"));
    expect((await east.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect((await failure(east.send(new DescribeInstancesCommand({ InstanceIds: [WEB] })))).name).toBe("InvalidInstanceID.NotFound");
  });

  it("answers DryRun with DryRunOperation (HTTP 412)", async () => {
    expect(await failure(ec2.send(new DescribeInstancesCommand({ DryRun: true })))).toMatchObject({ name: "DryRunOperation", status: 412 });
  });
});

describe("DescribeInstanceAttribute and DescribeInstanceStatus", () => {
  it("returns user data base64-encoded, the group set and the flags", async () => {
    const ud = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "userData" }));
    expect(ud.InstanceId).toBe(WEB);
    expect(Buffer.from(ud.UserData?.Value ?? "", "base64").toString("utf8")).toContain("dnf install -y httpd");
    const groups = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "groupSet" }));
    expect(groups.Groups).toEqual([{ GroupId: WEB_SG, GroupName: "web" }]);
    const dat = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "disableApiTermination" }));
    expect(dat.DisableApiTermination?.Value).toBe(false);
    const type = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "instanceType" }));
    expect(type.InstanceType?.Value).toBe("t3.small");
    const bdm = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "blockDeviceMapping" }));
    expect(bdm.BlockDeviceMappings?.find((b) => b.DeviceName === "/dev/sdf")?.Ebs?.DeleteOnTermination).toBe(false);
    expect((await failure(ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: WEB, Attribute: "colour" as "userData" })))).name).toBe(
      "InvalidParameterValue",
    );
    expect((await failure(ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: "i-0000000000000000f", Attribute: "userData" })))).name).toBe(
      "InvalidInstanceID.NotFound",
    );
  });

  it("reports status checks for running instances", async () => {
    const out = await ec2.send(new DescribeInstanceStatusCommand({}));
    expect(out.InstanceStatuses).toHaveLength(1);
    expect(out.InstanceStatuses?.[0]).toMatchObject({
      InstanceId: WEB,
      AvailabilityZone: "ap-northeast-1a",
      InstanceState: { Name: "running", Code: 16 },
      InstanceStatus: { Status: "ok" },
      SystemStatus: { Status: "ok" },
    });
    const filtered = await ec2.send(new DescribeInstanceStatusCommand({ Filters: [{ Name: "instance-status.status", Values: ["impaired"] }] }));
    expect(filtered.InstanceStatuses).toEqual([]);
  });
});

describe("security groups", () => {
  it("derives IpPermissions from the rules", async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [WEB_SG] }));
    const g = out.SecurityGroups?.[0];
    expect(g).toMatchObject({ GroupName: "web", VpcId: "vpc-0a1b2c3d4e5f60001", OwnerId: "123456789012" });
    const ingress = Object.fromEntries((g?.IpPermissions ?? []).map((p) => [`${p.IpProtocol}/${p.FromPort}`, p]));
    expect(ingress["tcp/443"]?.IpRanges).toEqual([{ CidrIp: "0.0.0.0/0", Description: "HTTPS" }]);
    expect(ingress["tcp/22"]?.UserIdGroupPairs).toEqual([{ GroupId: "sg-0a1b2c3d4e5f60003", UserId: "123456789012", Description: "SSH from bastion" }]);
    expect(g?.IpPermissionsEgress).toEqual([
      { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    ]);
  });

  it("filters groups and pages rules", async () => {
    const open = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.cidr", Values: ["0.0.0.0/0"] }] }));
    expect(open.SecurityGroups?.map((g) => g.GroupName).sort()).toEqual(["bastion-ssh", "web"]);
    const http = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.from-port", Values: ["80"] }] }));
    expect(http.SecurityGroups?.map((g) => g.GroupName)).toEqual(["web"]);
    const byName = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }));
    expect(byName.SecurityGroups?.map((g) => g.GroupId)).toEqual(["sg-0a1b2c3d4e5f60002"]);
    const first = await ec2.send(new DescribeSecurityGroupRulesCommand({ MaxResults: 5 }));
    expect(first.SecurityGroupRules).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(new DescribeSecurityGroupRulesCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.SecurityGroupRules).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
    const webRules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [WEB_SG] }] }));
    expect(webRules.SecurityGroupRules?.map((r) => `${r.IsEgress ? "out" : "in"}:${r.IpProtocol}:${r.FromPort}`).sort()).toEqual([
      "in:tcp:22",
      "in:tcp:443",
      "in:tcp:80",
      "out:-1:-1",
    ]);
    expect(webRules.SecurityGroupRules?.[0]?.SecurityGroupRuleArn).toMatch(/^arn:aws:ec2:ap-northeast-1:123456789012:security-group-rule\/sgr-/);
  });

  it("answers unknown groups with InvalidGroup.NotFound", async () => {
    expect(await failure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-0000000000000000f"] })))).toMatchObject({
      name: "InvalidGroup.NotFound",
      message: "The security group 'sg-0000000000000000f' does not exist",
    });
  });
});

describe("volumes, snapshots, images and key pairs", () => {
  it("describes volumes by attachment", async () => {
    const out = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [WEB] }] }));
    expect(out.Volumes?.map((v) => v.VolumeId)).toEqual(["vol-0a1b2c3d4e5f60001", "vol-0a1b2c3d4e5f60002"]);
    expect(out.Volumes?.[0]?.Attachments?.[0]).toMatchObject({ Device: "/dev/xvda", State: "attached", DeleteOnTermination: true });
    const data = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:Name", Values: ["web-1-data"] }] }));
    expect(data.Volumes?.map((v) => v.Size)).toEqual([100]);
    expect((await failure(ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0000000000000000f"] })))).name).toBe("InvalidVolume.NotFound");
  });

  it("--owner-ids self keeps only this account's snapshots", async () => {
    const all = await ec2.send(new DescribeSnapshotsCommand({}));
    expect(all.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual(["snap-0a1b2c3d4e5f60001", "snap-0a1b2c3d4e5f60002", "snap-0a1b2c3d4e5f60003"]);
    const mine = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    expect(mine.Snapshots?.map((s) => s.SnapshotId).sort()).toEqual(["snap-0a1b2c3d4e5f60001", "snap-0a1b2c3d4e5f60003"]);
    expect(mine.Snapshots?.every((s) => s.OwnerId === "123456789012")).toBe(true);
    const amazon = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["amazon"] }));
    expect(amazon.Snapshots?.map((s) => s.OwnerAlias)).toEqual(["amazon"]);
    const byVolume = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "volume-id", Values: ["vol-0a1b2c3d4e5f60002"] }] }));
    expect(byVolume.Snapshots?.[0]).toMatchObject({ SnapshotId: "snap-0a1b2c3d4e5f60001", State: "completed", VolumeSize: 100 });
    expect(byVolume.Snapshots?.[0]?.StartTime).toBeInstanceOf(Date);
    expect(await failure(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-0000000000000000f"] })))).toMatchObject({
      name: "InvalidSnapshot.NotFound",
      message: "The snapshot 'snap-0000000000000000f' does not exist",
    });
  });

  it("--owners self keeps only this account's images", async () => {
    const mine = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    expect(mine.Images?.map((i) => i.ImageId)).toEqual(["ami-0a1b2c3d4e5f60001"]);
    const byId = await ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-0b5c74e235ed808b9"] }));
    expect(byId.Images?.[0]).toMatchObject({ ImageOwnerAlias: "amazon", Public: true, State: "available" });
    expect(await failure(ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-0000000000000000f"] })))).toMatchObject({
      name: "InvalidAMIID.NotFound",
      message: "The image id '[ami-0000000000000000f]' does not exist",
    });
    expect((await failure(ec2.send(new DescribeImagesCommand({ ImageIds: ["golden"] })))).name).toBe("InvalidAMIID.Malformed");
  });

  it("describes key pairs, with the public key only on request", async () => {
    const out = await ec2.send(new DescribeKeyPairsCommand({}));
    expect(out.KeyPairs?.map((k) => k.KeyName).sort()).toEqual(["ops-key", "web-key"]);
    expect(out.KeyPairs?.find((k) => k.KeyName === "ops-key")?.PublicKey).toBeUndefined();
    const withKey = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["ops-key"], IncludePublicKey: true }));
    expect(withKey.KeyPairs?.[0]?.PublicKey).toMatch(/^ssh-ed25519 /);
    const byType = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: "key-type", Values: ["rsa"] }] }));
    expect(byType.KeyPairs?.map((k) => k.KeyPairId)).toEqual(["key-0a1b2c3d4e5f60001"]);
    expect(await failure(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["attacker-key"] })))).toMatchObject({
      name: "InvalidKeyPair.NotFound",
      message: "The key pair 'attacker-key' does not exist",
    });
  });
});

describe("network and instance profiles", () => {
  it("describes network interfaces, VPCs, subnets and flow logs", async () => {
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [WEB] }] }));
    expect(enis.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual(["eni-0a1b2c3d4e5f60001"]);
    expect(enis.NetworkInterfaces?.[0]).toMatchObject({ Association: { PublicIp: "198.51.100.10" }, Groups: [{ GroupId: WEB_SG, GroupName: "web" }] });
    expect((await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-0000000000000000f"] })))).name).toBe(
      "InvalidNetworkInterfaceID.NotFound",
    );
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: ["prod-vpc"] }] }));
    expect(vpcs.Vpcs?.map((v) => [v.VpcId, v.CidrBlock, v.IsDefault])).toEqual([["vpc-0a1b2c3d4e5f60001", "10.0.0.0/16", false]]);
    expect((await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0000000000000000f"] })))).name).toBe("InvalidVpcID.NotFound");
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: ["vpc-0a1b2c3d4e5f60001"] }] }));
    expect(subnets.Subnets?.map((s) => [s.SubnetId, s.CidrBlock, s.MapPublicIpOnLaunch])).toEqual([["subnet-0a1b2c3d4e5f60001", "10.0.1.0/24", true]]);
    expect((await failure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0000000000000000f"] })))).name).toBe("InvalidSubnetID.NotFound");
    const logs = await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: ["vpc-0a1b2c3d4e5f60001"] }] }));
    expect(logs.FlowLogs?.[0]).toMatchObject({
      FlowLogId: "fl-0a1b2c3d4e5f60001",
      TrafficType: "ALL",
      LogDestinationType: "cloud-watch-logs",
      FlowLogStatus: "ACTIVE",
    });
    expect(logs.FlowLogs?.[0]?.CreationTime).toBeInstanceOf(Date);
  });

  it("describes instance profile associations", async () => {
    const out = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [WEB] }] }));
    expect(out.IamInstanceProfileAssociations).toEqual([
      expect.objectContaining({
        AssociationId: "iip-assoc-0a1b2c3d4e5f60001",
        State: "associated",
        IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/web-app-profile", Id: "AIPAEXAMPLEWEBAPP001" },
      }),
    ]);
  });

  it("describes tags across resource types", async () => {
    const onInstance = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [WEB] }] }));
    expect(onInstance.Tags).toEqual([{ ResourceId: WEB, ResourceType: "instance", Key: "Name", Value: "web-1" }]);
    const names = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["Name"] }] }));
    expect(new Set(names.Tags?.map((t) => t.ResourceType))).toEqual(
      new Set(["instance", "security-group", "volume", "snapshot", "image", "vpc", "subnet", "vpc-flow-log"]),
    );
    const keyPairs = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-type", Values: ["key-pair"] }] }));
    expect(keyPairs.Tags).toEqual([{ ResourceId: "key-0a1b2c3d4e5f60002", ResourceType: "key-pair", Key: "Team", Value: "ops" }]);
    const page = await ec2.send(new DescribeTagsCommand({ MaxResults: 5 }));
    expect(page.Tags).toHaveLength(5);
    expect(page.NextToken).toBeTruthy();
  });
});

describe("zones and account attributes", () => {
  it("lists the region's zones and reports no default VPC", async () => {
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones?.map((z) => [z.ZoneName, z.ZoneId, z.State])).toEqual([
      ["ap-northeast-1a", "apne1-az4", "available"],
      ["ap-northeast-1c", "apne1-az1", "available"],
      ["ap-northeast-1d", "apne1-az2", "available"],
    ]);
    expect((await failure(ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ["ap-northeast-1b"] })))).name).toBe("InvalidParameterValue");
    const attrs = await ec2.send(new DescribeAccountAttributesCommand({ AttributeNames: ["default-vpc", "supported-platforms"] }));
    expect(attrs.AccountAttributes).toEqual([
      { AttributeName: "default-vpc", AttributeValues: [{ AttributeValue: "none" }] },
      { AttributeName: "supported-platforms", AttributeValues: [{ AttributeValue: "VPC" }] },
    ]);
  });
});
