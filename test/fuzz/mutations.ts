/**
 * Mutations of a serialized request, as plain data (so fast-check prints a failing case readably) applied to the
 * wire form the SDK produced: the body's bytes and structure (JSON, form, XML), content types, chunked and aws-chunked
 * framing, headers, method, path and query; then how it is signed (re-signed, left with the SDK's now stale signature,
 * unsigned, signed too early, for another region or service, with an unknown key or a wrong secret); then what is done
 * to the signed headers (a bad X-Amz-Date, a garbled Authorization, a stray session token, another Host or Origin).
 */
import fc from "fast-check";
import { NASTY_STRINGS, SENTINEL_BLOB_FORMS, SENTINEL_DATE_FORMS } from "./arbitraries.ts";

export interface WireDraft {
  method: string;
  /** Percent-encoded path, as sent. */
  path: string;
  /** Decoded query pairs (null: a key without "="). */
  query: [string, string | null][];
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Transfer-Encoding: chunked, in pieces of these sizes. */
  chunks?: number[];
  /** aws-chunked framing to put around the body once every other mutation is done (frameAwsChunked). */
  awsChunked?: Extract<ContentMutation, { k: "awsChunked" }>;
  /** The body before any aws-chunked framing: what the server decodes (for the oracle). */
  decodedBody?: Buffer;
}

export type ContentMutation =
  | { k: "truncate"; keep: number }
  | { k: "flip"; at: number[]; bytes: number[] }
  | { k: "append"; what: string }
  | { k: "replaceBody"; body: number }
  | { k: "contentType"; value: string | null }
  | { k: "chunked"; sizes: number[] }
  | { k: "awsChunked"; sizes: number[]; variant: "ok" | "badHex" | "noEnd" | "wrongLength" | "noLength" | "signedChunks" }
  | { k: "dropHeader"; pick: number }
  | { k: "setHeader"; name: string; value: string }
  | { k: "target"; variant: number }
  | { k: "method"; to: string }
  | { k: "path"; variant: number }
  | { k: "query"; variant: number; pick: number }
  | { k: "jsonDrop"; pick: number }
  | { k: "jsonType"; pick: number; to: number }
  | { k: "jsonHuge"; pick: number; n: number }
  | { k: "formDrop"; pick: number }
  | { k: "formValue"; pick: number; value: string }
  | { k: "formKey"; pick: number; variant: number }
  | { k: "formMany"; n: number }
  | { k: "xml"; variant: number };

export type Signing =
  | { m: "keep" }
  | { m: "resign" }
  | { m: "stale" }
  | { m: "none" }
  | { m: "skew"; minutes: number }
  | { m: "region"; region: string }
  | { m: "service"; name: string }
  | { m: "badKey" }
  | { m: "badSecret" };

export type AuthMutation =
  | { k: "amzDate"; value: string }
  | { k: "authGarble"; variant: number }
  | { k: "dropAuth" }
  | { k: "token"; value: string }
  | { k: "guard"; variant: number };

const BAD_TIMESTAMPS = [
  "not-a-date",
  "2001-02-30T25:61:61Z",
  "99999999999999999999",
  "-1e400",
  "1e400",
  "NaN",
  "",
  "2001-02-03T04:05:06.789+99:99",
  "0x10",
  "20010203T040506Z",
  "-62135596801",
  "\u0000",
];
const BAD_BASE64 = ["!!!not base64!!!", "====", "A", "AB=C", "%%", "\u0000", "RlVaWi1CTE9CLVNFTlRJTkVM=", "Zm9v\nYmFy", "_-_-", "😀"];

export const badTimestamp = fc.constantFrom(...BAD_TIMESTAMPS);
export const badBase64 = fc.constantFrom(...BAD_BASE64);

const NASTY_BODIES: (() => Buffer)[] = [
  () => Buffer.alloc(0),
  () => Buffer.from([0, 0, 0, 0]),
  () => Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
  () => Buffer.from("{".repeat(20_000)),
  () => Buffer.from("[".repeat(20_000)),
  () => Buffer.from(`${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`),
  () => Buffer.from("<".repeat(10_000)),
  () => Buffer.from(`${"<a>".repeat(5000)}${"</a>".repeat(5000)}`),
  () => Buffer.from("null"),
  () => Buffer.from("[]"),
  () => Buffer.from('"a string"'),
  () => Buffer.from("12345678901234567890"),
  () => Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  () => Buffer.from(`{"a":"${"\\ud800".repeat(100)}"}`),
  () => Buffer.from("Action=&Version=&&&=&=="),
  () => Buffer.from(`Action=DescribeInstances&Version=2016-11-15&${"Filter.1.".repeat(3000)}Name=x`),
  () => Buffer.from("%zz%00%%=%"),
  () =>
    Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Delete><Object><Key>&lol3;</Key></Object></Delete>',
    ),
  () =>
    Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Tagging><TagSet><Tag><Key>&xxe;</Key><Value>v</Value></Tag></TagSet></Tagging>',
    ),
  () => Buffer.alloc(2 * 1024 * 1024, 0x61),
  () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
];

const CONTENT_TYPES = [
  null,
  "text/plain",
  "application/json",
  "application/x-amz-json-1.0",
  "application/x-amz-json-1.1",
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-16",
  "application/xml",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  ";;;",
  "application/x-amz-json-1.1; charset=ütf-8",
];

const HEADERS_TO_SET = [
  "content-md5",
  "x-amz-checksum-crc32",
  "x-amz-checksum-sha256",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-content-sha256",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "x-amz-copy-source",
  "x-amz-copy-source-range",
  "x-amz-meta-fuzz",
  "x-amz-acl",
  "x-amz-tagging",
  "x-amz-expected-bucket-owner",
  "x-amz-decoded-content-length",
  "content-encoding",
  "expect",
  "x-amz-mfa",
  "x-amz-bypass-governance-retention",
  "x-amz-object-lock-retain-until-date",
  "x-amz-server-side-encryption",
];

/** Header values node:http accepts (tab, printable ASCII, Latin-1), hostile where they can be. */
const HEADER_VALUES = [
  "",
  " ",
  "garbage",
  "!!!not base64!!!",
  "-1",
  "99999999999999999999",
  "bytes=5-2",
  "bytes=0-99999999999999999999",
  "bytes=-0",
  "bytes=a-b,c-d",
  "Sat, 32 Feb 2001 99:99:99 GMT",
  "not-a-date",
  "\u00ff\u00fe\u00e9",
  "%00%zz",
  "/",
  "basic-evidence/notes/readme.txt",
  "/basic-evidence/notes/readme.txt?versionId=%00",
  "a".repeat(8000),
  "true",
  "CRC32",
  "SHA1",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "UNSIGNED-PAYLOAD",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "100-continue",
  "gzip",
  "aws-chunked",
];

const PATH_VARIANTS = [
  (p: string) => `${p}/%zz`,
  (p: string) => `${p}%00`,
  (p: string) => `${p}/..%2f..%2fetc%2fpasswd`,
  (p: string) => `/..${p}`,
  (p: string) => `${p}//`,
  (p: string) => `${p}/${"a".repeat(8000)}`,
  (p: string) => `${p}/%C0%AE%C0%AE`,
  (p: string) => `${p}/%F0%9F%92%A5`,
  () => "/",
  () => "//",
  () => "/%2F",
  () => "/basic-evidence",
  () => "/basic-evidence/notes/readme.txt",
  () => "/no-such-bucket-fuzz/key",
  () => "/detector",
  () => "/findings",
  (p: string) => p.toUpperCase(),
  (p: string) => `${p};jsessionid=1`,
];

const QUERY_VARIANTS: ((q: [string, string | null][], pick: number) => [string, string | null][])[] = [
  (q) => [...q, ["fuzz", "\u0000"]],
  (q) => [...q, ["Action", "DescribeInstances"]],
  (q) => [...q, ["Action", "ListUsers"], ["Version", "2010-05-08"]],
  (q, pick) => (q.length > 0 ? q.filter((_, i) => i !== pick % q.length) : q),
  (q, pick) => (q.length > 0 ? [...q, [q[pick % q.length][0], "duplicate"]] : q),
  (q) => [...q, ["max-keys", "-1"]],
  (q) => [...q, ["max-keys", "99999999999999999999"]],
  (q) => [...q, ["maxResults", "lots"]],
  (q) => [...q, ["prefix", "a".repeat(10_000)]],
  (q) => [...q, ["versionId", "%zz"]],
  (q) => [...q, ["uploads", null], ["delete", null], ["tagging", null]],
  (q) => [...q, ["list-type", "3"]],
  (q) => [...q, ["continuation-token", "!!!not base64!!!"]],
  (q) => [...q, ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"], ["X-Amz-Credential", "AKIA/20200101/us-east-1/s3/aws4_request"]],
  (q) => [...q, ["Expires", "1"], ["AWSAccessKeyId", "AKIAFUZZ"], ["Signature", "x"]],
  (q) => Array.from({ length: 400 }, (_, i) => [`p${i}`, String(i)] as [string, string | null]).concat(q),
  (q) => q.map(([k, v]) => [k, v === null ? null : `${v}\ud800`]),
];

const FORM_KEY_VARIANTS = [
  (k: string) => `${k}.999999999999999999999`,
  (k: string) => `${k}..1`,
  (k: string) => `${k}.1.2.3.4.5.6.7.8.9.10`,
  () => ".",
  () => "",
  (k: string) => `${k}.-1`,
  (k: string) => `${k}.0`,
  (k: string) => `${k}.member.0`,
  (k: string) => `${k}.1.Value.100000`,
  (k: string) => `${k}.entry.1.key`,
  (k: string) => k.toLowerCase(),
  (k: string) => `${k}\u0000`,
  (k: string) => `${k}.__proto__.x`,
];

const TARGET_VARIANTS = [
  () => "",
  () => "NoDot",
  (t: string) => t.slice(0, t.lastIndexOf(".") + 1),
  (t: string) => `${t.slice(0, t.lastIndexOf("."))}.NoSuchOperationFuzz`,
  (t: string) => `Other_20200101.${t.slice(t.lastIndexOf(".") + 1)}`,
  (t: string) => t.toLowerCase(),
  () => ".".repeat(100),
  (t: string) => `${t}.${t}`,
  (t: string) => `CloudTrail_20131101${t.slice(t.lastIndexOf("."))}`,
  (t: string) => `AWSGlue${t.slice(t.lastIndexOf("."))}`,
  (t: string) => `AmazonAthena${t.slice(t.lastIndexOf("."))}`,
];

const JSON_REPLACEMENTS: unknown[] = [
  null,
  "string",
  12345,
  -1,
  1.5,
  true,
  [],
  {},
  [1, "a", null],
  { nested: { deep: [{}] } },
  "\u0000",
  "x".repeat(70_000),
  1e308,
];

const XML_VARIANTS = [
  (s: string) => s.replace(/^(\s*(<\?xml[^>]*>)?\s*<[^>]+>)/, "$1<UnknownElement>x</UnknownElement>"),
  (s: string) => s.replace(/<\/[^>]+>\s*$/, ""),
  (s: string) => `<!DOCTYPE x [<!ENTITY a "${"b".repeat(1000)}">]>${s.replace(/<\?xml[^>]*>/, "")}`,
  (s: string) => s.replace(/>([^<]+)</, ">&a;&#0;&#xFFFFFFFF;<"),
  (s: string) => s.replace(/xmlns="[^"]*"/, 'xmlns="urn:not-s3"'),
  (s: string) => s.replace(/>([^<]+)</, "><![CDATA[$1]]><"),
  (s: string) => s.replace(/<(\w+)>/, "<$1><$1>"),
  (s: string) => s.replace(/>([^<]*)</, `>${"<x>".repeat(2000)}${"</x>".repeat(2000)}<`),
];

export const contentMutation: fc.Arbitrary<ContentMutation> = fc.oneof(
  fc.record({ k: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    k: fc.constant("flip" as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    bytes: fc.array(fc.nat({ max: 255 }), { minLength: 4, maxLength: 4 }),
  }),
  fc.record({ k: fc.constant("append" as const), what: fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: "binary", maxLength: 16 })) }),
  fc.record({ k: fc.constant("replaceBody" as const), body: fc.nat({ max: NASTY_BODIES.length - 1 }) }),
  fc.record({ k: fc.constant("contentType" as const), value: fc.constantFrom(...CONTENT_TYPES) }),
  fc.record({ k: fc.constant("chunked" as const), sizes: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }) }),
  fc.record({
    k: fc.constant("awsChunked" as const),
    sizes: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }),
    variant: fc.constantFrom("ok", "badHex", "noEnd", "wrongLength", "noLength", "signedChunks"),
  }),
  fc.record({ k: fc.constant("dropHeader" as const), pick: fc.nat() }),
  fc.record({ k: fc.constant("setHeader" as const), name: fc.constantFrom(...HEADERS_TO_SET), value: fc.constantFrom(...HEADER_VALUES) }),
  fc.record({ k: fc.constant("target" as const), variant: fc.nat({ max: TARGET_VARIANTS.length - 1 }) }),
  fc.record({ k: fc.constant("method" as const), to: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS") }),
  fc.record({ k: fc.constant("path" as const), variant: fc.nat({ max: PATH_VARIANTS.length - 1 }) }),
  fc.record({ k: fc.constant("query" as const), variant: fc.nat({ max: QUERY_VARIANTS.length - 1 }), pick: fc.nat() }),
  fc.record({ k: fc.constant("jsonDrop" as const), pick: fc.nat() }),
  fc.record({ k: fc.constant("jsonType" as const), pick: fc.nat(), to: fc.nat({ max: JSON_REPLACEMENTS.length - 1 }) }),
  fc.record({ k: fc.constant("jsonHuge" as const), pick: fc.nat(), n: fc.integer({ min: 100, max: 20_000 }) }),
  fc.record({ k: fc.constant("formDrop" as const), pick: fc.nat() }),
  fc.record({
    k: fc.constant("formValue" as const),
    pick: fc.nat(),
    value: fc.oneof(fc.constantFrom(...NASTY_STRINGS, ...BAD_TIMESTAMPS, ...BAD_BASE64), fc.string({ unit: "binary", maxLength: 16 })),
  }),
  fc.record({ k: fc.constant("formKey" as const), pick: fc.nat(), variant: fc.nat({ max: FORM_KEY_VARIANTS.length - 1 }) }),
  fc.record({ k: fc.constant("formMany" as const), n: fc.integer({ min: 100, max: 20_000 }) }),
  fc.record({ k: fc.constant("xml" as const), variant: fc.nat({ max: XML_VARIANTS.length - 1 }) }),
);

export const signing: fc.Arbitrary<Signing> = fc.oneof(
  { arbitrary: fc.constant({ m: "resign" as const }), weight: 24 },
  { arbitrary: fc.constant({ m: "stale" as const }), weight: 2 },
  { arbitrary: fc.constant({ m: "none" as const }), weight: 2 },
  { arbitrary: fc.record({ m: fc.constant("skew" as const), minutes: fc.constantFrom(-60 * 24 * 365, -16, -14, 14, 16, 60 * 24) }), weight: 1 },
  {
    arbitrary: fc.record({ m: fc.constant("region" as const), region: fc.constantFrom("us-east-1", "xx-fake-9", "cn-north-1", "", "us-gov-west-1") }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      m: fc.constant("service" as const),
      name: fc.constantFrom("ec2", "iam", "sts", "s3", "cloudtrail", "guardduty", "securityhub", "athena", "glue", "lambda", ""),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ m: "badKey" as const }), weight: 1 },
  { arbitrary: fc.constant({ m: "badSecret" as const }), weight: 1 },
);

export const authMutation: fc.Arbitrary<AuthMutation> = fc.oneof(
  fc.record({
    k: fc.constant("amzDate" as const),
    value: fc.constantFrom("garbage", "", "20011301T000000Z", "99999999T999999Z", "20260101T000000Z", "Sat, 03 Feb 2001 04:05:06 GMT"),
  }),
  fc.record({ k: fc.constant("authGarble" as const), variant: fc.nat({ max: 9 }) }),
  fc.constant({ k: "dropAuth" as const }),
  fc.record({ k: fc.constant("token" as const), value: fc.constantFrom("", "bogus-token", "FQoGZXIvYXdzE".repeat(40)) }),
  fc.record({ k: fc.constant("guard" as const), variant: fc.nat({ max: 3 }) }),
);

const pick = <T>(xs: T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n % xs.length]);

/** Paths of every value in a JSON document ([] is the root). */
function jsonPaths(doc: unknown, path: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  if (depth > 30 || out.length > 2000) return out;
  out.push(path);
  if (Array.isArray(doc)) {
    for (const [i, v] of doc.entries()) jsonPaths(v, [...path, i], out, depth + 1);
  } else if (doc && typeof doc === "object") for (const [k, v] of Object.entries(doc)) jsonPaths(v, [...path, k], out, depth + 1);
  return out;
}

function jsonEdit(doc: unknown, path: (string | number)[], edit: (parent: any, key: string | number) => void): void {
  if (path.length === 0) return;
  let node: any = doc;
  for (const p of path.slice(0, -1)) node = node[p];
  edit(node, path[path.length - 1]);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

const isFormRequest = (d: WireDraft) => (d.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");

function formEdit(d: WireDraft, edit: (fields: [string, string][]) => [string, string][]): void {
  if (!isFormRequest(d)) return;
  const fields = [...new URLSearchParams(d.body.toString("utf8")).entries()];
  const p = new URLSearchParams();
  for (const [k, v] of edit(fields)) p.append(k, v);
  setBody(d, Buffer.from(p.toString()));
}

function setBody(d: WireDraft, body: Buffer): void {
  d.body = body;
  if (d.headers["content-length"] !== undefined || body.length > 0) d.headers["content-length"] = String(body.length);
}

/**
 * Header values as a client can put them on the wire: characters past Latin-1 as their UTF-8 bytes (what a client that
 * writes UTF-8 sends), control characters node:http refuses to send as "?".
 */
export function sendableHeaders(d: WireDraft): void {
  for (const [k, v] of Object.entries(d.headers)) {
    if (/^[\t\x20-\x7e]*$/.test(v)) continue;
    d.headers[k] = Buffer.from(v.replace(/[^\t\x20-\x7e\u0080-\uffff]/gu, "?"), "utf8")
      .toString("latin1")
      .replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");
  }
}

/** Header names a mutation may drop: not the ones that sign or address the request (the signing mutations do that). */
const droppable = (d: WireDraft) => Object.keys(d.headers).filter((h) => h !== "host" && h !== "authorization" && h !== "x-amz-date");

export function applyContent(d: WireDraft, m: ContentMutation): void {
  switch (m.k) {
    case "truncate":
      setBody(d, d.body.subarray(0, Math.floor(d.body.length * m.keep)));
      return;
    case "flip": {
      if (d.body.length === 0) return;
      const b = Buffer.from(d.body);
      m.at.forEach((at, i) => {
        b[at % b.length] = m.bytes[i % m.bytes.length];
      });
      setBody(d, b);
      return;
    }
    case "append":
      setBody(d, Buffer.concat([d.body, Buffer.from(m.what)]));
      return;
    case "replaceBody":
      setBody(d, NASTY_BODIES[m.body]());
      return;
    case "contentType":
      if (m.value === null) delete d.headers["content-type"];
      else d.headers["content-type"] = m.value;
      return;
    case "chunked":
      d.chunks = m.sizes;
      return;
    case "awsChunked":
      d.awsChunked = m;
      return;
    case "dropHeader": {
      const h = pick(droppable(d), m.pick);
      if (h) delete d.headers[h];
      return;
    }
    case "setHeader":
      // Any other expectation is refused by node:http itself (417), as HTTP allows, before the range sees it.
      d.headers[m.name] = m.name === "expect" ? "100-continue" : m.value;
      return;
    case "target": {
      const t = d.headers["x-amz-target"];
      if (t !== undefined) d.headers["x-amz-target"] = TARGET_VARIANTS[m.variant](t);
      return;
    }
    case "method":
      d.method = m.to;
      return;
    case "path":
      d.path = PATH_VARIANTS[m.variant](d.path);
      return;
    case "query":
      d.query = QUERY_VARIANTS[m.variant](d.query, m.pick);
      return;
    case "jsonDrop":
    case "jsonType":
    case "jsonHuge": {
      const doc = parseJson(d.body);
      if (doc === undefined || typeof doc !== "object" || doc === null) return;
      const paths = jsonPaths(doc).filter((p) => p.length > 0);
      const path = pick(paths, m.pick);
      if (!path) return;
      jsonEdit(doc, path, (parent, key) => {
        if (m.k === "jsonDrop") {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        } else if (m.k === "jsonType") parent[key] = structuredClone(JSON_REPLACEMENTS[m.to]);
        else {
          // At most ~4 MB of repetition: a big value repeated 20,000 times would not fit in memory.
          const size = JSON.stringify(parent[key] ?? null).length + 1;
          parent[key] = Array.from({ length: Math.max(1, Math.min(m.n, Math.floor(4_000_000 / size))) }, () => parent[key]);
        }
      });
      setBody(d, Buffer.from(JSON.stringify(doc)));
      return;
    }
    case "formDrop":
      formEdit(d, (f) => f.filter((_, i) => f.length === 0 || i !== m.pick % f.length || f[i][0] === "Action"));
      return;
    case "formValue":
      formEdit(d, (f) => f.map(([k, v], i) => [k, i === m.pick % f.length ? m.value : v]));
      return;
    case "formKey":
      formEdit(d, (f) => f.map(([k, v], i) => [i === m.pick % f.length && k !== "Action" ? FORM_KEY_VARIANTS[m.variant](k) : k, v]));
      return;
    case "formMany":
      formEdit(d, (f) => [...f, ...Array.from({ length: m.n }, (_, i) => [`Fuzz.${i + 1}.Name`, `v${i}`] as [string, string])]);
      return;
    case "xml": {
      const s = d.body.toString("utf8");
      if (!s.trimStart().startsWith("<")) return;
      setBody(d, Buffer.from(XML_VARIANTS[m.variant](s)));
      return;
    }
  }
}

/** Frames the body as S3's aws-chunked encoding (SDK streaming uploads), well or badly as the mutation says. */
export function frameAwsChunked(d: WireDraft): void {
  const m = d.awsChunked;
  if (!m) return;
  const data = d.body;
  const parts: Buffer[] = [];
  let pos = 0;
  let i = 0;
  while (pos < data.length) {
    const size = Math.min(m.sizes[i++ % m.sizes.length], data.length - pos);
    const sig = m.variant === "signedChunks" ? `;chunk-signature=${"0".repeat(64)}` : "";
    const hex = m.variant === "badHex" && i === 1 ? "zz" : size.toString(16);
    parts.push(Buffer.from(`${hex}${sig}\r\n`), data.subarray(pos, pos + size), Buffer.from("\r\n"));
    pos += size;
  }
  if (m.variant !== "noEnd") parts.push(Buffer.from(m.variant === "signedChunks" ? `0;chunk-signature=${"0".repeat(64)}\r\n\r\n` : "0\r\n\r\n"));
  d.decodedBody = data;
  d.headers["content-encoding"] = "aws-chunked";
  d.headers["x-amz-content-sha256"] = m.variant === "signedChunks" ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" : "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  if (m.variant === "noLength") delete d.headers["x-amz-decoded-content-length"];
  else d.headers["x-amz-decoded-content-length"] = String(m.variant === "wrongLength" ? data.length + 7 : data.length);
  setBody(d, Buffer.concat(parts));
}

/** Replaces the timestamp and blob sentinels' wire forms (body, query, headers) with the case's bad values. */
export function replaceSentinels(d: WireDraft, badTs: string | null, badB64: string | null): void {
  // The body is searched as Latin-1 (every byte one character), so a replacement goes in as its UTF-8 bytes.
  const bytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
  const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const swap = (forms: string[], bad: string) => {
    let text = d.body.toString("latin1");
    const form = isFormRequest(d);
    const json = /^\s*[[{]/.test(text);
    for (const f of forms) {
      if (!text.includes(f)) continue;
      text = text.replace(new RegExp(`("?)${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "g"), (_m, q: string) => {
        if (form) return q + encodeURIComponent(bad);
        if (!json) return q + bytes(xmlEscape(bad));
        if (q) return q + bytes(JSON.stringify(bad).slice(1, -1));
        // An epoch number in JSON: a bad number stays a number, anything else becomes a string.
        return bytes(/^-?[\d.e]+$/.test(bad) ? bad : JSON.stringify(bad));
      });
    }
    if (text !== d.body.toString("latin1")) setBody(d, Buffer.from(text, "latin1"));
    d.query = d.query.map(([k, v]) => [k, v !== null && forms.some((f) => v.includes(f)) ? bad : v]);
    for (const [h, v] of Object.entries(d.headers)) {
      if (forms.some((f) => v.includes(f)) && /^[\t\x20-\x7e]*$/.test(bad)) d.headers[h] = bad;
    }
  };
  if (badTs !== null) swap(SENTINEL_DATE_FORMS, badTs);
  if (badB64 !== null) swap(SENTINEL_BLOB_FORMS, badB64);
}

export function applyAuth(d: WireDraft, m: AuthMutation): void {
  switch (m.k) {
    case "amzDate":
      d.headers["x-amz-date"] = m.value;
      return;
    case "authGarble": {
      const a = d.headers.authorization;
      if (a === undefined) return;
      const variants = [
        () => a.replace(/Signature=[0-9a-f]+/, ""),
        () => a.slice(0, Math.floor(a.length / 2)),
        () => a.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256"),
        () => "AWS4-HMAC-SHA256",
        () => a.replace(/Credential=[^,]+/, "Credential=AKIA/2020/us-east-1/ec2/aws4_request"),
        () => `${a}, Credential=AKIAIOSFODNN7EXAMPLE/20200101/us-east-1/s3/aws4_request`,
        () => "",
        () => a.replace(/SignedHeaders=[^,]+/, "SignedHeaders="),
        () => "AWS AKIAIOSFODNN7EXAMPLE:c2lnbmF0dXJl",
        () => a.replace(/Credential=([^/]+)\//, "Credential=$1=/"),
      ];
      d.headers.authorization = variants[m.variant]();
      return;
    }
    case "dropAuth":
      delete d.headers.authorization;
      return;
    case "token":
      d.headers["x-amz-security-token"] = m.value;
      return;
    case "guard":
      if (m.variant === 0) d.headers.host = "evil.example";
      else if (m.variant === 1) d.headers.origin = "http://evil.example";
      else if (m.variant === 2) d.headers["sec-fetch-site"] = "cross-site";
      else d.headers.origin = "null";
      return;
  }
}
