/**
 * What a response must look like, judged independently of the emulator's code: which protocol a request is for
 * (worked out from the request as AWS's front ends do, not by asking the router), and whether an error is in that
 * protocol's real shape — strict XML 1.0 or JSON, the envelope, the code where each protocol puts it.
 */

export type Protocol = "ec2Query" | "awsQuery" | "awsJson1_0" | "awsJson1_1" | "restJson1" | "restXml";

export interface ServiceInfo {
  id: string;
  signingName: string;
  protocol: Protocol;
  targetPrefix?: string;
  version?: string;
}

const UNSERVED: ServiceInfo[] = [{ id: "lambda", signingName: "lambda", protocol: "restJson1" }];

export interface SentRequest {
  method: string;
  path: string;
  query: [string, string | null][];
  headers: Record<string, string>;
  /** The body as the server decodes it (aws-chunked framing removed). */
  body: Buffer;
}

export interface Received {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Who may answer a request: one service's protocol, the generic unknown-service answer, or the local-only guard. */
export type Answerer = { kind: "service"; service: ServiceInfo } | { kind: "unknown" } | { kind: "guard" };

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** The service named by a SigV4 credential scope ("" when the request is SigV4-signed with a scope naming none). */
function sigv4Service(req: SentRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("AWS4-HMAC-SHA256")) {
    // The last Credential field, its value up to any second "=".
    let cred: string | undefined;
    for (const part of auth.slice("AWS4-HMAC-SHA256".length).split(",")) {
      const p = part.trim();
      const eq = p.indexOf("=");
      if (eq < 0) {
        if (p === "Credential") cred = "";
        continue;
      }
      if (p.slice(0, eq) === "Credential") {
        const end = p.indexOf("=", eq + 1);
        cred = p.slice(eq + 1, end < 0 ? undefined : end);
      }
    }
    return SCOPE.exec((cred ?? "").trim())?.[4];
  }
  const q = new Map(req.query);
  const cred = q.get("X-Amz-Credential");
  if (q.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256" && cred) return SCOPE.exec(cred.trim())?.[4];
  return undefined;
}

const isForm = (req: SentRequest) => (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");

/**
 * The answerers a request may get, in the order AWS's front ends (and docs/security.md) decide: the credential scope's
 * service; the X-Amz-Target prefix; the query protocols' Action and Version; for a request that names nothing, any
 * REST service whose routes its path matches, or the generic answer. More than one when the request is ambiguous
 * (an unsigned path-routed call, a form body read only in part).
 */
export function answerers(req: SentRequest, services: readonly ServiceInfo[], guarded: boolean): Answerer[] {
  if (guarded) return [{ kind: "guard" }];
  const scope = sigv4Service(req);
  const bySigning = services.find((s) => s.signingName === scope);
  if (bySigning) return [{ kind: "service", service: bySigning }];
  // Only S3 takes SigV2 query signatures (CLI v1's presigned URLs), looked for when there is no SigV4 one.
  const q = new Map(req.query);
  const s3 = services.find((s) => s.protocol === "restXml");
  if (scope === undefined && q.get("AWSAccessKeyId") && q.get("Signature") && q.get("Expires") && s3) return [{ kind: "service", service: s3 }];
  const target = req.headers["x-amz-target"];
  if (target) {
    const prefix = target.slice(0, target.lastIndexOf("."));
    const svc = services.find((s) => s.targetPrefix && (prefix === s.targetPrefix || prefix.endsWith(`.${s.targetPrefix}`)));
    if (svc) return [{ kind: "service", service: svc }];
  }
  const form = isForm(req);
  if (form || req.query.some(([k]) => k === "Action")) {
    const fields: [string, string | null][] =
      req.method !== "POST" || req.body.length === 0 ? req.query : [...new URLSearchParams(req.body.toString("utf8")).entries()];
    const version = fields.find(([k]) => k === "Version")?.[1];
    const svc = services.find((s) => (s.protocol === "ec2Query" || s.protocol === "awsQuery") && s.version === version);
    const out: Answerer[] = svc ? [{ kind: "service", service: svc }] : [{ kind: "unknown" }];
    // A form body without a valid SigV4 scope is read only up to 64 KiB to find its service; over that (or when the
    // fields do not parse as sent) it is the generic refusal.
    if (form && scope === undefined) out.push({ kind: "unknown" });
    return out;
  }
  const namesNone =
    req.headers.authorization === undefined &&
    !req.query.some(([k]) => k === "X-Amz-Credential" || k === "X-Amz-Signature" || k === "AWSAccessKeyId" || k === "Signature");
  if (namesNone)
    return [
      ...services.filter((s) => s.protocol === "restJson1" || s.protocol === "restXml").map((service) => ({ kind: "service" as const, service })),
      { kind: "unknown" },
    ];
  // A signed request scoped to a service the range does not serve is refused in that service's protocol
  // (emulator/router/unserved.ts); the fuzzer mutates scopes to lambda's.
  const unserved = UNSERVED.find((s) => s.signingName === scope);
  if (unserved && !req.headers["x-amz-target"]) return [{ kind: "service", service: unserved }];
  return [{ kind: "unknown" }];
}

/** A strict XML 1.0 parser for the small documents AWS sends: elements, attributes, text, the five entities, char refs. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const XML_CHAR = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;

function validChar(cp: number): boolean {
  return cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function decodeText(s: string, anyCharacter = false): string {
  if (s.includes("]]>")) throw new Error("']]>' in text");
  return s.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error("bare '&' in text");
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (ref in named) return named[ref];
    const num = /^#x([0-9a-fA-F]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref);
    if (!num) throw new Error(`unknown entity ${m}`);
    const cp = Number.parseInt(num[1], ref[1] === "x" ? 16 : 10);
    if (!anyCharacter && !validChar(cp)) throw new Error(`character reference to an invalid XML character: ${m}`);
    return String.fromCodePoint(cp);
  });
}

/** Parses a whole document; throws with the reason when it is not well-formed XML 1.0. */
export function parseStrictXml(bytes: Buffer, opts: { anyCharacter?: boolean } = {}): XmlElement {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  if (!opts.anyCharacter && !XML_CHAR.test(text)) throw new Error("a character XML 1.0 does not allow");
  let i = 0;
  const skipWs = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  if (text.startsWith("<?xml")) {
    const end = text.indexOf("?>");
    if (end < 0) throw new Error("unterminated XML declaration");
    i = end + 2;
  }
  skipWs();
  const element = (): XmlElement => {
    if (text[i] !== "<") throw new Error(`expected '<' at ${i}`);
    i++;
    const name = NAME.exec(text.slice(i, i + 200))?.[0];
    if (!name) throw new Error(`bad element name at ${i}`);
    i += name.length;
    // Attributes.
    for (;;) {
      skipWs();
      if (text[i] === ">" || text.startsWith("/>", i)) break;
      const attr = NAME.exec(text.slice(i, i + 200))?.[0];
      if (!attr) throw new Error(`bad attribute at ${i}`);
      i += attr.length;
      skipWs();
      if (text[i] !== "=") throw new Error("attribute without '='");
      i++;
      skipWs();
      const q = text[i];
      if (q !== '"' && q !== "'") throw new Error("unquoted attribute");
      const end = text.indexOf(q, i + 1);
      if (end < 0) throw new Error("unterminated attribute");
      const value = text.slice(i + 1, end);
      if (value.includes("<")) throw new Error("'<' in attribute");
      decodeText(value, opts.anyCharacter);
      i = end + 1;
    }
    const el: XmlElement = { name, children: [], text: "" };
    if (text.startsWith("/>", i)) {
      i += 2;
      return el;
    }
    i++;
    for (;;) {
      const lt = text.indexOf("<", i);
      if (lt < 0) throw new Error(`unclosed <${name}>`);
      el.text += decodeText(text.slice(i, lt), opts.anyCharacter);
      i = lt;
      if (text.startsWith("</", i)) {
        const end = text.indexOf(">", i);
        if (end < 0 || text.slice(i + 2, end).trim() !== name) throw new Error(`mismatched closing tag for <${name}>`);
        i = end + 1;
        return el;
      }
      if (text.startsWith("<![CDATA[", i)) {
        const end = text.indexOf("]]>", i);
        if (end < 0) throw new Error("unterminated CDATA");
        el.text += text.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i);
        if (end < 0) throw new Error("unterminated comment");
        i = end + 3;
        continue;
      }
      if (text.startsWith("<?", i) || text.startsWith("<!", i)) throw new Error("markup declaration inside an element");
      el.children.push(element());
    }
  };
  const root = element();
  skipWs();
  if (i !== text.length) throw new Error("content after the root element");
  return root;
}

const child = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);

export interface Verdict {
  /** The error code the response carries, when it is an error in a recognized shape. */
  code?: string;
  /** Why it is not in the shape of any answerer the request may have; undefined when it is. */
  problem?: string;
}

function header(res: Received, name: string): string {
  return res.headers[name] ?? "";
}

/** The error shape of one protocol; returns the code, or throws with what is wrong. */
function errorShape(protocol: Protocol | "unknown" | "guard", res: Received, method: string): string {
  const ct = header(res, "content-type");
  // A HEAD answer has no body: its status and headers are all there is.
  if (method === "HEAD" && protocol !== "restXml" && protocol !== "guard") {
    const want = {
      ec2Query: "text/xml",
      awsQuery: "text/xml",
      awsJson1_0: "application/x-amz-json-1.0",
      awsJson1_1: "application/x-amz-json-1.1",
      unknown: "application/x-amz-json-1.1",
      restJson1: "application/json",
    }[protocol];
    if (!ct.startsWith(want) && !(protocol === "unknown" && ct.startsWith("text/xml"))) throw new Error(`content-type ${ct}`);
    if (protocol === "restJson1" && !header(res, "x-amzn-errortype")) throw new Error("no x-amzn-ErrorType header");
    return `HTTP${res.status}`;
  }
  switch (protocol) {
    case "guard": {
      const text = res.body.toString("utf8");
      if (res.status !== 403 || !ct.startsWith("text/plain") || !(method === "HEAD" || text.startsWith("ir-range refused this request:"))) {
        throw new Error("not the local-only refusal");
      }
      return "LocalOnlyRefusal";
    }
    case "ec2Query": {
      if (!ct.startsWith("text/xml")) throw new Error(`content-type ${ct}`);
      const root = parseStrictXml(res.body);
      const code = child(child(child(root, "Errors"), "Error"), "Code")?.text;
      if (root.name !== "Response" || !code || !child(child(child(root, "Errors"), "Error"), "Message") || !child(root, "RequestID")?.text) {
        throw new Error("not <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>");
      }
      return code;
    }
    case "awsQuery": {
      if (!ct.startsWith("text/xml")) throw new Error(`content-type ${ct}`);
      const root = parseStrictXml(res.body);
      const error = child(root, "Error");
      const code = child(error, "Code")?.text;
      const type = child(error, "Type")?.text;
      if (root.name !== "ErrorResponse" || !code || (type !== "Sender" && type !== "Receiver") || !child(error, "Message") || !child(root, "RequestId")?.text) {
        throw new Error("not <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>");
      }
      return code;
    }
    case "awsJson1_0":
    case "awsJson1_1":
    case "unknown": {
      const want = protocol === "awsJson1_0" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
      if (ct !== want) throw new Error(`content-type ${ct}, not ${want}`);
      const doc = parseJsonObject(res.body);
      if (typeof doc.__type !== "string" || doc.__type === "" || (typeof doc.message !== "string" && typeof doc.Message !== "string")) {
        throw new Error('not {"__type": …, "message": …}');
      }
      return doc.__type;
    }
    case "restJson1": {
      const code = header(res, "x-amzn-errortype");
      if (!code) throw new Error("no x-amzn-ErrorType header");
      if (!ct.startsWith("application/json")) throw new Error(`content-type ${ct}`);
      const doc = parseJsonObject(res.body);
      if (typeof doc.message !== "string" && typeof doc.Message !== "string") throw new Error("no message in the body");
      if (typeof doc.__type === "string" && doc.__type !== code.split(":")[0]) throw new Error(`__type ${doc.__type} is not x-amzn-ErrorType ${code}`);
      return code.split(":")[0];
    }
    case "restXml": {
      if (!header(res, "x-amz-request-id")) throw new Error("no x-amz-request-id");
      // HEAD answers carry no body; the SDK names the error from the status.
      if (method === "HEAD" || (res.status === 304 && res.body.length === 0)) return `HTTP${res.status}`;
      if (!ct.startsWith("application/xml")) throw new Error(`content-type ${ct}`);
      const root = parseStrictXml(res.body);
      const code = child(root, "Code")?.text;
      if (root.name !== "Error" || !code || !child(root, "Message") || !child(root, "RequestId")?.text) {
        throw new Error("not <Error><Code/><Message/>…<RequestId/></Error>");
      }
      return code;
    }
  }
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  const doc = JSON.parse(text) as unknown;
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("the body is not a JSON object");
  return doc as Record<string, unknown>;
}

/** Judges an error response (status ≥ 300) against every answerer the request may have. */
export function judgeError(req: SentRequest, res: Received, who: Answerer[]): Verdict {
  const problems: string[] = [];
  for (const a of who) {
    const protocol = a.kind === "service" ? a.service.protocol : a.kind;
    try {
      const code = errorShape(protocol, res, req.method);
      if (a.kind === "unknown" && code !== "UnknownOperationException" && !(req.method === "HEAD" && /^HTTP4\d\d$/.test(code))) {
        throw new Error(`generic answer with code ${code}`);
      }
      return { code };
    } catch (e) {
      // The generic answer of a request that names no service is awsQuery's InvalidAction when it is not JSON.
      if (a.kind === "unknown") {
        try {
          const code = errorShape("awsQuery", res, req.method);
          return { code };
        } catch {}
      }
      problems.push(`${a.kind === "service" ? `${a.service.id} (${protocol})` : a.kind}: ${(e as Error).message}`);
    }
  }
  return { problem: problems.join("; ") };
}

/**
 * A success must be readable by a real client: JSON protocols' bodies JSON, XML protocols' bodies well-formed XML 1.0
 * (botocore's expat refuses a raw control character, where the SDK's lenient parser would not notice). Object bodies
 * (S3 GetObject) are the caller's bytes and are not judged.
 */
export function judgeSuccess(res: Received, protocol: Protocol): string | undefined {
  if (res.body.length === 0) return undefined;
  const ct = header(res, "content-type");
  try {
    if (protocol === "awsJson1_0" || protocol === "awsJson1_1" || (protocol === "restJson1" && ct.startsWith("application/json"))) parseJsonObject(res.body);
    else if (protocol === "ec2Query" || protocol === "awsQuery") parseStrictXml(res.body);
    // S3 lists keys as stored, control characters too, as S3 does (clients ask for EncodingType=url): structure only.
    else if (protocol === "restXml" && ct === "application/xml" && !res.headers.etag && !res.headers["last-modified"]) {
      parseStrictXml(res.body, { anyCharacter: true });
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
