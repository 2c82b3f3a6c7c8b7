/**
 * The append-only journal of the responder's calls, one JSON record a line, beside the state. Each line is
 * written before the response leaves (so a kill -9 loses nothing); fsync is batched off the request path.
 */
import { appendFileSync, closeSync, existsSync, fdatasync, fdatasyncSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JournalRecord } from "../core/records.ts";
import type { JournalApi } from "../core/runtime.ts";

export class Journal implements JournalApi {
  private readonly file: string;
  private fd: number | undefined;
  readonly records: JournalRecord[] = [];
  private listeners: ((r: JournalRecord) => void)[] = [];
  private syncPending = false;

  constructor(dir: string) {
    this.file = join(dir, "journal.ndjson");
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, "utf8").split("\n")) {
        if (!line) continue;
        try {
          this.records.push(JSON.parse(line) as JournalRecord);
        } catch {
          // A torn last line from a crash mid-append is dropped; every complete line before it stands.
        }
      }
    }
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) this.fd = openSync(this.file, "a");
    appendFileSync(this.fd, `${JSON.stringify(record)}\n`);
    this.scheduleSync();
    this.records.push(record);
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

  onAppend(listener: (r: JournalRecord) => void): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.close();
    rmSync(this.file, { force: true });
    this.records.length = 0;
  }

  close(): void {
    if (this.fd !== undefined) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    this.fd = undefined;
  }
}
