/** EC2's Filter.N.Name / Filter.N.Value.M semantics: OR within a filter, AND across filters, * and ? wildcards. */
import type { Filter } from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";

export type Extractor<T> = (item: T) => unknown;

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "s");
}

function values(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(values);
  return [String(v)];
}

/** Keeps the items matching every filter; unknown filter names are an error, as in EC2. */
type TagList = { Key?: string; Value?: string }[] | undefined;

/** Tags live in Tags on most shapes and in TagSet on a few (network interfaces). */
const tagsOf = (item: object): TagList => (item as { Tags?: TagList }).Tags ?? (item as { TagSet?: TagList }).TagSet;

export function applyFilters<T extends object>(items: T[], filters: Filter[] | undefined, extractors: Record<string, Extractor<T>>): T[] {
  if (!filters || filters.length === 0) return items;
  const checks = filters.map((f) => {
    const name = f.Name ?? "";
    const patterns = (f.Values ?? []).map(wildcard);
    let extract: Extractor<T> | undefined = extractors[name];
    if (name.startsWith("tag:")) {
      const key = name.slice(4);
      extract = (i) =>
        tagsOf(i)
          ?.filter((t) => t.Key === key)
          .map((t) => t.Value);
    } else if (name === "tag-key") extract = (i) => tagsOf(i)?.map((t) => t.Key);
    else if (name === "tag-value") extract = (i) => tagsOf(i)?.map((t) => t.Value);
    if (!extract) throw new AwsError("InvalidParameterValue", `The filter '${name}' is invalid`);
    const fn = extract;
    return (item: T) => {
      const vs = values(fn(item));
      return vs.some((v) => patterns.some((p) => p.test(v)));
    };
  });
  return items.filter((item) => checks.every((c) => c(item)));
}
