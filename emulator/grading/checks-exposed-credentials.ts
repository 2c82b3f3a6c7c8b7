/**
 * Checks of the exposed-credentials scenario (recordings/exposed-credentials/assessment.json) that the shared ones do
 * not cover: the trail logging again, and the miners stopped or terminated, with their volumes preserved before any
 * was terminated. Stopping keeps an instance's volumes, so it needs no snapshot first; terminating destroys them.
 */
import type { JournalRecord } from "../core/records.ts";
import type { CloudTrailState } from "../services/cloudtrail/state.ts";
import type { CheckResult } from "./checks.ts";
import { type Evidence, evidence as ev } from "./messages.ts";
import { type GradingSnapshot, regionalState } from "./snapshot.ts";

type Check = (snap: GradingSnapshot, params: Record<string, unknown>) => CheckResult;
type ByRegion = Record<string, string[]>;

/** Successful calls of the responder with these names, in order. */
const succeeded = (snap: GradingSnapshot, names: string[]) => snap.journal.filter((r) => names.includes(String(r.eventName)) && !r.errorCode);

/** True when any string inside v is one of the ids (however requestParameters nest them). */
function mentions(v: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof v === "string") return ids.has(v);
  if (Array.isArray(v)) return v.some((x) => mentions(x, ids));
  if (v && typeof v === "object") return Object.values(v).some((x) => mentions(x, ids));
  return false;
}

/** The instance and the EBS volumes attached to it: what a snapshot or image of it names. */
function evidenceIds(snap: GradingSnapshot, region: string, id: string): Set<string> {
  const ec2 = regionalState(snap, region, "ec2");
  const ids = new Set([id]);
  for (const b of ec2.instances?.[id]?.BlockDeviceMappings ?? []) if (b?.Ebs?.VolumeId) ids.add(b.Ebs.VolumeId);
  for (const v of Object.values(ec2.volumes ?? {})) if (v.VolumeId && v.Attachments?.some((a) => a.InstanceId === id)) ids.add(v.VolumeId);
  return ids;
}

export const exposedCredentialsChecks: Record<string, Check> = {
  /** params.region, params.trail (name): the trail is logging. */
  trailIsLogging(snap, p) {
    const st = snap.state.accounts[snap.accountId]?.regions[String(p.region)]?.cloudtrail as Partial<CloudTrailState> | undefined;
    const trail = Object.values(st?.trails ?? {}).find((t) => t.Name === p.trail);
    const title = { titleEn: "Calls go unrecorded in the trail's log files", titleJa: "呼び出しが証跡のログファイルに記録されない" };
    if (trail?.IsLogging) {
      return {
        fraction: 1,
        total: 1,
        evidence: [ev("attackerBlocked", { ...title, reasonEn: "the trail is logging again", reasonJa: "証跡はログ記録を再開している" })],
      };
    }
    const reason = trail
      ? { reasonEn: "the trail is still not logging", reasonJa: "証跡はまだログを記録していない" }
      : { reasonEn: "the trail no longer exists", reasonJa: "証跡が存在しない" };
    return { fraction: 0, total: 1, evidence: [ev("attackerPossible", { ...title, ...reason })] };
  },

  /**
   * Order: params.instances {region: [id]} — every listed instance the responder terminated had a snapshot (or image)
   * of its volumes taken before; one only stopped keeps its volumes and passes. None stopped or terminated: nothing
   * has been done yet.
   */
  noTerminationBeforeSnapshot(snap, p) {
    const evidence: Evidence[] = [];
    let ok = 0;
    let total = 0;
    const index = new Map<JournalRecord, number>(snap.journal.map((r, i) => [r, i]));
    for (const [region, ids] of Object.entries(p.instances as ByRegion)) {
      for (const id of ids) {
        const one = new Set([id]);
        const inRegion = (r: JournalRecord) => r.awsRegion === region && mentions(r.requestParameters, one);
        const terminate = succeeded(snap, ["TerminateInstances"]).find(inRegion);
        if (!terminate) {
          if (succeeded(snap, ["StopInstances"]).some(inRegion)) {
            total++;
            ok++;
          }
          continue;
        }
        total++;
        const wanted = evidenceIds(snap, region, id);
        const before = succeeded(snap, ["CreateSnapshot", "CreateSnapshots", "CreateImage"]).find(
          (r) => r.awsRegion === region && (index.get(r) ?? 0) < (index.get(terminate) ?? 0) && mentions(r.requestParameters, wanted),
        );
        if (before) ok++;
        else evidence.push(ev("terminatedBeforeSnapshot", { id, region, time: terminate.eventTime }));
      }
    }
    if (total === 0) return { fraction: 0, evidence: [ev("noneTerminated")] };
    return { fraction: ok / total, evidence, total };
  },
};
