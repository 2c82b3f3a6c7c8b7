/**
 * AWS managed policies an incident responder meets, as AWS publishes them: each is a data file
 * managed-policies/<PolicyName>.json holding its GetPolicy metadata and its default version's document, AWS's own
 * statements unabridged (origin, snapshot date and licence in managed-policies/SOURCES.md). Only the default version
 * is stored, so ListPolicyVersions shows that one version.
 *
 * Files are read on first use and kept: nothing is read at start-up, and the largest document is 150 kB.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../core/paths.ts";
import type { StoredPolicy } from "./state.ts";

export const AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy";

/** Read from the project root, so the dist/ bundle finds the same files as the sources. */
const DIR = join(PROJECT_ROOT, "emulator", "services", "iam", "managed-policies");

/** One data file: what GetPolicy and GetPolicyVersion answer for the policy in AWS. */
interface PolicyFile {
  Policy: {
    PolicyName: string;
    PolicyId: string;
    Arn: string;
    Path: string;
    DefaultVersionId: string;
    IsAttachable: boolean;
    Description: string;
    CreateDate: string;
    UpdateDate: string;
  };
  PolicyVersion: { VersionId: string; IsDefaultVersion: boolean; CreateDate: string; Document: object };
}

interface Entry {
  policy: StoredPolicy;
  document: object;
}

let names: ReadonlySet<string> | undefined;
const loaded = new Map<string, Entry>();

function policyNames(): ReadonlySet<string> {
  names ??= new Set(
    readdirSync(DIR)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length)),
  );
  return names;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object") {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function load(name: string): Entry {
  const cached = loaded.get(name);
  if (cached) return cached;
  const file = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as PolicyFile;
  const { Policy: p, PolicyVersion: v } = file;
  const policy: StoredPolicy = {
    ...p,
    AttachmentCount: 0,
    PermissionsBoundaryUsageCount: 0,
    Versions: [{ VersionId: v.VersionId, IsDefaultVersion: true, CreateDate: v.CreateDate, Document: JSON.stringify(v.Document, null, 4) }],
  } as StoredPolicy;
  const entry = { policy, document: deepFreeze(v.Document) };
  loaded.set(name, entry);
  return entry;
}

/** The catalog entry for an ARN; the name must be a data file and the whole ARN (path included) must match. */
function entryOf(arn: string): Entry | undefined {
  if (!isAwsManagedArn(arn)) return undefined;
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  if (!policyNames().has(name)) return undefined;
  const entry = load(name);
  return entry.policy.Arn === arn ? entry : undefined;
}

/** A fresh copy of an AWS managed policy, or undefined if the catalog does not have it. */
export function awsManagedPolicy(arn: string): StoredPolicy | undefined {
  const e = entryOf(arn);
  return e ? structuredClone(e.policy) : undefined;
}

export function awsManagedPolicies(): StoredPolicy[] {
  return [...policyNames()].sort().map((n) => structuredClone(load(n).policy));
}

/** The default version's document, parsed once and frozen (shared: callers must not change it). */
export function awsManagedPolicyDocument(arn: string): object | undefined {
  return entryOf(arn)?.document;
}

export function isAwsManagedArn(arn: string): boolean {
  return arn.startsWith(`${AWS_POLICY_PREFIX}/`);
}

/** Policies of service-linked roles: AWS lists them as attachable, but only its own service-linked roles have them. */
export function isServiceRolePolicyArn(arn: string): boolean {
  return arn.startsWith(`${AWS_POLICY_PREFIX}/aws-service-role/`);
}
