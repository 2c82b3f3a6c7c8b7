import type { GetDetectorResponse } from "@aws-sdk/client-guardduty";
import type { RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";

export type StoredDetector = Stored<Omit<GetDetectorResponse, "$metadata">> & { DetectorId: string };

export interface GuardDutyState {
  detectors: Record<string, StoredDetector>;
  /** Findings by id, in the SDK's Finding shape. */
  findings: Record<string, Record<string, unknown>>;
}

export const emptyGuardDutyState = (): GuardDutyState => ({ detectors: {}, findings: {} });

export function guardDutyState(ctx: RequestContext): GuardDutyState {
  return ctx.runtime.regional(ctx.accountId, ctx.region, "guardduty", emptyGuardDutyState);
}
