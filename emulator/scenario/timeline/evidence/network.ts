/**
 * The account's network as it was at any moment of the run, and the traffic it saw: security groups' rules and
 * instances' groups over time (from the final state and the EC2 records that changed them), the timeline's flows with
 * the action the groups gave them, and the internet's background scanning of every instance with a public address.
 * VPC flow logs and GuardDuty's network findings both read this, so they tell the same story.
 */
import type { Ec2State, StoredInstance } from "../../../services/ec2/state.ts";
import type { BuildOutput, ResolvedFlow } from "../model.ts";
import { addressMatches, MIN, params, pascal, response, str, succeeded, timeOfRecord } from "./common.ts";

export interface Rule {
  SecurityGroupRuleId?: string;
  GroupId?: string;
  IsEgress?: boolean;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  ReferencedGroupInfo?: { GroupId?: string; UserId?: string };
}

interface RuleSpan {
  rule: Rule;
  from: number;
  to: number;
}

const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

export const protocolNumber = (p: string): number => PROTOCOL_NUMBERS[p] ?? (Number(p) || 0);

/** One end of traffic that is an instance of the account. */
export interface LocalEnd {
  instanceId: string;
  eni: string;
  privateIp: string;
  publicIp?: string;
  vpcId: string;
  subnetId: string;
}

/** Traffic as the network saw it: a flow step (or a scanner's probe) with the action the security groups gave it. */
export interface Traffic {
  /** The flow step's index, or -1 for background scanning. */
  step: number;
  region: string;
  start: number;
  end: number;
  src: string;
  dst: string;
  dstPort: number;
  protocol: "tcp" | "udp" | "icmp";
  /** Each connection's source port (its own ephemeral port unless the step fixed one). */
  srcPorts: number[];
  packets: number;
  bytes: number;
  replyBytes: number;
  /** What the source's egress rules did (ACCEPT unless they deny it) and what the destination's ingress did. */
  srcAction: "ACCEPT" | "REJECT";
  action: "ACCEPT" | "REJECT";
  srcEnd?: LocalEnd;
  dstEnd?: LocalEnd;
  noise: boolean;
}

/** The security groups of one region through the run. */
export class GroupHistory {
  private readonly spans = new Map<string, RuleSpan[]>();
  private readonly created = new Map<string, number>();
  private readonly groupChanges = new Map<string, { at: number; groups: string[] }[]>();
  private readonly launched = new Map<string, string[]>();

  constructor(
    private readonly ec2: Ec2State,
    out: BuildOutput,
    account: string,
    region: string,
  ) {
    const mine = out.records.filter(
      (r) => r.eventSource === "ec2.amazonaws.com" && r.awsRegion === region && (str(r.recipientAccountId) ?? account) === account && succeeded(r),
    );
    const added = new Map<string, number>();
    const removed = new Map<string, number>();
    const seen = new Map<string, Rule>();
    const deletedGroups = new Map<string, number>();
    const remember = (raw: unknown, at: number | undefined, into: Map<string, number>) => {
      const r = pascal(raw) as Rule & { ReferencedGroupId?: string };
      const id = r.SecurityGroupRuleId;
      if (!id) return;
      if (r.ReferencedGroupId && !r.ReferencedGroupInfo) r.ReferencedGroupInfo = { GroupId: r.ReferencedGroupId };
      if (!seen.has(id)) seen.set(id, r);
      if (at !== undefined && !into.has(id)) into.set(id, at);
    };
    for (const r of mine) {
      const t = timeOfRecord(r);
      const e = response(r);
      const p = params(r);
      switch (r.eventName) {
        case "AuthorizeSecurityGroupIngress":
        case "AuthorizeSecurityGroupEgress":
          for (const x of listOf(e.securityGroupRules ?? e.securityGroupRuleSet)) remember(x, t, added);
          break;
        case "RevokeSecurityGroupIngress":
        case "RevokeSecurityGroupEgress":
          for (const x of listOf(e.revokedSecurityGroupRules ?? e.revokedSecurityGroupRuleSet)) remember(x, t, removed);
          break;
        case "CreateSecurityGroup":
          if (str(e.groupId)) this.created.set(e.groupId as string, t);
          break;
        case "DeleteSecurityGroup": {
          const id = str(e.groupId) ?? str(p.groupId);
          if (id) deletedGroups.set(id, t);
          break;
        }
        case "RunInstances":
          for (const i of instancesIn(e)) this.launched.set(i.instanceId, i.groups);
          break;
        case "ModifyInstanceAttribute": {
          const id = str(p.instanceId);
          const groups = groupIdsIn(p.groups ?? p.groupSet);
          if (id && groups.length) this.noteGroups(id, t, groups);
          break;
        }
        case "ModifyNetworkInterfaceAttribute": {
          const eni = str(p.networkInterfaceId);
          const groups = groupIdsIn(p.groups ?? p.groupSet);
          const inst = Object.values(ec2.instances).find((i) => i.NetworkInterfaces?.[0]?.NetworkInterfaceId === eni);
          if (inst?.InstanceId && groups.length) this.noteGroups(inst.InstanceId, t, groups);
          break;
        }
      }
    }
    for (const rule of Object.values(ec2.securityGroupRules)) seen.set(rule.SecurityGroupRuleId as string, rule as Rule);
    for (const [id, rule] of seen) {
      const group = rule.GroupId ?? "";
      const from = added.get(id) ?? this.created.get(group) ?? Number.NEGATIVE_INFINITY;
      const gone = Object.hasOwn(ec2.securityGroupRules, id) ? undefined : (removed.get(id) ?? deletedGroups.get(group));
      const list = this.spans.get(group) ?? [];
      list.push({ rule, from, to: gone ?? Number.POSITIVE_INFINITY });
      this.spans.set(group, list);
    }
  }

  private noteGroups(instanceId: string, at: number, groups: string[]): void {
    const list = this.groupChanges.get(instanceId) ?? [];
    list.push({ at, groups });
    this.groupChanges.set(instanceId, list);
  }

  /** The group's rules in force at `at`. */
  rulesAt(groupId: string, at: number): Rule[] {
    return (this.spans.get(groupId) ?? []).filter((s) => s.from <= at && at < s.to).map((s) => s.rule);
  }

  /** When the group's rules changed (a rule added or removed), oldest first. */
  changeTimes(groupId: string): number[] {
    const times = new Set<number>();
    for (const s of this.spans.get(groupId) ?? []) {
      if (Number.isFinite(s.from)) times.add(s.from);
      if (Number.isFinite(s.to)) times.add(s.to);
    }
    return [...times].sort((a, b) => a - b);
  }

  /** When the group was made by a call of the run (undefined: it was there before). */
  createdAt(groupId: string): number | undefined {
    return this.created.get(groupId);
  }

  /** The instance's security groups at `at`. */
  groupsOf(instanceId: string, at: number): string[] {
    const changes = this.groupChanges.get(instanceId) ?? [];
    const final = (this.ec2.instances[instanceId]?.SecurityGroups ?? []).map((g) => g.GroupId as string);
    // Before the first change the launch's groups; a launch the records do not show had the first change's (or the final) ones.
    let current = this.launched.get(instanceId) ?? changes[0]?.groups ?? final;
    for (const c of changes) if (c.at <= at) current = c.groups;
    return current;
  }

  /**
   * Whether the groups let a connection through: inbound from `peer` to `port`, or outbound to it. Security groups
   * are stateful, so replies of an admitted connection always pass.
   */
  admits(groups: string[], at: number, direction: "in" | "out", peer: string, protocol: string, port: number, peerGroups: string[] = []): boolean {
    const proto = String(protocolNumber(protocol));
    for (const g of groups) {
      for (const r of this.rulesAt(g, at)) {
        if (!!r.IsEgress !== (direction === "out")) continue;
        const rp = r.IpProtocol ?? "-1";
        if (rp !== "-1" && String(protocolNumber(rp)) !== proto) continue;
        if (rp !== "-1" && protocol !== "icmp" && !((r.FromPort ?? 0) <= port && port <= (r.ToPort ?? 65535))) continue;
        if (r.CidrIpv4 && addressMatches(peer, r.CidrIpv4)) return true;
        if (r.ReferencedGroupInfo?.GroupId && peerGroups.includes(r.ReferencedGroupInfo.GroupId)) return true;
      }
    }
    return false;
  }
}

function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const items = (v as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? items : [];
}

function groupIdsIn(v: unknown): string[] {
  return listOf(v)
    .map((g) => (typeof g === "string" ? g : (str((g as Record<string, unknown>).groupId) ?? "")))
    .filter(Boolean);
}

/** Instances a RunInstances response names, with their groups (the range's shape, or AWS's instancesSet.items). */
function instancesIn(e: Record<string, unknown>): { instanceId: string; groups: string[] }[] {
  return listOf(e.instances ?? e.instancesSet).flatMap((x) => {
    const i = x as Record<string, unknown>;
    const id = str(i.instanceId);
    return id ? [{ instanceId: id, groups: groupIdsIn(i.securityGroups ?? i.groupSet) }] : [];
  });
}

/** The instance's primary interface as a LocalEnd. */
export function localEndOf(i: StoredInstance): LocalEnd {
  const eni = i.NetworkInterfaces?.[0];
  const publicIp = i.PublicIpAddress ?? eni?.Association?.PublicIp;
  return {
    instanceId: i.InstanceId as string,
    eni: eni?.NetworkInterfaceId ?? "",
    privateIp: i.PrivateIpAddress ?? eni?.PrivateIpAddress ?? "",
    ...(publicIp ? { publicIp } : {}),
    vpcId: i.VpcId ?? "",
    subnetId: i.SubnetId ?? "",
  };
}

export const ec2Of = (out: BuildOutput, account: string, region: string): Ec2State | undefined =>
  out.accounts[account]?.regions[region]?.ec2 as Ec2State | undefined;

/** When an instance stopped being reachable: its TerminateInstances, or its last StopInstances if it ends stopped. */
function endOf(out: BuildOutput, i: StoredInstance): number {
  const state = i.State?.Name;
  if (state !== "terminated" && state !== "stopped" && state !== "stopping" && state !== "shutting-down") return out.discovery;
  const names = state === "terminated" || state === "shutting-down" ? ["TerminateInstances"] : ["StopInstances"];
  let end = out.discovery;
  for (const r of out.records) {
    if (!names.includes(r.eventName) || !succeeded(r)) continue;
    const ids = listOf(params(r).instanceIds ?? params(r).instancesSet).map((x) =>
      typeof x === "string" ? x : str((x as Record<string, unknown>).instanceId),
    );
    if (ids.includes(i.InstanceId)) end = timeOfRecord(r);
  }
  return end;
}

/** Ports internet scanners knock on, weighted as honeypots see them. */
const SCANNED_PORTS: readonly (readonly [number, number])[] = [
  [22, 8],
  [23, 3],
  [80, 3],
  [443, 2],
  [3389, 4],
  [445, 2],
  [3306, 2],
  [5432, 1],
  [6379, 1],
  [8080, 2],
  [25, 1],
];

const cache = new WeakMap<BuildOutput, { traffic: Traffic[]; histories: Map<string, GroupHistory> }>();

/** The group history of an account's region (built once per build). */
export function groupHistory(out: BuildOutput, account: string, region: string): GroupHistory | undefined {
  return network(out).histories.get(`${account}|${region}`);
}

/** Every flow of the run and the background scanning, with the actions the groups gave them (built once per build). */
export function trafficOf(out: BuildOutput): Traffic[] {
  return network(out).traffic;
}

function network(out: BuildOutput) {
  let n = cache.get(out);
  if (!n) {
    n = buildNetwork(out);
    cache.set(out, n);
  }
  return n;
}

function buildNetwork(out: BuildOutput) {
  const account = out.manifest.accountId;
  const histories = new Map<string, GroupHistory>();
  const history = (region: string) => {
    const k = `${account}|${region}`;
    let h = histories.get(k);
    if (!h) {
      const ec2 = ec2Of(out, account, region);
      if (!ec2) return undefined;
      h = new GroupHistory(ec2, out, account, region);
      histories.set(k, h);
    }
    return h;
  };
  for (const region of Object.keys(out.accounts[account]?.regions ?? {}).sort()) history(region);
  const ports = out.rng("evidence/flow-ports");
  const ephemeral = () => ports.int(32768, 60999);
  /** The account's instance at an address of the region, as the final state has it. */
  const instanceAt = (region: string, ip: string): StoredInstance | undefined =>
    Object.values(ec2Of(out, account, region)?.instances ?? {}).find((i) => i.PrivateIpAddress === ip || i.PublicIpAddress === ip);
  const endFor = (region: string, ip: string, known: ResolvedFlow["local"] | undefined, side: "src" | "dst"): LocalEnd | undefined => {
    if (known && known.side === side) {
      const { side: _, ...end } = known;
      return end;
    }
    const i = instanceAt(region, ip);
    return i ? localEndOf(i) : undefined;
  };
  const decide = (t: Omit<Traffic, "srcAction" | "action">, stepAction: "ACCEPT" | "REJECT"): Traffic => {
    const h = history(t.region);
    const srcGroups = t.srcEnd && h ? h.groupsOf(t.srcEnd.instanceId, t.start) : [];
    const dstGroups = t.dstEnd && h ? h.groupsOf(t.dstEnd.instanceId, t.start) : [];
    let srcAction: "ACCEPT" | "REJECT" = "ACCEPT";
    let action: "ACCEPT" | "REJECT" = stepAction;
    if (h && t.srcEnd && srcGroups.length && !h.admits(srcGroups, t.start, "out", t.dst, t.protocol, t.dstPort, dstGroups)) srcAction = "REJECT";
    if (h && t.dstEnd && dstGroups.length) {
      action = stepAction === "REJECT" || !h.admits(dstGroups, t.start, "in", t.src, t.protocol, t.dstPort, srcGroups) ? "REJECT" : "ACCEPT";
    }
    if (srcAction === "REJECT") action = "REJECT";
    return { ...t, srcAction, action };
  };

  const traffic: Traffic[] = [];
  for (const f of out.flows) {
    const srcEnd = endFor(f.region, f.src, f.local, "src");
    const dstEnd = endFor(f.region, f.dst, f.local, "dst");
    const srcPorts = Array.from({ length: f.connections }, () => f.srcPort ?? (f.protocol === "icmp" ? 0 : ephemeral()));
    traffic.push(
      decide(
        {
          step: f.step,
          region: f.region,
          start: f.start,
          end: f.end,
          src: f.src,
          dst: f.dst,
          dstPort: f.protocol === "icmp" ? 0 : f.dstPort,
          protocol: f.protocol,
          srcPorts,
          packets: f.packets,
          bytes: f.bytes,
          replyBytes: f.replyBytes,
          ...(srcEnd ? { srcEnd } : {}),
          ...(dstEnd ? { dstEnd } : {}),
          noise: false,
        },
        f.action,
      ),
    );
  }

  // The internet's scanners find every public address within the hour: a few probes an hour, from addresses the
  // timeline does not use for anyone else.
  const noise = out.rng("evidence/scanners");
  const used = new Set<string>([
    ...Object.values(out.timeline.ips ?? {}),
    ...Object.keys(out.timeline.ipInfo ?? {}),
    ...out.flows.flatMap((f) => [f.src, f.dst]),
  ]);
  const scanners = Array.from({ length: 120 }, (_, i) => `192.0.2.${130 + i}`).filter((ip) => !used.has(ip));
  for (const region of Object.keys(out.accounts[account]?.regions ?? {}).sort()) {
    const ec2 = ec2Of(out, account, region);
    for (const id of Object.keys(ec2?.instances ?? {}).sort()) {
      const inst = (ec2 as Ec2State).instances[id];
      const end = localEndOf(inst);
      if (!end.publicIp || !scanners.length) continue;
      const from = Math.max(Date.parse(inst.LaunchTime ?? "") || out.start, out.start);
      const until = endOf(out, inst);
      for (let t = from + noise.int(5, 50) * MIN; t < until; t += noise.int(8, 45) * MIN) {
        const port = noise.weighted(SCANNED_PORTS);
        const s = Math.floor(t / 1000) * 1000;
        traffic.push(
          decide(
            {
              step: -1,
              region,
              start: s,
              end: s + noise.int(1, 6) * 1000,
              src: noise.pick(scanners),
              dst: end.publicIp,
              dstPort: port,
              protocol: "tcp",
              srcPorts: [ephemeral()],
              packets: noise.int(1, 3),
              bytes: 40 + noise.int(0, 2) * 4,
              replyBytes: 40,
              dstEnd: end,
              noise: true,
            },
            "ACCEPT",
          ),
        );
      }
    }
  }
  traffic.sort((a, b) => a.start - b.start || a.step - b.step);
  return { traffic, histories };
}
