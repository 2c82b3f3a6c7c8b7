import type { DescribeTrailsCommandInput, DescribeTrailsCommandOutput, Trail } from "@aws-sdk/client-cloudtrail";
import type { OpHandler } from "../../core/types.ts";
import { type StoredTrail, visibleTrails } from "./state.ts";

export function publicTrail(t: StoredTrail): Trail {
  const { IsLogging: _l, StartLoggingTime: _s, StopLoggingTime: _t, ...trail } = t;
  return trail as Trail;
}

export const describeTrails: OpHandler<DescribeTrailsCommandInput, DescribeTrailsCommandOutput> = (input, ctx) => {
  let trails = visibleTrails(ctx);
  if (input.trailNameList?.length) {
    const wanted = new Set(input.trailNameList);
    trails = trails.filter((t) => wanted.has(t.Name ?? "") || wanted.has(t.TrailARN ?? ""));
  }
  if (input.includeShadowTrails === false) trails = trails.filter((t) => t.HomeRegion === ctx.region);
  return { trailList: trails.map(publicTrail) };
};
