import type { GetCallerIdentityCommandInput, GetCallerIdentityCommandOutput } from "@aws-sdk/client-sts";
import { importExternal } from "../../core/external.ts";
import type { ServiceDefinition } from "../../core/service.ts";
import type { OpHandler } from "../../core/types.ts";
import { assumeRole, getAccessKeyInfo, getSessionToken, resolveSessionKey } from "./sessions.ts";

const getCallerIdentity: OpHandler<GetCallerIdentityCommandInput, GetCallerIdentityCommandOutput> = (_input, ctx) => ({
  Account: ctx.principal.accountId,
  Arn: ctx.principal.arn,
  UserId: ctx.principal.principalId,
});

export const sts: ServiceDefinition = {
  id: "sts",
  signingName: "sts",
  endpointPrefix: "sts",
  protocol: "awsQuery",
  xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
  version: "2011-06-15",
  eventSource: "sts.amazonaws.com",
  schemas: () => importExternal("@aws-sdk/client-sts"),
  resolveCredential: resolveSessionKey,
  // CloudTrail logs these as reads although they issue sessions, which the range must store.
  readOnlyEvents: new Set(["AssumeRole", "GetSessionToken"]),
  handlers: {
    GetCallerIdentity: getCallerIdentity,
    GetAccessKeyInfo: getAccessKeyInfo,
    GetSessionToken: getSessionToken,
    AssumeRole: assumeRole,
  },
};
