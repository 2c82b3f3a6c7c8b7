/** Which service a request is for, decided as AWS front ends do: signature scope, target, host, then Action. */
import type { SigV4Auth } from "../auth/sigv4.ts";
import type { ServiceDefinition } from "../core/service.ts";
import { bucketFromHost } from "../protocols/codecs/rest-xml.ts";
import { formFields, isFormBody, type WireRequest } from "../protocols/wire.ts";

export interface RoutedService {
  service: ServiceDefinition;
  region: string | undefined;
}

const REGIONAL_HOST = /^([a-z0-9-]+)\.(?:([a-z]{2}-[a-z]+-\d)\.)?amazonaws\.com$/;

export class ServiceRouter {
  private readonly bySigningName = new Map<string, ServiceDefinition>();
  private readonly byPrefix = new Map<string, ServiceDefinition>();

  constructor(private readonly services: ServiceDefinition[]) {
    for (const s of services) {
      this.bySigningName.set(s.signingName, s);
      this.byPrefix.set(s.endpointPrefix, s);
    }
  }

  get all(): readonly ServiceDefinition[] {
    return this.services;
  }

  byId(id: string): ServiceDefinition | undefined {
    return this.services.find((s) => s.id === id);
  }

  route(req: WireRequest, auth: SigV4Auth | undefined, s3QuerySigV2 = false): RoutedService | undefined {
    if (auth) {
      const svc = this.bySigningName.get(auth.service);
      if (svc) return { service: svc, region: auth.region };
    }
    // Only S3 still takes SigV2 query signatures (presigned URLs of CLI v1).
    if (s3QuerySigV2) {
      const s3 = this.bySigningName.get("s3");
      if (s3) return { service: s3, region: undefined };
    }
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const target = req.headers["x-amz-target"];
    if (target) {
      const prefix = target.slice(0, target.lastIndexOf("."));
      const svc = this.services.find((s) => s.targetPrefix && (prefix === s.targetPrefix || prefix.endsWith(`.${s.targetPrefix}`)));
      if (svc) return { service: svc, region: undefined };
    }
    if (bucketFromHost(host)) {
      const s3 = this.bySigningName.get("s3");
      if (s3) return { service: s3, region: undefined };
    }
    const m = REGIONAL_HOST.exec(host);
    if (m) {
      const svc = this.byPrefix.get(m[1]);
      if (svc) return { service: svc, region: m[2] };
    }
    if (isFormBody(req) || req.query.some(([k]) => k === "Action")) {
      const fields = formFields(req);
      const version = fields.find(([k]) => k === "Version")?.[1];
      const svc = this.services.find((s) => (s.protocol === "ec2Query" || s.protocol === "awsQuery") && s.version === version);
      if (svc) return { service: svc, region: undefined };
    }
    return undefined;
  }
}
