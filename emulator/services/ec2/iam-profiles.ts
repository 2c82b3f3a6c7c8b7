/**
 * IAM instance profile associations. The instance's IamInstanceProfile and the association records move together.
 * An instance a recording gave a profile without an association record is shown with a derived one (stable id).
 * Associations change within moments: the call answers "associating"/"disassociating", describes show the end state.
 */
import { createHash } from "node:crypto";
import type {
  AssociateIamInstanceProfileCommandInput,
  AssociateIamInstanceProfileCommandOutput,
  DescribeIamInstanceProfileAssociationsCommandInput,
  DescribeIamInstanceProfileAssociationsCommandOutput,
  DisassociateIamInstanceProfileCommandInput,
  DisassociateIamInstanceProfileCommandOutput,
  IamInstanceProfileAssociation,
  IamInstanceProfileSpecification,
  ReplaceIamInstanceProfileAssociationCommandInput,
  ReplaceIamInstanceProfileAssociationCommandOutput,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { resourceId } from "../../core/ids.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { iamState } from "../iam/state.ts";
import type { Stored } from "../stored.ts";
import { pageOf, requireParam } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { liveInstance, visibleInstances } from "./lifecycle.ts";
import { type Ec2State, ec2State } from "./state.ts";

type Assoc = Stored<IamInstanceProfileAssociation>;

const active = (a: Assoc) => a.State === "associated" || a.State === "associating";

/** Stored associations plus derived ones for instances whose profile has no record. */
function allAssociations(state: Ec2State, now: Date): Assoc[] {
  const stored = Object.values(state.iamInstanceProfileAssociations);
  const derived: Assoc[] = [];
  for (const inst of visibleInstances(state, now)) {
    if (!inst.IamInstanceProfile?.Arn || stored.some((a) => a.InstanceId === inst.InstanceId && active(a))) continue;
    const id = `iip-assoc-0${createHash("sha256").update(`${inst.InstanceId}/${inst.IamInstanceProfile.Arn}`).digest("hex").slice(0, 16)}`;
    derived.push({
      AssociationId: id,
      InstanceId: inst.InstanceId,
      IamInstanceProfile: { ...inst.IamInstanceProfile },
      State: "associated",
      Timestamp: inst.LaunchTime,
    });
  }
  return [...stored, ...derived];
}

/** A derived association becomes a stored one before a call changes it. */
function materialize(state: Ec2State, a: Assoc): Assoc {
  const id = a.AssociationId ?? "";
  if (!state.iamInstanceProfileAssociations[id]) state.iamInstanceProfileAssociations[id] = a;
  return state.iamInstanceProfileAssociations[id];
}

function associationById(state: Ec2State, id: string | undefined, now: Date): Assoc {
  const assocId = requireParam(id, "AssociationId");
  const a = allAssociations(state, now).find((x) => x.AssociationId === assocId && active(x));
  if (!a) throw new AwsError("InvalidAssociationID.NotFound", `An association with ID ${assocId} does not exist.`);
  return materialize(state, a);
}

/** The profile an Arn or Name names, from IAM's state. */
export function profileOf(spec: IamInstanceProfileSpecification | undefined, ctx: RequestContext): { Arn: string; Id: string } {
  const s = requireParam(spec, "IamInstanceProfile");
  const profiles = Object.values(iamState(ctx).instanceProfiles);
  const p = s.Arn ? profiles.find((x) => x.Arn === s.Arn) : profiles.find((x) => x.InstanceProfileName === s.Name);
  if (!p) {
    const [param, value] = s.Arn ? ["iamInstanceProfile.arn", s.Arn] : ["iamInstanceProfile.name", s.Name ?? ""];
    throw new AwsError("InvalidParameterValue", `Value (${value}) for parameter ${param} is invalid. Invalid IAM Instance Profile ${s.Arn ? "ARN" : "name"}`);
  }
  return { Arn: p.Arn ?? "", Id: p.InstanceProfileId ?? "" };
}

export const describeIamInstanceProfileAssociations: OpHandler<
  DescribeIamInstanceProfileAssociationsCommandInput,
  DescribeIamInstanceProfileAssociationsCommandOutput
> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && input.AssociationIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter AssociationIds cannot be used with the parameter maxResults");
  }
  let list = allAssociations(state, ctx.time);
  if (input.AssociationIds?.length) {
    const missing = input.AssociationIds.filter((id) => !list.some((a) => a.AssociationId === id));
    if (missing.length) throw new AwsError("InvalidAssociationID.NotFound", `An association with ID ${missing.join(", ")} does not exist.`);
    list = list.filter((a) => input.AssociationIds?.includes(a.AssociationId ?? ""));
  } else if (!input.Filters?.some((f) => f.Name === "state")) {
    // Ended associations only show when asked for by state.
    list = list.filter(active);
  }
  list = applyFilters(list as (Assoc & { Tags?: [] })[], input.Filters, {
    "instance-id": (a) => a.InstanceId,
    state: (a) => a.State,
  });
  const { page, next } = pageOf(list, input, "DescribeIamInstanceProfileAssociations");
  return { IamInstanceProfileAssociations: page as IamInstanceProfileAssociation[], NextToken: next };
};

export const associateIamInstanceProfile: OpHandler<AssociateIamInstanceProfileCommandInput, AssociateIamInstanceProfileCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const profile = profileOf(input.IamInstanceProfile, ctx);
  const inst = liveInstance(state, input.InstanceId, ctx.time);
  const st = inst.State?.Name;
  if (st !== "running" && st !== "stopped" && st !== "pending" && st !== "stopping") {
    throw new AwsError("IncorrectInstanceState", `The instance '${inst.InstanceId}' is not in a valid state for this operation.`);
  }
  if (allAssociations(state, ctx.time).some((a) => a.InstanceId === inst.InstanceId && active(a))) {
    throw new AwsError("IncorrectState", `There is an existing association for instance ${inst.InstanceId}`);
  }
  const id = resourceId("iip-assoc");
  const a: Assoc = { AssociationId: id, InstanceId: inst.InstanceId, IamInstanceProfile: profile, State: "associated", Timestamp: ctx.time.toISOString() };
  state.iamInstanceProfileAssociations[id] = a;
  inst.IamInstanceProfile = { ...profile };
  return { IamInstanceProfileAssociation: { ...a, State: "associating" } as IamInstanceProfileAssociation };
};

export const disassociateIamInstanceProfile: OpHandler<DisassociateIamInstanceProfileCommandInput, DisassociateIamInstanceProfileCommandOutput> = (
  input,
  ctx,
) => {
  const state = ec2State(ctx);
  const a = associationById(state, input.AssociationId, ctx.time);
  a.State = "disassociated";
  const inst = state.instances[a.InstanceId ?? ""];
  if (inst) delete inst.IamInstanceProfile;
  return { IamInstanceProfileAssociation: { ...a, State: "disassociating" } as IamInstanceProfileAssociation };
};

export const replaceIamInstanceProfileAssociation: OpHandler<
  ReplaceIamInstanceProfileAssociationCommandInput,
  ReplaceIamInstanceProfileAssociationCommandOutput
> = (input, ctx) => {
  const state = ec2State(ctx);
  const profile = profileOf(input.IamInstanceProfile, ctx);
  const old = associationById(state, input.AssociationId, ctx.time);
  old.State = "disassociated";
  const id = resourceId("iip-assoc");
  const a: Assoc = { AssociationId: id, InstanceId: old.InstanceId, IamInstanceProfile: profile, State: "associated", Timestamp: ctx.time.toISOString() };
  state.iamInstanceProfileAssociations[id] = a;
  const inst = state.instances[old.InstanceId ?? ""];
  if (inst) inst.IamInstanceProfile = { ...profile };
  return { IamInstanceProfileAssociation: { ...a, State: "associating" } as IamInstanceProfileAssociation };
};

/** Termination ends the instance's association. */
export function disassociateForInstance(state: Ec2State, instanceId: string, ctx: RequestContext): void {
  for (const a of allAssociations(state, ctx.time)) {
    if (a.InstanceId === instanceId && active(a)) materialize(state, a).State = "disassociated";
  }
}
