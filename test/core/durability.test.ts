/**
 * Issue #12's durability proof: the real `ir-range start` is killed with SIGKILL, at a random moment while the SDK
 * has writes of several kinds in flight, at least 20 times in a row on one state directory; after every restart each
 * acknowledged write (a success response the client received) is still visible through the API, its body byte for
 * byte, and the journal holds a record of it.
 *
 * The writes commit through different paths: S3 PutObject (a content-addressed blob, then the object's metadata in
 * state.json), EC2 CreateSecurityGroup then CreateTags on the group, IAM CreateUser then PutUserPolicy, and GuardDuty
 * Archive/UnarchiveFindings toggling recorded findings. Writes that were in flight at the kill may or may not have
 * survived and are not asserted on, except that a GuardDuty finding must be either as its last acknowledged toggle
 * left it or as the one in flight would have. Between kills the test checks the files themselves: state.json parses,
 * every complete journal line parses, and the lock still names the dead process (the next start must take it over).
 *
 * Reproducible by seed: IR_RANGE_DURABILITY_SEED=<seed> replays the same bodies, names, toggles and kill triggers
 * (each worker and each round draws from its own generator); the exact interleaving still depends on timing.
 * IR_RANGE_DURABILITY_ROUNDS raises the number of kills (never below 20).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSecurityGroupCommand, CreateTagsCommand, EC2Client, paginateDescribeSecurityGroups } from "@aws-sdk/client-ec2";
import { ArchiveFindingsCommand, GetFindingsCommand, GuardDutyClient, UnarchiveFindingsCommand } from "@aws-sdk/client-guardduty";
import { CreateUserCommand, GetUserPolicyCommand, IAMClient, PutUserPolicyCommand, paginateListUsers } from "@aws-sdk/client-iam";
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { expect, it } from "vitest";
import { type StartedCli, startCli } from "../helpers/cli-process.ts";

const ROUNDS = Math.max(20, Number(process.env.IR_RANGE_DURABILITY_ROUNDS ?? 20) || 20);
const SEED = process.env.IR_RANGE_DURABILITY_SEED ? Number(process.env.IR_RANGE_DURABILITY_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

const BUCKET = "basic-evidence";
const PREFIX = "durability/";
const VPC = "vpc-0a1b2c3d4e5f60001";
const USER_PATH = "/durability/";
const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";
const FINDINGS = [
  "8c258d654378414b9bc26f61a93eb816",
  "eeb88ab56556eb7771b266670dddee5a",
  "4ac5b4d2e1f3a7c8b9d0e1f2a3b4c5d6",
  "90b82273685661b9318f078d0851fe9a",
  "b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00",
];
/** Concurrent writers per kind. */
const WORKERS = { s3: 3, ec2: 2, iam: 2, guardduty: 1 };

/** mulberry32: small, fast and good enough to pick sizes and moments. */
function generator(...parts: number[]): () => number {
  let a = 0x9e3779b9;
  for (const p of parts) a = Math.imul(a ^ (p >>> 0), 0x85ebca6b) ^ (a >>> 13);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(rand: () => number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) {
    const word = (rand() * 4294967296) >>> 0;
    for (let b = 0; b < 4 && i + b < size; b++) buf[i + b] = (word >>> (8 * b)) & 0xff;
  }
  return buf;
}

/** A few bodies shared by every round: writing one again finds its blob already there (content addressing). */
const sharedBodies = Array.from({ length: 6 }, (_, n) => bytes(generator(SEED, 0xb0d1e5, n), n * 3000));

/** Mostly small objects, some medium, a few big enough that a kill lands while their bytes are still arriving. */
function body(rand: () => number): Buffer {
  const p = rand();
  if (p < 0.15) return sharedBodies[Math.floor(rand() * sharedBodies.length)];
  if (p < 0.65) return bytes(rand, Math.floor(rand() * 4096));
  if (p < 0.92) return bytes(rand, 4096 + Math.floor(rand() * 60_000));
  return bytes(rand, 256 * 1024 + Math.floor(rand() * 768 * 1024));
}

interface AckedCall {
  round: number;
  operation: string;
  what: string;
  requestId: string;
}

/** What the acknowledged writes promise, accumulated over every round. */
interface Expected {
  objects: Map<string, { round: number; body: Buffer; requestId: string }>;
  groups: Map<string, { round: number; name: string; tags: Record<string, string> }>;
  users: Map<string, { round: number; policies: Record<string, string> }>;
  /** Each finding's Archived values allowed after the next restart. */
  findings: Map<string, Set<boolean>>;
  calls: AckedCall[];
}

interface Clients {
  s3: S3Client;
  ec2: EC2Client;
  iam: IAMClient;
  gd: GuardDutyClient;
  destroy(): void;
}

function clientsFor(cli: StartedCli): Clients {
  const config = {
    endpoint: cli.exports.AWS_ENDPOINT_URL,
    region: "ap-northeast-1",
    credentials: { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const ec2 = new EC2Client(config);
  const iam = new IAMClient(config);
  const gd = new GuardDutyClient(config);
  return {
    s3,
    ec2,
    iam,
    gd,
    destroy: () => {
      for (const c of [s3, ec2, iam, gd]) c.destroy();
    },
  };
}

function requestIdOf(out: { $metadata: { requestId?: string } }, what: string): string {
  const id = out.$metadata.requestId;
  if (!id) throw new Error(`${what}: the response carried no request id`);
  return id;
}

/** Every record of the journal, through the admin route, a page at a time. */
async function journalRecords(endpoint: string, stateDir: string): Promise<Map<string, { eventName: string; errorCode?: string }>> {
  const token = readFileSync(join(stateDir, "admin-token"), "utf8").trim();
  const byId = new Map<string, { eventName: string; errorCode?: string }>();
  let next: string | undefined;
  do {
    const res = await fetch(`${endpoint}/_ir-range/journal?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ""}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { records: { requestID: string; eventName: string; errorCode?: string }[]; next?: string };
    for (const r of page.records) byId.set(r.requestID, r);
    next = page.next;
  } while (next);
  return byId;
}

/**
 * Checks every promise of the acknowledged writes against the restarted server. Listings and the journal cover every
 * round; bodies and policy documents are read back for the writes of `deep` rounds (the last one, or all at the end).
 */
async function verify(
  c: Clients,
  cli: StartedCli,
  stateDir: string,
  expected: Expected,
  deep: (round: number) => boolean,
  where: string,
): Promise<{ problems: string[]; unacknowledged: number }> {
  const problems: string[] = [];
  /** Objects, groups and users that exist though no write of theirs was acknowledged (in flight at a kill). */
  let unacknowledged = 0;
  const miss = (text: string) => problems.push(`${where}: ${text}`);

  const keys = new Set<string>();
  for await (const page of paginateListObjectsV2({ client: c.s3 }, { Bucket: BUCKET, Prefix: PREFIX })) for (const o of page.Contents ?? []) keys.add(o.Key!);
  for (const key of keys) if (!expected.objects.has(key)) unacknowledged++;
  for (const [key, o] of expected.objects) {
    if (!keys.has(key)) {
      miss(`object ${key} (PutObject of round ${o.round}, request ${o.requestId}, ${o.body.length} bytes) is not listed`);
      continue;
    }
    if (!deep(o.round)) continue;
    const got = await c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const read = Buffer.from(await got.Body!.transformToByteArray());
    if (!read.equals(o.body))
      miss(`object ${key} (round ${o.round}, request ${o.requestId}) reads back ${read.length} bytes that differ from the ${o.body.length} written`);
  }

  const groups = new Map<string, { name?: string; tags: Record<string, string> }>();
  for await (const page of paginateDescribeSecurityGroups({ client: c.ec2 }, {})) {
    for (const g of page.SecurityGroups ?? [])
      groups.set(g.GroupId!, { name: g.GroupName, tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key, t.Value])) });
  }
  const ackedGroups = new Set([...expected.groups.values()].map((g) => g.name));
  for (const g of groups.values()) if (g.name?.startsWith("durability-") && !ackedGroups.has(g.name)) unacknowledged++;
  for (const [id, g] of expected.groups) {
    const got = groups.get(id);
    if (!got) {
      miss(`security group ${id} (${g.name}, round ${g.round}) is gone`);
      continue;
    }
    if (got.name !== g.name) miss(`security group ${id} is named ${got.name}, not ${g.name}`);
    for (const [k, v] of Object.entries(g.tags)) if (got.tags[k] !== v) miss(`security group ${id} (${g.name}) has tag ${k}=${got.tags[k]}, not ${v}`);
  }

  const users = new Set<string>();
  for await (const page of paginateListUsers({ client: c.iam }, { PathPrefix: USER_PATH })) for (const u of page.Users ?? []) users.add(u.UserName!);
  for (const name of users) if (!expected.users.has(name)) unacknowledged++;
  for (const [name, u] of expected.users) {
    if (!users.has(name)) {
      miss(`IAM user ${name} (round ${u.round}) is not listed`);
      continue;
    }
    if (!deep(u.round)) continue;
    for (const [policy, doc] of Object.entries(u.policies)) {
      const got = await c.iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policy })).catch((e: Error) => e);
      if (got instanceof Error) miss(`policy ${policy} of IAM user ${name} (round ${u.round}): ${got.name} ${got.message}`);
      else if (decodeURIComponent(got.PolicyDocument ?? "") !== doc) miss(`policy ${policy} of IAM user ${name} (round ${u.round}) is not the document put`);
    }
  }

  const findings = (await c.gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: FINDINGS }))).Findings ?? [];
  for (const id of FINDINGS) {
    const archived = findings.find((f) => f.Id === id)?.Service?.Archived;
    const allowed = expected.findings.get(id);
    if (archived === undefined) miss(`finding ${id} is gone`);
    else if (allowed && !allowed.has(archived))
      miss(`finding ${id} is Archived=${archived}; its last acknowledged toggle left it ${[...allowed].join(" or ")}`);
    // What this start shows is what the next round's toggles start from.
    if (archived !== undefined) expected.findings.set(id, new Set([archived]));
  }

  const journal = await journalRecords(cli.exports.AWS_ENDPOINT_URL, stateDir);
  for (const call of expected.calls) {
    const r = journal.get(call.requestId);
    if (!r) miss(`the journal has no record of ${call.operation} ${call.what} (round ${call.round}, request ${call.requestId})`);
    else if (r.eventName !== call.operation || r.errorCode)
      miss(`the journal records request ${call.requestId} as ${r.eventName} ${r.errorCode ?? ""}, not a successful ${call.operation}`);
  }
  return { problems, unacknowledged };
}

interface RoundStats {
  acked: number;
  inFlightAtKill: number;
  killAfterAcks: number;
  killDelayMs: number;
}

/** Starts the writers, kills the server once `killAfterAcks` writes were acknowledged (plus a few ms), waits for all. */
async function writeAndKill(round: number, cli: StartedCli, c: Clients, expected: Expected, problems: string[]): Promise<RoundStats> {
  const plan = generator(SEED, round, 0x4b111);
  const killAfterAcks = Math.floor(plan() * 30);
  const killDelayMs = Math.floor(plan() * 25);
  let killed = false;
  let acked = 0;
  const inFlight = new Set<string>();
  let inFlightAtKill = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (killed) return;
    killed = true;
    inFlightAtKill = inFlight.size;
    process.kill(cli.proc.pid!, "SIGKILL");
  };
  const armKill = () => {
    if (killTimer === undefined && acked >= killAfterAcks) killTimer = setTimeout(kill, killDelayMs);
  };
  // Should the writes stall, the kill still comes.
  const fallback = setTimeout(kill, 5_000);

  /** One write: its success is an acknowledgement, whenever it arrives (the server only answers once it committed). */
  async function call<T extends { $metadata: { requestId?: string } }>(operation: string, what: string, send: () => Promise<T>): Promise<T | undefined> {
    const tag = `${operation} ${what}`;
    inFlight.add(tag);
    try {
      const out = await send();
      expected.calls.push({ round, operation, what, requestId: requestIdOf(out, tag) });
      acked++;
      armKill();
      return out;
    } catch (e) {
      if (!killed) problems.push(`round ${round}: ${tag} failed before the kill: ${(e as Error).name} ${(e as Error).message}`);
      return undefined;
    } finally {
      inFlight.delete(tag);
    }
  }

  const s3Worker = async (w: number) => {
    const rand = generator(SEED, round, 1, w);
    for (let i = 0; !killed; i++) {
      const key = `${PREFIX}r${round}/w${w}/o${i}`;
      const data = body(rand);
      const out = await call("PutObject", key, () => c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: data })));
      if (!out) return;
      expected.objects.set(key, { round, body: data, requestId: out.$metadata.requestId! });
    }
  };

  const ec2Worker = async (w: number) => {
    const rand = generator(SEED, round, 2, w);
    for (let i = 0; !killed; i++) {
      const name = `durability-r${round}-w${w}-g${i}`;
      const made = await call("CreateSecurityGroup", name, () =>
        c.ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: "durability test", VpcId: VPC })),
      );
      if (!made) return;
      const group = { round, name, tags: {} as Record<string, string> };
      expected.groups.set(made.GroupId!, group);
      const tags = 1 + Math.floor(rand() * 3);
      for (let t = 0; t < tags && !killed; t++) {
        const [key, value] = [`k${t}`, `v${Math.floor(rand() * 1e9)}`];
        const tagged = await call("CreateTags", `${made.GroupId} ${key}=${value}`, () =>
          c.ec2.send(new CreateTagsCommand({ Resources: [made.GroupId!], Tags: [{ Key: key, Value: value }] })),
        );
        if (!tagged) return;
        group.tags[key] = value;
      }
    }
  };

  const iamWorker = async (w: number) => {
    const rand = generator(SEED, round, 3, w);
    for (let i = 0; !killed; i++) {
      const name = `durability-r${round}-w${w}-u${i}`;
      if (!(await call("CreateUser", name, () => c.iam.send(new CreateUserCommand({ UserName: name, Path: USER_PATH }))))) return;
      const user = { round, policies: {} as Record<string, string> };
      expected.users.set(name, user);
      const policies = 1 + Math.floor(rand() * 2);
      for (let p = 0; p < policies && !killed; p++) {
        const policy = `p${p}`;
        const doc = JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: `S${Math.floor(rand() * 1e9)}`, Effect: "Deny", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/${name}/*` }],
        });
        const put = await call("PutUserPolicy", `${name} ${policy}`, () =>
          c.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policy, PolicyDocument: doc })),
        );
        if (!put) return;
        user.policies[policy] = doc;
      }
    }
  };

  const guardDutyWorker = async (w: number) => {
    const rand = generator(SEED, round, 4, w);
    while (!killed) {
      const id = FINDINGS[Math.floor(rand() * FINDINGS.length)];
      const archive = rand() < 0.5;
      const operation = archive ? "ArchiveFindings" : "UnarchiveFindings";
      const input = { DetectorId: DETECTOR, FindingIds: [id] };
      const out = await call(operation, id, () => c.gd.send(archive ? new ArchiveFindingsCommand(input) : new UnarchiveFindingsCommand(input)));
      if (out) expected.findings.set(id, new Set([archive]));
      else {
        // In flight at the kill: committed or not, either is fine.
        expected.findings.get(id)?.add(archive);
        return;
      }
    }
  };

  armKill();
  const workers = [
    ...Array.from({ length: WORKERS.s3 }, (_, w) => s3Worker(w)),
    ...Array.from({ length: WORKERS.ec2 }, (_, w) => ec2Worker(w)),
    ...Array.from({ length: WORKERS.iam }, (_, w) => iamWorker(w)),
    ...Array.from({ length: WORKERS.guardduty }, (_, w) => guardDutyWorker(w)),
  ];
  await Promise.all(workers);
  clearTimeout(fallback);
  clearTimeout(killTimer);
  await cli.exited;
  return { acked, inFlightAtKill, killAfterAcks, killDelayMs };
}

/** The files the dead server left: a state document that parses, journal lines that parse, its lock. */
function inspectFiles(stateDir: string, deadPid: number, round: number): string[] {
  const problems: string[] = [];
  const where = `after the kill of round ${round}`;
  try {
    const doc = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { format?: number };
    if (doc.format !== 1) problems.push(`${where}: state.json is not a format-1 document`);
  } catch (e) {
    problems.push(`${where}: state.json does not parse: ${(e as Error).message}`);
  }
  const journal = readFileSync(join(stateDir, "journal.ndjson"), "utf8");
  const lines = journal.split("\n");
  // The last piece is what follows the last newline: empty, or a torn line the next start cuts off.
  for (const [i, line] of lines.slice(0, -1).entries()) {
    try {
      JSON.parse(line);
    } catch {
      problems.push(`${where}: journal line ${i + 1} does not parse: ${line.slice(0, 120)}`);
    }
  }
  const lock = JSON.parse(readFileSync(join(stateDir, "server.lock"), "utf8")) as { pid: number };
  if (lock.pid !== deadPid) problems.push(`${where}: server.lock names pid ${lock.pid}, not the killed ${deadPid}`);
  return problems;
}

it(`keeps every acknowledged write across ${ROUNDS} kill -9s in the middle of writes`, { timeout: 240_000 }, async () => {
  console.log(`durability: seed ${SEED} (replay with IR_RANGE_DURABILITY_SEED=${SEED}), ${ROUNDS} rounds`);
  const base = mkdtempSync(join(tmpdir(), "ir-range-durability-"));
  const stateDir = join(base, "state");
  const expected: Expected = { objects: new Map(), groups: new Map(), users: new Map(), findings: new Map(), calls: [] };
  const stats: RoundStats[] = [];
  const started = Date.now();
  let cli: StartedCli | undefined;
  let passed = false;
  let unacknowledged = 0;
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      cli = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
      const lock = JSON.parse(readFileSync(join(stateDir, "server.lock"), "utf8")) as { pid: number };
      expect(lock.pid, `the restarted server (round ${round}) holds the lock`).toBe(cli.proc.pid);
      const c = clientsFor(cli);
      try {
        const final = round === ROUNDS;
        const where = final ? `seed ${SEED}, after the last restart` : `seed ${SEED}, start of round ${round}`;
        // Round r checks the writes of round r-1 in depth, and every earlier one by listing; the last start reads all.
        const { problems, unacknowledged: found } = await verify(c, cli, stateDir, expected, (r) => final || r === round - 1, where);
        expect(problems).toEqual([]);
        unacknowledged = found;
        if (final) break;

        const writeProblems: string[] = [];
        const s = await writeAndKill(round, cli, c, expected, writeProblems);
        stats.push(s);
        expect(writeProblems).toEqual([]);
        expect(s.inFlightAtKill, `seed ${SEED}, round ${round}: the kill found writes in flight`).toBeGreaterThan(0);
        expect(inspectFiles(stateDir, cli.proc.pid!, round)).toEqual([]);
      } finally {
        c.destroy();
      }
    }
    passed = true;
  } finally {
    if (cli && cli.proc.exitCode === null && cli.proc.signalCode === null) {
      process.kill(cli.proc.pid!, "SIGTERM");
      const code = await Promise.race([cli.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
      if (code === "timeout") process.kill(cli.proc.pid!, "SIGKILL");
    }
    if (passed) rmSync(base, { recursive: true, force: true });
    else console.log(`durability: seed ${SEED}; the state directory is kept at ${stateDir}`);
  }
  const byKind = new Map<string, number>();
  for (const call of expected.calls) byKind.set(call.operation, (byKind.get(call.operation) ?? 0) + 1);
  console.log(
    `durability: ${stats.length} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; ${expected.calls.length} acknowledged writes survived (${[...byKind]
      .map(([k, n]) => `${k} ${n}`)
      .join(
        ", ",
      )}); in flight at the kills: ${stats.map((s) => s.inFlightAtKill).join(" ")}; objects, groups and users of unacknowledged writes found after restarts: ${unacknowledged}`,
  );
  expect(stats.length).toBeGreaterThanOrEqual(20);
});
