/**
 * Writes emulator/router/aws-services.ts: one row per AWS service, read from the service models that the installed
 * AWS CLI's botocore ships (botocore/data/<service>/<newest api version>/service-2.json[.gz]). The router uses it to
 * name a service the range does not serve and to answer in that service's protocol; nothing reads botocore at run time.
 *
 *   node bin/run-ts.js scripts/aws-services-table.ts [path/to/botocore/data]
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

interface Metadata {
  apiVersion: string;
  endpointPrefix: string;
  signingName?: string;
  serviceId: string;
  serviceFullName: string;
  protocol: string;
  protocols?: string[];
  jsonVersion?: string;
  targetPrefix?: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "emulator", "router", "aws-services.ts");

function botocoreData(): { dir: string; version: string } {
  const py = "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data')); print(botocore.__version__)";
  const [dir, version] = execFileSync("python3", ["-c", py], { encoding: "utf8" }).trim().split("\n");
  return { dir: process.argv[2] ?? dir, version };
}

/** The protocol botocore speaks to a service that offers several (botocore.utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS). */
const BOTOCORE_PRIORITY = ["json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor", "query", "ec2"];

function protocolOf(m: Metadata): string {
  const offered = m.protocols ?? [m.protocol];
  const chosen = BOTOCORE_PRIORITY.find((p) => offered.includes(p)) ?? m.protocol;
  switch (chosen) {
    case "json":
      return m.jsonVersion === "1.1" ? "awsJson1_1" : "awsJson1_0";
    case "rest-json":
      return "restJson1";
    case "rest-xml":
      return "restXml";
    case "query":
      return "awsQuery";
    case "ec2":
      return "ec2Query";
    case "smithy-rpc-v2-cbor":
      return "rpcv2Cbor";
    default:
      throw new Error(`unknown protocol ${chosen}`);
  }
}

function readModel(file: string): { metadata: Metadata } {
  const raw = existsSync(file) ? readFileSync(file) : gunzipSync(readFileSync(`${file}.gz`));
  return JSON.parse(raw.toString("utf8")) as { metadata: Metadata };
}

const { dir, version } = botocoreData();
const rows: string[][] = [];
for (const name of readdirSync(dir).sort()) {
  const serviceDir = join(dir, name);
  if (!statSync(serviceDir).isDirectory()) continue;
  // API versions are dates: the newest sorts last.
  const versions = readdirSync(serviceDir)
    .filter((v) => statSync(join(serviceDir, v)).isDirectory())
    .sort();
  const newest = versions.at(-1);
  if (!newest) continue;
  const file = join(serviceDir, newest, "service-2.json");
  if (!existsSync(file) && !existsSync(`${file}.gz`)) continue;
  const m = readModel(file).metadata;
  const signingName = m.signingName ?? m.endpointPrefix;
  const protocol = protocolOf(m);
  // What else names the service in a request: the X-Amz-Target prefix (JSON, CBOR), the Version field (query).
  const alias = protocol.startsWith("awsJson") || protocol === "rpcv2Cbor" ? (m.targetPrefix ?? "") : protocol.endsWith("Query") ? m.apiVersion : "";
  rows.push([name, signingName, m.serviceId, m.serviceFullName, protocol, m.endpointPrefix === signingName ? "" : m.endpointPrefix, alias]);
}

const text = `/**
 * Every AWS service the AWS CLI knows, generated from the service models of botocore ${version} by
 * scripts/aws-services-table.ts (run it again to refresh; do not edit by hand). A row: the CLI's name for the service,
 * its SigV4 signing name, serviceId, full name, the protocol the CLI speaks to it, its endpoint prefix when that differs
 * from the signing name, and its X-Amz-Target prefix (JSON, CBOR) or API version (query protocols).
 */
export type AwsServiceRow = readonly [
  name: string,
  signingName: string,
  serviceId: string,
  fullName: string,
  protocol: "ec2Query" | "awsQuery" | "awsJson1_0" | "awsJson1_1" | "restJson1" | "restXml" | "rpcv2Cbor",
  endpointPrefix: string,
  targetOrVersion: string,
];

export const BOTOCORE_VERSION = ${JSON.stringify(version)};

// biome-ignore format: one service a line, as generated
export const AWS_SERVICES: readonly AwsServiceRow[] = [
${rows.map((r) => `  ${JSON.stringify(r).replaceAll('","', '", "')},`).join("\n")}
];
`;
writeFileSync(out, text);
process.stdout.write(`wrote ${rows.length} services from botocore ${version} to ${out}\n`);
