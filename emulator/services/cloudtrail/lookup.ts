/**
 * LookupEvents over the recording's history plus the responder's journal. An index per runtime keeps, per
 * region, every management event's sequence number sorted by (eventTime, seq), and per lookup attribute value
 * the same kind of sorted list, built on first use. History never changes and the journal only appends, so
 * the index only grows; a query is two binary searches and a slice of at most 50.
 */
import type { Event, LookupEventsCommandInput, LookupEventsCommandOutput, Resource } from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.ts";
import { isReadOnlyOperation } from "../../core/service.ts";
import type { OpHandler } from "../../core/types.ts";
import type { CloudTrailRecord } from "../../scenario/types.ts";
import type { Runtime } from "../../state/runtime.ts";
import { recordResources, recordUsername } from "./resources.ts";

export const LOOKUP_ATTRIBUTE_KEYS = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"] as const;
type AttrKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

const NINETY_DAYS = 90 * 24 * 3600_000;

interface RegionIndex {
  /** Sequence numbers of this region's management events, ascending by (time, seq). */
  all: number[];
  /** attribute → value → sorted sequence numbers; built on the first lookup by that attribute. */
  byAttr: Map<AttrKey, Map<string, number[]>>;
}

class EventIndex {
  readonly records: CloudTrailRecord[] = [];
  readonly times: number[] = [];
  readonly regions = new Map<string, RegionIndex>();
  private journalSeen = 0;
  /** Event ids are unique: one map over all records instead of a list per id. */
  private byId?: Map<string, number>;
  /** Resources derived once per record, shared by the ResourceType and ResourceName indexes. */
  private resources: (Resource[] | undefined)[] = [];

  constructor(
    readonly history: readonly CloudTrailRecord[],
    readonly journal: readonly CloudTrailRecord[],
  ) {
    for (const r of history) this.add(r);
    this.sync();
  }

  /** Takes in journal records appended since the last query. */
  sync(): void {
    while (this.journalSeen < this.journal.length) this.add(this.journal[this.journalSeen++]);
  }

  private add(r: CloudTrailRecord): void {
    const seq = this.records.length;
    this.records.push(r);
    this.times.push(Date.parse(r.eventTime));
    // LookupEvents returns management events only; data events reach trails, never the event history.
    if (r.managementEvent === false || r.eventCategory === "Data") return;
    const region = typeof r.awsRegion === "string" ? r.awsRegion : "";
    let ri = this.regions.get(region);
    if (!ri) {
      ri = { all: [], byAttr: new Map() };
      this.regions.set(region, ri);
    }
    this.insert(ri.all, seq);
    this.byId?.set(r.eventID, seq);
    for (const [key, map] of ri.byAttr) for (const v of this.values(seq, key)) this.insert(getOrInit(map, v), seq);
  }

  private values(seq: number, key: AttrKey): string[] {
    if (key !== "ResourceType" && key !== "ResourceName") return attributeValues(this.records[seq], key);
    let res = this.resources[seq];
    if (!res) {
      res = recordResources(this.records[seq]);
      this.resources[seq] = res;
    }
    return [...new Set(res.map((x) => (key === "ResourceType" ? x.ResourceType : x.ResourceName) ?? ""))];
  }

  private isServed(seq: number, region: string): boolean {
    const r = this.records[seq];
    return r.managementEvent !== false && r.eventCategory !== "Data" && (typeof r.awsRegion === "string" ? r.awsRegion : "") === region;
  }

  private insert(list: number[], seq: number): void {
    // Nearly always an append (time moves forward); an out-of-order time is placed by binary search.
    if (list.length === 0 || !this.before(seq, list[list.length - 1])) list.push(seq);
    else list.splice(this.lowerBound(list, this.times[seq], seq), 0, seq);
  }

  /** Whether a sorts before b by (time, seq). */
  before(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && a < b);
  }

  /** First index in list whose (time, seq) is ≥ (t, s). */
  lowerBound(list: number[], t: number, s: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid];
      if (this.times[m] < t || (this.times[m] === t && m < s)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  list(region: string, attr?: { key: AttrKey; value: string }): number[] {
    const ri = this.regions.get(region);
    if (!ri) return [];
    if (!attr) return ri.all;
    if (attr.key === "EventId") {
      if (!this.byId) {
        this.byId = new Map();
        for (let seq = 0; seq < this.records.length; seq++) this.byId.set(this.records[seq].eventID, seq);
      }
      const seq = this.byId.get(attr.value);
      return seq !== undefined && this.isServed(seq, region) ? [seq] : [];
    }
    let map = ri.byAttr.get(attr.key);
    if (!map) {
      map = new Map();
      for (const seq of ri.all) for (const v of this.values(seq, attr.key)) getOrInit(map, v).push(seq);
      ri.byAttr.set(attr.key, map);
    }
    return map.get(attr.value) ?? [];
  }
}

function getOrInit(map: Map<string, number[]>, key: string): number[] {
  let l = map.get(key);
  if (!l) {
    l = [];
    map.set(key, l);
  }
  return l;
}

function readOnlyOf(r: CloudTrailRecord): boolean {
  if (typeof r.readOnly === "boolean") return r.readOnly;
  if (typeof r.readOnly === "string") return r.readOnly === "true";
  return isReadOnlyOperation(r.eventName);
}

function attributeValues(r: CloudTrailRecord, key: AttrKey): string[] {
  switch (key) {
    case "EventId":
      return [r.eventID];
    case "ResourceType":
    case "ResourceName":
      return [...new Set(recordResources(r).map((x) => (key === "ResourceType" ? x.ResourceType : x.ResourceName) ?? ""))];
    case "EventName":
      return [r.eventName];
    case "EventSource":
      return [r.eventSource];
    case "ReadOnly":
      return [String(readOnlyOf(r))];
    case "Username": {
      const u = recordUsername(r);
      return u ? [u] : [];
    }
    case "AccessKeyId": {
      const k = (r.userIdentity as Record<string, unknown> | undefined)?.accessKeyId;
      return typeof k === "string" && k ? [k] : [];
    }
  }
}

const indexes = new WeakMap<Runtime, EventIndex>();

/** The runtime's event index, rebuilt when a reset replaced the history or emptied the journal. */
export function eventIndex(runtime: Runtime): EventIndex {
  let idx = indexes.get(runtime);
  const journal = runtime.journal.records as unknown as CloudTrailRecord[];
  if (!idx || idx.history !== runtime.history || idx.journal !== journal || idx.records.length < runtime.history.length) {
    idx = new EventIndex(runtime.history, journal);
    indexes.set(runtime, idx);
  } else if (idx.records.length - runtime.history.length > journal.length) {
    // The journal was cleared (reset) and refilled: start over rather than index stale records.
    idx = new EventIndex(runtime.history, journal);
    indexes.set(runtime, idx);
  } else idx.sync();
  return idx;
}

export function toLookupEvent(r: CloudTrailRecord): Event {
  const resources = recordResources(r);
  const key = (r.userIdentity as Record<string, unknown> | undefined)?.accessKeyId;
  return {
    EventId: r.eventID,
    EventName: r.eventName,
    ReadOnly: String(readOnlyOf(r)),
    AccessKeyId: typeof key === "string" && key ? key : undefined,
    EventTime: new Date(r.eventTime),
    EventSource: r.eventSource,
    Username: recordUsername(r),
    Resources: resources,
    CloudTrailEvent: JSON.stringify(r),
  };
}

interface Token {
  /** time and sequence number of the last event returned */
  t: number;
  s: number;
  /** its event id, to refuse a token from another history */
  e: string;
  /** the query the token belongs to */
  q: string;
}

function tokenError(): AwsError {
  return new AwsError("InvalidNextTokenException", "Invalid NextToken. The token is either expired or invalid.", 400);
}

export const lookupEvents: OpHandler<LookupEventsCommandInput, LookupEventsCommandOutput> = (input, ctx) => {
  const attrs = input.LookupAttributes ?? [];
  if (attrs.length > 1) {
    throw new AwsError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.", 400);
  }
  const attr = attrs[0];
  if (attr && !LOOKUP_ATTRIBUTE_KEYS.includes(attr.AttributeKey as AttrKey)) {
    throw new AwsError("InvalidLookupAttributesException", `Invalid attribute key: ${attr.AttributeKey}`, 400);
  }
  if (attr && (attr.AttributeValue === undefined || attr.AttributeValue.length < 1 || attr.AttributeValue.length > 2000)) {
    throw new AwsError("InvalidLookupAttributesException", "The attribute value must be between 1 and 2000 characters.", 400);
  }
  if (input.EventCategory !== undefined && input.EventCategory !== "insight") {
    throw new AwsError("InvalidEventCategoryException", `Invalid event category: ${input.EventCategory}`, 400);
  }
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 50)) {
    throw new AwsError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.", 400);
  }
  const now = ctx.time.getTime();
  const start = input.StartTime ? new Date(input.StartTime).getTime() : undefined;
  const end = input.EndTime ? new Date(input.EndTime).getTime() : undefined;
  if (start !== undefined && end !== undefined && start > end) {
    throw new AwsError("InvalidTimeRangeException", "Start time must be before end time.", 400);
  }
  const query = JSON.stringify([ctx.region, attr?.AttributeKey, attr?.AttributeValue, start, end, input.EventCategory ?? ""]);
  let token: Token | undefined;
  if (input.NextToken) {
    try {
      token = JSON.parse(Buffer.from(input.NextToken, "base64").toString("utf8")) as Token;
    } catch {
      throw tokenError();
    }
    if (!token || typeof token.t !== "number" || typeof token.s !== "number" || token.q !== query) throw tokenError();
  }
  // CloudTrail Insights events are not recorded by ir-range: an insight lookup has nothing to return.
  if (input.EventCategory === "insight") return { Events: [] };

  const idx = eventIndex(ctx.runtime);
  if (token && idx.records[token.s]?.eventID !== token.e) throw tokenError();
  const list = idx.list(ctx.region, attr ? { key: attr.AttributeKey as AttrKey, value: attr.AttributeValue as string } : undefined);
  // Only the last 90 days are searchable, and nothing after the emulator's now.
  const lo = idx.lowerBound(list, Math.max(start ?? 0, now - NINETY_DAYS), -1);
  const hiTime = Math.min(end ?? now, now);
  let hi = idx.lowerBound(list, hiTime, Number.MAX_SAFE_INTEGER); // exclusive: first past (hiTime, ∞)
  if (token) hi = Math.min(hi, idx.lowerBound(list, token.t, token.s));
  const max = input.MaxResults ?? 50;
  const from = Math.max(lo, hi - max);
  const events: Event[] = [];
  for (let i = hi - 1; i >= from; i--) events.push(toLookupEvent(idx.records[list[i]]));
  let NextToken: string | undefined;
  if (from > lo) {
    const last = list[from];
    const t: Token = { t: idx.times[last], s: last, e: idx.records[last].eventID, q: query };
    NextToken = Buffer.from(JSON.stringify(t)).toString("base64");
  }
  return { Events: events, NextToken };
};

/** Builds every region's index for every lookup attribute now, so the first lookup of each is as fast as the rest. */
export function warmLookupIndex(runtime: Runtime): void {
  const idx = eventIndex(runtime);
  for (const region of idx.regions.keys()) for (const key of LOOKUP_ATTRIBUTE_KEYS) idx.list(region, { key, value: "" });
}
