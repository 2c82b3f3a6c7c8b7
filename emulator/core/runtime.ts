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

/** The append-only record of the range's own calls. */
export interface JournalApi {
  readonly records: readonly JournalRecord[];
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
}
