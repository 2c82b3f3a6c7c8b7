/**
 * What a timeline build hands to the evidence writers (evidence/*.ts): everything the run through the range did,
 * resolved to addresses, ids and epoch milliseconds. The evidence is derived from this alone, so the logs, the
 * findings and the state agree by construction.
 */

import type { ScenarioManifest } from "../../core/manifest.ts";
import type { AccountState, CloudTrailRecord } from "../../core/records.ts";
import type { Rng } from "../prng.ts";
import type { Timeline } from "./schema.ts";

/** One flow step, resolved: both ends' addresses and, for ends inside the account, the instance and ENI. */
export interface ResolvedFlow {
  /** Index of the step in the merged timeline (for error messages: `where(step)`). */
  step: number;
  start: number;
  end: number;
  region: string;
  src: string;
  dst: string;
  srcPort?: number;
  dstPort: number;
  protocol: "tcp" | "udp" | "icmp";
  connections: number;
  packets: number;
  bytes: number;
  replyBytes: number;
  action: "ACCEPT" | "REJECT";
  /** The account's end: the instance and its network interface, whichever end it is. */
  local?: { instanceId: string; eni: string; privateIp: string; publicIp?: string; vpcId: string; subnetId: string; side: "src" | "dst" };
}

export interface ResolvedDns {
  step: number;
  start: number;
  end: number;
  region: string;
  instanceId: string;
  query: string;
  count: number;
}

/** One web step, resolved: the server instance, and each request's time. */
export interface ResolvedWeb {
  step: number;
  instanceId: string;
  region: string;
  src: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  userAgent: string;
  referer: string;
  /** Epoch ms of each request. */
  times: number[];
}

export interface BuildOutput {
  manifest: ScenarioManifest;
  timeline: Timeline;
  /** The recording's discovery time (manifest.recordedDiscovery) in epoch ms; every time below is absolute. */
  discovery: number;
  /** The timeline's start in epoch ms. */
  start: number;
  /** Every CloudTrail record the run produced (API calls through the range, sign-ins), oldest first. */
  records: CloudTrailRecord[];
  /** The state after the run; evidence writers add to it (GuardDuty findings, Security Hub results). */
  accounts: Record<string, AccountState>;
  flows: ResolvedFlow[];
  dns: ResolvedDns[];
  /** Web requests (their flows are in `flows` too). */
  web: ResolvedWeb[];
  /** Outputs of the calls with `save`, by name. */
  saved: Record<string, unknown>;
  /** Resolves ${…} references in a detection's strings (ips, vars, saved outputs). */
  interpolate(text: string): string;
  /** A seeded generator per purpose: the same label gives the same sequence on every build. */
  rng(label: string): Rng;
  /** Adds an object to the recording's objects/<bucket>/<key>. */
  writeObject(bucket: string, key: string, body: Buffer): void;
  /** Progress lines for `ir-range scenario build`. */
  log(line: string): void;
}
