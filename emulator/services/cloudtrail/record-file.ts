/**
 * Strings kept on disk instead of in the heap: appended once, then read back by number with positional reads
 * (the OS page cache keeps the file hot). The file is unlinked as soon as it is open, so it goes away with the
 * process (closed, crashed or killed) and no other process or later run can ever read it; where unlinking an
 * open file fails, it is removed on close instead.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Float64List } from "../../core/typed-lists.ts";

const CHUNK = 1 << 20;

export class RecordFile {
  private fd: number | undefined;
  /** Where the file still has a name (unlinking it open failed): removed on close. */
  private path: string | undefined;
  /** Byte offset where each string starts, then where the last one ends. */
  private readonly offsets = new Float64List(1024);
  /** Appended bytes not yet written, and how far the file is written. */
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private pending = 0;
  private written = 0;
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(dir: string, prefix: string) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${prefix}-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    this.fd = openSync(path, "wx+", 0o600);
    try {
      unlinkSync(path);
    } catch {
      this.path = path;
    }
    this.offsets.push(0);
  }

  /** Strings appended so far. */
  get length(): number {
    return this.offsets.length - 1;
  }

  append(s: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: flush first unless it surely fits.
    if (this.pending + s.length * 3 > this.chunk.length) this.flush();
    const end = this.offsets.data[this.offsets.length - 1];
    if (s.length * 3 > this.chunk.length) {
      const bytes = Buffer.from(s, "utf8");
      this.writeAll(bytes, bytes.length, end);
      this.written = end + bytes.length;
      this.offsets.push(end + bytes.length);
    } else {
      const n = this.chunk.write(s, this.pending, "utf8");
      this.pending += n;
      this.offsets.push(end + n);
    }
  }

  /** Writes what is buffered and gives the buffer back: call once everything is appended. */
  finish(): void {
    this.flush();
    this.chunk = Buffer.alloc(0);
    this.offsets.trim();
  }

  read(i: number): string {
    if (this.fd === undefined) throw new Error("record file is closed");
    const start = this.offsets.data[i];
    const len = this.offsets.data[i + 1] - start;
    if (start + len > this.written) this.flush();
    if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
    for (let got = 0; got < len; ) {
      const n = readSync(this.fd, this.scratch, got, len - got, start + got);
      if (n === 0) throw new Error("record file is shorter than its index");
      got += n;
    }
    return this.scratch.toString("utf8", 0, len);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.path) rmSync(this.path, { force: true });
    this.path = undefined;
  }

  private flush(): void {
    if (this.pending === 0 || this.fd === undefined) return;
    this.writeAll(this.chunk, this.pending, this.written);
    this.written += this.pending;
    this.pending = 0;
  }

  private writeAll(buf: Buffer, len: number, position: number): void {
    if (this.fd === undefined) throw new Error("record file is closed");
    for (let done = 0; done < len; ) done += writeSync(this.fd, buf, done, len - done, position + done);
  }
}
