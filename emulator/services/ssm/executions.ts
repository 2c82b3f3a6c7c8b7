/**
 * Automation executions: StartAutomationExecution records one (Pending) for the runner (runner.ts) to carry out over
 * the range's time; Get/DescribeAutomationExecution(s) and DescribeAutomationStepExecutions show it as it is at the
 * call; StopAutomationExecution cancels it.
 */
import type {
  AutomationExecution,
  AutomationExecutionMetadata,
  DescribeAutomationExecutionsCommandInput,
  DescribeAutomationExecutionsCommandOutput,
  DescribeAutomationStepExecutionsCommandInput,
  DescribeAutomationStepExecutionsCommandOutput,
  GetAutomationExecutionCommandInput,
  GetAutomationExecutionCommandOutput,
  StartAutomationExecutionCommandInput,
  StartAutomationExecutionCommandOutput,
  StepExecution,
  StopAutomationExecutionCommandInput,
  StopAutomationExecutionCommandOutput,
} from "@aws-sdk/client-ssm";
import { randomUUID } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { findDocument, resolveVersion } from "./documents.ts";
import { resolveParameters } from "./parameters.ts";
import { iso, PENDING_MS, wake } from "./runner.ts";
import { FINISHED, peekSsmState, type StoredExecution, type StoredStep, ssmState } from "./state.ts";

const invalidToken = () => new AwsError("InvalidNextToken", "The specified token is not valid.");

const notFound = (id: string) => new AwsError("AutomationExecutionNotFoundException", `Automation Execution with id ${id} not found`);

function checkId(id: string | undefined): string {
  const v = id ?? "";
  if (v.length !== 36) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${v}' at 'automationExecutionId' failed to satisfy constraint: Member must have length ${v.length < 36 ? "greater than or equal to 36" : "less than or equal to 36"}`,
    );
  }
  return v;
}

/** The execution the caller's account and region hold under that id (read without creating state). */
function executionOf(ctx: RequestContext, id: string | undefined): StoredExecution {
  const v = checkId(id);
  const st = peekSsmState(ctx.runtime, ctx.accountId, ctx.region);
  const ex = st && Object.hasOwn(st.executions, v) ? st.executions[v] : undefined;
  if (!ex) throw notFound(v);
  return ex;
}

function checkMax(max: number | undefined, low: number, high: number): number {
  const v = max ?? high;
  if (v < low || v > high) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must have value ${v < low ? `greater than or equal to ${low}` : `less than or equal to ${high}`}`,
    );
  }
  return v;
}

const asDate = (s: string | undefined) => s as unknown as Date;

function stepView(s: StoredStep): StepExecution {
  return { ...s, ExecutionStartTime: asDate(s.ExecutionStartTime), ExecutionEndTime: asDate(s.ExecutionEndTime) } as StepExecution;
}

function executionView(ex: StoredExecution): AutomationExecution {
  return {
    AutomationExecutionId: ex.AutomationExecutionId,
    DocumentName: ex.DocumentName,
    DocumentVersion: ex.DocumentVersion,
    ExecutionStartTime: asDate(ex.ExecutionStartTime),
    ...(ex.ExecutionEndTime ? { ExecutionEndTime: asDate(ex.ExecutionEndTime) } : {}),
    AutomationExecutionStatus: ex.AutomationExecutionStatus,
    StepExecutions: ex.StepExecutions.map(stepView),
    StepExecutionsTruncated: false,
    Parameters: ex.Parameters,
    Outputs: ex.Outputs ?? {},
    ...(ex.FailureMessage ? { FailureMessage: ex.FailureMessage } : {}),
    Mode: ex.Mode,
    ExecutedBy: ex.ExecutedBy,
    ...(ex.CurrentStepName ? { CurrentStepName: ex.CurrentStepName, CurrentAction: ex.CurrentAction } : {}),
    Targets: [],
    ResolvedTargets: { ParameterValues: [], Truncated: false },
  };
}

function metadataView(ex: StoredExecution): AutomationExecutionMetadata {
  return {
    AutomationExecutionId: ex.AutomationExecutionId,
    DocumentName: ex.DocumentName,
    DocumentVersion: ex.DocumentVersion,
    AutomationExecutionStatus: ex.AutomationExecutionStatus,
    ExecutionStartTime: asDate(ex.ExecutionStartTime),
    ...(ex.ExecutionEndTime ? { ExecutionEndTime: asDate(ex.ExecutionEndTime) } : {}),
    ExecutedBy: ex.ExecutedBy,
    LogFile: "",
    Outputs: ex.Outputs ?? {},
    Mode: ex.Mode,
    ...(ex.CurrentStepName ? { CurrentStepName: ex.CurrentStepName, CurrentAction: ex.CurrentAction } : {}),
    ...(ex.FailureMessage ? { FailureMessage: ex.FailureMessage } : {}),
    Targets: [],
    ResolvedTargets: { ParameterValues: [], Truncated: false },
    AutomationType: ex.AutomationType,
  };
}

export const startAutomationExecution: OpHandler<StartAutomationExecutionCommandInput, StartAutomationExecutionCommandOutput> = (input, ctx) => {
  const name = input.DocumentName ?? "";
  const doc = findDocument(name);
  if (!doc) throw new AwsError("AutomationDefinitionNotFoundException", `Document ${name} does not exist.`);
  const version = resolveVersion(doc, input.DocumentVersion);
  if (!version) throw new AwsError("AutomationDefinitionVersionNotFoundException", `Document ${doc.name} version ${input.DocumentVersion} does not exist.`);
  if (input.Mode === "Interactive") throw new AwsError("InvalidAutomationExecutionParametersException", "ir-range runs automations in Auto mode only.");
  if (input.Targets?.length || input.TargetMaps?.length || input.TargetLocations?.length || input.TargetParameterName) {
    throw new AwsError(
      "InvalidAutomationExecutionParametersException",
      "ir-range runs automations on the parameters given: Targets, TargetMaps and TargetLocations are not supported.",
    );
  }
  const st = ssmState(ctx);
  if (input.ClientToken) {
    const same = Object.values(st.executions).find((e) => e.clientToken === input.ClientToken);
    if (same) return { AutomationExecutionId: same.AutomationExecutionId };
  }
  const { shown, values } = resolveParameters(doc.content.parameters ?? {}, input.Parameters);
  const id = randomUUID();
  const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" }));
  st.executions[id] = {
    AutomationExecutionId: id,
    DocumentName: doc.name,
    DocumentVersion: version,
    AutomationExecutionStatus: "Pending",
    ExecutionStartTime: iso(ctx.time),
    Parameters: shown,
    Mode: "Auto",
    ExecutedBy: ctx.principal.arn,
    AutomationType: "Local",
    ...(tags.length ? { Tags: tags } : {}),
    ...(input.ClientToken ? { clientToken: input.ClientToken } : {}),
    StepExecutions: [],
    values,
    // Steps act as the caller unless the document's assumeRole names a role (resolved when the execution starts).
    identity: { accessKeyId: ctx.accessKeyId },
    runner: { at: iso(ctx.time.getTime() + PENDING_MS), kind: "start", step: 0 },
  };
  wake(ctx.runtime, ctx.time.getTime() + PENDING_MS);
  return { AutomationExecutionId: id };
};

export const getAutomationExecution: OpHandler<GetAutomationExecutionCommandInput, GetAutomationExecutionCommandOutput> = (input, ctx) => ({
  AutomationExecution: executionView(executionOf(ctx, input.AutomationExecutionId)),
});

function executionMatches(ex: StoredExecution, key: string, values: string[]): boolean {
  const start = Date.parse(ex.ExecutionStartTime);
  switch (key) {
    case "DocumentNamePrefix":
      return values.some((v) => ex.DocumentName.startsWith(v));
    case "ExecutionStatus":
      return values.includes(ex.AutomationExecutionStatus);
    case "ExecutionId":
      return values.includes(ex.AutomationExecutionId);
    case "ParentExecutionId":
      return false;
    case "CurrentAction":
      return values.includes(ex.CurrentAction ?? "");
    case "StartTimeBefore":
      return values.some((v) => start < Date.parse(v));
    case "StartTimeAfter":
      return values.some((v) => start > Date.parse(v));
    case "AutomationType":
      return values.includes(ex.AutomationType);
    case "TagKey":
      return values.some((v) => (ex.Tags ?? []).some((t) => t.Key === v));
    default:
      // AutomationSubtype, OpsItemId, TargetResourceGroup: no execution of the range has them.
      return false;
  }
}

const TIME_KEYS = new Set(["StartTimeBefore", "StartTimeAfter"]);

function checkFilters(filters: { Key?: string; Values?: string[] }[] | undefined, keys: ReadonlySet<string>): { key: string; values: string[] }[] {
  return (filters ?? []).map((f) => {
    const key = f.Key ?? "";
    if (!keys.has(key))
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '${key}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${[...keys].join(", ")}]`,
      );
    const values = f.Values ?? [];
    if (!values.length) throw new AwsError("InvalidFilterValue", `The filter value for ${key} is not valid.`);
    if (TIME_KEYS.has(key) && values.some((v) => Number.isNaN(Date.parse(v))))
      throw new AwsError("InvalidFilterValue", `The filter value ${values[0]} for ${key} is not valid.`);
    return { key, values };
  });
}

const EXECUTION_KEYS = new Set([
  "DocumentNamePrefix",
  "ExecutionStatus",
  "ExecutionId",
  "ParentExecutionId",
  "CurrentAction",
  "StartTimeBefore",
  "StartTimeAfter",
  "AutomationType",
  "TagKey",
  "TargetResourceGroup",
  "AutomationSubtype",
  "OpsItemId",
]);

export const describeAutomationExecutions: OpHandler<DescribeAutomationExecutionsCommandInput, DescribeAutomationExecutionsCommandOutput> = (input, ctx) => {
  const max = checkMax(input.MaxResults, 1, 50);
  const filters = checkFilters(input.Filters, EXECUTION_KEYS);
  const all = Object.values(peekSsmState(ctx.runtime, ctx.accountId, ctx.region)?.executions ?? {});
  // Newest first, as the console and the API list them.
  const matching = all
    .filter((ex) => filters.every((f) => executionMatches(ex, f.key, f.values)))
    .sort((a, b) => Date.parse(b.ExecutionStartTime) - Date.parse(a.ExecutionStartTime) || (a.AutomationExecutionId < b.AutomationExecutionId ? -1 : 1));
  const { page, next } = paginate(matching, input.NextToken, max, `DescribeAutomationExecutions:${JSON.stringify(filters)}`, invalidToken);
  return { AutomationExecutionMetadataList: page.map(metadataView), ...(next ? { NextToken: next } : {}) };
};

const STEP_KEYS = new Set([
  "StartTimeBefore",
  "StartTimeAfter",
  "StepExecutionStatus",
  "StepExecutionId",
  "StepName",
  "Action",
  "ParentStepExecutionId",
  "ParentStepIteration",
  "ParentStepIteratorValue",
]);

function stepMatches(s: StoredStep, key: string, values: string[]): boolean {
  const start = s.ExecutionStartTime ? Date.parse(s.ExecutionStartTime) : Number.NaN;
  switch (key) {
    case "StartTimeBefore":
      return values.some((v) => start < Date.parse(v));
    case "StartTimeAfter":
      return values.some((v) => start > Date.parse(v));
    case "StepExecutionStatus":
      return values.includes(s.StepStatus);
    case "StepExecutionId":
      return values.includes(s.StepExecutionId);
    case "StepName":
      return values.includes(s.StepName);
    case "Action":
      return values.includes(s.Action);
    default:
      return false;
  }
}

export const describeAutomationStepExecutions: OpHandler<DescribeAutomationStepExecutionsCommandInput, DescribeAutomationStepExecutionsCommandOutput> = (
  input,
  ctx,
) => {
  const ex = executionOf(ctx, input.AutomationExecutionId);
  const max = checkMax(input.MaxResults, 1, 50);
  const filters = checkFilters(input.Filters, STEP_KEYS);
  const steps = ex.StepExecutions.filter((s) => filters.every((f) => stepMatches(s, f.key, f.values)));
  if (input.ReverseOrder) steps.reverse();
  const scope = `DescribeAutomationStepExecutions:${ex.AutomationExecutionId}:${JSON.stringify(filters)}:${!!input.ReverseOrder}`;
  const { page, next } = paginate(steps, input.NextToken, max, scope, invalidToken);
  return { StepExecutions: page.map(stepView), ...(next ? { NextToken: next } : {}) };
};

export const stopAutomationExecution: OpHandler<StopAutomationExecutionCommandInput, StopAutomationExecutionCommandOutput> = (input, ctx) => {
  const id = checkId(input.AutomationExecutionId);
  const st = ssmState(ctx);
  const ex = Object.hasOwn(st.executions, id) ? st.executions[id] : undefined;
  if (!ex) throw notFound(id);
  const type = input.Type ?? "Cancel";
  if (type !== "Cancel" && type !== "Complete") {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [Complete, Cancel]`,
    );
  }
  if (FINISHED.has(ex.AutomationExecutionStatus) || ex.stopRequested) {
    throw new AwsError(
      "InvalidAutomationStatusUpdateException",
      `The automation execution ${id} cannot be stopped because its status is ${ex.AutomationExecutionStatus}.`,
    );
  }
  ex.stopRequested = type;
  if (type === "Cancel") {
    // Cancelling now; the runner ends it at once, before the next call sees it.
    ex.AutomationExecutionStatus = "Cancelling";
    if (ex.runner) ex.runner.at = iso(ctx.time);
    wake(ctx.runtime, ctx.time.getTime());
  }
  return {};
};
