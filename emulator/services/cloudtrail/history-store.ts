/**
 * The recorded CloudTrail history as LookupEvents reads it, taken in once, record by record, into the history's
 * sorted lists (EventLists). A generator's array stays as it is (the generator holds it anyway), and attribute
 * lists are built from it on first lookup. Any other source is streamed into a RecordFile, one JSON string per
 * record, its lookup values filed and its event id hashed on the way: a million records never exist as objects
 * at once, and a page reads back only its own records.
 */

import type { CloudTrailRecord } from "../../core/records.ts";
import { IntList } from "../../core/typed-lists.ts";
import { EventLists } from "./event-lists.ts";
import { RecordFile } from "./record-file.ts";

/** FNV-1a over a string's UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Records taken in between two turns of the event loop. */
const CHUNK = 4096;

/** A build given up because its history was replaced (a reset) or its runtime closed. */
export class BuildStopped extends Error {}

export class HistoryStore {
  private constructor(
    /** The history's part of the index, sequence numbers in history order. */
    readonly lists: EventLists,
    /** Only for records on disk: those in memory are hashed when the EventId table is built. */
    private readonly idHashes: IntList | undefined,
    private readonly records: readonly CloudTrailRecord[] | undefined,
    private readonly file: RecordFile | undefined,
  ) {}

  /**
   * Takes in a history, oldest first; anything but an array is streamed to a file in dir. A million records take
   * seconds, so the build yields to the event loop every few thousand (other calls are answered meanwhile) and
   * stops, closing its file, when `wanted()` says its history was replaced or its runtime closed.
   */
  static async build(source: Iterable<CloudTrailRecord>, dir: string, wanted: () => boolean = () => true): Promise<HistoryStore> {
    const records = Array.isArray(source) ? (source as readonly CloudTrailRecord[]) : undefined;
    const file = records ? undefined : new RecordFile(dir, "cloudtrail-history");
    try {
      // Records kept in memory are read again for an attribute's first lookup; streamed ones are filed now.
      const lists = new EventLists(records ? (seq) => records[seq] : undefined);
      const idHashes = records ? undefined : new IntList(1024);
      let n = 0;
      for (const r of source) {
        file?.append(JSON.stringify(r));
        lists.add(r);
        idHashes?.push(hashString(r.eventID));
        if (++n % CHUNK === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (!wanted()) throw new BuildStopped();
        }
      }
      file?.finish();
      lists.trim();
      idHashes?.trim();
      return new HistoryStore(lists, idHashes, records, file);
    } catch (e) {
      file?.close();
      throw e;
    }
  }

  get length(): number {
    return this.lists.count;
  }

  /** hashString of record i's event id. */
  idHash(i: number): number {
    return this.idHashes ? this.idHashes.data[i] >>> 0 : hashString((this.records as readonly CloudTrailRecord[])[i].eventID);
  }

  record(i: number): CloudTrailRecord {
    return this.records ? this.records[i] : this.read(i).record;
  }

  /** Record i and its JSON as JSON.stringify writes it (what LookupEvents returns as CloudTrailEvent), from one read. */
  read(i: number): { record: CloudTrailRecord; json: string } {
    if (this.records) return { record: this.records[i], json: JSON.stringify(this.records[i]) };
    const json = (this.file as RecordFile).read(i);
    return { record: JSON.parse(json) as CloudTrailRecord, json };
  }

  /** Gives back the file; a closed store reads no more. */
  close(): void {
    this.file?.close();
  }
}
