/** What LookupEvents shows of a record: its user name and the resources it touched (ResourceType/ResourceName). */
import type { Resource } from "@aws-sdk/client-cloudtrail";

type Rec = Record<string, unknown>;

/** Request/response members that name a resource, by event source ("*" for any), as CloudTrail's console reports them. */
const PARAM_TYPES: Record<string, Record<string, string>> = {
  "*": {
    instanceId: "AWS::EC2::Instance",
    // The emulator's own records name SDK members in camelCase (instanceIds, bucket) where CloudTrail has its own shapes.
    instanceIds: "AWS::EC2::Instance",
    volumeId: "AWS::EC2::Volume",
    snapshotId: "AWS::EC2::Snapshot",
    imageId: "AWS::EC2::Ami",
    vpcId: "AWS::EC2::VPC",
    subnetId: "AWS::EC2::Subnet",
    groupId: "AWS::EC2::SecurityGroup",
    networkInterfaceId: "AWS::EC2::NetworkInterface",
    keyName: "AWS::EC2::KeyPair",
    flowLogId: "AWS::EC2::FlowLog",
    bucketName: "AWS::S3::Bucket",
    secretId: "AWS::SecretsManager::Secret",
    functionName: "AWS::Lambda::Function",
    detectorId: "AWS::GuardDuty::Detector",
    dBSnapshotIdentifier: "AWS::RDS::DBSnapshot",
    dBInstanceIdentifier: "AWS::RDS::DBInstance",
  },
  "iam.amazonaws.com": {
    userName: "AWS::IAM::User",
    roleName: "AWS::IAM::Role",
    groupName: "AWS::IAM::Group",
    policyArn: "AWS::IAM::Policy",
    instanceProfileName: "AWS::IAM::InstanceProfile",
    accessKeyId: "AWS::IAM::AccessKey",
  },
  "cloudtrail.amazonaws.com": { name: "AWS::CloudTrail::Trail", trailName: "AWS::CloudTrail::Trail" },
  "ssm.amazonaws.com": { name: "AWS::SSM::Parameter" },
  "s3.amazonaws.com": { bucket: "AWS::S3::Bucket" },
};

const ARN_TYPES: [RegExp, string][] = [
  [/^arn:aws[\w-]*:s3:::[^/]+$/, "AWS::S3::Bucket"],
  [/^arn:aws[\w-]*:s3:::.+\/.*/, "AWS::S3::Object"],
  [/^arn:aws[\w-]*:iam::\d+:user\//, "AWS::IAM::User"],
  [/^arn:aws[\w-]*:iam::\d+:role\//, "AWS::IAM::Role"],
  [/^arn:aws[\w-]*:cloudtrail:.*:trail\//, "AWS::CloudTrail::Trail"],
];

const isObject = (v: unknown): boolean => v !== null && typeof v === "object";

function walk(value: unknown, types: Record<string, string>, general: Record<string, string>, out: Map<string, Resource>, depth: number): void {
  if (depth > 5 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, types, general, out, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value as Rec)) {
    const type = types[k] ?? general[k];
    if (type && typeof v === "string" && v) {
      out.set(`${type}\0${v}`, { ResourceType: type, ResourceName: v });
    } else if (type && Array.isArray(v)) {
      for (const s of v) if (typeof s === "string" && s) out.set(`${type}\0${s}`, { ResourceType: type, ResourceName: s });
    } else walk(v, types, general, out, depth + 1);
  }
}

/** Resources of a record: its own `resources` array when it has one, else the ids its parameters and response name. */
export function recordResources(r: Rec): Resource[] {
  // Many records name nothing (GetCallerIdentity, ListBuckets, ConsoleLogin): no map, no walks for those.
  if (!Array.isArray(r.resources) && !isObject(r.requestParameters) && !isObject(r.responseElements)) return [];
  const out = new Map<string, Resource>();
  if (Array.isArray(r.resources)) {
    for (const res of r.resources as Rec[]) {
      const name = typeof res.ARN === "string" ? res.ARN : typeof res.arn === "string" ? res.arn : undefined;
      const type = typeof res.type === "string" ? res.type : name ? ARN_TYPES.find(([re]) => re.test(name))?.[1] : undefined;
      if (name && type) out.set(`${type}\0${name}`, { ResourceType: type, ResourceName: name });
    }
  }
  const source = typeof r.eventSource === "string" ? r.eventSource : "";
  const specific = PARAM_TYPES[source] ?? {};
  const general = PARAM_TYPES["*"];
  walk(r.requestParameters, specific, general, out, 0);
  walk(r.responseElements, specific, general, out, 0);
  return [...out.values()];
}

/** LookupEvents' Username: the IAM user's name, the role session's name, "root", or the federated user's name. */
export function recordUsername(r: Rec): string | undefined {
  const id = r.userIdentity as Rec | undefined;
  if (!id) return undefined;
  if (typeof id.userName === "string" && id.userName) return id.userName;
  const type = id.type;
  const arn = typeof id.arn === "string" ? id.arn : "";
  if (type === "Root") return "root";
  if ((type === "AssumedRole" || type === "FederatedUser" || type === "IAMUser") && arn.includes("/")) return arn.slice(arn.lastIndexOf("/") + 1);
  if (type === "AWSService" && typeof id.invokedBy === "string") return id.invokedBy;
  return undefined;
}
