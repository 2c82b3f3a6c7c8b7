/** GuardDuty's regional state: detectors, findings (the SDK's Finding shape) and filters. */
import type { Finding, GetDetectorResponse, GetFilterResponse } from "@aws-sdk/client-guardduty";
import type { RequestContext } from "../../core/types.ts";
import { type Stored, withDefaults } from "../stored.ts";

export type StoredDetector = Stored<Omit<GetDetectorResponse, "$metadata">> & { DetectorId: string };

export interface GuardDutyState {
  detectors: Record<string, StoredDetector>;
  /** Findings by id; DetectorId in each says whose they are. */
  findings: Record<string, Stored<Finding>>;
  /** Suppression and other filters by detector id, then name. */
  filters: Record<string, Record<string, Stored<Omit<GetFilterResponse, "$metadata">>>>;
}

export const emptyGuardDutyState = (): GuardDutyState => ({ detectors: {}, findings: {}, filters: {} });

export function guardDutyState(ctx: RequestContext): GuardDutyState {
  const st = ctx.runtime.regional(ctx.accountId, ctx.region, "guardduty", emptyGuardDutyState);
  return withDefaults(st, emptyGuardDutyState());
}
