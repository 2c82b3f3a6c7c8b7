/** The shapes every layer agrees on: the request context handed to handlers and the handler signature. */
import type { Runtime } from "./runtime.ts";

export type ProtocolName = "ec2Query" | "awsQuery" | "awsJson1_0" | "awsJson1_1" | "restJson1" | "restXml";

/** Who signed the request, in the terms CloudTrail's userIdentity uses. */
export interface Principal {
  type: "IAMUser" | "AssumedRole" | "Root";
  accountId: string;
  arn: string;
  /** AIDA… for users, AROA…:session for role sessions, the account id for root. */
  principalId: string;
  userName?: string;
  accessKeyId: string;
  /** For role sessions: the role that issued them and when. */
  sessionContext?: {
    sessionIssuer: { type: "Role"; principalId: string; arn: string; accountId: string; userName: string };
    creationDate: string;
    mfaAuthenticated: boolean;
    /** e.g. "ec2.amazonaws.com" for instance-profile credentials. */
    ec2RoleDelivery?: string;
  };
}

export interface RequestContext {
  requestId: string;
  accountId: string;
  region: string;
  /** The service id of the emulator's registry, e.g. "ec2", "s3". */
  service: string;
  operation: string;
  principal: Principal;
  accessKeyId: string;
  sourceIp: string;
  userAgent: string;
  /** The emulator's clock at the request, which may differ from the wall clock (see --clock). */
  time: Date;
  /**
   * The AWS service that made the call on the principal's behalf (SSM Automation's steps: "ssm.amazonaws.com"),
   * CloudTrail's userIdentity.invokedBy. Never set from a request: only the range's own services make such calls.
   */
  invokedBy?: string;
  readOnly: boolean;
  runtime: Runtime;
}

/** What a handler returns: the SDK's output type without the client-side metadata. */
export type HandlerOutput<O> = Omit<O, "$metadata">;

/** A handler is a plain function over the SDK's own input and output types. */
export type OpHandler<I = any, O = any> = (input: I, ctx: RequestContext) => HandlerOutput<O> | Promise<HandlerOutput<O>>;
