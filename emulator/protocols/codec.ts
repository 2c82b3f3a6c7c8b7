/** The contract every protocol codec fulfils; the dispatcher knows nothing else about the wire. */
import type { AwsError, ErrorVocabulary } from "../core/errors.ts";
import type { SchemaModule, ServiceDefinition } from "../core/service.ts";
import type { OperationSchemas } from "./schema.ts";
import type { WireRequest, WireResponse } from "./wire.ts";

export interface RoutedOperation {
  operation: string;
  /** REST: URI labels captured by the route (and S3's bucket). */
  labels?: Record<string, string>;
}

export interface Codec {
  readonly vocabulary: ErrorVocabulary;
  /** Which operation the request names, or undefined when none matches. Cheap: no body decoding. */
  route(req: WireRequest, svc: ServiceDefinition, mod: SchemaModule): RoutedOperation | undefined;
  /** The typed input; throws InputError or AwsError on bad input. */
  decode(req: WireRequest, op: OperationSchemas, routed: RoutedOperation, svc: ServiceDefinition): Record<string, unknown>;
  /** The output as the handler returned it: times may still be ISO strings (as state keeps them) or Dates. */
  encode(op: OperationSchemas, output: Record<string, unknown>, svc: ServiceDefinition, requestId: string): WireResponse;
  error(err: AwsError, svc: ServiceDefinition | undefined, requestId: string): WireResponse;
}
