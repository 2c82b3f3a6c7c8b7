/**
 * Instance state over time. A state change (stop, start, terminate) is stored as a Transition that finishes
 * TRANSITION_MS later in emulator time: the call answers "stopping", a describe after that sees "stopped".
 * Describes are read-only (never committed), so they compute the finished state without writing it; mutating
 * calls settle it in place first.
 */
import { AwsError } from "../../core/errors.ts";
import { checkIdFormat, notFound } from "./common.ts";
import type { Ec2State, StoredInstance } from "./state.ts";

export const TRANSITION_MS = 2000;
/** EC2 keeps terminated instances in describes for about an hour. */
export const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;

export const STATE_CODES: Record<string, number> = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 };

export const stateOf = (name: string) => ({ Code: STATE_CODES[name], Name: name as "running" });

function finish(inst: StoredInstance): void {
  const t = inst.Transition;
  if (!t) return;
  inst.State = stateOf(t.To);
  delete inst.Transition;
  if (t.To === "stopped") {
    inst.StateReason = { Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown" };
  } else if (t.To === "running") {
    delete inst.StateReason;
    for (const n of inst.NetworkInterfaces ?? []) if (n.Attachment) n.Attachment.Status = "attached";
  } else if (t.To === "terminated") {
    inst.TerminatedAt = t.At;
    inst.StateReason = { Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown" };
    // A terminated instance keeps its id, type and tags but no longer has disks, interfaces or addresses.
    inst.BlockDeviceMappings = [];
    inst.NetworkInterfaces = [];
    inst.SecurityGroups = [];
    delete inst.PublicIpAddress;
    delete inst.PrivateIpAddress;
    delete inst.IamInstanceProfile;
    inst.PublicDnsName = "";
    inst.PrivateDnsName = "";
  }
}

const due = (inst: StoredInstance, now: Date) => inst.Transition !== undefined && Date.parse(inst.Transition.At) <= now.getTime();

/** The instance as it is at `now`, without touching the stored one. */
export function settled(inst: StoredInstance, now: Date): StoredInstance {
  if (!due(inst, now)) return inst;
  const copy = structuredClone(inst);
  finish(copy);
  return copy;
}

export function isGone(inst: StoredInstance, now: Date): boolean {
  return inst.TerminatedAt !== undefined && Date.parse(inst.TerminatedAt) + TERMINATED_VISIBLE_MS < now.getTime();
}

/** Every instance a describe at `now` can see. */
export function visibleInstances(state: Ec2State, now: Date): StoredInstance[] {
  return Object.values(state.instances)
    .map((i) => settled(i, now))
    .filter((i) => !isGone(i, now));
}

/** For mutating calls: the stored instances for ids (settled in place), or the EC2 error for bad or unknown ids. */
export function liveInstances(state: Ec2State, ids: string[], now: Date): StoredInstance[] {
  checkIdFormat(ids, "i", "InvalidInstanceID.Malformed");
  const missing = ids.filter((id) => !state.instances[id] || isGone(settled(state.instances[id], now), now));
  if (missing.length) throw notFound("InvalidInstanceID.NotFound", "instance ID", missing);
  return [...new Set(ids)].map((id) => {
    const inst = state.instances[id];
    if (due(inst, now)) finish(inst);
    return inst;
  });
}

export function liveInstance(state: Ec2State, id: string | undefined, now: Date): StoredInstance {
  if (!id) throw new AwsError("MissingParameter", "The request must contain the parameter InstanceId");
  return liveInstances(state, [id], now)[0];
}

/** The finished state of every instance whose transition is due, written to state (mutating calls only). */
export function settleAll(state: Ec2State, now: Date): void {
  for (const inst of Object.values(state.instances)) if (due(inst, now)) finish(inst);
}
