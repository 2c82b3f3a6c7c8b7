/** The LookupEvents index on its own: ordering, growth while queried, the 90-day window, and speed on many events. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../../emulator/core/runtime.ts";
import type { RequestContext } from "../../emulator/core/types.ts";
import { lookupEvents, warmLookupIndex } from "../../emulator/services/cloudtrail/lookup.ts";
import { Journal } from "../../emulator/state/journal.ts";

type Rec = Record<string, any> & { eventID: string; eventTime: string; eventName: string; eventSource: string };
const NOW = Date.parse("2026-03-01T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function rec(i: number, ms: number, extra: Partial<Rec> = {}): Rec {
  return {
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    eventTime: iso(ms),
    eventName: i % 3 === 0 ? "RunInstances" : "DescribeInstances",
    eventSource: "ec2.amazonaws.com",
    awsRegion: "us-east-1",
    readOnly: i % 3 !== 0,
    managementEvent: true,
    userIdentity: { type: "IAMUser", userName: `user${i % 7}`, accessKeyId: `AKIAEXAMPLE${i % 5}` },
    requestParameters: { instanceId: `i-${String(i % 11).padStart(17, "0")}` },
    ...extra,
  };
}

/** A runtime with this history and a journal on disk; records pushed to `journal` are appended to it. */
function fakeContext(history: Rec[]): { ctx: RequestContext; journal: Rec[] } {
  const store = new Journal(mkdtempSync(join(tmpdir(), "ir-range-index-")));
  const journal: Rec[] = [];
  const push = journal.push.bind(journal);
  journal.push = (...rs: Rec[]) => {
    for (const r of rs) store.append(r);
    return push(...rs);
  };
  const runtime = { history, journal: store, onClose: () => {} } as unknown as Runtime;
  return { ctx: { runtime, region: "us-east-1", time: new Date(NOW) } as RequestContext, journal };
}

async function ids(ctx: RequestContext, input: Parameters<typeof lookupEvents>[0] = {}): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await lookupEvents({ ...input, NextToken: token }, ctx);
    out.push(...(page.Events ?? []).map((e) => e.EventId as string));
    token = page.NextToken;
  } while (token);
  return out;
}

describe("the LookupEvents index", () => {
  it("orders history and journal newest first, including journal records that arrive out of order", async () => {
    const history = Array.from({ length: 120 }, (_, i) => rec(i, NOW - 3600_000 + i * 10_000));
    const { ctx, journal } = fakeContext(history);
    const before = await ids(ctx, { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }] });
    expect(before).toHaveLength(40);
    // Attribute lists already built must take in new records, in time order even when a record is older than the last.
    journal.push(rec(1000, NOW - 60_000, { eventName: "RunInstances" }), rec(1001, NOW - 3000_000, { eventName: "RunInstances" }));
    const after = await ids(ctx, { LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "RunInstances" }] });
    expect(after).toHaveLength(42);
    const times = after.map((id) => Date.parse([...history, ...journal].find((r) => r.eventID === id)?.eventTime as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(after[0]).toBe(journal[0].eventID);
  });

  it("serves only management events of the region, within 90 days and not after now", async () => {
    const history = [
      rec(1, NOW - 91 * 86400_000),
      rec(2, NOW - 89 * 86400_000),
      rec(3, NOW - 1000, { awsRegion: "eu-west-1" }),
      rec(4, NOW - 1000, { eventName: "GetObject", managementEvent: false, eventCategory: "Data" }),
      rec(5, NOW + 3600_000),
    ];
    const { ctx } = fakeContext(history);
    expect(await ids(ctx)).toEqual([history[1].eventID]);
    expect(await ids({ ...ctx, region: "eu-west-1" })).toEqual([history[2].eventID]);
  });

  it("answers filtered lookups over 300,000 events, newest first and paged, once warm", async () => {
    const n = 300_000;
    const history = Array.from({ length: n }, (_, i) => rec(i, NOW - 30 * 86400_000 + i * 5000));
    const { ctx } = fakeContext(history);
    await warmLookupIndex(ctx.runtime);
    const page = await lookupEvents({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "user3" }], MaxResults: 50 }, ctx);
    const next = await lookupEvents(
      { LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "user3" }], MaxResults: 50, NextToken: page.NextToken },
      ctx,
    );
    expect(page.Events?.map((e) => e.EventId)).toEqual(
      history
        .filter((r) => r.userIdentity.userName === "user3")
        .slice(-50)
        .reverse()
        .map((r) => r.eventID),
    );
    expect(next.Events?.[0].EventTime?.getTime()).toBeLessThan(page.Events?.at(-1)?.EventTime?.getTime() ?? 0);
    // How fast is `npm run bench`'s to measure (LookupEvents over 1M events), not a test's.
  });
});
