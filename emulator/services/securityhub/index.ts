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
import { batchGetSecurityControls, listSecurityControlDefinitions } from "./security-controls.ts";

export const securityhub: ServiceDefinition = {
  id: "securityhub",
  signingName: "securityhub",
  endpointPrefix: "securityhub",
  protocol: "restJson1",
  eventSource: "securityhub.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-securityhub"),
  errors: { validation: "InvalidInputException", missing: "InvalidInputException" },
  // GetFindings evaluates the controls and keeps what changed: it runs serialized and is committed like a write.
  readOnlyEvents: new Set(["GetFindings"]),
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
  },
};
