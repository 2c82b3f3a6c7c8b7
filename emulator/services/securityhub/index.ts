import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import { batchImportFindings, batchUpdateFindings, getFindings } from "./findings.ts";
import {
  batchDisableStandards,
  batchEnableStandards,
  describeHub,
  describeStandards,
  describeStandardsControls,
  disableSecurityHub,
  enableSecurityHub,
  getEnabledStandards,
  updateStandardsControl,
} from "./hub.ts";
import { createInsight, deleteInsight, getInsightResults, getInsights, updateInsight } from "./insights.ts";
import { batchGetSecurityControls, listSecurityControlDefinitions } from "./security-controls.ts";

export const securityhub: ServiceDefinition = {
  id: "securityhub",
  signingName: "securityhub",
  endpointPrefix: "securityhub",
  protocol: "restJson1",
  eventSource: "securityhub.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-securityhub"),
  errors: { validation: "InvalidInputException", missing: "InvalidInputException" },
  // These evaluate the controls and keep what changed: they run serialized and are committed like writes.
  readOnlyEvents: new Set(["GetFindings", "GetInsightResults"]),
  handlers: {
    DescribeHub: describeHub,
    EnableSecurityHub: enableSecurityHub,
    DisableSecurityHub: disableSecurityHub,
    DescribeStandards: describeStandards,
    GetEnabledStandards: getEnabledStandards,
    BatchEnableStandards: batchEnableStandards,
    BatchDisableStandards: batchDisableStandards,
    DescribeStandardsControls: describeStandardsControls,
    UpdateStandardsControl: updateStandardsControl,
    ListSecurityControlDefinitions: listSecurityControlDefinitions,
    BatchGetSecurityControls: batchGetSecurityControls,
    GetFindings: getFindings,
    BatchUpdateFindings: batchUpdateFindings,
    BatchImportFindings: batchImportFindings,
    GetInsights: getInsights,
    GetInsightResults: getInsightResults,
    CreateInsight: createInsight,
    UpdateInsight: updateInsight,
    DeleteInsight: deleteInsight,
  },
};
