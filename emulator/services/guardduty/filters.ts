import type {
  CreateFilterCommandInput,
  CreateFilterCommandOutput,
  DeleteFilterCommandInput,
  DeleteFilterCommandOutput,
  FindingCriteria,
  GetFilterCommandInput,
  GetFilterCommandOutput,
  ListFiltersCommandInput,
  ListFiltersCommandOutput,
  UpdateFilterCommandInput,
  UpdateFilterCommandOutput,
} from "@aws-sdk/client-guardduty";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { matchesCriteria, validateCriteria } from "./criteria.ts";
import { badRequest, checkMaxResults, detectorOf, invalidNextToken, OUT_OF_RANGE } from "./detectors.ts";
import { findingsOf } from "./findings.ts";
import { guardDutyState } from "./state.ts";

const FILTER_NAME = /^[A-Za-z0-9_.-]{3,64}$/;

function filtersOf(ctx: RequestContext, detectorId: string) {
  const st = guardDutyState(ctx);
  if (!st.filters[detectorId]) st.filters[detectorId] = {};
  return st.filters[detectorId];
}

function notFound(name: string) {
  return badRequest(`The request is rejected because the filter ${name} does not exist.`);
}

/**
 * Suppression: archives the detector's findings (all, or just the given ones) that an ARCHIVE filter matches.
 * Used when a filter is saved and whenever new findings arrive.
 */
export function applyArchiveFilters(ctx: RequestContext, detectorId: string, onlyIds?: Set<string>): void {
  const filters = Object.values(guardDutyState(ctx).filters[detectorId] ?? {}).filter((f) => f.Action === "ARCHIVE");
  if (filters.length === 0) return;
  const now = ctx.time.toISOString();
  for (const finding of findingsOf(ctx, detectorId)) {
    if (onlyIds && !onlyIds.has(finding.Id as string)) continue;
    if (finding.Service?.Archived) continue;
    if (filters.some((f) => matchesCriteria(finding, f.FindingCriteria as FindingCriteria))) {
      finding.Service = { ...finding.Service, Archived: true };
      finding.UpdatedAt = now;
    }
  }
}

function checkAction(action: string | undefined): void {
  if (action !== undefined && action !== "NOOP" && action !== "ARCHIVE") throw badRequest(OUT_OF_RANGE);
}

function checkRank(rank: number | undefined): void {
  if (rank !== undefined && (rank < 1 || rank > 100)) throw badRequest(OUT_OF_RANGE);
}

export const createFilter: OpHandler<CreateFilterCommandInput, CreateFilterCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const name = input.Name ?? "";
  if (!FILTER_NAME.test(name)) {
    throw badRequest("The request is rejected because the filter name is not valid: 3-64 characters: letters, numbers, period, hyphen or underscore.");
  }
  checkAction(input.Action);
  checkRank(input.Rank);
  if (!input.FindingCriteria?.Criterion || Object.keys(input.FindingCriteria.Criterion).length === 0) throw badRequest(OUT_OF_RANGE);
  validateCriteria(input.FindingCriteria);
  const filters = filtersOf(ctx, d.DetectorId);
  if (Object.hasOwn(filters, name)) throw badRequest(`The request is rejected because the filter ${name} already exists.`);
  filters[name] = {
    Name: name,
    Description: input.Description,
    Action: input.Action ?? "NOOP",
    Rank: input.Rank ?? Object.keys(filters).length + 1,
    FindingCriteria: input.FindingCriteria,
    Tags: input.Tags ?? {},
  };
  applyArchiveFilters(ctx, d.DetectorId);
  return { Name: name };
};

export const getFilter: OpHandler<GetFilterCommandInput, GetFilterCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const filters = filtersOf(ctx, d.DetectorId);
  const name = input.FilterName ?? "";
  if (!Object.hasOwn(filters, name)) throw notFound(name);
  return filters[name] as Omit<GetFilterCommandOutput, "$metadata">;
};

export const listFilters: OpHandler<ListFiltersCommandInput, ListFiltersCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  checkMaxResults(input.MaxResults);
  const names = Object.values(filtersOf(ctx, d.DetectorId))
    .sort((a, b) => (a.Rank ?? 0) - (b.Rank ?? 0))
    .map((f) => f.Name as string);
  const salt = `ListFilters:${d.DetectorId}`;
  const { page, next } = paginate(names, input.NextToken, input.MaxResults ?? 50, salt, invalidNextToken);
  return { FilterNames: page, NextToken: next ?? "" };
};

export const updateFilter: OpHandler<UpdateFilterCommandInput, UpdateFilterCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const filters = filtersOf(ctx, d.DetectorId);
  const name = input.FilterName ?? "";
  if (!Object.hasOwn(filters, name)) throw notFound(name);
  checkAction(input.Action);
  checkRank(input.Rank);
  if (input.FindingCriteria) validateCriteria(input.FindingCriteria);
  const f = filters[name];
  if (input.Description !== undefined) f.Description = input.Description;
  if (input.Action !== undefined) f.Action = input.Action;
  if (input.Rank !== undefined) f.Rank = input.Rank;
  if (input.FindingCriteria !== undefined) f.FindingCriteria = input.FindingCriteria;
  applyArchiveFilters(ctx, d.DetectorId);
  return { Name: name };
};

export const deleteFilter: OpHandler<DeleteFilterCommandInput, DeleteFilterCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const filters = filtersOf(ctx, d.DetectorId);
  const name = input.FilterName ?? "";
  if (!Object.hasOwn(filters, name)) throw notFound(name);
  delete filters[name];
  return {};
};
