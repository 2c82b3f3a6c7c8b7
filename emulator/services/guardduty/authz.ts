/**
 * What each GuardDuty operation asks of IAM: its action on the detector or the filter the call names, with the
 * resource's tags. The SAR lists no resource type for the findings calls (ListFindings, GetFindings,
 * ArchiveFindings…): they need their action on "*".
 */

import { addRequestTags, addResourceTags, onAnyResource, own, peekRegional, permission, type Rule, serviceAuthorization, str } from "../../authz/requests.ts";
import type { RequestContext } from "../../core/types.ts";
import type { GuardDutyState } from "./state.ts";

const stateOf = (ctx: RequestContext) => peekRegional<GuardDutyState>(ctx.runtime, ctx.accountId, ctx.region, "guardduty");

function onDetector(action: string): Rule {
  const p = permission(action, "detector");
  return (input, ctx) => {
    const id = str(input.DetectorId);
    if (id === undefined) return [];
    return [p.check(ctx, { DetectorId: id }, { context: addResourceTags({}, own(stateOf(ctx)?.detectors, id)?.Tags) })];
  };
}

function onFilter(action: string, member: "FilterName" | "Name" = "FilterName"): Rule {
  const p = permission(action, "filter");
  return (input, ctx) => {
    const detector = str(input.DetectorId);
    const name = str(input[member]);
    if (detector === undefined || name === undefined) return [];
    const existing = own(own(stateOf(ctx)?.filters, detector), name);
    const context = addResourceTags({}, existing?.Tags);
    if (action === "guardduty:CreateFilter") addRequestTags(context, input.Tags);
    return [p.check(ctx, { DetectorId: detector, FilterName: name }, { context })];
  };
}

const createDetector = permission("guardduty:CreateDetector");

const rules: Record<string, Rule> = {
  ListDetectors: onAnyResource("guardduty:ListDetectors"),
  GetDetector: onDetector("guardduty:GetDetector"),
  CreateDetector: (input, ctx) => [createDetector.check(ctx, undefined, { context: addRequestTags({}, input.Tags) })],
  UpdateDetector: onDetector("guardduty:UpdateDetector"),
  DeleteDetector: onDetector("guardduty:DeleteDetector"),
  ListFindings: onAnyResource("guardduty:ListFindings"),
  GetFindings: onAnyResource("guardduty:GetFindings"),
  GetFindingsStatistics: onAnyResource("guardduty:GetFindingsStatistics"),
  ArchiveFindings: onAnyResource("guardduty:ArchiveFindings"),
  UnarchiveFindings: onAnyResource("guardduty:UnarchiveFindings"),
  UpdateFindingsFeedback: onAnyResource("guardduty:UpdateFindingsFeedback"),
  CreateSampleFindings: onAnyResource("guardduty:CreateSampleFindings"),
  CreateFilter: onFilter("guardduty:CreateFilter", "Name"),
  GetFilter: onFilter("guardduty:GetFilter"),
  ListFilters: onAnyResource("guardduty:ListFilters"),
  UpdateFilter: onFilter("guardduty:UpdateFilter"),
  DeleteFilter: onFilter("guardduty:DeleteFilter"),
};

export const guarddutyAuthorization = serviceAuthorization("guardduty", rules);
