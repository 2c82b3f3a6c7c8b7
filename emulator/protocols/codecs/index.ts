import type { ProtocolName } from "../../core/types.ts";
import type { Codec } from "../codec.ts";
import { awsJson10Codec, awsJson11Codec } from "./json-rpc.ts";
import { awsQueryCodec, ec2QueryCodec } from "./query.ts";
import { restJsonCodec } from "./rest-json.ts";
import { restXmlCodec } from "./rest-xml.ts";

export const codecs: Record<ProtocolName, Codec> = {
  ec2Query: ec2QueryCodec,
  awsQuery: awsQueryCodec,
  awsJson1_0: awsJson10Codec,
  awsJson1_1: awsJson11Codec,
  restJson1: restJsonCodec,
  restXml: restXmlCodec,
};
