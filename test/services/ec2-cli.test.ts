/** The commands a responder types, through the real aws CLI: find the instance, read its user data, snapshot, require IMDSv2, terminate. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSITION_MS } from "../../emulator/services/ec2/lifecycle.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const WEB = "i-0a1b2c3d4e5f60001";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-02-01T12:00:00Z" });
});
afterAll(async () => {
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

  it("terminate-instances, then describe shows shutting-down become terminated", async () => {
    const r = await aws(server, ["ec2", "terminate-instances", "--instance-ids", WEB]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json().TerminatingInstances[0]).toMatchObject({
      InstanceId: WEB,
      PreviousState: { Name: "running" },
      CurrentState: { Code: 32, Name: "shutting-down" },
    });
    await new Promise((res) => setTimeout(res, TRANSITION_MS + 100));
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
