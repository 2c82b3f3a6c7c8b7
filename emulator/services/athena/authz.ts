/**
 * What each Athena operation asks of IAM: its action on the workgroup the call runs in or reads (a query's or a
 * saved query's workgroup, from state; "primary" when the call names none), or on the data catalog. A query also
 * reads its tables' S3 objects and Glue metadata and writes its results to S3: those permissions are Athena's to
 * ask on the caller's behalf, and are not checked here yet.
 */

import { addRequestTags, onAnyResource, own, peekRegional, permission, type Rule, serviceAuthorization, str, strs } from "../../authz/requests.ts";
import type { AuthzCheck } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";
import type { AthenaState } from "./state.ts";

const PRIMARY = "primary";

const stateOf = (ctx: RequestContext) => peekRegional<AthenaState>(ctx.runtime, ctx.accountId, ctx.region, "athena");

/** An action on the workgroup the input names (WorkGroup, or Name for CreateWorkGroup), "primary" by default. */
function onWorkGroup(action: string, member = "WorkGroup", tags = false): Rule {
  const p = permission(action, "workgroup");
  return (input, ctx) => {
    const name = str(input[member]) ?? PRIMARY;
    return [p.check(ctx, { WorkGroupName: name }, tags ? { context: addRequestTags({}, input.Tags) } : undefined)];
  };
}

/** An action on the workgroups of the items ids name (query executions, saved queries): one check per workgroup. */
function onWorkGroupsOf(action: string, member: string, table: "executions" | "namedQueries"): Rule {
  const p = permission(action, "workgroup");
  return (input, ctx) => {
    const items: Record<string, { workGroup: string }> | undefined = stateOf(ctx)?.[table];
    const ids = member.endsWith("s") ? strs(input[member]) : strs([input[member]]);
    // An id the range does not know is the handler's to refuse; it is authorized against the default workgroup.
    const groups = new Set(ids.map((id) => own(items, id)?.workGroup ?? PRIMARY));
    const checks: AuthzCheck[] = [];
    for (const name of groups) checks.push(p.check(ctx, { WorkGroupName: name }));
    return checks;
  };
}

/** An action on the data catalog the input names ("AwsDataCatalog" unless it says). */
function onCatalog(action: string, member = "CatalogName"): Rule {
  const p = permission(action, "datacatalog");
  return (input, ctx) => [p.check(ctx, { DataCatalogName: str(input[member]) ?? "AwsDataCatalog" })];
}

const rules: Record<string, Rule> = {
  StartQueryExecution: onWorkGroup("athena:StartQueryExecution"),
  GetQueryExecution: onWorkGroupsOf("athena:GetQueryExecution", "QueryExecutionId", "executions"),
  GetQueryResults: onWorkGroupsOf("athena:GetQueryResults", "QueryExecutionId", "executions"),
  StopQueryExecution: onWorkGroupsOf("athena:StopQueryExecution", "QueryExecutionId", "executions"),
  GetQueryRuntimeStatistics: onWorkGroupsOf("athena:GetQueryRuntimeStatistics", "QueryExecutionId", "executions"),
  BatchGetQueryExecution: onWorkGroupsOf("athena:BatchGetQueryExecution", "QueryExecutionIds", "executions"),
  ListQueryExecutions: onWorkGroup("athena:ListQueryExecutions"),
  ListDataCatalogs: onAnyResource("athena:ListDataCatalogs"),
  GetDataCatalog: onCatalog("athena:GetDataCatalog", "Name"),
  ListDatabases: onCatalog("athena:ListDatabases"),
  GetDatabase: onCatalog("athena:GetDatabase"),
  ListTableMetadata: onCatalog("athena:ListTableMetadata"),
  GetTableMetadata: onCatalog("athena:GetTableMetadata"),
  CreateWorkGroup: onWorkGroup("athena:CreateWorkGroup", "Name", true),
  GetWorkGroup: onWorkGroup("athena:GetWorkGroup"),
  ListWorkGroups: onAnyResource("athena:ListWorkGroups"),
  CreateNamedQuery: onWorkGroup("athena:CreateNamedQuery"),
  GetNamedQuery: onWorkGroupsOf("athena:GetNamedQuery", "NamedQueryId", "namedQueries"),
  ListNamedQueries: onWorkGroup("athena:ListNamedQueries"),
  BatchGetNamedQuery: onWorkGroupsOf("athena:BatchGetNamedQuery", "NamedQueryIds", "namedQueries"),
  DeleteNamedQuery: onWorkGroupsOf("athena:DeleteNamedQuery", "NamedQueryId", "namedQueries"),
};

export const athenaAuthorization = serviceAuthorization("athena", rules);
