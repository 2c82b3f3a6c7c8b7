/**
 * The Automation containment a responder runs with the real aws CLI: check the fleet, start
 * AWSSupport-ContainEC2Instance on the basic scenario's instance, follow it to Success as the range's clock moves, and
 * see the instance's security groups replaced as AWS documents it. Each test has a fresh server.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const WEB = "i-0a1b2c3d4e5f60001";
const WEB_SG = "sg-0a1b2c3d4e5f60001";
const RESPONDER = "arn:aws:iam::123456789012:user/ir-responder";

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-03-01T12:00:00Z" });
});
afterEach(async () => {
  await server?.stop();
});

describe.skipIf(!hasAwsCli)("aws ssm against the emulator", () => {
  it("describe-instance-information lists the web instance as an online managed node", async () => {
    const out = await awsJson(server, ["ssm", "describe-instance-information"]);
    expect(out.InstanceInformationList).toHaveLength(1);
    expect(out.InstanceInformationList[0]).toMatchObject({
      InstanceId: WEB,
      PingStatus: "Online",
      PlatformType: "Linux",
      PlatformName: "Amazon Linux",
      ResourceType: "EC2Instance",
      IPAddress: "10.0.1.10",
    });
    // The CLI prints timestamps of JSON protocols as it received them: epoch seconds.
    expect(typeof out.InstanceInformationList[0].LastPingDateTime).toBe("number");
  });

  it("start-automation-execution AWSSupport-ContainEC2Instance, then get-automation-execution until Success", async () => {
    const started = await awsJson(server, [
      "ssm",
      "start-automation-execution",
      "--document-name",
      "AWSSupport-ContainEC2Instance",
      "--parameters",
      `InstanceId=${WEB},Action=Contain,DryRun=false,BackupS3BucketAccess=${RESPONDER}`,
    ]);
    const id = started.AutomationExecutionId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // The runbook's steps take the range's time: two minutes of it is ample.
    server.emulator.runtime.clock.advance(120_000);
    const got = await awsJson(server, ["ssm", "get-automation-execution", "--automation-execution-id", id]);
    const ex = got.AutomationExecution;
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect(ex.DocumentName).toBe("AWSSupport-ContainEC2Instance");
    expect(ex.ExecutedBy).toBe(RESPONDER);
    expect(ex.StepExecutions.every((s: { StepStatus: string }) => s.StepStatus === "Success")).toBe(true);
    const groupId = ex.Outputs["CreateContainmentSecurityGroup.GroupId"][0];

    // As documented: the instance's groups are replaced by a containment group that allows no traffic.
    const instance = (await awsJson(server, ["ec2", "describe-instances", "--instance-ids", WEB])).Reservations[0].Instances[0];
    expect(instance.SecurityGroups).toEqual([{ GroupId: groupId, GroupName: `AWSSupport-ContainEC2Instance-Containment-${id}` }]);
    expect(instance.SecurityGroups[0].GroupId).not.toBe(WEB_SG);
    const group = (await awsJson(server, ["ec2", "describe-security-groups", "--group-ids", groupId])).SecurityGroups[0];
    expect(group.IpPermissions).toEqual([]);
    expect(group.IpPermissionsEgress).toEqual([]);

    const steps = await awsJson(server, [
      "ssm",
      "describe-automation-step-executions",
      "--automation-execution-id",
      id,
      "--filters",
      "Key=StepName,Values=ApplyContainmentSecurityGroup",
    ]);
    expect(steps.StepExecutions).toHaveLength(1);
    expect(steps.StepExecutions[0]).toMatchObject({ Action: "aws:executeScript", StepStatus: "Success" });
  });

  it("get-automation-execution of an unknown execution prints AWS's error", async () => {
    const r = await aws(server, ["ssm", "get-automation-execution", "--automation-execution-id", "00000000-0000-4000-8000-000000000000"]);
    expect([254, 255]).toContain(r.status);
    expect(r.stderr.trim()).toBe(
      "An error occurred (AutomationExecutionNotFoundException) when calling the GetAutomationExecution operation: Automation Execution with id 00000000-0000-4000-8000-000000000000 not found",
    );
  });
});
