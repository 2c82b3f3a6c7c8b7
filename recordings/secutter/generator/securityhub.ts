/**
 * Security Hub at discovery: enabled in both regions a year before, with its default standards, and nobody
 * reading it. Its control findings are the controls evaluated over the recorded resources by the emulator's own
 * checks, dated from when each resource appeared (the attacker's security group from its open rule).
 */
import type { CloudTrailState } from "../../../emulator/services/cloudtrail/state.ts";
import type { Ec2State } from "../../../emulator/services/ec2/state.ts";
import type { GuardDutyState } from "../../../emulator/services/guardduty/state.ts";
import type { IamState } from "../../../emulator/services/iam/state.ts";
import type { S3State } from "../../../emulator/services/s3/object-store.ts";
import type { ControlResult } from "../../../emulator/services/securityhub/controls.ts";
import { observe } from "../../../emulator/services/securityhub/evaluation.ts";
import { enableHub } from "../../../emulator/services/securityhub/hub.ts";
import { emptySecurityHubState, type SecurityHubState } from "../../../emulator/services/securityhub/state.ts";
import type { Story } from "./story.ts";
import { iso } from "./time.ts";
import { ACCOUNT, DAY, HOME, MIN, type Region, T, USE1 } from "./world.ts";

/** Config evaluates a changed resource within minutes. */
const EVALUATION_DELAY = 3 * MIN;

export function buildSecurityHub(
  anchor: number,
  story: Story,
  state: { ec2: Record<Region, Ec2State>; iam: IamState; cloudtrail: CloudTrailState; s3: S3State; guardduty: Record<Region, GuardDutyState> },
): Record<Region, SecurityHubState> {
  // The attacker's groups fail the SSH checks from the moment their 0.0.0.0/0 rule was added.
  const opened = new Map<string, number>();
  for (const c of story.attackerCalls) {
    const groupId = (c.requestParameters as { groupId?: string } | null)?.groupId;
    if (c.eventName === "AuthorizeSecurityGroupIngress" && groupId && !c.errorCode) opened.set(groupId, Date.parse(c.eventTime));
  }
  const firstSeen = (r: ControlResult): string | undefined => {
    const groupId = (r.resource.Details as { AwsEc2SecurityGroup?: { GroupId?: string } } | undefined)?.AwsEc2SecurityGroup?.GroupId;
    const t = groupId ? opened.get(groupId) : r.since ? Date.parse(r.since) : undefined;
    return t === undefined ? undefined : iso(Math.max(t, anchor + T.trailCreated + 30 * DAY) + EVALUATION_DELAY);
  };
  const out = {} as Record<Region, SecurityHubState>;
  for (const region of [HOME, USE1] as Region[]) {
    const st = emptySecurityHubState();
    enableHub(st, region, ACCOUNT, iso(anchor + T.trailCreated + 30 * DAY));
    observe(
      st,
      {
        accountId: ACCOUNT,
        region,
        homeRegion: HOME,
        now: anchor,
        ec2: state.ec2[region],
        iam: state.iam,
        trails: Object.values(state.cloudtrail.trails),
        buckets: Object.values(state.s3.buckets),
        guardduty: state.guardduty[region],
      },
      iso(anchor),
      firstSeen,
    );
    out[region] = st;
  }
  return out;
}
