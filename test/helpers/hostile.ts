/** Garbage bodies and where to send them, one signed request per protocol: bad-input asserts no 5xx, the bench times them. */
import type { RawRequest } from "./signed-fetch.ts";

const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };

export const HOSTILE_BODIES = [
  "",
  "\u0000\u0001\u0002",
  "{".repeat(10000),
  "<".repeat(5000),
  `Action=DescribeInstances&${"Filter.1.".repeat(2000)}Name=x`,
  JSON.stringify({ a: Array(1000).fill({ b: [] }) }),
];

export const HOSTILE_TARGETS: RawRequest[] = [
  { service: "ec2", headers: form },
  { service: "iam", headers: form },
  { service: "cloudtrail", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.LookupEvents" } },
  { service: "guardduty", headers: { "content-type": "application/json" }, path: "/detector" },
  { service: "s3", headers: { "content-type": "application/xml" }, path: "/basic-evidence", query: { delete: "" } },
];
