import type { ServiceDefinition } from "../../core/service.ts";
import { listBuckets } from "./buckets.ts";
import { getObject, headObject, listObjectsV2, putObject } from "./objects.ts";

export const s3: ServiceDefinition = {
  id: "s3",
  signingName: "s3",
  endpointPrefix: "s3",
  protocol: "restXml",
  xmlNamespace: "http://s3.amazonaws.com/doc/2006-03-01/",
  eventSource: "s3.amazonaws.com",
  schemas: () => import("@aws-sdk/client-s3"),
  dataEvents: new Set(["GetObject", "HeadObject", "PutObject", "DeleteObject", "DeleteObjects", "CopyObject"]),
  handlers: {
    ListBuckets: listBuckets,
    ListObjectsV2: listObjectsV2,
    GetObject: getObject,
    HeadObject: headObject,
    PutObject: putObject,
  },
};
