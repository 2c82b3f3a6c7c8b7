import type {
  AvailabilityZone,
  DescribeAccountAttributesCommandInput,
  DescribeAccountAttributesCommandOutput,
  DescribeAvailabilityZonesCommandInput,
  DescribeAvailabilityZonesCommandOutput,
  DescribeRegionsCommandInput,
  DescribeRegionsCommandOutput,
  Region,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import { REGIONS } from "../../core/regions.ts";
import type { OpHandler } from "../../core/types.ts";
import { applyFilters } from "./filters.ts";
import { ec2State } from "./state.ts";

export const describeRegions: OpHandler<DescribeRegionsCommandInput, DescribeRegionsCommandOutput> = (input) => {
  let regions: (Region & { Tags?: [] })[] = REGIONS.filter(([, optedIn]) => input.AllRegions || optedIn).map(([name, optedIn]) => ({
    RegionName: name,
    Endpoint: `ec2.${name}.amazonaws.com`,
    OptInStatus: optedIn ? "opt-in-not-required" : "not-opted-in",
  }));
  if (input.RegionNames?.length) regions = regions.filter((r) => input.RegionNames?.includes(r.RegionName ?? ""));
  regions = applyFilters(regions, input.Filters, {
    "region-name": (r) => r.RegionName,
    endpoint: (r) => r.Endpoint,
    "opt-in-status": (r) => r.OptInStatus,
  });
  return { Regions: regions };
};

/** Zone letters each region offers to a new account (ap-northeast-1b is closed to new accounts). */
const ZONES: Record<string, string> = { "us-east-1": "abcdef", "ap-northeast-1": "acd", "us-west-1": "ac", "ap-northeast-3": "abc", "sa-east-1": "abc" };
const ZONE_ID_PREFIX: Record<string, string> = {
  "us-east-1": "use1",
  "us-east-2": "use2",
  "us-west-1": "usw1",
  "us-west-2": "usw2",
  "ap-northeast-1": "apne1",
  "ap-northeast-2": "apne2",
  "ap-northeast-3": "apne3",
  "ap-south-1": "aps1",
  "ap-southeast-1": "apse1",
  "ap-southeast-2": "apse2",
  "ca-central-1": "cac1",
  "eu-central-1": "euc1",
  "eu-west-1": "euw1",
  "eu-west-2": "euw2",
  "eu-west-3": "euw3",
  "eu-north-1": "eun1",
  "sa-east-1": "sae1",
  "af-south-1": "afs1",
  "ap-east-1": "ape1",
  "me-south-1": "mes1",
  "eu-south-1": "eus1",
};
/** Zone ids are per account; these are the ones the recordings use (ap-northeast-1a is apne1-az4). */
const ZONE_NUMBERS: Record<string, number[]> = { "ap-northeast-1": [4, 1, 2] };

function zoneId(region: string, index: number): string {
  return `${ZONE_ID_PREFIX[region] ?? region.replace(/-/g, "")}-az${ZONE_NUMBERS[region]?.[index] ?? index + 1}`;
}

export const describeAvailabilityZones: OpHandler<DescribeAvailabilityZonesCommandInput, DescribeAvailabilityZonesCommandOutput> = (input, ctx) => {
  const letters = ZONES[ctx.region] ?? "abc";
  let zones: (AvailabilityZone & { Tags?: [] })[] = [...letters].map((l, i) => ({
    State: "available",
    OptInStatus: "opt-in-not-required",
    Messages: [],
    RegionName: ctx.region,
    ZoneName: `${ctx.region}${l}`,
    ZoneId: zoneId(ctx.region, i),
    GroupName: ctx.region,
    NetworkBorderGroup: ctx.region,
    ZoneType: "availability-zone",
  }));
  const names = input.ZoneNames ?? [];
  const ids = input.ZoneIds ?? [];
  for (const n of names) if (!zones.some((z) => z.ZoneName === n)) throw new AwsError("InvalidParameterValue", `The zone '${n}' does not exist.`);
  for (const n of ids) if (!zones.some((z) => z.ZoneId === n)) throw new AwsError("InvalidParameterValue", `The zone ID '${n}' does not exist.`);
  if (names.length || ids.length) zones = zones.filter((z) => names.includes(z.ZoneName ?? "") || ids.includes(z.ZoneId ?? ""));
  zones = applyFilters(zones, input.Filters, {
    "zone-name": (z) => z.ZoneName,
    "zone-id": (z) => z.ZoneId,
    "zone-type": (z) => z.ZoneType,
    "region-name": (z) => z.RegionName,
    state: (z) => z.State,
    "group-name": (z) => z.GroupName,
    "opt-in-status": (z) => z.OptInStatus,
  });
  return { AvailabilityZones: zones };
};

/** The account attributes EC2 reports; default-vpc comes from the region's state. */
export const describeAccountAttributes: OpHandler<DescribeAccountAttributesCommandInput, DescribeAccountAttributesCommandOutput> = (input, ctx) => {
  const defaultVpc = Object.values(ec2State(ctx).vpcs).find((v) => v.IsDefault)?.VpcId ?? "none";
  const all: Record<string, string[]> = {
    "supported-platforms": ["VPC"],
    "default-vpc": [defaultVpc],
    "max-instances": ["20"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
  };
  const names = input.AttributeNames?.length ? input.AttributeNames : Object.keys(all);
  for (const n of names) if (!all[n]) throw new AwsError("InvalidParameterValue", `Value (${n}) for parameter attributeName is invalid.`);
  return { AccountAttributes: names.map((n) => ({ AttributeName: n, AttributeValues: all[n].map((AttributeValue) => ({ AttributeValue })) })) };
};
