/**
 * The request pipeline, readable top to bottom: request id → signature → service → codec → operation →
 * input → handler (in a transaction when its operation is declared to mutate) → response; every authenticated call to
 * an operation of the service is journaled, failures and unimplemented operations included.
 */
import { parseSigV2Query, type SigV2Query, verifySigV2Query } from "../auth/sigv2.ts";
import { parseSigV4, type SigV4Auth, verifySigV4 } from "../auth/sigv4.ts";
import { apiCallRecord } from "../core/audit.ts";
import { AwsError, type ErrorVocabulary } from "../core/errors.ts";
import { requestId as newRequestId } from "../core/ids.ts";
import type { Runtime } from "../core/runtime.ts";
import type { SchemaModule, ServiceDefinition } from "../core/service.ts";
import type { Principal, RequestContext } from "../core/types.ts";
import type { Codec } from "../protocols/codec.ts";
import { codecs } from "../protocols/codecs/index.ts";
import { bucketFromHost } from "../protocols/codecs/rest-xml.ts";
import { InputError } from "../protocols/decode.ts";
import { operationsOf } from "../protocols/schema.ts";
import type { WireRequest, WireResponse } from "../protocols/wire.ts";
import type { ServiceRouter } from "../router/service-router.ts";

export interface ConnectionInfo {
  sourceIp: string;
}

const DEFAULT_REGION = "us-east-1";

const internalFailure = () => new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500);

/**
 * A request no service claims is answered in the protocol it looks like (a JSON target or body → awsJson, else the
 * query protocols' XML), by that protocol's codec like every other error.
 */
function unknownServiceResponse(req: WireRequest, requestId: string): WireResponse {
  const json = !!req.headers["x-amz-target"] || (req.headers["content-type"] ?? "").includes("json");
  const codec = json ? codecs.awsJson1_1 : codecs.awsQuery;
  const message =
    "Could not determine the AWS service this request is for (no SigV4 credential scope, X-Amz-Target, host or Action matched a service ir-range serves).";
  return codec.error(new AwsError(json ? "UnknownOperationException" : "InvalidAction", message, 400), undefined, requestId);
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
    const callRegion = svc.global ? DEFAULT_REGION : (region ?? DEFAULT_REGION);
    // Last-used data lives in memory until the next commit, much as AWS updates it with a delay.
    const use = { serviceName: svc.endpointPrefix, region: callRegion, time: this.runtime.clock.now() };
    for (const s of this.router.all) s.noteKeyUse?.(this.runtime, principal.accessKeyId, use);
    const mod = this.loadedModules.get(svc.id) ?? (await this.schemasOf(svc));
    const route = codec.route(req, svc, mod);
    const op = route ? operationsOf(mod).get(route.operation) : undefined;
    // An operation the SDK does not know is no call of this service: the protocol's error, and nothing to journal.
    if (!route || !op)
      throw new AwsError(
        codec.vocabulary.unknownOperation,
        `The action ${route ? route.operation : `${req.method} ${req.rawPath}`} is not valid for this web service.`,
        codec.vocabulary.unknownOperationStatus,
      );
    const spec = svc.operations[op.name];
    const ctx: RequestContext = {
      requestId,
      accountId: principal.accountId,
      region: callRegion,
      service: svc.id,
      operation: op.name,
      principal,
      accessKeyId: principal.accessKeyId,
      sourceIp: conn.sourceIp,
      userAgent: req.headers["user-agent"] ?? "",
      time: this.runtime.clock.now(),
      readOnly: spec?.readOnly ?? false,
      runtime: this.runtime,
    };
    let input: Record<string, unknown> | undefined;
    let output: Record<string, unknown> | undefined;
    let error: AwsError | undefined;
    try {
      if (!spec) {
        // A real operation of the service that the range does not implement: a failed call, journaled as such (with
        // its parameters where they decode).
        try {
          input = codec.decode(req, op, route, svc);
        } catch {
          input = undefined;
        }
        throw new AwsError(
          codec.vocabulary.unknownOperation,
          `The action ${op.name} is not implemented by ir-range for ${svc.id}.`,
          codec.vocabulary.unknownOperationStatus,
        );
      }
      input = codec.decode(req, op, route, svc);
      const decoded = input;
      if (spec.mutates) {
        output = (await this.runtime.transact(() => spec.handler(decoded, ctx))) as Record<string, unknown>;
      } else {
        // Most reads answer synchronously: no await (and no turn of the microtask queue) for them.
        const result = spec.handler(decoded, ctx);
        output = (result instanceof Promise ? await result : result) as Record<string, unknown>;
      }
      return codec.encode(op, output ?? {}, svc, requestId);
    } catch (e) {
      if (e instanceof AwsError || e instanceof InputError) {
        error = e instanceof AwsError ? e : inputErrorToAws(e, codec.vocabulary, svc);
        throw error;
      }
      // A bug of ours: CloudTrail still shows the call, failed as AWS would report it.
      error = internalFailure();
      throw e;
    } finally {
      this.runtime.journal.append(
        apiCallRecord({
          ctx,
          service: svc,
          category: spec?.category ?? "Management",
          inputSchema: op.input,
          outputSchema: op.output,
          input,
          output,
          error,
          host: req.headers.host ?? "",
        }),
      );
    }
  }
}
