import type { ListBucketsCommandInput, ListBucketsCommandOutput } from "@aws-sdk/client-s3";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import type { BucketRecord } from "../../state/objects.ts";

export function requireBucket(ctx: RequestContext, name: string | undefined): BucketRecord {
  const b = name ? ctx.runtime.objects.bucket(ctx.accountId, name) : undefined;
  if (!b) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name ?? "" });
  return b;
}

export function owner(ctx: RequestContext) {
  return { ID: Buffer.from(ctx.accountId).toString("hex").padEnd(64, "0"), DisplayName: undefined };
}

export const listBuckets: OpHandler<ListBucketsCommandInput, ListBucketsCommandOutput> = (input, ctx) => {
  const buckets = Object.values(ctx.runtime.objects.state(ctx.accountId).buckets)
    .filter((b) => !input.Prefix || b.name.startsWith(input.Prefix))
    .filter((b) => !input.BucketRegion || b.region === input.BucketRegion)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    Buckets: buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.creationDate), BucketRegion: b.region })),
    Owner: owner(ctx),
  };
};
