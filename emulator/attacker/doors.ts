/**
 * Doors that are no API call, judged from the account's state as the attacker would find it: role credentials
 * re-stolen through the SSRF while the instance answers IMDSv1, and SSH through a security group open to the
 * attacker's address.
 */
import { BlockList, isIPv4 } from "node:net";
import type { Runtime } from "../core/runtime.ts";
import { ec2StateOf, type StoredInstance } from "../services/ec2/state.ts";
import type { Door } from "./plan.ts";

export interface DoorResult {
  possible: boolean;
  reason: { en: string; ja: string };
}

const alive = (i: StoredInstance | undefined) => !!i && !["terminated", "shutting-down"].includes(i.State?.Name ?? "");

function imdsv1(runtime: Runtime, door: Extract<Door, { kind: "imdsv1" }>): DoorResult {
  const inst = ec2StateOf(runtime, runtime.accountId, door.region).instances[door.instanceId];
  const id = door.instanceId;
  if (!alive(inst)) return { possible: false, reason: { en: `${id} is terminated`, ja: `${id} は終了済み` } };
  const opts = inst?.MetadataOptions ?? {};
  if (opts.HttpEndpoint === "disabled")
    return { possible: false, reason: { en: `the metadata endpoint of ${id} is disabled`, ja: `${id} のメタデータエンドポイントは無効` } };
  if (opts.HttpTokens === "required")
    return { possible: false, reason: { en: `${id} requires IMDSv2 tokens`, ja: `${id} は IMDSv2 のトークンを必須にしている` } };
  if (!inst?.IamInstanceProfile)
    return {
      possible: false,
      reason: { en: `${id} has no instance profile: no credentials to steal`, ja: `${id} にインスタンスプロファイルがなく、盗める認証情報がない` },
    };
  const state = inst.State?.Name ?? "";
  return {
    possible: true,
    reason: {
      en: `IMDSv1 still allowed on ${id} (${state}${state === "stopped" ? ": open again when it starts" : ""})`,
      ja: `${id} で IMDSv1 がまだ許可されている (${state}${state === "stopped" ? "。起動すれば再び開く" : ""})`,
    },
  };
}

function ssh(runtime: Runtime, door: Extract<Door, { kind: "ssh" }>): DoorResult {
  const exposed: string[] = [];
  for (const region of door.regions) {
    const ec2 = ec2StateOf(runtime, runtime.accountId, region);
    for (const inst of Object.values(ec2.instances)) {
      if (!alive(inst)) continue;
      const groups = new Set((inst.SecurityGroups ?? []).map((g) => g.GroupId));
      for (const eni of inst.NetworkInterfaces ?? []) for (const g of eni.Groups ?? []) groups.add(g.GroupId);
      const open = [...groups].some((gid) => gid && opensPort(ec2.securityGroups[gid]?.IpPermissions ?? [], door.port, door.sourceIp));
      if (open) exposed.push(`${inst.InstanceId} (${region})`);
    }
  }
  return exposed.length
    ? {
        possible: true,
        reason: {
          en: `port ${door.port} reachable from ${door.sourceIp} on ${exposed.join(", ")}`,
          ja: `${exposed.join("、")} のポート ${door.port} に ${door.sourceIp} から到達できる`,
        },
      }
    : {
        possible: false,
        reason: {
          en: `no instance accepts port ${door.port} from ${door.sourceIp}`,
          ja: `${door.sourceIp} からポート ${door.port} を受け付けるインスタンスはない`,
        },
      };
}

type Permission = { IpProtocol?: string; FromPort?: number; ToPort?: number; IpRanges?: { CidrIp?: string }[] };

function opensPort(perms: Permission[], port: number, sourceIp: string): boolean {
  return perms.some((p) => {
    const proto = p.IpProtocol ?? "";
    const protoOk = proto === "-1" || proto === "tcp" || proto === "6";
    const portOk = proto === "-1" || ((p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535));
    return protoOk && portOk && (p.IpRanges ?? []).some((r) => r.CidrIp !== undefined && cidrContains(r.CidrIp, sourceIp));
  });
}

function cidrContains(cidr: string, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const [net, bits] = cidr.split("/");
  if (!isIPv4(net)) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits ?? 32), "ipv4");
  return list.check(ip, "ipv4");
}

export function judgeDoor(runtime: Runtime, door: Door): DoorResult {
  return door.kind === "imdsv1" ? imdsv1(runtime, door) : ssh(runtime, door);
}
