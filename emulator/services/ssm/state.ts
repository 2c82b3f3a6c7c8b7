/**
 * SSM's regional state: Automation executions (the SDK's shapes, times as ISO strings, plus what the runner needs
 * to go on with them) and what a scenario says of its instances' SSM Agent.
 */
import type { FailureDetails } from "@aws-sdk/client-ssm";
import { peekRegional } from "../../authz/requests.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { RequestContext } from "../../core/types.ts";
import { withDefaults } from "../stored.ts";

export type ExecutionStatus = "Pending" | "InProgress" | "Waiting" | "Success" | "TimedOut" | "Cancelling" | "Cancelled" | "Failed";

export const FINISHED: ReadonlySet<string> = new Set(["Success", "TimedOut", "Cancelled", "Failed"]);

/** One step's execution as GetAutomationExecution shows it (StepExecution), times as ISO strings. */
export interface StoredStep {
  StepName: string;
  Action: string;
  StepExecutionId: string;
  StepStatus: ExecutionStatus;
  TimeoutSeconds?: number;
  OnFailure?: string;
  MaxAttempts?: number;
  IsEnd?: boolean;
  IsCritical?: boolean;
  NextStep?: string;
  ValidNextSteps?: string[];
  ExecutionStartTime?: string;
  ExecutionEndTime?: string;
  Inputs?: Record<string, string>;
  Outputs?: Record<string, string[]>;
  Response?: string;
  ResponseCode?: string;
  FailureMessage?: string;
  FailureDetails?: FailureDetails;
}

/** Where the runner is in an execution; absent once it finished. */
export interface RunnerState {
  /** Emulator time (ISO) at which the runner next acts on this execution. */
  at: string;
  /** What it does then: start the execution, start a step, poll a waiting step, or end a step. */
  kind: "start" | "step" | "poll" | "finish-step";
  /** The document step (index into mainSteps) concerned. */
  step: number;
  /** The StepExecutions entry concerned (steps may repeat when a branch loops back). */
  entry?: number;
  /** The step's outcome, decided when it started and shown once it ends (actions.ts, Outcome). */
  outcome?: { ok: boolean; timedOut?: boolean; message?: string; code?: string; outputs?: Record<string, unknown>; next?: string };
  /** A waiting step's deadline (its timeoutSeconds). */
  deadline?: string;
  /** Polls so far of a waiting step. */
  polls?: number;
  /** Which run of the step this is (maxAttempts). */
  attempt?: number;
  /** The image an aws:createImage step waits for. */
  imageId?: string;
}

/** Who the steps' calls are made as: the assumed AutomationAssumeRole's session, or the caller's own keys. */
export interface ExecutionIdentity {
  /** The access key that signs the steps' calls. */
  accessKeyId: string;
  /** The role the steps run as, when the document's assumeRole names one. */
  roleArn?: string;
}

export interface StoredExecution {
  AutomationExecutionId: string;
  DocumentName: string;
  DocumentVersion: string;
  AutomationExecutionStatus: ExecutionStatus;
  ExecutionStartTime: string;
  ExecutionEndTime?: string;
  Parameters: Record<string, string[]>;
  Outputs?: Record<string, string[]>;
  FailureMessage?: string;
  Mode: "Auto";
  ExecutedBy: string;
  CurrentStepName?: string;
  CurrentAction?: string;
  AutomationType: "Local";
  Tags?: { Key: string; Value: string }[];
  StepExecutions: StoredStep[];
  /** The values steps exposed as outputs, by "step.Output", for later steps and the document's outputs. */
  values: Record<string, unknown>;
  identity: ExecutionIdentity;
  runner?: RunnerState;
  /** StopAutomationExecution asked for it: Cancel (the default) or Complete. */
  stopRequested?: "Cancel" | "Complete";
  /** A critical step failed but the execution went on (onFailure Continue): it ends Failed with this message. */
  criticalFailure?: string;
  /** StartAutomationExecution's ClientToken, so a retried start returns the same execution. */
  clientToken?: string;
}

/** What a scenario may say of one instance's SSM Agent; everything else is derived from the instance. */
export interface AgentFacts {
  /** False: the instance is no managed node whatever its role allows (the agent was never installed). */
  Managed?: boolean;
  AgentVersion?: string;
  PlatformName?: string;
  PlatformVersion?: string;
  ComputerName?: string;
}

export interface SsmState {
  executions: Record<string, StoredExecution>;
  /** Per instance id, what the recording says of its agent (absent: derived). */
  agents: Record<string, AgentFacts>;
}

export const emptySsmState = (): SsmState => ({ executions: {}, agents: {} });

export function ssmState(ctx: Pick<RequestContext, "runtime" | "accountId" | "region">): SsmState {
  return withDefaults(ctx.runtime.regional(ctx.accountId, ctx.region, "ssm", emptySsmState), emptySsmState());
}

/** The state as it is, creating nothing (reads outside transactions). */
export function peekSsmState(runtime: Runtime, accountId: string, region: string): SsmState | undefined {
  return peekRegional<SsmState>(runtime, accountId, region, "ssm");
}
