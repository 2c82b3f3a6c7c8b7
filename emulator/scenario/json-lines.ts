/**
 * JSON Lines files (one JSON value a line), written and read a chunk at a time: a recording's million records
 * never become one string (V8 caps strings at 512 MB) nor all exist as objects at once.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";

const CHUNK = 1 << 20;

export function writeJsonLines(file: string, values: Iterable<unknown>): void {
  const fd = openSync(file, "w");
  try {
    let batch = "";
    for (const v of values) {
      batch += `${JSON.stringify(v)}\n`;
      if (batch.length >= CHUNK) {
        writeSync(fd, batch);
        batch = "";
      }
    }
    if (batch) writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
}

/** The values of a JSON Lines file in order; blank lines are skipped. */
export function* readJsonLines(file: string): Generator<unknown> {
  const fd = openSync(file, "r");
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    let line = 1;
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: make room for the rest of it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      const end = filled + n;
      let start = 0;
      // Splitting on the newline byte is safe in UTF-8: no multi-byte sequence contains 0x0a.
      for (let nl = buf.indexOf(10, filled); nl >= 0 && nl < end; nl = buf.indexOf(10, start)) {
        const text = buf.toString("utf8", start, nl);
        if (text.trim()) yield parseLine(file, line, text);
        line++;
        start = nl + 1;
      }
      if (n === 0) {
        const text = buf.toString("utf8", start, end);
        if (text.trim()) yield parseLine(file, line, text);
        return;
      }
      buf.copy(buf, 0, start, end);
      filled = end - start;
    }
  } finally {
    closeSync(fd);
  }
}

function parseLine(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}:${line}: ${(e as Error).message}`);
  }
}
