/**
 * Record shapes every layer shares: the scenario writes them, the state keeps them, services read them. Nothing
 * here depends on any other part of the emulator.
 */

/** A CloudTrail record as delivered to S3 (eventVersion, userIdentity, eventTime, …). */
export type CloudTrailRecord = Record<string, unknown> & { eventID: string; eventTime: string; eventName: string; eventSource: string };

/** A CloudTrail record of one of the range's own calls, as the journal keeps it. */
export type JournalRecord = Record<string, unknown> & { eventTime: string; eventID: string };

/** An account's mutable state, as the state document holds it. */
export interface AccountState {
  /** Services without regions (IAM, S3's bucket namespace). */
  global: Record<string, unknown>;
  regions: Record<string, Record<string, unknown>>;
}

/** The whole mutable state, as the state directory's state.json holds it. */
export interface StateDoc {
  format: 1;
  scenario: string;
  /** The emulator time at which the incident was discovered; fixed at first load and by reset. */
  anchor: string;
  accounts: Record<string, AccountState>;
}

/** An S3 object's metadata, whether the recording holds it or the responder wrote it. */
export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType?: string;
  metadata?: Record<string, string>;
  storageClass?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** Object tags (x-amz-tagging), in order. */
  tags?: { Key: string; Value: string }[];
  /** Parts of a multipart upload; its ETag is then "<md5 of part md5s>-<n>". */
  partsCount?: number;
  /** Set once the bucket has had versioning: the S3 version id ("null" for unversioned writes). */
  versionId?: string;
  /** In a version history: a delete marker rather than an object version. */
  deleteMarker?: boolean;
  /** sha256 of a body stored in the state directory; absent for recording objects. */
  blob?: string;
}

/** The recording's S3 objects, read in place and never copied; `list` returns them sorted by key. */
export interface RecordingObjects {
  list(accountId: string, bucket: string): readonly ObjectMeta[];
  head(accountId: string, bucket: string, key: string): ObjectMeta | undefined;
  read(accountId: string, bucket: string, key: string): Buffer | undefined;
  /** The file that holds the body, where the recording keeps it in one: readers that take paths (Athena) link it. */
  file?(accountId: string, bucket: string, key: string): string | undefined;
  /** The directories every path `file` returns lies under (readers may be allowed to read them in place). */
  fileRoots?(): string[];
}

export const noRecordingObjects: RecordingObjects = { list: () => [], head: () => undefined, read: () => undefined };
