/** The append-only journal of the responder's calls, one JSON record a line, fsync'd, beside the state. */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export type JournalRecord = Record<string, unknown> & { eventTime: string; eventID: string };

export class Journal {
  private readonly file: string;
  private fd: number | undefined;
  readonly records: JournalRecord[] = [];
  private listeners: ((r: JournalRecord) => void)[] = [];

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
    fdatasyncSync(this.fd);
    this.records.push(record);
    for (const l of this.listeners) l(record);
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
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
