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
  /** Why, naming no resource (what a student sees before answering). */
  reason: { en: string; ja: string };
  /** The resources concerned, for a debrief (--reveal). */
  detail?: string;
}

const alive = (i: StoredInstance | undefined) => !!i && !["terminated", "shutting-down"].includes(i.State?.Name ?? "");

function imdsv1(runtime: Runtime, door: Extract<Door, { kind: "imdsv1" }>): DoorResult {
  const inst = ec2StateOf(runtime, runtime.accountId, door.region).instances[door.instanceId];
  const detail = `${door.instanceId} (${door.region})`;
  const shut = (en: string, ja: string): DoorResult => ({ possible: false, reason: { en, ja }, detail });
  if (!alive(inst)) return shut("the instance is terminated", "インスタンスは終了済み");
  const opts = inst?.MetadataOptions ?? {};
  if (opts.HttpEndpoint === "disabled") return shut("the instance's metadata endpoint is disabled", "インスタンスのメタデータエンドポイントは無効");
  if (opts.HttpTokens === "required") return shut("the instance requires IMDSv2 tokens", "インスタンスは IMDSv2 のトークンを必須にしている");
  if (!inst?.IamInstanceProfile)
    return shut("the instance has no instance profile: no credentials to steal", "インスタンスにインスタンスプロファイルがなく、盗める認証情報がない");
  const state = inst.State?.Name ?? "";
  return {
    possible: true,
    reason: {
      en: `IMDSv1 still allowed on the instance (${state}${state === "stopped" ? ": open again when it starts" : ""})`,
      ja: `インスタンスで IMDSv1 がまだ許可されている (${state}${state === "stopped" ? "。起動すれば再び開く" : ""})`,
    },
    detail,
  };
}

function ssh(runtime: Runtime, door: Extract<Door, { kind: "ssh" }>): DoorResult {
  const exposed: string[] = [];
  for (const region of door.regions) {
    const ec2 = ec2StateOf(runtime, runtime.accountId, region);
    for (const inst of Object.values(ec2.instances)) {
      if (!alive(inst) || (door.keyName !== undefined && inst.KeyName !== door.keyName)) continue;
      const groups = new Set((inst.SecurityGroups ?? []).map((g) => g.GroupId));
      for (const eni of inst.NetworkInterfaces ?? []) for (const g of eni.Groups ?? []) groups.add(g.GroupId);
      const open = [...groups].some((gid) => gid && opensPort(ec2.securityGroups[gid]?.IpPermissions ?? [], door.port, door.sourceIp));
      if (open) exposed.push(`${inst.InstanceId} (${region})`);
    }
  }
  const n = exposed.length;
  return n
    ? {
        possible: true,
        reason: {
          en: `port ${door.port} reachable from the attacker's address on ${n} ${n === 1 ? "instance" : "instances"}`,
          ja: `${n} 台のインスタンスのポート ${door.port} に攻撃者のアドレスから到達できる`,
        },
        detail: exposed.join(", "),
      }
    : {
        possible: false,
        reason: {
          en: `no instance accepts port ${door.port} from the attacker's address`,
          ja: `攻撃者のアドレスからポート ${door.port} を受け付けるインスタンスはない`,
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
