/** Trails and their delivery of the responder's own calls to the trail bucket (SDK v3, basic scenario). */
import { gunzipSync } from "node:zlib";
import {
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetInsightSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attachTrailDelivery, flushTrailDelivery } from "../../emulator/services/cloudtrail/delivery.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const TRAIL = "management-events";
const TRAIL_ARN = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/management-events";
const LOG_PREFIX = "AWSLogs/123456789012/CloudTrail/ap-northeast-1/";

let server: TestServer;
let ct: CloudTrailClient;
let s3: S3Client;

beforeEach(async () => {
  server = await startTestServer({ scenario: "basic" });
  attachTrailDelivery(server.emulator.runtime);
  ct = new CloudTrailClient(server.sdk());
  s3 = new S3Client(server.sdk());
});
afterEach(() => server?.stop());

/** Every record delivered so far to the basic trail's bucket, with the keys of the files. */
async function delivered(): Promise<{ keys: string[]; records: Record<string, any>[] }> {
  await flushTrailDelivery(server.emulator.runtime);
  const list = await s3.send(new ListObjectsV2Command({ Bucket: "basic-evidence", Prefix: "AWSLogs/" }));
  const keys = (list.Contents ?? []).map((c) => c.Key as string);
  const records: Record<string, any>[] = [];
  for (const key of keys) {
    const obj = await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: key }));
    const bytes = Buffer.from((await obj.Body?.transformToByteArray()) ?? []);
    records.push(...JSON.parse(gunzipSync(bytes).toString("utf8")).Records);
  }
  return { keys, records };
}

describe("trail operations", () => {
  it("gets, lists and describes the recorded trail", async () => {
    const t = (await ct.send(new GetTrailCommand({ Name: TRAIL }))).Trail;
    expect(t).toMatchObject({ Name: TRAIL, TrailARN: TRAIL_ARN, S3BucketName: "basic-evidence", IsMultiRegionTrail: true, HomeRegion: "ap-northeast-1" });
    expect((await ct.send(new GetTrailCommand({ Name: TRAIL_ARN }))).Trail?.Name).toBe(TRAIL);
    expect((await ct.send(new ListTrailsCommand({}))).Trails).toEqual([{ TrailARN: TRAIL_ARN, Name: TRAIL, HomeRegion: "ap-northeast-1" }]);
    // A multi-region trail shows in other regions as a shadow trail.
    expect((await new CloudTrailClient(server.sdk("us-west-2")).send(new DescribeTrailsCommand({}))).trailList?.[0].TrailARN).toBe(TRAIL_ARN);
    await expect(ct.send(new GetTrailCommand({ Name: "no-such-trail" }))).rejects.toMatchObject({
      name: "TrailNotFoundException",
      message: "Unknown trail: arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/no-such-trail for the user: 123456789012",
    });
  });

  it("reports the default event selectors and no Insights", async () => {
    const sel = await ct.send(new GetEventSelectorsCommand({ TrailName: TRAIL }));
    expect(sel.EventSelectors).toEqual([{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
    await expect(ct.send(new GetInsightSelectorsCommand({ TrailName: TRAIL }))).rejects.toMatchObject({ name: "InsightNotEnabledException" });
  });

  it("creates, updates and deletes a trail, validating first", async () => {
    await expect(ct.send(new CreateTrailCommand({ Name: "scratch", S3BucketName: "no-such-bucket" }))).rejects.toMatchObject({
      name: "S3BucketDoesNotExistException",
    });
    await expect(ct.send(new CreateTrailCommand({ Name: "-bad name", S3BucketName: "basic-evidence" }))).rejects.toMatchObject({
      name: "InvalidTrailNameException",
    });
    const created = await ct.send(new CreateTrailCommand({ Name: "scratch", S3BucketName: "basic-evidence", S3KeyPrefix: "scratch" }));
    expect(created).toMatchObject({ Name: "scratch", TrailARN: "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/scratch", IsMultiRegionTrail: false });
    await expect(ct.send(new CreateTrailCommand({ Name: "scratch", S3BucketName: "basic-evidence" }))).rejects.toMatchObject({
      name: "TrailAlreadyExistsException",
    });
    expect((await ct.send(new GetTrailStatusCommand({ Name: "scratch" }))).IsLogging).toBe(false);
    const updated = await ct.send(new UpdateTrailCommand({ Name: "scratch", EnableLogFileValidation: true }));
    expect(updated.LogFileValidationEnabled).toBe(true);
    await expect(new CloudTrailClient(server.sdk("us-west-2")).send(new DeleteTrailCommand({ Name: created.TrailARN }))).rejects.toMatchObject({
      name: "InvalidHomeRegionException",
    });
    await ct.send(new DeleteTrailCommand({ Name: "scratch" }));
    await expect(ct.send(new GetTrailCommand({ Name: "scratch" }))).rejects.toMatchObject({ name: "TrailNotFoundException" });
  });
});

describe("the responder's calls in LookupEvents", () => {
  it("are found by the resource they touched, in the region they were made", async () => {
    await new EC2Client(server.sdk()).send(new DescribeInstancesCommand({ InstanceIds: ["i-0a1b2c3d4e5f60001"] }));
    const byName = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: "i-0a1b2c3d4e5f60001" }] }));
    expect(byName.Events?.[0]).toMatchObject({
      EventName: "DescribeInstances",
      EventSource: "ec2.amazonaws.com",
      ReadOnly: "true",
      Username: "ir-responder",
      Resources: [{ ResourceType: "AWS::EC2::Instance", ResourceName: "i-0a1b2c3d4e5f60001" }],
    });
    const west = new CloudTrailClient(server.sdk("us-west-2"));
    const inWest = await west.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DescribeInstances" }] }));
    expect(inWest.Events).toEqual([]);
  });
});

describe("trail delivery", () => {
  it("delivers the responder's calls while logging, and nothing after StopLogging", async () => {
    const before = await ct.send(new GetTrailStatusCommand({ Name: TRAIL }));
    expect(before.IsLogging).toBe(true);
    // The recording's last delivery, moved with the scenario to shortly before discovery.
    expect(before.LatestDeliveryTime?.getTime()).toBeLessThan(server.emulator.runtime.anchor.getTime());
    expect(before.TimeLoggingStopped).toBe("");
    await ct.send(new DescribeTrailsCommand({}));
    await new CloudTrailClient(server.sdk("us-west-2")).send(new ListTrailsCommand({}));
    const first = await delivered();
    expect(first.keys.length).toBeGreaterThan(0);
    // A multi-region trail files each region's events under that region (ListTrails above was called in us-west-2).
    for (const k of first.keys) {
      const m =
        /^AWSLogs\/123456789012\/CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/123456789012_CloudTrail_([a-z0-9-]+)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/.exec(
          k,
        );
      expect(m, k).not.toBeNull();
      expect(m?.[1]).toBe(m?.[2]);
    }
    expect(first.keys.some((k) => k.startsWith(LOG_PREFIX))).toBe(true);
    expect(first.records.some((r) => r.awsRegion === "us-west-2")).toBe(true);
    // The journal as it is now (a copy: read it again after later calls).
    const journal = () => [...server.emulator.runtime.journal];
    const describeCall = journal()
      .filter((r) => r.eventName === "DescribeTrails")
      .at(-1);
    const got = first.records.find((r) => r.eventID === describeCall?.eventID);
    expect(got).toMatchObject({ eventName: "DescribeTrails", userIdentity: { userName: "ir-responder" }, awsRegion: "ap-northeast-1" });
    const status = await ct.send(new GetTrailStatusCommand({ Name: TRAIL }));
    expect(status.LatestDeliveryTime).toBeInstanceOf(Date);

    await ct.send(new StopLoggingCommand({ Name: TRAIL }));
    const stopped = await ct.send(new GetTrailStatusCommand({ Name: TRAIL }));
    expect(stopped.IsLogging).toBe(false);
    expect(stopped.StopLoggingTime).toBeInstanceOf(Date);
    expect(stopped.TimeLoggingStopped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(stopped.LatestDeliveryAttemptSucceeded).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await ct.send(new ListTrailsCommand({}));
    const afterStop = await delivered();
    // The StopLogging call itself is logged — it is what responders look for — but nothing after it.
    const stopCall = journal()
      .filter((r) => r.eventName === "StopLogging")
      .at(-1);
    const listCall = journal()
      .filter((r) => r.eventName === "ListTrails")
      .at(-1);
    expect(stopCall && listCall).toBeTruthy();
    expect(afterStop.records.map((r) => r.eventID)).toContain(stopCall?.eventID);
    expect(afterStop.records.map((r) => r.eventID)).not.toContain(listCall?.eventID);
    const after = journal();
    const stopIndex = after.findIndex((r) => r.eventName === "StopLogging");
    for (const r of after.slice(stopIndex + 1)) expect(afterStop.records.some((d) => d.eventID === r.eventID)).toBe(false);

    await ct.send(new StartLoggingCommand({ Name: TRAIL }));
    const restarted = await ct.send(new GetTrailStatusCommand({ Name: TRAIL }));
    expect(restarted.IsLogging).toBe(true);
    expect(restarted.StartLoggingTime?.getTime()).toBeGreaterThanOrEqual(stopped.StopLoggingTime?.getTime() ?? 0);
    await ct.send(new GetTrailCommand({ Name: TRAIL }));
    expect((await delivered()).records.map((r) => r.eventName)).toContain("GetTrail");
  });

  it("delivers S3 data events only when the event selectors include them", async () => {
    await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    expect((await delivered()).records.filter((r) => r.eventName === "GetObject")).toHaveLength(0);

    await ct.send(
      new PutEventSelectorsCommand({
        TrailName: TRAIL,
        EventSelectors: [
          { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3:::basic-evidence/notes/"] }] },
        ],
      }),
    );
    expect((await ct.send(new GetTrailCommand({ Name: TRAIL }))).Trail?.HasCustomEventSelectors).toBe(true);
    await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: "notes/readme.txt" }));
    const reads = (await delivered()).records.filter((r) => r.eventName === "GetObject");
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ eventCategory: "Data", managementEvent: false });

    // Advanced selectors: management events only, read-only excluded.
    await ct.send(
      new PutEventSelectorsCommand({
        TrailName: TRAIL,
        AdvancedEventSelectors: [
          {
            Name: "writes only",
            FieldSelectors: [
              { Field: "eventCategory", Equals: ["Management"] },
              { Field: "readOnly", Equals: ["false"] },
            ],
          },
        ],
      }),
    );
    const adv = await ct.send(new GetEventSelectorsCommand({ TrailName: TRAIL }));
    expect(adv.AdvancedEventSelectors?.[0].Name).toBe("writes only");
    expect(adv.EventSelectors).toBeUndefined();
    const seen = new Set((await delivered()).records.map((r) => r.eventID));
    await ct.send(new ListTrailsCommand({}));
    await ct.send(new StartLoggingCommand({ Name: TRAIL }));
    const newer = (await delivered()).records.filter((r) => !seen.has(r.eventID)).map((r) => r.eventName);
    expect(newer).toContain("StartLogging");
    expect(newer).not.toContain("ListTrails");
    await expect(ct.send(new PutEventSelectorsCommand({ TrailName: TRAIL }))).rejects.toMatchObject({ name: "InvalidParameterCombinationException" });
  });
});
