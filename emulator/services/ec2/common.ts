/** Pieces every EC2 module shares: paging, id checks, not-found messages, tag specifications. */
import type { Tag, TagSpecification } from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler } from "../../core/types.ts";

/** EC2 answers a DryRun with DryRunOperation (HTTP 412) instead of doing the work. */
export function withDryRun<I, O>(handler: OpHandler<I, O>): OpHandler<I, O> {
  return (input, ctx) => {
    if ((input as { DryRun?: boolean }).DryRun) throw new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
    return handler(input, ctx);
  };
}

/** One page of a Describe* answer; bounds as EC2 enforces them (most Describe calls take 5..1000). */
export function pageOf<T>(
  items: T[],
  input: { MaxResults?: number; NextToken?: string },
  salt: string,
  bounds: { min?: number; max?: number } = {},
): { page: T[]; next?: string } {
  const min = bounds.min ?? 5;
  const max = bounds.max ?? 1000;
  if (input.MaxResults !== undefined && (input.MaxResults < min || input.MaxResults > max)) {
    throw new AwsError(
      "InvalidParameterValue",
      `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return paginate(items, input.NextToken, input.MaxResults ?? max, salt, () => new AwsError("InvalidParameterValue", "The nextToken is invalid"));
}

/** EC2 ids: prefix, dash, 8 or 17 lowercase hex digits. */
export function isEc2Id(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}

/** Throws the resource's .Malformed error for an id that cannot be one of ours. */
export function checkIdFormat(ids: string[] | undefined, prefix: string, malformedCode: string): void {
  for (const id of ids ?? []) if (!isEc2Id(id, prefix)) throw new AwsError(malformedCode, `Invalid id: "${id}"`);
}

/** "The instance ID 'i-1' does not exist" / "The instance IDs 'i-1, i-2' do not exist". */
export function notFound(code: string, noun: string, ids: string[]): AwsError {
  const many = ids.length > 1;
  return new AwsError(code, `The ${noun}${many ? "s" : ""} '${ids.join(", ")}' ${many ? "do" : "does"} not exist`);
}

/** The items for ids in the order asked for, or the resource's NotFound error naming every missing id. */
export function lookup<T>(map: Record<string, T>, ids: string[], code: string, noun: string): T[] {
  const missing = ids.filter((id) => !map[id]);
  if (missing.length) throw notFound(code, noun, missing);
  return [...new Set(ids)].map((id) => map[id]);
}

export function requireParam<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || (typeof value === "string" && value === "")) {
    throw new AwsError("MissingParameter", `The request must contain the parameter ${name}`);
  }
  return value;
}

/** Tags a TagSpecification gives this resource type; reserved aws: keys are refused as EC2 does. */
export function tagsFor(specs: TagSpecification[] | undefined, resourceType: string): Tag[] | undefined {
  const tags = (specs ?? []).filter((s) => s.ResourceType === resourceType).flatMap((s) => s.Tags ?? []);
  validateTags(tags);
  return tags.length ? tags.map((t) => ({ Key: t.Key, Value: t.Value ?? "" })) : undefined;
}

export function validateTags(tags: Tag[]): void {
  for (const t of tags) {
    if (!t.Key) throw new AwsError("InvalidParameterValue", "Tag key cannot be null or empty");
    if (t.Key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
    if (t.Key.length > 128) throw new AwsError("InvalidParameterValue", `Tag key exceeds the maximum length of 128 characters: ${t.Key}`);
    if ((t.Value ?? "").length > 256) throw new AwsError("InvalidParameterValue", `Tag value exceeds the maximum length of 256 characters for key: ${t.Key}`);
  }
}

/** EC2's reason strings carry the time as "(2024-01-15 10:00:00 GMT)". */
export function gmt(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")} GMT`;
}

export const addMs = (d: Date, ms: number): string => new Date(d.getTime() + ms).toISOString();
