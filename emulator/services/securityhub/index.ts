import type { SecurityHub } from "@aws-sdk/client-securityhub";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { securityhubAuthorization } from "./authz.ts";
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

const operations: OperationsOf<SecurityHub> = {
  DescribeHub: read(describeHub),
  EnableSecurityHub: write(enableSecurityHub),
  DisableSecurityHub: write(disableSecurityHub),
  DescribeStandards: read(describeStandards),
  GetEnabledStandards: read(getEnabledStandards),
  BatchEnableStandards: write(batchEnableStandards),
  BatchDisableStandards: write(batchDisableStandards),
  DescribeStandardsControls: read(describeStandardsControls),
  UpdateStandardsControl: write(updateStandardsControl),
  ListSecurityControlDefinitions: read(listSecurityControlDefinitions),
  BatchGetSecurityControls: read(batchGetSecurityControls),
  // Evaluate the controls and keep what changed: they run serialized and are committed like writes.
  GetFindings: read(getFindings, { records: true }),
  BatchUpdateFindings: write(batchUpdateFindings),
  BatchImportFindings: write(batchImportFindings),
  GetInsights: read(getInsights),
  // Evaluates the controls as GetFindings does.
  GetInsightResults: read(getInsightResults, { records: true }),
  CreateInsight: write(createInsight),
  UpdateInsight: write(updateInsight),
  DeleteInsight: write(deleteInsight),
};

export const securityhub: ServiceDefinition = {
  id: "securityhub",
  signingName: "securityhub",
  endpointPrefix: "securityhub",
  protocol: "restJson1",
  eventSource: "securityhub.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-securityhub"),
  errors: { validation: "InvalidInputException", missing: "InvalidInputException" },
  authorization: securityhubAuthorization,
  operations,
};
