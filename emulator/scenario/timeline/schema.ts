/**
 * The timeline a scenario is authored as (timeline/*.yaml in the scenario's folder), validated with zod. Every file
 * of the folder contributes sections; lists are joined in file order and named maps merged (a name defined twice
 * is an error). docs/scenarios.md ("Authoring a scenario as a timeline") describes each field with an example.
 */
import * as z from "zod";

/** An ISO 8601 time ("2026-02-03T09:15:00Z") or a time relative to the recording's discovery ("-3d4h", "-90m", "+10s"). */
export const timeSpec = z
  .string()
  .refine((s) => /^[+-](\d+[dhms])+$/.test(s) || !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time or relative to discovery like -3d4h30m");

const ipList = z.union([z.string(), z.array(z.string()).min(1)]);

/** An API call: `service` is the range's service id (ec2, iam, s3, sts, cloudtrail, guardduty, securityhub, athena, glue, ssm). */
export const callSchema = z.strictObject({
  service: z.string(),
  operation: z.string(),
  input: z.optional(z.record(z.string(), z.unknown())),
  region: z.optional(z.string()),
});

const base = {
  /** When: absolute or relative to discovery. */
  at: timeSpec,
  /** Who (a name under `actors`). */
  actor: z.string(),
};

export const callStep = z.strictObject({
  ...base,
  call: callSchema,
  /** Keep the output under this name: later strings refer to it as ${name.Path.To.Field} (arrays by index: ${web.Instances.0.InstanceId}). */
  save: z.optional(z.string().regex(/^[a-zA-Z][\w-]*$/)),
  /** The error code the call is expected to fail with (an attacker denied); the build stops when a call fails otherwise. */
  expectError: z.optional(z.string()),
  /** Repeat the call this many times, `every` apart (enumeration bursts). */
  repeat: z.optional(z.int().min(1).max(10_000)),
  every: z.optional(z.string().regex(/^(\d+(ms|[dhms]))+$/)),
  /** A note for the author and the reader of the timeline; not used by the build. */
  note: z.optional(z.string()),
});

/** Network traffic seen by VPC flow logs (and GuardDuty's flow-based detections). */
export const flowStep = z.strictObject({
  at: timeSpec,
  /** How long the traffic lasts (default 1m); records are cut into the flow log's aggregation windows. */
  for: z.optional(z.string().regex(/^(\d+[dhms])+$/)),
  flow: z.strictObject({
    /** An address, or instance:<name> for a saved RunInstances' first instance's address. */
    src: z.string(),
    dst: z.string(),
    dstPort: z.int().min(0).max(65535),
    srcPort: z.optional(z.int().min(0).max(65535)),
    protocol: z.optional(z.enum(["tcp", "udp", "icmp"])),
    /** Connections in the whole period (each its own source port). */
    connections: z.optional(z.int().min(1)),
    /** Packets and bytes src sent in the whole period, shared among the connections. */
    packets: z.optional(z.int().min(1)),
    bytes: z.optional(z.int().min(1)),
    /** Bytes sent back by dst in the whole period (a second record in the opposite direction). */
    replyBytes: z.optional(z.int().min(0)),
    action: z.optional(z.enum(["ACCEPT", "REJECT"])),
  }),
  note: z.optional(z.string()),
});

/** A DNS query from an instance (for GuardDuty's DNS-based detections: a mining pool, a C&C domain). */
export const dnsStep = z.strictObject({
  at: timeSpec,
  for: z.optional(z.string().regex(/^(\d+[dhms])+$/)),
  dns: z.strictObject({ from: z.string(), query: z.string(), count: z.optional(z.int().min(1)) }),
  note: z.optional(z.string()),
});

/** A console sign-in (recorded as CloudTrail's AwsConsoleSignIn event, not an API call). */
export const signInStep = z.strictObject({
  ...base,
  signIn: z.strictObject({ result: z.optional(z.enum(["Success", "Failure"])), mfa: z.optional(z.boolean()) }),
  note: z.optional(z.string()),
});

/** HTTP requests to an instance's web server: lines in its access log (see `webLogs`) and the flows that carried them. */
export const webStep = z.strictObject({
  at: timeSpec,
  /** Requests are spread evenly over this period (default: all at `at`). */
  for: z.optional(z.string().regex(/^(\d+[dhms])+$/)),
  web: z.strictObject({
    /** The client's address. */
    src: z.string(),
    /** instance:<save> — the server. */
    dst: z.string(),
    method: z.optional(z.string()),
    path: z.string(),
    status: z.optional(z.int().min(100).max(599)),
    /** Response bytes. */
    bytes: z.optional(z.int().min(0)),
    userAgent: z.optional(z.string()),
    referer: z.optional(z.string()),
    count: z.optional(z.int().min(1).max(100_000)),
    port: z.optional(z.int().min(1).max(65535)),
  }),
  note: z.optional(z.string()),
});

export const stepSchema = z.union([callStep, flowStep, dnsStep, signInStep, webStep]);

export const actorSchema = z.strictObject({
  /** An IAM user the account has before the build starts (made directly in state, with one access key). */
  user: z.optional(z.string()),
  /** When the user and its key were made (default: the timeline's start). */
  created: z.optional(timeSpec),
  accessKeyId: z.optional(z.string().regex(/^AKIA[A-Z0-9]{16}$/)),
  managedPolicies: z.optional(z.array(z.string())),
  inlinePolicies: z.optional(z.record(z.string(), z.unknown())),
  groups: z.optional(z.array(z.string())),
  /** The user has a console password (and MFA device when mfa is true). */
  console: z.optional(z.strictObject({ mfa: z.optional(z.boolean()) })),
  /** Uses another actor's credentials (the attacker holding a developer's exposed key). */
  keyOf: z.optional(z.string()),
  /** Uses the session a saved sts:AssumeRole call returned, or the key a saved iam:CreateAccessKey made. */
  session: z.optional(z.string()),
  /** Uses the instance role credentials of a saved RunInstances' first instance (IMDS), by the save name. */
  instance: z.optional(z.string()),
  /** Where the actor's calls come from (one address, or several used in turn) and with what client. */
  sourceIp: z.optional(ipList),
  userAgent: z.optional(z.string()),
  /** Marks the actor as the intruder (briefing tools and consistency tests read it; the build does not). */
  attacker: z.optional(z.boolean()),
  note: z.optional(z.string()),
});

/** A weighted call in a background mix. */
const mixEntry = z.strictObject({ weight: z.optional(z.number().positive()), call: callSchema, expectError: z.optional(z.string()) });

export const backgroundSchema = z.strictObject({
  actor: z.string(),
  from: timeSpec,
  until: timeSpec,
  /** Calls per active day on average. */
  perDay: z.number().positive().max(5000),
  /** Active hours in the timezone, "09:00-19:00" (default all day). */
  hours: z.optional(z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/)),
  timezoneOffset: z.optional(z.string().regex(/^[+-]\d{2}:\d{2}$/)),
  weekdaysOnly: z.optional(z.boolean()),
  mix: z.array(mixEntry).min(1),
  note: z.optional(z.string()),
});

/** A VPC with subnets, as the account has it before the build (the API cannot create VPCs in the range). */
export const networkSchema = z.strictObject({
  region: z.string(),
  vpcId: z.string().regex(/^vpc-0[0-9a-f]{16}$/),
  cidr: z.string(),
  name: z.optional(z.string()),
  isDefault: z.optional(z.boolean()),
  subnets: z.array(
    z.strictObject({
      subnetId: z.string().regex(/^subnet-0[0-9a-f]{16}$/),
      cidr: z.string(),
      zone: z.string(),
      public: z.optional(z.boolean()),
      name: z.optional(z.string()),
    }),
  ),
  /** The VPC's default security group id. */
  defaultSecurityGroupId: z.string().regex(/^sg-0[0-9a-f]{16}$/),
  /** VPC flow logs to an S3 bucket (the bucket is made by a setup call). */
  flowLogs: z.optional(z.strictObject({ flowLogId: z.string().regex(/^fl-0[0-9a-f]{16}$/), bucket: z.string(), since: z.optional(timeSpec) })),
});

/** A public AMI the account launches from (Amazon's, as EC2 lists them): RunInstances needs its image to exist. */
export const imageSchema = z.strictObject({
  region: z.string(),
  imageId: z.string().regex(/^ami-0[0-9a-f]{16}$/),
  /** e.g. "al2023-ami-2023.4.20240513.0-kernel-6.1-x86_64". */
  name: z.string(),
  description: z.optional(z.string()),
  /** "v2.0" makes instances launched from it require IMDSv2 (as Amazon Linux 2023's images do); absent allows IMDSv1. */
  imdsSupport: z.optional(z.literal("v2.0")),
  architecture: z.optional(z.enum(["x86_64", "arm64"])),
  platform: z.optional(z.enum(["Linux/UNIX", "Windows"])),
  rootSnapshotId: z.optional(z.string().regex(/^snap-0[0-9a-f]{16}$/)),
  volumeSize: z.optional(z.int().min(1)),
  created: z.optional(timeSpec),
});

/** A GuardDuty detection rule: which evidence raises which finding. */
export const detectionSchema = z.strictObject({
  /** The finding type, as GuardDuty names it (Stealth:IAMUser/CloudTrailLoggingDisabled …). */
  type: z.string().regex(/^[A-Za-z]+:[A-Za-z0-9]+\/[A-Za-z0-9.!&_-]+$/),
  severity: z.number().min(1).max(8.9),
  region: z.optional(z.string()),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  /** CloudTrail records: every listed field must match (a value or one of a list; ${…} references allowed). */
  calls: z.optional(z.record(z.string(), z.union([z.string(), z.boolean(), z.array(z.string())]))),
  /** Only calls that succeeded / failed. */
  outcome: z.optional(z.enum(["success", "failure", "any"])),
  /** Only the first time a principal makes such a call (CloudTrailLoggingDisabled: "a principal that never did it before"). */
  firstTimeFor: z.optional(z.enum(["principal", "accessKey"])),
  /** Flow records: to this port of an instance, from outside, at least `minConnections` in `within`. */
  flows: z.optional(
    z.strictObject({
      dstPort: z.optional(z.int()),
      dst: z.optional(z.string()),
      src: z.optional(z.string()),
      direction: z.optional(z.enum(["inbound", "outbound"])),
      minConnections: z.optional(z.int().min(1)),
    }),
  ),
  /** DNS queries of these names (suffix match). */
  dns: z.optional(z.array(z.string())),
  note: z.optional(z.string()),
});

export const timelineSchema = z.strictObject({
  /** The seed of every id and random choice: change it and the recording changes, keep it and it does not. */
  seed: z.string().min(1),
  /** When the build begins (setup calls happen then). */
  start: timeSpec,
  /** The flow logs' aggregation window (AWS: 1 or 10 minutes). */
  flowLogWindow: z.optional(z.enum(["1m", "10m"])),
  /** Named addresses: ${ip.office}. */
  ips: z.optional(z.record(z.string(), z.string())),
  /** Named strings: ${vars.bucket}. */
  vars: z.optional(z.record(z.string(), z.string())),
  /** What the GuardDuty remote IP details say of an address (country, organization). */
  ipInfo: z.optional(
    z.record(
      z.string(),
      z.strictObject({
        country: z.string(),
        countryCode: z.string(),
        city: z.optional(z.string()),
        asn: z.optional(z.string()),
        org: z.string(),
        lat: z.optional(z.number()),
        lon: z.optional(z.number()),
      }),
    ),
  ),
  actors: z.record(z.string(), actorSchema),
  network: z.optional(z.array(networkSchema)),
  images: z.optional(z.array(imageSchema)),
  setup: z.optional(z.array(callStep.omit({ at: true }).extend({ at: z.optional(timeSpec) }))),
  timeline: z.array(stepSchema),
  background: z.optional(z.array(backgroundSchema)),
  detections: z.optional(z.array(detectionSchema)),
  /** Security Hub: enabled when, in which regions (its control findings are the range's own checks of the final state). */
  securityHub: z.optional(z.strictObject({ enabled: timeSpec, regions: z.optional(z.array(z.string())) })),
  /** Where an instance's web server access log is shipped (nginx's combined format, rotated hourly, gzipped). */
  webLogs: z.optional(
    z.array(
      z.strictObject({
        instance: z.string(),
        bucket: z.string(),
        prefix: z.optional(z.string()),
        /** The server's local time, as its log writes it. */
        utcOffset: z.optional(z.string().regex(/^[+-]\d{2}:\d{2}$/)),
      }),
    ),
  ),
  /** Instances the SSM agent does not manage, by save name. */
  unmanagedInstances: z.optional(z.array(z.string())),
});

export type Timeline = z.infer<typeof timelineSchema>;
export type Actor = z.infer<typeof actorSchema>;
export type Step = z.infer<typeof stepSchema>;
export type CallStep = z.infer<typeof callStep>;
export type FlowStep = z.infer<typeof flowStep>;
export type DnsStep = z.infer<typeof dnsStep>;
export type SignInStep = z.infer<typeof signInStep>;
export type WebStep = z.infer<typeof webStep>;
export type Detection = z.infer<typeof detectionSchema>;
export type Background = z.infer<typeof backgroundSchema>;
export type Network = z.infer<typeof networkSchema>;
export type ImageSpec = z.infer<typeof imageSchema>;
