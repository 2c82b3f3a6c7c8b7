/** Findings: GetFindings over controls, GuardDuty and imported findings; BatchUpdateFindings; BatchImportFindings. */
import type {
  AwsSecurityFinding,
  BatchImportFindingsCommandInput,
  BatchImportFindingsCommandOutput,
  BatchUpdateFindingsCommandInput,
  BatchUpdateFindingsCommandOutput,
  GetFindingsCommandInput,
  GetFindingsCommandOutput,
} from "@aws-sdk/client-securityhub";
import { pageAt } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { guardDutyState } from "../guardduty/state.ts";
import type { Stored } from "../stored.ts";
import { controlFinding, type Finding, guardDutyFinding, labelOfNormalized, NORMALIZED_BY_LABEL, withUpdate } from "./asff.ts";
import { CONTROL_BY_ID } from "./controls.ts";
import { invalidInput, pageStart } from "./errors.ts";
import { accountView, changeTime, lastEvaluation, noteEvaluation, observe } from "./evaluation.ts";
import { compileFilters, sortFindings } from "./filters.ts";
import { enabledHub } from "./hub.ts";
import { activeControls, enabledStandards } from "./standards.ts";
import type { FindingUpdate, SecurityHubState } from "./state.ts";

/** Every finding of the region's hub, as of now: controls evaluated first, responders' updates applied. */
export function currentFindings(ctx: RequestContext, st: SecurityHubState): Finding[] {
  observe(st, accountView(ctx), changeTime(ctx, lastEvaluation(st)));
  noteEvaluation(st, ctx.time);
  const evaluatedAt = st.hub ? ctx.time.toISOString() : (st.lastEvaluatedAt ?? ctx.time.toISOString());
  const active = activeControls(st, ctx.region, ctx.accountId);
  const enabled = enabledStandards(st, ctx.region);
  const out: Finding[] = [];
  for (const [id, obs] of Object.entries(st.controls)) {
    const control = CONTROL_BY_ID.get(obs.controlId);
    if (!control) continue;
    const standards = active.get(control.id) ?? enabled.filter((s) => s.controlId(control)).map((s) => s.path);
    out.push(controlFinding(id, ctx.region, ctx.accountId, control, obs, standards, evaluatedAt));
  }
  for (const f of Object.values(guardDutyState(ctx).findings)) out.push(guardDutyFinding(f, ctx.region, ctx.accountId));
  for (const f of Object.values(st.imported)) out.push(f as Finding);
  return out.map((f) => withUpdate(f, st.updates[f.Id]));
}

export const getFindings: OpHandler<GetFindingsCommandInput, GetFindingsCommandOutput> = async (input, ctx) => {
  const st = enabledHub(ctx);
  const salt = `GetFindings:${JSON.stringify(input.Filters ?? {})}:${JSON.stringify(input.SortCriteria ?? [])}`;
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, salt);
  const test = await compileFilters(input.Filters, ctx.time.getTime());
  const matched = await sortFindings(currentFindings(ctx, st).filter(test as (f: Finding) => boolean) as AwsSecurityFinding[], input.SortCriteria);
  const { page, next } = pageAt(matched, offset, max, salt);
  return { Findings: page, NextToken: next };
};

const WORKFLOW = new Set(["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]);
const VERIFICATION = new Set(["UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE"]);
const LABELS = new Set(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]);

function checkPercent(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 100)) throw invalidInput(`${name} must be an integer from 0 to 100`);
}

export const batchUpdateFindings: OpHandler<BatchUpdateFindingsCommandInput, BatchUpdateFindingsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const ids = input.FindingIdentifiers ?? [];
  if (ids.length < 1 || ids.length > 100) throw invalidInput("FindingIdentifiers must list 1 to 100 findings");
  const change: FindingUpdate = {};
  if (input.Workflow) {
    if (!WORKFLOW.has(input.Workflow.Status as string)) throw invalidInput(`Invalid Workflow.Status: ${input.Workflow.Status}`);
    change.Workflow = { Status: input.Workflow.Status as string };
  }
  if (input.Note) {
    if (!input.Note.Text || !input.Note.UpdatedBy) throw invalidInput("Note requires Text and UpdatedBy");
    if (input.Note.Text.length > 512) throw invalidInput("Note.Text can be at most 512 characters");
    change.Note = { Text: input.Note.Text, UpdatedBy: input.Note.UpdatedBy, UpdatedAt: ctx.time.toISOString() };
  }
  if (input.Severity) {
    const { Label, Normalized } = input.Severity;
    if (Label !== undefined && !LABELS.has(Label)) throw invalidInput(`Invalid Severity.Label: ${Label}`);
    checkPercent("Severity.Normalized", Normalized);
    if (Label === undefined && Normalized === undefined) throw invalidInput("Severity requires Label or Normalized");
    const label = Label ?? labelOfNormalized(Normalized as number);
    change.Severity = { Label: label, Normalized: Normalized ?? NORMALIZED_BY_LABEL[label] };
  }
  if (input.VerificationState) {
    if (!VERIFICATION.has(input.VerificationState)) throw invalidInput(`Invalid VerificationState: ${input.VerificationState}`);
    change.VerificationState = input.VerificationState;
  }
  checkPercent("Confidence", input.Confidence);
  checkPercent("Criticality", input.Criticality);
  if (input.Confidence !== undefined) change.Confidence = input.Confidence;
  if (input.Criticality !== undefined) change.Criticality = input.Criticality;
  if (input.Types) change.Types = input.Types;
  if (input.UserDefinedFields) change.UserDefinedFields = input.UserDefinedFields;
  if (input.RelatedFindings) change.RelatedFindings = input.RelatedFindings.map((r) => ({ ProductArn: r.ProductArn as string, Id: r.Id as string }));
  if (!Object.keys(change).length) throw invalidInput("At least one attribute to update is required");
  const known = new Map(currentFindings(ctx, st).map((f) => [f.Id, f.ProductArn]));
  const processed: { Id: string; ProductArn: string }[] = [];
  const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
  for (const fi of ids) {
    const ident = { Id: fi.Id as string, ProductArn: fi.ProductArn as string };
    if (known.get(ident.Id) !== ident.ProductArn) {
      unprocessed.push({ FindingIdentifier: ident, ErrorCode: "FindingNotFound", ErrorMessage: "Finding Not Found" });
      continue;
    }
    st.updates[ident.Id] = { ...st.updates[ident.Id], ...change };
    processed.push(ident);
  }
  return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
};

const REQUIRED = [
  "AwsAccountId",
  "CreatedAt",
  "Description",
  "GeneratorId",
  "Id",
  "ProductArn",
  "Resources",
  "SchemaVersion",
  "Title",
  "Types",
  "UpdatedAt",
] as const;

export const batchImportFindings: OpHandler<BatchImportFindingsCommandInput, BatchImportFindingsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const findings = input.Findings ?? [];
  if (findings.length < 1 || findings.length > 100) throw invalidInput("Findings must list 1 to 100 findings");
  const own = `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:product/${ctx.accountId}/default`;
  const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
  let ok = 0;
  for (const f of findings as Stored<AwsSecurityFinding>[]) {
    const id = String(f.Id ?? "");
    const missing = REQUIRED.filter((k) => f[k] === undefined || f[k] === null || f[k] === "");
    if (!f.Severity?.Label && f.Severity?.Normalized === undefined) missing.push("Severity" as never);
    const error =
      missing.length > 0
        ? `Finding is missing required attributes: ${missing.join(", ")}`
        : f.AwsAccountId !== ctx.accountId
          ? `AwsAccountId ${f.AwsAccountId} is not the caller's account`
          : f.ProductArn !== own
            ? `ProductArn must be ${own} for findings imported by this account`
            : !f.Resources?.length || f.Resources.some((r) => !r.Type || !r.Id)
              ? "Each resource needs a Type and an Id"
              : Number.isNaN(Date.parse(String(f.CreatedAt))) || Number.isNaN(Date.parse(String(f.UpdatedAt)))
                ? "CreatedAt and UpdatedAt must be ISO 8601 timestamps"
                : undefined;
    if (error) {
      failed.push({ Id: id, ErrorCode: "InvalidInput", ErrorMessage: error });
      continue;
    }
    const label = f.Severity?.Label ?? labelOfNormalized(Number(f.Severity?.Normalized));
    const previous = st.imported[id];
    st.imported[id] = {
      ...f,
      ProductName: f.ProductName ?? "Default",
      CompanyName: f.CompanyName ?? "Personal",
      Region: ctx.region,
      Severity: { ...f.Severity, Label: label as never, Normalized: f.Severity?.Normalized ?? NORMALIZED_BY_LABEL[label] },
      // Workflow and record state belong to BatchUpdateFindings once a finding exists.
      Workflow: previous?.Workflow ?? f.Workflow ?? { Status: "NEW" },
      WorkflowState: previous?.WorkflowState ?? "NEW",
      RecordState: f.RecordState ?? "ACTIVE",
      ProcessedAt: ctx.time.toISOString(),
    };
    ok++;
  }
  return { FailedCount: failed.length, SuccessCount: ok, FailedFindings: failed };
};
