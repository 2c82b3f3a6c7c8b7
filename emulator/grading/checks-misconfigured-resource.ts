/**
 * Checks of the misconfigured-resource scenario: the remediation of the attack surface (SSH no longer open to the
 * internet, the instance role no longer able to reach data it never needed) and preservation before anything
 * destructive. Each reads the grading snapshot only, as checks.ts's do.
 */
import { evaluate } from "../authz/engine/index.ts";
import type { NamedPolicy } from "../core/authz.ts";
import type { JournalRecord } from "../core/records.ts";
import type { Ec2State } from "../services/ec2/state.ts";
import { awsManagedPolicy, isAwsManagedArn } from "../services/iam/aws-managed-policies.ts";
import { plainDocument } from "../services/iam/common.ts";
import type { IamState } from "../services/iam/state.ts";
import type { BucketRecord } from "../services/s3/object-store.ts";
import type { CheckResult } from "./checks.ts";
import { type Evidence, evidence as ev } from "./messages.ts";
import { type GradingSnapshot, globalState, regionalState } from "./snapshot.ts";

type Check = (snap: GradingSnapshot, params: Record<string, unknown>) => CheckResult;
type ByRegion = Record<string, string[]>;
type Permission = { IpProtocol?: string; FromPort?: number; ToPort?: number; IpRanges?: { CidrIp?: string }[]; Ipv6Ranges?: { CidrIpv6?: string }[] };

const result = (ok: number, total: number, evidence: Evidence[]): CheckResult => ({ fraction: total === 0 ? 1 : ok / total, evidence, total });

/** Whether a permission lets the whole internet reach a TCP port. */
function worldOpen(p: Permission, port: number): boolean {
  const proto = p.IpProtocol ?? "";
  const reaches = proto === "-1" || ((proto === "tcp" || proto === "6") && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535));
  return reaches && (!!p.IpRanges?.some((r) => r.CidrIp === "0.0.0.0/0") || !!p.Ipv6Ranges?.some((r) => r.CidrIpv6 === "::/0"));
}

/** The document of a managed policy as the account has it (AWS's own, or a customer managed one). */
function managedDocument(iam: Partial<IamState>, arn: string): string | undefined {
  const p = isAwsManagedArn(arn) ? awsManagedPolicy(arn) : iam.policies?.[arn];
  const v = p?.Versions.find((x) => x.IsDefaultVersion) ?? p?.Versions[0];
  return v ? plainDocument(v.Document) : undefined;
}

/** A role's identity policies and boundary, read from the snapshot as the range's authorization reads them. */
function rolePolicies(iam: Partial<IamState>, roleName: string): { arn: string; identity: NamedPolicy[]; boundary?: NamedPolicy } | undefined {
  const role = iam.roles?.[roleName];
  if (!role?.Arn) return undefined;
  const identity: NamedPolicy[] = Object.entries(role.InlinePolicies ?? {}).map(([name, doc]) => ({
    kind: "identity",
    name,
    attachedTo: role.Arn,
    document: plainDocument(doc),
  }));
  for (const arn of role.AttachedPolicies ?? []) {
    const document = managedDocument(iam, arn);
    if (document) identity.push({ kind: "identity", name: arn.slice(arn.lastIndexOf("/") + 1), arn, attachedTo: role.Arn, document });
  }
  const bArn = role.PermissionsBoundary?.PermissionsBoundaryArn;
  const bDoc = bArn ? managedDocument(iam, bArn) : undefined;
  return {
    arn: role.Arn,
    identity,
    ...(bArn && bDoc ? { boundary: { kind: "boundary", name: bArn.slice(bArn.lastIndexOf("/") + 1), arn: bArn, document: bDoc } } : {}),
  };
}

function bucketOf(snap: GradingSnapshot, name: string): BucketRecord | undefined {
  const s3 = snap.state.accounts[snap.accountId]?.global.s3 as { buckets?: Record<string, BucketRecord> } | undefined;
  return s3?.buckets?.[name];
}

/** Successful calls, in journal order. */
const succeeded = (snap: GradingSnapshot, names: string[]): JournalRecord[] => snap.journal.filter((r) => names.includes(String(r.eventName)) && !r.errorCode);

function mentions(v: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof v === "string") return ids.has(v);
  if (Array.isArray(v)) return v.some((x) => mentions(x, ids));
  if (v && typeof v === "object") return Object.values(v).some((x) => mentions(x, ids));
  return false;
}

/** The instance and its EBS volumes, by id: what a snapshot, an image or a destructive call names. */
function instanceAndVolumes(ec2: Partial<Ec2State>, instanceId: string): Set<string> {
  const ids = new Set([instanceId]);
  for (const b of ec2.instances?.[instanceId]?.BlockDeviceMappings ?? []) if (b.Ebs?.VolumeId) ids.add(b.Ebs.VolumeId);
  for (const v of Object.values(ec2.volumes ?? {})) if (v.VolumeId && v.Attachments?.some((a) => a.InstanceId === instanceId)) ids.add(v.VolumeId);
  return ids;
}

export const misconfiguredResourceChecks: Record<string, Check> = {
  /** params.groups {region: [sg id]}, params.port — no rule of the group lets 0.0.0.0/0 or ::/0 reach the port (or the group is gone). */
  worldOpenPortClosed(snap, p) {
    const port = Number(p.port);
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const [region, ids] of Object.entries(p.groups as ByRegion)) {
      const ec2 = regionalState(snap, region, "ec2");
      for (const id of ids) {
        total++;
        const perms = (ec2.securityGroups?.[id]?.IpPermissions ?? []) as Permission[];
        if (perms.some((x) => worldOpen(x, port))) evidence.push(ev("groupOpen", { id, region }));
        else ok++;
      }
    }
    return result(ok, total, evidence);
  },

  /**
   * params.role, params.sourceIp, params.moves [{ action, resource, bucket?, titleEn, titleJa }] — a fresh session of
   * the role (issued later, used from sourceIp outside the VPC, as stolen credentials are) is refused each move by the
   * role's policies and boundary, or by the bucket's policy: least privilege graded by its effect, whatever way it
   * was reached (the policy detached, a narrower one, a deny, a VPC condition, a bucket policy).
   */
  roleCannotReach(snap, p) {
    const moves = p.moves as { action: string; resource: string; bucket?: string; titleEn: string; titleJa: string }[];
    const role = rolePolicies(globalState(snap, "iam"), String(p.role));
    const blocked: Evidence[] = [];
    const possible: Evidence[] = [];
    for (const m of moves) {
      const args = { titleEn: m.titleEn, titleJa: m.titleJa };
      if (!role) {
        blocked.push(ev("attackerBlocked", { ...args, reasonEn: "the role was deleted", reasonJa: "ロールは削除されています" }));
        continue;
      }
      const bucket = m.bucket ? bucketOf(snap, m.bucket) : undefined;
      // A session issued a week from now: a revocation (aws:TokenIssueTime) stops the stolen sessions, not the role.
      const later = new Date(Date.parse(snap.now) + 7 * 86_400_000).toISOString();
      const d = evaluate(
        {
          principal: {
            type: "AssumedRole",
            arn: `arn:aws:sts::${snap.accountId}:assumed-role/${String(p.role)}/i-fresh`,
            accountId: snap.accountId,
            roleArn: role.arn,
          },
          action: m.action,
          resource: m.resource,
          context: {
            "aws:CurrentTime": later,
            "aws:TokenIssueTime": later,
            "aws:SourceIp": String(p.sourceIp),
            "aws:SecureTransport": true,
            "aws:MultiFactorAuthPresent": false,
          },
        },
        {
          identity: role.identity,
          ...(role.boundary ? { boundary: role.boundary } : {}),
          ...(bucket?.policy ? { resource: { kind: "resource", name: "bucket policy", attachedTo: `arn:aws:s3:::${m.bucket}`, document: bucket.policy } } : {}),
        },
      );
      if (d.decision === "allowed") {
        const by = d.matched.find((s) => s.effect === "Allow")?.policy.name ?? "a policy";
        possible.push(ev("attackerPossible", { ...args, reasonEn: `${m.action} allowed by ${by}`, reasonJa: `${m.action} は ${by} で許可されている` }));
      } else {
        const by = d.decision === "explicitDeny" ? (d.matched.find((s) => s.effect === "Deny")?.policy.name ?? "an explicit deny") : undefined;
        blocked.push(
          ev("attackerBlocked", {
            ...args,
            reasonEn: by ? `${m.action} denied by ${by}` : `${m.action} not allowed by any policy of the role`,
            reasonJa: by ? `${m.action} は ${by} で拒否` : `${m.action} を許可するロールのポリシーがない`,
          }),
        );
      }
    }
    return result(blocked.length, moves.length, possible.length ? possible : blocked);
  },

  /**
   * Order: params.region, params.instanceId — a snapshot or image of the instance was taken, and before anything
   * that destroys evidence on it (stopping loses its memory and processes, terminating its disks).
   */
  preservedBeforeDestructive(snap, p) {
    const region = String(p.region);
    const id = String(p.instanceId);
    const ec2 = regionalState(snap, region, "ec2");
    const ids = instanceAndVolumes(ec2, id);
    const inRegion = (r: JournalRecord) => r.awsRegion === region && mentions(r.requestParameters, ids);
    const preserved = succeeded(snap, ["CreateSnapshot", "CreateSnapshots", "CreateImage"]).find(inRegion);
    const destroyed = succeeded(snap, ["StopInstances", "TerminateInstances", "RebootInstances", "DetachVolume", "DeleteVolume"]).find(inRegion);
    const first = (a: JournalRecord | undefined, b: JournalRecord | undefined) => !!a && (!b || snap.journal.indexOf(a) < snap.journal.indexOf(b));
    if (destroyed && !first(preserved, destroyed)) {
      return { fraction: 0, evidence: [ev("evidenceDeleted", { event: String(destroyed.eventName), time: destroyed.eventTime }, [id])], total: 1 };
    }
    if (!preserved) {
      const volumes = [...ids].filter((x) => x !== id);
      return { fraction: 0, evidence: volumes.map((volume) => ev("volumeNotSnapshotted", { volume, id, region })), total: volumes.length };
    }
    return { fraction: 1, evidence: [], total: 1 };
  },
};
