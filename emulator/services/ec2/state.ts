/** EC2's regional state, in the SDK's own shapes (times as ISO strings), keyed by resource id. */
import type {
  FlowLog,
  IamInstanceProfileAssociation,
  Image,
  Instance,
  KeyPairInfo,
  NetworkInterface,
  SecurityGroup,
  SecurityGroupRule,
  Snapshot,
  Subnet,
  Volume,
  Vpc,
} from "@aws-sdk/client-ec2";
import type { Runtime } from "../../core/runtime.ts";
import type { RequestContext } from "../../core/types.ts";
import { type Stored, withDefaults } from "../stored.ts";

export type StoredInstance = Stored<Instance> & {
  /** Reservation the instance was launched in (DescribeInstances groups by it). */
  ReservationId: string;
  /** Base64 user data, as DescribeInstanceAttribute returns it. */
  UserData?: string;
  DisableApiTermination?: boolean;
  /** A state change in progress (stopping → stopped, …): describes show To once At has passed. */
  Transition?: { To: "running" | "stopped" | "terminated"; At: string };
  /** When the instance reached terminated; describes hide it an hour later, as EC2 does. */
  TerminatedAt?: string;
  InstanceInitiatedShutdownBehavior?: string;
  DisableApiStop?: boolean;
  /** Stopping released an auto-assigned public address; the next start assigns a new one. */
  AutoPublicIp?: boolean;
};

/** Snapshots and images finish (pending → completed/available) at ReadyAt; absent means already done. */
export type StoredSnapshot = Stored<Snapshot> & {
  ReadyAt?: string;
  /** Who else may create volumes from it: account ids, or Group "all" when public. */
  CreateVolumePermissions?: { UserId?: string; Group?: "all" }[];
};
export type StoredImage = Stored<Image> & {
  ReadyAt?: string;
  /** Who else may launch it; Group "all" makes it public. */
  LaunchPermissions?: { UserId?: string; Group?: "all" }[];
};
export type StoredKeyPair = Stored<KeyPairInfo>;

export interface Ec2State {
  instances: Record<string, StoredInstance>;
  securityGroups: Record<string, Stored<SecurityGroup>>;
  /** Security group rules by rule id (sgr-…); SecurityGroup.IpPermissions is derived from them. */
  securityGroupRules: Record<string, Stored<SecurityGroupRule>>;
  volumes: Record<string, Stored<Volume>>;
  snapshots: Record<string, StoredSnapshot>;
  images: Record<string, StoredImage>;
  /** Key pairs by name. */
  keyPairs: Record<string, Stored<KeyPairInfo>>;
  networkInterfaces: Record<string, Stored<NetworkInterface>>;
  vpcs: Record<string, Stored<Vpc>>;
  subnets: Record<string, Stored<Subnet>>;
  flowLogs: Record<string, Stored<FlowLog>>;
  iamInstanceProfileAssociations: Record<string, Stored<IamInstanceProfileAssociation>>;
}

export const emptyEc2State = (): Ec2State => ({
  instances: {},
  securityGroups: {},
  securityGroupRules: {},
  volumes: {},
  snapshots: {},
  images: {},
  keyPairs: {},
  networkInterfaces: {},
  vpcs: {},
  subnets: {},
  flowLogs: {},
  iamInstanceProfileAssociations: {},
});

export function ec2StateOf(runtime: Runtime, accountId: string, region: string): Ec2State {
  const st = runtime.regional(accountId, region, "ec2", emptyEc2State);
  return withDefaults(st, emptyEc2State());
}

export function ec2State(ctx: RequestContext): Ec2State {
  return ec2StateOf(ctx.runtime, ctx.accountId, ctx.region);
}
