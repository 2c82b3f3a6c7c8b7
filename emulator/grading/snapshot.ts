/** What grading reads: the live state, the journal and the clock, fetched once and never changed. */
import type { AttemptResult } from "../attacker/replay.ts";
import type { JournalRecord, StateDoc } from "../core/records.ts";
import type { Runtime } from "../core/runtime.ts";
import { adminAuthorization, adminTokenFor } from "../server/admin-token.ts";
import type { Ec2State } from "../services/ec2/state.ts";
import type { GuardDutyState } from "../services/guardduty/state.ts";
import type { IamState } from "../services/iam/state.ts";
import { readAnchors } from "../state/anchors.ts";

export interface GradingSnapshot {
  scenario: string;
  accountId: string;
  /** The discovery moment in the range's time now. */
  anchor: string;
  /** Every discovery moment this state directory has had, oldest first (resets move the incident). */
  anchors: string[];
  /** The recording's own discovery moment (manifest.recordedDiscovery): the range's time is shifted from it. */
  recordedDiscovery: string;
  now: string;
  state: Readonly<StateDoc>;
  journal: readonly JournalRecord[];
  /** The attacker's next moves replayed against (a copy of) this state, where the scenario lists them. */
  attacker?: AttemptResult[];
}

/** The regional services grading reads, by the name the state document keeps them under, in their own types. */
interface RegionalStates {
  ec2: Ec2State;
  guardduty: GuardDutyState;
}

/** The account-wide services grading reads. */
interface GlobalStates {
  iam: IamState;
}

/*
 * A snapshot is the state document as stored, not a runtime: the services' accessors (ec2StateOf, iamStateOf, …)
 * fill in what a recording left out by writing to the state, which grading must never do. So these give a service's
 * state in its own type with every collection possibly absent, and checks read entities defensively.
 */

/** A regional service's state in the snapshot's account; empty when the service never ran there. */
export function regionalState<K extends keyof RegionalStates>(snap: GradingSnapshot, region: string, service: K): Partial<RegionalStates[K]> {
  return (snap.state.accounts[snap.accountId]?.regions[region]?.[service] ?? {}) as Partial<RegionalStates[K]>;
}

/** An account-wide service's state in the snapshot's account; empty when the service never ran. */
export function globalState<K extends keyof GlobalStates>(snap: GradingSnapshot, service: K): Partial<GlobalStates[K]> {
  return (snap.state.accounts[snap.accountId]?.global[service] ?? {}) as Partial<GlobalStates[K]>;
}

/**
 * The snapshot of a running range. Its route needs the admin token: given, else read from the state directory (given,
 * else the one the server names), as only the user who started the range can.
 */
export async function fetchSnapshot(endpoint: string, opts: { token?: string; stateDir?: string } = {}): Promise<GradingSnapshot> {
  const token = opts.token ?? (await adminTokenFor(endpoint, opts.stateDir));
  const res = await fetch(`${endpoint.replace(/\/$/, "")}/_ir-range/snapshot`, { headers: { authorization: adminAuthorization(token) } }).catch(() => {
    throw new Error(`no ir-range server is running at ${endpoint}: start one with \`npx ir-range start\`, or name the one you started`);
  });
  if (!res.ok) {
    const why = res.status === 401 || res.status === 403 ? ": the admin token is not this server's (pass the --state-dir it was started with)" : "";
    throw new Error(`${endpoint} answered ${res.status} for its grading snapshot${why}`);
  }
  return (await res.json()) as GradingSnapshot;
}

/** The snapshot of a runtime in this process (the server's /_ir-range/snapshot route and in-process grading). */
export function snapshotOf(rt: Runtime): GradingSnapshot {
  return {
    scenario: rt.scenario.manifest.name,
    accountId: rt.accountId,
    anchor: rt.anchor.toISOString(),
    anchors: readAnchors(rt.stateDir),
    recordedDiscovery: rt.scenario.manifest.recordedDiscovery,
    now: rt.clock.now().toISOString(),
    state: rt.document,
    // Read from disk a page at a time; grading runs offline, once.
    journal: [...rt.journal],
  };
}
