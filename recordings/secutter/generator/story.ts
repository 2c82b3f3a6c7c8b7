/**
 * The CloudTrail history of the secutter account: two weeks of routine calls, the attack with the stolen
 * instance-role session, and the CTO's first response. Offsets are laid out first, then placed on the anchor.
 */
import type { CloudTrailRecord } from "../../../emulator/core/records.ts";
import { dumpBody, TOKEN_LEN } from "./content.ts";
import { Rng } from "./prng.ts";
import { iso, jstDate, jstHour, jstMidnight, jstWeekday } from "./time.ts";
import {
  ACCOUNT,
  AMI,
  DAILY_SNAPSHOTS,
  DAY,
  HOME,
  HOUR,
  IAM_IDS,
  IP,
  KEYS,
  MIN,
  MINERS,
  type MinerSpec,
  NAMES,
  NET,
  type Region,
  T,
  USE1,
  WEB,
} from "./world.ts";

export interface RoleSession {
  issued: number;
  accessKeyId: string;
  secret: string;
  token: string;
}

export interface DailyRun {
  /** Offset of the 03:00 JST snapshot job. */
  t: number;
  snapshotId: string;
  /** Snapshot deleted by the same run (created seven days earlier). */
  deletes?: string;
  /** Offset of the 03:30 JST mysqldump upload, and its key. */
  dumpAt: number;
  dumpKey: string;
}

export interface Story {
  /** Built on first read: start-up needs only the layout, the few attacker records and the times below. */
  readonly history: CloudTrailRecord[];
  sessions: RoleSession[];
  stolen: RoleSession;
  daily: DailyRun[];
  /** Snapshots that still exist at discovery: created by the daily job before the window ([created offset, id]). */
  snapshotsBefore: { t: number; id: string }[];
  attackerCalls: CloudTrailRecord[];
  exfiltratedKey: string;
  lastUsed: { dev: number; backup: number; ctoLogin: number };
  consoleSessions: { t: number; key: string }[];
  /** The eventTime of the newest record whose userIdentity matches, without building the records ("" if none). */
  lastEventTime(match: (userIdentity: Record<string, unknown>) => boolean): string;
  /** Builds the records a few milliseconds at a time, yielding to requests between slices. */
  prepare(): Promise<void>;
}

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${NAMES.webRole}`;
const PROFILE_ARN = `arn:aws:iam::${ACCOUNT}:instance-profile/${NAMES.webProfile}`;

const UA = {
  cron: "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.1.79-99.164.amzn2023.x86_64 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84",
  instanceCli: (cmd: string) => `aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exec-env/EC2 exe/x86_64.amzn.2023 prompt/off command/${cmd}`,
  dev: (cmd: string) => `aws-cli/2.15.17 Python/3.11.6 Darwin/23.3.0 exe/x86_64 prompt/off command/${cmd}`,
  backupBot: (cmd: string) => `aws-cli/2.13.25 Python/3.11.5 Linux/4.4.302+ exe/x86_64.ubuntu.20 prompt/off command/${cmd}`,
  attacker: (cmd: string) => `aws-cli/2.15.40 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/${cmd}`,
  browser: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
};

interface Who {
  id: Record<string, unknown>;
  ip: string;
  ua: string;
  console?: boolean;
  /** AWS service callers carry no TLS details. */
  service?: boolean;
}

interface Opts {
  req?: unknown;
  resp?: unknown;
  err?: [string, string];
  ro: boolean;
  data?: boolean;
  resources?: unknown[];
  /** A function when it quotes a body size (a gzipped dump), which is only worked out with the record. */
  extra?: Record<string, unknown> | (() => Record<string, unknown>);
  host?: string;
  eventType?: string;
  version?: string;
  requestId?: string;
  /** AWS-service calls on the account's behalf carry a sharedEventID. */
  shared?: boolean;
}

function hostFor(source: string, region: string): string {
  const svc = source.split(".")[0];
  if (svc === "iam") return "iam.amazonaws.com";
  if (svc === "sts") return "sts.amazonaws.com";
  if (svc === "signin") return "signin.aws.amazon.com";
  return `${svc}.${region}.amazonaws.com`;
}

/** One add() call: everything its record is made of, and where the "cloudtrail" stream was for its ids. */
interface Event {
  t: number;
  seq: number;
  region: string;
  source: string;
  name: string;
  who: Who;
  o: Opts;
  ids: number;
  rec?: CloudTrailRecord;
}

export function buildStory(anchor: number): Story {
  const r = new Rng("cloudtrail");
  const at = (off: number) => iso(anchor + off);
  const events: Event[] = [];
  let seq = 0;
  /** The newest event (greatest t, then seq) of each identity object, for lastEventTime. */
  const newest = new Map<object, Event>();

  const tlsByHost = new Map<string, object>();
  const tls = (host: string) => {
    let d = tlsByHost.get(host);
    if (!d) {
      d = { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: host };
      tlsByHost.set(host, d);
    }
    return d;
  };
  // A record's ids come from the stream position its add() call had, so records are the same whenever they are built.
  const add = (t: number, region: string, source: string, name: string, who: Who, o: Opts): Event => {
    const e: Event = { t, seq: seq++, region, source, name, who, o, ids: r.position };
    r.skip((o.requestId == null ? (o.data ? 2 : 4) : 0) + 4 + (o.shared ? 4 : 0));
    events.push(e);
    const prev = newest.get(who.id);
    if (!prev || t >= prev.t) newest.set(who.id, e);
    return e;
  };
  const idRng = new Rng("cloudtrail");
  const record = (e: Event): CloudTrailRecord => {
    if (e.rec) return e.rec;
    const { t, region, source, name, who, o } = e;
    idRng.seek(e.ids);
    const requestID = o.requestId ?? (o.data ? idRng.s3RequestId() : idRng.uuid());
    const rec: Record<string, unknown> = {
      eventVersion: o.version ?? (source === "signin.amazonaws.com" ? "1.08" : "1.09"),
      userIdentity: who.id,
      eventTime: at(t),
      eventSource: source,
      eventName: name,
      awsRegion: region,
      sourceIPAddress: who.ip,
      userAgent: o.data && !who.service ? `[${who.ua}]` : who.ua,
    };
    if (o.err) {
      rec.errorCode = o.err[0];
      rec.errorMessage = o.err[1];
    }
    rec.requestParameters = o.req ?? null;
    rec.responseElements = o.resp ?? null;
    if (o.extra) rec.additionalEventData = typeof o.extra === "function" ? o.extra() : o.extra;
    rec.requestID = requestID;
    rec.eventID = idRng.uuid();
    rec.readOnly = o.ro;
    if (o.resources) rec.resources = o.resources;
    rec.eventType = o.eventType ?? "AwsApiCall";
    rec.managementEvent = !o.data;
    rec.recipientAccountId = ACCOUNT;
    if (o.shared) rec.sharedEventID = idRng.uuid();
    rec.eventCategory = o.data ? "Data" : "Management";
    if (!who.service) rec.tlsDetails = tls(o.host ?? hostFor(source, region));
    if (who.console) rec.sessionCredentialFromConsole = "true";
    e.rec = rec as CloudTrailRecord;
    return e.rec;
  };

  // --- Identities -------------------------------------------------------------------------------------
  const sr = new Rng("sessions");
  const sessions: RoleSession[] = [];
  for (let k = -62; k <= 4; k++) {
    const issued = T.stolenSessionIssued + k * 6 * HOUR - (k === 0 ? 0 : sr.int(0, 90_000));
    const s = { issued, accessKeyId: sr.accessKeyId("ASIA"), secret: sr.secret(), token: `IQoJb3JpZ2luX2VjE${sr.base64(TOKEN_LEN - 17)}` };
    if (issued < T.stopWeb && issued > T.historyStart - 6 * HOUR) sessions.push(s);
  }
  const stolen = sessions.find((s) => s.issued === T.stolenSessionIssued)!;
  // The last session issued by t (from the end: an index loop, as this runs for every cron run).
  const sessionAt = (t: number) => {
    for (let i = sessions.length - 1; i > 0; i--) if (sessions[i].issued <= t) return sessions[i];
    return sessions[0];
  };
  const roleIds = new Map<RoleSession, Record<string, unknown>>();
  const roleId = (s: RoleSession) => {
    let id = roleIds.get(s);
    if (!id) {
      id = makeRoleId(s);
      roleIds.set(s, id);
    }
    return id;
  };
  // Records are read-only history, so records of one session share one identity object (less garbage).
  const makeRoleId = (s: RoleSession) => ({
    type: "AssumedRole",
    principalId: `${IAM_IDS.webRole}:${WEB.instanceId}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${NAMES.webRole}/${WEB.instanceId}`,
    accountId: ACCOUNT,
    accessKeyId: s.accessKeyId,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: IAM_IDS.webRole, arn: ROLE_ARN, accountId: ACCOUNT, userName: NAMES.webRole },
      webIdFederationData: {},
      attributes: { creationDate: at(s.issued), mfaAuthenticated: "false" },
      ec2RoleDelivery: "1.0",
    },
  });
  const instance = (t: number, ua: string): Who => ({ id: roleId(sessionAt(t)), ip: IP.webEip, ua });
  const cronReq = {
    DescribeInstances: { instancesSet: {}, filterSet: { items: [{ name: "tag:Service", valueSet: { items: [{ value: "secutter" }] } }] } },
    DescribeInstanceStatus: { instancesSet: { items: [{ instanceId: WEB.instanceId }] }, filterSet: {}, includeAllInstances: false },
    DescribeAddresses: { publicIpsSet: { items: [{ publicIp: IP.webEip }] }, allocationIdsSet: {}, filterSet: {} },
  };
  const attacker = (cmd: string): Who => ({ id: roleId(stolen), ip: IP.attacker, ua: UA.attacker(cmd) });
  const user = (name: string, uid: string, key: string | undefined, ip: string, ua: string): Who => ({
    id: {
      type: "IAMUser",
      principalId: uid,
      arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      accountId: ACCOUNT,
      ...(key ? { accessKeyId: key } : {}),
      userName: name,
    },
    ip,
    ua,
  });
  const consoleSessions: { t: number; key: string }[] = [];
  const cto = (login: number, key: string): Who => ({
    id: {
      type: "IAMUser",
      principalId: IAM_IDS.cto,
      arn: `arn:aws:iam::${ACCOUNT}:user/cto-suzuki`,
      accountId: ACCOUNT,
      accessKeyId: key,
      userName: "cto-suzuki",
      sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: at(login), mfaAuthenticated: "true" } },
    },
    ip: IP.office,
    ua: "AWS Internal",
    console: true,
  });
  // One identity per role session (they last an hour), shared by its records like the instance role's.
  const slr = (role: string, roleIdStr: string, session: string, by: string) => {
    const byHour = new Map<number, Who>();
    return (t: number): Who => {
      const hour = t - (((t % HOUR) + HOUR) % HOUR);
      let who = byHour.get(hour);
      if (!who) {
        who = slrSession(role, roleIdStr, session, by, hour);
        byHour.set(hour, who);
      }
      return who;
    };
  };
  const slrSession = (role: string, roleIdStr: string, session: string, by: string, hour: number): Who => ({
    id: {
      type: "AssumedRole",
      principalId: `${roleIdStr}:${session}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: roleIdStr,
          arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${by}/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
        webIdFederationData: {},
        attributes: { creationDate: at(hour), mfaAuthenticated: "false" },
      },
      invokedBy: by,
    },
    ip: by,
    ua: by,
    service: true,
  });

  const s3Res = (bucket: string, key?: string) => [
    ...(key ? [{ type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${key}` }] : []),
    { accountId: ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` },
  ];
  // The x-amz-id-2 is drawn here, in call order; a size given as a function is worked out with the record.
  const s3Extra = (out: number | (() => number), inBytes: number | (() => number)) => {
    const id2 = r.base64(76);
    return () => ({
      SignatureVersion: "SigV4",
      CipherSuite: "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: typeof inBytes === "function" ? inBytes() : inBytes,
      AuthenticationMethod: "AuthHeader",
      "x-amz-id-2": id2,
      bytesTransferredOut: typeof out === "function" ? out() : out,
    });
  };
  const s3Host = (bucket: string) => `${bucket}.s3.${HOME}.amazonaws.com`;

  // --- The instance profile's credentials: EC2 assumes the role for the instance every six hours ---------
  for (const s of sessions) {
    add(
      s.issued,
      HOME,
      "sts.amazonaws.com",
      "AssumeRole",
      { id: { type: "AWSService", invokedBy: "ec2.amazonaws.com" }, ip: "ec2.amazonaws.com", ua: "ec2.amazonaws.com", service: true },
      {
        ro: true,
        req: { roleArn: ROLE_ARN, roleSessionName: WEB.instanceId },
        resp: {
          credentials: {
            accessKeyId: s.accessKeyId,
            sessionToken: s.token,
            expiration: stsExpiration(anchor + s.issued + 6 * HOUR),
          },
          assumedRoleUser: {
            assumedRoleId: `${IAM_IDS.webRole}:${WEB.instanceId}`,
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${NAMES.webRole}/${WEB.instanceId}`,
          },
        },
        resources: [{ accountId: ACCOUNT, type: "AWS::IAM::Role", ARN: ROLE_ARN }],
        shared: true,
        version: "1.08",
      },
    );
  }

  // --- The "auto-scaling" cron on the web server: every five minutes while it runs --------------------
  const ar = new Rng("cron");
  // 4,000 runs: their calls share one caller per session and one set of options per call.
  const cronOpts = {
    instances: { ro: true, req: cronReq.DescribeInstances },
    status: { ro: true, req: cronReq.DescribeInstanceStatus },
    addresses: { ro: true, req: cronReq.DescribeAddresses },
  };
  const cronWho = new Map<RoleSession, Who>();
  for (let t = Math.ceil(T.historyStart / (5 * MIN)) * 5 * MIN; t < T.stopWeb; t += 5 * MIN) {
    const base = t + ar.int(2000, 9000);
    const session = sessionAt(base);
    let who = cronWho.get(session);
    if (!who) {
      who = { id: roleId(session), ip: IP.webEip, ua: UA.cron };
      cronWho.set(session, who);
    }
    add(base, HOME, "ec2.amazonaws.com", "DescribeInstances", who, cronOpts.instances);
    add(base + ar.int(200, 700), HOME, "ec2.amazonaws.com", "DescribeInstanceStatus", who, cronOpts.status);
    add(base + ar.int(800, 1500), HOME, "ec2.amazonaws.com", "DescribeAddresses", who, cronOpts.addresses);
  }

  // --- Nightly jobs on the web server: EBS snapshot at 03:00 JST, mysqldump to S3 at 03:30 JST ----------
  const daily: DailyRun[] = [];
  const snapshotsBefore: { t: number; id: string }[] = [];
  const firstRun = (() => {
    let m = jstMidnight(T.historyStart) + 3 * HOUR;
    if (m < T.historyStart) m += DAY;
    return m;
  })();
  for (let k = 7; k > 0; k--) snapshotsBefore.push({ t: firstRun - k * DAY + 4_000, id: DAILY_SNAPSHOTS[7 - k] });
  const dr = new Rng("daily");
  for (let t = firstRun, i = 7; t < T.stopWeb; t += DAY, i++) {
    const snapshotId = DAILY_SNAPSHOTS[i];
    const deletes = DAILY_SNAPSHOTS[i - 7];
    const st = t + dr.int(3000, 9000);
    const date = jstDate(anchor + st);
    add(st, HOME, "ec2.amazonaws.com", "CreateSnapshot", instance(st, UA.instanceCli("ec2.create-snapshot")), {
      ro: false,
      req: { volumeId: WEB.volumeId, description: `secutter-web daily ${date}` },
      resp: {
        requestId: r.uuid(),
        snapshotId,
        volumeId: WEB.volumeId,
        status: "pending",
        startTime: anchor + st - ((anchor + st) % 1000),
        progress: "",
        ownerId: ACCOUNT,
        volumeSize: 30,
        description: `secutter-web daily ${date}`,
        encrypted: false,
      },
    });
    add(st + 2400, HOME, "ec2.amazonaws.com", "DeleteSnapshot", instance(st + 2400, UA.instanceCli("ec2.delete-snapshot")), {
      ro: false,
      req: { snapshotId: deletes },
      resp: { requestId: r.uuid(), _return: true },
    });
    const dumpAt = t + 30 * MIN + dr.int(2000, 15000);
    const dumpDate = jstDate(anchor + dumpAt);
    const dumpKey = `db/secutter-${dumpDate}.sql.gz`;
    const size = () => dumpBody(dumpDate).length;
    if (dumpAt < T.stopWeb) {
      add(dumpAt, HOME, "s3.amazonaws.com", "PutObject", instance(dumpAt, UA.instanceCli("s3.cp")), {
        ro: false,
        data: true,
        req: { bucketName: NAMES.backups, Host: s3Host(NAMES.backups), key: dumpKey },
        resp: { "x-amz-server-side-encryption": "AES256" },
        extra: s3Extra(0, size),
        resources: s3Res(NAMES.backups, dumpKey),
        host: s3Host(NAMES.backups),
      });
      daily.push({ t: st, snapshotId, deletes, dumpAt, dumpKey });
    }
  }

  // --- backup-bot: the office NAS pulls the newest dump every morning ------------------------------------
  let backupLast = 0;
  for (const d of daily) {
    const t = d.dumpAt + 40 * MIN + dr.int(0, 600_000);
    if (t > T.stopWeb) continue;
    const who = user("backup-bot", IAM_IDS.backupBot, IAM_IDS.backupKey, IP.office, UA.backupBot("s3.cp"));
    add(t, HOME, "s3.amazonaws.com", "ListObjects", who, {
      ro: true,
      data: true,
      req: { "list-type": "2", bucketName: NAMES.backups, "encoding-type": "url", prefix: "db/", Host: s3Host(NAMES.backups) },
      extra: s3Extra(0, 0),
      resources: s3Res(NAMES.backups),
      host: s3Host(NAMES.backups),
    });
    add(t + 1500, HOME, "s3.amazonaws.com", "GetObject", who, {
      ro: true,
      data: true,
      req: { bucketName: NAMES.backups, Host: s3Host(NAMES.backups), key: d.dumpKey },
      extra: s3Extra(() => dumpBody(d.dumpKey.slice(12, 20)).length, 0),
      resources: s3Res(NAMES.backups, d.dumpKey),
      host: s3Host(NAMES.backups),
    });
    backupLast = t + 1500;
  }

  // --- AWS services: GuardDuty S3 protection checks the buckets, Trusted Advisor refreshes its checks ----
  const gdSlr = slr("AWSServiceRoleForAmazonGuardDuty", IAM_IDS.guardDutySlr, "GuardDuty", "guardduty.amazonaws.com");
  const taSlr = slr("AWSServiceRoleForTrustedAdvisor", IAM_IDS.trustedAdvisorSlr, "TrustedAdvisor", "trustedadvisor.amazonaws.com");
  const sv = new Rng("services");
  const endOfHistory = -12 * MIN;
  for (let t = Math.ceil(T.historyStart / HOUR) * HOUR; t < endOfHistory; t += HOUR) {
    let u = t + sv.int(60_000, 900_000);
    for (const b of [NAMES.backups, NAMES.uploads, NAMES.evidence]) {
      add(u, HOME, "s3.amazonaws.com", "GetBucketPublicAccessBlock", gdSlr(u), {
        ro: true,
        req: { publicAccessBlock: "", bucketName: b, Host: `${b}.s3.${HOME}.amazonaws.com` },
        resources: [{ accountId: ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${b}` }],
        extra: {
          SignatureVersion: "SigV4",
          CipherSuite: "TLS_AES_128_GCM_SHA256",
          bytesTransferredIn: 0,
          AuthenticationMethod: "AuthHeader",
          bytesTransferredOut: 345,
        },
      });
      u += sv.int(300, 3000);
    }
    if (jstHour(t) % 4 === 2) {
      for (const region of [HOME, USE1]) {
        let v = t + sv.int(1_000_000, 2_400_000);
        for (const name of ["DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes"]) {
          add(v, region, "ec2.amazonaws.com", name, taSlr(v), {
            ro: true,
            req: name === "DescribeInstances" ? { instancesSet: {}, filterSet: {} } : { filterSet: {} },
          });
          v += sv.int(500, 4000);
        }
      }
    }
  }

  // --- People: dev-tanaka deploys on weekdays, cto-suzuki checks the console on Mon/Wed/Fri ---------------
  const pr = new Rng("people");
  let devLast = 0;
  let ctoLast = 0;
  for (let day = jstMidnight(T.historyStart) + DAY; day < jstMidnight(T.stopWeb); day += DAY) {
    const wd = jstWeekday(day + 12 * HOUR);
    if (wd >= 1 && wd <= 5) {
      const deploys = pr.int(1, 2);
      for (let k = 0; k < deploys; k++) {
        let t = day + pr.int(11, 17) * HOUR + pr.int(0, 59) * MIN;
        const dev = (cmd: string) => user("dev-tanaka", IAM_IDS.dev, IAM_IDS.devKey, IP.office, UA.dev(cmd));
        add(t, USE1, "sts.amazonaws.com", "GetCallerIdentity", dev("sts.get-caller-identity"), { ro: true });
        t += pr.int(5, 40) * 1000;
        add(t, HOME, "ec2.amazonaws.com", "DescribeInstances", dev("ec2.describe-instances"), {
          ro: true,
          req: { instancesSet: {}, filterSet: { items: [{ name: "tag:Name", valueSet: { items: [{ value: "secutter-web" }] } }] } },
        });
        if (pr.chance(0.3)) {
          t += pr.int(5, 60) * 1000;
          add(t, HOME, "ec2.amazonaws.com", "DescribeSecurityGroups", dev("ec2.describe-security-groups"), {
            ro: true,
            req: { securityGroupSet: {}, securityGroupIdSet: { items: [{ groupId: NET.webSgId }] }, filterSet: {} },
          });
        }
        devLast = t;
      }
    }
    if (wd === 1 || wd === 3 || wd === 5) {
      let t = day + 10 * HOUR + pr.int(0, 50) * MIN;
      const key = pr.accessKeyId("ASIA");
      add(
        t,
        USE1,
        "signin.amazonaws.com",
        "ConsoleLogin",
        {
          id: { type: "IAMUser", principalId: IAM_IDS.cto, arn: `arn:aws:iam::${ACCOUNT}:user/cto-suzuki`, accountId: ACCOUNT, userName: "cto-suzuki" },
          ip: IP.office,
          ua: UA.browser,
        },
        {
          ro: false,
          resp: { ConsoleLogin: "Success" },
          extra: {
            LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
            MobileVersion: "No",
            MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/cto-suzuki`,
            MFAUsed: "Yes",
          },
          eventType: "AwsConsoleSignIn",
        },
      );
      consoleSessions.push({ t, key });
      ctoLast = t;
      const c = cto(t, key);
      t += pr.int(20, 90) * 1000;
      add(t, USE1, "ce.amazonaws.com", "GetCostAndUsage", c, {
        ro: true,
        req: { timePeriod: costPeriod(anchor + t), granularity: "DAILY", metrics: ["UnblendedCost"], groupBy: [{ type: "DIMENSION", key: "SERVICE" }] },
      });
      t += pr.int(20, 200) * 1000;
      add(t, HOME, "ec2.amazonaws.com", "DescribeInstances", c, { ro: true, req: { maxResults: 50, instancesSet: {}, filterSet: {} } });
    }
  }

  // --- The attack ---------------------------------------------------------------------------------------
  const attackerCalls: CloudTrailRecord[] = [];
  const F = T.first;
  const denied = (action: string, resource: string) =>
    [
      "AccessDenied",
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${NAMES.webRole}/${WEB.instanceId} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    ] as [string, string];
  // Built at once: GuardDuty's findings and the graders' facts read them.
  const atk = (t: number, region: string, source: string, name: string, cmd: string, o: Opts) => {
    const rec = record(add(t, region, source, name, attacker(cmd), o));
    attackerCalls.push(rec);
    return rec;
  };
  const s = 1000;
  atk(F, USE1, "sts.amazonaws.com", "GetCallerIdentity", "sts.get-caller-identity", { ro: true });
  atk(F + 41 * s, USE1, "iam.amazonaws.com", "ListUsers", "iam.list-users", { ro: true, err: denied("iam:ListUsers", `arn:aws:iam::${ACCOUNT}:user/`) });
  atk(F + 58 * s, USE1, "iam.amazonaws.com", "ListRoles", "iam.list-roles", { ro: true, err: denied("iam:ListRoles", `arn:aws:iam::${ACCOUNT}:role/`) });
  atk(F + 77 * s, USE1, "iam.amazonaws.com", "ListAttachedRolePolicies", "iam.list-attached-role-policies", {
    ro: true,
    req: { roleName: NAMES.webRole },
    err: denied("iam:ListAttachedRolePolicies", ROLE_ARN),
  });
  atk(F + 95 * s, USE1, "iam.amazonaws.com", "GetAccountAuthorizationDetails", "iam.get-account-authorization-details", {
    ro: true,
    err: denied("iam:GetAccountAuthorizationDetails", "*"),
  });
  atk(F + 170 * s, HOME, "ec2.amazonaws.com", "DescribeRegions", "ec2.describe-regions", { ro: true, req: { regionSet: {} } });
  atk(F + 201 * s, HOME, "ec2.amazonaws.com", "DescribeInstances", "ec2.describe-instances", { ro: true, req: { instancesSet: {}, filterSet: {} } });
  atk(F + 224 * s, HOME, "ec2.amazonaws.com", "DescribeSecurityGroups", "ec2.describe-security-groups", {
    ro: true,
    req: { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} },
  });
  atk(F + 246 * s, HOME, "ec2.amazonaws.com", "DescribeVpcs", "ec2.describe-vpcs", { ro: true, req: { vpcSet: {}, filterSet: {} } });
  atk(F + 262 * s, HOME, "ec2.amazonaws.com", "DescribeKeyPairs", "ec2.describe-key-pairs", { ro: true, req: { keySet: {}, keyPairIdSet: {}, filterSet: {} } });
  atk(F + 300 * s, USE1, "ec2.amazonaws.com", "DescribeInstances", "ec2.describe-instances", { ro: true, req: { instancesSet: {}, filterSet: {} } });
  atk(F + 362 * s, USE1, "s3.amazonaws.com", "ListBuckets", "s3.ls", {
    ro: true,
    req: { Host: "s3.amazonaws.com" },
    extra: {
      SignatureVersion: "SigV4",
      CipherSuite: "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: 0,
      AuthenticationMethod: "AuthHeader",
      bytesTransferredOut: 812,
    },
    host: "s3.amazonaws.com",
  });
  atk(F + 419 * s, HOME, "s3.amazonaws.com", "ListObjects", "s3.ls", {
    ro: true,
    data: true,
    req: { "list-type": "2", bucketName: NAMES.backups, "encoding-type": "url", prefix: "", delimiter: "/", Host: s3Host(NAMES.backups) },
    extra: s3Extra(0, 0),
    resources: s3Res(NAMES.backups),
    host: s3Host(NAMES.backups),
  });
  atk(F + 433 * s, HOME, "s3.amazonaws.com", "ListObjects", "s3.ls", {
    ro: true,
    data: true,
    req: { "list-type": "2", bucketName: NAMES.backups, "encoding-type": "url", prefix: "db/", delimiter: "/", Host: s3Host(NAMES.backups) },
    extra: s3Extra(0, 0),
    resources: s3Res(NAMES.backups),
    host: s3Host(NAMES.backups),
  });
  const latestDump = [...daily].filter((d) => d.dumpAt < F).pop()!;
  atk(F + 478 * s, HOME, "s3.amazonaws.com", "GetObject", "s3.cp", {
    ro: true,
    data: true,
    req: { bucketName: NAMES.backups, Host: s3Host(NAMES.backups), key: latestDump.dumpKey },
    extra: s3Extra(() => dumpBody(latestDump.dumpKey.slice(12, 20)).length, 0),
    resources: s3Res(NAMES.backups, latestDump.dumpKey),
    host: s3Host(NAMES.backups),
  });
  atk(F + 611 * s, USE1, "iam.amazonaws.com", "CreateUser", "iam.create-user", {
    ro: false,
    req: { userName: "aws-support-sync" },
    err: denied("iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/aws-support-sync`),
  });
  atk(F + 730 * s, HOME, "ec2.amazonaws.com", "DescribeAccountAttributes", "ec2.describe-account-attributes", {
    ro: true,
    req: { accountAttributeNameSet: {}, filterSet: {} },
  });
  // Both regions: find the current Amazon Linux AMI, make a key pair and an SSH-open group, launch miners.
  const launch = (region: Region, base: number, launchAt: number, count: number) => {
    atk(base, region, "ec2.amazonaws.com", "DescribeImages", "ec2.describe-images", {
      ro: true,
      req: {
        executableBySet: {},
        imagesSet: {},
        ownersSet: { items: [{ owner: "amazon" }] },
        filterSet: { items: [{ name: "name", valueSet: { items: [{ value: "al2023-ami-2023*-x86_64" }] } }] },
      },
    });
    const kp = KEYS.miner[region];
    atk(base + 62 * s, region, "ec2.amazonaws.com", "CreateKeyPair", "ec2.create-key-pair", {
      ro: false,
      req: { keyName: NAMES.minerKey },
      resp: { requestId: r.uuid(), keyName: NAMES.minerKey, keyFingerprint: kp.fingerprint, keyPairId: kp.id, keyMaterial: "<sensitiveDataRemoved>" },
    });
    const sg = NET.attackerSg[region];
    const vpc = region === HOME ? NET.defaultHome.vpcId : NET.defaultUse1.vpcId;
    atk(base + 88 * s, region, "ec2.amazonaws.com", "CreateSecurityGroup", "ec2.create-security-group", {
      ro: false,
      req: { groupName: NAMES.attackerSg, groupDescription: `launch-wizard-1 created ${new Date(anchor + base + 80 * s).toISOString()}`, vpcId: vpc },
      resp: { requestId: r.uuid(), _return: true, groupId: sg, securityGroupArn: `arn:aws:ec2:${region}:${ACCOUNT}:security-group/${sg}` },
    });
    atk(base + 104 * s, region, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", "ec2.authorize-security-group-ingress", {
      ro: false,
      req: {
        groupId: sg,
        ipPermissions: {
          items: [
            { ipProtocol: "tcp", fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] }, ipv6Ranges: {}, prefixListIds: {} },
          ],
        },
      },
      resp: {
        requestId: r.uuid(),
        _return: true,
        securityGroupRuleSet: {
          items: [
            {
              groupOwnerId: ACCOUNT,
              groupId: sg,
              securityGroupRuleId: sgRuleIds[region],
              isEgress: false,
              ipProtocol: "tcp",
              fromPort: 22,
              toPort: 22,
              cidrIpv4: "0.0.0.0/0",
            },
          ],
        },
      },
    });
    const runReq = (n: number) => ({
      instancesSet: { items: [{ imageId: AMI.al2023[region], minCount: n, maxCount: n, keyName: NAMES.minerKey }] },
      userData: "<sensitiveDataRemoved>",
      instanceType: "c5.4xlarge",
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      disableApiStop: false,
      clientToken: r.uuid(),
      groupSet: { items: [{ groupId: sg }] },
    });
    if (region === HOME) {
      atk(launchAt - 71 * s, region, "ec2.amazonaws.com", "RunInstances", "ec2.run-instances", {
        ro: false,
        req: runReq(10),
        err: [
          "Client.VcpuLimitExceeded",
          "You have requested more vCPU capacity than your current vCPU limit of 64 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
        ],
      });
    }
    const ms = MINERS[region];
    const req = runReq(count);
    atk(launchAt, region, "ec2.amazonaws.com", "RunInstances", "ec2.run-instances", {
      ro: false,
      req,
      resp: {
        requestId: r.uuid(),
        reservationId: ms[0].reservationId,
        ownerId: ACCOUNT,
        groupSet: {},
        instancesSet: { items: ms.map((m) => runItem(m, anchor + launchAt, req.clientToken)) },
      },
    });
  };
  const sgRuleIds = { [HOME]: new Rng("sgr").resId("sgr"), [USE1]: new Rng("sgr2").resId("sgr") } as Record<Region, string>;
  launch(HOME, T.launchHome - 200 * s, T.launchHome, MINERS[HOME].length);
  launch(USE1, T.launchUse1 - 150 * s, T.launchUse1, MINERS[USE1].length);
  atk(T.lastAttacker - 41 * s, HOME, "ec2.amazonaws.com", "DescribeInstances", "ec2.describe-instances", {
    ro: true,
    req: { instancesSet: {}, filterSet: { items: [{ name: "key-name", valueSet: { items: [{ value: NAMES.minerKey }] } }] } },
  });
  atk(T.lastAttacker, USE1, "ec2.amazonaws.com", "DescribeInstances", "ec2.describe-instances", {
    ro: true,
    req: { instancesSet: {}, filterSet: { items: [{ name: "key-name", valueSet: { items: [{ value: NAMES.minerKey }] } }] } },
  });

  // --- Discovery day: the CTO stops the miners, images the web server, then stops it ---------------------
  {
    let t = T.ctoLogin;
    const key = pr.accessKeyId("ASIA");
    add(
      t,
      USE1,
      "signin.amazonaws.com",
      "ConsoleLogin",
      {
        id: { type: "IAMUser", principalId: IAM_IDS.cto, arn: `arn:aws:iam::${ACCOUNT}:user/cto-suzuki`, accountId: ACCOUNT, userName: "cto-suzuki" },
        ip: IP.office,
        ua: UA.browser,
      },
      {
        ro: false,
        resp: { ConsoleLogin: "Success" },
        extra: {
          LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
          MobileVersion: "No",
          MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/cto-suzuki`,
          MFAUsed: "Yes",
        },
        eventType: "AwsConsoleSignIn",
      },
    );
    consoleSessions.push({ t, key });
    ctoLast = t;
    const c = cto(T.ctoLogin, key);
    t += 2 * MIN;
    add(t, USE1, "ce.amazonaws.com", "GetCostAndUsage", c, {
      ro: true,
      req: { timePeriod: costPeriod(anchor + t), granularity: "DAILY", metrics: ["UnblendedCost"], groupBy: [{ type: "DIMENSION", key: "SERVICE" }] },
    });
    add(T.ctoLogin + 5 * MIN, HOME, "ec2.amazonaws.com", "DescribeInstances", c, { ro: true, req: { maxResults: 50, instancesSet: {}, filterSet: {} } });
    add(T.ctoLogin + 7 * MIN, USE1, "ec2.amazonaws.com", "DescribeInstances", c, { ro: true, req: { maxResults: 50, instancesSet: {}, filterSet: {} } });
    const stop = (at2: number, region: Region, ids: string[]) =>
      add(at2, region, "ec2.amazonaws.com", "StopInstances", c, {
        ro: false,
        req: { instancesSet: { items: ids.map((instanceId) => ({ instanceId })) }, force: false },
        resp: {
          requestId: r.uuid(),
          instancesSet: {
            items: ids.map((instanceId) => ({ instanceId, currentState: { code: 64, name: "stopping" }, previousState: { code: 16, name: "running" } })),
          },
        },
      });
    stop(
      T.stopMinersHome,
      HOME,
      MINERS[HOME].map((m) => m.instanceId),
    );
    stop(
      T.stopMinersUse1,
      USE1,
      MINERS[USE1].map((m) => m.instanceId),
    );
    add(T.createImage - 3 * MIN, HOME, "ec2.amazonaws.com", "DescribeInstances", c, { ro: true, req: { maxResults: 50, instancesSet: {}, filterSet: {} } });
    add(T.createImage, HOME, "ec2.amazonaws.com", "CreateImage", c, {
      ro: false,
      req: {
        instanceId: WEB.instanceId,
        name: imageName(anchor),
        description: "secutter-web preserved before incident response",
        noReboot: true,
        blockDeviceMapping: {},
      },
      resp: { requestId: r.uuid(), imageId: AMI.backupImage },
    });
    stop(T.stopWeb, HOME, [WEB.instanceId]);
  }

  let history: CloudTrailRecord[] | undefined;
  return {
    get history() {
      history ??= events.sort((a, b) => a.t - b.t || a.seq - b.seq).map(record);
      return history;
    },
    async prepare() {
      for (let i = 0; i < events.length && !history; ) {
        const until = performance.now() + 4;
        for (const end = Math.min(events.length, i + 4096); i < end && (i % 64 !== 0 || performance.now() < until); i++) record(events[i]);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    lastEventTime(match) {
      let last: Event | undefined;
      for (const [id, e] of newest) if (match(id as Record<string, unknown>) && (!last || e.t > last.t || (e.t === last.t && e.seq > last.seq))) last = e;
      return last ? at(last.t) : "";
    },
    sessions,
    stolen,
    daily,
    snapshotsBefore,
    attackerCalls,
    exfiltratedKey: latestDump.dumpKey,
    lastUsed: { dev: devLast, backup: backupLast, ctoLogin: ctoLast },
    consoleSessions,
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** STS's expiration as CloudTrail prints it: "Jul 10, 2023, 6:30:22 PM" (UTC). */
function stsExpiration(ms: number): string {
  const d = new Date(ms - (ms % 1000));
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
}

/** Cost Explorer's month-to-date window as the console asks for it. */
function costPeriod(ms: number) {
  const d = jstDate(ms);
  return { start: `${d.slice(0, 4)}-${d.slice(4, 6)}-01`, end: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` };
}

export function imageName(anchor: number): string {
  return `secutter-web-ir-${jstDate(anchor + T.createImage)}`;
}

/** One instance in a RunInstances response, as CloudTrail records it (times in epoch milliseconds). */
function runItem(m: MinerSpec, launch: number, clientToken: string) {
  const group = { groupId: NET.attackerSg[m.region], groupName: NAMES.attackerSg };
  const dns = m.region === USE1 ? `ip-${m.privateIp.replaceAll(".", "-")}.ec2.internal` : `ip-${m.privateIp.replaceAll(".", "-")}.${m.region}.compute.internal`;
  const vpc = m.region === HOME ? NET.defaultHome.vpcId : NET.defaultUse1.vpcId;
  const lt = launch - (launch % 1000);
  return {
    instanceId: m.instanceId,
    imageId: AMI.al2023[m.region],
    currentState: { code: 0, name: "pending" },
    privateDnsName: dns,
    keyName: NAMES.minerKey,
    amiLaunchIndex: m.launchIndex,
    productCodes: {},
    instanceType: "c5.4xlarge",
    launchTime: lt,
    placement: { availabilityZone: m.az, tenancy: "default" },
    monitoring: { state: "disabled" },
    subnetId: m.subnetId,
    vpcId: vpc,
    privateIpAddress: m.privateIp,
    stateReason: { code: "pending", message: "pending" },
    architecture: "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    blockDeviceMapping: {},
    virtualizationType: "hvm",
    hypervisor: "xen",
    clientToken,
    groupSet: { items: [group] },
    sourceDestCheck: true,
    networkInterfaceSet: {
      items: [
        {
          networkInterfaceId: m.eniId,
          subnetId: m.subnetId,
          vpcId: vpc,
          ownerId: ACCOUNT,
          status: "in-use",
          macAddress: m.mac,
          privateIpAddress: m.privateIp,
          privateDnsName: dns,
          sourceDestCheck: true,
          interfaceType: "interface",
          groupSet: { items: [group] },
          attachment: { attachmentId: m.attachmentId, deviceIndex: 0, networkCardIndex: 0, status: "attaching", attachTime: lt, deleteOnTermination: true },
          privateIpAddressesSet: { item: [{ privateIpAddress: m.privateIp, privateDnsName: dns, primary: true }] },
          ipv6AddressesSet: {},
          tagSet: {},
        },
      ],
    },
    ebsOptimized: false,
    enaSupport: true,
    cpuOptions: { coreCount: 8, threadsPerCore: 2 },
    capacityReservationSpecification: { capacityReservationPreference: "open" },
    enclaveOptions: { enabled: false },
    metadataOptions: {
      state: "pending",
      httpTokens: "required",
      httpPutResponseHopLimit: 2,
      httpEndpoint: "enabled",
      httpProtocolIpv4: "enabled",
      httpProtocolIpv6: "disabled",
      instanceMetadataTags: "disabled",
    },
    maintenanceOptions: { autoRecovery: "default" },
    privateDnsNameOptions: { hostnameType: "ip-name", enableResourceNameDnsARecord: false, enableResourceNameDnsAAAARecord: false },
  };
}

export { PROFILE_ARN, ROLE_ARN };
