/**
 * What each SSM operation asks of IAM. StartAutomationExecution needs ssm:StartAutomationExecution on the automation
 * definition (arn:…:automation-definition/<document>:<version>, $DEFAULT unless a version is named, as AWS's policies
 * write it) and, when its AutomationAssumeRole parameter names a role, iam:PassRole on that role for
 * ssm.amazonaws.com, as AWS checks it. The execution calls act on the execution's ARN (with its tags); the document
 * calls on the document's (AWS's own documents have no account in theirs). DescribeAutomationExecutions, ListDocuments
 * and DescribeInstanceInformation support no resource-level permissions: "*".
 */
import {
  addRequestTags,
  addResourceTags,
  type Input,
  onAnyResource,
  own,
  permission,
  type Rule,
  serviceAuthorization,
  str,
  strs,
} from "../../authz/requests.ts";
import type { AuthzCheck } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import { findDocument } from "./documents.ts";
import { peekSsmState } from "./state.ts";

const start = permission("ssm:StartAutomationExecution", "automation-definition");
const passRole = permission("iam:PassRole", "role");

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/.+$/;

function startRule(input: Input, ctx: RequestContext): AuthzCheck[] {
  const name = str(input.DocumentName) || undefined;
  const version = str(input.DocumentVersion) || "$DEFAULT";
  const checks = [
    start.check(ctx, { AutomationDefinitionName: name, VersionId: version }, { context: addRequestTags({ "ssm:DocumentVersion": version }, input.Tags) }),
  ];
  const params = input.Parameters && typeof input.Parameters === "object" ? (input.Parameters as Record<string, unknown>) : {};
  const role = strs(own(params, "AutomationAssumeRole"))[0];
  const m = role ? ROLE_ARN.exec(role) : null;
  if (role && m) checks.push(passRole.onArn(role, { resourceAccount: m[1], context: { "iam:PassedToService": "ssm.amazonaws.com" } }));
  return checks;
}

function onExecution(action: string): Rule {
  const p = permission(action, "automation-execution");
  return (input, ctx) => {
    const id = str(input.AutomationExecutionId) || undefined;
    const ex = own(peekSsmState(ctx.runtime, ctx.accountId, ctx.region)?.executions, id);
    return [p.check(ctx, { AutomationExecutionId: id }, { context: addResourceTags({}, ex?.Tags) })];
  };
}

function onDocument(action: string): Rule {
  const p = permission(action, "document");
  return (input, ctx) => {
    const name = str(input.Name) || undefined;
    const doc = name ? findDocument(name) : undefined;
    // AWS's documents are no account's: arn:aws:ssm:<region>::document/AWS-StopEC2Instance.
    const account = doc?.owner === "Amazon" ? "" : ctx.accountId;
    return [p.check(ctx, { DocumentName: doc?.name ?? name, Account: account }, { context: { "ssm:DocumentType": "Automation" } })];
  };
}

const rules: Record<string, Rule> = {
  StartAutomationExecution: startRule,
  GetAutomationExecution: onExecution("ssm:GetAutomationExecution"),
  DescribeAutomationStepExecutions: onExecution("ssm:DescribeAutomationStepExecutions"),
  StopAutomationExecution: onExecution("ssm:StopAutomationExecution"),
  DescribeAutomationExecutions: onAnyResource("ssm:DescribeAutomationExecutions"),
  ListDocuments: onAnyResource("ssm:ListDocuments"),
  DescribeDocument: onDocument("ssm:DescribeDocument"),
  GetDocument: onDocument("ssm:GetDocument"),
  DescribeInstanceInformation: onAnyResource("ssm:DescribeInstanceInformation"),
};

export const ssmAuthorization = serviceAuthorization("ssm", rules);
