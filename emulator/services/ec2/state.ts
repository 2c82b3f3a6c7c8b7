/** EC2's regional state, in the SDK's own shapes (times as ISO strings). */
import type { Instance, SecurityGroup, Subnet, Vpc } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../core/types.ts";
import type { Stored } from "../stored.ts";

export type StoredInstance = Stored<Instance> & {
  /** Reservation the instance was launched in (DescribeInstances groups by it). */
  ReservationId: string;
  /** Base64 user data, as DescribeInstanceAttribute returns it. */
  UserData?: string;
  DisableApiTermination?: boolean;
};

export interface Ec2State {
  instances: Record<string, StoredInstance>;
  securityGroups: Record<string, Stored<SecurityGroup>>;
  vpcs: Record<string, Stored<Vpc>>;
  subnets: Record<string, Stored<Subnet>>;
}

export const emptyEc2State = (): Ec2State => ({ instances: {}, securityGroups: {}, vpcs: {}, subnets: {} });

export function ec2State(ctx: RequestContext): Ec2State {
  return ctx.runtime.regional(ctx.accountId, ctx.region, "ec2", emptyEc2State);
}
