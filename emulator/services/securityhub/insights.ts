/**
 * Insights: findings that meet a filter, counted by one attribute. Security Hub's managed insights (the ones whose
 * filters this range's findings can meet, with their ARNs, names and filters from the user guide) and custom ones.
 */

import type {
  AwsSecurityFindingFilters,
  CreateInsightCommandInput,
  CreateInsightCommandOutput,
  DeleteInsightCommandInput,
  DeleteInsightCommandOutput,
  GetInsightResultsCommandInput,
  GetInsightResultsCommandOutput,
  GetInsightsCommandInput,
  GetInsightsCommandOutput,
  UpdateInsightCommandInput,
  UpdateInsightCommandOutput,
} from "@aws-sdk/client-securityhub";
import { randomUUID } from "../../core/entropy.ts";
import { pageAt } from "../../core/page-token.ts";
import type { OpHandler } from "../../core/types.ts";
import { invalidInput, notFound, pageStart } from "./errors.ts";
import { compileFilters, filterFields, valuesAt } from "./filters.ts";
import { currentFindings } from "./findings.ts";
import { enabledHub } from "./hub.ts";
import type { StoredInsight } from "./state.ts";

type Filters = AwsSecurityFindingFilters;

const eq = (Value: string) => ({ Value, Comparison: "EQUALS" as const });
const prefix = (Value: string) => ({ Value, Comparison: "PREFIX" as const });
/** What every managed insight asks besides its own filters: active findings nobody has closed. */
const OPEN: Filters = { RecordState: [eq("ACTIVE")], WorkflowStatus: [eq("NEW"), eq("NOTIFIED")] };

const managed = (n: number, Name: string, GroupByAttribute: string, filters: Filters = {}): StoredInsight => ({
  InsightArn: `arn:aws:securityhub:::insight/securityhub/default/${n}`,
  Name,
  GroupByAttribute,
  Filters: { ...filters, ...OPEN },
});

const onEc2 = { ResourceType: [eq("AwsEc2Instance")] };

export const MANAGED_INSIGHTS: readonly StoredInsight[] = [
  managed(1, "AWS resources with the most findings", "ResourceId"),
  managed(3, "AMIs that are generating the most findings", "ResourceAwsEc2InstanceImageId", onEc2),
  managed(7, "AWS resources associated with potential data exfiltration", "ResourceId", { Type: [prefix("Effects/Data Exfiltration/")] }),
  managed(8, "AWS resources associated with unauthorized resource consumption", "ResourceId", { Type: [prefix("Effects/Resource Consumption")] }),
  managed(9, "AWS principals with suspicious access key activity", "ResourceAwsIamAccessKeyPrincipalName", { ResourceType: [eq("AwsIamAccessKey")] }),
  managed(14, "EC2 instances involved in known Tactics, Techniques, and Procedures (TTPs)", "ResourceId", { Type: [prefix("TTPs")], ...onEc2 }),
  managed(17, "EC2 instances with general unusual behavior", "ResourceId", { Type: [prefix("Unusual Behaviors")], ...onEc2 }),
  managed(22, "EC2 instances associated with adversary reconnaissance", "ResourceId", { Type: [prefix("TTPs/Discovery/Recon")], ...onEc2 }),
  managed(23, "AWS resources that are associated with malware", "ResourceId", {
    Type: [
      prefix("Effects/Data Exfiltration/Trojan"),
      prefix("TTPs/Initial Access/Trojan"),
      prefix("TTPs/Command and Control/Backdoor"),
      prefix("TTPs/Command and Control/Trojan"),
      prefix("Software and Configuration Checks/Backdoor"),
      prefix("Unusual Behaviors/VM/Backdoor"),
    ],
  }),
  managed(24, "AWS resources associated with cryptocurrency issues", "ResourceId", {
    Type: [prefix("Effects/Resource Consumption/Cryptocurrency"), prefix("TTPs/Command and Control/CryptoCurrency")],
  }),
  managed(25, "AWS resources with unauthorized access attempts", "ResourceId", {
    Type: [
      prefix("TTPs/Command and Control/UnauthorizedAccess"),
      prefix("TTPs/Initial Access/UnauthorizedAccess"),
      prefix("Effects/Data Exfiltration/UnauthorizedAccess"),
      prefix("Unusual Behaviors/User/UnauthorizedAccess"),
      prefix("Effects/Resource Consumption/UnauthorizedAccess"),
    ],
  }),
  managed(27, "Top accounts by counts of findings", "AwsAccountId"),
  managed(28, "Top products by counts of findings", "ProductArn"),
  managed(29, "Severity by counts of findings", "SeverityLabel"),
  managed(30, "Top S3 buckets by counts of findings", "ResourceId", { ResourceType: [eq("AwsS3Bucket")] }),
  managed(31, "Top EC2 instances by counts of findings", "ResourceId", onEc2),
  managed(32, "Top AMIs by counts of findings", "ResourceAwsEc2InstanceImageId", onEc2),
  managed(33, "Top IAM users by counts of findings", "ResourceAwsIamAccessKeyUserName", { ResourceType: [eq("AwsIamAccessKey")] }),
  managed(36, "Resources with the most failed security checks", "ResourceId", {
    UpdatedAt: [{ DateRange: { Value: 1, Unit: "DAYS" } }],
    ComplianceStatus: [eq("FAILED")],
  }),
  managed(37, "IAM users with suspicious activity", "ResourceAwsIamUserUserName", { ResourceType: [eq("AwsIamUser")] }),
];

const MANAGED_BY_ARN = new Map(MANAGED_INSIGHTS.map((i) => [i.InsightArn, i]));

/** A group-by attribute must be a string filter that names a path (ResourceId, SeverityLabel, …). */
async function checkGroupBy(attribute: string | undefined): Promise<void> {
  const info = attribute ? (await filterFields()).get(attribute) : undefined;
  if (!info?.path || info.kind !== "string") throw invalidInput(`Invalid GroupByAttribute: ${attribute}`);
}

export const getInsights: OpHandler<GetInsightsCommandInput, GetInsightsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const salt = `GetInsights:${JSON.stringify(input.InsightArns ?? [])}`;
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, salt);
  // Without ARNs the API lists custom insights only; managed ones are fetched by ARN.
  const list = input.InsightArns?.length
    ? input.InsightArns.map((arn) => {
        const found = MANAGED_BY_ARN.get(arn) ?? st.insights[arn];
        if (!found) throw notFound(`Insight ${arn} not found`);
        return found;
      })
    : Object.values(st.insights);
  const { page, next } = pageAt(list, offset, max, salt);
  return { Insights: page as never, NextToken: next };
};

export const getInsightResults: OpHandler<GetInsightResultsCommandInput, GetInsightResultsCommandOutput> = async (input, ctx) => {
  const st = enabledHub(ctx);
  const insight = MANAGED_BY_ARN.get(input.InsightArn as string) ?? st.insights[input.InsightArn as string];
  if (!insight) throw notFound(`Insight ${input.InsightArn} not found`);
  const test = await compileFilters(insight.Filters, ctx.time.getTime());
  const path = (await filterFields()).get(insight.GroupByAttribute)?.path ?? [];
  const counts = new Map<string, number>();
  for (const f of currentFindings(ctx, st)) {
    if (!test(f as never)) continue;
    for (const v of new Set(valuesAt(f, path).map(String))) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const ResultValues = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 100)
    .map(([GroupByAttributeValue, Count]) => ({ GroupByAttributeValue, Count }));
  return { InsightResults: { InsightArn: insight.InsightArn, GroupByAttribute: insight.GroupByAttribute, ResultValues } };
};

export const createInsight: OpHandler<CreateInsightCommandInput, CreateInsightCommandOutput> = async (input, ctx) => {
  const st = enabledHub(ctx);
  if (!input.Name?.trim()) throw invalidInput("Name is required");
  await checkGroupBy(input.GroupByAttribute);
  await compileFilters(input.Filters, ctx.time.getTime());
  const arn = `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:insight/${ctx.accountId}/custom/${randomUUID()}`;
  st.insights[arn] = { InsightArn: arn, Name: input.Name, Filters: input.Filters ?? {}, GroupByAttribute: input.GroupByAttribute as string };
  return { InsightArn: arn };
};

function customInsight(st: ReturnType<typeof enabledHub>, arn: string | undefined): StoredInsight {
  if (arn && MANAGED_BY_ARN.has(arn)) throw invalidInput("Managed insights cannot be changed or deleted");
  const found = arn ? st.insights[arn] : undefined;
  if (!found) throw notFound(`Insight ${arn} not found`);
  return found;
}

export const updateInsight: OpHandler<UpdateInsightCommandInput, UpdateInsightCommandOutput> = async (input, ctx) => {
  const insight = customInsight(enabledHub(ctx), input.InsightArn);
  if (input.GroupByAttribute !== undefined) await checkGroupBy(input.GroupByAttribute);
  if (input.Filters) await compileFilters(input.Filters, ctx.time.getTime());
  if (input.Name !== undefined) {
    if (!input.Name.trim()) throw invalidInput("Name cannot be empty");
    insight.Name = input.Name;
  }
  if (input.Filters) insight.Filters = input.Filters;
  if (input.GroupByAttribute !== undefined) insight.GroupByAttribute = input.GroupByAttribute;
  return {};
};

export const deleteInsight: OpHandler<DeleteInsightCommandInput, DeleteInsightCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const insight = customInsight(st, input.InsightArn);
  delete st.insights[insight.InsightArn];
  return { InsightArn: insight.InsightArn };
};
