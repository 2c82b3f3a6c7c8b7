/**
 * One part of the LookupEvents index (the recorded history, or the responder's journal): per region, the
 * sequence numbers of the management events sorted by (eventTime, seq), and the same kind of sorted list per
 * lookup-attribute value. Lists only grow; an event older than the last one listed is placed by binary search.
 * Where the records stay at hand, an attribute's lists are built on its first lookup (most sessions use a few);
 * otherwise every value is filed as the event is added, while the record is still an object.
 */

import type { CloudTrailRecord } from "../../core/records.ts";
import { Float64List, IntList } from "../../core/typed-lists.ts";
import { eachLookupValue, eachValueOf, servedRegion, VALUE_KEYS, type ValueKey } from "./lookup-attributes.ts";

interface RegionLists {
  all: IntList;
  /** attribute → value → sorted sequence numbers, for the attributes built so far. */
  byAttr: Map<ValueKey, Map<string, IntList>>;
}

export const EMPTY_LIST = new IntList(0);

export class EventLists {
  /** Event time (epoch ms) by sequence number. */
  readonly times = new Float64List(1024);
  private readonly regions = new Map<string, RegionLists>();
  /** The region and sequence number add() is filing values for (a method, not a closure per event). */
  private current: RegionLists | undefined;
  private currentSeq = 0;

  /** recordAt gives back an added record by sequence number, for building an attribute's lists when first looked up. */
  constructor(private readonly recordAt?: (seq: number) => CloudTrailRecord) {}

  /** Events added, served or not. */
  get count(): number {
    return this.times.length;
  }

  /** Adds the next event: its sequence number is the count before. */
  add(r: CloudTrailRecord): void {
    const seq = this.times.length;
    this.times.push(Date.parse(r.eventTime));
    const region = servedRegion(r);
    if (region === undefined) return;
    let rl = this.regions.get(region);
    if (!rl) {
      rl = { all: new IntList(), byAttr: new Map(this.recordAt ? [] : VALUE_KEYS.map((k) => [k, new Map()])) };
      this.regions.set(region, rl);
    }
    this.insert(rl.all, seq);
    if (rl.byAttr.size === 0) return;
    this.current = rl;
    this.currentSeq = seq;
    eachLookupValue(r, this.fileValue);
  }

  private readonly fileValue = (key: ValueKey, value: string): void => {
    const map = (this.current as RegionLists).byAttr.get(key);
    if (!map) return;
    let list = map.get(value);
    if (!list) {
      list = new IntList(4);
      map.set(value, list);
    }
    this.insert(list, this.currentSeq);
  };

  regionNames(): IterableIterator<string> {
    return this.regions.keys();
  }

  /** The region's events, or those with the attribute value, ascending by (time, seq). */
  list(region: string, attr?: { key: ValueKey; value: string }): IntList {
    const rl = this.regions.get(region);
    if (!rl) return EMPTY_LIST;
    if (!attr) return rl.all;
    let map = rl.byAttr.get(attr.key);
    if (!map) {
      if (!this.recordAt) return EMPTY_LIST;
      map = this.buildAttribute(rl, attr.key, this.recordAt);
    }
    return map.get(attr.value) ?? EMPTY_LIST;
  }

  private buildAttribute(rl: RegionLists, key: ValueKey, recordAt: (seq: number) => CloudTrailRecord): Map<string, IntList> {
    const built = new Map<string, IntList>();
    const all = rl.all;
    for (let i = 0; i < all.length; i++) {
      const seq = all.data[i];
      // Walking the region's list in order keeps every value's list sorted: pushes only.
      eachValueOf(recordAt(seq), key, (v) => {
        let list = built.get(v);
        if (!list) {
          list = new IntList(4);
          built.set(v, list);
        }
        list.push(seq);
      });
    }
    for (const l of built.values()) l.trim();
    rl.byAttr.set(key, built);
    return built;
  }

  /** First index in list whose (time, seq) is ≥ (t, s). */
  lowerBound(list: IntList, t: number, s: number): number {
    const data = list.data;
    const times = this.times.data;
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

  /** Gives back the lists' spare capacity once no more events come. */
  trim(): void {
    this.times.trim();
    for (const rl of this.regions.values()) {
      rl.all.trim();
      for (const map of rl.byAttr.values()) for (const l of map.values()) l.trim();
    }
  }

  private insert(list: IntList, seq: number): void {
    // Nearly always an append (time moves forward); an out-of-order time is placed by binary search.
    const times = this.times.data;
    const last = list.length === 0 ? -1 : list.data[list.length - 1];
    if (last < 0 || times[seq] > times[last] || (times[seq] === times[last] && seq > last)) list.push(seq);
    else list.insertAt(this.lowerBound(list, times[seq], seq), seq);
  }
}
