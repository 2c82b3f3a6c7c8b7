import type { ServiceDefinition } from "../../core/service.ts";

export const athena: ServiceDefinition = {
  id: "athena",
  signingName: "athena",
  endpointPrefix: "athena",
  protocol: "awsJson1_1",
  targetPrefix: "AmazonAthena",
  eventSource: "athena.amazonaws.com",
  schemas: () => import("@aws-sdk/client-athena"),
  errors: { validation: "InvalidRequestException", missing: "InvalidRequestException" },
  handlers: {},
};
