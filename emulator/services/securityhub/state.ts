/** Security Hub's regional state: the hub, its standards, control evaluations, imported findings and responders' updates. */
import type { AwsSecurityFinding, AwsSecurityFindingFilters, DescribeHubResponse, StandardsSubscription } from "@aws-sdk/client-securityhub";
import type { RequestContext } from "../../core/types.ts";
import { type Stored, withDefaults } from "../stored.ts";

/** What the last evaluation of one control on one resource found, and since when. */
export interface ControlObservation {
  /** The security control (EC2.8, …). */
  controlId: string;
  status: "PASSED" | "FAILED";
  /** When the finding was first created. */
  createdAt: string;
  /** When the status last changed (or the resource went away). */
  updatedAt: string;
  /** Set once the resource no longer exists: the finding is kept, archived, with the resource as last seen. */
  archivedAt?: string;
  /** The resource as last evaluated (ASFF Resource), for findings whose resource is gone. */
  resource?: Record<string, unknown>;
  reason?: { ReasonCode: string; Description: string };
}

/** What BatchUpdateFindings changed on a finding; the provider's own fields stay as they were. */
export interface FindingUpdate {
  Workflow?: { Status: string };
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
  Severity?: { Label: string; Normalized: number };
  VerificationState?: string;
  Confidence?: number;
  Criticality?: number;
  Types?: string[];
  UserDefinedFields?: Record<string, string>;
  RelatedFindings?: { ProductArn: string; Id: string }[];
}

/** An insight: findings that meet Filters, counted by GroupByAttribute (a filter field's name). */
export interface StoredInsight {
  InsightArn: string;
  Name: string;
  Filters: AwsSecurityFindingFilters;
  GroupByAttribute: string;
}

export interface SecurityHubState {
  /** Absent while Security Hub is not enabled in the region. */
  hub?: Stored<Omit<DescribeHubResponse, "$metadata">> & { HubArn: string; SubscribedAt: string };
  /** Enabled standards by StandardsArn. */
  standards: Record<string, Stored<StandardsSubscription>>;
  /** Control findings by finding id. */
  controls: Record<string, ControlObservation>;
  /** When the controls were last evaluated (absent before the first evaluation). */
  lastEvaluatedAt?: string;
  /** Controls disabled in a standard: StandardsControlArn → the reason given. */
  disabledControls: Record<string, string>;
  /** Findings sent with BatchImportFindings, by id. */
  imported: Record<string, Stored<AwsSecurityFinding>>;
  /** Updates made with BatchUpdateFindings, by finding id. */
  updates: Record<string, FindingUpdate>;
  /** Custom insights by ARN. */
  insights: Record<string, StoredInsight>;
}

export const emptySecurityHubState = (): SecurityHubState => ({
  standards: {},
  controls: {},
  disabledControls: {},
  imported: {},
  updates: {},
  insights: {},
});

export function securityHubState(ctx: RequestContext, region = ctx.region): SecurityHubState {
  const st = ctx.runtime.regional(ctx.accountId, region, "securityhub", emptySecurityHubState);
  return withDefaults(st, emptySecurityHubState());
}
