/**
 * SSM Automation and the fleet inventory through SDK v3, on the basic scenario: the runbooks as documents, executions
 * carried out over the range's clock (never over wall time: the tests advance it), each step's API calls made through
 * the range's request path as the assumed role or the caller (authorized, journaled with invokedBy ssm.amazonaws.com),
 * failures as AWS words them, and which instances are managed nodes.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type AutomationExecution,
  DescribeAutomationExecutionsCommand,
  DescribeAutomationStepExecutionsCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetAutomationExecutionCommand,
  GetDocumentCommand,
  ListDocumentsCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
} from "@aws-sdk/client-ssm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { JournalRecord } from "../../emulator/core/records.ts";
import { emptySsmState, type SsmState } from "../../emulator/services/ssm/state.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { sdkFailure } from "../helpers/failure.ts";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const WEB = "i-0a1b2c3d4e5f60001";
const WEB_SG = "sg-0a1b2c3d4e5f60001";
const DEFAULT_SG = "sg-0a1b2c3d4e5f60002";
const RESPONDER = `arn:aws:iam::${ACCOUNT}:user/ir-responder`;
const ROLE = "AutomationServiceRole";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;

const SSM_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const allow = (actions: string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] });

let server: TestServer;
let ssm: SSMClient;
let ec2: EC2Client;
let iam: IAMClient;

beforeEach(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2026-03-01T12:00:00Z" });
  ssm = new SSMClient(server.sdk());
  ec2 = new EC2Client(server.sdk());
  iam = new IAMClient(server.sdk("us-east-1"));
});

afterEach(async () => {
  await server.stop(true);
});

const advance = (ms: number) => server.emulator.runtime.clock.advance(ms);

async function execution(id: string): Promise<AutomationExecution> {
  const out = await ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id }));
  return out.AutomationExecution ?? {};
}

async function start(document: string, parameters: Record<string, string[]>): Promise<string> {
  const out = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: document, Parameters: parameters }));
  return out.AutomationExecutionId ?? "";
}

/** Moves the clock a second at a time until the execution has finished; how it ended. */
async function runToEnd(id: string, limitMs = 600_000): Promise<AutomationExecution> {
  for (let waited = 0; waited <= limitMs; waited += 5000) {
    const ex = await execution(id);
    if (["Success", "Failed", "Cancelled", "TimedOut"].includes(ex.AutomationExecutionStatus ?? "")) return ex;
    advance(5000);
  }
  throw new Error(`execution ${id} did not finish within ${limitMs} ms of emulator time`);
}

/** The journal's records of calls SSM made on a principal's behalf (not its own AssumeRole, made as the service). */
const ssmCalls = () =>
  [...server.emulator.runtime.journal].filter((r) => {
    const who = r.userIdentity as Record<string, unknown>;
    return who?.invokedBy === "ssm.amazonaws.com" && who.type !== "AWSService";
  });
const identityOf = (r: JournalRecord) => r.userIdentity as Record<string, unknown>;

/** A role SSM may assume, with the given permissions. */
async function automationRole(actions: string[], trust = SSM_TRUST): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: "automation", PolicyDocument: allow(actions) }));
}

async function instance() {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB] }));
  return out.Reservations?.[0]?.Instances?.[0] ?? {};
}

describe("the runbooks", () => {
  it("lists AWS's runbooks and the ASR solution's, filters and pages them", async () => {
    const all = await ssm.send(new ListDocumentsCommand({}));
    const names = (all.DocumentIdentifiers ?? []).map((d) => d.Name);
    expect(names).toEqual([
      "ASR-ConfigureS3BucketPublicAccessBlock",
      "ASR-DisableUnrestrictedAccessToHighRiskPorts",
      "ASR-EnableIMDSV2OnInstance",
      "ASR-RemoveVPCDefaultSecurityGroupRules",
      "ASR-RevokeUnauthorizedInboundRules",
      "ASR-RevokeUnrotatedKeys",
      "AWS-CreateImage",
      "AWS-DisablePublicAccessForSecurityGroup",
      "AWS-StopEC2Instance",
      "AWSSupport-ContainEC2Instance",
    ]);
    const contain = all.DocumentIdentifiers?.find((d) => d.Name === "AWSSupport-ContainEC2Instance");
    expect(contain).toMatchObject({
      Owner: "Amazon",
      DocumentType: "Automation",
      SchemaVersion: "0.3",
      DocumentFormat: "YAML",
      PlatformTypes: ["Windows", "Linux", "MacOS"],
    });
    // ASR's runbooks are the account's own, as when the solution is deployed in it.
    expect(all.DocumentIdentifiers?.find((d) => d.Name === "ASR-EnableIMDSV2OnInstance")?.Owner).toBe(ACCOUNT);

    const amazon = await ssm.send(new ListDocumentsCommand({ Filters: [{ Key: "Owner", Values: ["Amazon"] }] }));
    expect(amazon.DocumentIdentifiers?.map((d) => d.Name)).toEqual([
      "AWS-CreateImage",
      "AWS-DisablePublicAccessForSecurityGroup",
      "AWS-StopEC2Instance",
      "AWSSupport-ContainEC2Instance",
    ]);
    const self = await ssm.send(new ListDocumentsCommand({ DocumentFilterList: [{ key: "Owner", value: "Self" }] }));
    expect(self.DocumentIdentifiers?.every((d) => d.Name?.startsWith("ASR-"))).toBe(true);
    const named = await ssm.send(
      new ListDocumentsCommand({
        Filters: [
          { Key: "Name", Values: ["AWS-"] },
          { Key: "DocumentType", Values: ["Automation"] },
        ],
      }),
    );
    expect(named.DocumentIdentifiers).toHaveLength(3);
    const commands = await ssm.send(new ListDocumentsCommand({ Filters: [{ Key: "DocumentType", Values: ["Command"] }] }));
    expect(commands.DocumentIdentifiers).toEqual([]);

    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(new ListDocumentsCommand({ MaxResults: 4, NextToken: token }));
      expect(page.DocumentIdentifiers?.length).toBeLessThanOrEqual(4);
      paged.push(...(page.DocumentIdentifiers ?? []).map((d) => d.Name ?? ""));
      token = page.NextToken;
    } while (token);
    expect(paged).toEqual(names);

    const both = await sdkFailure(
      ssm.send(new ListDocumentsCommand({ Filters: [{ Key: "Owner", Values: ["Self"] }], DocumentFilterList: [{ key: "Owner", value: "Self" }] })),
    );
    expect(both.name).toBe("ValidationException");
  });

  it("describes a runbook's parameters and gives its content in its own format or the other", async () => {
    const { Document: d } = await ssm.send(new DescribeDocumentCommand({ Name: "AWSSupport-ContainEC2Instance" }));
    expect(d).toMatchObject({ Name: "AWSSupport-ContainEC2Instance", Owner: "Amazon", Status: "Active", DocumentType: "Automation", HashType: "Sha256" });
    expect(d?.Hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d?.Parameters?.map((p) => p.Name)).toEqual([
      "AutomationAssumeRole",
      "InstanceId",
      "Action",
      "DryRun",
      "CreateAMIBackup",
      "BackupS3BucketName",
      "BackupS3KeyName",
      "BackupS3BucketAccess",
      "TagIdentifier",
    ]);
    expect(d?.Parameters?.find((p) => p.Name === "DryRun")).toMatchObject({ Type: "String", DefaultValue: "true" });
    expect(d?.Parameters?.find((p) => p.Name === "BackupS3BucketAccess")).toMatchObject({ Type: "StringList", DefaultValue: "[]" });

    // AWS-StopEC2Instance is a JSON document; asked for YAML it is converted, the same document either way.
    const json = await ssm.send(new GetDocumentCommand({ Name: "AWS-StopEC2Instance" }));
    expect(json).toMatchObject({ DocumentFormat: "JSON", DocumentType: "Automation", DocumentVersion: "1", Status: "Active" });
    const content = JSON.parse(json.Content ?? "");
    expect(content.mainSteps.map((s: { name: string; action: string }) => `${s.name}:${s.action}`)).toEqual([
      "stopInstances:aws:changeInstanceState",
      "forceStopInstances:aws:changeInstanceState",
    ]);
    const yaml = await ssm.send(new GetDocumentCommand({ Name: "AWS-StopEC2Instance", DocumentFormat: "YAML" }));
    expect(yaml.DocumentFormat).toBe("YAML");
    expect(parseYaml(yaml.Content ?? "")).toEqual(content);
    // The range's notes on where a runbook came from are no part of its content.
    const asr = await ssm.send(new GetDocumentCommand({ Name: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/ASR-EnableIMDSV2OnInstance` }));
    expect(asr.Content?.startsWith("schemaVersion:")).toBe(true);
    expect(parseYaml(asr.Content ?? "").mainSteps[0].action).toBe("aws:executeScript");

    expect(await sdkFailure(ssm.send(new GetDocumentCommand({ Name: "AWS-NoSuchRunbook" })))).toMatchObject({
      name: "InvalidDocument",
      message: "The specified document does not exist.",
    });
    expect((await sdkFailure(ssm.send(new DescribeDocumentCommand({ Name: "AWS-StopEC2Instance", DocumentVersion: "7" })))).name).toBe(
      "InvalidDocumentVersion",
    );
  });
});

describe("describe-instance-information", () => {
  it("lists the running instance whose role allows the SSM Agent, as a managed node", async () => {
    const out = await ssm.send(new DescribeInstanceInformationCommand({}));
    expect(out.InstanceInformationList).toHaveLength(1);
    const node = out.InstanceInformationList?.[0];
    expect(node).toMatchObject({
      InstanceId: WEB,
      PingStatus: "Online",
      PlatformType: "Linux",
      PlatformName: "Amazon Linux",
      PlatformVersion: "2023",
      ResourceType: "EC2Instance",
      IPAddress: "10.0.1.10",
      ComputerName: "ip-10-0-1-10.ap-northeast-1.compute.internal",
      SourceId: WEB,
      SourceType: "AWS::EC2::Instance",
    });
    expect(node?.AgentVersion).toMatch(/^3\.\d+\.\d+\.\d+$/);
    // The agent pings every five minutes: its last ping is within the last five minutes of the range's clock.
    const age = server.emulator.runtime.clock.now().getTime() - (node?.LastPingDateTime?.getTime() ?? 0);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5 * 60_000);

    const filtered = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "PingStatus", Values: ["ConnectionLost"] }] }));
    expect(filtered.InstanceInformationList).toEqual([]);
    const legacy = await ssm.send(new DescribeInstanceInformationCommand({ InstanceInformationFilterList: [{ key: "InstanceIds", valueSet: [WEB] }] }));
    expect(legacy.InstanceInformationList?.map((n) => n.InstanceId)).toEqual([WEB]);
    const tagged = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "tag:Name", Values: ["web-1"] }] }));
    expect(tagged.InstanceInformationList).toHaveLength(1);
    expect((await sdkFailure(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 4 })))).name).toBe("ValidationException");
  });

  it("follows the instance's role as the policy engine decides it, its state, and what the scenario says", async () => {
    // A deny on the role stops the agent reaching SSM: the node is still registered, but no longer online.
    await iam.send(new AttachRolePolicyCommand({ RoleName: "web-app-role", PolicyArn: "arn:aws:iam::aws:policy/AWSDenyAll" }));
    let nodes = (await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList ?? [];
    expect(nodes.map((n) => `${n.InstanceId}:${n.PingStatus}`)).toEqual([`${WEB}:ConnectionLost`]);
    await iam.send(new DetachRolePolicyCommand({ RoleName: "web-app-role", PolicyArn: "arn:aws:iam::aws:policy/AWSDenyAll" }));
    nodes = (await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList ?? [];
    expect(nodes.map((n) => n.PingStatus)).toEqual(["Online"]);

    // Stopped, the agent stops pinging.
    await ec2.send(new StopInstancesCommand({ InstanceIds: [WEB] }));
    advance(5000);
    nodes = (await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList ?? [];
    expect(nodes.map((n) => n.PingStatus)).toEqual(["ConnectionLost"]);

    // A role that never allowed the agent's calls makes no managed node.
    await iam.send(new DetachRolePolicyCommand({ RoleName: "web-app-role", PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }));
    expect((await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList).toEqual([]);
  });

  it("leaves out an instance the scenario says has no agent", async () => {
    const rt = server.emulator.runtime;
    // As a recording's state would say it (regions.<region>.ssm.agents).
    await rt.transact(() => {
      rt.regional<SsmState>(ACCOUNT, REGION, "ssm", emptySsmState).agents[WEB] = { Managed: false };
    });
    expect((await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList).toEqual([]);
  });
});

describe("an automation run as the caller", () => {
  it("goes Pending, InProgress, Success over the clock, its calls journaled as SSM's on the caller's behalf", async () => {
    const t0 = server.emulator.runtime.clock.now().getTime();
    const id = await start("AWS-StopEC2Instance", { InstanceId: [WEB] });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    let ex = await execution(id);
    if (server.emulator.runtime.clock.now().getTime() - t0 < 1000) {
      expect(ex.AutomationExecutionStatus).toBe("Pending");
      expect(ex.StepExecutions).toEqual([]);
    }
    expect(ex).toMatchObject({ DocumentName: "AWS-StopEC2Instance", DocumentVersion: "1", Mode: "Auto", ExecutedBy: RESPONDER });
    expect(ex.Parameters).toEqual({ InstanceId: [WEB], AutomationAssumeRole: [""] });

    advance(1500);
    ex = await execution(id);
    expect(ex.AutomationExecutionStatus).toBe("InProgress");
    expect(ex.CurrentStepName).toBe("stopInstances");
    expect(ex.StepExecutions?.[0]).toMatchObject({
      StepName: "stopInstances",
      Action: "aws:changeInstanceState",
      StepStatus: "InProgress",
      OnFailure: "Continue",
    });
    expect(ex.StepExecutions?.[0]?.Inputs).toEqual({ InstanceIds: `["${WEB}"]`, DesiredState: '"stopped"' });
    // The step asked EC2 to stop the instance when it started; it waits for it to be stopped.
    expect((await instance()).State?.Name).toBe("stopping");

    ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect(ex.StepExecutions?.map((s) => `${s.StepName}:${s.StepStatus}`)).toEqual(["stopInstances:Success", "forceStopInstances:Success"]);
    expect(ex.ExecutionEndTime?.getTime()).toBeGreaterThan(ex.ExecutionStartTime?.getTime() ?? Infinity);
    expect((await instance()).State?.Name).toBe("stopped");

    const calls = ssmCalls();
    const stops = calls.filter((r) => r.eventName === "StopInstances");
    expect(stops).toHaveLength(2);
    for (const r of calls) {
      expect(identityOf(r)).toMatchObject({ type: "IAMUser", arn: RESPONDER, invokedBy: "ssm.amazonaws.com" });
      expect(r.sourceIPAddress).toBe("ssm.amazonaws.com");
      expect(r.userAgent).toBe("ssm.amazonaws.com");
    }
    // The first stop is made when the first step starts, at its emulator time.
    const first = ex.StepExecutions?.[0]?.ExecutionStartTime?.toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(stops[0].eventTime).toBe(first);
    // The waits poll DescribeInstances, each call journaled.
    expect(calls.filter((r) => r.eventName === "DescribeInstances").length).toBeGreaterThanOrEqual(2);
    // The user's own call to start it is journaled as theirs, with its parameters' values hidden as CloudTrail hides them.
    const own = [...server.emulator.runtime.journal].find((r) => r.eventName === "StartAutomationExecution");
    expect(own?.requestParameters).toEqual({ documentName: "AWS-StopEC2Instance", parameters: { InstanceId: ["HIDDEN_DUE_TO_SECURITY_REASONS"] } });
    expect(identityOf(own as JournalRecord).invokedBy).toBeUndefined();
  });

  it("lists executions and their steps with AWS's filters", async () => {
    const a = await start("AWS-StopEC2Instance", { InstanceId: [WEB] });
    await runToEnd(a);
    advance(60_000);
    const b = await start("AWS-CreateImage", { InstanceId: [WEB], NoReboot: ["true"] });
    await runToEnd(b);

    const all = await ssm.send(new DescribeAutomationExecutionsCommand({}));
    expect(all.AutomationExecutionMetadataList?.map((m) => m.AutomationExecutionId)).toEqual([b, a]);
    expect(all.AutomationExecutionMetadataList?.[0]).toMatchObject({
      DocumentName: "AWS-CreateImage",
      AutomationExecutionStatus: "Success",
      ExecutedBy: RESPONDER,
      Mode: "Auto",
    });
    const byPrefix = await ssm.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: "DocumentNamePrefix", Values: ["AWS-Stop"] }] }));
    expect(byPrefix.AutomationExecutionMetadataList?.map((m) => m.AutomationExecutionId)).toEqual([a]);
    const byStatus = await ssm.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: "ExecutionStatus", Values: ["Failed"] }] }));
    expect(byStatus.AutomationExecutionMetadataList).toEqual([]);
    const page = await ssm.send(new DescribeAutomationExecutionsCommand({ MaxResults: 1 }));
    expect(page.AutomationExecutionMetadataList).toHaveLength(1);
    const rest = await ssm.send(new DescribeAutomationExecutionsCommand({ MaxResults: 1, NextToken: page.NextToken }));
    expect(rest.AutomationExecutionMetadataList?.[0]?.AutomationExecutionId).toBe(a);
    expect(rest.NextToken).toBeUndefined();
    const bad = await sdkFailure(ssm.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: "StartTimeAfter", Values: ["yesterday"] }] })));
    expect(bad.name).toBe("InvalidFilterValue");

    const steps = await ssm.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: a, ReverseOrder: true }));
    expect(steps.StepExecutions?.map((s) => s.StepName)).toEqual(["forceStopInstances", "stopInstances"]);
    const named = await ssm.send(
      new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: a, Filters: [{ Key: "StepName", Values: ["stopInstances"] }] }),
    );
    expect(named.StepExecutions?.map((s) => s.StepStatus)).toEqual(["Success"]);

    // The image step reports the AMI it made, which EC2 shows available.
    const image = await execution(b);
    expect(image.Outputs?.["createImage.ImageId"]?.[0]).toMatch(/^ami-[0-9a-f]{17}$/);
    const ami = await ec2.send(new DescribeImagesCommand({ ImageIds: image.Outputs?.["createImage.ImageId"] }));
    expect(ami.Images?.[0]).toMatchObject({ State: "available", Name: `${WEB}_${b}`, SourceInstanceId: WEB });
    expect(image.StepExecutions?.[0]?.Outputs).toMatchObject({ ImageState: ["available"] });
  });
});

describe("an automation run as its AutomationAssumeRole", () => {
  it("assumes the role as SSM, the execution id as session name, and makes every call as that session", async () => {
    await automationRole(["ec2:*"]);
    const id = await start("AWS-CreateImage", { InstanceId: [WEB], NoReboot: ["true"], AutomationAssumeRole: [ROLE_ARN] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");

    const journal = [...server.emulator.runtime.journal];
    const assume = journal.find((r) => r.eventName === "AssumeRole" && (r.requestParameters as Record<string, unknown>)?.roleArn === ROLE_ARN);
    expect(assume).toMatchObject({
      eventSource: "sts.amazonaws.com",
      userIdentity: { type: "AWSService", invokedBy: "ssm.amazonaws.com" },
      sourceIPAddress: "ssm.amazonaws.com",
      userAgent: "ssm.amazonaws.com",
      requestParameters: { roleArn: ROLE_ARN, roleSessionName: id },
    });
    expect(assume?.errorCode).toBeUndefined();
    const calls = ssmCalls();
    expect(calls.map((r) => r.eventName)).toContain("CreateImage");
    for (const r of calls) {
      expect(identityOf(r)).toMatchObject({
        type: "AssumedRole",
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/${id}`,
        invokedBy: "ssm.amazonaws.com",
        sessionContext: { sessionIssuer: { type: "Role", arn: ROLE_ARN, userName: ROLE } },
      });
    }
  });

  it("catches up at each step's own moment when the clock has moved on for hours", async () => {
    await automationRole(["ec2:*"]);
    const id = await start("AWS-StopEC2Instance", { InstanceId: [WEB], AutomationAssumeRole: [ROLE_ARN] });
    // Three hours later (beyond the role session's hour), the whole run happened back then, as it would have.
    advance(3 * 3600_000);
    const ex = await execution(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    const end = ex.ExecutionEndTime?.getTime() ?? 0;
    expect(end - (ex.ExecutionStartTime?.getTime() ?? 0)).toBeLessThan(60_000);
    const stop = ssmCalls().find((r) => r.eventName === "StopInstances");
    expect(stop?.errorCode).toBeUndefined();
    expect(Date.parse(stop?.eventTime ?? "")).toBeLessThan(end);
  });

  it("fails the execution when the role's trust policy leaves SSM out", async () => {
    const ec2Trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    await automationRole(["ec2:*"], ec2Trust);
    const id = await start("AWS-StopEC2Instance", { InstanceId: [WEB], AutomationAssumeRole: [ROLE_ARN] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Failed");
    expect(ex.FailureMessage).toContain("The defined assume role is unable to be assumed.");
    expect(ex.StepExecutions?.[0]).toMatchObject({
      StepName: "stopInstances",
      StepStatus: "Failed",
      FailureMessage: "The defined assume role is unable to be assumed.",
    });
    expect((await instance()).State?.Name).toBe("running");
    const assume = [...server.emulator.runtime.journal].find((r) => r.eventName === "AssumeRole");
    expect(assume?.errorCode).toBe("AccessDenied");
    expect(ssmCalls()).toEqual([]);
  });

  it("fails the step and the execution with EC2's denial when the role lacks a permission", async () => {
    await automationRole(["ec2:DescribeInstances"]);
    const id = await start("AWS-StopEC2Instance", { InstanceId: [WEB], AutomationAssumeRole: [ROLE_ARN] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Failed");
    // The first step goes on to the next on failure (onFailure: Continue), which fails too and ends it.
    expect(ex.StepExecutions?.map((s) => `${s.StepName}:${s.StepStatus}`)).toEqual(["stopInstances:Failed", "forceStopInstances:Failed"]);
    const step = ex.StepExecutions?.[1];
    expect(step?.FailureMessage).toMatch(
      /^Step fails when it is Execute\/Cancelling action\. An error occurred \(UnauthorizedOperation\) when calling the StopInstances operation: You are not authorized to perform this operation\. User: arn:aws:sts::123456789012:assumed-role\/AutomationServiceRole\/[0-9a-f-]{36} is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:ap-northeast-1:123456789012:instance\/i-0a1b2c3d4e5f60001 because no identity-based policy allows the ec2:StopInstances action\. Encoded authorization failure message: .+\. Please refer to Automation Service Troubleshooting Guide for more diagnosis details\.$/,
    );
    expect(step?.FailureDetails).toEqual({ FailureStage: "Invocation", FailureType: "Permission", Details: { ErrorCode: ["UnauthorizedOperation"] } });
    // The execution reports the failure of the step that ended it.
    expect(ex.FailureMessage).toBe(step?.FailureMessage);
    const denied = ssmCalls().filter((r) => r.eventName === "StopInstances");
    expect(denied.map((r) => r.errorCode)).toEqual(["Client.UnauthorizedOperation", "Client.UnauthorizedOperation"]);
    expect((await instance()).State?.Name).toBe("running");
  });

  it("fails the step with EC2's error when the instance does not exist", async () => {
    await automationRole(["ec2:*"]);
    const id = await start("AWS-CreateImage", { InstanceId: ["i-0000000000000dead"], AutomationAssumeRole: [ROLE_ARN] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Failed");
    expect(ex.StepExecutions?.[0]?.FailureMessage).toContain(
      "An error occurred (InvalidInstanceID.NotFound) when calling the CreateImage operation: The instance ID 'i-0000000000000dead' does not exist",
    );
    expect(ex.StepExecutions?.[0]?.FailureDetails?.FailureType).toBe("Action");
    expect(ex.Outputs).toEqual({ "createImage.ImageId": ["No output available yet because the step is not successfully executed"] });
  });
});

describe("StartAutomationExecution's checks", () => {
  it("refuses what AWS refuses: unknown runbooks, missing, unknown and invalid parameters", async () => {
    expect(await sdkFailure(ssm.send(new StartAutomationExecutionCommand({ DocumentName: "AWS-NoSuchRunbook" })))).toMatchObject({
      name: "AutomationDefinitionNotFoundException",
    });
    expect(await sdkFailure(ssm.send(new StartAutomationExecutionCommand({ DocumentName: "AWS-StopEC2Instance" })))).toMatchObject({
      name: "InvalidAutomationExecutionParametersException",
      message: "Missing required parameter: InstanceId in user inputs.",
    });
    expect(await sdkFailure(start("AWS-StopEC2Instance", { InstanceId: [WEB], Force: ["true"] }))).toMatchObject({
      name: "InvalidAutomationExecutionParametersException",
      message: 'Parameter "Force" is not defined in the document.',
    });
    expect(await sdkFailure(start("AWSSupport-ContainEC2Instance", { InstanceId: [WEB], Action: ["Isolate"] }))).toMatchObject({
      name: "InvalidAutomationExecutionParametersException",
      message: 'Parameter "Action" has value "Isolate" not found in [Contain, Release].',
    });
    expect(
      await sdkFailure(start("ASR-DisableUnrestrictedAccessToHighRiskPorts", { SecurityGroupId: ["web"], AutomationAssumeRole: [ROLE_ARN] })),
    ).toMatchObject({
      name: "InvalidAutomationExecutionParametersException",
      message: `Parameter "SecurityGroupId" has value "web" not matching "^sg-[a-z0-9\\-]+$".`,
    });
    expect(await sdkFailure(start("AWS-CreateImage", { InstanceId: [WEB], NoReboot: ["maybe"] }))).toMatchObject({
      name: "InvalidAutomationExecutionParametersException",
      message: 'Parameter "NoReboot" has value "maybe" not of type Boolean.',
    });
    expect(await sdkFailure(ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: "not-an-id" })))).toMatchObject({
      name: "ValidationException",
    });
    expect(await sdkFailure(ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: "00000000-0000-4000-8000-000000000000" })))).toMatchObject({
      name: "AutomationExecutionNotFoundException",
      message: "Automation Execution with id 00000000-0000-4000-8000-000000000000 not found",
    });
    expect(await ssm.send(new DescribeAutomationExecutionsCommand({}))).toMatchObject({ AutomationExecutionMetadataList: [] });
  });

  it("needs ssm:StartAutomationExecution on the runbook and iam:PassRole on its role, as IAM decides", async () => {
    await automationRole(["ec2:*"]);
    await iam.send(new CreateUserCommand({ UserName: "operator" }));
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "ssm:StartAutomationExecution",
          Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:automation-definition/AWS-StopEC2Instance:$DEFAULT`,
        },
      ],
    });
    await iam.send(new PutUserPolicyCommand({ UserName: "operator", PolicyName: "start-stop", PolicyDocument: policy }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "operator" }))).AccessKey;
    const operator = new SSMClient({ ...server.sdk(), credentials: { accessKeyId: key?.AccessKeyId ?? "", secretAccessKey: key?.SecretAccessKey ?? "" } });

    const other = await sdkFailure(operator.send(new StartAutomationExecutionCommand({ DocumentName: "AWS-CreateImage", Parameters: { InstanceId: [WEB] } })));
    expect(other).toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/operator is not authorized to perform: ssm:StartAutomationExecution on resource: arn:aws:ssm:${REGION}:${ACCOUNT}:automation-definition/AWS-CreateImage:$DEFAULT because no identity-based policy allows the ssm:StartAutomationExecution action`,
    });
    const pass = await sdkFailure(
      operator.send(
        new StartAutomationExecutionCommand({ DocumentName: "AWS-StopEC2Instance", Parameters: { InstanceId: [WEB], AutomationAssumeRole: [ROLE_ARN] } }),
      ),
    );
    expect(pass).toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/operator is not authorized to perform: iam:PassRole on resource: ${ROLE_ARN} because no identity-based policy allows the iam:PassRole action`,
    });
    // Without a role it may start it; the steps then need the operator's own permissions, which it has not.
    const id =
      (await operator.send(new StartAutomationExecutionCommand({ DocumentName: "AWS-StopEC2Instance", Parameters: { InstanceId: [WEB] } })))
        .AutomationExecutionId ?? "";
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Failed");
    expect(ex.FailureMessage).toContain(`User: arn:aws:iam::${ACCOUNT}:user/operator is not authorized to perform: ec2:StopInstances`);
    const denied = [...server.emulator.runtime.journal].filter((r) => r.errorCode === "AccessDeniedException" && r.eventSource === "ssm.amazonaws.com");
    expect(denied.map((r) => r.eventName)).toEqual(["StartAutomationExecution", "StartAutomationExecution"]);
    expect((await sdkFailure(operator.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id })))).name).toBe("AccessDeniedException");
  });
});

describe("stopping an automation", () => {
  async function containing(): Promise<string> {
    const id = await start("AWSSupport-ContainEC2Instance", { InstanceId: [WEB], Action: ["Contain"], DryRun: ["false"], BackupS3BucketAccess: [RESPONDER] });
    // Into its 30-second wait between the two security group changes.
    for (let i = 0; i < 30; i++) {
      const ex = await execution(id);
      if (ex.CurrentStepName === "WaitForUntrackedConnections") return id;
      advance(1000);
    }
    throw new Error("the containment never reached its wait");
  }

  it("cancels it: the step in progress and the execution end Cancelled, no further step runs", async () => {
    const id = await containing();
    await ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: "Cancel" }));
    const ex = await execution(id);
    expect(ex.AutomationExecutionStatus).toBe("Cancelled");
    expect(ex.StepExecutions?.at(-1)).toMatchObject({ StepName: "WaitForUntrackedConnections", StepStatus: "Cancelled" });
    advance(120_000);
    const later = await execution(id);
    expect(later.StepExecutions?.length).toBe(ex.StepExecutions?.length);
    // The instance was left in the all-access group: cancelling stops a runbook where it is.
    expect((await instance()).SecurityGroups?.[0]?.GroupName).toBe(`AWSSupport-ContainEC2Instance-AllAccess-${id}`);
    expect(await sdkFailure(ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id })))).toMatchObject({
      name: "InvalidAutomationStatusUpdateException",
    });
  });

  it("completes it: the step in progress finishes, and the execution ends there", async () => {
    const id = await containing();
    await ssm.send(new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: "Complete" }));
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect(ex.StepExecutions?.at(-1)).toMatchObject({ StepName: "WaitForUntrackedConnections", StepStatus: "Success" });
  });
});

describe("AWSSupport-ContainEC2Instance", () => {
  it("contains the instance as documented, and releases it from the backup", async () => {
    await automationRole(["ec2:*", "s3:*"]);
    const id = await start("AWSSupport-ContainEC2Instance", {
      InstanceId: [WEB],
      Action: ["Contain"],
      DryRun: ["false"],
      CreateAMIBackup: ["true"],
      BackupS3BucketAccess: [RESPONDER],
      TagIdentifier: ["Key=Status,Value=Contained"],
      AutomationAssumeRole: [ROLE_ARN],
    });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect(ex.StepExecutions?.map((s) => s.StepName)).toEqual([
      "ValidateRequiredInputs",
      "CheckInstanceState",
      "CheckBackupS3BucketName",
      "BranchOnActionAndDryRun",
      "BackupInstanceSecurityGroups",
      "CreateAllAccessSecurityGroup",
      "AuthorizeAllAccessIngress",
      "CreateContainmentSecurityGroup",
      "RevokeContainmentEgress",
      "ApplyAllAccessSecurityGroup",
      "WaitForUntrackedConnections",
      "ApplyContainmentSecurityGroup",
      "BranchOnCreateAMIBackup",
      "CreateAMIBackup",
      "BranchOnTagIdentifier",
      "TagInstance",
      "ContainmentDone",
    ]);
    const contained = await instance();
    const groupId = ex.Outputs?.["CreateContainmentSecurityGroup.GroupId"]?.[0];
    expect(contained.SecurityGroups).toEqual([{ GroupId: groupId, GroupName: `AWSSupport-ContainEC2Instance-Containment-${id}` }]);
    expect(contained.Tags).toContainEqual({ Key: "Status", Value: "Contained" });
    // The containment group lets nothing in or out.
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId ?? ""] }] }));
    expect(rules.SecurityGroupRules).toEqual([]);
    const images = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: "source-instance-id", Values: [WEB] }], Owners: ["self"] }));
    expect(images.Images?.map((i) => i.Name)).toContain(`AWSSupport-ContainEC2Instance_${WEB}_${id}`);
    const key = ex.Outputs?.["BackupInstanceSecurityGroups.BackupS3KeyName"]?.[0] ?? "";
    const location = ex.Outputs?.["BackupInstanceSecurityGroups.BackupS3Location"]?.[0] ?? "";
    expect(key).toBe(`2026/03/01/12/00/${id}.json`);
    const bucket = /^s3:\/\/([^/]+)\//.exec(location)?.[1] ?? "";
    expect(bucket).toMatch(/^awssupport-containec2instance-[0-9a-f]{12}$/);
    // The bucket it made is private.
    const block = await new S3Client(server.sdk()).send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });

    advance(60_000);
    const release = await start("AWSSupport-ContainEC2Instance", {
      InstanceId: [WEB],
      Action: ["Release"],
      DryRun: ["false"],
      BackupS3BucketName: [bucket],
      BackupS3KeyName: [key],
      AutomationAssumeRole: [ROLE_ARN],
    });
    const released = await runToEnd(release);
    expect(released.AutomationExecutionStatus).toBe("Success");
    expect(released.Outputs?.["RestoreInstanceSecurityGroups.RestoredNetworkInterfaces"]).toEqual(["eni-0a1b2c3d4e5f60001"]);
    expect((await instance()).SecurityGroups?.map((g) => g.GroupId)).toEqual([WEB_SG]);
  });

  it("changes nothing with DryRun, its default, and reports what it would do", async () => {
    const id = await start("AWSSupport-ContainEC2Instance", { InstanceId: [WEB], Action: ["Contain"], BackupS3BucketAccess: [RESPONDER] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect(ex.StepExecutions?.at(-1)?.StepName).toBe("ReportDryRun");
    expect(JSON.parse(ex.Outputs?.["ReportDryRun.Output"]?.[0] ?? "{}").Message).toMatch(/^DryRun: no change was made\./);
    expect((await instance()).SecurityGroups?.map((g) => g.GroupId)).toEqual([WEB_SG]);
    expect(ssmCalls().filter((r) => r.readOnly === false)).toEqual([]);
  });

  it("stops at its input check when Contain has no BackupS3BucketAccess", async () => {
    const id = await start("AWSSupport-ContainEC2Instance", { InstanceId: [WEB], Action: ["Contain"], DryRun: ["false"] });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Failed");
    expect(ex.StepExecutions?.map((s) => `${s.StepName}:${s.StepStatus}`)).toEqual(["ValidateRequiredInputs:Failed"]);
    expect(ex.FailureMessage).toContain("BackupS3BucketAccess is required when Action is Contain");
  });
});

describe("the ASR solution's remediation runbooks", () => {
  beforeEach(async () => {
    await automationRole(["ec2:*", "s3:*", "iam:*"]);
  });

  it("EC2.19 and EC2.18: revokes world-open inbound rules on high-risk, then unauthorized, ports", async () => {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: WEB_SG,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const openPorts = async () => {
      const out = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [WEB_SG] }] }));
      return (out.SecurityGroupRules ?? [])
        .filter((r) => !r.IsEgress && r.CidrIpv4 === "0.0.0.0/0")
        .map((r) => r.FromPort)
        .sort((a, b) => (a ?? 0) - (b ?? 0));
    };
    expect(await openPorts()).toEqual([22, 80, 443]);
    const high = await runToEnd(await start("ASR-DisableUnrestrictedAccessToHighRiskPorts", { SecurityGroupId: [WEB_SG], AutomationAssumeRole: [ROLE_ARN] }));
    expect(high.AutomationExecutionStatus).toBe("Success");
    expect(await openPorts()).toEqual([80, 443]);
    const payload = JSON.parse(high.Outputs?.["DisableUnrestrictedAccessToHighRiskPorts.Output"]?.[0] ?? "{}");
    expect(payload).toMatchObject({ status: "Success", message: `Successfully removed security group rules on ${WEB_SG}` });
    expect(payload.rules_deleted).toHaveLength(1);
    // Nothing left to revoke: the runbook fails as ASR's does.
    const again = await runToEnd(await start("ASR-DisableUnrestrictedAccessToHighRiskPorts", { SecurityGroupId: [WEB_SG], AutomationAssumeRole: [ROLE_ARN] }));
    expect(again.AutomationExecutionStatus).toBe("Failed");
    expect(again.FailureMessage).toContain(`Could not find rules to delete for Security Group ${WEB_SG}`);

    const unauthorized = await runToEnd(
      await start("ASR-RevokeUnauthorizedInboundRules", { SecurityGroupId: [WEB_SG], AuthorizedTcpPorts: ["443"], AutomationAssumeRole: [ROLE_ARN] }),
    );
    expect(unauthorized.AutomationExecutionStatus).toBe("Success");
    expect(await openPorts()).toEqual([443]);
    // Each rule was revoked by rule id, as the assumed role, journaled as SSM's call.
    const revokes = ssmCalls().filter((r) => r.eventName === "RevokeSecurityGroupIngress" && !r.errorCode);
    expect(revokes).toHaveLength(2);
    expect(revokes.every((r) => Array.isArray((r.requestParameters as Record<string, unknown>).securityGroupRuleIds))).toBe(true);
  });

  it("EC2.8: requires IMDSv2 on the instance", async () => {
    const id = await start("ASR-EnableIMDSV2OnInstance", {
      InstanceARN: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${WEB}`],
      AutomationAssumeRole: [ROLE_ARN],
    });
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect((await instance()).MetadataOptions?.HttpTokens).toBe("required");
    expect(JSON.parse(ex.Outputs?.["EnableIMDSV2OnInstance.Output"]?.[0] ?? "{}")).toMatchObject({ HttpTokens: "required", HttpEndpoint: "enabled" });
  });

  it("EC2.2: empties the default security group, and refuses any other", async () => {
    const other = await runToEnd(await start("ASR-RemoveVPCDefaultSecurityGroupRules", { GroupId: [WEB_SG], AutomationAssumeRole: [ROLE_ARN] }));
    expect(other.AutomationExecutionStatus).toBe("Failed");
    expect(other.StepExecutions?.map((s) => `${s.StepName}:${s.StepStatus}`)).toEqual(["CheckDefaultSecurityGroup:Failed"]);
    expect(other.StepExecutions?.[0]?.FailureDetails?.FailureType).toBe("Verification");

    const ex = await runToEnd(await start("ASR-RemoveVPCDefaultSecurityGroupRules", { GroupId: [DEFAULT_SG], AutomationAssumeRole: [ROLE_ARN] }));
    expect(ex.AutomationExecutionStatus).toBe("Success");
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [DEFAULT_SG] }))).SecurityGroups?.[0];
    expect(group?.IpPermissions).toEqual([]);
    expect(group?.IpPermissionsEgress).toEqual([]);
  });

  it("S3.2/S3.8: blocks public access to the bucket", async () => {
    const ex = await runToEnd(await start("ASR-ConfigureS3BucketPublicAccessBlock", { BucketName: ["basic-evidence"], AutomationAssumeRole: [ROLE_ARN] }));
    expect(ex.AutomationExecutionStatus).toBe("Success");
    const block = await new S3Client(server.sdk()).send(new GetPublicAccessBlockCommand({ Bucket: "basic-evidence" }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });

  it("IAM.3: deactivates the user's access keys unrotated for more than 90 days", async () => {
    const ex = await runToEnd(await start("ASR-RevokeUnrotatedKeys", { IAMUserName: ["dev-alice"], AutomationAssumeRole: [ROLE_ARN] }));
    expect(ex.AutomationExecutionStatus).toBe("Success");
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "dev-alice" }));
    expect(keys.AccessKeyMetadata?.map((k) => `${k.AccessKeyId}:${k.Status}`)).toEqual(["AKIAEXAMPLEALICE0001:Inactive"]);
    const out = JSON.parse(ex.Outputs?.["RevokeUnrotatedKeys.Output"]?.[0] ?? "{}");
    expect(out.output).toBe("Verification of unrotated access keys is successful.");
  });
});

describe("executions in the range's state", () => {
  it("survive a restart and go on, and a reset clears them", async () => {
    const id = await start("AWS-StopEC2Instance", { InstanceId: [WEB] });
    advance(1500);
    expect((await execution(id)).AutomationExecutionStatus).toBe("InProgress");
    const at = server.emulator.runtime.clock.now();
    await server.stop(false);
    server = await startTestServer({ scenario: "basic", stateDir: server.stateDir, clock: at.toISOString() });
    ssm = new SSMClient(server.sdk());
    ec2 = new EC2Client(server.sdk());
    const ex = await runToEnd(id);
    expect(ex.AutomationExecutionStatus).toBe("Success");
    expect((await instance()).State?.Name).toBe("stopped");

    await server.emulator.runtime.reset();
    expect((await sdkFailure(ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: id })))).name).toBe("AutomationExecutionNotFoundException");
  });
});
