/**
 * Containment and order objectives, checked against the live state (read in the services' own state types, see
 * snapshot.ts) and the journal of the responder's own calls. Each check is parameterized from the scenario's
 * assessment.json.
 */
import { asList, type Json, statementsOf } from "../core/policy-document.ts";
import type { Ec2State, StoredInstance } from "../services/ec2/state.ts";
import { exposedCredentialsChecks } from "./checks-exposed-credentials.ts";
import { misconfiguredResourceChecks } from "./checks-misconfigured-resource.ts";
import { type Evidence, evidence as ev } from "./messages.ts";
import { type GradingSnapshot, globalState, regionalState } from "./snapshot.ts";

export interface CheckResult {
  fraction: number;
  /** What is still wrong (or, for a pass, how it passed), as messages grade.ts renders and may withhold. */
  evidence: Evidence[];
  /** How many things were checked: what withheld evidence is counted against ("5 of 7"). */
  total?: number;
}

type Check = (snap: GradingSnapshot, params: Record<string, unknown>) => CheckResult;
type ByRegion = Record<string, string[]>;

/** Resource ids, access keys and region names a sentence may print. */
const NAMED = /\b(?:i|sg|vol|snap|ami)-[0-9a-f]{8,17}\b|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\b[a-z]{2}(?:-gov)?-[a-z]+-\d\b/g;

const result = (ok: number, total: number, evidence: Evidence[]): CheckResult => ({ fraction: total === 0 ? 1 : ok / total, evidence, total });

/** Successful calls of the responder, in order. */
function calls(snap: GradingSnapshot, names: string[]) {
  return snap.journal.filter((r) => names.includes(String(r.eventName)) && !r.errorCode);
}

/** True when any string inside v equals one of the ids: robust to how requestParameters nest them. */
function mentions(v: unknown, ids: ReadonlySet<string | undefined>): boolean {
  if (typeof v === "string") return ids.has(v);
  if (Array.isArray(v)) return v.some((x) => mentions(x, ids));
  if (v && typeof v === "object") return Object.values(v).some((x) => mentions(x, ids));
  return false;
}

/** The EBS volumes an instance's block device mappings name. */
function instanceVolumes(inst: StoredInstance | undefined): string[] {
  return (inst?.BlockDeviceMappings ?? []).map((b) => b?.Ebs?.VolumeId).filter((id): id is string => Boolean(id));
}

/** Adds the volumes recorded as attached to an instance (one recorded without an id adds undefined). */
function addAttachedVolumes(ids: Set<string | undefined>, ec2: Partial<Ec2State>, instanceId: string): void {
  for (const v of Object.values(ec2.volumes ?? {})) if (v.Attachments?.some((a) => a.InstanceId === instanceId)) ids.add(v.VolumeId);
}

/** obj[key] when obj is a JSON object. */
const field = (obj: Json | undefined, key: string): Json | undefined => (obj && typeof obj === "object" && !Array.isArray(obj) ? obj[key] : undefined);

export const checks: Record<string, Check> = {
  ...misconfiguredResourceChecks,
  ...exposedCredentialsChecks,
  /**
   * params.instances: {region: [instanceId]} — each must be terminated (shutting-down counts); params.alsoStopped:
   * stopped (or stopping) counts too, where stopping the instance is containment enough.
   */
  instancesTerminated(snap, p) {
    const evidence: Evidence[] = [];
    const accepted = ["terminated", "shutting-down", ...(p.alsoStopped ? ["stopped", "stopping"] : [])];
    let ok = 0;
    let total = 0;
    for (const [region, ids] of Object.entries(p.instances as ByRegion)) {
      for (const id of ids) {
        total++;
        const state = regionalState(snap, region, "ec2").instances?.[id]?.State?.Name ?? "terminated";
        if (accepted.includes(state)) ok++;
        else evidence.push(ev("instanceNotTerminated", { id, region, state }));
      }
    }
    return result(ok, total, evidence);
  },

  /** params.instances: {region: [instanceId]} — every volume of each has a snapshot taken during the response. */
  volumesSnapshotted(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const [region, ids] of Object.entries(p.instances as ByRegion)) {
      const ec2 = regionalState(snap, region, "ec2");
      const snapshots = Object.values(ec2.snapshots ?? {});
      for (const id of ids) {
        const vols = new Set<string | undefined>(instanceVolumes(ec2.instances?.[id]));
        addAttachedVolumes(vols, ec2, id);
        for (const vol of vols) {
          total++;
          if (snapshots.some((s) => s.VolumeId === vol && Date.parse(s.StartTime ?? "") >= Date.parse(snap.anchor))) ok++;
          else evidence.push(ev("volumeNotSnapshotted", { volume: String(vol), id, region }));
        }
      }
    }
    return result(ok, total, evidence);
  },

  /**
   * params.role, params.stolenAt (minutes from discovery), params.overBroad: [policy ARN].
   * Passes when the role denies sessions issued before the theft (aws:TokenIssueTime), or has none of the
   * over-broad policies left attached.
   */
  roleSessionsRevoked(snap, p) {
    const role = globalState(snap, "iam").roles?.[String(p.role)];
    if (!role) return { fraction: 1, evidence: [ev("roleDeleted", { role: String(p.role) })] };
    const stolenAt = Date.parse(snap.anchor) + Number(p.stolenAt) * 60_000;
    for (const [name, doc] of Object.entries(role.InlinePolicies ?? {})) {
      let text: string;
      try {
        text = decodeURIComponent(doc);
      } catch {
        continue;
      }
      for (const s of statementsOf(text)) {
        const before = field(s.Condition, "DateLessThan");
        const cond = field(before, "aws:TokenIssueTime") ?? field(before, "aws:tokenissuetime");
        if (s.Effect === "Deny" && asList(s.Action).includes("*") && cond && Date.parse(String(cond)) >= stolenAt) {
          return { fraction: 1, evidence: [ev("sessionsDenied", { policy: name, time: String(cond) }, [String(p.role)])] };
        }
      }
    }
    const left = ((p.overBroad as string[]) ?? []).filter((arn) => role.AttachedPolicies?.includes(arn));
    if (left.length === 0) return { fraction: 1, evidence: [ev("policiesDetached")] };
    return { fraction: 0, evidence: [ev("sessionsNotRevoked", { role: String(p.role), policies: left.join(", ") })] };
  },

  /**
   * params.attempts: [id] of the scenario's attacker.json — each must be blocked when replayed against (a copy of)
   * the current state: containment graded by its effect, not by what was typed.
   */
  attackerBlocked(snap, p) {
    const ids = p.attempts as string[];
    if (!snap.attacker) return { fraction: 0, evidence: [ev("attackerNotReplayed")], total: ids.length };
    const blocked: Evidence[] = [];
    const possible: Evidence[] = [];
    for (const id of ids) {
      const r = snap.attacker.find((x) => x.id === id);
      if (!r) throw new Error(`assessment names attacker attempt ${id}, which attacker.json does not list`);
      const args = { titleEn: r.title.en, titleJa: r.title.ja, reasonEn: r.reason.en, reasonJa: r.reason.ja };
      // Titles and reasons may name resources and regions (the instance IMDSv1 is open on, the regions the miners
      // ran in): withheld while they would answer a question.
      const about = [...new Set(`${r.title.en} ${r.reason.en}`.match(NAMED) ?? [])];
      (r.blocked ? blocked : possible).push(ev(r.blocked ? "attackerBlocked" : "attackerPossible", args, about));
    }
    // What is still open is the news; when nothing is, how each move was stopped.
    return result(blocked.length, ids.length, possible.length ? possible : blocked);
  },

  /** params.region, params.instanceId: HttpTokens required. */
  imdsv2Required(snap, p) {
    const inst = regionalState(snap, String(p.region), "ec2").instances?.[String(p.instanceId)];
    const tokens = inst?.MetadataOptions?.HttpTokens ?? "optional";
    return tokens === "required"
      ? { fraction: 1, evidence: [], total: 1 }
      : { fraction: 0, evidence: [ev("imdsv1Allowed", { id: String(p.instanceId), tokens })], total: 1 };
  },

  /** params.keyPairs: {region: [name]} — each deleted. */
  keyPairsDeleted(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const [region, names] of Object.entries(p.keyPairs as ByRegion)) {
      for (const name of names) {
        total++;
        if (regionalState(snap, region, "ec2").keyPairs?.[name]) evidence.push(ev("keyPairLeft", { name, region }));
        else ok++;
      }
    }
    return result(ok, total, evidence);
  },

  /** params.groups: {region: [sg id]} — deleted, or no longer open to the world. */
  securityGroupsClosed(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const [region, ids] of Object.entries(p.groups as ByRegion)) {
      const ec2 = regionalState(snap, region, "ec2");
      for (const id of ids) {
        total++;
        const sg = ec2.securityGroups?.[id];
        const open = (sg?.IpPermissions ?? []).some((perm) => perm.IpRanges?.some((r) => r.CidrIp === "0.0.0.0/0"));
        if (!sg || !open) ok++;
        else evidence.push(ev("groupOpen", { id, region }));
      }
    }
    return result(ok, total, evidence);
  },

  /** params.regions: [region] — every finding there archived (samples the responder created excluded). */
  findingsArchived(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const region of p.regions as string[]) {
      for (const f of Object.values(regionalState(snap, region, "guardduty").findings ?? {})) {
        if (f.Service?.AdditionalInfo?.Value?.includes?.('"sample":true')) continue;
        total++;
        if (f.Service?.Archived) ok++;
        else evidence.push(ev("findingNotArchived", { type: String(f.Type), id: String(f.Id).slice(0, 8), region }));
      }
    }
    return result(ok, total, evidence);
  },

  /** params.user, params.keys: [AKIA…] — each inactive or deleted. */
  accessKeysDeactivated(snap, p) {
    const user = globalState(snap, "iam").users?.[String(p.user)];
    const evidence: Evidence[] = [];
    let ok = 0;
    for (const k of p.keys as string[]) {
      const key = user?.AccessKeys?.find((x) => x.AccessKeyId === k);
      if (!key || key.Status === "Inactive") ok++;
      else evidence.push(ev("keyActive", { key: k }, [String(p.user)]));
    }
    return result(ok, (p.keys as string[]).length, evidence);
  },

  /** Order: params.instances {region: [id]} — no instance terminated before a snapshot or image of it was taken. */
  snapshotBeforeTerminate(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    for (const [region, ids] of Object.entries(p.instances as ByRegion)) {
      const ec2 = regionalState(snap, region, "ec2");
      for (const id of ids) {
        const terminate = calls(snap, ["TerminateInstances"]).find((r) => r.awsRegion === region && mentions(r.requestParameters, new Set([id])));
        if (!terminate) continue;
        total++;
        const evidenceIds = new Set<string | undefined>([id, ...instanceVolumes(ec2.instances?.[id])]);
        addAttachedVolumes(evidenceIds, ec2, id);
        const before = calls(snap, ["CreateSnapshot", "CreateSnapshots", "CreateImage"]).find(
          (r) =>
            r.awsRegion === region &&
            r.eventTime <= terminate.eventTime &&
            snap.journal.indexOf(r) < snap.journal.indexOf(terminate) &&
            mentions(r.requestParameters, evidenceIds),
        );
        if (before) ok++;
        else evidence.push(ev("terminatedBeforeSnapshot", { id, region, time: terminate.eventTime }));
      }
    }
    if (total === 0) return { fraction: 0, evidence: [ev("noneTerminated")] };
    return result(ok, total, evidence);
  },

  /**
   * Order: params.regions, params.instances {region: [id]} — the incident's findings archived, and only after
   * every rogue instance was terminated: archiving alerts before containing the threat hides it.
   */
  findingsArchivedAfterContainment(snap, p) {
    const archived = checks.findingsArchived(snap, p);
    if (archived.fraction < 1) return archived;
    const rogue = new Set(Object.values(p.instances as ByRegion).flat());
    const terminations = calls(snap, ["TerminateInstances"]).filter((r) => mentions(r.requestParameters, rogue));
    const firstArchive = snap.journal.findIndex((r) => r.eventName === "ArchiveFindings" && !r.errorCode);
    const lastTerminate = terminations.length ? snap.journal.lastIndexOf(terminations[terminations.length - 1]) : -1;
    if (checks.instancesTerminated(snap, p).fraction < 1 || lastTerminate < 0) {
      return { fraction: 0, evidence: [ev("archivedWhileRunning")] };
    }
    if (firstArchive >= 0 && firstArchive < lastTerminate) {
      return { fraction: 0, evidence: [ev("archivedBeforeContainment", { time: snap.journal[firstArchive].eventTime })] };
    }
    return { fraction: 1, evidence: [] };
  },

  /** Order: params.buckets [name] — nothing deleted from the evidence, logging never stopped. */
  noEvidenceDestroyed(snap, p) {
    const buckets = new Set(p.buckets as string[]);
    const evidence: Evidence[] = [];
    for (const r of calls(snap, ["DeleteObject", "DeleteObjects", "DeleteBucket", "PutBucketLifecycleConfiguration"])) {
      if (mentions(r.requestParameters, buckets)) evidence.push(ev("evidenceDeleted", { event: String(r.eventName), time: r.eventTime }));
    }
    for (const r of calls(snap, ["StopLogging", "DeleteTrail", "DeleteDetector", "DeleteFlowLogs"]))
      evidence.push(ev("loggingStopped", { event: String(r.eventName), time: r.eventTime }));
    return { fraction: evidence.length === 0 ? 1 : 0, evidence };
  },
};
