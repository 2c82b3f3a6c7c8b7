import type {
  CreateDetectorCommandInput,
  CreateDetectorCommandOutput,
  DataSourceConfigurationsResult,
  DeleteDetectorCommandInput,
  DeleteDetectorCommandOutput,
  DetectorFeatureConfigurationResult,
  GetDetectorCommandInput,
  GetDetectorCommandOutput,
  ListDetectorsCommandInput,
  ListDetectorsCommandOutput,
  UpdateDetectorCommandInput,
  UpdateDetectorCommandOutput,
} from "@aws-sdk/client-guardduty";
import { randomBytes } from "../../core/entropy.ts";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { guardDutyState, type StoredDetector } from "./state.ts";

/** GuardDuty's "invalid input" flavour of BadRequestException (its Type member says which). */
export function badRequest(message: string): AwsError {
  return new AwsError("BadRequestException", message, 400, { Type: "InvalidInputException" });
}

/** GuardDuty's answer to a nextToken it did not issue for this listing. */
export const invalidNextToken = (): AwsError => badRequest("The request is rejected because the input nextToken is not valid.");

export const OUT_OF_RANGE = "The request is rejected because an invalid or out-of-range value is specified as an input parameter.";

export function checkMaxResults(max: number | undefined, limit = 50): void {
  if (max !== undefined && (max < 1 || max > limit)) throw badRequest(OUT_OF_RANGE);
}

/** The caller's detector, or the error AWS gives for an id that is not theirs. */
export function detectorOf(ctx: RequestContext, id: string | undefined): StoredDetector {
  const st = guardDutyState(ctx);
  if (!id || !Object.hasOwn(st.detectors, id)) {
    throw badRequest("The request is rejected because the input detectorId is not owned by the current account.");
  }
  return st.detectors[id];
}

export const listDetectors: OpHandler<ListDetectorsCommandInput, ListDetectorsCommandOutput> = (input, ctx) => {
  checkMaxResults(input.MaxResults);
  const ids = Object.keys(guardDutyState(ctx).detectors).sort();
  const { page, next } = paginate(ids, input.NextToken, input.MaxResults ?? 50, "ListDetectors", invalidNextToken);
  return { DetectorIds: page, NextToken: next };
};

/** Features a detector enabled today reports; runtime monitoring is opt-in and starts disabled. */
const DEFAULT_FEATURES: [DetectorFeatureConfigurationResult["Name"], "ENABLED" | "DISABLED"][] = [
  ["CLOUD_TRAIL", "ENABLED"],
  ["DNS_LOGS", "ENABLED"],
  ["FLOW_LOGS", "ENABLED"],
  ["S3_DATA_EVENTS", "ENABLED"],
  ["EKS_AUDIT_LOGS", "ENABLED"],
  ["EBS_MALWARE_PROTECTION", "ENABLED"],
  ["RDS_LOGIN_EVENTS", "ENABLED"],
  ["EKS_RUNTIME_MONITORING", "DISABLED"],
  ["LAMBDA_NETWORK_LOGS", "ENABLED"],
  ["RUNTIME_MONITORING", "DISABLED"],
];

function featuresOf(d: StoredDetector): Stored<DetectorFeatureConfigurationResult>[] {
  if (d.Features?.length) return d.Features;
  const at = d.UpdatedAt ?? d.CreatedAt;
  return DEFAULT_FEATURES.map(([Name, Status]) => {
    const f: Stored<DetectorFeatureConfigurationResult> = { Name, Status, UpdatedAt: at };
    if (Name === "EKS_RUNTIME_MONITORING") f.AdditionalConfiguration = [{ Name: "EKS_ADDON_MANAGEMENT", Status: "DISABLED", UpdatedAt: at }];
    if (Name === "RUNTIME_MONITORING") {
      f.AdditionalConfiguration = ["EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"].map((n) => ({
        Name: n as "EKS_ADDON_MANAGEMENT",
        Status: "DISABLED" as const,
        UpdatedAt: at,
      }));
    }
    return f;
  });
}

/** The legacy DataSources view, derived from the features as GuardDuty derives it. */
function dataSourcesOf(d: StoredDetector, features: Stored<DetectorFeatureConfigurationResult>[]): Stored<DataSourceConfigurationsResult> {
  const status = (name: string) => (features.find((f) => f.Name === name)?.Status === "ENABLED" ? "ENABLED" : "DISABLED");
  return {
    CloudTrail: { Status: status("CLOUD_TRAIL") },
    DNSLogs: { Status: status("DNS_LOGS") },
    FlowLogs: { Status: status("FLOW_LOGS") },
    S3Logs: { Status: status("S3_DATA_EVENTS") },
    Kubernetes: { AuditLogs: { Status: status("EKS_AUDIT_LOGS") } },
    MalwareProtection: {
      ScanEc2InstanceWithFindings: { EbsVolumes: { Status: status("EBS_MALWARE_PROTECTION") } },
      ServiceRole: d.ServiceRole?.replace("AWSServiceRoleForAmazonGuardDuty", "AWSServiceRoleForAmazonGuardDutyMalwareProtection"),
    },
  };
}

export const getDetector: OpHandler<GetDetectorCommandInput, GetDetectorCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const features = featuresOf(d);
  const { DetectorId: _id, ...rest } = d;
  return { ...rest, Features: features, DataSources: dataSourcesOf(d, features), Tags: d.Tags ?? {} } as Omit<GetDetectorCommandOutput, "$metadata">;
};

const FEATURE_FOR_SOURCE: [keyof NonNullable<UpdateDetectorCommandInput["DataSources"]>, string][] = [
  ["S3Logs", "S3_DATA_EVENTS"],
  ["Kubernetes", "EKS_AUDIT_LOGS"],
  ["MalwareProtection", "EBS_MALWARE_PROTECTION"],
];

function applyConfig(d: StoredDetector, input: Pick<UpdateDetectorCommandInput, "DataSources" | "Features">, at: string): void {
  const features = featuresOf(d).map((f) => ({ ...f }));
  const set = (name: string, enabled: boolean | undefined) => {
    if (enabled === undefined) return;
    const f = features.find((x) => x.Name === name);
    if (f) {
      f.Status = enabled ? "ENABLED" : "DISABLED";
      f.UpdatedAt = at;
    }
  };
  const ds = input.DataSources;
  for (const [source, feature] of FEATURE_FOR_SOURCE) {
    const v = ds?.[source] as Record<string, unknown> | undefined;
    if (!v) continue;
    if (source === "S3Logs") set(feature, (v as { Enable?: boolean }).Enable);
    if (source === "Kubernetes") set(feature, (v as { AuditLogs?: { Enable?: boolean } }).AuditLogs?.Enable);
    if (source === "MalwareProtection") {
      set(feature, (v as { ScanEc2InstanceWithFindings?: { EbsVolumes?: boolean } }).ScanEc2InstanceWithFindings?.EbsVolumes);
    }
  }
  for (const f of input.Features ?? []) {
    if (!f.Name || !features.some((x) => x.Name === f.Name)) throw badRequest(`The request is rejected because the feature ${f.Name ?? ""} is not valid.`);
    set(f.Name, f.Status === undefined ? undefined : f.Status === "ENABLED");
  }
  d.Features = features;
}

export const createDetector: OpHandler<CreateDetectorCommandInput, CreateDetectorCommandOutput> = (input, ctx) => {
  const st = guardDutyState(ctx);
  if (input.Enable === undefined) throw badRequest("The request is rejected because the enable parameter is missing.");
  if (Object.keys(st.detectors).length > 0) {
    throw badRequest("The request is rejected because a detector already exists for the current account.");
  }
  const id = randomBytes(16).toString("hex");
  const at = ctx.time.toISOString();
  const d: StoredDetector = {
    DetectorId: id,
    Status: input.Enable ? "ENABLED" : "DISABLED",
    ServiceRole: `arn:aws:iam::${ctx.accountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
    FindingPublishingFrequency: input.FindingPublishingFrequency ?? "SIX_HOURS",
    CreatedAt: at,
    UpdatedAt: at,
    ...(input.Tags ? { Tags: input.Tags } : {}),
  };
  applyConfig(d, input, at);
  st.detectors[id] = d;
  return { DetectorId: id, UnprocessedDataSources: {} };
};

export const updateDetector: OpHandler<UpdateDetectorCommandInput, UpdateDetectorCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const at = ctx.time.toISOString();
  const copy = structuredClone(d);
  applyConfig(copy, input, at); // validates before anything changes
  d.Features = copy.Features;
  if (input.Enable !== undefined) d.Status = input.Enable ? "ENABLED" : "DISABLED";
  if (input.FindingPublishingFrequency) d.FindingPublishingFrequency = input.FindingPublishingFrequency;
  d.UpdatedAt = at;
  return {};
};

export const deleteDetector: OpHandler<DeleteDetectorCommandInput, DeleteDetectorCommandOutput> = (input, ctx) => {
  const d = detectorOf(ctx, input.DetectorId);
  const st = guardDutyState(ctx);
  delete st.detectors[d.DetectorId];
  delete st.filters[d.DetectorId];
  for (const [id, f] of Object.entries(st.findings)) if (f.Service?.DetectorId === d.DetectorId) delete st.findings[id];
  return {};
};
