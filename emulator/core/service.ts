/** A service is a folder under emulator/services that exports one ServiceDefinition. */
import type { OpHandler, ProtocolName } from "./types.ts";

export type SchemaModule = Record<string, unknown>;

export interface ServiceDefinition {
  /** Registry id, also the folder name: "ec2", "iam", "s3"… */
  id: string;
  /** SigV4 signing name as it appears in the credential scope. */
  signingName: string;
  /** First label of the regional host name, e.g. "ec2" in ec2.us-east-1.amazonaws.com. */
  endpointPrefix: string;
  protocol: ProtocolName;
  /** awsJson: the X-Amz-Target prefix, e.g. "CloudTrail_20131101". */
  targetPrefix?: string;
  /** ec2Query/awsQuery/restXml: the response namespace and API version. */
  xmlNamespace?: string;
  version?: string;
  /** IAM-style global services sign with us-east-1 and keep state outside regions. */
  global?: boolean;
  /** CloudTrail's eventSource for this service's calls. */
  eventSource: string;
  /** The @aws-sdk/client-* module whose Xxx$ schemas drive the codecs; loaded on first use. */
  schemas: () => Promise<SchemaModule>;
  handlers: Record<string, OpHandler>;
  /** Operations CloudTrail logs with readOnly true although they change state here (STS issuing sessions). */
  readOnlyEvents?: ReadonlySet<string>;
  /** How CloudTrail writes this service's requestParameters and resources, where the generic camelCase form is wrong. */
  audit?: (
    operation: string,
    input: Record<string, unknown>,
    host: string,
  ) => { requestParameters: Record<string, unknown>; resources?: Record<string, string>[] };
  /** Operations CloudTrail logs as data events (S3 object reads and writes). */
  dataEvents?: ReadonlySet<string>;
  /** Notes that a key this service issued signed a request (IAM's access-key last-used data). */
  noteKeyUse?: (runtime: import("../state/runtime.ts").Runtime, accessKeyId: string, use: { serviceName: string; region: string; time: Date }) => void;
  /** Resolves access keys this service issues (IAM user keys, STS sessions) for request signing. */
  resolveCredential?: import("../state/runtime.ts").CredentialResolver;
  /** Overrides for the generic error codes where the service uses its own. */
  errors?: Partial<{ validation: string; missing: string }>;
}

/** Operations named as reads (Describe/Get/List…): CloudTrail's readOnly flag, unless a service says otherwise. */
export function isReadOnlyOperation(operation: string): boolean {
  return /^(Describe|Get|List|Lookup|Head|Search|BatchGet|Select|Generate(?!DataKey)|Check)/.test(operation) && operation !== "GenerateCredentialReport";
}

/** Whether a call may change state and so runs serialized and is committed (or rolled back) as a whole. */
export function mutates(svc: ServiceDefinition, operation: string): boolean {
  return !isReadOnlyOperation(operation) || !!svc.readOnlyEvents?.has(operation);
}

export function loggedReadOnly(svc: ServiceDefinition, operation: string): boolean {
  return isReadOnlyOperation(operation) || !!svc.readOnlyEvents?.has(operation);
}
