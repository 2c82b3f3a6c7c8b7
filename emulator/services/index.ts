/** Every service the emulator serves; a new service is a folder plus one line here. */
import type { ServiceDefinition } from "../core/service.ts";
import { athena } from "./athena/index.ts";
import { cloudtrail } from "./cloudtrail/index.ts";
import { ec2 } from "./ec2/index.ts";
import { glue } from "./glue/index.ts";
import { guardduty } from "./guardduty/index.ts";
import { iam } from "./iam/index.ts";
import { s3 } from "./s3/index.ts";
import { securityhub } from "./securityhub/index.ts";
import { ssm } from "./ssm/index.ts";
import { sts } from "./sts/index.ts";

export function allServices(): ServiceDefinition[] {
  return [sts, ec2, iam, s3, cloudtrail, guardduty, securityhub, athena, glue, ssm];
}

/** IAM authorization of a call, before its handler runs (IAM decides for every service, as in AWS). */
export { authorize } from "./iam/authorization/authorize.ts";
