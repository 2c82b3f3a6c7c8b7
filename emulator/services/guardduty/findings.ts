import type {
  ArchiveFindingsCommandInput,
  ArchiveFindingsCommandOutput,
  Finding,
  FindingStatistics,
  GetFindingsCommandInput,
  GetFindingsCommandOutput,
  GetFindingsStatisticsCommandInput,
  GetFindingsStatisticsCommandOutput,
  ListFindingsCommandInput,
  ListFindingsCommandOutput,
  UnarchiveFindingsCommandInput,
  UnarchiveFindingsCommandOutput,
  UpdateFindingsFeedbackCommandInput,
  UpdateFindingsFeedbackCommandOutput,
} from "@aws-sdk/client-guardduty";
import { pageAt, pageOffset } from "../../core/page-token.ts";
import type { JournalApi } from "../../core/runtime.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { filterFindings, sortFindings, validateCriteria } from "./criteria.ts";
import { badRequest, checkMaxResults, detectorOf, invalidNextToken, OUT_OF_RANGE } from "./detectors.ts";
import { guardDutyState } from "./state.ts";

export type StoredFinding = Stored<Finding>;

function scanFindings(all: Record<string, StoredFinding>, detectorId: string): StoredFinding[] {
  const out: StoredFinding[] = [];
  for (const f of Object.values(all)) if (f.Service?.DetectorId === detectorId) out.push(f);
  return out;
}

/**
 * Per findings object (a reset or rollback replaces it), the detectors' finding lists, valid until the journal
 * shows a GuardDuty call that may write. Only GuardDuty handlers write findings, and every call is journaled
 * before its response leaves; a writing handler itself (samples, suppression) never reads through the cache.
 */
interface FindingsCache {
  /** The journal's generation (a reset clears it) and how many of its records were looked at. */
  generation: number;
  seen: number;
  byDetector: Map<string, DetectorFindings>;
}

/** A detector's findings in stored order, and per criterion field the value(s) each finding has there. */
interface DetectorFindings {
  list: StoredFinding[];
  columns: Map<string, readonly unknown[]>;
}

const findingsCaches = new WeakMap<object, FindingsCache>();

function stillValid(cache: FindingsCache, journal: JournalApi): boolean {
  if (cache.generation !== journal.generation || journal.length < cache.seen) return false;
  // From the journal's index: no record is read.
  for (; cache.seen < journal.length; cache.seen++) {
    const s = journal.summary(cache.seen);
    if (s.eventSource === GUARDDUTY_SOURCE && !s.readOnly) return false;
  }
  return true;
}

const GUARDDUTY_SOURCE = "guardduty.amazonaws.com";

/** The detector's findings in stored order. The list may be shared between calls: callers must not change it. */
export function findingsOf(ctx: RequestContext, detectorId: string): StoredFinding[] {
  return cachedFindings(ctx, detectorId).list;
}

/** The detector's findings that meet the criteria, in stored order; on a kept list, with its value columns. */
export function matchingFindings(ctx: RequestContext, detectorId: string, criteria: ListFindingsCommandInput["FindingCriteria"]): StoredFinding[] {
  const d = cachedFindings(ctx, detectorId);
  if (!d.columns) return filterFindings(d.list, criteria);
  const columns = d.columns;
  return filterFindings(d.list, criteria, (field, extract) => {
    let c = columns.get(field);
    if (!c) {
      c = d.list.map(extract);
      columns.set(field, c);
    }
    return c;
  });
}

/** The detector's findings, kept between read-only GuardDuty calls (columns then come with them). */
function cachedFindings(ctx: RequestContext, detectorId: string): { list: StoredFinding[]; columns?: Map<string, readonly unknown[]> } {
  const all = guardDutyState(ctx).findings;
  if (ctx.service !== "guardduty" || !ctx.readOnly) {
    findingsCaches.delete(all);
    return { list: scanFindings(all, detectorId) };
  }
  const journal = ctx.runtime.journal;
  let cache = findingsCaches.get(all);
  if (!cache || !stillValid(cache, journal)) {
    cache = { generation: journal.generation, seen: journal.length, byDetector: new Map() };
    findingsCaches.set(all, cache);
  }
  let d = cache.byDetector.get(detectorId);
  if (!d) {
    d = { list: scanFindings(all, detectorId), columns: new Map() };
    cache.byDetector.set(detectorId, d);
  }
  return d;
}

export const listFindings: OpHandler<ListFindingsCommandInput, ListFindingsCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  checkMaxResults(input.MaxResults);
  validateCriteria(input.FindingCriteria);
  const salt = `ListFindings:${d.DetectorId}:${JSON.stringify(input.FindingCriteria ?? {})}:${JSON.stringify(input.SortCriteria ?? {})}`;
  const offset = pageOffset(input.NextToken, salt, invalidNextToken);
  const matched = sortFindings(matchingFindings(ctx, d.DetectorId as string, input.FindingCriteria), input.SortCriteria);
  const max = input.MaxResults ?? 50;
  const { page, next } = pageAt(matched, offset, max, salt);
  return { FindingIds: page.map((f) => f.Id as string), NextToken: next ?? "" };
};

function checkIds(ids: string[] | undefined, max = 50): string[] {
  if (!ids || ids.length === 0 || ids.length > max) throw badRequest(OUT_OF_RANGE);
  for (const id of ids) if (!/^[A-Za-z0-9_-]{1,300}$/.test(id)) throw badRequest("The request is rejected because the input findingIds are not valid.");
  return ids;
}

export const getFindings: OpHandler<GetFindingsCommandInput, GetFindingsCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const ids = checkIds(input.FindingIds);
  const all = guardDutyState(ctx).findings;
  const found = ids.filter((id) => Object.hasOwn(all, id) && all[id].Service?.DetectorId === d.DetectorId).map((id) => all[id]);
  return { Findings: sortFindings(found, input.SortCriteria) as Finding[] };
};

function setArchived(ctx: RequestContext, input: { DetectorId?: string; FindingIds?: string[] }, archived: boolean): void {
  const d = detectorOf(ctx, input.DetectorId);
  const ids = checkIds(input.FindingIds);
  const all = guardDutyState(ctx).findings;
  const now = ctx.time.toISOString();
  for (const id of ids) {
    const f = Object.hasOwn(all, id) ? all[id] : undefined;
    if (!f || f.Service?.DetectorId !== d.DetectorId) continue;
    f.Service = { ...f.Service, Archived: archived };
    f.UpdatedAt = now;
  }
}

export const archiveFindings: OpHandler<ArchiveFindingsCommandInput, ArchiveFindingsCommandOutput> = (input, ctx) => {
  setArchived(ctx, input, true);
  return {};
};

export const unarchiveFindings: OpHandler<UnarchiveFindingsCommandInput, UnarchiveFindingsCommandOutput> = (input, ctx) => {
  setArchived(ctx, input, false);
  return {};
};

export const updateFindingsFeedback: OpHandler<UpdateFindingsFeedbackCommandInput, UpdateFindingsFeedbackCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const ids = checkIds(input.FindingIds);
  if (input.Feedback !== "USEFUL" && input.Feedback !== "NOT_USEFUL") throw badRequest(OUT_OF_RANGE);
  const all = guardDutyState(ctx).findings;
  for (const id of ids) {
    const f = Object.hasOwn(all, id) ? all[id] : undefined;
    if (!f || f.Service?.DetectorId !== d.DetectorId) continue;
    f.Service = { ...f.Service, UserFeedback: input.Feedback };
  }
  return {};
};

/** GuardDuty's severity key in CountBySeverity: the level with one decimal, e.g. "8.0". */
const severityKey = (s: number | undefined) => (s ?? 0).toFixed(1);

interface Group {
  total: number;
  last: string;
  severity: number;
  extra: Record<string, string>;
}

export const getFindingsStatistics: OpHandler<GetFindingsStatisticsCommandInput, GetFindingsStatisticsCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  validateCriteria(input.FindingCriteria);
  if (!input.FindingStatisticTypes?.length && !input.GroupBy) throw badRequest(OUT_OF_RANGE);
  checkMaxResults(input.MaxResults, 100);
  const findings = matchingFindings(ctx, d.DetectorId as string, input.FindingCriteria);
  const stats: FindingStatistics = {};
  if (input.FindingStatisticTypes?.includes("COUNT_BY_SEVERITY")) {
    const counts: Record<string, number> = {};
    for (const f of findings) counts[severityKey(f.Severity)] = (counts[severityKey(f.Severity)] ?? 0) + 1;
    stats.CountBySeverity = counts;
  }
  if (input.GroupBy) {
    const groups = new Map<string, Group>();
    for (const f of findings) {
      const res = f.Resource ?? {};
      const resourceId =
        res.InstanceDetails?.InstanceId ??
        res.AccessKeyDetails?.AccessKeyId ??
        res.S3BucketDetails?.[0]?.Name ??
        res.EksClusterDetails?.Name ??
        res.RdsDbInstanceDetails?.DbInstanceIdentifier ??
        res.LambdaDetails?.FunctionName ??
        f.AccountId ??
        "";
      const key =
        input.GroupBy === "ACCOUNT"
          ? (f.AccountId ?? "")
          : input.GroupBy === "DATE"
            ? (f.UpdatedAt ?? "").slice(0, 10)
            : input.GroupBy === "FINDING_TYPE"
              ? (f.Type ?? "")
              : input.GroupBy === "RESOURCE"
                ? resourceId
                : severityKey(f.Severity);
      const g = groups.get(key) ?? { total: 0, last: "", severity: 0, extra: { ResourceType: res.ResourceType ?? "", AccountId: f.AccountId ?? "" } };
      g.total++;
      if ((f.UpdatedAt ?? "") > g.last) g.last = f.UpdatedAt ?? "";
      g.severity = Math.max(g.severity, f.Severity ?? 0);
      groups.set(key, g);
    }
    const dir = input.OrderBy === "ASC" ? 1 : -1;
    const sorted = [...groups.entries()].sort((a, b) => dir * (a[1].total - b[1].total) || (a[0] < b[0] ? -1 : 1)).slice(0, input.MaxResults ?? 25);
    const last = (g: Group) => (g.last ? new Date(g.last) : undefined);
    if (input.GroupBy === "ACCOUNT") stats.GroupedByAccount = sorted.map(([k, g]) => ({ AccountId: k, TotalFindings: g.total, LastGeneratedAt: last(g) }));
    if (input.GroupBy === "DATE") {
      stats.GroupedByDate = sorted.map(([k, g]) => ({
        Date: new Date(`${k}T00:00:00Z`),
        TotalFindings: g.total,
        Severity: g.severity,
        LastGeneratedAt: last(g),
      }));
    }
    if (input.GroupBy === "FINDING_TYPE")
      stats.GroupedByFindingType = sorted.map(([k, g]) => ({ FindingType: k, TotalFindings: g.total, LastGeneratedAt: last(g) }));
    if (input.GroupBy === "RESOURCE") {
      stats.GroupedByResource = sorted.map(([k, g]) => ({
        ResourceId: k,
        ResourceType: g.extra.ResourceType,
        AccountId: g.extra.AccountId,
        TotalFindings: g.total,
        LastGeneratedAt: last(g),
      }));
    }
    if (input.GroupBy === "SEVERITY")
      stats.GroupedBySeverity = sorted.map(([k, g]) => ({ Severity: Number(k), TotalFindings: g.total, LastGeneratedAt: last(g) }));
  }
  return { FindingStatistics: stats };
};
