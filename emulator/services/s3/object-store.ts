/**
 * S3's domain model: buckets, objects, versions and multipart uploads — the recording's objects (read-only, never
 * copied) overlaid by what the responder writes. Metadata lives in the account state (so it commits and rolls back
 * with the transaction that wrote it); bodies written at run time are content-addressed files, so no object key
 * ever becomes a path, and a rolled-back write leaves at most an unreferenced blob.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes as idBytes } from "../../core/entropy.ts";
import type { AccountState, ObjectMeta, RecordingObjects } from "../../core/records.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { ServiceLifecycle } from "../../core/service.ts";
import { SpooledBody } from "../../protocols/wire.ts";

export interface BucketRecord {
  name: string;
  region: string;
  creationDate: string;
  policy?: string;
  publicAccessBlock?: Record<string, boolean>;
  tags?: { Key: string; Value: string }[];
  /** Versioning as recorded ("Enabled" | "Suspended"); absent when never enabled. */
  versioning?: { Status?: string; MFADelete?: string };
  /** Default encryption; absent means SSE-S3, which AWS applies to every bucket since 2023. */
  encryption?: { SSEAlgorithm: string; KMSMasterKeyID?: string; BucketKeyEnabled?: boolean };
  logging?: { TargetBucket: string; TargetPrefix: string };
  /**
   * Versioned buckets: for each key, the versions that are not current (older versions and delete markers),
   * newest first. When a key has no current object and history, history[0] is its latest delete marker.
   */
  history?: Record<string, ObjectMeta[]>;
  /** In-progress multipart uploads by upload id. */
  uploads?: Record<string, MultipartUpload>;
  /** Objects written or replaced since the recording. */
  objects: Record<string, ObjectMeta>;
  /** Recording objects deleted since. */
  deleted: string[];
}

export interface UploadPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: string;
  blob: string;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: string;
  /** What the completed object will carry (content type, metadata, …). */
  meta: Partial<ObjectMeta>;
  parts: Record<string, UploadPart>;
}

/** One entry of ListObjectVersions: a version or delete marker, with whether it is the key's latest. */
export interface VersionEntry {
  meta: ObjectMeta;
  isLatest: boolean;
}

/** What a versioning-aware write or delete did. */
export interface VersionedResult {
  /** The version id created (undefined in a bucket that never had versioning). */
  versionId?: string;
  deleteMarker?: boolean;
}

export interface S3State {
  buckets: Record<string, BucketRecord>;
}

/** AWS version ids are 32 url-safe characters. */
export function newVersionId(): string {
  return idBytes(24).toString("base64url").replace(/-/g, ".");
}

export function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}

/** Assigns an own property even for keys like "__proto__", which plain assignment would turn into a prototype change. */
function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An object or part body: in memory, or spooled to a file as it arrived (server/body.ts). */
export type ObjectBody = Buffer | SpooledBody;

export class ObjectStore {
  private generation = 0;
  /** How many bodies were taken from spooled files (renamed into place, never read into memory). */
  spooledBlobs = 0;

  constructor(
    private readonly account: (accountId: string) => AccountState,
    private readonly recording: RecordingObjects,
    private readonly blobDir: string,
  ) {}

  /** Changes on every write or delete; lets readers (Athena) know when to refresh caches. */
  get version(): number {
    return this.generation;
  }

  /** Marks every cached view of the objects stale (after a reset swapped the whole store). */
  invalidate(): void {
    this.generation++;
  }

  state(accountId: string): S3State {
    const g = this.account(accountId).global;
    if (!g.s3) g.s3 = { buckets: {} } satisfies S3State;
    return g.s3 as S3State;
  }

  bucket(accountId: string, name: string): BucketRecord | undefined {
    // Own properties only: a bucket named "__proto__" or "constructor" must not find Object.prototype.
    const buckets = this.state(accountId).buckets;
    return Object.hasOwn(buckets, name) ? buckets[name] : undefined;
  }

  /** A new, empty bucket. Recording objects under the same name stay hidden: a re-created bucket starts empty. */
  createBucket(accountId: string, name: string, region: string, creationDate: string): BucketRecord {
    const deleted = this.recording.list(accountId, name).map((o) => o.key);
    const record: BucketRecord = { name, region, creationDate, objects: {}, deleted };
    setOwn(this.state(accountId).buckets, name, record);
    this.generation++;
    return record;
  }

  deleteBucket(accountId: string, name: string): boolean {
    const buckets = this.state(accountId).buckets;
    if (!Object.hasOwn(buckets, name)) return false;
    delete buckets[name];
    this.generation++;
    return true;
  }

  /** Stores a body (a multipart part) by content and returns its blob id. */
  putBlob(body: Buffer): string {
    const blob = createHash("sha256").update(body).digest("hex");
    const file = join(this.blobDir, blob);
    if (!existsSync(file)) {
      mkdirSync(this.blobDir, { recursive: true });
      writeFileSync(`${file}.tmp`, body);
      renameSync(`${file}.tmp`, file);
    }
    return blob;
  }

  /**
   * Takes a file whose sha256 is known (a spooled upload, in this store's directory) as a blob: renamed into place, or
   * removed when the blob already exists. Returns the blob id.
   */
  putBlobFile(tmpPath: string, sha256: string): string {
    const file = this.blobFile(sha256);
    if (existsSync(file)) rmSync(tmpPath, { force: true });
    else renameSync(tmpPath, file);
    this.spooledBlobs++;
    return sha256;
  }

  /** Stores a body, in memory or spooled, by content: its blob id, size and (quoted) MD5 ETag. */
  storeBody(body: ObjectBody): { blob: string; size: number; etag: string } {
    if (body instanceof SpooledBody) return { blob: this.putBlobFile(body.path, body.sha256), size: body.size, etag: `"${body.md5}"` };
    return { blob: this.putBlob(body), size: body.length, etag: etagOf(body) };
  }

  /**
   * Blobs joined end to end (a completed multipart upload), a slice at a time through a file: memory holds one slice,
   * never the object. The result is a body for put(), whose file put() takes.
   */
  joinBlobs(blobs: string[]): SpooledBody {
    mkdirSync(this.blobDir, { recursive: true });
    const tmp = join(this.blobDir, `.join-${randomBytes(12).toString("hex")}`);
    const sha256 = createHash("sha256");
    const md5 = createHash("md5");
    const slice = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    const out = openSync(tmp, "wx");
    try {
      for (const blob of blobs) {
        const fd = openSync(this.blobFile(blob), "r");
        try {
          for (let n = readSync(fd, slice); n > 0; n = readSync(fd, slice)) {
            const bytes = slice.subarray(0, n);
            sha256.update(bytes);
            md5.update(bytes);
            writeSync(out, bytes);
            size += n;
          }
        } finally {
          closeSync(fd);
        }
      }
    } catch (e) {
      closeSync(out);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(out);
    return new SpooledBody(tmp, size, sha256.digest("hex"), md5.digest("hex"));
  }

  readBlob(blob: string): Buffer {
    return readFileSync(this.blobFile(blob));
  }

  private blobFile(blob: string): string {
    // Blob ids are our own sha256 hex digests; anything else never reaches the filesystem.
    if (!/^[0-9a-f]{64}$/.test(blob)) throw new Error("invalid blob id");
    return join(this.blobDir, blob);
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
    if (meta.blob) return this.readBlob(meta.blob);
    return this.recording.read(accountId, bucket, key);
  }

  /** Where the recording keeps the files `file` returns for its objects. */
  recordingRoots(): string[] {
    return this.recording.fileRoots?.() ?? [];
  }

  /** The file holding an object's body, when it is kept in one (never to be written: bodies are shared). */
  file(accountId: string, bucket: string, key: string): string | undefined {
    const meta = this.head(accountId, bucket, key);
    if (!meta) return undefined;
    if (meta.blob) return this.blobFile(meta.blob);
    return this.recording.file?.(accountId, bucket, key);
  }

  put(accountId: string, bucket: string, key: string, body: ObjectBody, opts: Partial<ObjectMeta> & { lastModified: string }): ObjectMeta {
    const b = this.bucket(accountId, bucket);
    if (!b) throw new Error(`no bucket ${bucket}`);
    const stored = this.storeBody(body);
    const meta: ObjectMeta = { ...opts, key, size: stored.size, etag: opts.etag ?? stored.etag, blob: stored.blob };
    delete meta.deleteMarker;
    const status = b.versioning?.Status;
    if (status === "Enabled" || status === "Suspended") {
      meta.versionId = status === "Enabled" ? newVersionId() : "null";
      this.retireCurrent(accountId, b, key);
    } else delete meta.versionId;
    setOwn(b.objects, key, meta);
    b.deleted = b.deleted.filter((k) => k !== key);
    this.generation++;
    return meta;
  }

  delete(accountId: string, bucket: string, key: string): boolean {
    const existed = this.head(accountId, bucket, key) !== undefined;
    this.deleteObject(accountId, bucket, key);
    return existed;
  }

  /**
   * DeleteObject without a version id: removes the object, or in a bucket with versioning, keeps it as a
   * noncurrent version behind a new delete marker.
   */
  deleteObject(accountId: string, bucket: string, key: string, lastModified = new Date().toISOString()): VersionedResult {
    const b = this.bucket(accountId, bucket);
    if (!b) return {};
    const status = b.versioning?.Status;
    if (status !== "Enabled" && status !== "Suspended") {
      const existed = this.head(accountId, bucket, key) !== undefined;
      this.dropCurrent(accountId, b, key);
      if (existed) this.generation++;
      return {};
    }
    this.retireCurrent(accountId, b, key);
    const marker: ObjectMeta = { key, size: 0, etag: "", lastModified, versionId: status === "Enabled" ? newVersionId() : "null", deleteMarker: true };
    const history = this.historyOf(b, key);
    // A suspended bucket's delete marker is the "null" version, replacing any earlier null version.
    this.setHistory(b, key, [marker, ...history.filter((v) => !(marker.versionId === "null" && v.versionId === "null"))]);
    this.generation++;
    return { versionId: marker.versionId, deleteMarker: true };
  }

  /** Permanently removes one version (or delete marker); the next newest version becomes current again. */
  deleteVersion(accountId: string, bucket: string, key: string, versionId: string): VersionedResult | undefined {
    const b = this.bucket(accountId, bucket);
    if (!b) return undefined;
    const current = this.head(accountId, bucket, key);
    if (current && (current.versionId ?? "null") === versionId) {
      this.dropCurrent(accountId, b, key);
    } else {
      const history = this.historyOf(b, key);
      const i = history.findIndex((v) => (v.versionId ?? "null") === versionId);
      if (i < 0) return undefined;
      const [removed] = history.splice(i, 1);
      this.setHistory(b, key, history);
      this.generation++;
      if (current || !(i === 0 && removed.deleteMarker)) return { versionId, deleteMarker: removed.deleteMarker };
      this.promote(b, key);
      return { versionId, deleteMarker: true };
    }
    this.promote(b, key);
    this.generation++;
    return { versionId };
  }

  /** One version of a key, current or not; delete markers included. */
  objectVersion(accountId: string, bucket: string, key: string, versionId: string): ObjectMeta | undefined {
    const b = this.bucket(accountId, bucket);
    if (!b) return undefined;
    const current = this.head(accountId, bucket, key);
    if (current && (current.versionId ?? "null") === versionId) return current;
    return this.historyOf(b, key).find((v) => (v.versionId ?? "null") === versionId);
  }

  /** Changes stored attributes (tags) of the current object or one version; recording objects get an overlay copy. */
  updateMeta(accountId: string, bucket: string, key: string, versionId: string | undefined, patch: Partial<Pick<ObjectMeta, "tags">>): ObjectMeta | undefined {
    const b = this.bucket(accountId, bucket);
    if (!b) return undefined;
    const meta = versionId === undefined ? this.head(accountId, bucket, key) : this.objectVersion(accountId, bucket, key, versionId);
    if (!meta || meta.deleteMarker) return undefined;
    this.generation++;
    if (Object.hasOwn(b.objects, key) && b.objects[key] === meta) return Object.assign(meta, patch);
    const history = this.historyOf(b, key);
    const i = history.indexOf(meta);
    if (i >= 0) {
      history[i] = { ...meta, ...patch };
      this.setHistory(b, key, history);
      return history[i];
    }
    // The current object is the recording's, which is shared and read-only: overlay a copy (same body, no blob).
    const copy = { ...meta, ...patch };
    setOwn(b.objects, key, copy);
    return copy;
  }

  /** The body of any version: its blob, or the recording's object for a recorded version. */
  readVersion(accountId: string, bucket: string, meta: ObjectMeta): Buffer | undefined {
    if (meta.deleteMarker) return undefined;
    if (meta.blob) return this.readBlob(meta.blob);
    return this.recording.read(accountId, bucket, meta.key);
  }

  /** The blob file holding a version's body, when it is one written at run time (never to be written to). */
  blobFileOf(meta: ObjectMeta): string | undefined {
    return meta.blob && !meta.deleteMarker ? this.blobFile(meta.blob) : undefined;
  }

  /** The latest delete marker of a key that currently has no object, if that is why it is absent. */
  latestDeleteMarker(accountId: string, bucket: string, key: string): ObjectMeta | undefined {
    const b = this.bucket(accountId, bucket);
    if (!b || this.head(accountId, bucket, key)) return undefined;
    const first = this.historyOf(b, key)[0];
    return first?.deleteMarker ? first : undefined;
  }

  /** Every version and delete marker under a prefix: by key, newest first within a key. */
  versions(accountId: string, bucket: string, prefix = ""): VersionEntry[] {
    const b = this.bucket(accountId, bucket);
    if (!b) return [];
    const current = new Map(this.list(accountId, bucket, prefix).map((o) => [o.key, o]));
    const keys = new Set([...current.keys(), ...Object.keys(b.history ?? {}).filter((k) => k.startsWith(prefix))]);
    const out: VersionEntry[] = [];
    for (const key of [...keys].sort((a, c) => (a < c ? -1 : a > c ? 1 : 0))) {
      const cur = current.get(key);
      if (cur) out.push({ meta: cur, isLatest: true });
      this.historyOf(b, key).forEach((v, i) => {
        out.push({ meta: v, isLatest: !cur && i === 0 });
      });
    }
    return out;
  }

  private historyOf(b: BucketRecord, key: string): ObjectMeta[] {
    return b.history && Object.hasOwn(b.history, key) ? [...b.history[key]] : [];
  }

  private setHistory(b: BucketRecord, key: string, history: ObjectMeta[]): void {
    b.history ??= {};
    if (history.length) setOwn(b.history, key, history);
    else delete b.history[key];
  }

  /** Removes the current object of a key without keeping it. */
  private dropCurrent(accountId: string, b: BucketRecord, key: string): void {
    delete b.objects[key];
    if (this.recording.head(accountId, b.name, key) && !b.deleted.includes(key)) b.deleted.push(key);
  }

  /** Moves the current object into the history (unless it is the "null" version a suspended write replaces). */
  private retireCurrent(accountId: string, b: BucketRecord, key: string): void {
    const current = this.head(accountId, b.name, key);
    let history = this.historyOf(b, key);
    if (b.versioning?.Status === "Suspended") history = history.filter((v) => v.versionId !== "null");
    if (current && !(b.versioning?.Status === "Suspended" && (current.versionId ?? "null") === "null")) {
      history.unshift({ ...current, versionId: current.versionId ?? "null" });
    }
    this.setHistory(b, key, history);
    if (current) this.dropCurrent(accountId, b, key);
  }

  /** After the current object or latest marker went away: the newest remaining version, if not a marker, is current. */
  private promote(b: BucketRecord, key: string): void {
    const history = this.historyOf(b, key);
    const next = history[0];
    if (!next || next.deleteMarker) return;
    history.shift();
    this.setHistory(b, key, history);
    setOwn(b.objects, key, next);
    b.deleted = b.deleted.filter((k) => k !== key);
  }
}

const stores = new WeakMap<Runtime, ObjectStore>();

/** The runtime's S3 objects: one store per runtime, made on first use (Athena, CloudTrail delivery and grading share it). */
export function objectsOf(runtime: Runtime): ObjectStore {
  let store = stores.get(runtime);
  if (!store) {
    const blobDir = join(runtime.stateDir, "blobs");
    const made = new ObjectStore((id) => runtime.account(id), runtime.recordingObjects, blobDir);
    // Readers that cache by version (Athena) must see objects a rollback took away and those a reset restored.
    runtime.onRollback(() => made.invalidate());
    runtime.onReset(() => {
      rmSync(blobDir, { recursive: true, force: true });
      made.invalidate();
    });
    stores.set(runtime, made);
    store = made;
  }
  return store;
}

/** S3 beside its API: the store exists from the start, so a reset removes the blobs of earlier runs too. */
export const objectStoreLifecycle: ServiceLifecycle = {
  start: (runtime) => {
    objectsOf(runtime);
    // Uploads being spooled or joined when an earlier server was killed: this server owns the directory now.
    const dir = join(runtime.stateDir, "blobs");
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    for (const name of names) if (name.startsWith(".spool-") || name.startsWith(".join-")) rmSync(join(dir, name), { force: true });
  },
};
