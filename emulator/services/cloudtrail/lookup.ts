/**
 * LookupEvents over the recording's history plus the responder's journal. An index per runtime keeps, per
 * region, every management event's sequence number sorted by (eventTime, seq), and per lookup attribute value
 * the same kind of sorted list, built on first use. History never changes and the journal only appends, so
 * the index only grows; a query is two binary searches and a slice of at most 50.
 */
import type { Event, LookupEventsCommandInput, LookupEventsCommandOutput } from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.ts";
import { isReadOnlyOperation } from "../../core/service.ts";
import type { OpHandler } from "../../core/types.ts";
import type { CloudTrailRecord } from "../../scenario/types.ts";
import type { Runtime } from "../../state/runtime.ts";
import { recordResources, recordUsername } from "./resources.ts";

export const LOOKUP_ATTRIBUTE_KEYS = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"] as const;
type AttrKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

const NINETY_DAYS = 90 * 24 * 3600_000;

/** A growable list of int32 (sequence numbers): 4 bytes an entry instead of a JS array's 8 and more. */
class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }

  private grow(min: number): void {
    const next = new Int32Array(Math.max(min, this.data.length * 2, 16));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  insertAt(i: number, v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data.copyWithin(i + 1, i, this.length);
    this.data[i] = v;
    this.length++;
  }

  /** Gives back the spare capacity once a list is built. */
  trim(): void {
    if (this.data.length > this.length + 16) this.data = this.data.slice(0, this.length);
  }
}

const EMPTY = new IntList(0);

interface RegionIndex {
  /** Sequence numbers of this region's management events, ascending by (time, seq). */
  all: IntList;
  /** attribute → value → sorted sequence numbers; built on the first lookup by that attribute. */
  byAttr: Map<AttrKey, Map<string, IntList>>;
}

/** FNV-1a over a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Sequence numbers by event id: an open-addressing table of seq + 1 (0 = empty) hashed by the id, the id
 * itself read back from the record. About 8 bytes an event where a Map<string, number> takes 40 and more.
 */
class IdTable {
  private slots = new Int32Array(0);
  private size = 0;

  constructor(private readonly idOf: (seq: number) => string) {}

  add(seq: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(Math.max(1024, this.slots.length * 2));
    this.place(this.slots, seq);
    this.size++;
  }

  private place(slots: Int32Array, seq: number): void {
    const mask = slots.length - 1;
    let i = hashString(this.idOf(seq)) & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = seq + 1;
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity);
    for (const v of old) if (v !== 0) this.place(this.slots, v - 1);
  }

  /** Prepares room for n ids at once (a power of two at least twice as large). */
  reserve(n: number): void {
    let cap = 1024;
    while (cap < n * 2) cap *= 2;
    if (cap > this.slots.length) this.rehash(cap);
  }

  /** The last record with this id, as a Map filled in order would keep (ids are unique in practice). */
  get(id: string): number | undefined {
    if (this.slots.length === 0) return undefined;
    const mask = this.slots.length - 1;
    let found: number | undefined;
    for (let i = hashString(id) & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      const seq = this.slots[i] - 1;
      if (this.idOf(seq) === id && (found === undefined || seq > found)) found = seq;
    }
    return found;
  }
}

class EventIndex {
  /** Records indexed: history first, then the journal in order. */
  count = 0;
  /** Event time (epoch ms) by sequence number; the first `count` entries are used. */
  times = new Float64Array(0);
  readonly regions = new Map<string, RegionIndex>();
  private journalSeen = 0;
  /** Event ids are unique: one table over all records instead of a list per id; built on the first EventId lookup. */
  private byId?: IdTable;

  constructor(
    readonly history: readonly CloudTrailRecord[],
    readonly journal: readonly CloudTrailRecord[],
  ) {
    this.times = new Float64Array(history.length + journal.length + 1024);
    for (const r of history) this.add(r);
    this.sync();
    for (const ri of this.regions.values()) ri.all.trim();
  }

  /** The record with this sequence number: history, then journal (never copied). */
  record(seq: number): CloudTrailRecord {
    const h = this.history.length;
    return seq < h ? this.history[seq] : this.journal[seq - h];
  }

  /** Takes in journal records appended since the last query. */
  sync(): void {
    while (this.journalSeen < this.journal.length) this.add(this.journal[this.journalSeen++]);
  }

  private add(r: CloudTrailRecord): void {
    const seq = this.count++;
    if (seq === this.times.length) {
      const next = new Float64Array(this.times.length * 2 + 1024);
      next.set(this.times);
      this.times = next;
    }
    this.times[seq] = Date.parse(r.eventTime);
    // LookupEvents returns management events only; data events reach trails, never the event history.
    if (r.managementEvent === false || r.eventCategory === "Data") return;
    const region = typeof r.awsRegion === "string" ? r.awsRegion : "";
    let ri = this.regions.get(region);
    if (!ri) {
      ri = { all: new IntList(), byAttr: new Map() };
      this.regions.set(region, ri);
    }
    this.insert(ri.all, seq);
    this.byId?.add(seq);
    for (const [key, map] of ri.byAttr) this.eachValue(seq, key, (v) => this.insert(getOrInit(map, v), seq));
  }

  /** Calls fn once for each distinct value the record has for the attribute. */
  private eachValue(seq: number, key: AttrKey, fn: (v: string) => void): void {
    const r = this.record(seq);
    if (key === "ResourceType" || key === "ResourceName") {
      // Derived afresh, never cached per record: the resources of a million records would take hundreds of MB.
      const res = recordResources(r);
      if (res.length === 1) fn((key === "ResourceType" ? res[0].ResourceType : res[0].ResourceName) ?? "");
      else if (res.length > 1) for (const v of new Set(res.map((x) => (key === "ResourceType" ? x.ResourceType : x.ResourceName) ?? ""))) fn(v);
      return;
    }
    const v = attributeValue(r, key);
    if (v !== undefined) fn(v);
  }

  private isServed(seq: number, region: string): boolean {
    const r = this.record(seq);
    return r.managementEvent !== false && r.eventCategory !== "Data" && (typeof r.awsRegion === "string" ? r.awsRegion : "") === region;
  }

  private insert(list: IntList, seq: number): void {
    // Nearly always an append (time moves forward); an out-of-order time is placed by binary search.
    if (list.length === 0 || !this.before(seq, list.data[list.length - 1])) list.push(seq);
    else list.insertAt(this.lowerBound(list, this.times[seq], seq), seq);
  }

  /** Whether a sorts before b by (time, seq). */
  before(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && a < b);
  }

  /** First index in list whose (time, seq) is ≥ (t, s). */
  lowerBound(list: IntList, t: number, s: number): number {
    const data = list.data;
    const times = this.times;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = data[mid];
      if (times[m] < t || (times[m] === t && m < s)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  list(region: string, attr?: { key: AttrKey; value: string }): IntList {
    const ri = this.regions.get(region);
    if (!ri) return EMPTY;
    if (!attr) return ri.all;
    if (attr.key === "EventId") {
      if (!this.byId) {
        const byId = new IdTable((seq) => this.record(seq).eventID);
        byId.reserve(this.count);
        for (let seq = 0; seq < this.count; seq++) byId.add(seq);
        this.byId = byId;
      }
      const seq = this.byId.get(attr.value);
      if (seq === undefined || !this.isServed(seq, region)) return EMPTY;
      const one = new IntList(1);
      one.push(seq);
      return one;
    }
    let map = ri.byAttr.get(attr.key);
    if (!map) {
      const built = new Map<string, IntList>();
      const all = ri.all;
      for (let i = 0; i < all.length; i++) {
        const seq = all.data[i];
        this.eachValue(seq, attr.key, (v) => getOrInit(built, v).push(seq));
      }
      for (const l of built.values()) l.trim();
      map = built;
      ri.byAttr.set(attr.key, map);
    }
    return map.get(attr.value) ?? EMPTY;
  }
}

function getOrInit(map: Map<string, IntList>, key: string): IntList {
  let l = map.get(key);
  if (!l) {
    l = new IntList();
    map.set(key, l);
  }
  return l;
}

function readOnlyOf(r: CloudTrailRecord): boolean {
  if (typeof r.readOnly === "boolean") return r.readOnly;
  if (typeof r.readOnly === "string") return r.readOnly === "true";
  return isReadOnlyOperation(r.eventName);
}

/** The one value of a single-valued attribute (all but ResourceType and ResourceName), if the record has it. */
function attributeValue(r: CloudTrailRecord, key: Exclude<AttrKey, "ResourceType" | "ResourceName">): string | undefined {
  switch (key) {
    case "EventId":
      return r.eventID;
    case "EventName":
      return r.eventName;
    case "EventSource":
      return r.eventSource;
    case "ReadOnly":
      return String(readOnlyOf(r));
    case "Username":
      return recordUsername(r) || undefined;
    case "AccessKeyId": {
      const k = (r.userIdentity as Record<string, unknown> | undefined)?.accessKeyId;
      return typeof k === "string" && k ? k : undefined;
    }
  }
}

const indexes = new WeakMap<Runtime, EventIndex>();

/** The runtime's event index, rebuilt when a reset replaced the history or emptied the journal. */
export function eventIndex(runtime: Runtime): EventIndex {
  let idx = indexes.get(runtime);
  const journal = runtime.journal.records as unknown as CloudTrailRecord[];
  if (!idx || idx.history !== runtime.history || idx.journal !== journal || idx.count < runtime.history.length) {
    idx = new EventIndex(runtime.history, journal);
    indexes.set(runtime, idx);
  } else if (idx.count - runtime.history.length > journal.length) {
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
  if (token && (token.s < 0 || token.s >= idx.count || !Number.isInteger(token.s) || idx.record(token.s)?.eventID !== token.e)) throw tokenError();
  const list = idx.list(ctx.region, attr ? { key: attr.AttributeKey as AttrKey, value: attr.AttributeValue as string } : undefined);
  // Only the last 90 days are searchable, and nothing after the emulator's now.
  const lo = idx.lowerBound(list, Math.max(start ?? 0, now - NINETY_DAYS), -1);
  const hiTime = Math.min(end ?? now, now);
  let hi = idx.lowerBound(list, hiTime, Number.MAX_SAFE_INTEGER); // exclusive: first past (hiTime, ∞)
  if (token) hi = Math.min(hi, idx.lowerBound(list, token.t, token.s));
  const max = input.MaxResults ?? 50;
  const from = Math.max(lo, hi - max);
  const events: Event[] = [];
  for (let i = hi - 1; i >= from; i--) events.push(toLookupEvent(idx.record(list.data[i])));
  let NextToken: string | undefined;
  if (from > lo) {
    const last = list.data[from];
    const t: Token = { t: idx.times[last], s: last, e: idx.record(last).eventID, q: query };
    NextToken = Buffer.from(JSON.stringify(t)).toString("base64");
  }
  return { Events: events, NextToken };
};

/**
 * Builds every region's index for every lookup attribute now, so the first lookup of each is as fast as the rest;
 * all but EventId, whose table is built on the first lookup by id (a few hundred ms over a million events): reading
 * every id costs memory (about 30 MB over a million events) that most sessions never need.
 */
export function warmLookupIndex(runtime: Runtime): void {
  const idx = eventIndex(runtime);
  for (const region of idx.regions.keys()) for (const key of LOOKUP_ATTRIBUTE_KEYS) if (key !== "EventId") idx.list(region, { key, value: "" });
}
