/**
 * The commands a responder types, through the real aws CLI: find the instance, read its user data, snapshot,
 * require IMDSv2, isolate, terminate. Each test has a fresh server; setup and pure-API checks go through SDK v3.
 */
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceMetadataOptionsCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TRANSITION_MS } from "../../emulator/services/ec2/lifecycle.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const WEB = "i-0a1b2c3d4e5f60001";
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

describe.skipIf(!hasAwsCli)("aws ec2 against the emulator", () => {
  it("describe-instances --filters Name=tag:Name,Values=web-1", async () => {
    const r = await aws(server, ["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=web-1"]);
    expect(r.status, r.stderr).toBe(0);
    const inst = r.json().Reservations[0].Instances[0];
    expect(inst).toMatchObject({ InstanceId: WEB, State: { Name: "running" }, PublicIpAddress: "198.51.100.10", KeyName: "web-key" });
    expect(inst.IamInstanceProfile.Arn).toBe("arn:aws:iam::123456789012:instance-profile/web-app-profile");
  });

  it("describe-instance-attribute --attribute userData", async () => {
    const r = await aws(server, ["ec2", "describe-instance-attribute", "--instance-id", WEB, "--attribute", "userData"]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json();
    expect(out.InstanceId).toBe(WEB);
    expect(Buffer.from(out.UserData.Value, "base64").toString()).toMatch(/^#!\/bin\/bash\n/);
  });

  it("create-snapshot, and an unknown volume's error", async () => {
    const r = await aws(server, ["ec2", "create-snapshot", "--volume-id", "vol-0a1b2c3d4e5f60002", "--description", "IR evidence web-1 data"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ VolumeId: "vol-0a1b2c3d4e5f60002", State: "pending", OwnerId: "123456789012", Description: "IR evidence web-1 data" });
    const bad = await aws(server, ["ec2", "create-snapshot", "--volume-id", "vol-0000000000000000f"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("(InvalidVolume.NotFound)");
  });

  it("modify-instance-metadata-options --http-tokens required", async () => {
    const r = await aws(server, ["ec2", "modify-instance-metadata-options", "--instance-id", WEB, "--http-tokens", "required", "--http-endpoint", "enabled"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().InstanceMetadataOptions).toMatchObject({ HttpTokens: "required", State: "pending" });
  });

  it("isolates an instance: revoke-security-group-egress in shorthand, then modify-instance-attribute --groups", async () => {
    const { GroupId: iso } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "ir-isolation", Description: "no traffic", VpcId: VPC }));
    const revoke = await aws(server, [
      "ec2",
      "revoke-security-group-egress",
      "--group-id",
      iso!,
      "--ip-permissions",
      "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]",
    ]);
    expect(revoke.status, revoke.stderr).toBe(0);
    expect(revoke.json().Return).toBe(true);
    const modify = await aws(server, ["ec2", "modify-instance-attribute", "--instance-id", WEB, "--groups", iso!]);
    expect(modify.status, modify.stderr).toBe(0);
    expect(modify.stdout.trim()).toBe("");

    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB] }))).Reservations?.[0]?.Instances?.[0];
    expect([inst?.SecurityGroups?.map((g) => g.GroupId), inst?.NetworkInterfaces?.[0]?.Groups?.map((g) => g.GroupId)]).toEqual([[iso], [iso]]);
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [iso!] }))).SecurityGroups?.[0];
    expect([group?.IpPermissions, group?.IpPermissionsEgress]).toEqual([[], []]);
  });

  it("terminate-instances, then describe shows shutting-down become terminated, IMDSv2 kept", async () => {
    await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: WEB, HttpTokens: "required" }));
    const r = await aws(server, ["ec2", "terminate-instances", "--instance-ids", WEB]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().TerminatingInstances[0]).toMatchObject({
      InstanceId: WEB,
      PreviousState: { Name: "running" },
      CurrentState: { Code: 32, Name: "shutting-down" },
    });
    server.emulator.runtime.clock.advance(TRANSITION_MS);
    const d = await aws(server, [
      "ec2",
      "describe-instances",
      "--instance-ids",
      WEB,
      "--query",
      "Reservations[].Instances[].[State.Name,MetadataOptions.HttpTokens]",
    ]);
    expect(d.status, d.stderr).toBe(0);
    expect(d.json()).toEqual([["terminated", "required"]]);
  });
});
