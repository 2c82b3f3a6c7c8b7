import type { GetCallerIdentityCommandInput, GetCallerIdentityCommandOutput, STS } from "@aws-sdk/client-sts";
import { importExternal } from "../../core/external.ts";
import { type OperationsOf, read, type ServiceDefinition, write } from "../../core/service.ts";
import type { OpHandler } from "../../core/types.ts";
import { decodeAuthorizationMessage } from "./authorization-message.ts";
import { stsAuthorization } from "./authz.ts";
import { assumeRole, getAccessKeyInfo, getSessionToken, resolveSessionKey } from "./sessions.ts";

const getCallerIdentity: OpHandler<GetCallerIdentityCommandInput, GetCallerIdentityCommandOutput> = (_input, ctx) => ({
  Account: ctx.principal.accountId,
  Arn: ctx.principal.arn,
  UserId: ctx.principal.principalId,
});

const operations: OperationsOf<STS> = {
  GetCallerIdentity: read(getCallerIdentity),
  GetAccessKeyInfo: read(getAccessKeyInfo),
  DecodeAuthorizationMessage: read(decodeAuthorizationMessage),
  // CloudTrail logs these as reads although they issue sessions, which the range must store.
  GetSessionToken: write(getSessionToken, { loggedReadOnly: true }),
  AssumeRole: write(assumeRole, { loggedReadOnly: true }),
};

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
  authorization: stsAuthorization,
  operations,
};
