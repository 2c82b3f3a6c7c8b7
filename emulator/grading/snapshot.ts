/** What grading reads: the live state, the journal and the clock, fetched once and never changed. */
import type { JournalRecord } from "../state/journal.ts";
import type { Runtime } from "../state/runtime.ts";
import type { StateDoc } from "../state/store.ts";

export interface GradingSnapshot {
  scenario: string;
  accountId: string;
  anchor: string;
  now: string;
  state: StateDoc;
  journal: JournalRecord[];
}

export async function fetchSnapshot(endpoint: string): Promise<GradingSnapshot> {
  const res = await fetch(`${endpoint.replace(/\/$/, "")}/_ir-range/snapshot`);
  if (!res.ok) throw new Error(`${endpoint} answered ${res.status} for its grading snapshot`);
  return (await res.json()) as GradingSnapshot;
}

/** The snapshot of a runtime in this process (the server's /_ir-range/snapshot route and in-process grading). */
export function snapshotOf(rt: Runtime): GradingSnapshot {
  return {
    scenario: rt.scenario.manifest.name,
    accountId: rt.accountId,
    anchor: rt.anchor.toISOString(),
    now: rt.clock.now().toISOString(),
    state: rt.store.data,
    journal: rt.journal.records,
  };
}
