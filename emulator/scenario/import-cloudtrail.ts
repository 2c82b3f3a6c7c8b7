/**
 * Turns real CloudTrail files into a scenario in a user folder (<out>/<name>/, never the project's recordings/):
 * a manifest (generated responder credentials in the dataset's account), briefings, state (the log bucket and a logging trail), history.ndjson
 * (every record, one a line, oldest first, for LookupEvents) and the original files in the bucket under
 * AWSLogs/… where CloudTrail puts them. Everything is written in the recording's own time; the loader moves the
 * history, the log files' keys, contents and dates alike to the range's clock.
 * Accepts CloudTrail's S3 delivery files ({"Records":[…]}, gzipped or not), JSON arrays of records, and
 * directories of either, recursively.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { CloudTrailRecord } from "../core/records.ts";
import { checkScenarioName, defaultImportFolder, namesIn, RECORDINGS_DIR, ScenarioError } from "./catalog.ts";
import { importDatabaseName, importedAthena } from "./import-athena.ts";
import { writeJsonLines } from "./json-lines.ts";

export interface ImportOptions {
  scenario: string;
  /** The user folder the scenario goes into (default: catalog.ts's defaultImportFolder()). */
  out?: string;
  /** The former name of `out`. */
  recordingsDir?: string;
  bucket?: string;
  accountId?: string;
  /** Replace an existing scenario of the same name. */
  force?: boolean;
}

export interface ImportResult {
  /** The folder the scenario went into, and the scenario's own folder in it. */
  root: string;
  dir: string;
  accountId: string;
  homeRegion: string;
  bucket: string;
  /** The Athena database with the `cloudtrail_logs` table over the bucket. */
  database: string;
  records: number;
  files: number;
  first: string;
  last: string;
}

/** CloudTrail's own log file name: <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json[.gz]. */
const LOG_FILE = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]{16}\.json(\.gz)?$/;
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

/**
 * The folder the scenario goes into, refused where it would be wrong: a built-in's name (which `start` would load
 * instead), the project's recordings/ (the course's own scenarios), or a folder that is there but is no scenario.
 */
function target(opts: ImportOptions): { root: string; dir: string } {
  checkScenarioName(opts.scenario);
  if (namesIn(RECORDINGS_DIR).includes(opts.scenario)) {
    throw new ScenarioError(`"${opts.scenario}" is the name of a built-in scenario; choose another name for the import`);
  }
  const root = resolve(opts.out ?? opts.recordingsDir ?? defaultImportFolder());
  const inside = relative(RECORDINGS_DIR, root);
  if (inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) {
    throw new ScenarioError(`${root} is inside the project's built-in scenarios (${RECORDINGS_DIR}); import into a folder of your own`);
  }
  const dir = join(root, opts.scenario);
  if (existsSync(dir)) {
    if (!existsSync(join(dir, "scenario.json"))) throw new ScenarioError(`${dir} exists and is not a scenario; not touching it`);
    if (!opts.force) throw new ScenarioError(`${dir} already exists (use --force to replace it)`);
  }
  return { root, dir };
}

interface Dataset {
  inputs: string[];
  files: { path: string; bytes: Buffer; records: CloudTrailRecord[] }[];
  /** Every record once (by eventID), oldest first. */
  records: CloudTrailRecord[];
  accountId: string;
  homeRegion: string;
  regions: string[];
  bucket: string;
}

function readDataset(inputs: string[], opts: ImportOptions): Dataset {
  if (inputs.length === 0) throw new Error("no input files given");
  const files: Dataset["files"] = [];
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
  return { inputs, files, records, accountId, homeRegion, regions, bucket };
}

export function importCloudTrail(inputs: string[], opts: ImportOptions): ImportResult {
  const { root, dir } = target(opts);
  const data = readDataset(inputs, opts);
  // Written beside its final place and renamed into it: a failed import leaves no half scenario behind.
  mkdirSync(root, { recursive: true });
  const work = join(root, `.${opts.scenario}.importing-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    mkdirSync(work);
    const files = writeLogFiles(join(work, "objects", data.bucket), data);
    writeScenario(work, data, opts.scenario);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    const { records, accountId, homeRegion, bucket } = data;
    return {
      root,
      dir,
      accountId,
      homeRegion,
      bucket,
      database: importDatabaseName(opts.scenario),
      records: records.length,
      files,
      first: records[0].eventTime,
      last: lastOf(records),
    };
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

const lastOf = (records: CloudTrailRecord[]) => records[records.length - 1].eventTime;

/** The files in the trail bucket, in the recording's own time, where CloudTrail delivers them; returns how many. */
function writeLogFiles(objectsRoot: string, { files, accountId, homeRegion }: Dataset): number {
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
  return written;
}

/**
 * The moment of discovery, in the recording's time: a few minutes after the last record or log file. The loader
 * moves it to the range's clock and every recorded time with it.
 */
function discoveryOf({ files, records }: Dataset): string {
  const stamps = files.flatMap((f) => {
    const m = LOG_FILE.exec(basename(f.path));
    return m ? [Date.parse(`${m[3]}-${m[4]}-${m[5]}T${m[6]}:${m[7]}:00Z`)] : [];
  });
  const lastSeen = Math.max(Date.parse(lastOf(records)), ...stamps);
  return new Date(lastSeen + 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * What the responder may do beyond SecurityAudit's reads (which include LookupEvents): read the trail bucket's
 * files, query them with Athena and write its results there — as the built-in scenarios' responders may.
 */
function investigationPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "QueryTheLogs",
        Effect: "Allow",
        Action: ["athena:*", "glue:Get*", "glue:CreateDatabase", "glue:CreateTable", "sts:DecodeAuthorizationMessage"],
        Resource: "*",
      },
      {
        Sid: "TrailBucket",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject"],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

/** The manifest, state, history and briefings. */
function writeScenario(dir: string, data: Dataset, name: string): void {
  const { records, accountId, homeRegion, regions, bucket } = data;
  const first = records[0].eventTime;
  const last = lastOf(records);
  const accessKeyId = `AKIA${pick(BASE32, randomBytes(16))}`;
  const userId = `AIDA${pick(BASE32, randomBytes(16))}`;
  const created = new Date(Date.parse(first) - 30 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const trailName = "management-events";
  const trailArn = `arn:aws:cloudtrail:${homeRegion}:${accountId}:trail/${trailName}`;
  const manifest = {
    name,
    title: { en: `Imported CloudTrail logs (${name})`, ja: `取り込んだ CloudTrail ログ (${name})` },
    accountId,
    homeRegion,
    regions,
    recordedDiscovery: discoveryOf(data),
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
                InlinePolicies: { "ir-investigation": investigationPolicy(bucket) },
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
            athena: importedAthena(name, bucket, created),
          },
        },
      },
    },
  };
  const sources = data.inputs.map((i) => `- \`${basename(i)}\``).join("\n");
  const database = importDatabaseName(name);
  const en = `# ${manifest.title.en}

${records.length} CloudTrail records of account ${accountId}, recorded from ${first} to ${last}, imported from:

${sources}

Where to look:

- \`aws cloudtrail lookup-events\`: the records.
- \`s3://${bucket}/AWSLogs/\`: the log files, as CloudTrail delivered them.
- Athena: the table \`cloudtrail_logs\` in the database \`${database}\` reads those files
  (query results can go to \`s3://${bucket}/athena-results/\`).

Every time is moved by the same amount so that the last record is about two hours old: an event has the same time
in LookupEvents, in its log file's name and content, and in Athena. Find out what happened.
`;
  const ja = `# ${manifest.title.ja}

アカウント ${accountId} の CloudTrail レコード ${records.length} 件 (記録時刻 ${first} 〜 ${last}) を次のファイルから取り込みました:

${sources}

調べる場所:

- \`aws cloudtrail lookup-events\`: レコード
- \`s3://${bucket}/AWSLogs/\`: CloudTrail が配信したとおりのログファイル
- Athena: データベース \`${database}\` のテーブル \`cloudtrail_logs\` がそのファイルを読みます
  (クエリ結果の出力先には \`s3://${bucket}/athena-results/\` を使えます)

最後のレコードが約 2 時間前になるよう、すべての時刻を同じだけずらしています。同じイベントは LookupEvents でも、
ログファイルの名前と中身でも、Athena でも同じ時刻です。何が起きたかを調べてください。
`;
  writeFileSync(join(dir, "scenario.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  writeJsonLines(join(dir, "history.ndjson"), records);
  writeFileSync(join(dir, "briefing.en.md"), en);
  writeFileSync(join(dir, "briefing.ja.md"), ja);
}
