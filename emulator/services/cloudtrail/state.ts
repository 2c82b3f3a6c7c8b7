import type { AdvancedEventSelector, EventSelector, InsightSelector, Tag, Trail } from "@aws-sdk/client-cloudtrail";
import type { RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";

export type StoredTrail = Stored<Trail> & {
  IsLogging: boolean;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
  /** Basic selectors; absent means CloudTrail's default (all management events, no data events). */
  EventSelectors?: Stored<EventSelector>[];
  AdvancedEventSelectors?: Stored<AdvancedEventSelector>[];
  InsightSelectors?: InsightSelector[];
  Tags?: Tag[];
  /** What GetTrailStatus reports of deliveries to the trail's bucket. */
  Delivery?: {
    LatestDeliveryTime?: string;
    LatestDeliveryAttemptTime?: string;
    LatestDeliveryAttemptSucceeded?: string;
    LatestDeliveryError?: string;
    LatestDigestDeliveryTime?: string;
  };
};

/** Every trail of an account with its home region's state, wherever it is homed. */
export function allTrails(ctx: RequestContext): StoredTrail[] {
  const acct = ctx.runtime.account(ctx.accountId);
  const out: StoredTrail[] = [];
  for (const services of Object.values(acct.regions)) {
    const st = services.cloudtrail as CloudTrailState | undefined;
    out.push(...Object.values(st?.trails ?? {}));
  }
  return out;
}

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
