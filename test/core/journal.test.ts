/**
 * The journal on disk (docs/security.md, "Bounded memory"): memory keeps an index, not the records; the
 * /_ir-range/journal route pages through every record in order; a kill -9 during appends loses no acknowledged call.
 */
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JournalRecord } from "../../emulator/core/records.ts";
import type { WireRequest } from "../../emulator/protocols/wire.ts";
import { Journal } from "../../emulator/state/journal.ts";
import { startCli } from "../helpers/cli-process.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A record about as big as a real call's (1.4 KB: the size the issue measured, 97 MB for 67k calls). */
function fakeRecord(i: number): JournalRecord {
  return {
    eventVersion: "1.11",
    eventTime: new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    eventSource: i % 3 === 0 ? "guardduty.amazonaws.com" : "ec2.amazonaws.com",
    eventName: i % 3 === 0 ? "ListFindings" : "DescribeInstances",
    awsRegion: "us-east-1",
    readOnly: i % 5 !== 0,
    ...(i % 7 === 0 ? { errorCode: "AccessDenied", errorMessage: "denied" } : {}),
    requestParameters: { filler: "p".repeat(1200), n: i },
    requestID: `req-${i}`,
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  };
}

describe("the journal keeps records on disk and an index in memory", () => {
  it("50,000 records: memory grows by the index only; every record reads back, with its summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-journal-"));
    const journal = new Journal(dir);
    gc();
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const n = 50_000;
    for (let i = 0; i < n; i++) journal.append(fakeRecord(i));
    // 70 MB of records went to the file; the heap holds the index (offsets, lengths, times, flags: ~24 bytes each).
    expect(readFileSync(join(dir, "journal.ndjson")).length).toBeGreaterThan(n * 1300);
    // Sampled after collections until V8's background sweeper has freed what was collected (late on a loaded
    // machine); a journal that kept its records never gets under the bound.
    await vi.waitFor(
      () => {
        gc();
        const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before;
        expect(grown).toBeLessThan(8 * 1024 * 1024);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(journal.length).toBe(n);
    expect(journal.read(12_345)).toEqual(fakeRecord(12_345));
    expect(journal.readJson(7)).toBe(JSON.stringify(fakeRecord(7)));
    expect(journal.summary(21)).toEqual({
      time: Date.parse(fakeRecord(21).eventTime),
      eventSource: "guardduty.amazonaws.com",
      readOnly: true,
      failed: true,
    });
    expect(journal.page(n - 2, 10).map((r) => r.eventID)).toEqual([fakeRecord(n - 2).eventID, fakeRecord(n - 1).eventID]);
    let count = 0;
    for (const r of journal) expect(r.requestID).toBe(`req-${count++}`);
    expect(count).toBe(n);
    journal.close();

    // Opened again, the index is rebuilt from the file, a chunk at a time.
    const again = new Journal(dir);
    expect(again.length).toBe(n);
    expect(again.read(n - 1)).toEqual(fakeRecord(n - 1));
    again.clear();
    expect(again.length).toBe(0);
    expect(again.generation).toBe(1);
    again.close();
  });

  it("a torn last line (a crash mid-append) is cut off, and the next record starts a line of its own", () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-journal-"));
    const first = new Journal(dir);
    first.append(fakeRecord(1));
    first.append(fakeRecord(2));
    first.close();
    appendFileSync(join(dir, "journal.ndjson"), '{"eventVersion":"1.11","eventTi');
    const second = new Journal(dir);
    expect(second.length).toBe(2);
    second.append(fakeRecord(3));
    second.close();
    const third = new Journal(dir);
    expect([...third].map((r) => r.requestID)).toEqual(["req-1", "req-2", "req-3"]);
    third.close();
  });
});

describe("/_ir-range/journal pages through the journal", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scenario: "basic" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A signed GetCallerIdentity as a WireRequest: signed once, sent many times in-process (a signature holds 15 minutes). */
  async function signedCall(): Promise<() => WireRequest> {
    const host = "sts.amazonaws.com";
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const signer = new SignatureV4({ credentials: server.credentials, region: "us-east-1", service: "sts", sha256: Sha256 });
    const signed = await signer.sign(
      new HttpRequest({
        method: "POST",
        protocol: "https:",
        hostname: host,
        path: "/",
        headers: { host, "content-type": "application/x-www-form-urlencoded" },
        body,
      }),
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
    return () => ({ method: "POST", rawPath: "/", query: [], headers: { ...headers }, body: Buffer.from(body) });
  }

  it("after thousands of calls, pages of ?limit= in order, every record once, then no next", async () => {
    const call = await signedCall();
    const calls = 5_000;
    for (let i = 0; i < calls; i++) {
      const res = await server.emulator.handle(call());
      if (i === 0) expect(res.status).toBe(200);
    }
    const journal = server.emulator.runtime.journal;
    expect(journal.length).toBe(calls);
    const expected = [...journal].map((r) => r.eventID);
    const auth = { authorization: `Bearer ${server.adminToken}` };
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const url = `${server.url}/_ir-range/journal?limit=1200${next ? `&next=${encodeURIComponent(next)}` : ""}`;
      const res = await fetch(url, { headers: auth });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { records: JournalRecord[]; next?: string };
      expect(page.records.length).toBeLessThanOrEqual(1200);
      for (const r of page.records) seen.push(r.eventID);
      next = page.next;
      pages++;
    } while (next);
    expect(pages).toBe(Math.ceil(calls / 1200));
    expect(seen).toEqual(expected);

    // The default page is 1000; a limit over 10000 is cut to 10000; a bad limit or token is refused.
    const first = (await (await fetch(`${server.url}/_ir-range/journal`, { headers: auth })).json()) as { records: unknown[]; next: string };
    expect(first.records).toHaveLength(1000);
    expect(typeof first.next).toBe("string");
    const most = (await (await fetch(`${server.url}/_ir-range/journal?limit=100000`, { headers: auth })).json()) as { records: unknown[]; next?: string };
    expect(most.records).toHaveLength(calls);
    expect(most.next).toBeUndefined();
    expect((await fetch(`${server.url}/_ir-range/journal?limit=0`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${server.url}/_ir-range/journal?next=12.0123456789abcdef`, { headers: auth })).status).toBe(400);
    // A token of the journal before a reset is refused rather than paging from somewhere else.
    await server.emulator.runtime.reset();
    expect((await fetch(`${server.url}/_ir-range/journal?next=${encodeURIComponent(first.next)}`, { headers: auth })).status).toBe(400);
    expect(await (await fetch(`${server.url}/_ir-range/journal`, { headers: auth })).json()).toEqual({ records: [] });
  });
});

describe("kill -9 during appends", () => {
  it("loses no acknowledged call", async () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), "ir-range-journal-kill-")), "state");
    const cli = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
    const sts = new STSClient({
      endpoint: cli.exports.AWS_ENDPOINT_URL,
      region: "us-east-1",
      credentials: { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
    const acknowledged: string[] = [];
    let enough = () => {};
    const twenty = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const calls = Array.from({ length: 300 }, () =>
      sts.send(new GetCallerIdentityCommand({})).then((out) => {
        acknowledged.push(out.$metadata.requestId as string);
        if (acknowledged.length === 20) enough();
      }),
    );
    // Killed once some calls were answered, with the rest still arriving: no fixed delay to guess.
    await Promise.race([twenty, Promise.allSettled(calls)]);
    cli.proc.kill("SIGKILL");
    await Promise.allSettled(calls);
    await cli.exited;
    expect(acknowledged.length).toBeGreaterThan(0);

    const server = await startTestServer({ scenario: "basic", stateDir });
    const journaled = new Set([...server.emulator.runtime.journal].map((r) => r.requestID));
    for (const id of acknowledged) expect(journaled.has(id)).toBe(true);
    await server.stop(false);
  });
});
