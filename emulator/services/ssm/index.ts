import type { SSM } from "@aws-sdk/client-ssm";
import { auditValue } from "../../core/audit.ts";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { ssmAuthorization } from "./authz.ts";
import { describeDocument, getDocument, listDocuments } from "./document-api.ts";
import {
  describeAutomationExecutions,
  describeAutomationStepExecutions,
  getAutomationExecution,
  startAutomationExecution,
  stopAutomationExecution,
} from "./executions.ts";
import { describeInstanceInformation } from "./fleet.ts";
import { attachRunner, dueWork } from "./runner.ts";

const operations: OperationsOf<SSM> = {
  StartAutomationExecution: write(startAutomationExecution),
  GetAutomationExecution: read(getAutomationExecution),
  DescribeAutomationExecutions: read(describeAutomationExecutions),
  DescribeAutomationStepExecutions: read(describeAutomationStepExecutions),
  StopAutomationExecution: write(stopAutomationExecution),
  ListDocuments: read(listDocuments),
  DescribeDocument: read(describeDocument),
  GetDocument: read(getDocument),
  DescribeInstanceInformation: read(describeInstanceInformation),
};

/**
 * CloudTrail hides the values of an automation's parameters (they may hold secrets): every value reads
 * HIDDEN_DUE_TO_SECURITY_REASONS. Other calls' parameters are written as usual (none of them has a map).
 */
function audit(operation: string, input: Record<string, unknown>): { requestParameters: Record<string, unknown> } {
  const requestParameters = (auditValue(undefined, input) ?? {}) as Record<string, unknown>;
  if (operation === "StartAutomationExecution" && input.Parameters && typeof input.Parameters === "object") {
    requestParameters.parameters = Object.fromEntries(Object.keys(input.Parameters).map((k) => [k, ["HIDDEN_DUE_TO_SECURITY_REASONS"]]));
  }
  return { requestParameters };
}

export const ssm: ServiceDefinition = {
  id: "ssm",
  signingName: "ssm",
  endpointPrefix: "ssm",
  protocol: "awsJson1_1",
  targetPrefix: "AmazonSSM",
  eventSource: "ssm.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-ssm"),
  authorization: ssmAuthorization,
  audit,
  operations,
  lifecycle: {
    start: (runtime, env) => attachRunner(runtime, env.log),
    // Automation steps run by the range's clock, between requests (runner.ts).
    due: dueWork,
  },
};
