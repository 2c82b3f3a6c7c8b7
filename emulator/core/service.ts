/** A service is a folder under emulator/services that exports one ServiceDefinition. */
import type { AuthzCheck } from "./authz.ts";
import type { CredentialResolver, Runtime } from "./runtime.ts";
import type { OpHandler, ProtocolName, RequestContext } from "./types.ts";

export type SchemaModule = Record<string, unknown>;

/** CloudTrail's eventCategory: management events, or data events (S3 object reads and writes). */
export type EventCategory = "Management" | "Data";

/**
 * One implemented operation: its handler and what the rest of the range must know about it, declared rather than
 * guessed from its name.
 */
export interface OperationSpec<I = any, O = any, KI = keyof I, KO = keyof O> {
  handler: OpHandler<I, O>;
  /**
   * Whether the handler may change state. Such calls run in one transaction (serialized with every other writer,
   * committed when something changed, rolled back when the handler throws); the others run concurrently and must
   * not write.
   */
  mutates: boolean;
  /** CloudTrail's readOnly flag for the call. */
  readOnly: boolean;
  /** CloudTrail records the response (responseElements): writes do, STS's sessions too although logged read-only. */
  logsResponse: boolean;
  category: EventCategory;
  /**
   * Types only: the input's and output's member names. Shapes of the SDK whose members are all optional are
   * assignable to each other, so without these a handler of another operation (StopInstances: terminateInstances)
   * would type-check.
   */
  readonly keys?: { input: (k: KI) => KI; output: (k: KO) => KO };
}

export interface ReadOptions {
  /** A read that records what it found (Security Hub's evaluated controls): it runs as a transaction. */
  records?: boolean;
  category?: EventCategory;
}

export interface WriteOptions {
  /** A call CloudTrail logs with readOnly true although it changes the range's state (STS issuing a session). */
  loggedReadOnly?: boolean;
  category?: EventCategory;
}

/** A read: runs without the write lock; CloudTrail logs it readOnly. */
export function read<I, O>(handler: OpHandler<I, O>, opts: ReadOptions = {}): OperationSpec<I, O> {
  return { handler, mutates: !!opts.records, readOnly: true, logsResponse: false, category: opts.category ?? "Management" };
}

/** A write: runs in a transaction; CloudTrail logs it with readOnly false. */
export function write<I, O>(handler: OpHandler<I, O>, opts: WriteOptions = {}): OperationSpec<I, O> {
  return { handler, mutates: true, readOnly: !!opts.loggedReadOnly, logsResponse: true, category: opts.category ?? "Management" };
}

/** The SDK's input and output for one method of an aggregated client (its last overload carries both). */
type MethodTypes<F> = F extends (args: infer I, options: any, cb: (err: any, data?: infer O) => void) => void
  ? // Paginators and waiters (paginateX, waitUntilX) match too, with nothing to infer O from: they are no operations.
    unknown extends O
    ? never
    : { input: I; output: O }
  : never;

/**
 * A service's operation table, keyed by the SDK's operation names and typed with the SDK's own
 * XxxCommandInput/XxxCommandOutput: `const operations: OperationsOf<EC2> = { StopInstances: write(stopInstances) }`.
 * A misspelt name or a handler of another operation does not compile.
 */
export type OperationsOf<Client> = {
  [K in keyof Client as K extends string ? ([MethodTypes<Client[K]>] extends [never] ? never : Capitalize<K>) : never]?: OperationSpec<
    MethodTypes<Client[K]>["input"],
    MethodTypes<Client[K]>["output"]
  >;
};

/**
 * A request a service sends through the range's own request path on a principal's behalf (SSM Automation's steps):
 * signed with that principal's keys, then authenticated, authorized, handled and journaled like any call, with
 * CloudTrail's userIdentity.invokedBy, sourceIPAddress and userAgent set to `invokedBy`, at the emulator time `at`
 * (the moment the work fell due; now when absent). Fetch's Request and Response, so core names no wire type.
 */
export type ServiceCall = (request: Request, on: { invokedBy: string; at?: Date }) => Promise<Response>;

/** What a service does beside answering calls, at the moments the runtime passes through. */
export interface ServiceLifecycle {
  /** After the runtime opens, before the first request (attach to the journal, set up engines). */
  start?(runtime: Runtime, env: { log: (line: string) => void }): void;
  /**
   * Work done ahead of need while a server waits for its first requests (Athena loading the recording's tables), after
   * the recording's own prepare; `ir-range start` runs it once serving. Never needed for a correct answer.
   */
  prepare?(runtime: Runtime): Promise<void>;
  /** Before the runtime closes: finish pending work (a trail's next delivery) while state can still be written. */
  stop?(runtime: Runtime): void | Promise<void>;
  /**
   * Runs the work that has fallen due by the emulator's clock (SSM Automation's steps), outside any request's
   * transaction: the dispatcher calls it before it dispatches a request (which then sees the work done) and on a
   * timer. Returns nothing when nothing is due, so a request waits for no promise; must not throw.
   */
  due?(runtime: Runtime, call: ServiceCall): void | Promise<void>;
}

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
  /** Every implemented operation, declared (see OperationsOf). */
  // Without `keys`: the phantom key types are invariant, so no one OperationSpec type would accept every operation's.
  operations: Readonly<Record<string, Omit<OperationSpec, "keys"> | undefined>>;
  /** How CloudTrail writes this service's requestParameters and resources, where the generic camelCase form is wrong. */
  audit?: (
    operation: string,
    input: Record<string, unknown>,
    host: string,
  ) => { requestParameters: Record<string, unknown>; resources?: Record<string, string>[] };
  /** Notes that a key this service issued signed a request (IAM's access-key last-used data). */
  noteKeyUse?: (runtime: Runtime, accessKeyId: string, use: { serviceName: string; region: string; time: Date }) => void;
  /** Resolves access keys this service issues (IAM user keys, STS sessions) for request signing. */
  resolveCredential?: CredentialResolver;
  /**
   * What IAM authorizes for a call of one of this service's operations, decided before its handler runs (inside
   * its transaction for writes, so it sees the state the handler will change): one check per action and resource.
   * An empty list means the call needs no permission (sts:GetCallerIdentity).
   */
  authorization?: (operation: string, input: Record<string, unknown>, ctx: RequestContext) => AuthzCheck[];
  /** Overrides for the generic error codes where the service uses its own. */
  errors?: Partial<{ validation: string; missing: string }>;
  lifecycle?: ServiceLifecycle;
}
