import type { ListDetectorsCommandInput, ListDetectorsCommandOutput } from "@aws-sdk/client-guardduty";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import { decodeToken, paginate } from "../stored.ts";
import { guardDutyState } from "./state.ts";

export const listDetectors: OpHandler<ListDetectorsCommandInput, ListDetectorsCommandOutput> = (input, ctx) => {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 50)) {
    throw new AwsError("BadRequestException", "The request is rejected because an invalid or out-of-range value is specified as an input parameter.", 400, {
      Type: "InvalidInputException",
    });
  }
  const ids = Object.keys(guardDutyState(ctx).detectors).sort();
  const offset = decodeToken(input.NextToken, "ListDetectors");
  if (offset === undefined)
    throw new AwsError("BadRequestException", "The request is rejected because the input detectorId is not owned by the current account.", 400);
  const { page, next } = paginate(ids, offset, input.MaxResults ?? 50, "ListDetectors");
  return { DetectorIds: page, NextToken: next };
};
