/** Which records LookupEvents serves, and the values a record has for each lookup attribute. */
import type { Resource } from "@aws-sdk/client-cloudtrail";
import type { CloudTrailRecord } from "../../core/records.ts";
import { recordResources, recordUsername } from "./resources.ts";

export const LOOKUP_ATTRIBUTE_KEYS = ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"] as const;
export type AttrKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];
/** The attributes looked up through value lists (EventId through one table of ids instead). */
export type ValueKey = Exclude<AttrKey, "EventId">;
export const VALUE_KEYS = LOOKUP_ATTRIBUTE_KEYS.filter((k): k is ValueKey => k !== "EventId");

/** The region whose event history shows the record, or undefined for a data event (trails get those, never the history). */
export function servedRegion(r: CloudTrailRecord): string | undefined {
  if (r.managementEvent === false || r.eventCategory === "Data") return undefined;
  return typeof r.awsRegion === "string" ? r.awsRegion : "";
}

export function readOnlyOf(r: CloudTrailRecord): boolean {
  if (typeof r.readOnly === "boolean") return r.readOnly;
  if (typeof r.readOnly === "string") return r.readOnly === "true";
  return READ_NAMES.test(r.eventName) && r.eventName !== "GenerateCredentialReport";
}

/** Recorded events without a readOnly field (hand-written or older records): told by their name, as reads are named. */
const READ_NAMES = /^(Describe|Get|List|Lookup|Head|Search|BatchGet|Select|Generate(?!DataKey)|Check)/;

export function accessKeyOf(r: CloudTrailRecord): string | undefined {
  const k = (r.userIdentity as Record<string, unknown> | undefined)?.accessKeyId;
  return typeof k === "string" && k ? k : undefined;
}

/** Calls fn once for each distinct value the record has for the attribute. */
export function eachValueOf(r: CloudTrailRecord, key: ValueKey, fn: (value: string) => void): void {
  if (key === "ResourceType" || key === "ResourceName") eachResourceValue(recordResources(r), key, fn);
  else {
    const v = singleValue(r, key);
    if (v !== undefined) fn(v);
  }
}

/** Calls fn once for each distinct value the record has for each attribute but EventId (its resources found once). */
export function eachLookupValue(r: CloudTrailRecord, fn: (key: ValueKey, value: string) => void): void {
  for (const key of SINGLE_KEYS) {
    const v = singleValue(r, key);
    if (v !== undefined) fn(key, v);
  }
  const res = recordResources(r);
  if (res.length === 0) return;
  eachResourceValue(res, "ResourceType", (v) => fn("ResourceType", v));
  eachResourceValue(res, "ResourceName", (v) => fn("ResourceName", v));
}

type SingleKey = Exclude<ValueKey, "ResourceType" | "ResourceName">;
const SINGLE_KEYS: readonly SingleKey[] = ["EventName", "ReadOnly", "Username", "EventSource", "AccessKeyId"];

function singleValue(r: CloudTrailRecord, key: SingleKey): string | undefined {
  switch (key) {
    case "EventName":
      return typeof r.eventName === "string" ? r.eventName : undefined;
    case "EventSource":
      return typeof r.eventSource === "string" ? r.eventSource : undefined;
    case "ReadOnly":
      return String(readOnlyOf(r));
    case "Username":
      return recordUsername(r) || undefined;
    case "AccessKeyId":
      return accessKeyOf(r);
  }
}

function eachResourceValue(res: Resource[], key: "ResourceType" | "ResourceName", fn: (value: string) => void): void {
  if (res.length === 1) fn(res[0][key] ?? "");
  else if (res.length > 1) for (const v of new Set(res.map((x) => x[key] ?? ""))) fn(v);
}
