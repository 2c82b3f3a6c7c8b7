import type { Athena } from "@aws-sdk/client-athena";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { athenaAuthorization } from "./authz.ts";
import {
  batchGetNamedQuery,
  createNamedQuery,
  createWorkGroup,
  deleteNamedQuery,
  getDatabase,
  getDataCatalog,
  getNamedQuery,
  getTableMetadata,
  getWorkGroup,
  listDatabases,
  listDataCatalogs,
  listNamedQueries,
  listTableMetadata,
  listWorkGroups,
} from "./catalog.ts";
import { athenaLifecycle } from "./engine.ts";
import {
  batchGetQueryExecution,
  getQueryExecution,
  getQueryResults,
  getQueryRuntimeStatistics,
  listQueryExecutions,
  startQueryExecution,
  stopQueryExecution,
} from "./queries.ts";

// Every call that reads Athena's state (athenaState) first adds what every account has when it is missing (the
// primary workgroup, the default database): those reads write records, so they run as transactions.
const operations: OperationsOf<Athena> = {
  StartQueryExecution: write(startQueryExecution),
  GetQueryExecution: read(getQueryExecution),
  GetQueryResults: read(getQueryResults),
  StopQueryExecution: write(stopQueryExecution),
  ListQueryExecutions: read(listQueryExecutions),
  BatchGetQueryExecution: read(batchGetQueryExecution),
  GetQueryRuntimeStatistics: read(getQueryRuntimeStatistics),
  ListDataCatalogs: read(listDataCatalogs),
  GetDataCatalog: read(getDataCatalog),
  ListDatabases: read(listDatabases),
  GetDatabase: read(getDatabase),
  ListTableMetadata: read(listTableMetadata),
  GetTableMetadata: read(getTableMetadata),
  CreateWorkGroup: write(createWorkGroup),
  GetWorkGroup: read(getWorkGroup),
  ListWorkGroups: read(listWorkGroups),
  CreateNamedQuery: write(createNamedQuery),
  GetNamedQuery: read(getNamedQuery),
  ListNamedQueries: read(listNamedQueries),
  BatchGetNamedQuery: read(batchGetNamedQuery),
  DeleteNamedQuery: write(deleteNamedQuery),
};

export const athena: ServiceDefinition = {
  id: "athena",
  signingName: "athena",
  endpointPrefix: "athena",
  protocol: "awsJson1_1",
  targetPrefix: "AmazonAthena",
  eventSource: "athena.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-athena"),
  lifecycle: athenaLifecycle,
  errors: { validation: "InvalidRequestException", missing: "InvalidRequestException" },
  authorization: athenaAuthorization,
  operations,
};
