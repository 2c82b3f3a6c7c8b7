import type { GuardDuty } from "@aws-sdk/client-guardduty";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import { guarddutyAuthorization } from "./authz.ts";
import { createDetector, deleteDetector, getDetector, listDetectors, updateDetector } from "./detectors.ts";
import { createFilter, deleteFilter, getFilter, listFilters, updateFilter } from "./filters.ts";
import { archiveFindings, getFindings, getFindingsStatistics, listFindings, unarchiveFindings, updateFindingsFeedback } from "./findings.ts";
import { createSampleFindings } from "./samples.ts";

const operations: OperationsOf<GuardDuty> = {
  ListDetectors: read(listDetectors),
  GetDetector: read(getDetector),
  CreateDetector: write(createDetector),
  UpdateDetector: write(updateDetector),
  DeleteDetector: write(deleteDetector),
  ListFindings: read(listFindings),
  GetFindings: read(getFindings),
  GetFindingsStatistics: read(getFindingsStatistics),
  ArchiveFindings: write(archiveFindings),
  UnarchiveFindings: write(unarchiveFindings),
  UpdateFindingsFeedback: write(updateFindingsFeedback),
  CreateSampleFindings: write(createSampleFindings),
  CreateFilter: write(createFilter),
  GetFilter: read(getFilter),
  ListFilters: read(listFilters),
  UpdateFilter: write(updateFilter),
  DeleteFilter: write(deleteFilter),
};

export const guardduty: ServiceDefinition = {
  id: "guardduty",
  signingName: "guardduty",
  endpointPrefix: "guardduty",
  protocol: "restJson1",
  eventSource: "guardduty.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-guardduty"),
  errors: { validation: "BadRequestException", missing: "BadRequestException" },
  authorization: guarddutyAuthorization,
  operations,
};
