/**
 * Which service a request is for, decided as AWS front ends do: signature scope, target, host, then Action; an
 * unsigned request with none of these goes to the first service whose URI patterns its method and path match
 * (restJson services, then S3 path-style), so that it is refused in that service's shape.
 */
import type { SigV4Auth } from "../auth/sigv4.ts";
import type { SchemaModule, ServiceDefinition } from "../core/service.ts";
import { codecs } from "../protocols/codecs/index.ts";
import { bucketFromHost } from "../protocols/codecs/rest-xml.ts";
import { formFields, isFormBody, type WireRequest } from "../protocols/wire.ts";
import { type UnservedCall, unservedCall } from "./unserved.ts";

export interface RoutedService {
  service: ServiceDefinition;
  region: string | undefined;
}

/**
 * A request with no signature of any kind (header or query), no target and no query-protocol action: only its method
 * and path can say which service it is for.
 */
function namesNoService(req: WireRequest): boolean {
  if (req.headers.authorization !== undefined || req.headers["x-amz-target"] !== undefined || isFormBody(req)) return false;
  return !req.query.some(([k]) => k === "X-Amz-Credential" || k === "X-Amz-Signature" || k === "AWSAccessKeyId" || k === "Signature" || k === "Action");
}

const REGIONAL_HOST = /^([a-z0-9-]+)\.(?:([a-z]{2}-[a-z]+-\d)\.)?amazonaws\.com$/;

export class ServiceRouter {
  private readonly bySigningName = new Map<string, ServiceDefinition>();
  private readonly byPrefix = new Map<string, ServiceDefinition>();
  /** Services a bare method and path can name: restJson first, restXml (S3, which takes nearly any path) last. */
  private readonly pathRouted: ServiceDefinition[];
  /** Their schemas, once an unsigned request has needed them (the router is synchronous, schemas load lazily). */
  private pathSchemas: Map<string, SchemaModule> | undefined;
  private loadingPathSchemas: Promise<void> | undefined;

  constructor(private readonly services: ServiceDefinition[]) {
    for (const s of services) {
      this.bySigningName.set(s.signingName, s);
      this.byPrefix.set(s.endpointPrefix, s);
    }
    this.pathRouted = [...services.filter((s) => s.protocol === "restJson1"), ...services.filter((s) => s.protocol === "restXml")];
  }

  /**
   * What `route` needs before it can place this request, or undefined when it needs nothing: a request that carries no
   * signature may be routed by its path alone, which takes the restJson and restXml schemas (loaded once, here, so
   * signed calls never wait for them). The promise always resolves; if loading failed, such requests stay unrouted.
   */
  prepare(req: WireRequest): Promise<void> | undefined {
    if (this.pathSchemas || !namesNoService(req)) return undefined;
    this.loadingPathSchemas ??= Promise.all(this.pathRouted.map(async (s) => [s.id, await s.schemas()] as const)).then(
      (loaded) => {
        this.pathSchemas = new Map(loaded);
      },
      () => {
        this.loadingPathSchemas = undefined;
      },
    );
    return this.loadingPathSchemas;
  }

  get all(): readonly ServiceDefinition[] {
    return this.services;
  }

  /** A signed request `route` placed nowhere: the AWS service the range does not serve that it is for, if it names one. */
  unserved(req: WireRequest, auth: SigV4Auth): UnservedCall | undefined {
    return unservedCall(req, auth, this.services);
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
      return undefined;
    }
    // Unsigned, and nothing above named a service (curl, a browser): the first service that has an operation at this
    // method and path, so the caller gets that service's own refusal (S3's AccessDenied, restJson's
    // MissingAuthenticationTokenException) rather than a query protocol's InvalidAction.
    if (!auth && !s3QuerySigV2 && this.pathSchemas && namesNoService(req)) {
      for (const s of this.pathRouted) {
        const mod = this.pathSchemas.get(s.id);
        if (mod && codecs[s.protocol].route(req, s, mod)) return { service: s, region: undefined };
      }
    }
    return undefined;
  }
}
