/**
 * DescribeInstanceInformation: which of the region's EC2 instances are SSM managed nodes. An instance is one when its
 * SSM Agent can reach SSM: it runs, it has an instance profile whose role the range's policy engine lets call
 * ssm:UpdateInstanceInformation (what AmazonSSMManagedInstanceCore grants the agent), and the scenario did not mark it
 * unmanaged (state.ts, AgentFacts). An instance whose role would allow it but cannot now (stopped, the role denied or
 * its boundary in the way) is listed ConnectionLost, as a registered node that stopped pinging; one whose role never
 * allowed it is no managed node at all.
 */
import type { DescribeInstanceInformationCommandInput, DescribeInstanceInformationCommandOutput, InstanceInformation } from "@aws-sdk/client-ssm";
import { evaluate } from "../../authz/engine/index.ts";
import { own, peekGlobal, peekRegional } from "../../authz/requests.ts";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { isGone, settled } from "../ec2/lifecycle.ts";
import type { Ec2State, StoredInstance } from "../ec2/state.ts";
import { entityPolicies } from "../iam/authorization/policies-of.ts";
import type { IamState } from "../iam/state.ts";
import { type AgentFacts, peekSsmState } from "./state.ts";

/** The agent version the range's managed nodes report. */
const AGENT_VERSION = "3.3.1142.0";
/** The agent pings SSM every five minutes. */
const PING_MS = 5 * 60_000;

const invalidToken = () => new AwsError("InvalidNextToken", "The specified token is not valid.");

interface Node {
  info: InstanceInformation;
  tags: { Key?: string; Value?: string }[];
}

/** The role an instance profile holds, by the profile's ARN. */
function roleOfProfile(iam: IamState | undefined, profileArn: string | undefined): string | undefined {
  if (!iam || !profileArn) return undefined;
  const name = profileArn.slice(profileArn.lastIndexOf("/") + 1);
  const profile = own(iam.instanceProfiles, name);
  if (!profile || profile.Arn !== profileArn) return undefined;
  const roleName = profile.Roles?.[0]?.RoleName;
  const role = roleName ? own(iam.roles, roleName) : undefined;
  return role?.Arn;
}

/** Whether the role's session on the instance may call the agent's API now, and whether any of its policies allows it. */
function agentAccess(ctx: RequestContext, roleArn: string, instanceId: string): { allowed: boolean; granted: boolean } {
  const policies = entityPolicies(ctx.runtime, roleArn);
  if (!policies) return { allowed: false, granted: false };
  const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  const instanceArn = `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`;
  const d = evaluate(
    {
      principal: { type: "AssumedRole", arn: `arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/${instanceId}`, accountId: ctx.accountId, roleArn },
      action: "ssm:UpdateInstanceInformation",
      resource: instanceArn,
      context: { "aws:CurrentTime": ctx.time.toISOString(), "ec2:SourceInstanceARN": instanceArn },
    },
    { identity: policies.identity, ...(policies.boundary ? { boundary: policies.boundary } : {}) },
  );
  return { allowed: d.decision === "allowed", granted: d.matched.some((m) => m.effect === "Allow" && m.policy.kind === "identity") };
}

/** What the instance's image says of its operating system, unless the scenario says it. */
function platformOf(ec2: Ec2State, inst: StoredInstance, facts: AgentFacts): { type: "Linux" | "Windows"; name: string; version: string } {
  if (/windows/i.test(`${inst.Platform ?? ""} ${inst.PlatformDetails ?? ""}`)) {
    return { type: "Windows", name: facts.PlatformName ?? "Microsoft Windows Server 2022 Datacenter", version: facts.PlatformVersion ?? "10.0.20348" };
  }
  const image = own(ec2.images, inst.ImageId);
  const text = `${image?.Name ?? ""} ${image?.Description ?? ""}`;
  let name = "Amazon Linux";
  let version = "2";
  if (/al2023|Amazon Linux 2023/i.test(text)) version = "2023";
  else if (/ubuntu/i.test(text)) {
    name = "Ubuntu";
    version = /(\d{2}\.\d{2})/.exec(text)?.[1] ?? "22.04";
  } else if (/rhel|red ?hat/i.test(text)) {
    name = "Red Hat Enterprise Linux";
    version = /(\d+\.\d+)/.exec(text)?.[1] ?? "9.3";
  }
  return { type: "Linux", name: facts.PlatformName ?? name, version: facts.PlatformVersion ?? version };
}

/** When the agent last pinged: the last five-minute beat before now, or when the instance stopped. */
function lastPing(inst: StoredInstance, online: boolean, now: Date): string {
  if (online) {
    const t = now.getTime() - (now.getTime() % PING_MS);
    return new Date(t).toISOString();
  }
  const stopped = /\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) GMT\)/.exec(inst.StateTransitionReason ?? "");
  return stopped ? new Date(`${stopped[1].replace(" ", "T")}Z`).toISOString() : (inst.LaunchTime ?? now.toISOString());
}

function managedNodes(ctx: RequestContext): Node[] {
  const ec2 = peekRegional<Ec2State>(ctx.runtime, ctx.accountId, ctx.region, "ec2");
  if (!ec2) return [];
  const iam = peekGlobal<IamState>(ctx.runtime, ctx.accountId, "iam");
  const agents = peekSsmState(ctx.runtime, ctx.accountId, ctx.region)?.agents ?? {};
  const out: Node[] = [];
  for (const stored of Object.values(ec2.instances)) {
    const inst = settled(stored, ctx.time);
    const id = inst.InstanceId ?? "";
    const facts = own(agents, id) ?? {};
    if (facts.Managed === false || isGone(inst, ctx.time) || inst.State?.Name === "terminated") continue;
    const roleArn = roleOfProfile(iam, inst.IamInstanceProfile?.Arn);
    if (!roleArn) continue;
    const access = agentAccess(ctx, roleArn, id);
    if (!access.granted) continue;
    const online = access.allowed && inst.State?.Name === "running";
    const platform = platformOf(ec2, inst, facts);
    out.push({
      tags: inst.Tags ?? [],
      info: {
        InstanceId: id,
        PingStatus: online ? "Online" : "ConnectionLost",
        LastPingDateTime: lastPing(inst, online, ctx.time) as unknown as Date,
        AgentVersion: facts.AgentVersion ?? AGENT_VERSION,
        IsLatestVersion: false,
        PlatformType: platform.type,
        PlatformName: platform.name,
        PlatformVersion: platform.version,
        ResourceType: "EC2Instance",
        IPAddress: inst.PrivateIpAddress,
        ComputerName: facts.ComputerName ?? inst.PrivateDnsName,
        SourceId: id,
        SourceType: "AWS::EC2::Instance",
      },
    });
  }
  return out.sort((a, b) => ((a.info.InstanceId ?? "") < (b.info.InstanceId ?? "") ? -1 : 1));
}

function nodeMatches(n: Node, key: string, values: string[]): boolean {
  const i = n.info;
  if (key.startsWith("tag:")) return n.tags.some((t) => t.Key === key.slice(4) && values.includes(t.Value ?? ""));
  switch (key) {
    case "InstanceIds":
      return values.includes(i.InstanceId ?? "");
    case "AgentVersion":
      return values.includes(i.AgentVersion ?? "");
    case "PingStatus":
      return values.includes(i.PingStatus ?? "");
    case "PlatformTypes":
      return values.includes(i.PlatformType ?? "");
    case "ResourceType":
      return values.includes(i.ResourceType ?? "");
    case "tag-key":
      return n.tags.some((t) => values.includes(t.Key ?? ""));
    case "ActivationIds":
    case "IamRole":
    case "AssociationStatus":
      // EC2 instances have no activation, show no IamRole and run no associations here.
      return false;
    default:
      throw new AwsError("InvalidInstanceInformationFilterValue", `The filter key ${key} is not valid.`);
  }
}

export const describeInstanceInformation: OpHandler<DescribeInstanceInformationCommandInput, DescribeInstanceInformationCommandOutput> = (input, ctx) => {
  if (input.InstanceInformationFilterList?.length && input.Filters?.length) {
    throw new AwsError("InvalidInstanceInformationFilterValue", "InstanceInformationFilterList and Filters cannot be used in the same request.");
  }
  const max = input.MaxResults ?? 10;
  if (max < 5 || max > 50) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 5 ? "greater than or equal to 5" : "less than or equal to 50"}`,
    );
  }
  const filters = [
    ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? "", values: f.Values ?? [] })),
    ...(input.InstanceInformationFilterList ?? []).map((f) => ({ key: f.key ?? "", values: f.valueSet ?? [] })),
  ];
  for (const f of filters) {
    if (!f.values.length) throw new AwsError("InvalidInstanceInformationFilterValue", `The filter value for ${f.key} is not valid.`);
    if (f.key === "InstanceIds" && f.values.some((v) => !/^(i|mi)-[0-9a-f]{8,17}$/.test(v))) {
      throw new AwsError("InvalidInstanceId", `Instances [[${f.values.join(", ")}]] not in a valid state for account ${ctx.accountId}`);
    }
  }
  const nodes = managedNodes(ctx).filter((n) => filters.every((f) => nodeMatches(n, f.key, f.values)));
  const { page, next } = paginate(nodes, input.NextToken, max, `DescribeInstanceInformation:${JSON.stringify(filters)}`, invalidToken);
  return { InstanceInformationList: page.map((n) => n.info), ...(next ? { NextToken: next } : {}) };
};
