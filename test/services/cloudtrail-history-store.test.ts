/**
 * The history store: records streamed in come back exactly as they went in, the store keeps no file behind, and
 * LookupEvents over a streamed history stays right across a reset, a restart and a second server.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, type Event, LookupEventsCommand, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "../../emulator/core/records.ts";
import { writeJsonLines } from "../../emulator/scenario/json-lines.ts";
import { BuildStopped, HistoryStore } from "../../emulator/services/cloudtrail/history-store.ts";
import { startTestServer } from "../helpers/emulator.ts";

const ACCOUNT = "444455556666";
const RECORDED = Date.parse("2025-06-01T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Records with what a store must carry through intact: non-ASCII text, another region, a data event, one record of 2 MB. */
function rec(i: number): CloudTrailRecord {
  return {
    eventVersion: "1.09",
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    eventTime: iso(RECORDED - 3 * 86400_000 + i * 60_000),
    eventName: i % 3 === 0 ? "RunInstances" : "DescribeInstances",
    eventSource: "ec2.amazonaws.com",
    awsRegion: i % 10 === 9 ? "eu-west-1" : "us-east-1",
    readOnly: i % 3 !== 0,
    managementEvent: i !== 7,
    ...(i === 7 ? { eventCategory: "Data" } : {}),
    userIdentity: {
      type: "IAMUser",
      userName: `利用者${i % 4}`,
      accessKeyId: `AKIAEXAMPLE0000000${i % 5}`,
      arn: `arn:aws:iam::${ACCOUNT}:user/利用者${i % 4}`,
    },
    requestParameters: { instanceId: `i-${String(i % 11).padStart(17, "0")}`, note: `鍵 🔑 é ${i}`, ...(i === 42 ? { userData: "x".repeat(2_000_000) } : {}) },
    responseElements: null,
    recipientAccountId: ACCOUNT,
  };
}

const N = 3000;
const records = Array.from({ length: N }, (_, i) => rec(i));

describe("HistoryStore", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ir-range-history-store-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives every streamed record back exactly as JSON.stringify wrote it, and indexes it as an array would be", async () => {
    // Every 50th record two hours late: the streamed lists place it by time, as the array's are built.
    const arrived = records.map((r, i) => (i % 50 === 25 ? { ...r, eventTime: iso(Date.parse(r.eventTime) - 7200_000) } : r));
    const streamed = await HistoryStore.build(
      (function* () {
        yield* arrived;
      })(),
      dir,
    );
    const kept = await HistoryStore.build(arrived, dir);
    try {
      expect(streamed.length).toBe(N);
      for (const i of [0, 7, 25, 41, 42, 43, 1234, N - 1]) {
        expect(streamed.read(i).json).toBe(JSON.stringify(arrived[i]));
        expect(streamed.record(i)).toEqual(arrived[i]);
        expect(streamed.read(i)).toEqual(kept.read(i));
      }
      for (let i = 0; i < N; i++) expect(streamed.read(i).json.length).toBe(JSON.stringify(arrived[i]).length);
      for (const [region, attr] of [
        ["us-east-1", undefined],
        ["eu-west-1", undefined],
        ["us-east-1", { key: "Username", value: "利用者2" }],
        ["us-east-1", { key: "ResourceName", value: "i-00000000000000003" }],
        ["us-east-1", { key: "ReadOnly", value: "false" }],
      ] as const) {
        const seqs = (store: HistoryStore) => {
          const l = store.lists.list(region, attr);
          return [...l.data.subarray(0, l.length)];
        };
        const got = seqs(streamed);
        expect(got.length).toBeGreaterThan(0);
        expect(got).toEqual(seqs(kept));
        const times = got.map((seq) => Date.parse(arrived[seq].eventTime));
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
    } finally {
      streamed.close();
      kept.close();
    }
    expect(() => streamed.read(0)).toThrow(/closed/);
  });

  it("lets other work run while it takes a long history in, and gives up when it is no longer wanted", async () => {
    const many = function* () {
      for (let i = 0; i < 20_000; i++) yield rec(i === 42 ? 43 : i);
    };
    const order: string[] = [];
    const built = HistoryStore.build(many(), dir).then((store) => {
      order.push("history taken in");
      return store;
    });
    await new Promise((r) => setImmediate(r));
    order.push("another call answered");
    const store = await built;
    expect(store.length).toBe(20_000);
    store.close();
    expect(order).toEqual(["another call answered", "history taken in"]);
    // A reset or close in the meantime: the build stops at its next chunk and leaves no file.
    const own = join(dir, "stopped");
    let wanted = true;
    const stopped = HistoryStore.build(many(), own, () => wanted);
    wanted = false;
    await expect(stopped).rejects.toBeInstanceOf(BuildStopped);
    expect(readdirSync(own)).toEqual([]);
  });

  it("leaves no file in its directory, open or closed", async () => {
    const own = join(dir, "own");
    const store = await HistoryStore.build(records.values(), own);
    // Unlinked as soon as opened: a killed server leaves nothing behind either (where the OS allows it).
    if (process.platform !== "win32") expect(readdirSync(own)).toEqual([]);
    store.close();
    expect(readdirSync(own)).toEqual([]);
  });
});

/** A recorded scenario whose history.ndjson holds the records above (one line of 2 MB among them). */
function writeScenario(root: string): void {
  const dir = join(root, "streamed");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "briefing.md"), "streamed history\n");
  // The responder exists in IAM with a policy that lets it read the history (the range authorizes every call).
  const responder = {
    UserName: "responder",
    UserId: "AIDAIRRANGETESTUSER01",
    Arn: `arn:aws:iam::${ACCOUNT}:user/responder`,
    Path: "/",
    CreateDate: "2024-01-01T00:00:00Z",
    AccessKeys: [],
    InlinePolicies: { history: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "cloudtrail:LookupEvents", Resource: "*" }] }) },
    AttachedPolicies: [],
    Groups: [],
  };
  writeFileSync(
    join(dir, "state.json"),
    JSON.stringify({
      accounts: { [ACCOUNT]: { global: { iam: { users: { responder }, roles: {}, groups: {}, policies: {}, instanceProfiles: {} } }, regions: {} } },
    }),
  );
  writeJsonLines(join(dir, "history.ndjson"), records);
  writeFileSync(
    join(dir, "scenario.json"),
    JSON.stringify({
      name: "streamed",
      title: { en: "streamed", ja: "streamed" },
      accountId: ACCOUNT,
      homeRegion: "us-east-1",
      regions: ["us-east-1", "eu-west-1"],
      recordedDiscovery: iso(RECORDED),
      credentials: [
        {
          label: "responder",
          accessKeyId: "AKIASTREAMRESPONDER1",
          principal: {
            type: "IAMUser",
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/responder`,
            principalId: "AIDASTREAMRESPONDER1",
            userName: "responder",
          },
        },
      ],
      briefing: { en: "briefing.md", ja: "briefing.md" },
    }),
  );
}

describe("LookupEvents over a history streamed from history.ndjson", () => {
  let recordings: string;
  beforeAll(() => {
    recordings = mkdtempSync(join(tmpdir(), "ir-range-streamed-"));
    writeScenario(recordings);
  });
  afterAll(() => rmSync(recordings, { recursive: true, force: true }));

  const lookup = (ct: CloudTrailClient, input: LookupEventsCommandInput = {}) => ct.send(new LookupEventsCommand({ MaxResults: 50, ...input }));
  /** The recorded record an event came from, moved by the server's anchor. */
  const expectRecorded = (e: Event, anchor: Date) => {
    const i = Number(e.EventId?.slice(-12));
    const shift = anchor.getTime() - RECORDED;
    const expected = { ...records[i], eventTime: iso(Date.parse(records[i].eventTime) + shift) };
    expect(JSON.parse(e.CloudTrailEvent ?? "")).toEqual(expected);
    expect(e.EventTime?.getTime()).toBe(Date.parse(records[i].eventTime) + shift);
  };

  it("returns the records as recorded, moved to the anchor, the 2 MB one and non-ASCII text included", async () => {
    const server = await startTestServer({ scenario: "streamed", recordingsDir: recordings });
    try {
      const ct = new CloudTrailClient(server.sdk());
      const anchor = server.emulator.runtime.anchor;
      const page = await lookup(ct);
      expect(page.Events).toHaveLength(50);
      for (const e of page.Events ?? []) expectRecorded(e, anchor);
      const big = await lookup(ct, { LookupAttributes: [{ AttributeKey: "EventId", AttributeValue: records[42].eventID }] });
      expect(big.Events).toHaveLength(1);
      expectRecorded(big.Events?.[0] as Event, anchor);
      const byUser = await lookup(ct, { LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "利用者1" }] });
      expect(byUser.Events?.map((e) => e.EventId)).toEqual(
        records
          .filter((r, i) => i % 4 === 1 && r.awsRegion === "us-east-1")
          .slice(-50)
          .reverse()
          .map((r) => r.eventID),
      );
      // The data event is in the store but never in the event history.
      const data = await lookup(ct, { LookupAttributes: [{ AttributeKey: "EventId", AttributeValue: records[7].eventID }] });
      expect(data.Events).toEqual([]);
      expect(readdirSync(server.stateDir).filter((f) => f.includes("history"))).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("answers from the new history after a reset, never the one before it", async () => {
    const server = await startTestServer({ scenario: "streamed", recordingsDir: recordings });
    try {
      const ct = new CloudTrailClient(server.sdk());
      const before = server.emulator.runtime.anchor;
      expectRecorded((await lookup(ct)).Events?.[0] as Event, before);
      // Anchors are whole seconds: a second later (in emulator time) the reset moves every time.
      server.emulator.runtime.clock.advance(1000);
      await server.emulator.runtime.reset();
      const after = server.emulator.runtime.anchor;
      expect(after.getTime()).toBeGreaterThan(before.getTime());
      const page = await lookup(ct, { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }] });
      expect(page.Events).toHaveLength(50);
      for (const e of page.Events ?? []) expectRecorded(e, after);
    } finally {
      await server.stop();
    }
  });

  it("keeps a NextToken good across a restart on the same state directory", async () => {
    const first = await startTestServer({ scenario: "streamed", recordingsDir: recordings });
    const input: LookupEventsCommandInput = { LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "true" }] };
    const page1 = await lookup(new CloudTrailClient(first.sdk()), input);
    await first.stop(false);
    const second = await startTestServer({ scenario: "streamed", recordingsDir: recordings, stateDir: first.stateDir });
    try {
      const page2 = await lookup(new CloudTrailClient(second.sdk()), { ...input, NextToken: page1.NextToken });
      // The journaled calls are newer than the whole history: past the first page, only recorded events follow.
      const readOnly = records
        .filter((r) => r.readOnly && r.awsRegion === "us-east-1" && r.managementEvent)
        .reverse()
        .map((r) => r.eventID);
      const at = readOnly.indexOf(page1.Events?.at(-1)?.EventId as string);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(page2.Events?.map((e) => e.EventId)).toEqual(readOnly.slice(at + 1, at + 51));
    } finally {
      await second.stop();
    }
  });

  it("serves two servers side by side, each from its own history", async () => {
    const a = await startTestServer({ scenario: "streamed", recordingsDir: recordings, clock: "2026-02-01T00:00:00Z" });
    const b = await startTestServer({ scenario: "streamed", recordingsDir: recordings, clock: "2026-03-01T00:00:00Z" });
    try {
      for (let round = 0; round < 2; round++) {
        for (const s of [a, b]) {
          const page = await lookup(new CloudTrailClient(s.sdk()), {
            LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAEXAMPLE00000003" }],
          });
          expect(page.Events).toHaveLength(50);
          for (const e of page.Events ?? []) expectRecorded(e, s.emulator.runtime.anchor);
        }
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
