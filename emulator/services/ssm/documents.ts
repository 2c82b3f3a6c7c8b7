/**
 * The Automation runbooks the range can run, as data: documents/<Name>.json|yaml holds each one's content and
 * documents/catalog.json its owner, version and dates (SOURCES.md says where each came from). AWS's runbooks are
 * owned by Amazon; the ASR solution's are the account's own ("Self"), as when ASR is deployed in it.
 *
 * Files are read on first use and kept.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PROJECT_ROOT } from "../../core/paths.ts";

const DIR = join(PROJECT_ROOT, "emulator", "services", "ssm", "documents");

export type ParameterType =
  | "String"
  | "StringList"
  | "Boolean"
  | "Integer"
  | "MapList"
  | "StringMap"
  | "AWS::EC2::Instance::Id"
  | "AWS::IAM::Role::Arn"
  | "AWS::S3::Bucket::Name"
  | "List<AWS::EC2::Instance::Id>";

export interface ParameterDefinition {
  type: ParameterType;
  description?: string;
  default?: unknown;
  allowedValues?: unknown[];
  allowedPattern?: string;
  minItems?: number;
  maxItems?: number;
}

export interface StepOutputDefinition {
  Name: string;
  Selector: string;
  Type: "String" | "Integer" | "Boolean" | "StringList" | "StringMap" | "MapList";
}

export interface StepDefinition {
  name: string;
  action: string;
  description?: string;
  inputs?: Record<string, unknown>;
  outputs?: StepOutputDefinition[];
  onFailure?: string;
  onCancel?: string;
  isEnd?: boolean;
  isCritical?: boolean;
  nextStep?: string;
  maxAttempts?: number;
  timeoutSeconds?: number;
}

/** An Automation document's content (schemaVersion 0.3). */
export interface AutomationContent {
  schemaVersion: string;
  description?: string;
  assumeRole?: string;
  parameters?: Record<string, ParameterDefinition>;
  mainSteps: StepDefinition[];
  outputs?: string[];
}

export interface AutomationDocument {
  name: string;
  /** "Amazon", or "Self" for the account's own documents (shown as the account id). */
  owner: "Amazon" | "Self";
  version: string;
  /** Fixed for AWS's documents; the account's own were created when the scenario's account deployed them. */
  created?: string;
  format: "JSON" | "YAML";
  targetType?: string;
  /** The content as GetDocument returns it in its own format. */
  text: string;
  content: AutomationContent;
  /** SHA-256 of the content, as DescribeDocument's Hash. */
  hash: string;
}

interface CatalogEntry {
  file: string;
  owner: "Amazon" | "Self";
  version: string;
  created?: string;
  targetType?: string;
}

let catalog: Record<string, CatalogEntry> | undefined;
const loaded = new Map<string, AutomationDocument>();

function catalogOf(): Record<string, CatalogEntry> {
  catalog ??= JSON.parse(readFileSync(join(DIR, "catalog.json"), "utf8")) as Record<string, CatalogEntry>;
  return catalog;
}

/** The file's notes for readers of this repository (its leading "# ir-range:" comment) are not AWS's content. */
function withoutRangeNotes(text: string): string {
  const lines = text.split("\n");
  if (!lines[0]?.startsWith("# ir-range:")) return text;
  let i = 0;
  while (i < lines.length && lines[i].startsWith("#")) i++;
  return lines.slice(i).join("\n");
}

function load(name: string): AutomationDocument | undefined {
  const cached = loaded.get(name);
  if (cached) return cached;
  const entry = Object.hasOwn(catalogOf(), name) ? catalogOf()[name] : undefined;
  if (!entry) return undefined;
  const raw = readFileSync(join(DIR, entry.file), "utf8");
  const format = entry.file.endsWith(".json") ? "JSON" : "YAML";
  const text = format === "JSON" ? raw.trimEnd() : withoutRangeNotes(raw).trimEnd();
  const content = (format === "JSON" ? JSON.parse(text) : parseYaml(text)) as AutomationContent;
  const doc: AutomationDocument = {
    name,
    owner: entry.owner,
    version: entry.version,
    created: entry.created,
    format,
    targetType: entry.targetType,
    text,
    content,
    hash: createHash("sha256").update(text).digest("hex"),
  };
  loaded.set(name, doc);
  return doc;
}

/** Every document, by name. */
export function allDocuments(): AutomationDocument[] {
  return Object.keys(catalogOf())
    .sort()
    .map((n) => load(n) as AutomationDocument);
}

/** A document by name, or by its ARN (arn:aws:ssm:<region>:<account or empty>:document/<name>). */
export function findDocument(nameOrArn: string): AutomationDocument | undefined {
  const m = /^arn:aws[\w-]*:ssm:[a-z0-9-]*:\d{0,12}:document\/(.+)$/.exec(nameOrArn);
  return load(m ? m[1] : nameOrArn);
}

/** The content in the format asked for: the document's own text, or converted as GetDocument converts it. */
export function contentIn(doc: AutomationDocument, format: string | undefined): { text: string; format: "JSON" | "YAML" } {
  const want = format === "JSON" || format === "YAML" ? format : doc.format;
  if (want === doc.format) return { text: doc.text, format: want };
  return want === "JSON" ? { text: JSON.stringify(doc.content, null, 2), format: want } : { text: stringifyYaml(doc.content), format: want };
}

/** The document version a request names: $DEFAULT, $LATEST or the version itself; undefined when it has none such. */
export function resolveVersion(doc: AutomationDocument, version: string | undefined): string | undefined {
  if (version === undefined || version === "" || version === "$DEFAULT" || version === "$LATEST") return doc.version;
  return version === doc.version ? version : undefined;
}

/** When the account's own (ASR) documents were created: thirty days before the recorded discovery. */
export function createdDate(doc: AutomationDocument, anchor: Date): string {
  if (doc.created) return doc.created;
  const t = anchor.getTime() - 30 * 24 * 3600_000;
  return new Date(t - (t % 1000)).toISOString();
}
