/** The hub and its standards: DescribeHub, Enable/DisableSecurityHub, standards subscriptions and their controls. */
import type {
  BatchDisableStandardsCommandInput,
  BatchDisableStandardsCommandOutput,
  BatchEnableStandardsCommandInput,
  BatchEnableStandardsCommandOutput,
  DescribeHubCommandInput,
  DescribeHubCommandOutput,
  DescribeStandardsCommandInput,
  DescribeStandardsCommandOutput,
  DescribeStandardsControlsCommandInput,
  DescribeStandardsControlsCommandOutput,
  DisableSecurityHubCommandInput,
  DisableSecurityHubCommandOutput,
  EnableSecurityHubCommandInput,
  EnableSecurityHubCommandOutput,
  GetEnabledStandardsCommandInput,
  GetEnabledStandardsCommandOutput,
  StandardsSubscription,
  UpdateStandardsControlCommandInput,
  UpdateStandardsControlCommandOutput,
} from "@aws-sdk/client-securityhub";
import { pageAt } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";
import { CONTROLS } from "./controls.ts";
import { conflict, invalidAccess, invalidInput, notFound, pageStart } from "./errors.ts";
import { STANDARDS, type StandardDef, standardByArn, standardBySubscription, standardsArn, standardsControlArn, subscriptionArn } from "./standards.ts";
import { emptySecurityHubState, type SecurityHubState, securityHubState } from "./state.ts";

/** The region's hub state, or the error Security Hub gives an account that has not enabled it. */
export function enabledHub(ctx: RequestContext): SecurityHubState & { hub: NonNullable<SecurityHubState["hub"]> } {
  const st = securityHubState(ctx);
  if (!st.hub) throw invalidAccess(`Account ${ctx.accountId} is not subscribed to AWS Security Hub`);
  return st as SecurityHubState & { hub: NonNullable<SecurityHubState["hub"]> };
}

export const hubArnOf = (region: string, accountId: string) => `arn:aws:securityhub:${region}:${accountId}:hub/default`;

function subscription(s: StandardDef, region: string, accountId: string, status: "READY" | "DELETING" = "READY"): Stored<StandardsSubscription> {
  return {
    StandardsSubscriptionArn: subscriptionArn(s, region, accountId),
    StandardsArn: standardsArn(s, region),
    StandardsInput: {},
    StandardsStatus: status,
    StandardsControlsUpdatable: "READY_FOR_UPDATES",
  };
}

/** Turns Security Hub on in a region as EnableSecurityHub does (scenario generators use it too). */
export function enableHub(st: SecurityHubState, region: string, accountId: string, at: string, withDefaults = true, generator = "SECURITY_CONTROL"): void {
  st.hub = { HubArn: hubArnOf(region, accountId), SubscribedAt: at, AutoEnableControls: true, ControlFindingGenerator: generator as never };
  if (withDefaults) for (const s of STANDARDS.filter((x) => x.enabledByDefault)) st.standards[standardsArn(s, region)] = subscription(s, region, accountId);
}

export const describeHub: OpHandler<DescribeHubCommandInput, DescribeHubCommandOutput> = (input, ctx) => {
  const { hub } = enabledHub(ctx);
  if (input.HubArn && input.HubArn !== hub.HubArn) throw notFound(`Hub ${input.HubArn} not found`);
  return {
    HubArn: hub.HubArn,
    SubscribedAt: hub.SubscribedAt,
    AutoEnableControls: hub.AutoEnableControls,
    ControlFindingGenerator: hub.ControlFindingGenerator as never,
  };
};

export const enableSecurityHub: OpHandler<EnableSecurityHubCommandInput, EnableSecurityHubCommandOutput> = (input, ctx) => {
  const st = securityHubState(ctx);
  if (st.hub) throw conflict(`Account ${ctx.accountId} is already subscribed to Security Hub`);
  const generator = input.ControlFindingGenerator ?? "SECURITY_CONTROL";
  if (generator !== "SECURITY_CONTROL" && generator !== "STANDARD_CONTROL") throw invalidInput(`Invalid ControlFindingGenerator: ${generator}`);
  enableHub(st, ctx.region, ctx.accountId, ctx.time.toISOString(), input.EnableDefaultStandards !== false, generator);
  return {};
};

export const disableSecurityHub: OpHandler<DisableSecurityHubCommandInput, DisableSecurityHubCommandOutput> = (_input, ctx) => {
  enabledHub(ctx);
  // Disabling deletes the hub's standards, findings and settings in the region.
  Object.assign(securityHubState(ctx), emptySecurityHubState(), { hub: undefined, lastEvaluatedAt: undefined });
  return {};
};

export const describeStandards: OpHandler<DescribeStandardsCommandInput, DescribeStandardsCommandOutput> = (input, ctx) => {
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, "DescribeStandards");
  const all = STANDARDS.map((s) => ({
    StandardsArn: standardsArn(s, ctx.region),
    Name: s.name,
    Description: s.description,
    EnabledByDefault: s.enabledByDefault,
    StandardsManagedBy: { Company: "AWS", Product: "Security Hub" },
  }));
  const { page, next } = pageAt(all, offset, max, "DescribeStandards");
  return { Standards: page, NextToken: next };
};

export const getEnabledStandards: OpHandler<GetEnabledStandardsCommandInput, GetEnabledStandardsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, "GetEnabledStandards");
  const wanted = input.StandardsSubscriptionArns?.length ? new Set(input.StandardsSubscriptionArns) : undefined;
  const subs = Object.values(st.standards).filter((s) => !wanted || wanted.has(s.StandardsSubscriptionArn as string));
  const { page, next } = pageAt(subs, offset, max, "GetEnabledStandards");
  return { StandardsSubscriptions: page as StandardsSubscription[], NextToken: next };
};

export const batchEnableStandards: OpHandler<BatchEnableStandardsCommandInput, BatchEnableStandardsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const out: Stored<StandardsSubscription>[] = [];
  for (const r of input.StandardsSubscriptionRequests ?? []) {
    const s = standardByArn(r.StandardsArn, ctx.region);
    if (!s) throw invalidInput(`Invalid StandardsArn: ${r.StandardsArn}`);
    const sub = subscription(s, ctx.region, ctx.accountId);
    st.standards[standardsArn(s, ctx.region)] = sub;
    out.push(sub);
  }
  return { StandardsSubscriptions: out as StandardsSubscription[] };
};

export const batchDisableStandards: OpHandler<BatchDisableStandardsCommandInput, BatchDisableStandardsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const out: Stored<StandardsSubscription>[] = [];
  for (const arn of input.StandardsSubscriptionArns ?? []) {
    const s = standardBySubscription(arn, ctx.region, ctx.accountId);
    if (!s || !st.standards[standardsArn(s, ctx.region)]) throw invalidInput(`Standards subscription ${arn} not found`);
    delete st.standards[standardsArn(s, ctx.region)];
    out.push(subscription(s, ctx.region, ctx.accountId, "DELETING"));
  }
  return { StandardsSubscriptions: out as StandardsSubscription[] };
};

export const describeStandardsControls: OpHandler<DescribeStandardsControlsCommandInput, DescribeStandardsControlsCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const s = standardBySubscription(input.StandardsSubscriptionArn, ctx.region, ctx.accountId);
  if (!s || !st.standards[standardsArn(s, ctx.region)]) throw notFound(`Standards subscription ${input.StandardsSubscriptionArn} not found`);
  const salt = `DescribeStandardsControls:${input.StandardsSubscriptionArn}`;
  const { max, offset } = pageStart(input.MaxResults, input.NextToken, salt);
  const subscribedAt = st.hub.SubscribedAt;
  const controls = CONTROLS.flatMap((c) => {
    const controlId = s.controlId(c);
    if (!controlId) return [];
    const arn = standardsControlArn(s, ctx.region, ctx.accountId, controlId);
    const disabled = st.disabledControls[arn];
    return [
      {
        StandardsControlArn: arn,
        ControlStatus: disabled === undefined ? "ENABLED" : "DISABLED",
        ...(disabled === undefined ? {} : { DisabledReason: disabled }),
        ControlStatusUpdatedAt: subscribedAt,
        ControlId: controlId,
        Title: c.title,
        Description: c.description,
        RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${c.id}/remediation`,
        SeverityRating: c.severity,
        RelatedRequirements: c.cis12 ? [`CIS AWS Foundations ${c.cis12}`] : [],
      },
    ];
  });
  const { page, next } = pageAt(controls, offset, max, salt);
  return { Controls: page as never, NextToken: next };
};

export const updateStandardsControl: OpHandler<UpdateStandardsControlCommandInput, UpdateStandardsControlCommandOutput> = (input, ctx) => {
  const st = enabledHub(ctx);
  const arn = input.StandardsControlArn;
  const known = STANDARDS.some(
    (s) =>
      st.standards[standardsArn(s, ctx.region)] &&
      CONTROLS.some((c) => s.controlId(c) && standardsControlArn(s, ctx.region, ctx.accountId, s.controlId(c) as string) === arn),
  );
  if (!known) throw notFound(`Control ${arn} not found`);
  if (input.ControlStatus === "DISABLED") {
    if (!input.DisabledReason) throw invalidInput("DisabledReason is required when ControlStatus is DISABLED");
    st.disabledControls[arn as string] = input.DisabledReason;
  } else if (input.ControlStatus === "ENABLED") delete st.disabledControls[arn as string];
  else throw invalidInput(`Invalid ControlStatus: ${input.ControlStatus}`);
  return {};
};
