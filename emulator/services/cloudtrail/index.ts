import type { CloudTrail } from "@aws-sdk/client-cloudtrail";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { cloudtrailAuthorization } from "./authz.ts";
import { trailDeliveryLifecycle } from "./delivery.ts";
import { lookupEvents } from "./lookup.ts";
import {
  createTrail,
  deleteTrail,
  describeTrails,
  getEventSelectors,
  getInsightSelectors,
  getTrail,
  getTrailStatus,
  listTrails,
  putEventSelectors,
  putInsightSelectors,
  startLogging,
  stopLogging,
  updateTrail,
} from "./trails.ts";

const operations: OperationsOf<CloudTrail> = {
  DescribeTrails: read(describeTrails),
  GetTrail: read(getTrail),
  ListTrails: read(listTrails),
  GetTrailStatus: read(getTrailStatus),
  StartLogging: write(startLogging),
  StopLogging: write(stopLogging),
  GetEventSelectors: read(getEventSelectors),
  PutEventSelectors: write(putEventSelectors),
  GetInsightSelectors: read(getInsightSelectors),
  PutInsightSelectors: write(putInsightSelectors),
  CreateTrail: write(createTrail),
  UpdateTrail: write(updateTrail),
  DeleteTrail: write(deleteTrail),
  LookupEvents: read(lookupEvents),
};

export const cloudtrail: ServiceDefinition = {
  id: "cloudtrail",
  signingName: "cloudtrail",
  endpointPrefix: "cloudtrail",
  protocol: "awsJson1_1",
  targetPrefix: "CloudTrail_20131101",
  eventSource: "cloudtrail.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-cloudtrail"),
  lifecycle: trailDeliveryLifecycle,
  errors: { validation: "InvalidParameterException", missing: "InvalidParameterException" },
  authorization: cloudtrailAuthorization,
  operations,
};
