import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import { getDatabase, getDatabases, getPartitions, getTable, getTables } from "./catalog.ts";

export const glue: ServiceDefinition = {
  id: "glue",
  signingName: "glue",
  endpointPrefix: "glue",
  protocol: "awsJson1_1",
  targetPrefix: "AWSGlue",
  eventSource: "glue.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-glue"),
  errors: { validation: "InvalidInputException", missing: "InvalidInputException" },
  handlers: { GetDatabases: getDatabases, GetDatabase: getDatabase, GetTables: getTables, GetTable: getTable, GetPartitions: getPartitions },
};
