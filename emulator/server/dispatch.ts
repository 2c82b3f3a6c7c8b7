/**
 * The request pipeline, readable top to bottom: request id → signature → service → codec → operation →
 * input → handler (serialized and committed when it mutates) → response; every authenticated call is journaled.
 */
import { parseSigV2Query, type SigV2Query, verifySigV2Query } from "../auth/sigv2.ts";
import { parseSigV4, type SigV4Auth, verifySigV4 } from "../auth/sigv4.ts";
import { apiCallRecord } from "../core/audit.ts";
import { AwsError, type ErrorVocabulary } from "../core/errors.ts";
import { requestId as newRequestId } from "../core/ids.ts";
import { loggedReadOnly, mutates, type SchemaModule, type ServiceDefinition } from "../core/service.ts";
import type { Principal, RequestContext } from "../core/types.ts";
import type { Codec } from "../protocols/codec.ts";
import { codecs } from "../protocols/codecs/index.ts";
import { bucketFromHost } from "../protocols/codecs/rest-xml.ts";
import { InputError } from "../protocols/decode.ts";
import { operationsOf } from "../protocols/schema.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import type { ServiceRouter } from "../router/service-router.ts";
import type { Runtime } from "../state/runtime.ts";

export interface ConnectionInfo {
  sourceIp: string;
}

const DEFAULT_REGION = "us-east-1";

const internalFailure = () => new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500);

function unknownServiceResponse(req: WireRequest, requestId: string): WireResponse {
  const message =
    "Could not determine the AWS service this request is for (no SigV4 credential scope, X-Amz-Target, host or Action matched a service ir-range serves).";
  if (req.headers["x-amz-target"] || (req.headers["content-type"] ?? "").includes("json")) {
    return {
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
      body: JSON.stringify({ __type: "UnknownOperationException", message }),
    };
  }
  return {
    status: 400,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function inputErrorToAws(e: InputError, vocab: ErrorVocabulary, svc: ServiceDefinition): AwsError {
  const code = e.kind === "missing" ? (svc.errors?.missing ?? vocab.missing) : (svc.errors?.validation ?? vocab.validation);
  return new AwsError(code, e.message, 400);
}

export class Dispatcher {
  /** Each client module is imported once; a dynamic import per request costs more than the request. */
  private readonly schemaModules = new Map<string, Promise<SchemaModule>>();
  /** The same modules once loaded, so a call does not wait a microtask turn for one it already has. */
  private readonly loadedModules = new Map<string, SchemaModule>();

  constructor(
    private readonly runtime: Runtime,
    private readonly router: ServiceRouter,
    private readonly log: (line: string) => void = () => {},
  ) {}

  async handle(req: WireRequest, conn: ConnectionInfo): Promise<WireResponse> {
    const requestId = newRequestId();
    const auth = parseSigV4(req);
    const v2 = auth ? undefined : parseSigV2Query(req);
    const routed = this.router.route(req, auth, v2 !== undefined);
    if (!routed) return unknownServiceResponse(req, requestId);
    const svc = routed.service;
    const codec = codecs[svc.protocol];
    const vocab = codec.vocabulary;
    try {
      return await this.handleService(req, conn, svc, codec, routed.region, auth ?? v2, requestId);
    } catch (e) {
      if (e instanceof AwsError) return codec.error(e, svc, requestId);
      if (e instanceof InputError) return codec.error(inputErrorToAws(e, vocab, svc), svc, requestId);
      this.log(`internal error in ${svc.id}: ${(e as Error).stack ?? e}`);
      return codec.error(internalFailure(), svc, requestId);
    }
  }

  private schemasOf(svc: ServiceDefinition): Promise<SchemaModule> {
    let mod = this.schemaModules.get(svc.id);
    if (!mod) {
      mod = svc.schemas().then((m) => {
        this.loadedModules.set(svc.id, m);
        return m;
      });
      this.schemaModules.set(svc.id, mod);
    }
    return mod;
  }

  private authenticate(req: WireRequest, svc: ServiceDefinition, codec: Codec, auth: SigV4Auth | SigV2Query | undefined): Principal {
    const v = codec.vocabulary;
    if (!auth) throw new AwsError(v.missingAuth, "Request is missing Authentication Token", 403);
    const cred = this.runtime.resolveCredential(auth.accessKeyId);
    const invalid =
      svc.protocol === "ec2Query" ? "AWS was not able to validate the provided access credentials" : "The security token included in the request is invalid.";
    if (!cred?.active) {
      throw new AwsError(
        v.unknownKey,
        svc.protocol === "restXml" ? "The AWS Access Key Id you provided does not exist in our records." : invalid,
        v.unknownKeyStatus,
      );
    }
    if (cred.sessionToken && cred.sessionToken !== ("sessionToken" in auth ? auth.sessionToken : new Map(req.query).get("x-amz-security-token")))
      throw new AwsError(v.unknownKey, invalid, v.unknownKeyStatus);
    if (cred.expiration && Date.parse(cred.expiration) <= this.runtime.clock.now().getTime()) {
      throw new AwsError(v.expiredToken, "The security token included in the request is expired", v.expiredTokenStatus);
    }
    const verified =
      "expires" in auth ? verifySigV2Query(req, auth, cred.secretAccessKey, bucketFromHost(req.headers.host)) : verifySigV4(req, auth, cred.secretAccessKey);
    if (!verified) {
      throw new AwsError(
        v.badSignature,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        v.badSignatureStatus,
      );
    }
    // Not { ...principal, accessKeyId }: that form is slow in Node 20's V8 (see parseSigV4).
    return Object.assign({}, cred.principal, { accessKeyId: auth.accessKeyId });
  }

  private async handleService(
    req: WireRequest,
    conn: ConnectionInfo,
    svc: ServiceDefinition,
    codec: Codec,
    region: string | undefined,
    auth: SigV4Auth | SigV2Query | undefined,
    requestId: string,
  ): Promise<WireResponse> {
    const principal = this.authenticate(req, svc, codec, auth);
    // Last-used data lives in memory until the next commit, much as AWS updates it with a delay.
    const use = { serviceName: svc.endpointPrefix, region: svc.global ? DEFAULT_REGION : (region ?? DEFAULT_REGION), time: this.runtime.clock.now() };
    for (const s of this.router.all) s.noteKeyUse?.(this.runtime, principal.accessKeyId, use);
    const mod = this.loadedModules.get(svc.id) ?? (await this.schemasOf(svc));
    const route = codec.route(req, svc, mod);
    const op = route ? operationsOf(mod).get(route.operation) : undefined;
    const handler = route ? svc.handlers[route.operation] : undefined;
    const v = codec.vocabulary;
    if (!route || !op || !handler) {
      const what = route ? route.operation : `${req.method} ${req.rawPath}`;
      const message =
        route && op ? `The action ${what} is not implemented by ir-range for ${svc.id}.` : `The action ${what} is not valid for this web service.`;
      throw new AwsError(v.unknownOperation, message, v.unknownOperationStatus);
    }
    const ctx: RequestContext = {
      requestId,
      accountId: principal.accountId,
      region: svc.global ? DEFAULT_REGION : (region ?? DEFAULT_REGION),
      service: svc.id,
      operation: op.name,
      principal,
      accessKeyId: principal.accessKeyId,
      sourceIp: conn.sourceIp,
      userAgent: req.headers["user-agent"] ?? "",
      time: this.runtime.clock.now(),
      readOnly: loggedReadOnly(svc, op.name),
      runtime: this.runtime,
    };
    let input: Record<string, unknown> | undefined;
    let output: Record<string, unknown> | undefined;
    let error: AwsError | undefined;
    try {
      input = codec.decode(req, op, route, svc);
      if (!mutates(svc, op.name)) {
        // Most reads answer synchronously: no await (and no turn of the microtask queue) for them.
        const result = handler(input, ctx);
        output = (result instanceof Promise ? await result : result) as Record<string, unknown>;
      } else {
        output = await this.runtime.exclusive(async () => {
          try {
            const out = (await handler(input, ctx)) as Record<string, unknown>;
            await this.runtime.store.commit();
            return out;
          } catch (e) {
            await this.runtime.store.rollback();
            throw e;
          }
        });
      }
      return codec.encode(op, output ?? {}, svc, requestId);
    } catch (e) {
      if (e instanceof AwsError || e instanceof InputError) {
        error = e instanceof AwsError ? e : inputErrorToAws(e, v, svc);
        throw error;
      }
      // A bug of ours: CloudTrail still shows the call, failed as AWS would report it.
      error = internalFailure();
      throw e;
    } finally {
      this.runtime.journal.append(
        apiCallRecord({ ctx, service: svc, inputSchema: op.input, outputSchema: op.output, input, output, error, host: req.headers.host ?? "" }),
      );
    }
  }
}
