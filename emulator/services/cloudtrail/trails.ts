import type {
  AdvancedEventSelector,
  CreateTrailCommandInput,
  CreateTrailCommandOutput,
  DeleteTrailCommandInput,
  DeleteTrailCommandOutput,
  DescribeTrailsCommandInput,
  DescribeTrailsCommandOutput,
  EventSelector,
  GetEventSelectorsCommandInput,
  GetEventSelectorsCommandOutput,
  GetInsightSelectorsCommandInput,
  GetInsightSelectorsCommandOutput,
  GetTrailCommandInput,
  GetTrailCommandOutput,
  GetTrailStatusCommandInput,
  GetTrailStatusCommandOutput,
  ListTrailsCommandInput,
  ListTrailsCommandOutput,
  PutEventSelectorsCommandInput,
  PutEventSelectorsCommandOutput,
  PutInsightSelectorsCommandInput,
  PutInsightSelectorsCommandOutput,
  StartLoggingCommandInput,
  StartLoggingCommandOutput,
  StopLoggingCommandInput,
  StopLoggingCommandOutput,
  Trail,
  UpdateTrailCommandInput,
  UpdateTrailCommandOutput,
} from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { objectsOf } from "../s3/object-store.ts";
import type { Stored } from "../stored.ts";
import { allTrails, cloudTrailState, type StoredTrail, visibleTrails } from "./state.ts";

export function publicTrail(t: StoredTrail): Trail {
  const {
    IsLogging: _l,
    StartLoggingTime: _s,
    StopLoggingTime: _t,
    EventSelectors: _e,
    AdvancedEventSelectors: _a,
    InsightSelectors: _i,
    Tags: _g,
    Delivery: _d,
    ...trail
  } = t;
  return trail as Trail;
}

const iso = (d: Date) => d.toISOString();

function trailArn(ctx: RequestContext, name: string): string {
  return `arn:aws:cloudtrail:${ctx.region}:${ctx.accountId}:trail/${name}`;
}

function notFound(ctx: RequestContext, name: string): AwsError {
  const arn = name.startsWith("arn:") ? name : trailArn(ctx, name);
  return new AwsError("TrailNotFoundException", `Unknown trail: ${arn} for the user: ${ctx.accountId}`, 400);
}

const TRAIL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;

function checkName(name: string | undefined): string {
  if (!name) throw new AwsError("InvalidTrailNameException", "Trail name cannot be blank.", 400);
  if (name.startsWith("arn:")) return name;
  if (!TRAIL_NAME.test(name) || /\.\.|[._-]{2}/.test(name)) {
    throw new AwsError(
      "InvalidTrailNameException",
      "Trail name must starts with a letter or number, end with a letter or number, and contain only letters, numbers, periods, underscores and dashes, and be between 3 and 128 characters.",
      400,
    );
  }
  return name;
}

/** A trail by name or ARN as the calling region sees it (its own trails and multi-region shadows). */
export function findTrail(ctx: RequestContext, nameOrArn: string | undefined): StoredTrail {
  const name = checkName(nameOrArn);
  const pool = name.startsWith("arn:") ? allTrails(ctx) : visibleTrails(ctx);
  const t = pool.find((x) => x.TrailARN === name || x.Name === name);
  if (!t) throw notFound(ctx, name);
  return t;
}

/** Changes to a trail are made in its home region only, as AWS requires. */
function homeTrail(ctx: RequestContext, nameOrArn: string | undefined): StoredTrail {
  const t = findTrail(ctx, nameOrArn);
  if (t.HomeRegion !== ctx.region) {
    throw new AwsError(
      "InvalidHomeRegionException",
      `This operation must be called from the region in which the trail was created. Trail ${t.TrailARN} was created in ${t.HomeRegion}.`,
      400,
    );
  }
  return t;
}

function requireBucket(ctx: RequestContext, bucket: string | undefined): void {
  if (!bucket || !objectsOf(ctx.runtime).bucket(ctx.accountId, bucket)) {
    throw new AwsError("S3BucketDoesNotExistException", `S3 bucket ${bucket ?? ""} does not exist.`, 400);
  }
}

export const describeTrails: OpHandler<DescribeTrailsCommandInput, DescribeTrailsCommandOutput> = (input, ctx) => {
  let trails = visibleTrails(ctx);
  if (input.trailNameList?.length) {
    const wanted = new Set(input.trailNameList);
    trails = trails.filter((t) => wanted.has(t.Name ?? "") || wanted.has(t.TrailARN ?? ""));
  }
  if (input.includeShadowTrails === false) trails = trails.filter((t) => t.HomeRegion === ctx.region);
  return { trailList: trails.map(publicTrail) };
};

export const getTrail: OpHandler<GetTrailCommandInput, GetTrailCommandOutput> = (input, ctx) => ({ Trail: publicTrail(findTrail(ctx, input.Name)) });

export const listTrails: OpHandler<ListTrailsCommandInput, ListTrailsCommandOutput> = (_input, ctx) => ({
  Trails: allTrails(ctx)
    .map((t) => ({ TrailARN: t.TrailARN, Name: t.Name, HomeRegion: t.HomeRegion }))
    .sort((a, b) => ((a.TrailARN ?? "") < (b.TrailARN ?? "") ? -1 : 1)),
});

/** The string-typed status fields, which AWS fills with whole-second ISO times or "" when nothing happened yet. */
const stamp = (t: string | undefined) => (t ? t.replace(/\.\d+Z$/, "Z") : "");
const date = (t: string | undefined) => (t ? new Date(t) : undefined);

export const getTrailStatus: OpHandler<GetTrailStatusCommandInput, GetTrailStatusCommandOutput> = (input, ctx) => {
  const t = findTrail(ctx, input.Name);
  const d = t.Delivery ?? {};
  return {
    IsLogging: t.IsLogging,
    StartLoggingTime: date(t.StartLoggingTime),
    StopLoggingTime: date(t.StopLoggingTime),
    LatestDeliveryTime: date(d.LatestDeliveryTime),
    LatestDeliveryError: d.LatestDeliveryError,
    LatestDigestDeliveryTime: date(d.LatestDigestDeliveryTime),
    LatestDeliveryAttemptTime: stamp(d.LatestDeliveryAttemptTime),
    LatestDeliveryAttemptSucceeded: stamp(d.LatestDeliveryAttemptSucceeded),
    LatestNotificationAttemptTime: "",
    LatestNotificationAttemptSucceeded: "",
    TimeLoggingStarted: stamp(t.StartLoggingTime),
    TimeLoggingStopped: stamp(t.StopLoggingTime),
  };
};

export const startLogging: OpHandler<StartLoggingCommandInput, StartLoggingCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.Name);
  if (!t.IsLogging) {
    t.IsLogging = true;
    t.StartLoggingTime = iso(ctx.time);
  }
  return {};
};

export const stopLogging: OpHandler<StopLoggingCommandInput, StopLoggingCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.Name);
  if (t.IsLogging) {
    t.IsLogging = false;
    t.StopLoggingTime = iso(ctx.time);
  }
  return {};
};

/** What a trail without custom selectors logs: every management event, read and write. */
export const DEFAULT_EVENT_SELECTORS: EventSelector[] = [
  { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
];

export const getEventSelectors: OpHandler<GetEventSelectorsCommandInput, GetEventSelectorsCommandOutput> = (input, ctx) => {
  const t = findTrail(ctx, input.TrailName);
  if (t.AdvancedEventSelectors?.length) return { TrailARN: t.TrailARN, AdvancedEventSelectors: t.AdvancedEventSelectors as AdvancedEventSelector[] };
  return { TrailARN: t.TrailARN, EventSelectors: (t.EventSelectors as EventSelector[] | undefined) ?? DEFAULT_EVENT_SELECTORS };
};

const ADVANCED_FIELDS = new Set([
  "eventCategory",
  "eventSource",
  "eventName",
  "eventType",
  "readOnly",
  "resources.type",
  "resources.ARN",
  "errorCode",
  "sessionCredentialFromConsole",
  "userIdentity.arn",
  "vpcEndpointId",
]);

export const putEventSelectors: OpHandler<PutEventSelectorsCommandInput, PutEventSelectorsCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.TrailName);
  const basic = input.EventSelectors;
  const advanced = input.AdvancedEventSelectors;
  if ((basic && advanced) || (!basic && !advanced)) {
    throw new AwsError(
      "InvalidParameterCombinationException",
      "You must specify either EventSelectors or AdvancedEventSelectors in a PutEventSelectors request, but not both.",
      400,
    );
  }
  if (basic) {
    if (basic.length > 5) throw new AwsError("InvalidEventSelectorsException", "A trail can have no more than five event selectors.", 400);
    for (const s of basic) {
      for (const r of s.DataResources ?? []) {
        if (!r.Type) throw new AwsError("InvalidEventSelectorsException", "Data resource type is required.", 400);
        for (const v of r.Values ?? []) {
          if (r.Type === "AWS::S3::Object" && !v.startsWith("arn:aws:s3")) {
            throw new AwsError("InvalidEventSelectorsException", `Value ${v} for parameter DataResources.Values is invalid.`, 400);
          }
        }
      }
    }
    t.EventSelectors = basic.map((s) => ({
      ReadWriteType: s.ReadWriteType ?? "All",
      IncludeManagementEvents: s.IncludeManagementEvents ?? true,
      DataResources: s.DataResources ?? [],
      ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
    }));
    delete t.AdvancedEventSelectors;
  } else if (advanced) {
    for (const s of advanced) {
      if (!s.FieldSelectors?.length) throw new AwsError("InvalidEventSelectorsException", "Each advanced event selector needs field selectors.", 400);
      for (const f of s.FieldSelectors) {
        if (!f.Field || !ADVANCED_FIELDS.has(f.Field)) {
          throw new AwsError("InvalidEventSelectorsException", `Field ${f.Field ?? ""} is not a valid advanced event selector field.`, 400);
        }
      }
      if (!s.FieldSelectors.some((f) => f.Field === "eventCategory")) {
        throw new AwsError("InvalidEventSelectorsException", "Each advanced event selector must have a field selector for eventCategory.", 400);
      }
    }
    t.AdvancedEventSelectors = advanced as Stored<AdvancedEventSelector>[];
    delete t.EventSelectors;
  }
  t.HasCustomEventSelectors = true;
  return { TrailARN: t.TrailARN, EventSelectors: basic ? (t.EventSelectors as EventSelector[]) : undefined, AdvancedEventSelectors: advanced };
};

export const getInsightSelectors: OpHandler<GetInsightSelectorsCommandInput, GetInsightSelectorsCommandOutput> = (input, ctx) => {
  const t = findTrail(ctx, input.TrailName);
  if (!t.InsightSelectors?.length) {
    throw new AwsError("InsightNotEnabledException", `Trail ${t.Name} does not have Insights enabled. Enable Insights on the trail, and then try again.`, 400);
  }
  return { TrailARN: t.TrailARN, InsightSelectors: t.InsightSelectors };
};

export const putInsightSelectors: OpHandler<PutInsightSelectorsCommandInput, PutInsightSelectorsCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.TrailName);
  const sel = input.InsightSelectors ?? [];
  for (const s of sel) {
    if (s.InsightType !== "ApiCallRateInsight" && s.InsightType !== "ApiErrorRateInsight") {
      throw new AwsError("InvalidInsightSelectorsException", `Insight type ${s.InsightType ?? ""} is not valid.`, 400);
    }
  }
  t.InsightSelectors = sel;
  t.HasInsightSelectors = sel.length > 0;
  return { TrailARN: t.TrailARN, InsightSelectors: sel };
};

export const createTrail: OpHandler<CreateTrailCommandInput, CreateTrailCommandOutput> = (input, ctx) => {
  const name = checkName(input.Name);
  if (name.startsWith("arn:")) throw new AwsError("InvalidTrailNameException", "Trail name cannot be an ARN.", 400);
  const state = cloudTrailState(ctx);
  if (allTrails(ctx).some((t) => t.Name === name && (t.HomeRegion === ctx.region || t.IsMultiRegionTrail))) {
    throw new AwsError("TrailAlreadyExistsException", `Trail ${name} already exists for customer: ${ctx.accountId}`, 400);
  }
  requireBucket(ctx, input.S3BucketName);
  const arn = trailArn(ctx, name);
  const trail: StoredTrail = {
    Name: name,
    S3BucketName: input.S3BucketName,
    ...(input.S3KeyPrefix ? { S3KeyPrefix: input.S3KeyPrefix } : {}),
    ...(input.SnsTopicName ? { SnsTopicName: input.SnsTopicName } : {}),
    IncludeGlobalServiceEvents: input.IncludeGlobalServiceEvents ?? true,
    IsMultiRegionTrail: input.IsMultiRegionTrail ?? false,
    HomeRegion: ctx.region,
    TrailARN: arn,
    LogFileValidationEnabled: input.EnableLogFileValidation ?? false,
    ...(input.CloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: input.CloudWatchLogsLogGroupArn } : {}),
    ...(input.CloudWatchLogsRoleArn ? { CloudWatchLogsRoleArn: input.CloudWatchLogsRoleArn } : {}),
    ...(input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : {}),
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
    IsOrganizationTrail: input.IsOrganizationTrail ?? false,
    IsLogging: false,
    ...(input.TagsList ? { Tags: input.TagsList } : {}),
  };
  state.trails[arn] = trail;
  const { HomeRegion: _h, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...out } = publicTrail(trail);
  return out;
};

export const updateTrail: OpHandler<UpdateTrailCommandInput, UpdateTrailCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.Name);
  if (input.S3BucketName !== undefined) requireBucket(ctx, input.S3BucketName);
  if (input.S3BucketName !== undefined) t.S3BucketName = input.S3BucketName;
  if (input.S3KeyPrefix !== undefined) t.S3KeyPrefix = input.S3KeyPrefix || undefined;
  if (input.SnsTopicName !== undefined) t.SnsTopicName = input.SnsTopicName || undefined;
  if (input.IncludeGlobalServiceEvents !== undefined) t.IncludeGlobalServiceEvents = input.IncludeGlobalServiceEvents;
  if (input.IsMultiRegionTrail !== undefined) t.IsMultiRegionTrail = input.IsMultiRegionTrail;
  if (input.EnableLogFileValidation !== undefined) t.LogFileValidationEnabled = input.EnableLogFileValidation;
  if (input.CloudWatchLogsLogGroupArn !== undefined) t.CloudWatchLogsLogGroupArn = input.CloudWatchLogsLogGroupArn || undefined;
  if (input.CloudWatchLogsRoleArn !== undefined) t.CloudWatchLogsRoleArn = input.CloudWatchLogsRoleArn || undefined;
  if (input.KmsKeyId !== undefined) t.KmsKeyId = input.KmsKeyId || undefined;
  const { HomeRegion: _h, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...out } = publicTrail(t);
  return out;
};

export const deleteTrail: OpHandler<DeleteTrailCommandInput, DeleteTrailCommandOutput> = (input, ctx) => {
  const t = homeTrail(ctx, input.Name);
  delete cloudTrailState(ctx).trails[t.TrailARN as string];
  return {};
};
