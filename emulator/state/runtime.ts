/** A running scenario: its recording, the mutable state, the journal, S3 objects, the clock and identities. */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../core/clock.ts";
import type { Principal } from "../core/types.ts";
import type { CloudTrailRecord, LoadedScenario, ScenarioContent } from "../scenario/types.ts";
import { Journal } from "./journal.ts";
import { acquireLock, type LockInfo, updateLock } from "./lock.ts";
import { ObjectStore, type RecordingObjects } from "./objects.ts";
import { type AccountState, StateStore } from "./store.ts";

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

export interface RuntimeOptions {
  scenario: LoadedScenario;
  stateDir: string;
  clock: Clock;
  credentialResolvers?: CredentialResolver[];
  log?: (line: string) => void;
}

/** Discovery happened this many minutes before now, on a whole second (so --clock gives round times). */
function anchorFor(clock: Clock, minutesBefore: number): Date {
  const t = clock.now().getTime() - minutesBefore * 60_000;
  return new Date(t - (t % 1000));
}

export class Runtime {
  readonly scenario: LoadedScenario;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly journal: Journal;
  readonly objects: ObjectStore;
  private content!: ScenarioContent;
  private readonly resolvers: CredentialResolver[];
  private releaseLock: () => void;
  private queue: Promise<unknown> = Promise.resolve();
  private closers: (() => void | Promise<void>)[] = [];

  private constructor(
    opts: RuntimeOptions,
    readonly store: StateStore,
    release: () => void,
  ) {
    this.scenario = opts.scenario;
    this.stateDir = opts.stateDir;
    this.clock = opts.clock;
    this.releaseLock = release;
    this.resolvers = opts.credentialResolvers ?? [];
    this.journal = new Journal(opts.stateDir);
    const recording: RecordingObjects = {
      list: (a, b) => this.content.objects.list(a, b),
      head: (a, b, k) => this.content.objects.head(a, b, k),
      read: (a, b, k) => this.content.objects.read(a, b, k),
      file: (a, b, k) => this.content.objects.file?.(a, b, k),
      fileRoots: () => this.content.objects.fileRoots?.() ?? [],
    };
    this.objects = new ObjectStore((id) => this.store.account(id), recording, join(opts.stateDir, "blobs"));
  }

  static async open(opts: RuntimeOptions): Promise<Runtime> {
    mkdirSync(opts.stateDir, { recursive: true });
    const release = acquireLock(opts.stateDir, { pid: process.pid });
    try {
      const { manifest } = opts.scenario;
      let fresh: ScenarioContent | undefined;
      const { store } = await StateStore.open(opts.stateDir, async () => {
        const anchor = anchorFor(opts.clock, manifest.discoveredMinutesBeforeStart);
        fresh = await opts.scenario.content(anchor);
        return { format: 1, scenario: manifest.name, anchor: anchor.toISOString(), accounts: structuredClone(fresh.accounts) };
      });
      if (store.data.scenario !== manifest.name) {
        throw new Error(
          `state directory ${opts.stateDir} holds scenario "${store.data.scenario}", not "${manifest.name}"; use another --state-dir or run ir-range reset`,
        );
      }
      const runtime = new Runtime(opts, store, release);
      runtime.content = fresh ?? (await opts.scenario.content(new Date(store.data.anchor)));
      return runtime;
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Lets the recording build what it left until needed, in slices between requests (the CLI calls it once serving). */
  prepare(): Promise<void> {
    return this.content.prepare?.() ?? Promise.resolve();
  }

  /** The discovery moment in emulator time. */
  get anchor(): Date {
    return new Date(this.store.data.anchor);
  }

  /** The scenario's history as the content gave it (LookupEvents keeps its own store of it). */
  get history(): Iterable<CloudTrailRecord> {
    return this.content.history;
  }

  get accountId(): string {
    return this.scenario.manifest.accountId;
  }

  account(accountId: string): AccountState {
    return this.store.account(accountId);
  }

  /** A service's state in one region of one account, created empty on first use. */
  regional<T>(accountId: string, region: string, service: string, init: () => T): T {
    const acct = this.store.account(accountId);
    if (!acct.regions[region]) acct.regions[region] = {};
    const r = acct.regions[region];
    if (r[service] === undefined) r[service] = init();
    return r[service] as T;
  }

  /** A service's account-wide state (IAM, …). */
  global<T>(accountId: string, service: string, init: () => T): T {
    const g = this.store.account(accountId).global;
    if (g[service] === undefined) g[service] = init();
    return g[service] as T;
  }

  resolveCredential(accessKeyId: string): ResolvedCredential | undefined {
    const c = this.scenario.manifest.credentials.find((x) => x.accessKeyId === accessKeyId);
    if (c) return { accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, principal: c.principal, active: true };
    for (const r of this.resolvers) {
      const found = r(this, accessKeyId);
      if (found) return found;
    }
    return undefined;
  }

  addCredentialResolver(r: CredentialResolver): void {
    this.resolvers.push(r);
  }

  /** Runs fn alone: mutating calls are serialized, so a failed one can roll back to the last commit. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Restores the recording: fresh state anchored at now, empty journal, no written objects. */
  async reset(): Promise<void> {
    await this.exclusive(async () => {
      const { manifest } = this.scenario;
      const anchor = anchorFor(this.clock, manifest.discoveredMinutesBeforeStart);
      this.content = await this.scenario.content(anchor);
      this.store.replace({ format: 1, scenario: manifest.name, anchor: anchor.toISOString(), accounts: structuredClone(this.content.accounts) });
      await this.store.commit();
      this.journal.clear();
      rmSync(join(this.stateDir, "blobs"), { recursive: true, force: true });
      // Readers that cache by object-store version (Athena) must see the restored objects.
      this.objects.invalidate();
    });
  }

  /** Registers cleanup (engines, temp directories) to run when the runtime closes. */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  setLockInfo(info: LockInfo): void {
    updateLock(this.stateDir, info);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) await fn();
    this.journal.close();
    this.releaseLock();
  }
}
