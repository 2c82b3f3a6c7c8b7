/**
 * The append-only journal of the responder's calls, one JSON record a line, beside the state (journal.ndjson). Each
 * line is written before the response leaves (so a kill -9 loses nothing acknowledged); fsync is batched off the
 * request path. The records stay on disk: memory keeps an index of typed arrays (where each line is, and the few
 * fields readers filter on: time, event source, read-only, failed), about 24 bytes a record, and a record is read
 * back by number with one positional read (the OS page cache keeps the file's end hot).
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { JournalRecord } from "../core/records.ts";
import type { JournalApi, JournalSummary } from "../core/runtime.ts";
import { Float64List, IntList } from "../core/typed-lists.ts";

const SCAN_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** A page of the journal as its lines (each record's JSON), and where the next page starts. */
export interface JournalLinesPage {
  lines: string[];
  /** The token of the next page; absent on the last page (as of now: later calls extend the journal). */
  next?: string;
}

export class Journal implements JournalApi {
  private readonly file: string;
  private fd: number | undefined;
  /** Where each record's line starts in the file, and its length in bytes (without the newline). */
  private offsets = new Float64List(1024);
  private lengths = new IntList(1024);
  /** eventTime in epoch ms. */
  private times = new Float64List(1024);
  /** The event source's number in `sources` << 2 | failed << 1 | readOnly. */
  private meta = new IntList(1024);
  private readonly sources: string[] = [];
  private readonly sourceIds = new Map<string, number>();
  /** Bytes in the file: where the next line starts. */
  private size = 0;
  private gen = 0;
  private listeners: ((r: JournalRecord) => void)[] = [];
  private syncPending = false;
  private readonly scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(dir: string) {
    this.file = join(dir, "journal.ndjson");
    if (existsSync(this.file)) this.load();
  }

  /** Indexes the file line by line, a chunk at a time; a torn last line (a crash mid-append) is cut off the file. */
  private load(): void {
    const fd = openSync(this.file, "r+");
    try {
      const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
      let carry: Buffer[] = [];
      let carryLen = 0;
      let lineStart = 0;
      let pos = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, pos);
        if (n === 0) break;
        let from = 0;
        for (let nl = chunk.indexOf(NEWLINE, 0); nl >= 0 && nl < n; nl = chunk.indexOf(NEWLINE, from)) {
          const piece = chunk.subarray(from, nl);
          const line = carryLen === 0 ? piece : Buffer.concat([...carry, piece], carryLen + piece.length);
          this.indexLine(line, lineStart);
          carry = [];
          carryLen = 0;
          lineStart = pos + nl + 1;
          from = nl + 1;
        }
        if (from < n) {
          // The start of a line that goes on in the next chunk (or a torn last line).
          carry.push(Buffer.from(chunk.subarray(from, n)));
          carryLen += n - from;
        }
        pos += n;
      }
      // Every complete line before a torn one stands; the torn bytes go, so the next append starts a line of its own.
      if (carryLen > 0) ftruncateSync(fd, lineStart);
      this.size = lineStart;
    } finally {
      closeSync(fd);
    }
  }

  private indexLine(line: Buffer, start: number): void {
    if (line.length === 0) return;
    let r: JournalRecord;
    try {
      r = JSON.parse(line.toString("utf8")) as JournalRecord;
    } catch {
      // A line that is no record (damaged on disk) is skipped; the records around it stand.
      return;
    }
    this.index(r, start, line.length);
  }

  private index(r: JournalRecord, start: number, length: number): void {
    this.offsets.push(start);
    this.lengths.push(length);
    this.times.push(Date.parse(r.eventTime));
    const source = typeof r.eventSource === "string" ? r.eventSource : "";
    let id = this.sourceIds.get(source);
    if (id === undefined) {
      id = this.sources.length;
      this.sources.push(source);
      this.sourceIds.set(source, id);
    }
    this.meta.push((id << 2) | (r.errorCode ? 2 : 0) | (r.readOnly === true ? 1 : 0));
  }

  /** Records in the journal. */
  get length(): number {
    return this.offsets.length;
  }

  /** Changes when the journal is cleared: a position read before then names another record now. */
  get generation(): number {
    return this.gen;
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) this.fd = openSync(this.file, "a+");
    const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    // One write of the whole line, before the response leaves: the kernel has it even if the process dies next.
    for (let done = 0; done < line.length; ) done += writeSync(this.fd, line, done, line.length - done);
    this.index(record, this.size, line.length - 1);
    this.size += line.length;
    this.scheduleSync();
    for (const l of this.listeners) l(record);
  }

  private scheduleSync(): void {
    if (this.syncPending) return;
    this.syncPending = true;
    setTimeout(() => {
      this.syncPending = false;
      if (this.fd !== undefined) fdatasync(this.fd, () => {});
    }, 50).unref();
  }

  /** Record i's fields from the index, with no read. */
  summary(i: number): JournalSummary {
    this.check(i);
    const m = this.meta.data[i];
    return { time: this.times.data[i], eventSource: this.sources[m >>> 2], readOnly: (m & 1) === 1, failed: (m & 2) === 2 };
  }

  /** Record i's line: the record as JSON.stringify wrote it. */
  readJson(i: number): string {
    this.check(i);
    const len = this.lengths.data[i];
    // A big record gets a buffer of its own, so the kept one stays small.
    const buf = len <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(len);
    this.readAt(buf, len, this.offsets.data[i]);
    return buf.toString("utf8", 0, len);
  }

  read(i: number): JournalRecord {
    return JSON.parse(this.readJson(i)) as JournalRecord;
  }

  /** Records from..from+count-1 (as many as there are), read in one go. */
  page(from: number, count: number): JournalRecord[] {
    return this.pageLines(from, count).map((l) => JSON.parse(l) as JournalRecord);
  }

  /** Every record, oldest first, a page at a time (only the page being read is in memory). */
  *[Symbol.iterator](): IterableIterator<JournalRecord> {
    const gen = this.gen;
    for (let i = 0; i < this.length && gen === this.gen; i += 1000) yield* this.page(i, 1000);
  }

  /** The lines of records from..from+count-1, from one read of the span they occupy. */
  pageLines(from: number, count: number): string[] {
    const [start, end] = this.span(from, count);
    if (end <= start) return [];
    const buf = Buffer.allocUnsafe(this.offsets.data[end - 1] + this.lengths.data[end - 1] - this.offsets.data[start]);
    this.readAt(buf, buf.length, this.offsets.data[start]);
    return this.split(buf, start, end);
  }

  /**
   * A page of lines for the /_ir-range/journal route: read off the event loop (the file is opened and read in the
   * thread pool), so a big page blocks no other request. `next` is a token this method gave, or undefined for the
   * first page; undefined comes back for a token that is not one of this journal's (or whose record a reset took).
   */
  async pageLinesAsync(next: string | undefined, limit: number): Promise<JournalLinesPage | undefined> {
    let from = 0;
    if (next !== undefined) {
      const at = this.openToken(next);
      if (at === undefined) return undefined;
      from = at;
    }
    const gen = this.gen;
    const [start, end] = this.span(from, limit);
    if (end <= start) return { lines: [] };
    const base = this.offsets.data[start];
    const buf = Buffer.allocUnsafe(this.offsets.data[end - 1] + this.lengths.data[end - 1] - base);
    const fh = await open(this.file, "r");
    try {
      for (let got = 0; got < buf.length; ) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, base + got);
        if (bytesRead === 0) throw new Error("journal file is shorter than its index");
        got += bytesRead;
      }
    } finally {
      await fh.close();
    }
    // Cleared while the page was read: what was read may be of the journal before.
    if (gen !== this.gen) return undefined;
    const lines = this.split(buf, start, end);
    return { lines, next: end < this.length ? this.token(end) : undefined };
  }

  /** A page token: the position of the next record, with a hash of the line before it (a reset makes it stale). */
  private token(at: number): string {
    return `${at}.${this.lineHash(at - 1)}`;
  }

  private openToken(token: string): number | undefined {
    const m = /^(\d{1,15})\.([0-9a-f]{16})$/.exec(token);
    if (!m) return undefined;
    const at = Number(m[1]);
    if (at < 1 || at > this.length || this.lineHash(at - 1) !== m[2]) return undefined;
    return at;
  }

  private lineHash(i: number): string {
    return createHash("sha256").update(this.readJson(i)).digest("hex").slice(0, 16);
  }

  private span(from: number, count: number): [number, number] {
    const start = Math.max(0, Math.min(from, this.length));
    return [start, Math.max(start, Math.min(this.length, start + Math.max(0, count)))];
  }

  private split(buf: Buffer, start: number, end: number): string[] {
    const base = this.offsets.data[start];
    const lines: string[] = [];
    for (let i = start; i < end; i++) {
      const at = this.offsets.data[i] - base;
      lines.push(buf.toString("utf8", at, at + this.lengths.data[i]));
    }
    return lines;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`journal has no record ${i}`);
  }

  private readAt(buf: Buffer, len: number, position: number): void {
    if (this.fd === undefined) this.fd = openSync(this.file, "a+");
    const fd = this.fd;
    for (let got = 0; got < len; ) {
      const n = readSync(fd, buf, got, len - got, position + got);
      if (n === 0) throw new Error("journal file is shorter than its index");
      got += n;
    }
  }

  onAppend(listener: (r: JournalRecord) => void): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.close();
    rmSync(this.file, { force: true });
    this.offsets = new Float64List(1024);
    this.lengths = new IntList(1024);
    this.times = new Float64List(1024);
    this.meta = new IntList(1024);
    this.size = 0;
    this.gen++;
  }

  close(): void {
    if (this.fd !== undefined) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    this.fd = undefined;
  }
}
