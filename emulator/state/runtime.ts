/** A running scenario: its recording, the mutable state, the journal, the clock and identities. */
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Clock } from "../core/clock.ts";
import type { ScenarioManifest } from "../core/manifest.ts";
import type { AccountState, CloudTrailRecord, RecordingObjects, StateDoc } from "../core/records.ts";
import type { CredentialResolver, ResolvedCredential, Runtime } from "../core/runtime.ts";
import type { LoadedScenario, ScenarioContent } from "../core/scenario.ts";
import { rememberAnchor } from "./anchors.ts";
import { type InstalledCredential, installedSecrets, responderWith } from "./install-credentials.ts";
import { Journal } from "./journal.ts";
import { acquireLock, type LockInfo, updateLock } from "./lock.ts";
import { asStored, StateStore } from "./store.ts";

export interface RuntimeOptions {
  scenario: LoadedScenario;
  stateDir: string;
  clock: Clock;
  credentialResolvers?: CredentialResolver[];
}

/** Discovery happened this many minutes before now, on a whole second (so --clock gives round times). */
function anchorFor(clock: Clock, minutesBefore: number): Date {
  const t = clock.now().getTime() - minutesBefore * 60_000;
  return new Date(t - (t % 1000));
}

/** The secrets a key for sealed texts is made from: every credential's, in key order. */
export function sealingMaterialOf(secrets: ReadonlyMap<string, string>): string {
  return [...secrets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

function sealingKeyOf(material: string, purpose: string): Buffer {
  return createHmac("sha256", material).update(`ir-range/${purpose}`).digest();
}

export class RangeRuntime implements Runtime {
  readonly scenario: LoadedScenario;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly journal: Journal;
  readonly recordingObjects: RecordingObjects;
  private content!: ScenarioContent;
  private readonly resolvers: CredentialResolver[];
  private releaseLock: () => void;
  private queue: Promise<unknown> = Promise.resolve();
  private closers: (() => void | Promise<void>)[] = [];
  private rollbackListeners: (() => void)[] = [];
  /** The manifest's credentials' secrets, made for this state directory. */
  private readonly secrets: Map<string, string>;
  private resetListeners: (() => void | Promise<void>)[] = [];

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
    this.secrets = installedSecrets(opts.stateDir, opts.scenario.manifest);
    // Through this.content, which reset replaces: holders of recordingObjects always read the current recording.
    this.recordingObjects = {
      list: (a, b) => this.content.objects.list(a, b),
      head: (a, b, k) => this.content.objects.head(a, b, k),
      read: (a, b, k) => this.content.objects.read(a, b, k),
      file: (a, b, k) => this.content.objects.file?.(a, b, k),
      fileRoots: () => this.content.objects.fileRoots?.() ?? [],
    };
  }

  static async open(opts: RuntimeOptions): Promise<RangeRuntime> {
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
      rememberAnchor(opts.stateDir, store.data.anchor);
      const runtime = new RangeRuntime(opts, store, release);
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

  get manifest(): ScenarioManifest {
    return this.scenario.manifest;
  }

  get anchor(): Date {
    return new Date(this.store.data.anchor);
  }

  get history(): Iterable<CloudTrailRecord> {
    return this.content.history;
  }

  get accountId(): string {
    return this.scenario.manifest.accountId;
  }

  get document(): Readonly<StateDoc> {
    return this.store.data;
  }

  account(accountId: string): AccountState {
    return this.store.account(accountId);
  }

  regional<T>(accountId: string, region: string, service: string, init: () => T): T {
    const acct = this.store.account(accountId);
    if (!acct.regions[region]) acct.regions[region] = asStored({});
    const r = acct.regions[region];
    if (r[service] === undefined) r[service] = asStored(init());
    return r[service] as T;
  }

  global<T>(accountId: string, service: string, init: () => T): T {
    const g = this.store.account(accountId).global;
    if (g[service] === undefined) g[service] = asStored(init());
    return g[service] as T;
  }

  resolveCredential(accessKeyId: string): ResolvedCredential | undefined {
    const c = this.scenario.manifest.credentials.find((x) => x.accessKeyId === accessKeyId);
    const secret = c && this.secrets.get(accessKeyId);
    if (c && secret) return { accessKeyId, secretAccessKey: secret, sessionToken: c.sessionToken, principal: c.principal, active: true };
    for (const r of this.resolvers) {
      const found = r(this, accessKeyId);
      if (found) return found;
    }
    return undefined;
  }

  sealingKey(purpose: string): Buffer {
    return sealingKeyOf(sealingMaterialOf(this.secrets), purpose);
  }

  recordingSealingKey(purpose: string): Buffer | undefined {
    const material = this.content.sealingMaterial;
    return material === undefined ? undefined : sealingKeyOf(material, purpose);
  }

  /** The keys a user of this state directory signs with (the scenario's responder, this installation's secret). */
  responder(): InstalledCredential {
    return responderWith(this.secrets, this.scenario.manifest);
  }

  transact<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        const out = await fn();
        await this.store.commit();
        return out;
      } catch (e) {
        this.store.rollback();
        for (const l of this.rollbackListeners) l();
        throw e;
      }
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }

  onCommit(fn: () => void): void {
    this.store.beforeWrite(fn);
  }

  onRollback(fn: () => void): void {
    this.rollbackListeners.push(fn);
  }

  onReset(fn: () => void | Promise<void>): void {
    this.resetListeners.push(fn);
  }

  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  /** Restores the recording: fresh state anchored at now, empty journal, and whatever services keep beside state. */
  reset(): Promise<void> {
    return this.transact(async () => {
      const { manifest } = this.scenario;
      const anchor = anchorFor(this.clock, manifest.discoveredMinutesBeforeStart);
      this.content = await this.scenario.content(anchor);
      this.store.replace({ format: 1, scenario: manifest.name, anchor: anchor.toISOString(), accounts: structuredClone(this.content.accounts) });
      rememberAnchor(this.stateDir, anchor.toISOString());
      this.journal.clear();
      for (const l of this.resetListeners) await l();
    });
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
