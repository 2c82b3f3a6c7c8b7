/**
 * Keeping control findings current: each Security Hub read evaluates the controls over the account as it is now and
 * records what changed (status, the resource gone) with the time of the change, so a finding shows when a
 * responder's fix took effect. Security Hub's own workflow rules apply: a check that starts passing is RESOLVED,
 * one that fails again after being resolved is NEW.
 */
import type { RequestContext } from "../../core/types.ts";
import { allTrails } from "../cloudtrail/state.ts";
import { ec2State } from "../ec2/state.ts";
import { guardDutyState } from "../guardduty/state.ts";
import { iamState } from "../iam/state.ts";
import { objectsOf } from "../s3/object-store.ts";
import { controlFindingId, defaultWorkflow } from "./asff.ts";
import { type AccountView, type ControlResult, evaluateControls } from "./controls.ts";
import { activeControls } from "./standards.ts";
import type { SecurityHubState } from "./state.ts";

export function accountView(ctx: RequestContext): AccountView {
  return {
    accountId: ctx.accountId,
    region: ctx.region,
    homeRegion: ctx.runtime.scenario.manifest.homeRegion,
    now: ctx.time.getTime(),
    ec2: ec2State(ctx),
    iam: iamState(ctx),
    trails: allTrails(ctx),
    buckets: Object.values(objectsOf(ctx.runtime).state(ctx.accountId).buckets),
    guardduty: guardDutyState(ctx),
  };
}

/**
 * When the changes found now happened: at the responder's last state-changing call after the previous evaluation
 * (the change it made), else now (a check that turned with time, such as a key's age).
 */
/** When each hub state was last evaluated in this process, stored or not (a rollback's new state starts afresh). */
const evaluatedInMemory = new WeakMap<SecurityHubState, string>();

/** The last evaluation of this state: the stored one, or a later one that changed nothing. */
export function lastEvaluation(st: SecurityHubState): string | undefined {
  const mem = evaluatedInMemory.get(st);
  return mem && (!st.lastEvaluatedAt || Date.parse(mem) > Date.parse(st.lastEvaluatedAt)) ? mem : st.lastEvaluatedAt;
}

export function noteEvaluation(st: SecurityHubState, at: Date): void {
  evaluatedInMemory.set(st, at.toISOString());
}

export function changeTime(ctx: RequestContext, lastEvaluated: string | undefined): string {
  const journal = ctx.runtime.journal;
  // CloudTrail times are whole seconds: a call in the second of the last evaluation may still have come after it.
  const since = lastEvaluated ? Math.floor(Date.parse(lastEvaluated) / 1000) * 1000 : Number.NEGATIVE_INFINITY;
  // The journal's index has each record's flags and time: only the record found is read from disk.
  for (let i = journal.length - 1; i >= 0; i--) {
    const s = journal.summary(i);
    if (s.readOnly || s.failed) continue;
    return s.time >= since ? journal.read(i).eventTime : ctx.time.toISOString();
  }
  return ctx.time.toISOString();
}

const later = (a: string, b: string | undefined) => (b && Date.parse(b) > Date.parse(a) ? b : a);

/**
 * Applies one evaluation to the stored observations. `at` is when changes took place; a first evaluation dates each
 * finding from when the hub was enabled or the resource appeared, whichever is later (`firstSeen` may say better).
 */
export function observe(st: SecurityHubState, view: AccountView, at: string, firstSeen?: (r: ControlResult) => string | undefined): boolean {
  const hub = st.hub;
  if (!hub) return false;
  const before = JSON.stringify(st.controls) + JSON.stringify(st.updates);
  const active = activeControls(st, view.region, view.accountId);
  const results = evaluateControls(view).filter((r) => active.has(r.control.id));
  const first = !st.lastEvaluatedAt;
  const seen = new Set<string>();
  for (const r of results) {
    const id = controlFindingId(view.region, view.accountId, r.control.id, r.resource.Id);
    seen.add(id);
    const obs = st.controls[id];
    if (!obs) {
      const t = first ? (firstSeen?.(r) ?? later(hub.SubscribedAt, r.since)) : at;
      st.controls[id] = {
        controlId: r.control.id,
        status: r.status,
        createdAt: t,
        updatedAt: t,
        resource: r.resource,
        ...(r.reason ? { reason: r.reason } : {}),
      };
      continue;
    }
    obs.resource = r.resource;
    if (r.reason) obs.reason = r.reason;
    else delete obs.reason;
    if (obs.archivedAt) {
      delete obs.archivedAt;
      obs.updatedAt = at;
    }
    if (obs.status !== r.status) {
      const update = st.updates[id];
      const workflow = update?.Workflow?.Status ?? defaultWorkflow(obs.status);
      obs.status = r.status;
      obs.updatedAt = at;
      if (update?.Workflow) {
        if (r.status === "PASSED" && (workflow === "NEW" || workflow === "NOTIFIED")) update.Workflow = { Status: "RESOLVED" };
        if (r.status === "FAILED" && workflow === "RESOLVED") update.Workflow = { Status: "NEW" };
      }
    }
  }
  for (const [id, obs] of Object.entries(st.controls)) {
    if (seen.has(id) || obs.archivedAt) continue;
    obs.archivedAt = at;
    obs.updatedAt = at;
  }
  // Stored only when the evaluation changed something: an evaluation that finds the account as it was writes nothing.
  const changed = first || JSON.stringify(st.controls) + JSON.stringify(st.updates) !== before;
  if (changed) st.lastEvaluatedAt = view.now > 0 ? new Date(view.now).toISOString() : at;
  return changed;
}
