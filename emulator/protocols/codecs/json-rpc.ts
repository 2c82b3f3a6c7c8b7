/** awsJson1.0 / awsJson1.1: operation in X-Amz-Target, JSON body both ways. */
import type { ErrorVocabulary } from "../../core/errors.ts";
import { AwsError } from "../../core/errors.ts";
import type { Codec } from "../codec.ts";
import { decodeJson } from "../decode.ts";
import { jsonBody, reviveTimestamps } from "../encode.ts";

const vocabulary: ErrorVocabulary = {
  validation: "ValidationException",
  missing: "ValidationException",
  unknownOperation: "UnknownOperationException",
  unknownOperationStatus: 400,
  unknownKey: "UnrecognizedClientException",
  unknownKeyStatus: 400,
  badSignature: "InvalidSignatureException",
  badSignatureStatus: 400,
  expiredToken: "ExpiredTokenException",
  expiredTokenStatus: 400,
  missingAuth: "MissingAuthenticationTokenException",
  malformed: "SerializationException",
};

export function parseJsonDocument(body: Buffer, code: string): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new AwsError(code, "Start of structure or map found where not expected, or the request body is not valid JSON.");
  }
}

function makeJsonRpcCodec(version: "1.0" | "1.1"): Codec {
  const contentType = `application/x-amz-json-${version}`;
  return {
    vocabulary,
    route(req) {
      const target = req.headers["x-amz-target"];
      if (!target) return undefined;
      return { operation: target.slice(target.lastIndexOf(".") + 1) };
    },
    decode(req, op) {
      const doc = parseJsonDocument(req.body, vocabulary.malformed);
      return (decodeJson(op.input, doc) ?? {}) as Record<string, unknown>;
    },
    encode(op, output, _svc, requestId) {
      return {
        status: 200,
        headers: { "content-type": contentType, "x-amzn-requestid": requestId },
        body: jsonBody(op.output, reviveTimestamps(op.output, output), false),
      };
    },
    error(err, _svc, requestId) {
      const body = JSON.stringify({ __type: err.code, message: err.message, ...err.fields });
      return { status: err.status, headers: { "content-type": contentType, "x-amzn-requestid": requestId }, body };
    },
  };
}

export const awsJson10Codec = makeJsonRpcCodec("1.0");
export const awsJson11Codec = makeJsonRpcCodec("1.1");
