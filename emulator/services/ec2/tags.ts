/** Tags on every EC2 resource type this emulator keeps, found by the id's prefix. */
import type {
  CreateTagsCommandInput,
  CreateTagsCommandOutput,
  DeleteTagsCommandInput,
  DeleteTagsCommandOutput,
  DescribeTagsCommandInput,
  DescribeTagsCommandOutput,
  Tag,
  TagDescription,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import { notFound, pageOf, requireParam, validateTags } from "./common.ts";
import { applyFilters } from "./filters.ts";
import { isGone, settled } from "./lifecycle.ts";
import { type Ec2State, ec2State } from "./state.ts";

type Tagged = { Tags?: Tag[]; TagSet?: Tag[] };

interface Kind {
  prefix: string;
  type: string;
  code: string;
  noun: string;
  items: (s: Ec2State) => Record<string, Tagged>;
  /** Network interfaces keep their tags in TagSet. */
  field?: "TagSet";
  /** Resources keyed by something other than their id (key pairs by name). */
  idOf?: (item: unknown) => string | undefined;
}

const KINDS: Kind[] = [
  { prefix: "i", type: "instance", code: "InvalidInstanceID.NotFound", noun: "instance ID", items: (s) => s.instances },
  { prefix: "sg", type: "security-group", code: "InvalidGroup.NotFound", noun: "security group", items: (s) => s.securityGroups },
  {
    prefix: "sgr",
    type: "security-group-rule",
    code: "InvalidSecurityGroupRuleId.NotFound",
    noun: "security group rule ID",
    items: (s) => s.securityGroupRules,
  },
  { prefix: "vol", type: "volume", code: "InvalidVolume.NotFound", noun: "volume", items: (s) => s.volumes },
  { prefix: "snap", type: "snapshot", code: "InvalidSnapshot.NotFound", noun: "snapshot", items: (s) => s.snapshots },
  { prefix: "ami", type: "image", code: "InvalidAMIID.NotFound", noun: "image id", items: (s) => s.images },
  {
    prefix: "key",
    type: "key-pair",
    code: "InvalidKeyPair.NotFound",
    noun: "key pair",
    items: (s) => s.keyPairs,
    idOf: (k) => (k as { KeyPairId?: string }).KeyPairId,
  },
  {
    prefix: "eni",
    type: "network-interface",
    code: "InvalidNetworkInterfaceID.NotFound",
    noun: "network interface ID",
    items: (s) => s.networkInterfaces as Record<string, Tagged>,
    field: "TagSet",
  },
  { prefix: "vpc", type: "vpc", code: "InvalidVpcID.NotFound", noun: "vpc ID", items: (s) => s.vpcs },
  { prefix: "subnet", type: "subnet", code: "InvalidSubnetID.NotFound", noun: "subnet ID", items: (s) => s.subnets },
  { prefix: "fl", type: "vpc-flow-log", code: "InvalidFlowLogId.NotFound", noun: "flow log ID", items: (s) => s.flowLogs },
];

/** The stored resource an id names, or the EC2 error for it. */
function resolve(state: Ec2State, id: string, now: Date): { item: Tagged; field: "Tags" | "TagSet" } {
  const kind = KINDS.find((k) => id.startsWith(`${k.prefix}-`));
  if (!kind) throw new AwsError("InvalidID", `The ID '${id}' is not valid`);
  const items = kind.items(state);
  const item = kind.idOf ? Object.values(items).find((x) => kind.idOf?.(x) === id) : items[id];
  if (!item || (kind.type === "instance" && isGone(settled(item as Ec2State["instances"][string], now), now))) throw notFound(kind.code, kind.noun, [id]);
  return { item, field: kind.field ?? "Tags" };
}

export const createTags: OpHandler<CreateTagsCommandInput, CreateTagsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const ids = requireParam(input.Resources, "ResourceId");
  const tags = requireParam(input.Tags, "Tag");
  validateTags(tags);
  const targets = ids.map((id) => resolve(state, id, ctx.time));
  for (const t of targets) {
    const keys = new Set([...(t.item[t.field] ?? []).map((x) => x.Key), ...tags.map((x) => x.Key)]);
    if (keys.size > 50) throw new AwsError("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.");
  }
  for (const t of targets) {
    if (!t.item[t.field]) t.item[t.field] = [];
    const list = t.item[t.field] ?? [];
    for (const tag of tags) {
      const existing = list.find((x) => x.Key === tag.Key);
      if (existing) existing.Value = tag.Value ?? "";
      else list.push({ Key: tag.Key, Value: tag.Value ?? "" });
    }
  }
  return {};
};

export const deleteTags: OpHandler<DeleteTagsCommandInput, DeleteTagsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const ids = requireParam(input.Resources, "ResourceId");
  for (const t of input.Tags ?? [])
    if (t.Key?.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
  const targets = ids.map((id) => resolve(state, id, ctx.time));
  for (const t of targets) {
    // No Tags: every tag goes. A tag without a Value goes whatever its value; with one, only on a match.
    const keep = (x: Tag) => input.Tags?.length && !input.Tags.some((d) => d.Key === x.Key && (d.Value === undefined || d.Value === x.Value));
    t.item[t.field] = (t.item[t.field] ?? []).filter(keep);
  }
  return {};
};

export const describeTags: OpHandler<DescribeTagsCommandInput, DescribeTagsCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  const all: (TagDescription & { Tags?: Tag[] })[] = [];
  for (const kind of KINDS) {
    for (const [key, item] of Object.entries(kind.items(state))) {
      if (kind.type === "instance" && isGone(settled(item as Ec2State["instances"][string], ctx.time), ctx.time)) continue;
      const id = kind.idOf ? kind.idOf(item) : key;
      const tags = item[kind.field ?? "Tags"] ?? [];
      for (const t of tags) all.push({ ResourceId: id, ResourceType: kind.type as TagDescription["ResourceType"], Key: t.Key, Value: t.Value, Tags: tags });
    }
  }
  const matched = applyFilters(all, input.Filters, {
    key: (d) => d.Key,
    value: (d) => d.Value,
    "resource-id": (d) => d.ResourceId,
    "resource-type": (d) => d.ResourceType,
  });
  const { page, next } = pageOf(
    matched.map(({ Tags: _t, ...d }) => d),
    input,
    "DescribeTags",
  );
  return { Tags: page, NextToken: next };
};
