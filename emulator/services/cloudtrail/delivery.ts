/**
 * Trail delivery: the responder's own calls, as journaled, reach every logging trail whose scope and event
 * selectors take them, and are written to the trail's bucket as CloudTrail writes log files:
 * AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand>.json.gz.
 * Whether a record reaches a trail is decided when it is journaled (a later StopLogging cannot take it back);
 * files are written in batches, and flushTrailDelivery writes what is pending at once.
 */

import { gzipSync } from "node:zlib";
import { randomBytes } from "../../core/entropy.ts";
import type { JournalRecord } from "../../core/records.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceLifecycle } from "../../core/service.ts";
import { objectsOf } from "../s3/object-store.ts";
import type { CloudTrailState, StoredTrail } from "./state.ts";

/** At most this much wall time passes between a call and its delivery (CloudTrail itself takes ~5 minutes). */
const FLUSH_DELAY_MS = 5_000;
/** A file never holds more records than this; a full batch is written at once. */
const MAX_BATCH = 500;

/** Event sources CloudTrail treats as global (delivered with IncludeGlobalServiceEvents only). */
export const GLOBAL_SOURCES = new Set(["iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com", "cloudfront.amazonaws.com", "route53.amazonaws.com"]);

interface Pending {
  accountId: string;
  trailArn: string;
  homeRegion: string;
  records: JournalRecord[];
}

interface DeliveryState {
  pending: Map<string, Pending>;
  timer?: NodeJS.Timeout;
  running: Promise<void>;
}

const deliveries = new WeakMap<Runtime, DeliveryState>();

function trailsOf(runtime: Runtime, accountId: string): { trail: StoredTrail; homeRegion: string }[] {
  const out: { trail: StoredTrail; homeRegion: string }[] = [];
  for (const [region, services] of Object.entries(runtime.account(accountId).regions)) {
    const st = services.cloudtrail as CloudTrailState | undefined;
    for (const trail of Object.values(st?.trails ?? {})) out.push({ trail, homeRegion: region });
  }
  return out;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function isData(r: JournalRecord): boolean {
  return r.managementEvent === false || r.eventCategory === "Data";
}

function readOnlyOf(r: JournalRecord): boolean {
  return r.readOnly === true || r.readOnly === "true";
}

/** ARNs and types of the resources a data event touched (S3 objects and buckets). */
function dataResources(r: JournalRecord): { type: string; arn: string }[] {
  const out: { type: string; arn: string }[] = [];
  if (Array.isArray(r.resources)) {
    for (const x of r.resources as Record<string, unknown>[]) {
      const arn = str(x.ARN);
      const type = str(x.type);
      if (arn && type) out.push({ type, arn });
    }
  }
  if (out.length === 0 && r.eventSource === "s3.amazonaws.com") {
    const p = (r.requestParameters ?? {}) as Record<string, unknown>;
    const bucket = str(p.bucketName) ?? str(p.bucket);
    const key = str(p.key);
    if (bucket) {
      if (key !== undefined) out.push({ type: "AWS::S3::Object", arn: `arn:aws:s3:::${bucket}/${key}` });
      out.push({ type: "AWS::S3::Bucket", arn: `arn:aws:s3:::${bucket}` });
    }
  }
  return out;
}

function rwMatches(rw: string | undefined, readOnly: boolean): boolean {
  return rw === undefined || rw === "All" || (rw === "ReadOnly" && readOnly) || (rw === "WriteOnly" && !readOnly);
}

function fieldValues(r: JournalRecord, field: string): string[] {
  switch (field) {
    case "eventCategory":
      return [isData(r) ? "Data" : "Management"];
    case "readOnly":
      return [String(readOnlyOf(r))];
    case "resources.type":
      return dataResources(r).map((x) => x.type);
    case "resources.ARN":
      return dataResources(r).map((x) => x.arn);
    case "userIdentity.arn":
      return [str((r.userIdentity as Record<string, unknown> | undefined)?.arn) ?? ""];
    case "sessionCredentialFromConsole":
      return ["false"];
    default: {
      const v = r[field];
      return v === undefined || v === null ? [] : [String(v)];
    }
  }
}

function fieldMatches(values: string[], f: Record<string, string[] | undefined>): boolean {
  const any = (pred: (v: string) => boolean) => values.some(pred);
  if (f.Equals && !any((v) => f.Equals?.includes(v) ?? false)) return false;
  if (f.StartsWith && !any((v) => f.StartsWith?.some((p) => v.startsWith(p)) ?? false)) return false;
  if (f.EndsWith && !any((v) => f.EndsWith?.some((p) => v.endsWith(p)) ?? false)) return false;
  if (f.NotEquals && any((v) => f.NotEquals?.includes(v) ?? false)) return false;
  if (f.NotStartsWith && any((v) => f.NotStartsWith?.some((p) => v.startsWith(p)) ?? false)) return false;
  if (f.NotEndsWith && any((v) => f.NotEndsWith?.some((p) => v.endsWith(p)) ?? false)) return false;
  return true;
}

/** Whether a trail's event selectors (basic, advanced or CloudTrail's default) take a record. */
export function selectorsMatch(trail: StoredTrail, r: JournalRecord): boolean {
  if (trail.AdvancedEventSelectors?.length) {
    return trail.AdvancedEventSelectors.some((s) =>
      (s.FieldSelectors ?? []).every((f) => fieldMatches(fieldValues(r, f.Field ?? ""), f as Record<string, string[] | undefined>)),
    );
  }
  const selectors = trail.EventSelectors ?? [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }];
  const readOnly = readOnlyOf(r);
  return selectors.some((s) => {
    if (!rwMatches(s.ReadWriteType, readOnly)) return false;
    if (!isData(r)) return (s.IncludeManagementEvents ?? true) && !(s.ExcludeManagementEventSources ?? []).includes(String(r.eventSource));
    const touched = dataResources(r);
    return (s.DataResources ?? []).some((d) =>
      touched.some(
        (t) =>
          (t.type === d.Type && (d.Values ?? []).some((v) => v === "arn:aws:s3" || v === "arn:aws:s3:::" || t.arn.startsWith(v))) ||
          // An object selector takes the bucket-level data events of its buckets too (ListObjects, ListObjectVersions).
          (d.Type === "AWS::S3::Object" &&
            t.type === "AWS::S3::Bucket" &&
            (d.Values ?? []).some((v) => v === "arn:aws:s3" || v === "arn:aws:s3:::" || v.startsWith(`${t.arn}/`))),
      ),
    );
  });
}

/** Whether the record is the successful StopLogging of this very trail: CloudTrail still logs that call. */
function isOwnStop(trail: StoredTrail, r: JournalRecord): boolean {
  if (r.eventName !== "StopLogging" || r.errorCode) return false;
  const name = str((r.requestParameters as Record<string, unknown> | null)?.name);
  return name === trail.Name || name === trail.TrailARN;
}

/**
 * Whether a trail homed in `homeRegion`, as it is just after the record's call, takes the record: logging (or its own
 * StopLogging), its regions, global service events, its selectors. Timeline builds replay trails through it too.
 */
export function trailTakes(trail: StoredTrail, homeRegion: string, r: JournalRecord): boolean {
  if (!trail.IsLogging && !isOwnStop(trail, r)) return false;
  if (!trail.IsMultiRegionTrail && homeRegion !== (str(r.awsRegion) ?? "")) return false;
  if (GLOBAL_SOURCES.has(String(r.eventSource)) && trail.IncludeGlobalServiceEvents === false) return false;
  return selectorsMatch(trail, r);
}

function route(runtime: Runtime, state: DeliveryState, r: JournalRecord): void {
  const accountId = str(r.recipientAccountId) ?? runtime.accountId;
  for (const { trail, homeRegion } of trailsOf(runtime, accountId)) {
    if (!trailTakes(trail, homeRegion, r)) continue;
    const arn = trail.TrailARN as string;
    let p = state.pending.get(arn);
    if (!p) {
      p = { accountId, trailArn: arn, homeRegion, records: [] };
      state.pending.set(arn, p);
    }
    p.records.push(r);
    if (p.records.length >= MAX_BATCH) void flushTrailDelivery(runtime).catch(() => undefined);
  }
  if (state.pending.size > 0 && !state.timer) {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void flushTrailDelivery(runtime).catch(() => undefined);
    }, FLUSH_DELAY_MS);
    state.timer.unref();
  }
}

/** Starts delivering the runtime's journal to its logging trails. Call once when the runtime starts; later calls do nothing. */
export function attachTrailDelivery(runtime: Runtime): void {
  if (deliveries.has(runtime)) return;
  const state: DeliveryState = { pending: new Map(), running: Promise.resolve() };
  deliveries.set(runtime, state);
  runtime.journal.onAppend((r) => route(runtime, state, r));
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomSuffix(): string {
  return [...randomBytes(16)].map((b) => ALNUM[b % ALNUM.length]).join("");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The object key CloudTrail gives a log file delivered at `at` (a seeded build passes its own 16-character suffix). */
export function logFileKey(prefix: string | undefined, accountId: string, region: string, at: Date, suffix = randomSuffix()): string {
  const y = at.getUTCFullYear();
  const mo = pad(at.getUTCMonth() + 1);
  const d = pad(at.getUTCDate());
  const stamp = `${y}${mo}${d}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}Z`;
  const base = `AWSLogs/${accountId}/CloudTrail/${region}/${y}/${mo}/${d}/${accountId}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
  return prefix ? `${prefix.replace(/\/+$/, "")}/${base}` : base;
}

async function writePending(runtime: Runtime, state: DeliveryState): Promise<void> {
  if (state.pending.size === 0) return;
  const batches = [...state.pending.values()];
  state.pending.clear();
  await runtime.transact(() => {
    const now = runtime.clock.now();
    const at = now.toISOString();
    for (const p of batches) {
      const st = runtime.account(p.accountId).regions[p.homeRegion]?.cloudtrail as CloudTrailState | undefined;
      const trail = st?.trails[p.trailArn];
      if (!trail) continue; // deleted since: nothing to deliver to
      const byRegion = new Map<string, JournalRecord[]>();
      for (const r of p.records) {
        const region = str(r.awsRegion) ?? p.homeRegion;
        const list = byRegion.get(region) ?? [];
        list.push(r);
        byRegion.set(region, list);
      }
      const bucket = trail.S3BucketName ?? "";
      trail.Delivery = { ...trail.Delivery, LatestDeliveryAttemptTime: at };
      if (!objectsOf(runtime).bucket(p.accountId, bucket)) {
        trail.Delivery.LatestDeliveryError = "NoSuchBucket";
        trail.Delivery.LatestDeliveryAttemptSucceeded = "";
        continue;
      }
      for (const [region, records] of byRegion) {
        const body = gzipSync(Buffer.from(JSON.stringify({ Records: records })));
        objectsOf(runtime).put(p.accountId, bucket, logFileKey(trail.S3KeyPrefix, p.accountId, region, now), body, {
          lastModified: at,
          contentType: "application/json",
          contentEncoding: "gzip",
        });
      }
      trail.Delivery.LatestDeliveryTime = at;
      trail.Delivery.LatestDeliveryAttemptSucceeded = at;
      delete trail.Delivery.LatestDeliveryError;
    }
  });
}

/** Writes every pending record to its trail's bucket now; resolves when the files are stored. */
export function flushTrailDelivery(runtime: Runtime): Promise<void> {
  const state = deliveries.get(runtime);
  if (!state) return Promise.resolve();
  if (state.timer) {
    clearTimeout(state.timer);
    state.timer = undefined;
  }
  // Chained so that concurrent flushes write in order and a caller waits for the ones before it.
  state.running = state.running.then(
    () => writePending(runtime, state),
    () => writePending(runtime, state),
  );
  return state.running;
}

/** CloudTrail beside its API: trails deliver the journal while the runtime runs, and flush before it closes. */
export const trailDeliveryLifecycle: ServiceLifecycle = {
  start: (runtime) => attachTrailDelivery(runtime),
  // Records still waiting for a trail's next delivery are written before the state directory is released.
  stop: (runtime) => flushTrailDelivery(runtime),
};
