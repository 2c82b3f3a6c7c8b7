import type { ServiceDefinition } from "../../core/service.ts";
import { describeInstances } from "./instances.ts";
import { describeRegions } from "./regions.ts";

export const ec2: ServiceDefinition = {
  id: "ec2",
  signingName: "ec2",
  endpointPrefix: "ec2",
  protocol: "ec2Query",
  xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
  version: "2016-11-15",
  eventSource: "ec2.amazonaws.com",
  schemas: () => import("@aws-sdk/client-ec2"),
  handlers: {
    DescribeInstances: describeInstances,
    DescribeRegions: describeRegions,
  },
};
