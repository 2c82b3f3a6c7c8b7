import type { DescribeRegionsCommandInput, DescribeRegionsCommandOutput, Region } from "@aws-sdk/client-ec2";
import type { OpHandler } from "../../core/types.ts";
import { applyFilters } from "./filters.ts";

/** The commercial regions, and whether they are opted in by default. */
export const REGIONS: [string, boolean][] = [
  ["us-east-1", true],
  ["us-east-2", true],
  ["us-west-1", true],
  ["us-west-2", true],
  ["ap-northeast-1", true],
  ["ap-northeast-2", true],
  ["ap-northeast-3", true],
  ["ap-south-1", true],
  ["ap-southeast-1", true],
  ["ap-southeast-2", true],
  ["ca-central-1", true],
  ["eu-central-1", true],
  ["eu-west-1", true],
  ["eu-west-2", true],
  ["eu-west-3", true],
  ["eu-north-1", true],
  ["sa-east-1", true],
  ["af-south-1", false],
  ["ap-east-1", false],
  ["me-south-1", false],
  ["eu-south-1", false],
];

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
