/**
 * Security groups and their rules. The rules (sgr-…) are the single source of truth: a group's IpPermissions and
 * IpPermissionsEgress are always derived from them. A recording that only wrote IpPermissions is read as if it
 * had written the equivalent rules (with ids derived from the group, so they are stable) until a call changes it.
 * After every change the stored group's IpPermissions are rewritten from the rules, so that readers of the raw
 * state (grading) see what DescribeSecurityGroups shows.
 */
import { createHash } from "node:crypto";
import type {
  AuthorizeSecurityGroupEgressCommandInput,
  AuthorizeSecurityGroupEgressCommandOutput,
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandInput,
  CreateSecurityGroupCommandOutput,
  DeleteSecurityGroupCommandInput,
  DeleteSecurityGroupCommandOutput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupRulesCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  IpPermission,
  RevokeSecurityGroupEgressCommandInput,
  RevokeSecurityGroupEgressCommandOutput,
  RevokeSecurityGroupIngressCommandInput,
  RevokeSecurityGroupIngressCommandOutput,
  SecurityGroup,
  SecurityGroupRule,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { checkIdFormat, notFound, pageOf, requireParam, tagsFor } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { visibleInstances } from "./lifecycle.ts";
import { type Ec2State, ec2State } from "./state.ts";

type Group = Stored<SecurityGroup>;
type Rule = Stored<SecurityGroupRule>;

const PROTOCOLS: Record<string, string> = {
  "-1": "-1",
  all: "-1",
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  icmpv6: "icmpv6",
  "58": "icmpv6",
};

function protocolOf(p: string | undefined): string {
  const raw = (p ?? "").toLowerCase();
  const known = PROTOCOLS[raw];
  if (known) return known;
  if (/^\d+$/.test(raw) && Number(raw) <= 255) return raw;
  throw new AwsError("InvalidParameterValue", `Invalid value '${p ?? ""}' for IP protocol. Unknown protocol.`);
}

/** The rules an IpPermission stands for: one per CIDR, IPv6 CIDR, prefix list or referenced group. */
function explode(groupId: string, ownerId: string, egress: boolean, perm: IpPermission | Stored<IpPermission>): Omit<Rule, "SecurityGroupRuleId">[] {
  const proto = protocolOf(perm.IpProtocol);
  const ported = proto === "tcp" || proto === "udp" || proto === "icmp" || proto === "icmpv6";
  const from = proto === "-1" ? -1 : (perm.FromPort ?? -1);
  const to = proto === "-1" ? -1 : (perm.ToPort ?? -1);
  if ((proto === "tcp" || proto === "udp") && (perm.FromPort === undefined || perm.ToPort === undefined)) {
    throw new AwsError("InvalidParameterValue", `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.`);
  }
  if ((proto === "tcp" || proto === "udp") && (from < 0 || to > 65535 || from > to)) {
    throw new AwsError("InvalidParameterValue", `Invalid port range (${from}, ${to}). The from-port must be less than or equal to the to-port.`);
  }
  const base = { GroupId: groupId, GroupOwnerId: ownerId, IsEgress: egress, IpProtocol: proto, FromPort: ported ? from : -1, ToPort: ported ? to : -1 };
  const rules: Omit<Rule, "SecurityGroupRuleId">[] = [];
  for (const r of perm.IpRanges ?? []) rules.push({ ...base, CidrIpv4: validCidr(r.CidrIp, false), Description: r.Description });
  for (const r of perm.Ipv6Ranges ?? []) rules.push({ ...base, CidrIpv6: validCidr(r.CidrIpv6, true), Description: r.Description });
  for (const r of perm.PrefixListIds ?? []) rules.push({ ...base, PrefixListId: r.PrefixListId, Description: r.Description });
  for (const r of perm.UserIdGroupPairs ?? []) {
    rules.push({
      ...base,
      ReferencedGroupInfo: { GroupId: r.GroupId, UserId: r.UserId ?? ownerId, VpcId: r.VpcId, PeeringStatus: r.PeeringStatus },
      Description: r.Description,
    });
  }
  return rules;
}

function validCidr(cidr: string | undefined, v6: boolean): string {
  const ok = v6 ? /^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr ?? "") : /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr ?? "");
  if (!ok) throw new AwsError("InvalidParameterValue", `CIDR block ${cidr ?? ""} is malformed`);
  return cidr as string;
}

/** A legacy group's IpPermissions as rules; ids hash the group and position so every read agrees. */
function legacyRules(g: Group): Rule[] {
  const out: Rule[] = [];
  for (const [egress, perms] of [
    [false, g.IpPermissions],
    [true, g.IpPermissionsEgress],
  ] as const) {
    for (const perm of perms ?? []) {
      for (const r of explode(g.GroupId ?? "", g.OwnerId ?? "", egress, perm)) {
        const id = `sgr-0${createHash("sha256").update(`${g.GroupId}/${out.length}`).digest("hex").slice(0, 16)}`;
        out.push({ SecurityGroupRuleId: id, ...r });
      }
    }
  }
  return out;
}

/** Every rule, with legacy groups' permissions read as rules. */
export function allRules(state: Ec2State): Rule[] {
  const rules = Object.values(state.securityGroupRules);
  const withRules = new Set(rules.map((r) => r.GroupId));
  for (const g of Object.values(state.securityGroups))
    if (!withRules.has(g.GroupId) && (g.IpPermissions !== undefined || g.IpPermissionsEgress !== undefined)) rules.push(...legacyRules(g));
  return rules;
}

/** Before a call changes a legacy group's rules, they are written out as real rules. */
function materialize(state: Ec2State, g: Group): void {
  if (g.IpPermissions === undefined && g.IpPermissionsEgress === undefined) return;
  if (!Object.values(state.securityGroupRules).some((r) => r.GroupId === g.GroupId)) {
    for (const r of legacyRules(g)) state.securityGroupRules[r.SecurityGroupRuleId ?? ""] = r;
  }
  delete g.IpPermissions;
  delete g.IpPermissionsEgress;
}

/** Rewrites the stored group's permissions from its rules (a cache for raw-state readers; rules stay the source). */
function storePermissions(state: Ec2State, g: Group): void {
  const view = groupView(state, g);
  g.IpPermissions = view.IpPermissions;
  g.IpPermissionsEgress = view.IpPermissionsEgress;
}

const permKey = (r: Rule) => `${r.IpProtocol}|${r.FromPort}|${r.ToPort}`;

/** Rules folded back into IpPermissions: one per protocol and port range, as DescribeSecurityGroups shows them. */
function permissionsOf(rules: Rule[]): Stored<IpPermission>[] {
  const byKey = new Map<string, Stored<IpPermission>>();
  for (const r of rules) {
    let p = byKey.get(permKey(r));
    if (!p) {
      const ported = r.IpProtocol !== "-1";
      p = {
        IpProtocol: r.IpProtocol,
        ...(ported ? { FromPort: r.FromPort, ToPort: r.ToPort } : {}),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      byKey.set(permKey(r), p);
    }
    const d = r.Description ? { Description: r.Description } : {};
    if (r.CidrIpv4) p.IpRanges?.push({ CidrIp: r.CidrIpv4, ...d });
    if (r.CidrIpv6) p.Ipv6Ranges?.push({ CidrIpv6: r.CidrIpv6, ...d });
    if (r.PrefixListId) p.PrefixListIds?.push({ PrefixListId: r.PrefixListId, ...d });
    if (r.ReferencedGroupInfo) p.UserIdGroupPairs?.push({ GroupId: r.ReferencedGroupInfo.GroupId, UserId: r.ReferencedGroupInfo.UserId, ...d });
  }
  return [...byKey.values()];
}

export function groupView(state: Ec2State, g: Group, rules = allRules(state)): Group {
  const mine = rules.filter((r) => r.GroupId === g.GroupId);
  return {
    ...g,
    IpPermissions: permissionsOf(mine.filter((r) => !r.IsEgress)),
    IpPermissionsEgress: permissionsOf(mine.filter((r) => r.IsEgress)),
  };
}

const ruleArn = (ctx: RequestContext, id: string) => `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group-rule/${id}`;

/** Groups by id, or the InvalidGroup errors EC2 gives. */
export function groupsById(state: Ec2State, ids: string[]): Group[] {
  checkIdFormat(ids, "sg", "InvalidGroupId.Malformed");
  const missing = ids.filter((id) => !state.securityGroups[id]);
  if (missing.length)
    throw new AwsError(
      "InvalidGroup.NotFound",
      `The security group${missing.length > 1 ? "s" : ""} '${missing.join(", ")}' ${missing.length > 1 ? "do" : "does"} not exist`,
    );
  return [...new Set(ids)].map((id) => state.securityGroups[id]);
}

function groupByName(state: Ec2State, name: string, vpcId?: string): Group {
  const found = Object.values(state.securityGroups).filter((g) => g.GroupName === name && (vpcId === undefined || g.VpcId === vpcId));
  const defaultVpc = Object.values(state.vpcs).find((v) => v.IsDefault)?.VpcId;
  const pick = found.find((g) => g.VpcId === defaultVpc) ?? (found.length === 1 ? found[0] : undefined);
  if (!pick) {
    throw new AwsError("InvalidGroup.NotFound", `The security group '${name}' does not exist in default VPC '${defaultVpc ?? "none"}'`);
  }
  return pick;
}

function targetGroup(state: Ec2State, input: { GroupId?: string; GroupName?: string }): Group {
  if (input.GroupId) return groupsById(state, [input.GroupId])[0];
  if (input.GroupName) return groupByName(state, input.GroupName);
  throw new AwsError("MissingParameter", "The request must contain the parameter groupName or groupId");
}

const groupFilters = (rules: Rule[]) => {
  const perms = (g: Group, egress: boolean) => rules.filter((r) => r.GroupId === g.GroupId && r.IsEgress === egress);
  return {
    "group-id": (g: Group) => g.GroupId,
    "group-name": (g: Group) => g.GroupName,
    description: (g: Group) => g.Description,
    "vpc-id": (g: Group) => g.VpcId,
    "owner-id": (g: Group) => g.OwnerId,
    "ip-permission.cidr": (g: Group) => perms(g, false).map((r) => r.CidrIpv4),
    "ip-permission.ipv6-cidr": (g: Group) => perms(g, false).map((r) => r.CidrIpv6),
    "ip-permission.from-port": (g: Group) => perms(g, false).map((r) => r.FromPort),
    "ip-permission.to-port": (g: Group) => perms(g, false).map((r) => r.ToPort),
    "ip-permission.protocol": (g: Group) => perms(g, false).map((r) => r.IpProtocol),
    "ip-permission.group-id": (g: Group) => perms(g, false).map((r) => r.ReferencedGroupInfo?.GroupId),
    "ip-permission.prefix-list-id": (g: Group) => perms(g, false).map((r) => r.PrefixListId),
    "egress.ip-permission.cidr": (g: Group) => perms(g, true).map((r) => r.CidrIpv4),
    "egress.ip-permission.from-port": (g: Group) => perms(g, true).map((r) => r.FromPort),
    "egress.ip-permission.to-port": (g: Group) => perms(g, true).map((r) => r.ToPort),
    "egress.ip-permission.protocol": (g: Group) => perms(g, true).map((r) => r.IpProtocol),
    "egress.ip-permission.group-id": (g: Group) => perms(g, true).map((r) => r.ReferencedGroupInfo?.GroupId),
    "egress.ip-permission.ipv6-cidr": (g: Group) => perms(g, true).map((r) => r.CidrIpv6),
  };
};

export const describeSecurityGroups: OpHandler<DescribeSecurityGroupsCommandInput, DescribeSecurityGroupsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && (input.GroupIds?.length || input.GroupNames?.length)) {
    throw new AwsError("InvalidParameterCombination", "The parameter groupIds cannot be used with the parameter maxResults");
  }
  let groups = Object.values(state.securityGroups);
  if (input.GroupIds?.length) groups = groupsById(state, input.GroupIds);
  if (input.GroupNames?.length) {
    const names = input.GroupNames;
    groups = names.map((n) => groupByName(state, n)).filter((g) => groups.includes(g));
  }
  const rules = allRules(state);
  groups = applyFilters(groups, input.Filters, groupFilters(rules));
  const { page, next } = pageOf(
    groups.map((g) => groupView(state, g, rules)),
    input,
    "DescribeSecurityGroups",
  );
  return { SecurityGroups: page as SecurityGroup[], NextToken: next };
};

export const describeSecurityGroupRules: OpHandler<DescribeSecurityGroupRulesCommandInput, DescribeSecurityGroupRulesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  let rules = allRules(state).map((r) => ({ ...r, SecurityGroupRuleArn: r.SecurityGroupRuleArn ?? ruleArn(ctx, r.SecurityGroupRuleId ?? "") }));
  if (input.SecurityGroupRuleIds?.length) {
    const byId = new Map(rules.map((r) => [r.SecurityGroupRuleId, r]));
    const missing = input.SecurityGroupRuleIds.filter((id) => !byId.has(id));
    if (missing.length) throw new AwsError("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${missing.join(", ")}' does not exist`);
    rules = input.SecurityGroupRuleIds.map((id) => byId.get(id)!);
  }
  rules = applyFilters(rules, input.Filters, {
    "group-id": (r) => r.GroupId,
    "security-group-rule-id": (r) => r.SecurityGroupRuleId,
  });
  const { page, next } = pageOf(rules, input, "DescribeSecurityGroupRules");
  return { SecurityGroupRules: page as SecurityGroupRule[], NextToken: next };
};

export const createSecurityGroup: OpHandler<CreateSecurityGroupCommandInput, CreateSecurityGroupCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const name = requireParam(input.GroupName, "GroupName");
  const description = requireParam(input.Description, "GroupDescription");
  if (name.length > 255 || name.toLowerCase().startsWith("sg-")) {
    throw new AwsError("InvalidParameterValue", `Invalid value '${name}' for groupName. Group names may not be in the format sg-*.`);
  }
  let vpcId = input.VpcId;
  if (vpcId) {
    checkIdFormat([vpcId], "vpc", "InvalidVpcID.Malformed");
    if (!state.vpcs[vpcId]) throw notFound("InvalidVpcID.NotFound", "vpc ID", [vpcId]);
  } else {
    vpcId = Object.values(state.vpcs).find((v) => v.IsDefault)?.VpcId;
    if (!vpcId) throw new AwsError("VPCIdNotSpecified", "No default VPC for this user");
  }
  if (Object.values(state.securityGroups).some((g) => g.GroupName === name && g.VpcId === vpcId)) {
    throw new AwsError("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpcId}'`);
  }
  const tags = tagsFor(input.TagSpecifications, "security-group");
  const groupId = resourceId("sg");
  const arn = `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${groupId}`;
  state.securityGroups[groupId] = {
    GroupId: groupId,
    GroupName: name,
    Description: description,
    VpcId: vpcId,
    OwnerId: ctx.accountId,
    SecurityGroupArn: arn,
    Tags: tags,
  };
  // A new VPC group allows all outbound traffic until told otherwise.
  const rid = resourceId("sgr");
  state.securityGroupRules[rid] = {
    SecurityGroupRuleId: rid,
    GroupId: groupId,
    GroupOwnerId: ctx.accountId,
    IsEgress: true,
    IpProtocol: "-1",
    FromPort: -1,
    ToPort: -1,
    CidrIpv4: "0.0.0.0/0",
    SecurityGroupRuleArn: ruleArn(ctx, rid),
  };
  storePermissions(state, state.securityGroups[groupId]);
  return { GroupId: groupId, Tags: tags, SecurityGroupArn: arn };
};

type PermInput = {
  GroupId?: string;
  GroupName?: string;
  IpPermissions?: IpPermission[];
  CidrIp?: string;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  SourceSecurityGroupName?: string;
  SourceSecurityGroupOwnerId?: string;
};

/** The permissions a call names, from IpPermissions or from the older flat parameters. */
function requestedPermissions(state: Ec2State, input: PermInput): IpPermission[] {
  if (input.IpPermissions?.length) return input.IpPermissions;
  if (input.CidrIp || input.IpProtocol || input.SourceSecurityGroupName) {
    const pairs = input.SourceSecurityGroupName
      ? [{ GroupId: groupByName(state, input.SourceSecurityGroupName).GroupId, UserId: input.SourceSecurityGroupOwnerId }]
      : undefined;
    return [
      {
        IpProtocol: input.IpProtocol ?? "-1",
        FromPort: input.FromPort,
        ToPort: input.ToPort,
        IpRanges: input.CidrIp ? [{ CidrIp: input.CidrIp }] : undefined,
        UserIdGroupPairs: pairs,
      },
    ];
  }
  throw new AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
}

const sameRule = (a: Omit<Rule, "SecurityGroupRuleId">, b: Omit<Rule, "SecurityGroupRuleId">) =>
  a.GroupId === b.GroupId &&
  a.IsEgress === b.IsEgress &&
  a.IpProtocol === b.IpProtocol &&
  a.FromPort === b.FromPort &&
  a.ToPort === b.ToPort &&
  a.CidrIpv4 === b.CidrIpv4 &&
  a.CidrIpv6 === b.CidrIpv6 &&
  a.PrefixListId === b.PrefixListId &&
  a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId;

function describeRule(r: Omit<Rule, "SecurityGroupRuleId">): string {
  const peer = r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? r.ReferencedGroupInfo?.GroupId;
  const proto = r.IpProtocol === "-1" ? "ALL" : r.IpProtocol?.toUpperCase();
  const ports = r.IpProtocol === "-1" ? "" : `, from port: ${r.FromPort}, to port: ${r.ToPort}`;
  return `peer: ${peer}, ${proto}${ports}, ALLOW`;
}

function authorize(egress: boolean) {
  return (input: PermInput & { TagSpecifications?: CreateSecurityGroupCommandInput["TagSpecifications"] }, ctx: RequestContext) => {
    const state = ec2State(ctx);
    const group = targetGroup(state, input);
    const groupId = group.GroupId ?? "";
    const perms = requestedPermissions(state, input);
    const wanted = perms.flatMap((p) => explode(groupId, ctx.accountId, egress, p));
    for (const r of wanted) {
      if (r.ReferencedGroupInfo?.GroupId && (r.ReferencedGroupInfo.UserId ?? ctx.accountId) === ctx.accountId)
        groupsById(state, [r.ReferencedGroupInfo.GroupId]);
    }
    if (wanted.length === 0) throw new AwsError("MissingParameter", "The request must contain the parameter ipPermissions");
    const existing = allRules(state);
    for (const r of wanted) {
      if (existing.some((e) => sameRule(e, r)) || wanted.filter((w) => sameRule(w, r)).length > 1) {
        throw new AwsError("InvalidPermission.Duplicate", `the specified rule "${describeRule(r)}" already exists`);
      }
    }
    const tags = tagsFor(input.TagSpecifications, "security-group-rule");
    materialize(state, group);
    const created = wanted.map((r) => {
      const id = resourceId("sgr");
      const rule: Rule = { SecurityGroupRuleId: id, ...r, SecurityGroupRuleArn: ruleArn(ctx, id), Tags: tags };
      state.securityGroupRules[id] = rule;
      return rule;
    });
    storePermissions(state, group);
    return { Return: true, SecurityGroupRules: created as SecurityGroupRule[] };
  };
}

function revoke(egress: boolean) {
  return (input: PermInput & { SecurityGroupRuleIds?: string[] }, ctx: RequestContext) => {
    const state = ec2State(ctx);
    const group = targetGroup(state, input);
    const groupId = group.GroupId ?? "";
    const existing = allRules(state).filter((r) => r.GroupId === groupId && r.IsEgress === egress);
    let doomed: Rule[];
    if (input.SecurityGroupRuleIds?.length) {
      doomed = input.SecurityGroupRuleIds.map((id) => {
        const r = existing.find((e) => e.SecurityGroupRuleId === id);
        if (!r) throw new AwsError("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
        return r;
      });
    } else {
      const wanted = requestedPermissions(state, input).flatMap((p) => explode(groupId, ctx.accountId, egress, p));
      doomed = wanted.map((w) => {
        const r = existing.find((e) => sameRule(e, w));
        if (!r) throw new AwsError("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
        return r;
      });
    }
    materialize(state, group);
    for (const r of doomed) delete state.securityGroupRules[r.SecurityGroupRuleId ?? ""];
    storePermissions(state, group);
    return {
      Return: true,
      RevokedSecurityGroupRules: doomed.map((r) => ({
        SecurityGroupRuleId: r.SecurityGroupRuleId,
        GroupId: r.GroupId,
        IsEgress: r.IsEgress,
        IpProtocol: r.IpProtocol,
        FromPort: r.FromPort,
        ToPort: r.ToPort,
        CidrIpv4: r.CidrIpv4,
        CidrIpv6: r.CidrIpv6,
        PrefixListId: r.PrefixListId,
        ReferencedGroupId: r.ReferencedGroupInfo?.GroupId,
        Description: r.Description,
      })),
    };
  };
}

export const authorizeSecurityGroupIngress: OpHandler<AuthorizeSecurityGroupIngressCommandInput, AuthorizeSecurityGroupIngressCommandOutput> = authorize(false);
export const authorizeSecurityGroupEgress: OpHandler<AuthorizeSecurityGroupEgressCommandInput, AuthorizeSecurityGroupEgressCommandOutput> = authorize(true);
export const revokeSecurityGroupIngress: OpHandler<RevokeSecurityGroupIngressCommandInput, RevokeSecurityGroupIngressCommandOutput> = revoke(false);
export const revokeSecurityGroupEgress: OpHandler<RevokeSecurityGroupEgressCommandInput, RevokeSecurityGroupEgressCommandOutput> = revoke(true);

export const deleteSecurityGroup: OpHandler<DeleteSecurityGroupCommandInput, DeleteSecurityGroupCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const group = targetGroup(state, input);
  const id = group.GroupId ?? "";
  if (group.GroupName === "default") {
    throw new AwsError("CannotDelete", `the specified group: "${id}" name: "default" cannot be deleted by a user`);
  }
  const usedByEni = Object.values(state.networkInterfaces).some((n) => n.Groups?.some((g) => g.GroupId === id));
  const usedByInstance = visibleInstances(state, ctx.time).some((i) => i.State?.Name !== "terminated" && i.SecurityGroups?.some((g) => g.GroupId === id));
  const referenced = allRules(state).some((r) => r.GroupId !== id && r.ReferencedGroupInfo?.GroupId === id);
  if (usedByEni || usedByInstance || referenced) throw new AwsError("DependencyViolation", `resource ${id} has a dependent object`);
  delete state.securityGroups[id];
  for (const r of Object.values(state.securityGroupRules)) if (r.GroupId === id) delete state.securityGroupRules[r.SecurityGroupRuleId ?? ""];
  return { Return: true, GroupId: id };
};
