/** AWS's commercial regions: the ones a credential scope may name and EC2's DescribeRegions lists. */

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

/** Regions DescribeRegions leaves out here but AWS has (newer opt-in regions, GovCloud, China): a scope may name them. */
const OTHER_REGIONS = [
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "mx-central-1",
  "us-gov-east-1",
  "us-gov-west-1",
  "cn-north-1",
  "cn-northwest-1",
];

const KNOWN = new Set([...REGIONS.map(([r]) => r), ...OTHER_REGIONS]);

/** Whether a SigV4 credential scope may name this region. */
export function isKnownRegion(region: string): boolean {
  return KNOWN.has(region);
}
