/**
 * LookupEvents over the recording's history plus the responder's journal, in two parts: the history store's
 * sorted lists, built once as the history is taken in, and the journal's, which grow as calls are journaled.
 * A query is two binary searches in each part's list, merged newest first for a page of at most 50; only the
 * page's records are read back.
 */
import type { Event, LookupEventsCommandInput, LookupEventsCommandOutput } from "@aws-sdk/client-cloudtrail";
import { AwsError } from "../../core/errors.ts";
import { openToken, sealToken } from "../../core/page-token.ts";
import type { CloudTrailRecord } from "../../core/records.ts";
import type { JournalApi, Runtime } from "../../core/runtime.ts";
import { IntList } from "../../core/typed-lists.ts";
import type { OpHandler } from "../../core/types.ts";
import { EventLists } from "./event-lists.ts";
import { BuildStopped, HistoryStore, hashString } from "./history-store.ts";
import { type AttrKey, accessKeyOf, LOOKUP_ATTRIBUTE_KEYS, readOnlyOf, servedRegion, VALUE_KEYS, type ValueKey } from "./lookup-attributes.ts";
import { recordResources, recordUsername } from "./resources.ts";

const NINETY_DAYS = 90 * 24 * 3600_000;

/**
 * Sequence numbers by event id: an open-addressing table of seq + 1 (0 = empty) placed by a hash of the id; a
 * record is read back only when its hash matches. About 8 bytes an event where a Map<string, number> takes 40 and more.
 */
class IdTable {
  private slots = new Int32Array(0);
  private size = 0;

  constructor(
    private readonly hashOf: (seq: number) => number,
    private readonly idOf: (seq: number) => string,
  ) {}

  add(seq: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(Math.max(1024, this.slots.length * 2));
    this.place(this.slots, seq);
    this.size++;
  }

  private place(slots: Int32Array, seq: number): void {
    const mask = slots.length - 1;
    let i = this.hashOf(seq) & mask;
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
    const h = hashString(id);
    let found: number | undefined;
    for (let i = h & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      const seq = this.slots[i] - 1;
      if (this.hashOf(seq) === h && this.idOf(seq) === id && (found === undefined || seq > found)) found = seq;
    }
    return found;
  }
}

/** A position in the (time, seq) order. */
interface Bound {
  t: number;
  s: number;
}

/** Journal records taken in with one read. */
const JOURNAL_PAGE = 1000;

class EventIndex {
  /**
   * The journal's part; its sequence numbers follow the history's (journal record i is store.length + i). The
   * journal's records stay on disk, so every lookup value is filed as a record is taken in, as for a streamed history.
   */
  private readonly journalLists = new EventLists();
  /** hashString of each journal record's event id, for the EventId table. */
  private readonly journalIdHashes = new IntList(1024);
  private journalSeen = 0;
  /** Event ids are unique: one table over all records instead of a list per id; built on the first EventId lookup. */
  private byId?: IdTable;
  /** The journal's generation this index was built for (a reset clears the journal). */
  readonly generation: number;

  constructor(
    /** The runtime's history this index was built for (a reset brings another). */
    readonly source: Iterable<CloudTrailRecord>,
    readonly store: HistoryStore,
    readonly journal: JournalApi,
  ) {
    this.generation = journal.generation;
    this.sync();
  }

  /** Records indexed: history first, then the journal in order. */
  get count(): number {
    return this.store.length + this.journalLists.count;
  }

  time(seq: number): number {
    const h = this.store.length;
    return seq < h ? this.store.lists.times.data[seq] : this.journalLists.times.data[seq - h];
  }

  /** The record with this sequence number: history, then journal. */
  record(seq: number): CloudTrailRecord {
    const h = this.store.length;
    return seq < h ? this.store.record(seq) : (this.journal.read(seq - h) as unknown as CloudTrailRecord);
  }

  /** The record and its JSON (CloudTrailEvent), with one read for a history record kept on disk. */
  read(seq: number): { record: CloudTrailRecord; json: string } {
    const h = this.store.length;
    if (seq < h) return this.store.read(seq);
    // The journal's line is the record as JSON.stringify wrote it.
    const json = this.journal.readJson(seq - h);
    return { record: JSON.parse(json) as CloudTrailRecord, json };
  }

  /** Takes in journal records appended since the last query, read from disk a page at a time. */
  sync(): void {
    while (this.journalSeen < this.journal.length) {
      for (const r of this.journal.page(this.journalSeen, JOURNAL_PAGE) as unknown as CloudTrailRecord[]) {
        this.journalLists.add(r);
        this.journalIdHashes.push(hashString(r.eventID));
        this.byId?.add(this.store.length + this.journalSeen);
        this.journalSeen++;
      }
    }
  }

  /**
   * The newest `max` of the region's events (with the attribute value) from time `from` (inclusive) to `to`
   * (exclusive) in (time, seq) order, newest first, and whether older ones remain.
   */
  page(region: string, attr: { key: AttrKey; value: string } | undefined, from: number, to: Bound, max: number): { seqs: number[]; more: boolean } {
    if (attr?.key === "EventId") {
      const seq = this.idTable().get(attr.value);
      if (seq === undefined || servedRegion(this.record(seq)) !== region) return { seqs: [], more: false };
      const t = this.time(seq);
      return { seqs: t >= from && (t < to.t || (t === to.t && seq < to.s)) ? [seq] : [], more: false };
    }
    const byValue = attr as { key: ValueKey; value: string } | undefined;
    const h = this.store.length;
    const hist = this.store.lists;
    const jour = this.journalLists;
    const hl = hist.list(region, byValue);
    const jl = jour.list(region, byValue);
    // Each part's list is searched with the bounds in its own sequence numbers (the journal's start at 0).
    const hLo = hist.lowerBound(hl, from, -1);
    const jLo = jour.lowerBound(jl, from, -1);
    let i = hist.lowerBound(hl, to.t, to.s) - 1;
    let j = jour.lowerBound(jl, to.t, to.s - h) - 1;
    const seqs: number[] = [];
    while (seqs.length < max && (i >= hLo || j >= jLo)) {
      // On equal times the journal's record is the later one: its sequence number is higher.
      if (j < jLo || (i >= hLo && hist.times.data[hl.data[i]] > jour.times.data[jl.data[j]])) seqs.push(hl.data[i--]);
      else seqs.push(h + jl.data[j--]);
    }
    return { seqs, more: i >= hLo || j >= jLo };
  }

  /** Builds the attribute lists not built yet (where records are at hand, they wait for their first lookup). */
  warm(): void {
    for (const lists of [this.store.lists, this.journalLists]) {
      for (const region of lists.regionNames()) for (const key of VALUE_KEYS) lists.list(region, { key, value: "" });
    }
  }

  private idTable(): IdTable {
    if (!this.byId) {
      const h = this.store.length;
      const byId = new IdTable(
        (seq) => (seq < h ? this.store.idHash(seq) : this.journalIdHashes.data[seq - h] >>> 0),
        (seq) => this.record(seq).eventID,
      );
      byId.reserve(this.count);
      for (let seq = 0; seq < this.count; seq++) byId.add(seq);
      this.byId = byId;
    }
    return this.byId;
  }
}

const indexes = new WeakMap<Runtime, EventIndex>();
/** The build of each runtime's history store under way, and the history it is for. */
const building = new WeakMap<Runtime, { source: Iterable<CloudTrailRecord>; done: Promise<void> }>();
const closed = new WeakSet<Runtime>();
const watching = new WeakSet<Runtime>();

/**
 * The runtime's event index. Its history store is built on first use (streaming the scenario's history in, with
 * the event loop free between chunks) and again when a reset replaced the history: the replaced store is closed
 * first, and a build still under way for it stops at its next chunk. The runtime's close closes the last one.
 */
export async function eventIndex(runtime: Runtime): Promise<EventIndex> {
  if (!watching.has(runtime)) {
    watching.add(runtime);
    runtime.onClose(() => {
      closed.add(runtime);
      indexes.get(runtime)?.store.close();
    });
  }
  for (;;) {
    const source = runtime.history;
    const journal = runtime.journal;
    let idx = indexes.get(runtime);
    if (idx && idx.source === source) {
      if (idx.journal !== journal || idx.generation !== journal.generation || idx.count - idx.store.length > journal.length) {
        // The journal was cleared (reset) and refilled: index it afresh rather than keep stale records.
        idx = new EventIndex(source, idx.store, journal);
        indexes.set(runtime, idx);
      } else idx.sync();
      return idx;
    }
    let b = building.get(runtime);
    if (!b || b.source !== source) {
      indexes.delete(runtime);
      idx?.store.close();
      const wanted = () => runtime.history === source && !closed.has(runtime);
      const done = HistoryStore.build(source, runtime.stateDir, wanted).then((store) => {
        if (wanted()) indexes.set(runtime, new EventIndex(source, store, runtime.journal));
        else store.close();
      });
      b = { source, done };
      building.set(runtime, b);
      void done
        .finally(() => {
          if (building.get(runtime) === b) building.delete(runtime);
        })
        .catch(() => undefined);
    }
    try {
      await b.done;
    } catch (e) {
      // Stopped for a newer history: the loop takes that one up. Anything else is a failure of this call.
      if (!(e instanceof BuildStopped) || closed.has(runtime)) throw e;
    }
  }
}

/** The Event LookupEvents returns for a record; json is the record as JSON.stringify writes it. */
function toLookupEvent(r: CloudTrailRecord, json: string): Event {
  const resources = recordResources(r);
  return {
    EventId: r.eventID,
    EventName: r.eventName,
    ReadOnly: String(readOnlyOf(r)),
    AccessKeyId: accessKeyOf(r),
    EventTime: new Date(r.eventTime),
    EventSource: r.eventSource,
    Username: recordUsername(r),
    Resources: resources,
    CloudTrailEvent: json,
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

export const lookupEvents: OpHandler<LookupEventsCommandInput, LookupEventsCommandOutput> = async (input, ctx) => {
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
    const v = openToken(input.NextToken);
    if (!v || typeof v.t !== "number" || typeof v.s !== "number" || v.q !== query) throw tokenError();
    token = v as unknown as Token;
  }
  // CloudTrail Insights events are not recorded by ir-range: an insight lookup has nothing to return.
  if (input.EventCategory === "insight") return { Events: [] };

  const idx = await eventIndex(ctx.runtime);
  if (token && (token.s < 0 || token.s >= idx.count || !Number.isInteger(token.s) || idx.record(token.s)?.eventID !== token.e)) throw tokenError();
  // Only the last 90 days are searchable, and nothing after the emulator's now.
  const from = Math.max(start ?? 0, now - NINETY_DAYS);
  let to: Bound = { t: Math.min(end ?? now, now), s: Number.MAX_SAFE_INTEGER };
  if (token && (token.t < to.t || (token.t === to.t && token.s < to.s))) to = { t: token.t, s: token.s };
  const byAttr = attr ? { key: attr.AttributeKey as AttrKey, value: attr.AttributeValue as string } : undefined;
  const { seqs, more } = idx.page(ctx.region, byAttr, from, to, input.MaxResults ?? 50);
  const events: Event[] = [];
  for (const seq of seqs) {
    const { record, json } = idx.read(seq);
    events.push(toLookupEvent(record, json));
  }
  let NextToken: string | undefined;
  if (more) {
    const last = seqs[seqs.length - 1];
    const t: Token = { t: idx.time(last), s: last, e: events[events.length - 1].EventId as string, q: query };
    NextToken = sealToken(t);
  }
  return { Events: events, NextToken };
};

/**
 * Takes the history in and builds every region's lists for every lookup attribute now, so the first lookup of
 * each is as fast as the rest; all but the EventId table, built from the ids' hashes on the first lookup by id
 * (8 MB and about 100 ms over a million events, which most sessions never need).
 */
export async function warmLookupIndex(runtime: Runtime): Promise<void> {
  (await eventIndex(runtime)).warm();
}
