/** restJson1: operations routed by their http trait; labels, query and headers bound by member traits. */
import type { ErrorVocabulary } from "../../core/errors.ts";
import type { Codec } from "../codec.ts";
import { checkRequired, decodeJson } from "../decode.ts";
import { jsonBody, reviveTimestamps } from "../encode.ts";
import { bindHttpInput, bindHttpOutput, matchRoute } from "../http-bindings.ts";
import { parseJsonDocument } from "./json-rpc.ts";

const vocabulary: ErrorVocabulary = {
  validation: "ValidationException",
  missing: "ValidationException",
  unknownOperation: "UnknownOperationException",
  unknownOperationStatus: 404,
  unknownKey: "UnrecognizedClientException",
  unknownKeyStatus: 403,
  badSignature: "InvalidSignatureException",
  badSignatureStatus: 403,
  expiredToken: "ExpiredTokenException",
  expiredTokenStatus: 403,
  missingAuth: "MissingAuthenticationTokenException",
  malformed: "SerializationException",
};

export const restJsonCodec: Codec = {
  vocabulary,
  route(req, _svc, mod) {
    return matchRoute(mod, req.method, req.rawPath, req.query, req.headers);
  },
  decode(req, op, routed) {
    const input = bindHttpInput(op.input, req, routed.labels ?? {});
    let payloadName: string | undefined;
    for (const [name, member] of op.input.structIterator()) {
      if (!member.getMergedTraits().httpPayload) continue;
      payloadName = name;
      if (member.isBlobSchema()) input[name] = new Uint8Array(req.body);
      else if (member.isStringSchema()) input[name] = req.body.toString("utf8");
      else if (req.body.length > 0) input[name] = decodeJson(member, parseJsonDocument(req.body, vocabulary.malformed), name, { jsonName: true });
    }
    if (payloadName === undefined && req.body.length > 0) {
      const doc = parseJsonDocument(req.body, vocabulary.malformed);
      Object.assign(input, decodeJson(op.input, doc, "", { jsonName: true, skipHttpBound: true }));
    }
    checkRequired(op.input, input, "");
    return input;
  },
  encode(op, stored, _svc, requestId) {
    const output = reviveTimestamps(op.output, stored) as Record<string, unknown>;
    const bound = bindHttpOutput(op.output, output);
    const headers = { "content-type": "application/json", "x-amzn-requestid": requestId, ...bound.headers };
    const status = bound.status ?? ((op.traits.http as [string, string, number] | undefined)?.[2] || 200);
    if (bound.payloadMember) {
      const [name, member] = bound.payloadMember;
      const v = output[name];
      if (member.isBlobSchema() || member.isStringSchema()) return { status, headers, body: v === undefined ? "" : (v as string | Uint8Array) };
      return { status, headers, body: v === undefined ? "{}" : jsonBody(member, v, true) };
    }
    return { status, headers, body: jsonBody(op.output, bound.body, true) };
  },
  error(err, _svc, requestId) {
    const body = JSON.stringify({ message: err.message, __type: err.code, ...err.fields });
    return {
      status: err.status,
      headers: { "content-type": "application/json", "x-amzn-errortype": err.code, "x-amzn-requestid": requestId },
      body,
    };
  },
};
