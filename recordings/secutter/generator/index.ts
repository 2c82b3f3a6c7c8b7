/**
 * The secutter scenario: a small SNS on one EC2 instance, breached through an SSRF in its icon-from-URL
 * feature; the instance role's credentials were used from outside AWS to steal a DB dump and launch miners.
 */

import type { GeneratorOptions, ScenarioContent } from "../../../emulator/core/scenario.ts";
import type { CloudTrailState } from "../../../emulator/services/cloudtrail/state.ts";
import type { BucketRecord, S3State } from "../../../emulator/services/s3/object-store.ts";
import { buildAthena } from "./athena.ts";
import { buildEc2 } from "./ec2.ts";
import { buildGuardDuty } from "./guardduty.ts";
import { buildIam } from "./iam.ts";
import { buildObjects, type SecutterObjects } from "./objects.ts";
import { buildSecurityHub } from "./securityhub.ts";
import { buildStory, type Story } from "./story.ts";
import { buildSts } from "./sts.ts";
import { iso } from "./time.ts";
import { STOLEN_ICON } from "./web.ts";
import { ACCOUNT, AMI, DOMAIN, HOME, IP, KEYS, MINERS, NAMES, NET, type Region, T, USE1, WEB } from "./world.ts";

export interface SecutterContent extends ScenarioContent {
  objects: SecutterObjects;
  story: Story;
}

export function generate({ manifest, anchor }: GeneratorOptions): SecutterContent {
  if (manifest.accountId !== ACCOUNT) throw new Error(`secutter generator: manifest account ${manifest.accountId} is not ${ACCOUNT}`);
  const a = anchor.getTime();
  const story = buildStory(a);
  const ec2 = buildEc2(a, story);
  const gd = buildGuardDuty(a, story);
  const at = (off: number) => iso(a + off);
  const trailArn = `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/${NAMES.trail}`;
  const cloudtrail: CloudTrailState = {
    trails: {
      [trailArn]: {
        Name: NAMES.trail,
        S3BucketName: NAMES.evidence,
        IncludeGlobalServiceEvents: true,
        IsMultiRegionTrail: true,
        HomeRegion: HOME,
        TrailARN: trailArn,
        LogFileValidationEnabled: false,
        HasCustomEventSelectors: true,
        HasInsightSelectors: false,
        IsOrganizationTrail: false,
        IsLogging: true,
        StartLoggingTime: at(T.trailCreated),
      },
    },
  };
  const bucket = (name: string, created: number, extra: Partial<BucketRecord> = {}): BucketRecord => ({
    name,
    region: HOME,
    creationDate: at(created),
    publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    objects: {},
    deleted: [],
    ...extra,
  });
  const s3: S3State = {
    buckets: {
      [NAMES.evidence]: bucket(NAMES.evidence, T.trailCreated - 600_000, {
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AWSCloudTrailAclCheck",
              Effect: "Allow",
              Principal: { Service: "cloudtrail.amazonaws.com" },
              Action: "s3:GetBucketAcl",
              Resource: `arn:aws:s3:::${NAMES.evidence}`,
            },
            {
              Sid: "AWSCloudTrailWrite",
              Effect: "Allow",
              Principal: { Service: "cloudtrail.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `arn:aws:s3:::${NAMES.evidence}/AWSLogs/${ACCOUNT}/*`,
              Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "AWS:SourceArn": trailArn } },
            },
            {
              Sid: "AWSLogDeliveryWrite",
              Effect: "Allow",
              Principal: { Service: "delivery.logs.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `arn:aws:s3:::${NAMES.evidence}/AWSLogs/${ACCOUNT}/*`,
              Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT } },
            },
            {
              Sid: "AWSLogDeliveryAclCheck",
              Effect: "Allow",
              Principal: { Service: "delivery.logs.amazonaws.com" },
              Action: "s3:GetBucketAcl",
              Resource: `arn:aws:s3:::${NAMES.evidence}`,
            },
          ],
        }),
        tags: [{ Key: "Purpose", Value: "logs-and-evidence" }],
      }),
      [NAMES.backups]: bucket(NAMES.backups, T.webLaunch - 86_400_000, { versioning: { Status: "Enabled" }, tags: [{ Key: "Service", Value: "secutter" }] }),
      [NAMES.uploads]: bucket(NAMES.uploads, T.webLaunch - 86_400_000, { tags: [{ Key: "Service", Value: "secutter" }] }),
    },
  };
  const iam = buildIam(a, story);
  const securityhub = buildSecurityHub(a, story, { ec2, iam, cloudtrail, s3, guardduty: gd });
  return {
    accounts: {
      [ACCOUNT]: {
        global: { iam, s3, sts: buildSts(a, story) },
        regions: {
          [HOME]: { ec2: ec2[HOME], cloudtrail, guardduty: gd[HOME], securityhub: securityhub[HOME], athena: buildAthena(at(T.logsCopied + 600_000)) },
          [USE1]: { ec2: ec2[USE1], cloudtrail: { trails: {} }, guardduty: gd[USE1], securityhub: securityhub[USE1] },
        },
      },
    },
    objects: buildObjects(a, story),
    // Read when first needed (LookupEvents, the evidence bucket), not at start.
    get history() {
      return story.history;
    },
    prepare: () => story.prepare(),
    story,
  };
}

/** The answer facts for graders: everything a good report names, for a given anchor. */
export function secutterFacts(anchor: Date) {
  const a = anchor.getTime();
  const story = buildStory(a);
  const first = story.attackerCalls[0];
  const runs = story.attackerCalls.filter((c) => c.eventName === "RunInstances" && !c.errorCode);
  return {
    accountId: ACCOUNT,
    attackerIp: IP.attacker,
    officeIp: IP.office,
    webServer: { instanceId: WEB.instanceId, region: HOME, publicIp: IP.webEip, privateIp: IP.webPrivate, securityGroupId: NET.webSgId },
    role: { name: NAMES.webRole, managedPolicy: "arn:aws:iam::aws:policy/AmazonEC2FullAccess", imdsHttpTokens: "optional" },
    stolenAccessKeyId: story.stolen.accessKeyId,
    stolenSessionIssued: iso(a + story.stolen.issued),
    ssrf: {
      time: iso(a + T.ssrf),
      request: `/profile/icon?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/${NAMES.webRole}`,
      savedIcon: { bucket: NAMES.uploads, key: `icons/241/${STOLEN_ICON}` },
    },
    scanStart: iso(a + T.scanStart),
    firstMaliciousCall: { eventName: first.eventName, eventSource: first.eventSource, eventTime: first.eventTime, eventID: first.eventID },
    lastAttackerCall: {
      eventName: story.attackerCalls[story.attackerCalls.length - 1].eventName,
      eventTime: story.attackerCalls[story.attackerCalls.length - 1].eventTime,
    },
    attackerApiCalls: story.attackerCalls.length,
    exfiltrated: { bucket: NAMES.backups, key: story.exfiltratedKey },
    keyPairName: NAMES.minerKey,
    keyPairIds: { [HOME]: KEYS.miner[HOME].id, [USE1]: KEYS.miner[USE1].id },
    securityGroups: { ...NET.attackerSg, name: NAMES.attackerSg },
    miners: Object.fromEntries(([HOME, USE1] as Region[]).map((r) => [r, MINERS[r].map((m) => m.instanceId)])) as Record<Region, string[]>,
    minerType: "c5.4xlarge",
    runInstancesEventIds: runs.map((c) => c.eventID),
    minerDownload: `http://${IP.minerHost}/xmrig`,
    pool: `${DOMAIN.pool}:${DOMAIN.poolPort}`,
    poolIp: IP.minerHost,
    ctoActions: {
      stopMiners: { [HOME]: iso(a + T.stopMinersHome), [USE1]: iso(a + T.stopMinersUse1) },
      createImage: { time: iso(a + T.createImage), imageId: AMI.backupImage, snapshotId: AMI.backupSnapshot },
      stopWeb: iso(a + T.stopWeb),
    },
  };
}

export type SecutterFacts = ReturnType<typeof secutterFacts>;
