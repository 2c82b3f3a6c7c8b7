import type { Trail } from "@aws-sdk/client-cloudtrail";
import type { RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";

export type StoredTrail = Stored<Trail> & {
  IsLogging: boolean;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
};

export interface CloudTrailState {
  /** Trails by ARN; multi-region trails live in their home region's state. */
  trails: Record<string, StoredTrail>;
}

export const emptyCloudTrailState = (): CloudTrailState => ({ trails: {} });

export function cloudTrailState(ctx: RequestContext, region = ctx.region): CloudTrailState {
  return ctx.runtime.regional(ctx.accountId, region, "cloudtrail", emptyCloudTrailState);
}

/** Trails visible from a region: its own, and multi-region trails homed elsewhere. */
export function visibleTrails(ctx: RequestContext): StoredTrail[] {
  const acct = ctx.runtime.account(ctx.accountId);
  const out: StoredTrail[] = [];
  for (const [region, services] of Object.entries(acct.regions)) {
    const st = services.cloudtrail as CloudTrailState | undefined;
    for (const t of Object.values(st?.trails ?? {})) if (region === ctx.region || t.IsMultiRegionTrail) out.push(t);
  }
  return out;
}
