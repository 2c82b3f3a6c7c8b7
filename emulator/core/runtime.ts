/**
 * What handlers, services and grading see of a running scenario. The implementation lives in state/runtime.ts;
 * this interface keeps core free of it, so every layer may depend on core and core on nothing.
 */
import type { Clock } from "./clock.ts";
import type { ScenarioManifest } from "./manifest.ts";
import type { AccountState, CloudTrailRecord, JournalRecord, RecordingObjects, StateDoc } from "./records.ts";
import type { LoadedScenario } from "./scenario.ts";
import type { Principal } from "./types.ts";

export interface ResolvedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  principal: Omit<Principal, "accessKeyId">;
  active: boolean;
  /** ISO time after which a temporary credential answers ExpiredToken. */
  expiration?: string;
}

export type CredentialResolver = (runtime: Runtime, accessKeyId: string) => ResolvedCredential | undefined;

/** What the journal's index keeps of a record, read without touching the file. */
export interface JournalSummary {
  /** eventTime in epoch ms. */
  time: number;
  eventSource: string;
  /** The record's readOnly is true. */
  readOnly: boolean;
  /** The call failed (the record has an errorCode). */
  failed: boolean;
}

/**
 * The append-only record of the range's own calls. Records live on disk; positions run from 0 to length - 1 in the
 * order of the calls, and stay valid until the journal is cleared (a reset), which changes `generation`.
 */
export interface JournalApi extends Iterable<JournalRecord> {
  readonly length: number;
  readonly generation: number;
  /** Record i (read from disk: each call gives a new object). */
  read(i: number): JournalRecord;
  /** Record i as JSON.stringify wrote it (what LookupEvents returns as CloudTrailEvent). */
  readJson(i: number): string;
  /** Records from..from+count-1, as many as there are, in one read. */
  page(from: number, count: number): JournalRecord[];
  /** Record i's time, source and flags, from the in-memory index. */
  summary(i: number): JournalSummary;
  append(record: JournalRecord): void;
  onAppend(listener: (r: JournalRecord) => void): void;
}

export interface Runtime {
  readonly scenario: LoadedScenario;
  readonly manifest: ScenarioManifest;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly journal: JournalApi;
  /** The recording's S3 objects (the S3 service overlays what the responder writes). */
  readonly recordingObjects: RecordingObjects;
  /** The discovery moment in emulator time. */
  readonly anchor: Date;
  /** The scenario's history as the content gave it (LookupEvents keeps its own store of it). */
  readonly history: Iterable<CloudTrailRecord>;
  readonly accountId: string;
  /** The whole state as last changed, for readers that take it all (grading's snapshot). Never write through it. */
  readonly document: Readonly<StateDoc>;
  account(accountId: string): AccountState;
  /** A service's state in one region of one account, created empty on first use. */
  regional<T>(accountId: string, region: string, service: string, init: () => T): T;
  /** A service's account-wide state (IAM, …). */
  global<T>(accountId: string, service: string, init: () => T): T;
  /**
   * The one way to change state: fn runs alone (after every writer before it), its changes are committed together
   * when it returns (and only if it changed anything), and undone when it throws.
   */
  transact<T>(fn: () => T | Promise<T>): Promise<T>;
  /**
   * Called when a transaction is about to write a changed document: a service folds in what it kept in memory
   * between writes (IAM's access-key last use), so reads never write.
   */
  onCommit(fn: () => void): void;
  /** Called after a transaction was undone, with state restored to the last commit (caches keyed by state drop). */
  onRollback(fn: () => void): void;
  /** Called after `reset` restored the recording, inside its transaction. */
  onReset(fn: () => void | Promise<void>): void;
  /** Registers cleanup (engines, temp directories) to run when the runtime closes. */
  onClose(fn: () => void | Promise<void>): void;
  resolveCredential(accessKeyId: string): ResolvedCredential | undefined;
  /**
   * A 32-byte key for one purpose, derived from this installation's secrets: what the range seals for later
   * (EC2's encoded authorization messages) opens in this state directory only.
   */
  sealingKey(purpose: string): Buffer;
  /** The key the recording's own sealed texts were made with, when it has one (a timeline build's denials). */
  recordingSealingKey?(purpose: string): Buffer | undefined;
}
