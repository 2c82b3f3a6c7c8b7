/**
 * What each CloudTrail operation asks of IAM: its action on the trail the call names (by name or ARN; a trail's ARN
 * carries its home region, whichever region is called), with the trail's tags. DescribeTrails, ListTrails and
 * LookupEvents support no resource-level permissions: they need their action on "*".
 */

import { addRequestTags, addResourceTags, onAnyResource, own, permission, type Rule, serviceAuthorization, str } from "../../authz/requests.ts";
import type { RequestContext } from "../../core/types.ts";
import type { CloudTrailState, StoredTrail } from "./state.ts";

/** The trail a name or ARN names: by ARN anywhere in the account; by name, this region's or a multi-region one. */
function trailOf(ctx: RequestContext, nameOrArn: string): StoredTrail | undefined {
  const regions = own(ctx.runtime.document.accounts, ctx.accountId)?.regions ?? {};
  let byName: StoredTrail | undefined;
  for (const [region, services] of Object.entries(regions)) {
    const trails = (services.cloudtrail as CloudTrailState | undefined)?.trails ?? {};
    if (nameOrArn.startsWith("arn:")) {
      const t = own(trails, nameOrArn);
      if (t) return t;
      continue;
    }
    for (const t of Object.values(trails)) {
      if (t.Name !== nameOrArn) continue;
      if (region === ctx.region) return t;
      if (t.IsMultiRegionTrail) byName = t;
    }
  }
  return byName;
}

function onTrail(action: string, member = "Name"): Rule {
  const p = permission(action, "trail");
  const eventDataStore = member === "TrailName" ? permission(action, "eventdatastore") : undefined;
  return (input, ctx) => {
    const name = str(input[member]);
    if (name === undefined) {
      // Insight selectors of an event data store (by ARN or id) rather than of a trail.
      const store = eventDataStore && str(input.EventDataStore);
      if (!eventDataStore || store === undefined) return [];
      return [store.startsWith("arn:") ? eventDataStore.onArn(store) : eventDataStore.check(ctx, { EventDataStoreId: store })];
    }
    const trail = trailOf(ctx, name);
    const context = addResourceTags({}, trail?.Tags);
    if (trail?.TrailARN) return [p.onArn(trail.TrailARN, { context })];
    return [name.startsWith("arn:") ? p.onArn(name, { context }) : p.check(ctx, { TrailName: name }, { context })];
  };
}

const createTrail = permission("cloudtrail:CreateTrail", "trail");

const rules: Record<string, Rule> = {
  DescribeTrails: onAnyResource("cloudtrail:DescribeTrails"),
  ListTrails: onAnyResource("cloudtrail:ListTrails"),
  LookupEvents: onAnyResource("cloudtrail:LookupEvents"),
  GetTrail: onTrail("cloudtrail:GetTrail"),
  GetTrailStatus: onTrail("cloudtrail:GetTrailStatus"),
  StartLogging: onTrail("cloudtrail:StartLogging"),
  StopLogging: onTrail("cloudtrail:StopLogging"),
  GetEventSelectors: onTrail("cloudtrail:GetEventSelectors", "TrailName"),
  PutEventSelectors: onTrail("cloudtrail:PutEventSelectors", "TrailName"),
  GetInsightSelectors: onTrail("cloudtrail:GetInsightSelectors", "TrailName"),
  PutInsightSelectors: onTrail("cloudtrail:PutInsightSelectors", "TrailName"),
  UpdateTrail: onTrail("cloudtrail:UpdateTrail"),
  DeleteTrail: onTrail("cloudtrail:DeleteTrail"),
  CreateTrail: (input, ctx) => {
    const name = str(input.Name);
    return name === undefined ? [] : [createTrail.check(ctx, { TrailName: name }, { context: addRequestTags({}, input.TagsList) })];
  },
};

export const cloudtrailAuthorization = serviceAuthorization("cloudtrail", rules);
