/** The consolidated controls view: ListSecurityControlDefinitions and BatchGetSecurityControls over this range's controls. */
import type {
  BatchGetSecurityControlsCommandInput,
  BatchGetSecurityControlsCommandOutput,
  ListSecurityControlDefinitionsCommandInput,
  ListSecurityControlDefinitionsCommandOutput,
} from "@aws-sdk/client-securityhub";
import { pageAt } from "../../core/page-token.ts";
import type { OpHandler } from "../../core/types.ts";
import { CONTROL_BY_ID, CONTROLS, type ControlDef } from "./controls.ts";
import { invalidInput, pageStart } from "./errors.ts";
import { enabledHub } from "./hub.ts";
import { activeControls, standardByArn } from "./standards.ts";

const remediationUrl = (c: ControlDef) => `https://docs.aws.amazon.com/console/securityhub/${c.id}/remediation`;

export const listSecurityControlDefinitions: OpHandler<ListSecurityControlDefinitionsCommandInput, ListSecurityControlDefinitionsCommandOutput> = (
  input,
  ctx,
) => {
  enabledHub(ctx);
  const salt = `ListSecurityControlDefinitions:${input.StandardsArn ?? ""}`;
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, salt);
  let controls = CONTROLS;
  if (input.StandardsArn) {
    const s = standardByArn(input.StandardsArn, ctx.region);
    if (!s) throw invalidInput(`Invalid StandardsArn: ${input.StandardsArn}`);
    controls = CONTROLS.filter((c) => s.controlId(c));
  }
  const defs = controls.map((c) => ({
    SecurityControlId: c.id,
    Title: c.title,
    Description: c.description,
    RemediationUrl: remediationUrl(c),
    SeverityRating: c.severity,
    CurrentRegionAvailability: "AVAILABLE" as const,
  }));
  const { page, next } = pageAt(defs, offset, max, salt);
  return { SecurityControlDefinitions: page, NextToken: next };
};

export const batchGetSecurityControls: OpHandler<BatchGetSecurityControlsCommandInput, BatchGetSecurityControlsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const ids = input.SecurityControlIds ?? [];
  if (ids.length < 1 || ids.length > 100) throw invalidInput("SecurityControlIds must list 1 to 100 controls");
  const active = activeControls(st, ctx.region, ctx.accountId);
  const found = [];
  const unprocessed = [];
  for (const id of ids) {
    const c = CONTROL_BY_ID.get(id);
    if (!c) {
      unprocessed.push({ SecurityControlId: id, ErrorCode: "NOT_FOUND" as const, ErrorReason: `Security control ${id} not found` });
      continue;
    }
    found.push({
      SecurityControlId: c.id,
      SecurityControlArn: `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:security-control/${c.id}`,
      Title: c.title,
      Description: c.description,
      RemediationUrl: remediationUrl(c),
      SeverityRating: c.severity,
      SecurityControlStatus: active.has(c.id) ? ("ENABLED" as const) : ("DISABLED" as const),
      UpdateStatus: "READY" as const,
    });
  }
  return { SecurityControls: found, UnprocessedIds: unprocessed };
};
