import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import { createDetector, deleteDetector, getDetector, listDetectors, updateDetector } from "./detectors.ts";
import { createFilter, deleteFilter, getFilter, listFilters, updateFilter } from "./filters.ts";
import { archiveFindings, getFindings, getFindingsStatistics, listFindings, unarchiveFindings, updateFindingsFeedback } from "./findings.ts";
import { createSampleFindings } from "./samples.ts";

export const guardduty: ServiceDefinition = {
  id: "guardduty",
  signingName: "guardduty",
  endpointPrefix: "guardduty",
  protocol: "restJson1",
  eventSource: "guardduty.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-guardduty"),
  errors: { validation: "BadRequestException", missing: "BadRequestException" },
  handlers: {
    ListDetectors: listDetectors,
    GetDetector: getDetector,
    CreateDetector: createDetector,
    UpdateDetector: updateDetector,
    DeleteDetector: deleteDetector,
    ListFindings: listFindings,
    GetFindings: getFindings,
    GetFindingsStatistics: getFindingsStatistics,
    ArchiveFindings: archiveFindings,
    UnarchiveFindings: unarchiveFindings,
    UpdateFindingsFeedback: updateFindingsFeedback,
    CreateSampleFindings: createSampleFindings,
    CreateFilter: createFilter,
    GetFilter: getFilter,
    ListFilters: listFilters,
    UpdateFilter: updateFilter,
    DeleteFilter: deleteFilter,
  },
};
