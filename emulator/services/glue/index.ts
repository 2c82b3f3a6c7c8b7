import type { Glue } from "@aws-sdk/client-glue";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition } from "../../core/service.ts";
import { glueAuthorization } from "./authz.ts";
import { getDatabase, getDatabases, getPartitions, getTable, getTables } from "./catalog.ts";

// Glue reads Athena's catalog through athenaState, which adds the default database when it is missing: these reads
// write a record, so they run as transactions (as Athena's do).
const operations: OperationsOf<Glue> = {
  GetDatabases: read(getDatabases),
  GetDatabase: read(getDatabase),
  GetTables: read(getTables),
  GetTable: read(getTable),
  GetPartitions: read(getPartitions),
};

export const glue: ServiceDefinition = {
  id: "glue",
  signingName: "glue",
  endpointPrefix: "glue",
  protocol: "awsJson1_1",
  targetPrefix: "AWSGlue",
  eventSource: "glue.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-glue"),
  errors: { validation: "InvalidInputException", missing: "InvalidInputException" },
  authorization: glueAuthorization,
  operations,
};
