/** LookupEvents over imported real CloudTrail data (Invictus IR, Stratus Red Team) and the responder's own calls. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandInput,
  paginateLookupEvents,
} from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCloudTrail } from "../../emulator/scenario/import-cloudtrail.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const INVICTUS = join(FIXTURES, "invictus-ir");
const STRATUS_STOP = join(FIXTURES, "stratus-red-team/aws.defense-evasion.cloudtrail-stop.json.gz");

type Rec = Record<string, any>;
const invictus: Rec[] = readdirSync(INVICTUS)
  .filter((f) => f.endsWith(".json.gz"))
  .flatMap((f) => JSON.parse(gunzipSync(readFileSync(join(INVICTUS, f))).toString("utf8")).Records as Rec[]);
/** LookupEvents serves management events of the region called. */
const managementIn = (region: string) => invictus.filter((r) => r.awsRegion === region && r.managementEvent !== false && r.eventCategory !== "Data");

let recordings: string;
let server: TestServer;
let ct: CloudTrailClient;

beforeAll(async () => {
  recordings = mkdtempSync(join(tmpdir(), "ir-range-recordings-"));
  importCloudTrail([INVICTUS], { scenario: "invictus", recordingsDir: recordings });
  importCloudTrail([STRATUS_STOP], { scenario: "stratus-stop", recordingsDir: recordings, bucket: "stratus-trail-logs" });
  server = await startTestServer({ scenario: "invictus", recordingsDir: recordings });
  ct = new CloudTrailClient(server.sdk());
});

afterAll(async () => {
  await server?.stop();
  rmSync(recordings, { recursive: true, force: true });
});

async function all(input: LookupEventsCommandInput, client = ct, pageSize = 50): Promise<Event[]> {
  const out: Event[] = [];
  for await (const page of paginateLookupEvents({ client, pageSize }, input)) out.push(...(page.Events ?? []));
  return out;
}

describe("LookupEvents over the imported Invictus IR dataset", () => {
  it("finds exactly the StopLogging records of the files, by count and EventId", async () => {
    const expected = invictus.filter((r) => r.eventName === "StopLogging");
    expect(expected.length).toBe(3);
    const got = await all({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "StopLogging" }] });
    expect(got.map((e) => e.EventId).sort()).toEqual(expected.map((r) => r.eventID).sort());
    for (const e of got) {
      const rec = JSON.parse(e.CloudTrailEvent ?? "{}");
      expect(rec.eventName).toBe("StopLogging");
      expect(e.EventSource).toBe("cloudtrail.amazonaws.com");
      expect(e.ReadOnly).toBe("false");
      expect(e.Resources).toContainEqual({ ResourceType: "AWS::CloudTrail::Trail", ResourceName: rec.requestParameters.name });
    }
  });

  it("pages through every management event of the region, newest first, without gaps or repeats", async () => {
    const expected = managementIn(server.region);
    expect(expected.length).toBeGreaterThan(2000);
    // The recording's events; the responder's own calls (this suite's lookups) come on top of them.
    const got = (await all({}, ct, 50)).filter((e) => e.AccessKeyId !== server.credentials.accessKeyId);
    expect(got.length).toBe(expected.length);
    expect(new Set(got.map((e) => e.EventId)).size).toBe(got.length);
    expect(new Set(got.map((e) => e.EventId))).toEqual(new Set(expected.map((r) => r.eventID)));
    for (let i = 1; i < got.length; i++) expect(got[i - 1].EventTime?.getTime()).toBeGreaterThanOrEqual(got[i].EventTime?.getTime() ?? 0);
  });

  it("filters by each lookup attribute", async () => {
    const sample = managementIn(server.region).find((r) => r.eventName === "GetPasswordData") as Rec;
    const user = sample.userIdentity.arn.split("/").pop();
    const key = sample.userIdentity.accessKeyId;
    const cases: [string, string, (r: Rec) => boolean][] = [
      ["EventId", sample.eventID, (r) => r.eventID === sample.eventID],
      ["EventSource", "secretsmanager.amazonaws.com", (r) => r.eventSource === "secretsmanager.amazonaws.com"],
      ["AccessKeyId", key, (r) => r.userIdentity?.accessKeyId === key],
      ["ReadOnly", "false", (r) => r.readOnly === false],
      [
        "Username",
        user,
        (r) =>
          (r.userIdentity?.userName ??
            String(r.userIdentity?.arn ?? "")
              .split("/")
              .pop()) === user,
      ],
    ];
    for (const [AttributeKey, AttributeValue, pred] of cases) {
      const expected = managementIn(server.region).filter(pred);
      const got = await all({ LookupAttributes: [{ AttributeKey: AttributeKey as "EventId", AttributeValue }] });
      expect(got.length, `${AttributeKey}=${AttributeValue}`).toBe(expected.length);
      expect(new Set(got.map((e) => e.EventId))).toEqual(new Set(expected.map((r) => r.eventID)));
    }
    // Resources derived from request parameters: the instance whose password was read.
    const instanceId = sample.requestParameters.instanceId as string;
    const byName = await all({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: instanceId }] });
    expect(byName.map((e) => e.EventId)).toContain(sample.eventID);
    for (const e of byName) expect(e.CloudTrailEvent).toContain(instanceId);
    const byType = await all({ LookupAttributes: [{ AttributeKey: "ResourceType", AttributeValue: "AWS::EC2::Instance" }] });
    expect(byType.map((e) => e.EventId)).toEqual(expect.arrayContaining(byName.map((e) => e.EventId)));
  });

  it("honours StartTime and EndTime (inclusive) on the shifted timeline", async () => {
    const newestFirst = await all({});
    const end = newestFirst[100].EventTime as Date;
    const start = newestFirst[400].EventTime as Date;
    const expected = newestFirst.filter((e) => (e.EventTime as Date) >= start && (e.EventTime as Date) <= end);
    const got = await all({ StartTime: start, EndTime: end });
    expect(got.map((e) => e.EventId)).toEqual(expected.map((e) => e.EventId));
  });

  it("keeps a NextToken valid while new events arrive", async () => {
    const first = await ct.send(new LookupEventsCommand({ MaxResults: 5 }));
    expect(first.NextToken).toBeTruthy();
    for (let i = 0; i < 3; i++) await ct.send(new DescribeTrailsCommand({}));
    const second = await ct.send(new LookupEventsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    const before = await all({}, ct);
    // The second page continues right after the first, though newer events now head the list.
    const firstIdx = before.findIndex((e) => e.EventId === first.Events?.[4].EventId);
    expect(second.Events?.map((e) => e.EventId)).toEqual(before.slice(firstIdx + 1, firstIdx + 6).map((e) => e.EventId));
    expect(before[0].EventName).toBe("LookupEvents");
  });

  it("returns nothing for another region", async () => {
    const other = new CloudTrailClient(server.sdk("eu-west-1"));
    expect((await other.send(new LookupEventsCommand({}))).Events).toEqual([]);
  });

  it("shows the responder's own calls with their identity and user agent", async () => {
    await ct.send(new DescribeTrailsCommand({ trailNameList: ["management-events"] }));
    const got = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "DescribeTrails" }], MaxResults: 1 }));
    const e = got.Events?.[0] as Event;
    expect(e.Username).toBe("ir-responder");
    expect(e.AccessKeyId).toBe(server.credentials.accessKeyId);
    const rec = JSON.parse(e.CloudTrailEvent ?? "{}");
    expect(rec.userIdentity.arn).toBe(`arn:aws:iam::${server.accountId}:user/ir-responder`);
    expect(rec.userAgent).toMatch(/aws-sdk-js/);
    expect(rec.requestParameters).toEqual({ trailNameList: ["management-events"] });
  });

  it("rejects what AWS rejects", async () => {
    const cases: [LookupEventsCommandInput, string][] = [
      [
        {
          LookupAttributes: [
            { AttributeKey: "EventName", AttributeValue: "StopLogging" },
            { AttributeKey: "Username", AttributeValue: "x" },
          ],
        },
        "InvalidLookupAttributesException",
      ],
      [{ StartTime: new Date("2024-02-01T00:00:00Z"), EndTime: new Date("2024-01-01T00:00:00Z") }, "InvalidTimeRangeException"],
      [{ MaxResults: 0 }, "InvalidMaxResultsException"],
      [{ MaxResults: 51 }, "InvalidMaxResultsException"],
      [{ NextToken: "bm90LWEtdG9rZW4=" }, "InvalidNextTokenException"],
    ];
    for (const [input, name] of cases) await expect(ct.send(new LookupEventsCommand(input)), name).rejects.toMatchObject({ name });
    // A token is bound to its query.
    const page = await ct.send(new LookupEventsCommand({ MaxResults: 2 }));
    await expect(
      ct.send(new LookupEventsCommand({ MaxResults: 2, NextToken: page.NextToken, LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "true" }] })),
    ).rejects.toMatchObject({ name: "InvalidNextTokenException" });
  });

  it("puts the original log files in the trail bucket, moved in time as the history is (#16 item 10)", async () => {
    const s3 = new S3Client(server.sdk());
    const manifest = JSON.parse(readFileSync(join(recordings, "invictus/state.json"), "utf8"));
    const bucket = Object.keys(manifest.accounts[server.accountId].global.s3.buckets)[0];
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "AWSLogs/", ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((c) => c.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    const names = readdirSync(INVICTUS).filter((f) => f.endsWith(".json.gz"));
    // Every original file under its own id (its stamp moves); anything else is the trail delivering this suite's own calls.
    const idOf = (k: string) => /_([A-Za-z0-9]{16})\.json\.gz$/.exec(k)?.[1];
    const originals = keys.filter((k) => k.startsWith("AWSLogs/218007301253/") && names.some((n) => idOf(n) === idOf(k)));
    expect(originals.length).toBe(names.length);
    const today = server.emulator.runtime.clock.now().toISOString().slice(0, 10).replaceAll("-", "");
    expect(keys.filter((k) => !originals.includes(k)).every((k) => k.includes(`_CloudTrail_us-east-1_${today}T`))).toBe(true);
    const name = names[0];
    const key = keys.find((k) => idOf(k) === idOf(name)) as string;
    const recordedDiscovery = JSON.parse(readFileSync(join(recordings, "invictus/scenario.json"), "utf8")).recordedDiscovery;
    const delta = server.emulator.runtime.anchor.getTime() - Date.parse(recordedDiscovery);
    const [, y, mo, d, hm] = /_(\d{4})(\d{2})(\d{2})T(\d{4})Z_/.exec(name) as RegExpExecArray;
    const stamp = new Date(Date.parse(`${y}-${mo}-${d}T${hm.slice(0, 2)}:${hm.slice(2)}:00Z`) + delta).toISOString();
    expect(key).toBe(
      `AWSLogs/218007301253/CloudTrail/us-east-1/${stamp.slice(0, 10).replaceAll("-", "/")}/${name.replace(/\d{8}T\d{4}Z/, `${stamp.slice(0, 16).replace(/[-:]/g, "")}Z`)}`,
    );
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray();
    const served = JSON.parse(gunzipSync(Buffer.from(body ?? [])).toString("utf8")).Records as Rec[];
    const original = JSON.parse(gunzipSync(readFileSync(join(INVICTUS, name))).toString("utf8")).Records as Rec[];
    expect(served.map((r) => r.eventID)).toEqual(original.map((r) => r.eventID));
    expect(served.map((r) => Date.parse(r.eventTime) - delta)).toEqual(original.map((r) => Date.parse(r.eventTime)));
  });
});

describe("LookupEvents over an imported Stratus Red Team detonation log", () => {
  let stratus: TestServer;
  const recs: Rec[] = JSON.parse(gunzipSync(readFileSync(STRATUS_STOP)).toString("utf8"));

  beforeAll(async () => {
    stratus = await startTestServer({ scenario: "stratus-stop", recordingsDir: recordings });
  });
  afterAll(() => stratus?.stop());

  it("keeps the StopLogging call in the region it was made in, and its log file in the bucket", async () => {
    // Stratus obfuscates the region's name ("apiso-centralnorth-2r"): no client can sign for it, as AWS has no such
    // region, so the call is looked for in-process, where LookupEvents answers per region as it does over HTTP.
    const region = recs[0].awsRegion as string;
    const refused = new CloudTrailClient(stratus.sdk(region)).send(new LookupEventsCommand({}));
    await expect(refused).rejects.toThrow(/Credential should be scoped to a valid region/);
    const { cloudtrail } = await import("../../emulator/services/cloudtrail/index.ts");
    const lookup = cloudtrail.operations.LookupEvents?.handler;
    if (!lookup) throw new Error("LookupEvents is not declared");
    const rt = stratus.emulator.runtime;
    const principal = { ...rt.manifest.credentials[0].principal, accessKeyId: rt.responder().accessKeyId };
    const ctx = {
      requestId: "r",
      accountId: stratus.accountId,
      region,
      service: "cloudtrail",
      operation: "LookupEvents",
      principal,
      accessKeyId: principal.accessKeyId,
      sourceIp: "127.0.0.1",
      userAgent: "test",
      time: rt.clock.now(),
      readOnly: true,
      runtime: rt,
    };
    const out = (await lookup({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "StopLogging" }] }, ctx)) as {
      Events?: { EventId?: string; Username?: string }[];
    };
    expect(out.Events?.map((e) => e.EventId)).toEqual([recs[0].eventID]);
    expect(out.Events?.[0].Username).toBe(recs[0].userIdentity.userName);
    expect(stratus.accountId).toBe(recs[0].recipientAccountId);

    const s3 = new S3Client(stratus.sdk());
    const list = await s3.send(new ListObjectsV2Command({ Bucket: "stratus-trail-logs", Prefix: `AWSLogs/${stratus.accountId}/CloudTrail/${region}/` }));
    const key = list.Contents?.[0]?.Key as string;
    expect(key).toMatch(new RegExp(`_CloudTrail_${region}_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    const obj = await s3.send(new GetObjectCommand({ Bucket: "stratus-trail-logs", Key: key }));
    const delivered = JSON.parse(gunzipSync(Buffer.from(await (obj.Body?.transformToByteArray() ?? new Uint8Array()))).toString("utf8"));
    expect(delivered.Records.map((r: Rec) => r.eventID)).toEqual([recs[0].eventID]);
  });
});
