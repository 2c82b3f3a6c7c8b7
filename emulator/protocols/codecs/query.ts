/** ec2Query and awsQuery: form-encoded requests, XML responses. */
import type { ErrorVocabulary } from "../../core/errors.ts";
import type { Codec } from "../codec.ts";
import { buildQueryTree, decodeQuery } from "../decode.ts";
import { xmlEscape } from "../encode.ts";
import { formFields } from "../wire.ts";
import { xmlMembers } from "../xml-writer.ts";

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const ENVELOPE_FIELDS = new Set(["Action", "Version"]);

function actionOf(fields: [string, string][]): string | undefined {
  return fields.find(([k]) => k === "Action")?.[1];
}

const ec2Vocabulary: ErrorVocabulary = {
  validation: "InvalidParameterValue",
  missing: "MissingParameter",
  unknownOperation: "InvalidAction",
  unknownOperationStatus: 400,
  unknownKey: "AuthFailure",
  unknownKeyStatus: 401,
  badSignature: "SignatureDoesNotMatch",
  badSignatureStatus: 403,
  expiredToken: "RequestExpired",
  expiredTokenStatus: 400,
  missingAuth: "MissingAuthenticationToken",
  malformed: "MalformedQueryString",
};

const queryVocabulary: ErrorVocabulary = {
  validation: "ValidationError",
  missing: "ValidationError",
  unknownOperation: "InvalidAction",
  unknownOperationStatus: 400,
  unknownKey: "InvalidClientTokenId",
  unknownKeyStatus: 403,
  badSignature: "SignatureDoesNotMatch",
  badSignatureStatus: 403,
  expiredToken: "ExpiredToken",
  expiredTokenStatus: 403,
  missingAuth: "MissingAuthenticationToken",
  malformed: "MalformedQueryString",
};

function makeQueryCodec(ec2: boolean): Codec {
  return {
    vocabulary: ec2 ? ec2Vocabulary : queryVocabulary,
    route(req) {
      const action = actionOf(formFields(req));
      return action ? { operation: action } : undefined;
    },
    decode(req, op) {
      const tree = buildQueryTree(formFields(req), ENVELOPE_FIELDS);
      return (decodeQuery(op.input, tree, "", { ec2 }) ?? {}) as Record<string, unknown>;
    },
    encode(op, output, svc, requestId) {
      const ns = svc.xmlNamespace ?? "";
      const members = xmlMembers(op.output, output);
      const body = ec2
        ? `${XML_DECL}<${op.name}Response xmlns="${ns}"><requestId>${requestId}</requestId>${members}</${op.name}Response>`
        : `${XML_DECL}<${op.name}Response xmlns="${ns}"><${op.name}Result>${members}</${op.name}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op.name}Response>`;
      return { status: 200, headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId }, body };
    },
    error(err, svc, requestId) {
      const code = xmlEscape(err.code);
      const message = xmlEscape(err.message);
      const body = ec2
        ? `${XML_DECL}<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `${XML_DECL}<ErrorResponse${svc?.xmlNamespace ? ` xmlns="${svc.xmlNamespace}"` : ""}><Error><Type>${err.sender ? "Sender" : "Receiver"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status: err.status, headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId }, body };
    },
  };
}

export const ec2QueryCodec = makeQueryCodec(true);
export const awsQueryCodec = makeQueryCodec(false);
