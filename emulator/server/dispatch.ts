/**
 * The request pipeline, readable top to bottom: request id → service → credentials and signature from the headers →
 * the body, within its operation's size limit → payload hash → codec → operation → input → handler (in a transaction
 * when its operation is declared to mutate) → response; every authenticated call to an operation of the service is
 * journaled, failures and unimplemented operations included. A request from the HTTP listener arrives with its body
 * still on the socket (body.ts): nothing of it is read before the headers have been found to be a valid caller's.
 */

import { join } from "node:path";
import { checkChunkSignatures, checkPayload, checkRegion, checkSessionToken, checkTime } from "../auth/request-checks.ts";
import { parseSigV2Query, type SigV2Query, verifySigV2Query } from "../auth/sigv2.ts";
import { parseSigV4, type SigV4Auth, verifySigV4 } from "../auth/sigv4.ts";
import { apiCallRecord } from "../core/audit.ts";
import { AwsError, type ErrorVocabulary } from "../core/errors.ts";
import { requestId as newRequestId } from "../core/ids.ts";
import type { Runtime } from "../core/runtime.ts";
import type { SchemaModule, ServiceCall, ServiceDefinition } from "../core/service.ts";
import type { Principal, ProtocolName, RequestContext } from "../core/types.ts";
import type { Codec } from "../protocols/codec.ts";
import { codecs } from "../protocols/codecs/index.ts";
import { bucketFromHost } from "../protocols/codecs/rest-xml.ts";
import { InputError } from "../protocols/decode.ts";
import { type OperationSchemas, operationsOf } from "../protocols/schema.ts";
import { isFormBody, type WireRequest, type WireResponse } from "../protocols/wire.ts";
import type { ServiceRouter } from "../router/service-router.ts";
import type { UnservedCall } from "../router/unserved.ts";
import { authorize } from "../services/index.ts";
import {
  BodyAbortedError,
  BodyTooLargeError,
  declaredSize,
  isAwsChunked,
  MAX_OBJECT_BYTES,
  MAX_REQUEST_BYTES,
  type PendingBody,
  pendingBody,
  SPOOL_BYTES,
  UNSIGNED_BODY_BYTES,
} from "./body.ts";
import { fetchResponseOf, fromFetch } from "./http-wire.ts";

export interface ConnectionInfo {
  sourceIp: string;
  /**
   * A call a service of the range makes on a principal's behalf (ServiceCall): its name, which CloudTrail shows as
   * userIdentity.invokedBy, sourceIPAddress and userAgent. The HTTP listener never sets it.
   */
  invokedBy?: string;
  /** The emulator time of such a call (when its work fell due); now otherwise. */
  at?: Date;
}

/** How often, in wall time, work that falls due by the clock (ServiceLifecycle.due) runs between requests. */
const DUE_INTERVAL_MS = 1000;

const DEFAULT_REGION = "us-east-1";

const internalFailure = () => new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500);

/**
 * A request that names no AWS service (unsigned, or signed for none the CLI knows) is answered in the protocol it looks
 * like (a JSON target or body → awsJson, else the query protocols' XML), by that protocol's codec like every other error.
 */
function unknownServiceResponse(req: WireRequest, requestId: string): WireResponse {
  const json = !!req.headers["x-amz-target"] || (req.headers["content-type"] ?? "").includes("json");
  const codec = json ? codecs.awsJson1_1 : codecs.awsQuery;
  const message =
    "Could not determine the AWS service this request is for (no SigV4 credential scope, X-Amz-Target, host or Action matched a service ir-range serves).";
  return codec.error(new AwsError(json ? "UnknownOperationException" : "InvalidAction", message, 400), undefined, requestId);
}

/** A body over its limit, as each protocol's front end refuses it. */
function tooLarge(protocol: ProtocolName, e: BodyTooLargeError, streamed: boolean): AwsError {
  if (protocol === "restXml") {
    return streamed
      ? new AwsError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400, {
          ProposedSize: String(e.proposedSize),
          MaxSizeAllowed: String(e.limit),
        })
      : new AwsError("MaxMessageLengthExceeded", "Your request was too big.", 400);
  }
  const message = `Request must be smaller than ${e.limit} bytes.`;
  return protocol === "awsQuery" || protocol === "ec2Query"
    ? new AwsError("RequestEntityTooLarge", message, 413)
    : new AwsError("RequestEntityTooLargeException", message, 413);
}

/** Whether the operation's input payload is a stream (S3's PutObject and UploadPart): the object limit applies. */
function streamedInput(op: OperationSchemas): boolean {
  let streamed = streamedOps.get(op);
  if (streamed === undefined) {
    streamed = false;
    for (const [, member] of op.input.structIterator()) if (member.getMergedTraits().httpPayload && member.isStreaming()) streamed = true;
    streamedOps.set(op, streamed);
  }
  return streamed;
}

const streamedOps = new WeakMap<OperationSchemas, boolean>();

/** S3 refuses a header section over 8 KiB (RequestHeaderSectionTooLarge). */
export const S3_MAX_HEADER_BYTES = 8 * 1024;
/** Any other service: a request line and headers over 16 KiB (the front ends' limit; node's default, too). */
export const MAX_HEAD_BYTES = 16 * 1024;

/** The size of the request's head as it arrived: headers (name, ": ", value, CRLF) and, when `withUrl`, the URL. */
function headBytes(req: WireRequest, withUrl: boolean): number {
  let n = 0;
  for (const k in req.headers) n += k.length + Buffer.byteLength(req.headers[k]) + 4;
  if (withUrl) {
    n += req.method.length + Buffer.byteLength(req.rawPath) + 11;
    for (const [k, v] of req.query) n += encodeURIComponent(k).length + encodeURIComponent(v).length + 2;
  }
  return n;
}

/** A head over AWS's limit, as the routed service's front end refuses it. */
function headTooLarge(req: WireRequest, svc: ServiceDefinition, vocab: ErrorVocabulary): AwsError | undefined {
  if (svc.protocol === "restXml") {
    if (headBytes(req, false) <= S3_MAX_HEADER_BYTES && headBytes(req, true) <= MAX_HEAD_BYTES) return undefined;
    return new AwsError("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.", 400, {
      MaxSizeAllowed: String(S3_MAX_HEADER_BYTES),
    });
  }
  if (headBytes(req, true) <= MAX_HEAD_BYTES) return undefined;
  return new AwsError(
    svc.errors?.validation ?? vocab.validation,
    `The request line and headers exceed the maximum allowed size of ${MAX_HEAD_BYTES} bytes.`,
    400,
  );
}

/** A SigV4 scope naming another service than the one the target or host routed the request to. */
function wrongScope(auth: SigV4Auth | undefined, svc: ServiceDefinition, vocab: ErrorVocabulary): AwsError | undefined {
  if (!auth || auth.service === svc.signingName) return undefined;
  return new AwsError(vocab.badSignature, `Credential should be scoped to correct service: '${svc.signingName}'.`, vocab.badSignatureStatus);
}

/** What the headers established about a caller, before the body is read. */
interface HeaderAuth {
  principal: Principal;
  secretAccessKey: string;
  badSignature: AwsError;
  /** The signature was verified from the headers (it does not cover the body's own hash). */
  verified: boolean;
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
  /** Services with work that falls due by the clock (ServiceLifecycle.due). */
  private readonly withDueWork: ServiceDefinition[];

  constructor(
    private readonly runtime: Runtime,
    private readonly router: ServiceRouter,
    private readonly log: (line: string) => void = () => {},
    /** Off only in `npm run bench`, to measure authorization's cost (EmulatorOptions.authorization). */
    private readonly authorization = true,
  ) {
    this.withDueWork = router.all.filter((s) => s.lifecycle?.due);
    if (this.withDueWork.length) {
      const timer = setInterval(() => void this.runDue(), DUE_INTERVAL_MS);
      timer.unref();
      runtime.onClose(() => clearInterval(timer));
    }
  }

  /** A service's call on a principal's behalf, through this very request path (core/service.ts, ServiceCall). */
  private readonly serviceCall: ServiceCall = async (request, on) => {
    const wire = await this.handle(await fromFetch(request), { sourceIp: on.invokedBy, invokedBy: on.invokedBy, at: on.at });
    return fetchResponseOf(wire, request.method);
  };

  /**
   * The work every service has falling due by now, run before a request is dispatched (never inside a transaction)
   * and on the timer; undefined when there is none, so most requests wait for nothing. Its failures are logged: they
   * are the service's, not the request's.
   */
  private runDue(): Promise<void> | undefined {
    const pending: Promise<void>[] = [];
    for (const s of this.withDueWork) {
      try {
        const p = s.lifecycle?.due?.(this.runtime, this.serviceCall);
        if (p) pending.push(p.catch((e) => this.log(`due work of ${s.id} failed: ${(e as Error).stack ?? e}`)));
      } catch (e) {
        this.log(`due work of ${s.id} failed: ${(e as Error).stack ?? e}`);
      }
    }
    return pending.length ? Promise.all(pending).then(() => undefined) : undefined;
  }

  async handle(req: WireRequest, conn: ConnectionInfo): Promise<WireResponse> {
    // A service's own call is part of its due work, which must not wait for itself.
    if (!conn.invokedBy && this.withDueWork.length) {
      const due = this.runDue();
      if (due) await due;
    }
    const requestId = newRequestId();
    const auth = parseSigV4(req);
    const v2 = auth ? undefined : parseSigV2Query(req);
    let pending = pendingBody(req);
    // An unsigned request may be routed by its path, which needs schemas the router loads once, on demand.
    const ready = this.router.prepare(req);
    if (ready) await ready;
    let routed = this.router.route(req, auth, v2 !== undefined);
    // A form body's fields may be all that names the service (no signing name, target or host does): then the body is
    // read first — only a little of it when nothing signs the request, which is refused wherever it goes — and the
    // request routed again. Once read, the body is no longer pending.
    if (!routed && pending && isFormBody(req) && req.method === "POST" && !v2) {
      try {
        req.body = await pending.read(auth ? MAX_REQUEST_BYTES : UNSIGNED_BODY_BYTES);
      } catch (e) {
        if (!(e instanceof BodyTooLargeError)) throw e;
        return codecs.awsQuery.error(tooLarge("awsQuery", e, false), undefined, requestId);
      }
      pending = undefined;
      routed = this.router.route(req, auth, false);
    }
    if (!routed) {
      const unserved = auth && this.router.unserved(req, auth);
      return unserved ? this.refuseUnserved(req, conn, unserved, auth, requestId, pending) : unknownServiceResponse(req, requestId);
    }
    const svc = routed.service;
    const codec = codecs[svc.protocol];
    const vocab = codec.vocabulary;
    // Refused from the head alone, in the routed service's shape, before anything about the caller is checked.
    const refused = headTooLarge(req, svc, vocab) ?? wrongScope(auth, svc, vocab);
    if (refused) return codec.error(refused, svc, requestId);
    try {
      return await this.handleService(req, conn, svc, codec, routed.region, auth ?? v2, requestId, pending);
    } catch (e) {
      // The client went away mid-body: there is no one to answer.
      if (e instanceof BodyAbortedError) throw e;
      if (e instanceof AwsError) return codec.error(e, svc, requestId);
      if (e instanceof InputError) return codec.error(inputErrorToAws(e, vocab, svc), svc, requestId);
      this.log(`internal error in ${svc.id}: ${(e as Error).stack ?? e}`);
      return codec.error(internalFailure(), svc, requestId);
    }
  }

  /**
   * A signed call to an AWS service the range does not serve (router/unserved.ts): authenticated as any call, then
   * refused in that service's protocol, naming it; journaled as a failed call when the request names its operation.
   */
  private async refuseUnserved(
    req: WireRequest,
    conn: ConnectionInfo,
    call: UnservedCall,
    auth: SigV4Auth,
    requestId: string,
    pending: PendingBody | undefined,
  ): Promise<WireResponse> {
    const svc = call.service;
    const codec = codecs[svc.protocol];
    try {
      const refused = headTooLarge(req, svc, codec.vocabulary) ?? wrongScope(auth, svc, codec.vocabulary);
      if (refused) throw refused;
      const head = this.authenticateHead(req, svc, codec, auth);
      await this.takeBody(req, pending, svc, undefined);
      const principal = this.authenticateBody(req, svc, auth, head);
      const time = this.runtime.clock.now();
      for (const s of this.router.all) s.noteKeyUse?.(this.runtime, principal.accessKeyId, { serviceName: svc.signingName, region: auth.region, time });
      if (call.operation) {
        const ctx: RequestContext = {
          requestId,
          accountId: principal.accountId,
          region: auth.region,
          service: svc.id,
          operation: call.operation,
          principal,
          accessKeyId: principal.accessKeyId,
          sourceIp: conn.sourceIp,
          userAgent: req.headers["user-agent"] ?? "",
          time,
          readOnly: call.readOnly,
          runtime: this.runtime,
        };
        this.runtime.journal.append(apiCallRecord({ ctx, service: svc, category: "Management", error: call.refusal, host: req.headers.host ?? "" }));
      }
      return call.error(call.refusal, requestId);
    } catch (e) {
      if (e instanceof AwsError) return call.error(e, requestId);
      if (e instanceof BodyAbortedError) throw e;
      this.log(`internal error refusing ${svc.id}: ${(e as Error).stack ?? e}`);
      return call.error(internalFailure(), requestId);
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

  /**
   * Everything about the caller that the headers (and query) show: credentials present, time, region, key, session
   * token, expiry, and the signature itself unless it covers a hash of the body that only the body can give.
   */
  private authenticateHead(req: WireRequest, svc: ServiceDefinition, codec: Codec, auth: SigV4Auth | SigV2Query | undefined, at?: Date): HeaderAuth {
    const v = codec.vocabulary;
    // Worded as each front end words it: S3 "Access Denied", the REST/JSON gateways "Missing Authentication Token".
    if (!auth) {
      const message =
        svc.protocol === "restXml"
          ? "Access Denied"
          : svc.protocol === "restJson1"
            ? "Missing Authentication Token"
            : "Request is missing Authentication Token";
      throw new AwsError(v.missingAuth, message, 403);
    }
    const badSignature = new AwsError(
      v.badSignature,
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      v.badSignatureStatus,
    );
    // Checked before the key is looked up, as AWS's front ends do: an old or future request fails whoever signed it.
    checkTime(req, auth, svc.protocol, Date.now());
    if ("region" in auth) checkRegion(auth, svc.protocol, { code: v.badSignature, status: v.badSignatureStatus }, this.runtime.manifest.regions);
    const cred = this.runtime.resolveCredential(auth.accessKeyId);
    const invalid = new AwsError(
      v.unknownKey,
      svc.protocol === "restXml"
        ? "The AWS Access Key Id you provided does not exist in our records."
        : svc.protocol === "ec2Query"
          ? "AWS was not able to validate the provided access credentials"
          : "The security token included in the request is invalid.",
      v.unknownKeyStatus,
    );
    if (!cred?.active) throw invalid;
    checkSessionToken(req, auth, cred.sessionToken, {
      invalidToken: svc.protocol === "restXml" ? new AwsError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400) : invalid,
      badSignature,
    });
    // A service's call made at an earlier moment (ConnectionInfo.at) is judged at that moment.
    if (cred.expiration && Date.parse(cred.expiration) <= (at ?? this.runtime.clock.now()).getTime()) {
      throw new AwsError(v.expiredToken, "The security token included in the request is expired", v.expiredTokenStatus);
    }
    // A header signature without a signed x-amz-content-sha256 signs the body's hash: it waits for the body.
    const bodySigned = !("expires" in auth) && !auth.presigned && !auth.signedHeaders.includes("x-amz-content-sha256");
    if (!bodySigned && !this.verifySignature(req, auth, cred.secretAccessKey)) throw badSignature;
    // Not { ...principal, accessKeyId }: that form is slow in Node 20's V8 (see parseSigV4).
    const principal = Object.assign({}, cred.principal, { accessKeyId: auth.accessKeyId });
    return { principal, secretAccessKey: cred.secretAccessKey, badSignature, verified: !bodySigned };
  }

  private verifySignature(req: WireRequest, auth: SigV4Auth | SigV2Query, secretAccessKey: string): boolean {
    return "expires" in auth ? verifySigV2Query(req, auth, secretAccessKey, bucketFromHost(req.headers.host)) : verifySigV4(req, auth, secretAccessKey);
  }

  /** With the body at hand: the signature that covers it, and the declared payload hash against it. */
  private authenticateBody(req: WireRequest, svc: ServiceDefinition, auth: SigV4Auth | SigV2Query, head: HeaderAuth): Principal {
    if (!head.verified && !this.verifySignature(req, auth, head.secretAccessKey)) throw head.badSignature;
    // The signature covers the declared payload hash; the body must be the one it hashes.
    if (!("expires" in auth) && !auth.presigned) {
      checkPayload(req, svc.protocol, head.badSignature);
      checkChunkSignatures(req, auth, head.secretAccessKey, head.badSignature);
    }
    return head.principal;
  }

  /**
   * The body, read now if it is still on the socket, within the limit of the operation (the object limit for a
   * streamed payload, else MAX_REQUEST_BYTES); over it, the protocol's error, before more than the limit is read.
   * A streamed payload over SPOOL_BYTES (or of unknown size) is written to a file in the blob directory as it arrives
   * (req.bodyFile) when its hash is declared in a header (else the signature needs the body's bytes in memory).
   */
  private async takeBody(req: WireRequest, pending: PendingBody | undefined, svc: ServiceDefinition, op: OperationSchemas | undefined): Promise<void> {
    const streamed = op !== undefined && streamedInput(op);
    const limit = streamed ? MAX_OBJECT_BYTES : MAX_REQUEST_BYTES;
    try {
      const size = declaredSize(req.headers);
      if (pending?.spool && streamed && req.headers["x-amz-content-sha256"] !== undefined && (size === undefined || size > SPOOL_BYTES)) {
        // The object store's directory (services/s3/object-store.ts), so taking the file is a rename.
        req.bodyFile = await pending.spool(limit, join(this.runtime.stateDir, "blobs"));
      } else if (pending) req.body = await pending.read(limit);
      if (pending?.chunks && isAwsChunked(req.headers)) req.chunks = pending.chunks;
      else if (req.body.length > limit) throw new BodyTooLargeError(req.body.length, limit);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw tooLarge(svc.protocol, e, streamed);
      throw e;
    }
  }

  private async handleService(
    req: WireRequest,
    conn: ConnectionInfo,
    svc: ServiceDefinition,
    codec: Codec,
    region: string | undefined,
    auth: SigV4Auth | SigV2Query | undefined,
    requestId: string,
    pending?: PendingBody,
  ): Promise<WireResponse> {
    const head = this.authenticateHead(req, svc, codec, auth, conn.at);
    const mod = this.loadedModules.get(svc.id) ?? (await this.schemasOf(svc));
    // Only S3's operations are known before the body (the query protocols' Action is in it); theirs set the limit.
    const route = svc.protocol === "restXml" ? codec.route(req, svc, mod) : undefined;
    await this.takeBody(req, pending, svc, route ? operationsOf(mod).get(route.operation) : undefined);
    try {
      return await this.serve(req, conn, svc, codec, region, auth as SigV4Auth | SigV2Query, requestId, mod, route, head);
    } finally {
      // A spooled body the call did not store (refused, failed, rolled back before storing) leaves no file.
      req.bodyFile?.discard();
    }
  }

  private async serve(
    req: WireRequest,
    conn: ConnectionInfo,
    svc: ServiceDefinition,
    codec: Codec,
    region: string | undefined,
    auth: SigV4Auth | SigV2Query,
    requestId: string,
    mod: SchemaModule,
    route: ReturnType<Codec["route"]>,
    head: HeaderAuth,
  ): Promise<WireResponse> {
    const principal = this.authenticateBody(req, svc, auth, head);
    const callRegion = svc.global ? DEFAULT_REGION : (region ?? DEFAULT_REGION);
    const time = conn.at ?? this.runtime.clock.now();
    // Last-used data lives in memory until the next commit, much as AWS updates it with a delay.
    const use = { serviceName: svc.endpointPrefix, region: callRegion, time };
    for (const s of this.router.all) s.noteKeyUse?.(this.runtime, principal.accessKeyId, use);
    if (svc.protocol !== "restXml") route = codec.route(req, svc, mod);
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
      // A service's call is recorded with its name as the user agent, as CloudTrail records AWS's own calls.
      userAgent: conn.invokedBy ?? req.headers["user-agent"] ?? "",
      time,
      readOnly: spec?.readOnly ?? false,
      runtime: this.runtime,
    };
    if (conn.invokedBy) ctx.invokedBy = conn.invokedBy;
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
        // Authorized inside the transaction: against the policies as they are when the handler runs.
        output = (await this.runtime.transact(() => {
          if (this.authorization) authorize(svc, ctx, decoded);
          return spec.handler(decoded, ctx);
        })) as Record<string, unknown>;
      } else {
        if (this.authorization) authorize(svc, ctx, decoded);
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
          logsResponse: spec?.logsResponse,
        }),
      );
    }
  }
}
