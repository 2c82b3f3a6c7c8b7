/** restXml (S3): bucket from the virtual host or the first path segment, the rest routed by the http trait. */
import { XmlShapeDeserializer } from "@aws-sdk/core/protocols";
import { AwsError, type ErrorVocabulary } from "../../core/errors.ts";
import type { Codec } from "../codec.ts";
import { checkRequired, InputError } from "../decode.ts";
import { reviveTimestamps, xmlEscape } from "../encode.ts";
import { bindHttpInput, bindHttpOutput, matchRoute, safeDecode } from "../http-bindings.ts";
import { operationsOf } from "../schema.ts";
import type { WireRequest } from "../wire.ts";
import { xmlBody } from "../xml-writer.ts";

const vocabulary: ErrorVocabulary = {
  validation: "InvalidArgument",
  missing: "InvalidArgument",
  unknownOperation: "NotImplemented",
  unknownOperationStatus: 501,
  unknownKey: "InvalidAccessKeyId",
  unknownKeyStatus: 403,
  badSignature: "SignatureDoesNotMatch",
  badSignatureStatus: 403,
  expiredToken: "ExpiredToken",
  expiredTokenStatus: 400,
  missingAuth: "AccessDenied",
  malformed: "MalformedXML",
};

/** "bucket.s3.us-east-1.amazonaws.com", "bucket.s3.amazonaws.com", "bucket.localhost" → "bucket". */
export function bucketFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  const aws = /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$/.exec(name);
  if (aws) return aws[1];
  const local = /^(.+)\.localhost$/.exec(name);
  return local ? local[1] : undefined;
}

/** The bucket a request addresses and the path that remains for routing. */
export function splitBucket(req: WireRequest): { bucket?: string; path: string } {
  const hostBucket = bucketFromHost(req.headers.host);
  if (hostBucket) return { bucket: hostBucket, path: req.rawPath };
  const m = /^\/([^/?]+)(\/.*)?$/.exec(req.rawPath);
  if (!m) return { path: "/" };
  return { bucket: safeDecode(m[1]), path: m[2] ?? "/" };
}

function hasBucketMember(ns: { structIterator(): Iterable<[string, unknown]> }): boolean {
  for (const [name] of ns.structIterator()) if (name === "Bucket") return true;
  return false;
}

export const restXmlCodec: Codec = {
  vocabulary,
  route(req, _svc, mod) {
    const { bucket, path } = splitBucket(req);
    const ops = operationsOf(mod);
    // Without a bucket only account-level operations (ListBuckets) can match, and the reverse.
    const accept = (name: string) => {
      const op = ops.get(name);
      return !!op && hasBucketMember(op.input) === (bucket !== undefined);
    };
    // "/bucket" and "/bucket/" both address the bucket itself.
    const rest = path === "" ? "/" : path;
    const m = matchRoute(mod, req.method, rest, req.query, req.headers, accept);
    if (!m) return undefined;
    return { operation: m.operation, labels: bucket !== undefined ? { ...m.labels, Bucket: bucket } : m.labels };
  },
  decode(req, op, routed, svc) {
    const input = bindHttpInput(op.input, req, routed.labels ?? {});
    for (const [name, member] of op.input.structIterator()) {
      if (!member.getMergedTraits().httpPayload) continue;
      // A streamed object payload may have been spooled to a file as it arrived: the handler gets that file.
      if (member.isBlobSchema()) input[name] = req.bodyFile ?? req.body;
      else if (member.isStringSchema()) {
        if (req.body.length > 0) input[name] = req.body.toString("utf8");
      } else if (req.body.length > 0) {
        try {
          const d = new XmlShapeDeserializer({ xmlNamespace: svc.xmlNamespace ?? "", serviceNamespace: "", timestampFormat: { useTrait: true, default: 5 } });
          input[name] = d.read(member, req.body.toString("utf8"));
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new AwsError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
        }
      }
    }
    checkRequired(op.input, input, "");
    return input;
  },
  encode(op, stored, svc, requestId) {
    // Header-bound times are written from Dates.
    const output = reviveTimestamps(op.output, stored) as Record<string, unknown>;
    const bound = bindHttpOutput(op.output, output);
    const headers: Record<string, string> = { "x-amz-request-id": requestId, "x-amz-id-2": Buffer.from(requestId).toString("base64"), ...bound.headers };
    let status = bound.status ?? ((op.traits.http as [string, string, number] | undefined)?.[2] || 200);
    // A ranged read answers 206 with Content-Range, as HTTP requires.
    if (status === 200 && headers["content-range"]) status = 206;
    if (bound.payloadMember) {
      const [name, member] = bound.payloadMember;
      const v = output[name];
      if (v === undefined || v === null) return { status, headers, body: "" };
      if (member.isBlobSchema() || member.isStreaming()) return { status, headers, body: v as Buffer };
      if (member.isStringSchema()) return { status, headers: { "content-type": "application/xml", ...headers }, body: String(v) };
      return {
        status,
        headers: { "content-type": "application/xml", ...headers },
        body: xmlBody(member, v as Record<string, unknown>, svc.xmlNamespace ?? ""),
      };
    }
    if (Object.keys(bound.body).length === 0) return { status, headers, body: "" };
    // GetBucketLocation's root element is its only member, holding text: <LocationConstraint>region</LocationConstraint>.
    const root = op.output.getMergedTraits().xmlName;
    const only = Object.keys(bound.body);
    if (typeof root === "string" && only.length === 1 && only[0] === root && typeof bound.body[root] === "string") {
      const text = bound.body[root] as string;
      const open = `<${root} xmlns="${svc.xmlNamespace ?? ""}"`;
      return {
        status,
        headers: { "content-type": "application/xml", ...headers },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n${text === "" ? `${open}/>` : `${open}>${xmlEscape(text)}</${root}>`}`,
      };
    }
    return {
      status,
      headers: { "content-type": "application/xml", ...headers },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${xmlBody(op.output, bound.body, svc.xmlNamespace ?? "")}`,
    };
  },
  error(err, _svc, requestId) {
    const extra = Object.entries(err.fields)
      .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
      .join("");
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString("base64")}</HostId></Error>`;
    return { status: err.status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body };
  },
};
