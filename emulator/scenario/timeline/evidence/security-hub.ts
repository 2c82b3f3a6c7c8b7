/**
 * Security Hub, when the timeline turns it on: the hub enabled at that time in its regions, and the range's own
 * control checks run over the final state (as the secutter generator does), each control finding dated from when
 * its resource came to be as it is — the security group rule, the trail change, the RunInstances or
 * ModifyInstanceMetadataOptions that made it fail — plus the few minutes Config takes, never before the hub existed.
 */
import type { CloudTrailRecord } from "../../../core/records.ts";
import type { StoredTrail } from "../../../services/cloudtrail/state.ts";
import { emptyEc2State } from "../../../services/ec2/state.ts";
import { emptyGuardDutyState, type GuardDutyState } from "../../../services/guardduty/state.ts";
import { emptyIamState, type IamState } from "../../../services/iam/state.ts";
import type { BucketRecord } from "../../../services/s3/object-store.ts";
import { type AccountView, type ControlResult, evaluateControls } from "../../../services/securityhub/controls.ts";
import { observe } from "../../../services/securityhub/evaluation.ts";
import { enableHub } from "../../../services/securityhub/hub.ts";
import { emptySecurityHubState, type SecurityHubState } from "../../../services/securityhub/state.ts";
import { withDefaults } from "../../../services/stored.ts";
import type { BuildOutput } from "../model.ts";
import { timeOf } from "../times.ts";
import { accountOf, DAY, EvidenceError, isoMs, MIN, params, succeeded, timeOfRecord } from "./common.ts";
import { ec2Of, groupHistory } from "./network.ts";
import { replayTrails, type TrailReplay } from "./trail-files.ts";

/** Config evaluates a changed resource within minutes. */
export const EVALUATION_DELAY = 3 * MIN;

type Status = "PASSED" | "FAILED";

/** Which calls can change a control's result on its resource, and which of them make it pass. */
const CHANGES: Record<string, { events: string[]; fixes?: (r: CloudTrailRecord) => boolean }> = {
  "EC2.8": {
    events: ["RunInstances", "ModifyInstanceMetadataOptions"],
    fixes: (r) => r.eventName === "ModifyInstanceMetadataOptions" && params(r).httpTokens === "required",
  },
  "EC2.9": { events: ["RunInstances", "StartInstances", "AssociateAddress"], fixes: (r) => r.eventName === "DisassociateAddress" },
  "EC2.6": { events: ["DeleteFlowLogs"], fixes: (r) => r.eventName === "CreateFlowLogs" },
  "EC2.15": { events: ["ModifySubnetAttribute"], fixes: (r) => fieldValue(params(r).mapPublicIpOnLaunch) === false },
  "CloudTrail.4": {
    events: ["CreateTrail", "UpdateTrail"],
    fixes: (r) => r.eventName === "UpdateTrail" && params(r).enableLogFileValidation === true,
  },
  "GuardDuty.1": {
    events: ["DeleteDetector", "UpdateDetector"],
    fixes: (r) => r.eventName === "CreateDetector" || (r.eventName === "UpdateDetector" && params(r).enable === true),
  },
  "IAM.1": { events: ["CreatePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion"] },
  "IAM.2": { events: ["AttachUserPolicy", "PutUserPolicy"] },
  "IAM.5": {
    events: ["CreateLoginProfile", "DeactivateMFADevice"],
    fixes: (r) => r.eventName === "EnableMFADevice" || r.eventName === "DeleteLoginProfile",
  },
  "S3.5": {
    events: ["CreateBucket", "PutBucketPolicy", "DeleteBucketPolicy"],
    fixes: (r) => r.eventName === "PutBucketPolicy" && String(params(r).bucketPolicy ?? params(r).policy ?? "").includes("aws:SecureTransport"),
  },
  "S3.8": {
    events: ["CreateBucket", "PutPublicAccessBlock", "DeletePublicAccessBlock"],
    fixes: (r) => {
      if (r.eventName !== "PutPublicAccessBlock") return false;
      const c = (params(r).PublicAccessBlockConfiguration ?? params(r).publicAccessBlockConfiguration ?? {}) as Record<string, unknown>;
      return ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"].every(
        (k) => fieldValue(c[k] ?? c[k[0].toLowerCase() + k.slice(1)]) === true,
      );
    },
  },
};

/** Booleans as records hold them: true, "true" or { value: true }. */
function fieldValue(v: unknown): unknown {
  if (v && typeof v === "object" && "value" in v) return fieldValue((v as { value: unknown }).value);
  if (v === "true") return true;
  if (v === "false") return false;
  return v;
}

/** An account view with nothing in it: the checks of one resource run over a view holding only it. */
function emptyView(account: string, region: string, now: number): AccountView {
  return {
    accountId: account,
    region,
    // No region is the home region: IAM's checks stay out of a view made for one resource.
    homeRegion: "",
    now,
    ec2: emptyEc2State(),
    iam: emptyIamState(),
    trails: [],
    buckets: [],
    guardduty: emptyGuardDutyState(),
  };
}

const statusIn = (view: AccountView, r: ControlResult): Status | undefined =>
  evaluateControls(view).find((x) => x.control.id === r.control.id && x.resource.Id === r.resource.Id)?.status;

/** The last moment the status turned into `final`, walking the statuses in time; undefined when it never turned. */
function lastTurn(initial: Status | undefined, points: { at: number; status: Status | undefined }[], final: Status): number | undefined {
  let prev = initial;
  let turned: number | undefined;
  for (const p of points) {
    if (p.status !== prev && p.status === final) turned = p.at;
    prev = p.status;
  }
  return turned;
}

/** The identifiers a record would name the result's resource by. */
function namesOf(r: ControlResult): string[] {
  const d = (r.resource.Details ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const names = [r.resource.Id, r.resource.Id.split(/[/:]/).pop() ?? ""];
  for (const k of ["UserName", "PolicyName", "Name", "GroupId", "SubnetId"]) {
    for (const v of Object.values(d)) if (v && typeof v[k] === "string") names.push(v[k] as string);
  }
  return [...new Set(names.filter(Boolean))];
}

function mentions(rec: CloudTrailRecord, names: string[]): boolean {
  const text = JSON.stringify([rec.requestParameters ?? null, rec.responseElements ?? null]);
  return names.some((n) => text.includes(JSON.stringify(n)));
}

interface Dating {
  out: BuildOutput;
  account: string;
  region: string;
  trails: TrailReplay;
}

/** When the resource came to be as the result says (undefined: as far back as the state knows). */
function becameAt(d: Dating, r: ControlResult): number | undefined {
  const { out, account, region } = d;
  const now = out.discovery;
  if (r.resource.Type === "AwsEc2SecurityGroup") {
    const gid = (r.resource.Details as { AwsEc2SecurityGroup?: { GroupId?: string } } | undefined)?.AwsEc2SecurityGroup?.GroupId ?? "";
    const h = groupHistory(out, account, region);
    const group = ec2Of(out, account, region)?.securityGroups[gid];
    if (!h || !group) return undefined;
    const at = (t: number): Status | undefined => {
      const view = emptyView(account, region, now);
      view.ec2.securityGroups[gid] = group;
      for (const rule of h.rulesAt(gid, t)) view.ec2.securityGroupRules[rule.SecurityGroupRuleId ?? ""] = rule as never;
      return statusIn(view, r);
    };
    const turned = lastTurn(
      at(Number.NEGATIVE_INFINITY),
      h.changeTimes(gid).map((t) => ({ at: t, status: at(t) })),
      r.status,
    );
    return turned ?? h.createdAt(gid);
  }
  if (r.control.id === "CloudTrail.1") {
    const at = (trails: StoredTrail[]): Status | undefined => statusIn({ ...emptyView(account, region, now), trails }, r);
    const points = d.trails.changes.filter((c) => c.account === account).map((c) => ({ at: c.at, status: at(c.trails) }));
    return lastTurn(at(d.trails.initial.get(account) ?? []), points, r.status);
  }
  const change = CHANGES[r.control.id];
  if (r.control.id === "IAM.3" || r.control.id === "IAM.8") return r.status === "FAILED" ? staleSince(d, r) : undefined;
  if (!change) return undefined;
  const global = r.resource.Type.startsWith("AwsIam");
  const names = namesOf(r);
  const relevant = out.records.filter(
    (x) =>
      succeeded(x) &&
      accountOf(x, out.manifest.accountId) === account &&
      (global || x.awsRegion === region) &&
      (change.events.includes(x.eventName) || change.fixes?.(x)) &&
      (r.resource.Type === "AwsAccount" || mentions(x, names)),
  );
  const fixes = relevant.filter((x) => change.fixes?.(x));
  const lastFix = fixes.at(-1);
  if (r.status === "PASSED") return lastFix ? timeOfRecord(lastFix) : undefined;
  const after = relevant.filter((x) => !change.fixes?.(x) && (!lastFix || timeOfRecord(x) >= timeOfRecord(lastFix)));
  return after[0] ? timeOfRecord(after[0]) : undefined;
}

/** IAM.3 / IAM.8: the day a key (or password) crossed 90 days of age or disuse. */
function staleSince(d: Dating, r: ControlResult): number | undefined {
  const userName = (r.resource.Details as { AwsIamUser?: { UserName?: string } } | undefined)?.AwsIamUser?.UserName ?? "";
  const u = (d.out.accounts[d.account]?.global.iam as IamState | undefined)?.users[userName];
  if (!u) return undefined;
  const times: number[] = [];
  for (const k of u.AccessKeys.filter((x) => x.Status === "Active")) {
    const from = r.control.id === "IAM.3" ? k.CreateDate : (k.LastUsed?.LastUsedDate ?? k.CreateDate);
    if (from) times.push(Date.parse(from) + 90 * DAY);
  }
  if (r.control.id === "IAM.8" && (u.LoginProfile || u.PasswordLastUsed)) {
    const from = u.PasswordLastUsed ?? u.LoginProfile?.CreateDate ?? u.CreateDate;
    if (from) times.push(Date.parse(from) + 90 * DAY);
  }
  const due = times.filter((t) => t <= d.out.discovery);
  return due.length ? Math.min(...due) : undefined;
}

export interface SecurityHubSummary {
  regions: string[];
  controls: number;
}

/** Enables the hub and evaluates its controls over the final state (see the module's comment). */
export function deriveSecurityHub(out: BuildOutput): SecurityHubSummary {
  const spec = out.timeline.securityHub;
  if (!spec) return { regions: [], controls: 0 };
  const account = out.manifest.accountId;
  const enabledAt = timeOf(spec.enabled, out.discovery);
  const regions = spec.regions ?? out.manifest.regions;
  const acct = out.accounts[account];
  const trails = replayTrails(out);
  let controls = 0;
  for (const region of regions) {
    if (!out.manifest.regions.includes(region))
      throw new EvidenceError("securityHub.regions", `${region} is not one of the scenario's regions (${out.manifest.regions.join(", ")})`);
    acct.regions[region] ??= {};
    const services = acct.regions[region];
    const st = withDefaults((services.securityhub ?? emptySecurityHubState()) as SecurityHubState, emptySecurityHubState());
    // A hub the timeline's own EnableSecurityHub call made keeps its time.
    if (!st.hub) enableHub(st, region, account, isoMs(enabledAt));
    const hubAt = Date.parse(st.hub?.SubscribedAt ?? "") || enabledAt;
    const allTrails: StoredTrail[] = [];
    for (const r of Object.keys(acct.regions).sort()) {
      allTrails.push(...Object.values((acct.regions[r].cloudtrail as { trails?: Record<string, StoredTrail> } | undefined)?.trails ?? {}));
    }
    const view: AccountView = {
      accountId: account,
      region,
      homeRegion: out.manifest.homeRegion,
      now: out.discovery,
      ec2: withDefaults(ec2Of(out, account, region) ?? emptyEc2State(), emptyEc2State()),
      iam: withDefaults((acct.global.iam ?? emptyIamState()) as IamState, emptyIamState()),
      trails: allTrails,
      buckets: Object.values(((acct.global.s3 as { buckets?: Record<string, BucketRecord> } | undefined)?.buckets ?? {}) as Record<string, BucketRecord>),
      guardduty: withDefaults((services.guardduty ?? emptyGuardDutyState()) as GuardDutyState, emptyGuardDutyState()),
    };
    const dating: Dating = { out, account, region, trails };
    observe(st, view, isoMs(out.discovery), (r) => {
      const since = becameAt(dating, r) ?? (r.since ? Date.parse(r.since) : undefined);
      return isoMs(since === undefined || since <= hubAt ? hubAt : since + EVALUATION_DELAY);
    });
    services.securityhub = st;
    controls += Object.keys(st.controls).length;
  }
  return { regions, controls };
}
