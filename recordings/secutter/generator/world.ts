/**
 * The fixed cast of the secutter story: ids, addresses and the timeline as offsets from discovery.
 * Ids come from their own PRNG stream and never depend on the anchor, so the answer key is stable.
 */
import { Rng } from "./prng.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const ACCOUNT = "111122223333";
export const HOME = "ap-northeast-1";
export const USE1 = "us-east-1";
export const REGIONS = [HOME, USE1] as const;
export type Region = (typeof REGIONS)[number];

/** The recording's own discovery moment; daily rhythms (office hours in JST) are laid out against it, then shifted to the anchor. */
export const RECORDED_DISCOVERY = Date.parse("2026-03-01T05:00:00Z");

// Every public address is from the documentation ranges (RFC 5737).
export const IP = {
  office: "203.0.113.10",
  attacker: "203.0.113.45",
  /** The web server's Elastic IP (documentation range standing in for an AWS address). */
  webEip: "198.51.100.20",
  /** Attacker's download server and mining pool (pool.minexmr.example resolves here). */
  minerHost: "198.51.100.77",
  webPrivate: "10.0.1.25",
} as const;

export const DOMAIN = { site: "secutter.example", pool: "pool.minexmr.example", poolPort: 4444 } as const;

export const NAMES = {
  webRole: "secutter-web-role",
  webProfile: "secutter-web-role",
  backups: `secutter-db-backups-${ACCOUNT}`,
  uploads: `secutter-uploads-${ACCOUNT}`,
  evidence: "secutter-ir-evidence",
  trail: "secutter-trail",
  minerKey: "miner-key",
  deployKey: "secutter-deploy",
  attackerSg: "launch-wizard-1",
  webSg: "secutter-web-sg",
} as const;

/** Offsets (ms) from discovery; negative is before. */
export const T = (() => {
  const historyStart = -14 * DAY;
  const scanStart = -(2 * DAY + 14 * HOUR + 23 * MIN);
  const signup = scanStart + 31 * MIN;
  const ssrf = scanStart + 46 * MIN + 12_000;
  const first = ssrf + 7 * MIN + 31_000;
  return {
    historyStart,
    webLaunch: -187 * DAY - 5 * HOUR,
    trailCreated: -412 * DAY,
    scanStart,
    scanEnd: scanStart + 25 * MIN,
    signup,
    ssrf,
    /** The stolen session was issued to the instance 1h50m before the SSRF and expires 6 h after issue. */
    stolenSessionIssued: ssrf - 110 * MIN,
    first,
    launchHome: first + 20 * MIN + 14_000,
    launchUse1: first + 28 * MIN + 40_000,
    lastAttacker: first + 32 * MIN + 5_000,
    ctoLogin: -100 * MIN,
    stopMinersHome: -88 * MIN,
    stopMinersUse1: -86 * MIN + 20_000,
    createImage: -70 * MIN,
    logsCopied: -66 * MIN,
    stopWeb: -62 * MIN,
  };
})();

const r = new Rng("ids");

export interface MinerSpec {
  region: Region;
  instanceId: string;
  reservationId: string;
  eniId: string;
  attachmentId: string;
  volumeId: string;
  mac: string;
  privateIp: string;
  /** Ephemeral public address while running (documentation range); released on stop. */
  publicIp: string;
  az: string;
  subnetId: string;
  launchIndex: number;
}

function subnetIps(base: string, count: number, rng: Rng): string[] {
  const [a, b, c] = base.split(".").map(Number);
  const out = new Set<string>();
  while (out.size < count) out.add(`${a}.${b}.${c + rng.int(0, 15)}.${rng.int(4, 250)}`);
  return [...out];
}

const defaultVpc = (region: Region, azs: string[]) => ({
  vpcId: r.resId("vpc"),
  cidr: "172.31.0.0/16",
  defaultSgId: r.resId("sg"),
  subnets: azs.map((az, i) => ({ az, subnetId: r.resId("subnet"), cidr: `172.31.${i * 16}.0/20` })),
  region,
});

export const NET = {
  appVpc: { vpcId: r.resId("vpc"), cidr: "10.0.0.0/16", defaultSgId: r.resId("sg") },
  appSubnets: [
    { az: "ap-northeast-1a", subnetId: r.resId("subnet"), cidr: "10.0.1.0/24", name: "secutter-public-1a" },
    { az: "ap-northeast-1c", subnetId: r.resId("subnet"), cidr: "10.0.2.0/24", name: "secutter-public-1c" },
  ],
  defaultHome: defaultVpc(HOME, ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]),
  defaultUse1: defaultVpc(USE1, ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]),
  webSgId: r.resId("sg"),
  attackerSg: { [HOME]: r.resId("sg"), [USE1]: r.resId("sg") } as Record<Region, string>,
  flowLogs: { app: r.resId("fl"), defaultHome: r.resId("fl"), defaultUse1: r.resId("fl") },
};

export const AMI = {
  /** Amazon Linux 2023 as published by Amazon in each region (not owned by this account). */
  webBase: `ami-0${r.hex(16)}`,
  al2023: { [HOME]: `ami-0${r.hex(16)}`, [USE1]: `ami-0${r.hex(16)}` } as Record<Region, string>,
  baseSnapshot: { web: `snap-0${r.hex(16)}`, [HOME]: `snap-0${r.hex(16)}`, [USE1]: `snap-0${r.hex(16)}` } as Record<string, string>,
  /** The CTO's preservation image of the web server. */
  backupImage: r.resId("ami"),
  backupSnapshot: r.resId("snap"),
};

export const WEB = {
  instanceId: r.resId("i"),
  reservationId: r.resId("r"),
  eniId: r.resId("eni"),
  attachmentId: `eni-attach-0${r.hex(16)}`,
  volumeId: r.resId("vol"),
  mac: r.mac(),
  eipAllocation: `eipalloc-0${r.hex(16)}`,
  eipAssociation: `eipassoc-0${r.hex(16)}`,
  profileAssociation: `iip-assoc-0${r.hex(16)}`,
  az: "ap-northeast-1a",
};

function miners(region: Region, count: number, az: string, subnetId: string, subnetBase: string, pubBase: number): MinerSpec[] {
  const reservationId = r.resId("r");
  const ips = subnetIps(subnetBase, count, r);
  return Array.from({ length: count }, (_, i) => ({
    region,
    instanceId: r.resId("i"),
    reservationId,
    eniId: r.resId("eni"),
    attachmentId: `eni-attach-0${r.hex(16)}`,
    volumeId: r.resId("vol"),
    mac: r.mac(),
    privateIp: ips[i],
    publicIp: `198.51.100.${pubBase + i}`,
    az,
    subnetId,
    launchIndex: i,
  }));
}

export const MINERS: Record<Region, MinerSpec[]> = {
  [HOME]: miners(HOME, 3, "ap-northeast-1a", NET.defaultHome.subnets[0].subnetId, "172.31.0.0", 131),
  [USE1]: miners(USE1, 4, "us-east-1c", NET.defaultUse1.subnets[2].subnetId, "172.31.32.0", 134),
};

export const KEYS = {
  deploy: { id: r.resId("key"), fingerprint: fingerprint(r) },
  miner: {
    [HOME]: { id: r.resId("key"), fingerprint: fingerprint(r) },
    [USE1]: { id: r.resId("key"), fingerprint: fingerprint(r) },
  } as Record<Region, { id: string; fingerprint: string }>,
};

function fingerprint(rng: Rng): string {
  return Array.from({ length: 20 }, () => rng.hex(2)).join(":");
}

export const IAM_IDS = {
  webRole: r.iamId("AROA"),
  webProfile: r.iamId("AIPA"),
  guardDutySlr: r.iamId("AROA"),
  supportSlr: r.iamId("AROA"),
  trustedAdvisorSlr: r.iamId("AROA"),
  cto: r.iamId("AIDA"),
  dev: r.iamId("AIDA"),
  backupBot: r.iamId("AIDA"),
  devKey: r.accessKeyId("AKIA"),
  devSecret: r.secret(),
  backupKey: r.accessKeyId("AKIA"),
  backupSecret: r.secret(),
};

export const GD = {
  detector: { [HOME]: r.hex(32), [USE1]: r.hex(32) } as Record<Region, string>,
};

/** Daily EBS snapshots of the web volume by the instance's backup script: ids for every day of the window and the week before. */
export const DAILY_SNAPSHOTS = Array.from({ length: 22 }, () => r.resId("snap"));

/** The responder's key (also in scenario.json); its secret is made per installation (state/install-credentials.ts). */
export const RESPONDER = {
  userName: "ir-responder",
  userId: "AIDAIRRESPONDER7SECU1",
  accessKeyId: "AKIARESPONDERSECUT01",
};
