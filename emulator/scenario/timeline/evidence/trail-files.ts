/**
 * CloudTrail's log files in S3, derived from the run's records: each trail is replayed through the records that
 * made and changed it (CreateTrail, Start/StopLogging, UpdateTrail, PutEventSelectors, DeleteTrail), and every record
 * goes to each trail that, as it was just after that call, took it — the range's own rule (delivery.ts trailTakes).
 * Records made while a trail was not logging reach no file of it, though LookupEvents keeps them: the gap a
 * responder finds after StopLogging.
 */
import type { CloudTrailRecord } from "../../../core/records.ts";
import { logFileKey, trailTakes } from "../../../services/cloudtrail/delivery.ts";
import type { CloudTrailState, StoredTrail } from "../../../services/cloudtrail/state.ts";
import type { BuildOutput } from "../model.ts";
import { accountOf, gz, isoMs, MIN, params, pascal, response, sortedBy, str, succeeded, timeOfRecord } from "./common.ts";

/** CloudTrail writes a region's records of a trail about every five minutes. */
const DELIVERY_INTERVAL = 5 * MIN;

export interface TrailModel {
  account: string;
  homeRegion: string;
  trail: StoredTrail;
}

export interface TrailReplay {
  /** For each record (by index in out.records), the trails that took it, as they were then. */
  takenBy: TrailModel[][];
  /** Each account's trails before the run's first call (those it did not create). */
  initial: Map<string, StoredTrail[]>;
  /** The account's trails after each call that changed one, oldest first. */
  changes: { at: number; account: string; trails: StoredTrail[] }[];
  /** The trails left at the end, by account, then ARN. */
  final: Map<string, Map<string, TrailModel>>;
}

const TRAIL_CALLS = new Set(["CreateTrail", "DeleteTrail", "StartLogging", "StopLogging", "UpdateTrail", "PutEventSelectors"]);

const clone = <T>(x: T): T => structuredClone(x);

function finalTrails(out: BuildOutput): TrailModel[] {
  const all: TrailModel[] = [];
  for (const [account, st] of Object.entries(out.accounts)) {
    for (const [region, services] of Object.entries(st.regions)) {
      for (const trail of Object.values((services.cloudtrail as CloudTrailState | undefined)?.trails ?? {})) {
        all.push({ account, homeRegion: trail.HomeRegion ?? region, trail });
      }
    }
  }
  return all;
}

function nameIn(r: CloudTrailRecord): string | undefined {
  const p = params(r);
  return str(p.name) ?? str(p.trailName);
}

function find(trails: Map<string, TrailModel>, region: string, name: string | undefined): TrailModel | undefined {
  if (!name) return undefined;
  if (name.startsWith("arn:")) return trails.get(name);
  const named = [...trails.values()].filter((t) => t.trail.Name === name);
  return named.find((t) => t.homeRegion === region) ?? named.find((t) => t.trail.IsMultiRegionTrail);
}

/** The trail as the CreateTrail call made it: not logging, CloudTrail's default selectors. */
function created(r: CloudTrailRecord, account: string): TrailModel {
  const p = params(r);
  const e = response(r);
  const region = str(r.awsRegion) ?? "";
  const name = str(e.name) ?? str(p.name) ?? "";
  const arn = str(e.trailARN) ?? `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
  const prefix = str(e.s3KeyPrefix) ?? str(p.s3KeyPrefix);
  return {
    account,
    homeRegion: region,
    trail: {
      Name: name,
      TrailARN: arn,
      HomeRegion: region,
      S3BucketName: str(e.s3BucketName) ?? str(p.s3BucketName),
      ...(prefix ? { S3KeyPrefix: prefix } : {}),
      IncludeGlobalServiceEvents: (e.includeGlobalServiceEvents ?? p.includeGlobalServiceEvents ?? true) !== false,
      IsMultiRegionTrail: (e.isMultiRegionTrail ?? p.isMultiRegionTrail) === true,
      LogFileValidationEnabled: (e.logFileValidationEnabled ?? p.enableLogFileValidation) === true,
      IsLogging: false,
    },
  };
}

function update(t: TrailModel, r: CloudTrailRecord): void {
  const p = params(r);
  const tr = t.trail;
  if (typeof p.s3BucketName === "string") tr.S3BucketName = p.s3BucketName;
  if (typeof p.s3KeyPrefix === "string") {
    if (p.s3KeyPrefix) tr.S3KeyPrefix = p.s3KeyPrefix;
    else delete tr.S3KeyPrefix;
  }
  if (typeof p.includeGlobalServiceEvents === "boolean") tr.IncludeGlobalServiceEvents = p.includeGlobalServiceEvents;
  if (typeof p.isMultiRegionTrail === "boolean") tr.IsMultiRegionTrail = p.isMultiRegionTrail;
  if (typeof p.enableLogFileValidation === "boolean") tr.LogFileValidationEnabled = p.enableLogFileValidation;
}

function putSelectors(t: TrailModel, r: CloudTrailRecord): void {
  // The response echoes the selectors as stored (defaults filled in); the request says the same in fewer words.
  const e = response(r);
  const p = params(r);
  const basic = (e.eventSelectors ?? p.eventSelectors) as unknown[] | undefined;
  const advanced = (e.advancedEventSelectors ?? p.advancedEventSelectors) as unknown[] | undefined;
  if (advanced?.length) {
    t.trail.AdvancedEventSelectors = pascal(advanced) as StoredTrail["AdvancedEventSelectors"];
    delete t.trail.EventSelectors;
  } else if (basic) {
    t.trail.EventSelectors = pascal(basic) as StoredTrail["EventSelectors"];
    delete t.trail.AdvancedEventSelectors;
  }
}

/** Replays every trail through the run's records (see the module's comment). */
export function replayTrails(out: BuildOutput): TrailReplay {
  const fallback = out.manifest.accountId;
  const byAccount = new Map<string, Map<string, TrailModel>>();
  const trailsOf = (account: string) => {
    let m = byAccount.get(account);
    if (!m) {
      m = new Map();
      byAccount.set(account, m);
    }
    return m;
  };
  // Trails the run did not create were there before it: as they end, logging as their first Start/Stop implies.
  const createdArns = new Set(out.records.filter((r) => r.eventName === "CreateTrail" && succeeded(r)).map((r) => str(response(r).trailARN) ?? ""));
  for (const t of finalTrails(out)) {
    if (createdArns.has(t.trail.TrailARN ?? "")) continue;
    const first = out.records.find(
      (r) => (r.eventName === "StartLogging" || r.eventName === "StopLogging") && succeeded(r) && [t.trail.Name, t.trail.TrailARN].includes(nameIn(r)),
    );
    const trail = clone(t.trail);
    delete trail.Delivery;
    trail.IsLogging = first ? first.eventName === "StopLogging" : t.trail.IsLogging;
    trailsOf(t.account).set(trail.TrailARN as string, { account: t.account, homeRegion: t.homeRegion, trail });
  }
  const initial = new Map([...byAccount].map(([a, m]) => [a, [...m.values()].map((t) => clone(t.trail))]));
  const takenBy: TrailModel[][] = [];
  const changes: TrailReplay["changes"] = [];
  for (const r of out.records) {
    const account = accountOf(r, fallback);
    const trails = trailsOf(account);
    if (TRAIL_CALLS.has(r.eventName) && r.eventSource === "cloudtrail.amazonaws.com" && succeeded(r)) {
      const region = str(r.awsRegion) ?? "";
      if (r.eventName === "CreateTrail") {
        const t = created(r, account);
        trails.set(t.trail.TrailARN as string, t);
      } else {
        const t = find(trails, region, nameIn(r));
        if (t) {
          if (r.eventName === "StartLogging") t.trail.IsLogging = true;
          else if (r.eventName === "StopLogging") t.trail.IsLogging = false;
          else if (r.eventName === "DeleteTrail") trails.delete(t.trail.TrailARN as string);
          else if (r.eventName === "UpdateTrail") update(t, r);
          else putSelectors(t, r);
        }
      }
      changes.push({ at: timeOfRecord(r), account, trails: [...trails.values()].map((t) => clone(t.trail)) });
    }
    // Which trails take it, as they are just after the call (so a trail's own StopLogging still reaches it).
    takenBy.push(sortedBy(trails.values(), (t) => t.trail.TrailARN ?? "").filter((t) => trailTakes(t.trail, t.homeRegion, r)));
  }
  return { takenBy, initial, changes, final: byAccount };
}

export interface TrailFilesSummary {
  files: number;
  /** Deliveries: a record taken by two trails counts twice. */
  delivered: number;
  /** Records no trail took (made while nothing was logging them). */
  undelivered: number;
}

/** Writes the trails' log files (module comment) and notes the last delivery in each trail's status. */
export function writeTrailFiles(out: BuildOutput): TrailFilesSummary {
  const replay = replayTrails(out);
  const fallback = out.manifest.accountId;
  interface Batch {
    account: string;
    arn: string;
    bucket: string;
    prefix?: string;
    region: string;
    at: number;
    records: CloudTrailRecord[];
  }
  const batches = new Map<string, Batch>();
  let delivered = 0;
  let undelivered = 0;
  out.records.forEach((r, i) => {
    const taken = replay.takenBy[i];
    if (!taken.length) undelivered++;
    for (const t of taken) {
      const bucket = t.trail.S3BucketName ?? "";
      const region = str(r.awsRegion) ?? t.homeRegion;
      const at = Math.floor(timeOfRecord(r) / DELIVERY_INTERVAL) * DELIVERY_INTERVAL + DELIVERY_INTERVAL;
      const k = [t.trail.TrailARN, bucket, t.trail.S3KeyPrefix ?? "", region, at].join("|");
      let b = batches.get(k);
      if (!b) {
        b = { account: accountOf(r, fallback), arn: t.trail.TrailARN as string, bucket, prefix: t.trail.S3KeyPrefix, region, at, records: [] };
        batches.set(k, b);
      }
      b.records.push(r);
      delivered++;
    }
  });
  const rng = out.rng("evidence/trail-files");
  const lastDelivery = new Map<string, number>();
  const missing = new Set<string>();
  let files = 0;
  for (const b of sortedBy(batches.values(), (x) => `${x.arn}|${String(x.at).padStart(15, "0")}|${x.region}|${x.bucket}|${x.prefix ?? ""}`)) {
    const suffix = rng.alnum(16);
    const buckets = (out.accounts[b.account]?.global.s3 as { buckets?: Record<string, unknown> } | undefined)?.buckets ?? {};
    if (!Object.hasOwn(buckets, b.bucket)) {
      // CloudTrail cannot deliver to a bucket that is not there (GetTrailStatus says NoSuchBucket).
      missing.add(`${b.arn} → ${b.bucket}`);
      continue;
    }
    out.writeObject(b.bucket, logFileKey(b.prefix, b.account, b.region, new Date(b.at), suffix), gz(JSON.stringify({ Records: b.records })));
    lastDelivery.set(b.arn, Math.max(lastDelivery.get(b.arn) ?? 0, b.at));
    files++;
  }
  for (const m of sortedBy(missing, (x) => x)) out.log(`  trail files: no bucket for ${m}; its records were not delivered`);
  for (const t of finalTrails(out)) {
    const at = lastDelivery.get(t.trail.TrailARN ?? "");
    if (at === undefined) continue;
    t.trail.Delivery = { ...t.trail.Delivery, LatestDeliveryTime: isoMs(at), LatestDeliveryAttemptTime: isoMs(at), LatestDeliveryAttemptSucceeded: isoMs(at) };
  }
  for (const t of finalTrails(out)) {
    const replayed = replay.final.get(t.account)?.get(t.trail.TrailARN ?? "");
    if (replayed && replayed.trail.IsLogging !== t.trail.IsLogging) {
      out.log(`  trail files: ${t.trail.TrailARN} ends ${t.trail.IsLogging ? "logging" : "stopped"} but its records say otherwise`);
    }
  }
  return { files, delivered, undelivered };
}
