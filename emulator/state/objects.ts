/**
 * S3 object storage: the recording's objects (read-only, never copied) overlaid by what the responder
 * writes. Bodies written at run time are content-addressed files, so no object key ever becomes a path.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AccountState } from "./store.ts";

export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType?: string;
  metadata?: Record<string, string>;
  storageClass?: string;
  /** sha256 of a body stored in the state directory; absent for recording objects. */
  blob?: string;
}

export interface BucketRecord {
  name: string;
  region: string;
  creationDate: string;
  policy?: string;
  publicAccessBlock?: Record<string, boolean>;
  tags?: { Key: string; Value: string }[];
  /** Objects written or replaced since the recording. */
  objects: Record<string, ObjectMeta>;
  /** Recording objects deleted since. */
  deleted: string[];
}

export interface S3State {
  buckets: Record<string, BucketRecord>;
}

/** The recording's objects; `list` returns them sorted by key. */
export interface RecordingObjects {
  list(accountId: string, bucket: string): readonly ObjectMeta[];
  head(accountId: string, bucket: string, key: string): ObjectMeta | undefined;
  read(accountId: string, bucket: string, key: string): Buffer | undefined;
}

export const noRecordingObjects: RecordingObjects = { list: () => [], head: () => undefined, read: () => undefined };

export function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

export class ObjectStore {
  private generation = 0;

  constructor(
    private readonly account: (accountId: string) => AccountState,
    private readonly recording: RecordingObjects,
    private readonly blobDir: string,
  ) {}

  /** Changes on every write or delete; lets readers (Athena) know when to refresh caches. */
  get version(): number {
    return this.generation;
  }

  state(accountId: string): S3State {
    const g = this.account(accountId).global;
    if (!g.s3) g.s3 = { buckets: {} } satisfies S3State;
    return g.s3 as S3State;
  }

  bucket(accountId: string, name: string): BucketRecord | undefined {
    return this.state(accountId).buckets[name];
  }

  list(accountId: string, bucket: string, prefix = ""): ObjectMeta[] {
    const b = this.bucket(accountId, bucket);
    if (!b) return [];
    const deleted = new Set(b.deleted);
    const merged = new Map<string, ObjectMeta>();
    for (const o of this.recording.list(accountId, bucket)) {
      if (o.key.startsWith(prefix) && !deleted.has(o.key)) merged.set(o.key, o);
    }
    for (const o of Object.values(b.objects)) if (o.key.startsWith(prefix)) merged.set(o.key, o);
    return [...merged.values()].sort((a, c) => (a.key < c.key ? -1 : a.key > c.key ? 1 : 0));
  }

  head(accountId: string, bucket: string, key: string): ObjectMeta | undefined {
    const b = this.bucket(accountId, bucket);
    if (!b) return undefined;
    if (Object.hasOwn(b.objects, key)) return b.objects[key];
    if (b.deleted.includes(key)) return undefined;
    return this.recording.head(accountId, bucket, key);
  }

  read(accountId: string, bucket: string, key: string): Buffer | undefined {
    const meta = this.head(accountId, bucket, key);
    if (!meta) return undefined;
    if (meta.blob) return readFileSync(join(this.blobDir, meta.blob));
    return this.recording.read(accountId, bucket, key);
  }

  put(accountId: string, bucket: string, key: string, body: Buffer, opts: Partial<ObjectMeta> & { lastModified: string }): ObjectMeta {
    const b = this.bucket(accountId, bucket);
    if (!b) throw new Error(`no bucket ${bucket}`);
    const blob = createHash("sha256").update(body).digest("hex");
    const file = join(this.blobDir, blob);
    if (!existsSync(file)) {
      mkdirSync(this.blobDir, { recursive: true });
      writeFileSync(`${file}.tmp`, body);
      renameSync(`${file}.tmp`, file);
    }
    const meta: ObjectMeta = { ...opts, key, size: body.length, etag: etagOf(body), blob };
    b.objects[key] = meta;
    b.deleted = b.deleted.filter((k) => k !== key);
    this.generation++;
    return meta;
  }

  delete(accountId: string, bucket: string, key: string): boolean {
    const b = this.bucket(accountId, bucket);
    if (!b) return false;
    const existed = this.head(accountId, bucket, key) !== undefined;
    delete b.objects[key];
    if (this.recording.head(accountId, bucket, key) && !b.deleted.includes(key)) b.deleted.push(key);
    if (existed) this.generation++;
    return existed;
  }
}
