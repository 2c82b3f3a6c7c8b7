/** What a student does with the real aws CLI: look up events across thousands of records, watch a trail stop. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CloudTrailClient, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { importCloudTrail } from "../../emulator/scenario/import-cloudtrail.ts";
import { attachTrailDelivery, flushTrailDelivery } from "../../emulator/services/cloudtrail/delivery.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";
import { listKeys } from "../helpers/s3.ts";

const INVICTUS = join(import.meta.dirname, "../fixtures/invictus-ir");
type Rec = Record<string, any>;
const invictus: Rec[] = readdirSync(INVICTUS)
  .filter((f) => f.endsWith(".json.gz"))
  .flatMap((f) => JSON.parse(gunzipSync(readFileSync(join(INVICTUS, f))).toString("utf8")).Records as Rec[]);

describe.skipIf(!hasAwsCli)("aws cloudtrail lookup-events over the imported Invictus IR dataset", () => {
  let recordings: string;
  let server: TestServer;

  beforeAll(async () => {
    recordings = mkdtempSync(join(tmpdir(), "ir-range-recordings-"));
    importCloudTrail([INVICTUS], { scenario: "invictus", recordingsDir: recordings });
    server = await startTestServer({ scenario: "invictus", recordingsDir: recordings });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(recordings, { recursive: true, force: true });
  });

  it("auto-pages through thousands of events for one attribute", async () => {
    const expected = invictus.filter((r) => r.readOnly === true && r.managementEvent !== false);
    expect(expected.length).toBeGreaterThan(1000);
    // A server of its own: the other tests' calls are read-only events too, and would be in the answer.
    const own = await startTestServer({ scenario: "invictus", recordingsDir: recordings });
    onTestFinished(() => own.stop());
    const r = await aws(own, ["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=true", "--output", "json"]);
    expect(r.status, r.stderr).toBe(0);
    const events = r.json().Events as Rec[];
    expect(events.length).toBe(expected.length);
    expect(new Set(events.map((e) => e.EventId))).toEqual(new Set(expected.map((x) => x.eventID)));
  });

  it("finds the attacker's StopLogging calls by name", async () => {
    const r = await aws(server, ["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=StopLogging"]);
    const events = r.json().Events as Rec[];
    expect(events.map((e) => e.EventId).sort()).toEqual(
      invictus
        .filter((x) => x.eventName === "StopLogging")
        .map((x) => x.eventID)
        .sort(),
    );
    expect(events[0].CloudTrailEvent).toContain('"eventName":"StopLogging"');
  });

  it("shows the student's own call with their identity and the CLI's user agent", async () => {
    await aws(server, ["cloudtrail", "describe-trails"]);
    const r = await aws(server, [
      "cloudtrail",
      "lookup-events",
      "--lookup-attributes",
      "AttributeKey=EventName,AttributeValue=DescribeTrails",
      "--max-items",
      "1",
    ]);
    const e = r.json().Events[0];
    expect(e.Username).toBe("ir-responder");
    expect(e.AccessKeyId).toBe(server.credentials.accessKeyId);
    const rec = JSON.parse(e.CloudTrailEvent);
    expect(rec.userIdentity).toMatchObject({ type: "IAMUser", userName: "ir-responder", arn: `arn:aws:iam::${server.accountId}:user/ir-responder` });
    expect(rec.userAgent).toMatch(/^aws-cli\/1\./);
  });
});

describe.skipIf(!hasAwsCli)("aws cloudtrail stop-logging against the basic trail", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scenario: "basic" });
    attachTrailDelivery(server.emulator.runtime);
  });
  afterAll(() => server?.stop());

  /** The event ids in every file delivered so far to the trail's bucket (read in-process; s3 cp of such files is in secutter-student-cli). */
  async function deliveredEventIds(): Promise<Set<string>> {
    await flushTrailDelivery(server.emulator.runtime);
    const s3 = new S3Client(server.sdk());
    const ids = new Set<string>();
    for (const key of await listKeys(s3, "basic-evidence", "AWSLogs/")) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: "basic-evidence", Key: key }));
      const bytes = Buffer.from((await obj.Body?.transformToByteArray()) ?? []);
      for (const rec of JSON.parse(gunzipSync(bytes).toString("utf8")).Records) ids.add(rec.eventID);
    }
    return ids;
  }

  it("delivers calls to the bucket until the trail is stopped, and get-trail-status says so", async () => {
    await aws(server, ["ec2", "describe-instances"]);
    // The journal as it is now (a copy: read it again after later calls).
    const journal = () => [...server.emulator.runtime.journal];
    const describe = journal()
      .filter((r) => r.eventName === "DescribeInstances")
      .at(-1);
    expect((await deliveredEventIds()).has(describe?.eventID as string)).toBe(true);
    const status = await new CloudTrailClient(server.sdk()).send(new GetTrailStatusCommand({ Name: "management-events" }));
    expect(status.IsLogging).toBe(true);
    expect(status.LatestDeliveryTime).toBeInstanceOf(Date);

    expect((await aws(server, ["cloudtrail", "stop-logging", "--name", "management-events"])).status).toBe(0);
    await aws(server, ["iam", "list-users"]);
    const stopped = (await aws(server, ["cloudtrail", "get-trail-status", "--name", "management-events"])).json();
    expect(stopped.IsLogging).toBe(false);
    expect(stopped.StopLoggingTime).toBeTruthy();
    const ids = await deliveredEventIds();
    const stopCall = journal()
      .filter((r) => r.eventName === "StopLogging")
      .at(-1);
    const listCall = journal()
      .filter((r) => r.eventName === "ListUsers")
      .at(-1);
    expect(stopCall && listCall).toBeTruthy();
    expect(ids.has(stopCall?.eventID as string)).toBe(true);
    expect(ids.has(listCall?.eventID as string)).toBe(false);
  });
});
