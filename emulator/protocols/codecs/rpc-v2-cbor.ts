/**
 * Smithy RPC v2 CBOR, errors only: no service the range serves speaks it, but SDK v3 clients of some it does not
 * (CloudWatch) do, and they read an error only from a CBOR body marked with the protocol's header.
 */
import { cbor } from "@smithy/core/cbor";
import type { AwsError } from "../../core/errors.ts";
import type { WireResponse } from "../wire.ts";

export function rpcV2CborError(err: AwsError, requestId: string): WireResponse {
  const body = Buffer.from(cbor.serialize({ __type: err.code, message: err.message, ...err.fields }));
  return {
    status: err.status,
    headers: { "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "x-amzn-requestid": requestId },
    body,
  };
}
