/** Athena's catalog, workgroup and named-query operations over the Athena state. */

import type {
  BatchGetNamedQueryCommandInput,
  BatchGetNamedQueryCommandOutput,
  CreateNamedQueryCommandInput,
  CreateNamedQueryCommandOutput,
  CreateWorkGroupCommandInput,
  CreateWorkGroupCommandOutput,
  DeleteNamedQueryCommandInput,
  DeleteNamedQueryCommandOutput,
  GetDatabaseCommandInput,
  GetDatabaseCommandOutput,
  GetDataCatalogCommandInput,
  GetDataCatalogCommandOutput,
  GetNamedQueryCommandInput,
  GetNamedQueryCommandOutput,
  GetTableMetadataCommandInput,
  GetTableMetadataCommandOutput,
  GetWorkGroupCommandInput,
  GetWorkGroupCommandOutput,
  ListDatabasesCommandInput,
  ListDatabasesCommandOutput,
  ListDataCatalogsCommandInput,
  ListDataCatalogsCommandOutput,
  ListNamedQueriesCommandInput,
  ListNamedQueriesCommandOutput,
  ListTableMetadataCommandInput,
  ListTableMetadataCommandOutput,
  ListWorkGroupsCommandInput,
  ListWorkGroupsCommandOutput,
  NamedQuery,
  TableMetadata,
  WorkGroup,
} from "@aws-sdk/client-athena";
import { randomUUID } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { invalid, invalidNextToken, workGroupOf } from "./queries.ts";
import { athenaState, type DatabaseDef, type NamedQueryRec, type TableDef, type WorkGroupRec } from "./state.ts";

const notFound = (message: string) => new AwsError("MetadataException", message, 400);

function checkCatalog(name: string | undefined): void {
  if (name?.toLowerCase() !== "awsdatacatalog") throw invalid(`Catalog ${name ?? ""} is not found`, "INVALID_INPUT");
}

function database(ctx: RequestContext, name: string | undefined): DatabaseDef {
  const d = athenaState(ctx).catalog.databases[(name ?? "").toLowerCase()];
  if (!d) throw notFound(`Database ${name} not found.`);
  return d;
}

export function tableParameters(t: TableDef): Record<string, string> {
  const p: Record<string, string> = { EXTERNAL: "TRUE", ...t.tableProperties };
  if (t.location) p.location = t.location;
  if (t.inputFormat) p.inputformat = t.inputFormat;
  if (t.outputFormat) p.outputformat = t.outputFormat;
  if (t.serde) p["serde.serialization.lib"] = t.serde;
  for (const [k, v] of Object.entries(t.serdeProperties)) p[`serde.param.${k}`] = v;
  return p;
}

function tableMetadata(t: TableDef): TableMetadata {
  return {
    Name: t.name,
    CreateTime: t.createTime as unknown as Date,
    LastAccessTime: t.createTime as unknown as Date,
    TableType: t.tableType,
    Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    PartitionKeys: t.partitionKeys.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    Parameters: tableParameters(t),
  };
}

export const listDataCatalogs: OpHandler<ListDataCatalogsCommandInput, ListDataCatalogsCommandOutput> = () => ({
  DataCatalogsSummary: [{ CatalogName: "AwsDataCatalog", Type: "GLUE", Status: "CREATE_COMPLETE" }],
});

export const getDataCatalog: OpHandler<GetDataCatalogCommandInput, GetDataCatalogCommandOutput> = (input, ctx) => {
  checkCatalog(input.Name);
  return {
    DataCatalog: {
      Name: "AwsDataCatalog",
      Description: "AWS Glue Data Catalog",
      Type: "GLUE",
      Parameters: { "catalog-id": ctx.accountId },
      Status: "CREATE_COMPLETE",
    },
  };
};

export const listDatabases: OpHandler<ListDatabasesCommandInput, ListDatabasesCommandOutput> = (input, ctx) => {
  checkCatalog(input.CatalogName);
  const all = Object.values(athenaState(ctx).catalog.databases).sort((a, b) => a.name.localeCompare(b.name));
  const p = paginate(all, input.NextToken, input.MaxResults ?? 50, "ListDatabases", invalidNextToken);
  return { DatabaseList: p.page.map((d) => ({ Name: d.name, Description: d.description, Parameters: d.parameters })), NextToken: p.next };
};

export const getDatabase: OpHandler<GetDatabaseCommandInput, GetDatabaseCommandOutput> = (input, ctx) => {
  checkCatalog(input.CatalogName);
  const d = database(ctx, input.DatabaseName);
  return { Database: { Name: d.name, Description: d.description, Parameters: d.parameters } };
};

export const listTableMetadata: OpHandler<ListTableMetadataCommandInput, ListTableMetadataCommandOutput> = (input, ctx) => {
  checkCatalog(input.CatalogName);
  const d = database(ctx, input.DatabaseName);
  const re = input.Expression ? new RegExp(`^${input.Expression.replace(/[.+?^${}()[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`, "i") : undefined;
  const all = Object.values(d.tables)
    .filter((t) => !re || re.test(t.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const p = paginate(all, input.NextToken, input.MaxResults ?? 50, `ListTableMetadata:${d.name}:${input.Expression ?? ""}`, invalidNextToken);
  return { TableMetadataList: p.page.map(tableMetadata), NextToken: p.next };
};

export const getTableMetadata: OpHandler<GetTableMetadataCommandInput, GetTableMetadataCommandOutput> = (input, ctx) => {
  checkCatalog(input.CatalogName);
  const d = database(ctx, input.DatabaseName);
  const t = d.tables[(input.TableName ?? "").toLowerCase()];
  if (!t) throw notFound(`Table ${input.TableName} not found.`);
  return { TableMetadata: tableMetadata(t) };
};

// --- workgroups -----------------------------------------------------------------------------------------

function renderWorkGroup(w: WorkGroupRec): WorkGroup {
  return {
    Name: w.name,
    State: w.state,
    Description: w.description,
    CreationTime: w.createTime as unknown as Date,
    Configuration: {
      ResultConfiguration: w.outputLocation ? { OutputLocation: w.outputLocation } : undefined,
      EnforceWorkGroupConfiguration: w.enforce ?? false,
      PublishCloudWatchMetricsEnabled: false,
      RequesterPaysEnabled: false,
      EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
      EnableMinimumEncryptionConfiguration: false,
    },
  };
}

export const createWorkGroup: OpHandler<CreateWorkGroupCommandInput, CreateWorkGroupCommandOutput> = (input, ctx) => {
  const name = input.Name ?? "";
  if (!/^[a-zA-Z0-9._-]{1,128}$/.test(name)) throw invalid("WorkGroup name must match [a-zA-Z0-9._-]{1,128}", "INVALID_INPUT");
  const st = athenaState(ctx);
  if (st.workgroups[name]) throw invalid("WorkGroup is already created", "INVALID_INPUT");
  st.workgroups[name] = {
    name,
    state: "ENABLED",
    description: input.Description,
    outputLocation: input.Configuration?.ResultConfiguration?.OutputLocation,
    enforce: input.Configuration?.EnforceWorkGroupConfiguration,
    createTime: ctx.time.toISOString(),
  };
  return {};
};

export const getWorkGroup: OpHandler<GetWorkGroupCommandInput, GetWorkGroupCommandOutput> = (input, ctx) => ({
  WorkGroup: renderWorkGroup(workGroupOf(athenaState(ctx), input.WorkGroup ?? "")),
});

export const listWorkGroups: OpHandler<ListWorkGroupsCommandInput, ListWorkGroupsCommandOutput> = (input, ctx) => {
  const all = Object.values(athenaState(ctx).workgroups).sort((a, b) => a.name.localeCompare(b.name));
  const p = paginate(all, input.NextToken, input.MaxResults ?? 50, "ListWorkGroups", invalidNextToken);
  return {
    WorkGroups: p.page.map((w) => ({
      Name: w.name,
      State: w.state,
      Description: w.description,
      CreationTime: w.createTime as unknown as Date,
      EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    })),
    NextToken: p.next,
  };
};

// --- named queries --------------------------------------------------------------------------------------

const renderNamed = (q: NamedQueryRec): NamedQuery => ({
  NamedQueryId: q.id,
  Name: q.name,
  Description: q.description,
  Database: q.database,
  QueryString: q.queryString,
  WorkGroup: q.workGroup,
});

export const createNamedQuery: OpHandler<CreateNamedQueryCommandInput, CreateNamedQueryCommandOutput> = (input, ctx) => {
  if (!input.Name || !input.Database || !input.QueryString) throw invalid("Name, Database and QueryString are required", "INVALID_INPUT");
  const st = athenaState(ctx);
  const wg = input.WorkGroup ?? "primary";
  workGroupOf(st, wg);
  if (input.ClientRequestToken) {
    const prior = Object.values(st.namedQueries).find((q) => q.token === input.ClientRequestToken);
    if (prior) return { NamedQueryId: prior.id };
  }
  const id = randomUUID();
  st.namedQueries[id] = {
    id,
    name: input.Name,
    description: input.Description,
    database: input.Database,
    queryString: input.QueryString,
    workGroup: wg,
    ...(input.ClientRequestToken ? { token: input.ClientRequestToken } : {}),
  };
  return { NamedQueryId: id };
};

export const getNamedQuery: OpHandler<GetNamedQueryCommandInput, GetNamedQueryCommandOutput> = (input, ctx) => {
  const q = athenaState(ctx).namedQueries[input.NamedQueryId ?? ""];
  if (!q) throw invalid(`NamedQuery ${input.NamedQueryId} was not found`, "INVALID_INPUT");
  return { NamedQuery: renderNamed(q) };
};

export const listNamedQueries: OpHandler<ListNamedQueriesCommandInput, ListNamedQueriesCommandOutput> = (input, ctx) => {
  const st = athenaState(ctx);
  const wg = input.WorkGroup ?? "primary";
  workGroupOf(st, wg);
  const ids = Object.values(st.namedQueries)
    .filter((q) => q.workGroup === wg)
    .map((q) => q.id);
  const p = paginate(ids, input.NextToken, input.MaxResults ?? 50, `ListNamedQueries:${wg}`, invalidNextToken);
  return { NamedQueryIds: p.page, NextToken: p.next };
};

export const batchGetNamedQuery: OpHandler<BatchGetNamedQueryCommandInput, BatchGetNamedQueryCommandOutput> = (input, ctx) => {
  const ids = input.NamedQueryIds ?? [];
  if (!ids.length || ids.length > 50) throw invalid("NamedQueryIds must contain between 1 and 50 items", "INVALID_INPUT");
  const st = athenaState(ctx);
  return {
    NamedQueries: ids.filter((id) => st.namedQueries[id]).map((id) => renderNamed(st.namedQueries[id])),
    UnprocessedNamedQueryIds: ids
      .filter((id) => !st.namedQueries[id])
      .map((id) => ({ NamedQueryId: id, ErrorCode: "INVALID_INPUT", ErrorMessage: `NamedQuery ${id} was not found` })),
  };
};

export const deleteNamedQuery: OpHandler<DeleteNamedQueryCommandInput, DeleteNamedQueryCommandOutput> = (input, ctx) => {
  const st = athenaState(ctx);
  if (!st.namedQueries[input.NamedQueryId ?? ""]) throw invalid(`NamedQuery ${input.NamedQueryId} was not found`, "INVALID_INPUT");
  delete st.namedQueries[input.NamedQueryId ?? ""];
  return {};
};
