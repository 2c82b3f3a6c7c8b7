import type { ServiceDefinition } from "../../core/service.ts";
import { listDetectors } from "./detectors.ts";

export const guardduty: ServiceDefinition = {
  id: "guardduty",
  signingName: "guardduty",
  endpointPrefix: "guardduty",
  protocol: "restJson1",
  eventSource: "guardduty.amazonaws.com",
  schemas: () => import("@aws-sdk/client-guardduty"),
  errors: { validation: "BadRequestException", missing: "BadRequestException" },
  handlers: { ListDetectors: listDetectors },
};
