/**
 * The recording's S3 objects. Keys and dates are laid out eagerly (cheap); bodies are generated and gzipped
 * on first read and cached, and a bucket's listing computes sizes and ETags the first time it is asked for.
 */
import type { CloudTrailRecord, ObjectMeta, RecordingObjects } from "../../../emulator/core/records.ts";
import { etagOf } from "../../../emulator/services/s3/object-store.ts";
import { ATTACKER_SITE_USER, dumpBody, gz, iconBody, SITE_USERS, stolenCredentialBody } from "./content.ts";
import { FLOW_HEADER, flowLine, flowModel } from "./flows.ts";
import { Rng } from "./prng.ts";
import type { Story } from "./story.ts";
import { datePath, fileStamp, iso, jstDate } from "./time.ts";
import { accessLine, errorLine, STOLEN_ICON, webRequests } from "./web.ts";
import { ACCOUNT, HOUR, MIN, NAMES, T } from "./world.ts";

interface Entry {
  key: string;
  lastModified: string;
  contentType?: string;
  build: () => Buffer;
  body?: Buffer;
  meta?: ObjectMeta;
}

class LazyBucket {
  private readonly entries = new Map<string, Entry>();
  private listing?: ObjectMeta[];
  /** Lays out the bucket's keys on first use, so generate() itself stays cheap. */
  constructor(private init?: (b: LazyBucket) => void) {}
  private get byKey(): Map<string, Entry> {
    if (this.init) {
      const f = this.init;
      this.init = undefined;
      f(this);
    }
    return this.entries;
  }
  add(e: Entry) {
    this.entries.set(e.key, e);
  }
  private body(e: Entry): Buffer {
    if (!e.body) e.body = e.build();
    return e.body;
  }
  /** Size and ETag are getters: a listing sorts and filters by key without building bodies it never shows. */
  private meta(e: Entry): ObjectMeta {
    if (!e.meta) {
      const body = () => this.body(e);
      const meta = { key: e.key, lastModified: e.lastModified, ...(e.contentType ? { contentType: e.contentType } : {}) } as ObjectMeta;
      let etag: string | undefined;
      Object.defineProperty(meta, "size", { enumerable: true, get: () => body().length });
      Object.defineProperty(meta, "etag", {
        enumerable: true,
        get: () => {
          etag ??= etagOf(body());
          return etag;
        },
      });
      e.meta = meta;
    }
    return e.meta;
  }
  list(): ObjectMeta[] {
    if (!this.listing) this.listing = [...this.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => this.meta(e));
    return this.listing;
  }
  head(key: string) {
    const e = this.byKey.get(key);
    return e ? this.meta(e) : undefined;
  }
  read(key: string) {
    const e = this.byKey.get(key);
    return e ? this.body(e) : undefined;
  }
  keys(): string[] {
    return [...this.byKey.keys()];
  }
}

/** A stable 16-character suffix like CloudTrail's, derived from the file's identity (not from call order). */
function suffix(seed: string, n: number): string {
  return new Rng(`file/${seed}`).alnum(n);
}

export interface SecutterObjects extends RecordingObjects {
  /** Keys per bucket without building bodies (for tests and tooling). */
  keys(bucket: string): string[];
}

export function buildObjects(anchor: number, story: Story): SecutterObjects {
  const buckets = new Map<string, LazyBucket>([
    [NAMES.evidence, new LazyBucket((ev) => evidence(ev, anchor, story))],
    [NAMES.backups, new LazyBucket()],
    [NAMES.uploads, new LazyBucket()],
  ]);
  layoutBackupsAndUploads(buckets, anchor, story);
  return {
    list: (acct, bucket) => (acct === ACCOUNT ? (buckets.get(bucket)?.list() ?? []) : []),
    head: (acct, bucket, key) => (acct === ACCOUNT ? buckets.get(bucket)?.head(key) : undefined),
    read: (acct, bucket, key) => (acct === ACCOUNT ? buckets.get(bucket)?.read(key) : undefined),
    keys: (bucket) => buckets.get(bucket)?.keys() ?? [],
  };
}

/** The evidence bucket: CloudTrail and flow-log deliveries, and the nginx logs the CTO copied. */
function evidence(ev: LazyBucket, anchor: number, story: Story) {
  // CloudTrail delivery: per region, one file per five minutes of events.
  const batches = new Map<string, { region: string; end: number; records: CloudTrailRecord[] }>();
  for (const rec of story.history) {
    const t = Date.parse(rec.eventTime as string);
    const end = Math.floor(t / (5 * MIN)) * 5 * MIN + 5 * MIN;
    const region = rec.awsRegion as string;
    const k = `${region}|${end}`;
    let b = batches.get(k);
    if (!b) {
      b = { region, end, records: [] };
      batches.set(k, b);
    }
    b.records.push(rec);
  }
  for (const b of batches.values()) {
    const stamp = fileStamp(b.end);
    const key = `AWSLogs/${ACCOUNT}/CloudTrail/${b.region}/${datePath(b.end)}/${ACCOUNT}_CloudTrail_${b.region}_${stamp}_${suffix(`${b.region}/${b.end}`, 16)}.json.gz`;
    const records = b.records;
    ev.add({ key, lastModified: iso(b.end + 2 * MIN + (b.end % 97) * 1000), build: () => gz(JSON.stringify({ Records: records })) });
  }

  // VPC flow logs: one file per flow log per hour, header line first.
  const fm = flowModel();
  const flowFiles = new Map<string, { region: string; fl: string; end: number; lines: number[] }>();
  fm.records.forEach((f, i) => {
    const endAbs = anchor + f.end;
    const hourEnd = Math.floor(endAbs / HOUR) * HOUR + HOUR;
    const k = `${f.flowLog}|${hourEnd}`;
    let g = flowFiles.get(k);
    if (!g) {
      g = { region: f.region, fl: f.flowLog, end: hourEnd, lines: [] };
      flowFiles.set(k, g);
    }
    g.lines.push(i);
  });
  for (const g of flowFiles.values()) {
    const stamp = fileStamp(g.end - 5 * MIN);
    const key = `AWSLogs/${ACCOUNT}/vpcflowlogs/${g.region}/${datePath(g.end - 5 * MIN)}/${ACCOUNT}_vpcflowlogs_${g.region}_${g.fl}_${stamp}_${new Rng(`flow/${g.fl}/${g.end}`).hex(8)}.log.gz`;
    const lines = g.lines;
    ev.add({
      key,
      lastModified: iso(g.end + 3 * MIN),
      build: () => gz(`${FLOW_HEADER}\n${lines.map((i) => flowLine(fm.records[i], anchor, ACCOUNT)).join("\n")}\n`),
    });
  }

  // nginx logs copied off the web server: logrotate (dateext, compress) at 00:00 JST, plus the live files.
  const reqs = webRequests();
  const days = new Map<string, number[]>();
  const copied = anchor + T.logsCopied;
  // JST day numbers by arithmetic: this runs once per request line (~80k).
  const jstDay = (ms: number) => Math.floor((ms + 9 * HOUR) / (24 * HOUR));
  const liveDay = jstDay(copied);
  let lastDay = Number.NaN;
  let bucket: number[] = [];
  reqs.forEach((q, i) => {
    const day = jstDay(anchor + q.t);
    if (day !== lastDay) {
      lastDay = day;
      // logrotate's dateext names a file by the day it was rotated: the day after its lines.
      const k = day === liveDay ? "live" : jstDate(anchor + q.t + 24 * HOUR);
      bucket = days.get(k) ?? [];
      days.set(k, bucket);
    }
    bucket.push(i);
  });
  const copiedAt = iso(copied + 2 * MIN);
  const connBase = 41_000;
  for (const [day, idx] of days) {
    const access = () => `${idx.map((i) => accessLine(reqs[i], anchor)).join("\n")}\n`;
    const errors = () => {
      const lines = idx.filter((i) => reqs[i].error).map((i) => errorLine(reqs[i], anchor, connBase + i));
      return lines.length ? `${lines.join("\n")}\n` : "";
    };
    if (day === "live") {
      ev.add({ key: "nginx/access.log", lastModified: copiedAt, contentType: "text/plain", build: () => Buffer.from(access()) });
      ev.add({ key: "nginx/error.log", lastModified: copiedAt, contentType: "text/plain", build: () => Buffer.from(errors()) });
    } else {
      ev.add({ key: `nginx/access.log-${day}.gz`, lastModified: copiedAt, build: () => gz(access()) });
      ev.add({ key: `nginx/error.log-${day}.gz`, lastModified: copiedAt, build: () => gz(errors()) });
    }
  }
}

function layoutBackupsAndUploads(buckets: Map<string, LazyBucket>, anchor: number, story: Story) {
  // The nightly database dumps (a 14-day lifecycle keeps exactly the window's).
  const bk = buckets.get(NAMES.backups)!;
  for (const d of story.daily) {
    const date = d.dumpKey.slice(12, 20);
    bk.add({ key: d.dumpKey, lastModified: iso(anchor + d.dumpAt + 1000), contentType: "application/gzip", build: () => dumpBody(date) });
  }

  // User icons, and the attacker's "icon": the instance credentials the SSRF fetched.
  const up = buckets.get(NAMES.uploads)!;
  const ir = new Rng("uploads");
  for (const u of SITE_USERS) {
    if (!ir.chance(0.55)) continue;
    const t = anchor - ir.int(20, 300) * 24 * HOUR - ir.int(0, 86_400_000);
    up.add({ key: `icons/${u.id}/avatar.png`, lastModified: iso(t), contentType: "image/png", build: () => iconBody(String(u.id)) });
  }
  const s = story.stolen;
  up.add({
    key: `icons/${ATTACKER_SITE_USER.id}/${STOLEN_ICON}`,
    lastModified: iso(anchor + T.ssrf + 36_000),
    contentType: "image/png",
    build: () => stolenCredentialBody(s.accessKeyId, s.secret, s.token, iso(anchor + s.issued + 35 * MIN), iso(anchor + s.issued + 6 * HOUR)),
  });
}
