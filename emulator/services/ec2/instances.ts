import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput, Reservation } from "@aws-sdk/client-ec2";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler } from "../../core/types.ts";
import { decodeToken, paginate, type Stored } from "../stored.ts";
import { applyFilters, type Extractor } from "./filters.ts";
import { ec2State, type StoredInstance } from "./state.ts";

export const instanceFilters: Record<string, Extractor<StoredInstance>> = {
  "instance-id": (i) => i.InstanceId,
  "instance-state-name": (i) => i.State?.Name,
  "instance-state-code": (i) => i.State?.Code,
  "instance-type": (i) => i.InstanceType,
  "image-id": (i) => i.ImageId,
  "key-name": (i) => i.KeyName,
  "vpc-id": (i) => i.VpcId,
  "subnet-id": (i) => i.SubnetId,
  "availability-zone": (i) => i.Placement?.AvailabilityZone,
  "private-ip-address": (i) => i.PrivateIpAddress,
  "ip-address": (i) => i.PublicIpAddress,
  "instance.group-id": (i) => i.SecurityGroups?.map((g) => g.GroupId),
  "instance.group-name": (i) => i.SecurityGroups?.map((g) => g.GroupName),
  "group-id": (i) => i.SecurityGroups?.map((g) => g.GroupId),
  "iam-instance-profile.arn": (i) => i.IamInstanceProfile?.Arn,
  "reservation-id": (i) => i.ReservationId,
  "launch-time": (i) => i.LaunchTime,
  "metadata-options.http-tokens": (i) => i.MetadataOptions?.HttpTokens,
};

export const describeInstances: OpHandler<DescribeInstancesCommandInput, DescribeInstancesCommandOutput> = (input, ctx) => {
  const state = ec2State(ctx);
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
    throw new AwsError("InvalidParameterValue", `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than 5.`);
  }
  if (input.MaxResults !== undefined && input.InstanceIds?.length) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  let instances = Object.values(state.instances);
  if (input.InstanceIds?.length) {
    const missing = input.InstanceIds.filter((id) => !state.instances[id]);
    if (missing.length)
      throw new AwsError(
        "InvalidInstanceID.NotFound",
        `The instance ID${missing.length > 1 ? "s" : ""} '${missing.join(", ")}' do${missing.length > 1 ? "" : "es"} not exist`,
      );
    instances = input.InstanceIds.map((id) => state.instances[id]);
  }
  instances = applyFilters(instances, input.Filters, instanceFilters);
  const reservations = new Map<string, Stored<Reservation>>();
  for (const inst of instances) {
    const { ReservationId, UserData: _u, DisableApiTermination: _d, ...shown } = inst;
    let r = reservations.get(ReservationId);
    if (!r) {
      r = { ReservationId, OwnerId: ctx.accountId, Groups: [], Instances: [] };
      reservations.set(ReservationId, r);
    }
    r.Instances?.push(shown);
  }
  const all = [...reservations.values()];
  const offset = decodeToken(input.NextToken, "DescribeInstances");
  if (offset === undefined) throw new AwsError("InvalidParameterValue", "The nextToken is invalid");
  const { page, next } = paginate(all, offset, input.MaxResults ?? 1000, "DescribeInstances");
  return { Reservations: page as Reservation[], NextToken: next };
};
