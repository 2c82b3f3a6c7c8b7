/**
 * Type-level test, checked by `tsc --noEmit` (npm test): an operation table typed OperationsOf<Client> accepts only the
 * SDK's operation names, each with a handler over that operation's own input and output.
 */
import type { EC2 } from "@aws-sdk/client-ec2";
import { type OperationsOf, read, write } from "../../emulator/core/service.ts";
import { withDryRun } from "../../emulator/services/ec2/common.ts";
import { describeInstances, stopInstances, terminateInstances } from "../../emulator/services/ec2/instances.ts";

export const correct: OperationsOf<EC2> = {
  DescribeInstances: read(withDryRun(describeInstances)),
  StopInstances: write(stopInstances),
  TerminateInstances: write(withDryRun(terminateInstances)),
};

export const anotherOperationsHandler: OperationsOf<EC2> = {
  // @ts-expect-error TerminateInstances' handler (its input and output members differ) cannot serve StopInstances.
  StopInstances: write(terminateInstances),
};

export const anotherOperationsHandlerWrapped: OperationsOf<EC2> = {
  // @ts-expect-error withDryRun keeps the handler's types, so the mismatch still shows through it.
  StopInstances: write(withDryRun(terminateInstances)),
};

export const misspelt: OperationsOf<EC2> = {
  // @ts-expect-error StopInstance is not an EC2 operation.
  StopInstance: write(stopInstances),
};

export const lowerCase: OperationsOf<EC2> = {
  // @ts-expect-error Operations are named as in the API (StopInstances), not as the client's methods.
  stopInstances: write(stopInstances),
};
