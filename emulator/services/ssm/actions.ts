/**
 * What each Automation action does when its step runs: the API calls it makes (through api-call.ts, as the
 * execution) and what it reports. An action either finishes when it starts (its outcome shown once its duration has
 * passed) or waits, polling by the clock until what it waits for holds or its timeout passes.
 */
import { ApiCallError } from "./api-call.ts";
import type { StepDefinition, StepOutputDefinition } from "./documents.ts";
import { runScript, ScriptError } from "./scripts.ts";
import { select } from "./selectors.ts";

/** How long a step that makes its calls at once takes, in emulator time. */
export const API_STEP_MS = 1000;
/** How often a waiting step polls. */
export const POLL_MS = 5000;
/** A waiting step's timeout when the document gives none (Automation's default for these actions). */
export const DEFAULT_WAIT_TIMEOUT_S = 3600;

const TROUBLESHOOT = "Please refer to Automation Service Troubleshooting Guide for more diagnosis details.";

export interface Outcome {
  ok: boolean;
  /** TimedOut instead of Failed. */
  timedOut?: boolean;
  message?: string;
  /** The error code of a failed call, for FailureDetails. */
  code?: string;
  /** Typed output values by output name. */
  outputs?: Record<string, unknown>;
  /** A branch's choice. */
  next?: string;
}

/** What a step is given to run. */
export interface StepRun {
  step: StepDefinition;
  /** Its inputs with every {{ }} reference resolved. */
  inputs: Record<string, unknown>;
  documentName: string;
  executionId: string;
  /** The emulator time of the step's work, and where it runs. */
  at: Date;
  region: string;
  /** Who the steps act as, as aws:PrincipalArn names it (the role, or the calling user or role). */
  principalArn: string;
  /** Calls an API as the execution, at this moment. */
  api(service: string, api: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export type Started = { kind: "done"; outcome: Outcome; durationMs: number } | { kind: "wait"; timeoutMs: number; imageId?: string };

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null || v === "" ? [] : [v]);

/** A call's failure as Automation words a step's failure. */
export function failureOf(e: unknown): Outcome {
  if (e instanceof ApiCallError) {
    const inner = `An error occurred (${e.code}) when calling the ${e.api} operation: ${e.message}`.replace(/\.$/, "");
    return { ok: false, code: e.code, message: `Step fails when it is Execute/Cancelling action. ${inner}. ${TROUBLESHOOT}` };
  }
  if (e instanceof ScriptError)
    return { ok: false, code: e.code, message: `Step fails when it is Execute/Cancelling action. ${e.message.replace(/\.$/, "")}. ${TROUBLESHOOT}` };
  throw e;
}

/** The API call of an executeAwsApi-like step: its inputs without the action's own keys. */
function callInput(inputs: Record<string, unknown>, own: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (!own.includes(k)) out[k] = v;
  return out;
}

/** A declared output's value from what the step returned, typed as declared. */
function outputValue(def: StepOutputDefinition, data: unknown): unknown {
  const sel = select(data, def.Selector);
  if (!sel?.values.length) return undefined;
  const first = sel.values[0];
  switch (def.Type) {
    case "StringList":
      return (sel.multiple ? sel.values : list(first)).map(str);
    case "MapList":
      return sel.multiple ? sel.values : list(first);
    case "Integer":
      return Number(first);
    case "Boolean":
      return first === true || String(first).toLowerCase() === "true";
    case "StringMap":
      return first && typeof first === "object" ? first : {};
    default:
      return str(sel.multiple ? sel.values : first);
  }
}

function declaredOutputs(step: StepDefinition, data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of step.outputs ?? []) {
    const v = outputValue(o, data);
    if (v !== undefined) out[o.Name] = v;
  }
  return out;
}

/** Whether every value a property selector reaches is one of the desired values (compared as text, booleans any case). */
function propertyHolds(data: unknown, selector: string, desired: unknown[]): { holds: boolean; actual: string } {
  const sel = select(data, selector);
  const values = sel?.values ?? [];
  const want = desired.map((d) => str(d).toLowerCase());
  const actual = values.map(str);
  return { holds: values.length > 0 && actual.every((a) => want.includes(a.toLowerCase())), actual: actual.length === 1 ? actual[0] : JSON.stringify(actual) };
}

// ---- aws:branch ----

type Choice = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" ? v : Number(str(v));
}

function choiceHolds(c: Choice): boolean {
  if (Array.isArray(c.And)) return (c.And as Choice[]).every(choiceHolds);
  if (Array.isArray(c.Or)) return (c.Or as Choice[]).some(choiceHolds);
  if (c.Not && typeof c.Not === "object") return !choiceHolds(c.Not as Choice);
  const v = c.Variable;
  if ("StringEquals" in c) return str(v) === str(c.StringEquals);
  if ("EqualsIgnoreCase" in c) return str(v).toLowerCase() === str(c.EqualsIgnoreCase).toLowerCase();
  if ("StartsWith" in c) return str(v).startsWith(str(c.StartsWith));
  if ("EndsWith" in c) return str(v).endsWith(str(c.EndsWith));
  if ("Contains" in c) return Array.isArray(v) ? v.map(str).includes(str(c.Contains)) : str(v).includes(str(c.Contains));
  if ("BooleanEquals" in c) return str(v).toLowerCase() === str(c.BooleanEquals).toLowerCase();
  if ("NumericEquals" in c) return num(v) === num(c.NumericEquals);
  if ("NumericGreater" in c) return num(v) > num(c.NumericGreater);
  if ("NumericLesser" in c) return num(v) < num(c.NumericLesser);
  if ("NumericGreaterOrEquals" in c) return num(v) >= num(c.NumericGreaterOrEquals);
  if ("NumericLesserOrEquals" in c) return num(v) <= num(c.NumericLesserOrEquals);
  return false;
}

function branch(inputs: Record<string, unknown>): Outcome {
  for (const c of (inputs.Choices as Choice[] | undefined) ?? []) if (choiceHolds(c)) return { ok: true, next: str(c.NextStep) };
  if (inputs.Default) return { ok: true, next: str(inputs.Default) };
  return { ok: false, message: `Step fails when it is Evaluating the branch choices. No choice matched and the step has no Default. ${TROUBLESHOOT}` };
}

// ---- aws:sleep ----

/** An ISO 8601 duration (PT1H30M, P1D) in milliseconds; undefined when it is none. */
export function durationMs(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === "P" || text.trim() === "PT") return undefined;
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

const SLEEP_MAX_MS = 7 * 24 * 3600_000;

function sleepFor(inputs: Record<string, unknown>, now: Date): Outcome & { ms: number } {
  if (inputs.Timestamp !== undefined) {
    const t = Date.parse(str(inputs.Timestamp));
    if (Number.isNaN(t))
      return { ok: false, ms: 0, message: `Step fails when it is validating inputs. Timestamp ${str(inputs.Timestamp)} is not valid. ${TROUBLESHOOT}` };
    return { ok: true, ms: Math.min(Math.max(0, t - now.getTime()), SLEEP_MAX_MS) };
  }
  const ms = durationMs(str(inputs.Duration));
  if (ms === undefined)
    return { ok: false, ms: 0, message: `Step fails when it is validating inputs. Duration ${str(inputs.Duration)} is not valid. ${TROUBLESHOOT}` };
  return { ok: true, ms: Math.min(ms, SLEEP_MAX_MS) };
}

// ---- the actions ----

const timeoutMsOf = (step: StepDefinition) => (step.timeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_S) * 1000;

const instanceIdsOf = (inputs: Record<string, unknown>) => list(inputs.InstanceIds).map(str);

/** Starts a step: its calls now, and either its outcome or that it waits. */
export async function startStep(run: StepRun, now: Date): Promise<Started> {
  const { step, inputs } = run;
  const done = (outcome: Outcome, durationMs = API_STEP_MS): Started => ({ kind: "done", outcome, durationMs });
  try {
    switch (step.action) {
      case "aws:executeAwsApi": {
        const data = await run.api(str(inputs.Service), str(inputs.Api), callInput(inputs, ["Service", "Api"]));
        return done({ ok: true, outputs: declaredOutputs(step, data) });
      }
      case "aws:assertAwsResourceProperty": {
        const data = await run.api(str(inputs.Service), str(inputs.Api), callInput(inputs, ["Service", "Api", "PropertySelector", "DesiredValues"]));
        const { holds, actual } = propertyHolds(data, str(inputs.PropertySelector), list(inputs.DesiredValues));
        if (holds) return done({ ok: true });
        return done({
          ok: false,
          message: `Step fails when it is Verifying. Actual value ${actual} of ${str(inputs.PropertySelector)} is not in the desired values [${list(inputs.DesiredValues).map(str).join(", ")}]. ${TROUBLESHOOT}`,
        });
      }
      case "aws:waitForAwsResourceProperty":
        return { kind: "wait", timeoutMs: timeoutMsOf(step) };
      case "aws:branch":
        return done(branch(inputs), 0);
      case "aws:sleep": {
        const { ms, ...outcome } = sleepFor(inputs, now);
        return done(outcome, ms);
      }
      case "aws:changeInstanceState": {
        const ids = instanceIdsOf(inputs);
        const desired = str(inputs.DesiredState);
        if (!["running", "stopped", "terminated"].includes(desired)) {
          return done({ ok: false, message: `Step fails when it is validating inputs. DesiredState ${desired} is not valid. ${TROUBLESHOOT}` });
        }
        if (str(inputs.CheckStateOnly) !== "true") {
          const api = desired === "running" ? "StartInstances" : desired === "stopped" ? "StopInstances" : "TerminateInstances";
          await run.api("ec2", api, { InstanceIds: ids, ...(api === "StopInstances" && str(inputs.Force) === "true" ? { Force: true } : {}) });
        }
        return { kind: "wait", timeoutMs: timeoutMsOf(step) };
      }
      case "aws:createImage": {
        const out = await run.api("ec2", "CreateImage", {
          InstanceId: str(inputs.InstanceId),
          Name: str(inputs.ImageName),
          ...(inputs.ImageDescription !== undefined ? { Description: str(inputs.ImageDescription) } : {}),
          ...(inputs.NoReboot !== undefined ? { NoReboot: str(inputs.NoReboot) === "true" } : {}),
        });
        // The image is polled until available; its id is an output from the start.
        return { kind: "wait", timeoutMs: timeoutMsOf(step), imageId: str(out.ImageId) };
      }
      case "aws:createTags": {
        const type = str(inputs.ResourceType) || "EC2";
        if (type !== "EC2")
          return done({ ok: false, message: `Step fails when it is validating inputs. ResourceType ${type} is not supported by ir-range. ${TROUBLESHOOT}` });
        await run.api("ec2", "CreateTags", { Resources: list(inputs.ResourceIds).map(str), Tags: list(inputs.Tags) });
        return done({ ok: true });
      }
      case "aws:executeScript": {
        const payload = await runScript(run);
        const data = { Payload: payload };
        return done({ ok: true, outputs: { ...declaredOutputs(step, data), OutputPayload: JSON.stringify(data) } });
      }
      default:
        return done({ ok: false, message: `Step fails when it is validating the action. ${step.action} is not an action ir-range runs. ${TROUBLESHOOT}` });
    }
  } catch (e) {
    return done(failureOf(e));
  }
}

/** One poll of a waiting step: its outcome once what it waits for holds (or it failed), else undefined. */
export async function pollStep(run: StepRun, state: { imageId?: string }): Promise<Outcome | undefined> {
  const { step, inputs } = run;
  try {
    switch (step.action) {
      case "aws:waitForAwsResourceProperty": {
        const data = await run.api(str(inputs.Service), str(inputs.Api), callInput(inputs, ["Service", "Api", "PropertySelector", "DesiredValues"]));
        return propertyHolds(data, str(inputs.PropertySelector), list(inputs.DesiredValues)).holds ? { ok: true } : undefined;
      }
      case "aws:changeInstanceState": {
        const data = await run.api("ec2", "DescribeInstances", { InstanceIds: instanceIdsOf(inputs) });
        const states = select(data, "$.Reservations[*].Instances[*].State.Name")?.values.map(str) ?? [];
        return states.length && states.every((s) => s === str(inputs.DesiredState)) ? { ok: true } : undefined;
      }
      case "aws:createImage": {
        const data = await run.api("ec2", "DescribeImages", { ImageIds: [state.imageId ?? ""] });
        const st = str(select(data, "$.Images[0].State")?.values[0]);
        if (st === "available") return { ok: true, outputs: { ImageId: state.imageId, ImageState: st } };
        if (st === "failed")
          return { ok: false, message: `Step fails when it is Poll action status for completion. Image ${state.imageId} failed. ${TROUBLESHOOT}` };
        return undefined;
      }
      default:
        return { ok: true };
    }
  } catch (e) {
    return failureOf(e);
  }
}

/** A waiting step whose timeout passed. */
export function timedOut(step: StepDefinition): Outcome {
  return {
    ok: false,
    timedOut: true,
    message: `Step timed out while step is verifying the ${step.action.replace(/^aws:/, "")} action. The step did not complete within ${step.timeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_S} seconds.`,
  };
}
