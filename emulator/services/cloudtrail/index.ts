import type { ServiceDefinition } from "../../core/service.ts";
import { describeTrails } from "./trails.ts";

export const cloudtrail: ServiceDefinition = {
  id: "cloudtrail",
  signingName: "cloudtrail",
  endpointPrefix: "cloudtrail",
  protocol: "awsJson1_1",
  targetPrefix: "CloudTrail_20131101",
  eventSource: "cloudtrail.amazonaws.com",
  schemas: () => import("@aws-sdk/client-cloudtrail"),
  errors: { validation: "InvalidParameterException", missing: "InvalidParameterException" },
  handlers: { DescribeTrails: describeTrails },
};
