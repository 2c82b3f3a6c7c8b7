/** What a loaded scenario provides to the runtime, whether read from files or generated from code. */
import type { ScenarioManifest } from "./manifest.ts";
import type { AccountState, CloudTrailRecord, RecordingObjects } from "./records.ts";

export interface ScenarioContent {
  /** Initial mutable state per account, times already shifted to the anchor. */
  accounts: Record<string, AccountState>;
  objects: RecordingObjects;
  /**
   * Recorded CloudTrail history (management and data events), oldest first, read-only, iterated once when
   * LookupEvents first needs it. An array is used as it is; any other iterable (a generator yielding one record
   * at a time) is streamed into a store on disk, so a large history never exists as objects all at once. It may
   * be a getter that builds the records when first read: nothing reads it at start.
   */
  history: Iterable<CloudTrailRecord>;
  /**
   * What the recording's sealed texts (EC2's encoded authorization messages in its history) were sealed under: a
   * timeline build seals with secrets derived from its seed, so that they open in every installation.
   */
  sealingMaterial?: string;
  /** Work a generator leaves until needed (building records), done ahead of need while the server waits for requests. */
  prepare?(): Promise<void>;
}

export interface GeneratorOptions {
  manifest: ScenarioManifest;
  /** The emulator time of discovery: every generated time is placed relative to it. */
  anchor: Date;
}

/** The shape of a recording's generator module. */
export interface ScenarioGenerator {
  generate(opts: GeneratorOptions): ScenarioContent | Promise<ScenarioContent>;
}

export interface LoadedScenario {
  manifest: ScenarioManifest;
  dir: string;
  briefing: { en: string; ja: string };
  /** Builds the content for a given anchor (first load and every reset). */
  content(anchor: Date): Promise<ScenarioContent>;
}
