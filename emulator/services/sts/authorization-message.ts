/** DecodeAuthorizationMessage: opens an encoded authorization failure message EC2 gave in this range. */
import type { DecodeAuthorizationMessageCommandInput, DecodeAuthorizationMessageCommandOutput } from "@aws-sdk/client-sts";
import { AwsError } from "../../core/errors.ts";
import { AUTHORIZATION_MESSAGE, unseal } from "../../core/sealed.ts";
import type { OpHandler } from "../../core/types.ts";

export const decodeAuthorizationMessage: OpHandler<DecodeAuthorizationMessageCommandInput, DecodeAuthorizationMessageCommandOutput> = (input, ctx) => {
  const decoded = unseal(ctx.runtime, AUTHORIZATION_MESSAGE, input.EncodedMessage ?? "");
  // AWS's answer to a message it did not issue (or one cut short when copied from the terminal).
  if (decoded === undefined) throw new AwsError("InvalidAuthorizationMessageException", "Message is not valid", 400);
  return { DecodedMessage: decoded };
};
