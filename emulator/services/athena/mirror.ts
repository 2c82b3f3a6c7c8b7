/**
 * The S3 objects a table reads, as files DuckDB may read: a recording's own files where they lie (their
 * directories are the only ones besides the engine's private one that DuckDB may open), else files in the private
 * directory — hard links to bodies kept in files (blobs), bodies written once otherwise. A private file is named
 * by the object's identity (account, bucket, key, ETag, size), so a changed object gets a new file, and keeps the
 * key's .gz ending: DuckDB, like Athena, decompresses by file name.
 */
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, linkSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore } from "../s3/object-store.ts";

export interface MirrorObject {
  accountId: string;
  bucket: string;
  key: string;
  etag: string;
  size: number;
}

export interface MirroredFile {
  path: string;
  /** A file of the private directory (ours to remove), not a recording's own. */
  owned: boolean;
  /** Decompressed size as far as it matters: gzip's ISIZE for large gz files, a bound below 16 MiB for others. */
  rawSize: number;
}

/** An object as a key: account, bucket, key, ETag and size. */
export const objectId = (o: MirrorObject) => `${o.accountId}\0${o.bucket}\0${o.key}\0${o.etag}\0${o.size}`;

/** A gz file this small cannot decompress beyond 16 MiB unless it packs more than 64:1. */
const SMALL_GZ = 256 * 1024;

export class ObjectMirror {
  private readonly files = new Map<string, MirroredFile>();
  /** Recording files read in place, by path: each stands for one object (the file map joins rows by path). */
  private readonly inPlace = new Set<string>();

  constructor(
    private readonly dir: string,
    /** Directories DuckDB may read in place (with a trailing separator). */
    private readonly roots: string[] = [],
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The object's file, created on first use; undefined when the object no longer exists. */
  file(objects: ObjectStore, o: MirrorObject): MirroredFile | undefined {
    const id = objectId(o);
    const known = this.files.get(id);
    if (known) return known;
    const gz = /\.gz$/i.test(o.key);
    const path = join(this.dir, `${createHash("sha256").update(id).digest("hex").slice(0, 40)}${gz ? ".gz" : ""}`);
    const src = objects.file(o.accountId, o.bucket, o.key);
    let rawSize = gz ? o.size * 64 : o.size;
    if (src && /\.gz$/i.test(src) === gz && this.roots.some((r) => src.startsWith(r)) && !this.inPlace.has(src)) {
      if (gz && o.size > SMALL_GZ) rawSize = isize(src, o.size) ?? rawSize;
      const file = { path: src, owned: false, rawSize };
      this.inPlace.add(src);
      this.files.set(id, file);
      return file;
    }
    if (src) {
      try {
        linkSync(src, path);
      } catch {
        // A stale file of ours, another filesystem (EXDEV) or no hard links: a copy, made once.
        rmSync(path, { force: true });
        copyFileSync(src, path);
      }
      if (gz && o.size > SMALL_GZ) rawSize = isize(path, o.size) ?? rawSize;
    } else {
      const body = objects.read(o.accountId, o.bucket, o.key);
      if (!body) return undefined;
      writeFileSync(path, body);
      if (gz && body.length >= 4) rawSize = body.readUInt32LE(body.length - 4);
    }
    const file = { path, owned: true, rawSize };
    this.files.set(id, file);
    return file;
  }

  /** Removes the files of objects (by objectId) no table reads any more. */
  retain(ids: Set<string>): void {
    for (const [id, f] of this.files) {
      if (ids.has(id)) continue;
      if (f.owned) rmSync(f.path, { force: true });
      else this.inPlace.delete(f.path);
      this.files.delete(id);
    }
  }
}

/** gzip's trailer: the uncompressed size of the last member, modulo 4 GiB. */
function isize(path: string, size: number): number | undefined {
  if (size < 4) return undefined;
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, size - 4);
    return b.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}
