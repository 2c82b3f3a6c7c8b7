import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
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

export const cloudtrail: ServiceDefinition = {
  id: "cloudtrail",
  signingName: "cloudtrail",
  endpointPrefix: "cloudtrail",
  protocol: "awsJson1_1",
  targetPrefix: "CloudTrail_20131101",
  eventSource: "cloudtrail.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-cloudtrail"),
  errors: { validation: "InvalidParameterException", missing: "InvalidParameterException" },
  handlers: {
    DescribeTrails: describeTrails,
    GetTrail: getTrail,
    ListTrails: listTrails,
    GetTrailStatus: getTrailStatus,
    StartLogging: startLogging,
    StopLogging: stopLogging,
    GetEventSelectors: getEventSelectors,
    PutEventSelectors: putEventSelectors,
    GetInsightSelectors: getInsightSelectors,
    PutInsightSelectors: putInsightSelectors,
    CreateTrail: createTrail,
    UpdateTrail: updateTrail,
    DeleteTrail: deleteTrail,
    LookupEvents: lookupEvents,
  },
};
