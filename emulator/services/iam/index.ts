import type { ServiceDefinition } from "../../core/service.ts";
import type { CredentialResolver } from "../../state/runtime.ts";
import { iamStateOf } from "./state.ts";
import { getUser, listUsers } from "./users.ts";

/** Access keys of IAM users sign requests while they are Active. */
const resolveUserKey: CredentialResolver = (runtime, accessKeyId) => {
  for (const user of Object.values(iamStateOf(runtime, runtime.accountId).users)) {
    const key = user.AccessKeys.find((k) => k.AccessKeyId === accessKeyId);
    if (key) {
      return {
        accessKeyId,
        secretAccessKey: key.SecretAccessKey,
        active: key.Status === "Active",
        principal: { type: "IAMUser", accountId: runtime.accountId, arn: user.Arn ?? "", principalId: user.UserId ?? "", userName: user.UserName },
      };
    }
  }
  return undefined;
};

export const iam: ServiceDefinition = {
  id: "iam",
  signingName: "iam",
  endpointPrefix: "iam",
  protocol: "awsQuery",
  xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
  version: "2010-05-08",
  global: true,
  eventSource: "iam.amazonaws.com",
  schemas: () => import("@aws-sdk/client-iam"),
  resolveCredential: resolveUserKey,
  handlers: { ListUsers: listUsers, GetUser: getUser },
};
