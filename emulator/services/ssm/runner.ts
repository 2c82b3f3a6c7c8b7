/**
 * Runs Automation executions over the range's time. Each execution carries its runner state (state.ts): the next
 * moment something happens to it and what. The dispatcher calls `dueWork` before every request and on a timer
 * (core/service.ts, ServiceLifecycle.due): every event fallen due by then is processed in time order, each at its own
 * moment — the steps' API calls are made at that emulator time through the range's request path, and the execution's
 * state is written in transactions of its own, never inside another request's.
 *
 * The timeline: Pending at start, InProgress one second later with the first step; a step that makes its calls at
 * once ends API_STEP_MS after it started (a branch at once, a sleep after its duration); a waiting step polls every
 * POLL_MS until what it waits for holds or its timeout passes; the next step starts when one ends.
 */
import { randomUUID } from "../../core/entropy.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceCall } from "../../core/service.ts";
import { type Outcome, POLL_MS, pollStep, type StepRun, startStep, timedOut } from "./actions.ts";
import { callApi } from "./api-call.ts";
import { type AutomationDocument, findDocument, type StepDefinition } from "./documents.ts";
import { interpolate, type Lookup } from "./parameters.ts";
import { assumeAutomationRole, UNASSUMABLE } from "./session.ts";
import { type RunnerState, type SsmState, type StoredExecution, type StoredStep, ssmState } from "./state.ts";

/** From Pending to InProgress. */
export const PENDING_MS = 1000;

const TROUBLESHOOT = "Please refer to Automation Service Troubleshooting Guide for more diagnosis details.";
const NO_OUTPUT = "No output available yet because the step is not successfully executed";

export const iso = (d: Date | number) => new Date(d).toISOString();

interface Work {
  running?: Promise<void>;
  /** The earliest moment (epoch ms) an execution has something due; null when unknown (scan the state). */
  nextAt: number | null | undefined;
  log: (line: string) => void;
}

const works = new WeakMap<Runtime, Work>();

function workOf(runtime: Runtime): Work {
  let w = works.get(runtime);
  if (!w) {
    w = { nextAt: null, log: () => {} };
    works.set(runtime, w);
  }
  return w;
}

/** Called when the service starts: where to log, and forget what was due when the state is reset. */
export function attachRunner(runtime: Runtime, log: (line: string) => void): void {
  const w = workOf(runtime);
  w.log = log;
  runtime.onReset(() => {
    w.nextAt = null;
  });
}

/** Something falls due at `at` (a new execution, a stop request). */
export function wake(runtime: Runtime, at: number): void {
  const w = workOf(runtime);
  if (w.nextAt !== null && (w.nextAt === undefined || at < w.nextAt)) w.nextAt = at;
}

interface Ref {
  accountId: string;
  region: string;
  id: string;
  at: number;
}

/** The execution with the earliest event, across every account and region. */
function earliest(runtime: Runtime): Ref | undefined {
  let best: Ref | undefined;
  for (const [accountId, account] of Object.entries(runtime.document.accounts)) {
    for (const [region, services] of Object.entries(account.regions)) {
      const st = services.ssm as SsmState | undefined;
      for (const [id, ex] of Object.entries(st?.executions ?? {})) {
        if (!ex.runner) continue;
        const at = Date.parse(ex.runner.at);
        if (!best || at < best.at) best = { accountId, region, id, at };
      }
    }
  }
  return best;
}

/** The work fallen due by now; undefined when there is none (the usual case, at the cost of a comparison). */
export function dueWork(runtime: Runtime, call: ServiceCall): Promise<void> | undefined {
  const w = workOf(runtime);
  if (w.running) return w.running.then(() => dueWork(runtime, call));
  if (w.nextAt === null) w.nextAt = earliest(runtime)?.at;
  if (w.nextAt === undefined || w.nextAt > runtime.clock.now().getTime()) return undefined;
  const run = pass(runtime, call, w).finally(() => {
    if (w.running === run) w.running = undefined;
  });
  w.running = run;
  return run;
}

async function pass(runtime: Runtime, call: ServiceCall, w: Work): Promise<void> {
  for (;;) {
    const next = earliest(runtime);
    if (!next || next.at > runtime.clock.now().getTime()) {
      w.nextAt = next?.at;
      return;
    }
    try {
      await advance(runtime, call, next);
    } catch (e) {
      // A fault of ours must not stall every other execution: this one fails, and the log says why.
      w.log(`ssm: automation execution ${next.id} failed in the range: ${(e as Error).stack ?? e}`);
      await update(runtime, next, (ex) =>
        endExecution(ex, new Date(next.at), { message: `Step fails when it is Execute/Cancelling action. An internal error occurred. ${TROUBLESHOOT}` }),
      );
    }
  }
}

/** Changes one execution in a transaction of its own (it may have gone meanwhile: a reset). */
function update(runtime: Runtime, ref: Ref, fn: (ex: StoredExecution) => void): Promise<void> {
  return runtime.transact(() => {
    const st = ssmState({ runtime, accountId: ref.accountId, region: ref.region });
    const ex = Object.hasOwn(st.executions, ref.id) ? st.executions[ref.id] : undefined;
    if (ex) fn(ex);
  });
}

function current(runtime: Runtime, ref: Ref): StoredExecution | undefined {
  const st = ssmState({ runtime, accountId: ref.accountId, region: ref.region });
  return Object.hasOwn(st.executions, ref.id) ? st.executions[ref.id] : undefined;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The values {{ }} can name in an execution: its parameters, its steps' outputs, automation: and global: variables. */
export function lookupFor(ex: StoredExecution, accountId: string, region: string, at: Date): Lookup {
  return (name) => {
    switch (name) {
      case "automation:EXECUTION_ID":
      case "automation:AUTOMATION_EXECUTION_ID":
        return ex.AutomationExecutionId;
      case "global:ACCOUNT_ID":
        return accountId;
      case "global:REGION":
        return region;
      case "global:AWS_PARTITION":
        return "aws";
      case "global:AWS_URL_SUFFIX":
        return "amazonaws.com";
      case "global:DATE":
        return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
      case "global:DATE_TIME":
        return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}_${pad(at.getUTCHours())}.${pad(at.getUTCMinutes())}.${pad(at.getUTCSeconds())}`;
      default:
        return Object.hasOwn(ex.values, name) ? ex.values[name] : undefined;
    }
  };
}

/** How GetAutomationExecution shows an output value: a list of strings. */
export function shownValue(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  if (v && typeof v === "object") return [JSON.stringify(v)];
  return [String(v)];
}

/** The document's outputs as the execution has them so far. */
function documentOutputs(doc: AutomationDocument, ex: StoredExecution): Record<string, string[]> | undefined {
  const names = doc.content.outputs ?? [];
  if (!names.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const n of names) out[n] = Object.hasOwn(ex.values, n) ? shownValue(ex.values[n]) : [NO_OUTPUT];
  return out;
}

function endExecution(ex: StoredExecution, at: Date, failure?: { message: string; timedOut?: boolean }): void {
  const doc = findDocument(ex.DocumentName);
  if (failure) {
    ex.AutomationExecutionStatus = failure.timedOut ? "TimedOut" : "Failed";
    ex.FailureMessage = failure.message;
  } else if (ex.AutomationExecutionStatus !== "Failed" && ex.AutomationExecutionStatus !== "TimedOut") {
    ex.AutomationExecutionStatus = "Success";
  }
  ex.ExecutionEndTime = iso(at);
  if (doc) {
    const outputs = documentOutputs(doc, ex);
    if (outputs) ex.Outputs = outputs;
  }
  for (const s of ex.StepExecutions) if (s.StepStatus === "InProgress" || s.StepStatus === "Pending") s.StepStatus = "Cancelled";
  delete ex.runner;
}

const PERMISSION_CODES =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|InvalidClientTokenId|UnrecognizedClientException|ExpiredToken|ExpiredTokenException|AuthFailure)$/;

function failStep(entry: StoredStep, outcome: Outcome, at: Date, verification: boolean): void {
  entry.StepStatus = outcome.timedOut ? "TimedOut" : "Failed";
  entry.ExecutionEndTime = iso(at);
  entry.FailureMessage = outcome.message;
  entry.FailureDetails = {
    FailureStage: "Invocation",
    FailureType: outcome.code && PERMISSION_CODES.test(outcome.code) ? "Permission" : verification ? "Verification" : "Action",
    ...(outcome.code ? { Details: { ErrorCode: [outcome.code] } } : {}),
  };
}

/** The step after `i`: its nextStep, else the next in the document; undefined at the end. */
function followingStep(doc: AutomationDocument, i: number): string | undefined {
  const step = doc.content.mainSteps[i];
  if (step.isEnd) return undefined;
  return step.nextStep ?? doc.content.mainSteps[i + 1]?.name;
}

const indexOf = (doc: AutomationDocument, name: string) => doc.content.mainSteps.findIndex((s) => s.name === name);

/** The caller's ARN as aws:PrincipalArn reads it: a role session's is its role's. */
function principalArnOf(ex: StoredExecution): string {
  if (ex.identity.roleArn) return ex.identity.roleArn;
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(ex.ExecutedBy);
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : ex.ExecutedBy;
}

function stepRun(runtime: Runtime, call: ServiceCall, ref: Ref, ex: StoredExecution, doc: AutomationDocument, step: StepDefinition, at: Date): StepRun {
  const inputs = interpolate(step.inputs ?? {}, lookupFor(ex, ref.accountId, ref.region, at)) as Record<string, unknown>;
  const target = { runtime, call, region: ref.region, accessKeyId: ex.identity.accessKeyId, at };
  return {
    step,
    inputs,
    documentName: doc.name,
    executionId: ex.AutomationExecutionId,
    at,
    region: ref.region,
    principalArn: principalArnOf(ex),
    api: (service, api, input) => callApi(target, service, api, input),
  };
}

/** The step's inputs as GetAutomationExecution shows them: each as JSON text. */
function shownInputs(inputs: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = JSON.stringify(v);
  return out;
}

async function advance(runtime: Runtime, call: ServiceCall, ref: Ref): Promise<void> {
  const ex = current(runtime, ref);
  const r = ex?.runner;
  if (!ex || !r) return;
  const at = new Date(ref.at);
  const doc = findDocument(ex.DocumentName);
  if (!doc) {
    await update(runtime, ref, (e) => endExecution(e, at, { message: `Document ${ex.DocumentName} is no longer available.` }));
    return;
  }
  if (ex.stopRequested === "Cancel") {
    await update(runtime, ref, (e) => {
      for (const s of e.StepExecutions) {
        if (s.StepStatus === "InProgress" || s.StepStatus === "Pending") {
          s.StepStatus = "Cancelled";
          s.ExecutionEndTime = iso(at);
        }
      }
      e.AutomationExecutionStatus = "Cancelled";
      e.ExecutionEndTime = iso(at);
      const outputs = documentOutputs(doc, e);
      if (outputs) e.Outputs = outputs;
      delete e.runner;
    });
    return;
  }
  switch (r.kind) {
    case "start":
      return startExecution(runtime, call, ref, ex, doc, at);
    case "step":
      return beginStep(runtime, call, ref, ex, doc, r, at);
    case "poll":
      return poll(runtime, call, ref, ex, doc, r, at);
    case "finish-step":
      return finishStep(runtime, ref, doc, r, at);
  }
}

async function startExecution(runtime: Runtime, call: ServiceCall, ref: Ref, ex: StoredExecution, doc: AutomationDocument, at: Date): Promise<void> {
  const roleArn = String(interpolate(doc.content.assumeRole ?? "", lookupFor(ex, ref.accountId, ref.region, at)) ?? "").trim();
  let failure: string | undefined;
  await runtime.transact(() => {
    const st = ssmState({ runtime, accountId: ref.accountId, region: ref.region });
    const e = st.executions[ref.id];
    if (!e) return;
    e.AutomationExecutionStatus = "InProgress";
    if (roleArn && !roleArn.startsWith("{{")) {
      try {
        e.identity = { accessKeyId: assumeAutomationRole(runtime, ref.accountId, ref.region, roleArn, e.AutomationExecutionId, at), roleArn };
      } catch (err) {
        if ((err as Error).message !== UNASSUMABLE) throw err;
        failure = UNASSUMABLE;
      }
    }
  });
  const first = doc.content.mainSteps[0];
  if (failure) {
    // Automation fails the first step when it cannot act as the role.
    await update(runtime, ref, (e) => {
      const entry: StoredStep = {
        StepName: first.name,
        Action: first.action,
        StepExecutionId: randomUUID(),
        StepStatus: "Failed",
        ExecutionStartTime: iso(at),
      };
      failStep(entry, { ok: false, message: UNASSUMABLE }, at, false);
      e.StepExecutions.push(entry);
      e.CurrentStepName = first.name;
      e.CurrentAction = first.action;
      endExecution(e, at, { message: `Step fails when it is Execute/Cancelling action. ${UNASSUMABLE} ${TROUBLESHOOT}` });
    });
    return;
  }
  const started = current(runtime, ref);
  if (started) await beginStep(runtime, call, ref, started, doc, { at: iso(at), kind: "step", step: 0 }, at);
}

/** Refresh the role's session a minute before it expires, as Automation does for long runs; the execution as it is then. */
async function withFreshSession(runtime: Runtime, ref: Ref, ex: StoredExecution, at: Date): Promise<StoredExecution> {
  const roleArn = ex.identity.roleArn;
  const expiration = roleArn ? runtime.resolveCredential(ex.identity.accessKeyId)?.expiration : undefined;
  if (!roleArn || (expiration !== undefined && Date.parse(expiration) > at.getTime() + 60_000)) return ex;
  await update(runtime, ref, (e) => {
    try {
      e.identity = { accessKeyId: assumeAutomationRole(runtime, ref.accountId, ref.region, roleArn, e.AutomationExecutionId, at), roleArn };
    } catch (err) {
      // The role can no longer be assumed: the steps go on with the old session, and fail as its calls fail.
      if ((err as Error).message !== UNASSUMABLE) throw err;
    }
  });
  return current(runtime, ref) ?? ex;
}

async function beginStep(
  runtime: Runtime,
  call: ServiceCall,
  ref: Ref,
  given: StoredExecution,
  doc: AutomationDocument,
  r: RunnerState,
  at: Date,
): Promise<void> {
  const step = doc.content.mainSteps[r.step];
  const ex = await withFreshSession(runtime, ref, given, at);
  const run = stepRun(runtime, call, ref, ex, doc, step, at);
  const started = await startStep(run, at);
  await update(runtime, ref, (e) => {
    let index = r.entry;
    if (index === undefined || !e.StepExecutions[index]) {
      const next = followingStep(doc, r.step);
      e.StepExecutions.push({
        StepName: step.name,
        Action: step.action,
        StepExecutionId: randomUUID(),
        StepStatus: "InProgress",
        OnFailure: step.onFailure ?? "Abort",
        MaxAttempts: step.maxAttempts ?? 1,
        ...(step.timeoutSeconds !== undefined ? { TimeoutSeconds: step.timeoutSeconds } : {}),
        IsEnd: step.isEnd === true,
        IsCritical: step.isCritical ?? true,
        ...(next ? { NextStep: next, ValidNextSteps: [next] } : {}),
        ExecutionStartTime: iso(at),
        Inputs: shownInputs(run.inputs),
      });
      index = e.StepExecutions.length - 1;
    }
    e.CurrentStepName = step.name;
    e.CurrentAction = step.action;
    if (started.kind === "done") {
      e.runner = { at: iso(at.getTime() + started.durationMs), kind: "finish-step", step: r.step, entry: index, outcome: started.outcome, attempt: r.attempt };
    } else {
      // A wait for a resource property polls at once; a state change or an image is first given a poll's time.
      const first = step.action === "aws:waitForAwsResourceProperty" ? 0 : POLL_MS;
      e.runner = {
        at: iso(at.getTime() + first),
        kind: "poll",
        step: r.step,
        entry: index,
        deadline: iso(at.getTime() + started.timeoutMs),
        polls: 0,
        attempt: r.attempt,
        ...(started.imageId ? { imageId: started.imageId } : {}),
      };
      if (started.imageId) e.values[`${step.name}.ImageId`] = started.imageId;
    }
  });
}

async function poll(runtime: Runtime, call: ServiceCall, ref: Ref, given: StoredExecution, doc: AutomationDocument, r: RunnerState, at: Date): Promise<void> {
  const step = doc.content.mainSteps[r.step];
  const ex = await withFreshSession(runtime, ref, given, at);
  const deadline = Date.parse(r.deadline ?? iso(at));
  const outcome = at.getTime() >= deadline ? timedOut(step) : await pollStep(stepRun(runtime, call, ref, ex, doc, step, at), { imageId: r.imageId });
  await update(runtime, ref, (e) => {
    if (outcome) e.runner = { ...r, at: iso(at), kind: "finish-step", outcome };
    else e.runner = { ...r, at: iso(Math.min(at.getTime() + POLL_MS, deadline)), polls: (r.polls ?? 0) + 1 };
  });
}

async function finishStep(runtime: Runtime, ref: Ref, doc: AutomationDocument, r: RunnerState, at: Date): Promise<void> {
  await update(runtime, ref, (e) => {
    const step = doc.content.mainSteps[r.step];
    const entry = e.StepExecutions[r.entry ?? -1];
    const outcome = r.outcome ?? { ok: true };
    if (!entry) return endExecution(e, at, { message: `Step fails when it is Execute/Cancelling action. An internal error occurred. ${TROUBLESHOOT}` });
    const attempt = r.attempt ?? 1;
    if (!outcome.ok && !outcome.timedOut && attempt < (step.maxAttempts ?? 1)) {
      // maxAttempts: the step runs again, in the same step execution.
      e.runner = { at: iso(at), kind: "step", step: r.step, entry: r.entry, attempt: attempt + 1 };
      return;
    }
    if (outcome.ok) {
      entry.StepStatus = "Success";
      entry.ExecutionEndTime = iso(at);
      const shown: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(outcome.outputs ?? {})) {
        e.values[`${step.name}.${k}`] = v;
        shown[k] = shownValue(v);
      }
      if (Object.keys(shown).length) entry.Outputs = shown;
      if (outcome.next) entry.NextStep = outcome.next;
    } else {
      failStep(entry, outcome, at, step.action === "aws:assertAwsResourceProperty" || step.action === "aws:waitForAwsResourceProperty");
    }
    const outputs = documentOutputs(doc, e);
    if (outputs) e.Outputs = outputs;
    let next: string | undefined;
    if (outcome.ok) next = outcome.next ?? followingStep(doc, r.step);
    else {
      const onFailure = step.onFailure ?? "Abort";
      const failure = { message: outcome.message ?? "", timedOut: outcome.timedOut };
      // A critical step's failure makes the execution fail even when it goes on.
      if ((step.isCritical ?? true) && !e.criticalFailure) e.criticalFailure = failure.message;
      if (onFailure === "Continue") next = followingStep(doc, r.step);
      else if (onFailure.startsWith("step:")) next = onFailure.slice("step:".length);
      else return endExecution(e, at, failure);
    }
    if (e.stopRequested === "Complete" || next === undefined) {
      return endExecution(e, at, e.criticalFailure ? { message: e.criticalFailure } : undefined);
    }
    const i = indexOf(doc, next);
    if (i < 0)
      return endExecution(e, at, { message: `Step fails when it is Execute/Cancelling action. Step ${next} is not a step of the document. ${TROUBLESHOOT}` });
    e.runner = { at: iso(at), kind: "step", step: i };
  });
}
