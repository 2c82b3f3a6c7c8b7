/**
 * Turns real CloudTrail files into a scenario: recordings/<name>/ with a manifest (generated responder
 * credentials in the dataset's account), briefings, state (the log bucket and a logging trail), history.ndjson
 * (every record, one a line, oldest first, for LookupEvents) and the original files in the bucket under
 * AWSLogs/… where CloudTrail puts them.
 * Accepts CloudTrail's S3 delivery files ({"Records":[…]}, gzipped or not), JSON arrays of records, and
 * directories of either, recursively.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { CloudTrailRecord } from "../core/records.ts";
import { writeJsonLines } from "./json-lines.ts";
import { RECORDINGS_DIR } from "./loader.ts";

export interface ImportOptions {
  scenario: string;
  recordingsDir?: string;
  bucket?: string;
  accountId?: string;
  /** Replace an existing scenario of the same name. */
  force?: boolean;
}

export interface ImportResult {
  dir: string;
  accountId: string;
  homeRegion: string;
  bucket: string;
  records: number;
  files: number;
  first: string;
  last: string;
}

/** CloudTrail's own log file name: <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json[.gz]. */
const LOG_FILE = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]{16}\.json(\.gz)?$/;
const REGION = /^[a-z]{2}-[a-z]+-\d$/;

function listFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => (n.startsWith(".") ? [] : listFiles(join(path, n))))
    .filter((f) => /\.json(\.gz)?$|\.gz$/.test(f));
}

function parseFile(file: string, bytes: Buffer): CloudTrailRecord[] {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const records = Array.isArray(doc) ? doc : (doc as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) throw new Error(`${file}: neither a CloudTrail log file ({"Records":[…]}) nor a JSON array of records`);
  for (const r of records as Record<string, unknown>[]) {
    if (!r || typeof r.eventID !== "string" || typeof r.eventTime !== "string" || typeof r.eventName !== "string") {
      throw new Error(`${file}: a record without eventID, eventTime or eventName`);
    }
  }
  return records as CloudTrailRecord[];
}

function mostCommon(values: (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const pick = (alphabet: string, bytes: Buffer) => [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
const compactTime = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+/, "").slice(0, 13).concat("Z");

export function importCloudTrail(inputs: string[], opts: ImportOptions): ImportResult {
  if (!/^[a-z0-9-]+$/.test(opts.scenario)) throw new Error(`scenario name "${opts.scenario}" must be lower-case letters, digits and dashes`);
  const root = resolve(opts.recordingsDir ?? RECORDINGS_DIR);
  const dir = join(root, opts.scenario);
  if (existsSync(dir)) {
    if (!opts.force) throw new Error(`${dir} already exists (use --force to replace it)`);
    rmSync(dir, { recursive: true, force: true });
  }
  if (inputs.length === 0) throw new Error("no input files given");

  const files: { path: string; bytes: Buffer; records: CloudTrailRecord[] }[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`${input}: no such file or directory`);
    for (const f of listFiles(input)) {
      const bytes = readFileSync(f);
      files.push({ path: f, bytes, records: parseFile(f, bytes) });
    }
  }
  const seen = new Set<string>();
  const records: CloudTrailRecord[] = [];
  for (const f of files) {
    for (const r of f.records) {
      if (seen.has(r.eventID)) continue;
      seen.add(r.eventID);
      records.push(r);
    }
  }
  if (records.length === 0) throw new Error("the input holds no CloudTrail records");
  records.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));

  const accountId =
    opts.accountId ??
    mostCommon(records.map((r) => r.recipientAccountId as string | undefined)) ??
    mostCommon(records.map((r) => (r.userIdentity as { accountId?: string } | undefined)?.accountId));
  if (!accountId || !/^\d{12}$/.test(accountId)) throw new Error("could not tell the dataset's account id; pass accountId");
  const regions = [...new Set(records.map((r) => r.awsRegion as string).filter((r) => typeof r === "string" && REGION.test(r)))].sort();
  const homeRegion = mostCommon(records.map((r) => r.awsRegion as string).filter((r) => REGION.test(r ?? ""))) ?? "us-east-1";
  if (!regions.includes(homeRegion)) regions.push(homeRegion);
  const bucket = opts.bucket ?? `aws-cloudtrail-logs-${accountId}-${createHash("sha256").update(accountId).digest("hex").slice(0, 8)}`;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`"${bucket}" is not a valid S3 bucket name`);
  const first = records[0].eventTime;
  const last = records[records.length - 1].eventTime;
  // The incident is "discovered" a few minutes after the last record; the loader moves everything to that moment.
  const discovery = new Date(Date.parse(last) + 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

  mkdirSync(dir, { recursive: true });
  const objectsRoot = join(dir, "objects", bucket);
  let written = 0;
  for (const f of files) {
    const name = basename(f.path);
    const m = LOG_FILE.exec(name);
    if (m) {
      // Already a CloudTrail log file: it goes where CloudTrail delivered it, byte for byte.
      const [, acct, region, y, mo, d] = m;
      const target = join(objectsRoot, "AWSLogs", acct, "CloudTrail", region, y, mo, d);
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, name), f.bytes);
      written++;
      continue;
    }
    // Other files (arrays of records) become the log files CloudTrail would have written: one per region.
    const byRegion = new Map<string, CloudTrailRecord[]>();
    for (const r of f.records) {
      const region = typeof r.awsRegion === "string" && /^[a-z0-9-]+$/.test(r.awsRegion) ? r.awsRegion : homeRegion;
      byRegion.set(region, [...(byRegion.get(region) ?? []), r]);
    }
    for (const [region, list] of byRegion) {
      list.sort((a, b) => (a.eventTime < b.eventTime ? -1 : 1));
      const at = list[list.length - 1].eventTime;
      const suffix = pick(ALNUM, createHash("sha256").update(f.path).update(region).digest().subarray(0, 16));
      const [y, mo, d] = [at.slice(0, 4), at.slice(5, 7), at.slice(8, 10)];
      const target = join(objectsRoot, "AWSLogs", accountId, "CloudTrail", region, y, mo, d);
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, `${accountId}_CloudTrail_${region}_${compactTime(at)}_${suffix}.json.gz`), gzipSync(JSON.stringify({ Records: list })));
      written++;
    }
  }

  const accessKeyId = `AKIA${pick(BASE32, randomBytes(16))}`;
  const userId = `AIDA${pick(BASE32, randomBytes(16))}`;
  const created = new Date(Date.parse(first) - 30 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const trailName = "management-events";
  const trailArn = `arn:aws:cloudtrail:${homeRegion}:${accountId}:trail/${trailName}`;
  const manifest = {
    name: opts.scenario,
    title: { en: `Imported CloudTrail logs (${opts.scenario})`, ja: `取り込んだ CloudTrail ログ (${opts.scenario})` },
    accountId,
    homeRegion,
    regions,
    recordedDiscovery: discovery,
    discoveredMinutesBeforeStart: 120,
    responder: "responder",
    credentials: [
      {
        label: "responder",
        accessKeyId,
        principal: { type: "IAMUser", accountId, arn: `arn:aws:iam::${accountId}:user/ir-responder`, principalId: userId, userName: "ir-responder" },
      },
    ],
    briefing: { en: "briefing.en.md", ja: "briefing.ja.md" },
  };
  const state = {
    accounts: {
      [accountId]: {
        global: {
          iam: {
            users: {
              "ir-responder": {
                Path: "/",
                UserName: "ir-responder",
                UserId: userId,
                Arn: `arn:aws:iam::${accountId}:user/ir-responder`,
                CreateDate: created,
                AccessKeys: [],
                InlinePolicies: {},
                AttachedPolicies: ["arn:aws:iam::aws:policy/SecurityAudit"],
                Groups: [],
              },
            },
          },
          s3: { buckets: { [bucket]: { name: bucket, region: homeRegion, creationDate: created, objects: {}, deleted: [] } } },
        },
        regions: {
          [homeRegion]: {
            cloudtrail: {
              trails: {
                [trailArn]: {
                  Name: trailName,
                  S3BucketName: bucket,
                  IncludeGlobalServiceEvents: true,
                  IsMultiRegionTrail: true,
                  HomeRegion: homeRegion,
                  TrailARN: trailArn,
                  LogFileValidationEnabled: false,
                  HasCustomEventSelectors: false,
                  HasInsightSelectors: false,
                  IsOrganizationTrail: false,
                  IsLogging: true,
                  StartLoggingTime: created,
                  Delivery: { LatestDeliveryTime: last, LatestDeliveryAttemptTime: last, LatestDeliveryAttemptSucceeded: last },
                },
              },
            },
          },
        },
      },
    },
  };
  const sources = inputs.map((i) => `- \`${basename(i)}\``).join("\n");
  const en = `# ${manifest.title.en}

${records.length} CloudTrail records (${first} to ${last} as recorded) from account ${accountId}, imported from:

${sources}

The records are searchable with \`aws cloudtrail lookup-events\` (times moved so that the last record is about two
hours old), and the original log files are in \`s3://${bucket}/AWSLogs/\`. Find out what happened.
`;
  const ja = `# ${manifest.title.ja}

アカウント ${accountId} の CloudTrail レコード ${records.length} 件 (記録時刻 ${first} 〜 ${last}) を次のファイルから取り込みました:

${sources}

\`aws cloudtrail lookup-events\` で検索できます (最後のレコードが約 2 時間前になるよう時刻をずらしています)。
元のログファイルは \`s3://${bucket}/AWSLogs/\` にあります。何が起きたかを調べてください。
`;
  writeFileSync(join(dir, "scenario.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  writeJsonLines(join(dir, "history.ndjson"), records);
  writeFileSync(join(dir, "briefing.en.md"), en);
  writeFileSync(join(dir, "briefing.ja.md"), ja);
  return { dir, accountId, homeRegion, bucket, records: records.length, files: written, first, last };
}
