/**
 * exposed-credentials: every source tells the same story (the event history, the trail's files with their gap,
 * GuardDuty, Security Hub, flow logs, the resources), and the walkthrough's containment with the real aws CLI earns a
 * full grade, where a grade before it names no answer.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { CloudTrailClient, GetTrailStatusCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GetFindingsCommand, GuardDutyClient, ListDetectorsCommand, ListFindingsCommand } from "@aws-sdk/client-guardduty";
import { GetFindingsCommand as HubFindings, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "../../emulator/core/records.ts";
import { normalizeId, normalizeText } from "../../emulator/grading/answers.ts";
import { formatReport, grade } from "../../emulator/grading/grade.ts";
import { loadAssessment } from "../../emulator/grading/load.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import { build } from "../../emulator/scenario/timeline/index.ts";
import { gradingSnapshot } from "../../emulator/server/app.ts";
import type { Ec2State } from "../../emulator/services/ec2/state.ts";
import type { GuardDutyState } from "../../emulator/services/guardduty/state.ts";
import type { IamState } from "../../emulator/services/iam/state.ts";
import { exposedCredentialsAnswers, exposedCredentialsFacts } from "../../scripts/make-assessment-exposed-credentials.ts";
import { hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const run = promisify(execFile);
const NAME = "exposed-credentials";
const ACCOUNT = "270834561290";
const REGIONS = ["ap-northeast-1", "us-east-1", "us-west-2"];
const OFFICE = "192.0.2.10";
const { dir, manifest } = loadScenario(NAME);
const out = join(dir, "build");

type Rec = CloudTrailRecord & {
  awsRegion: string;
  sourceIPAddress: string;
  eventCategory: string;
  errorCode?: string;
  userIdentity: { accessKeyId?: string; arn?: string; userName?: string };
};
type Finding = GuardDutyState["findings"][string];

let history: Rec[];
let state: { accounts: Record<string, { global: { iam: IamState }; regions: Record<string, Record<string, unknown>> }> };
/** Every record of the trail's log files, by eventID. */
const inTrailFiles = new Map<string, Rec>();
let facts: ReturnType<typeof exposedCredentialsFacts>;
let saved: Record<string, Record<string, unknown>>;

const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
const ec2 = (region: string) => state.accounts[ACCOUNT].regions[region].ec2 as Ec2State;
const findings = (region: string): Finding[] => Object.values((state.accounts[ACCOUNT].regions[region].guardduty as GuardDutyState).findings);
const allFindings = () => REGIONS.flatMap((r) => findings(r).map((f) => ({ region: r, f })));
const key = (r: Rec) => r.userIdentity.accessKeyId ?? "";
const sessionKey = (name: string) => (saved[name].Credentials as { AccessKeyId: string }).AccessKeyId;

beforeAll(async () => {
  // Fresh unless the timeline changed since the last build (then ~15 s).
  await build(dir, manifest, { ifStale: true });
  facts = exposedCredentialsFacts();
  saved = (JSON.parse(readFileSync(join(out, "facts.json"), "utf8")) as { saved: typeof saved }).saved;
  history = readFileSync(join(out, "history.ndjson"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  state = JSON.parse(readFileSync(join(out, "state.json"), "utf8"));
  for (const f of files(join(out, "objects", facts.trailBucket, "AWSLogs", ACCOUNT, "CloudTrail"))) {
    for (const r of (JSON.parse(gunzipSync(readFileSync(f)).toString()) as { Records: Rec[] }).Records) inTrailFiles.set(r.eventID, r);
  }
}, 60_000);

/** The intruder's calls: the exposed key from anywhere but the office, the devRole sessions it opened, the backdoor's key. */
function intruderRecords(): Rec[] {
  const keys = new Set([sessionKey("attackerDevRole"), sessionKey("attackerDevRole2"), facts.backdoor.AccessKeyId]);
  return history.filter((r) => keys.has(key(r)) || (key(r) === facts.exposedKey && r.sourceIPAddress !== OFFICE));
}

describe("the trail's files have a gap; the event history does not", () => {
  it("stops the files at the StopLogging, whose time the trail's status and GuardDuty's finding repeat", () => {
    const stop = facts.stop;
    const trail = Object.values(
      (state.accounts[ACCOUNT].regions["ap-northeast-1"].cloudtrail as { trails: Record<string, Record<string, unknown>> }).trails,
    )[0];
    expect(trail).toMatchObject({ Name: facts.trail, IsLogging: false });
    expect(Date.parse(String(trail.StopLoggingTime))).toBe(Date.parse(stop.eventTime));
    const last = [...inTrailFiles.values()].reduce((a, r) => (r.eventTime > a ? r.eventTime : a), "");
    expect(last).toBe(stop.eventTime);
    expect(inTrailFiles.has(stop.eventID)).toBe(true);
    const stealth = allFindings().filter(({ f }) => f.Type === "Stealth:IAMUser/CloudTrailLoggingDisabled");
    expect(stealth).toHaveLength(1);
    expect(stealth[0].f.Resource?.AccessKeyDetails?.AccessKeyId).toBe(key(stop as Rec));
    expect(Date.parse(String(stealth[0].f.Service?.EventFirstSeen))).toBe(Date.parse(stop.eventTime));
    expect(stealth[0].f.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4).toBe(stop.sourceIPAddress);
  });

  it("has every management event in the files while the trail logged, and after it none, though the history goes on", () => {
    const start = history.find((r) => r.eventName === "StartLogging");
    if (!start) throw new Error("no StartLogging");
    const logged = history.filter((r) => r.eventCategory !== "Data" && r.eventTime >= start.eventTime && r.eventTime <= facts.stop.eventTime);
    expect(logged.filter((r) => !inTrailFiles.has(r.eventID)).map((r) => `${r.eventTime} ${r.eventName}`)).toEqual([]);
    const after = history.filter((r) => r.eventTime > facts.stop.eventTime);
    expect(after.length).toBeGreaterThan(40);
    expect(after.filter((r) => inTrailFiles.has(r.eventID))).toEqual([]);
    // What the intruder did after the stop is in the history only: the backdoor and the miners.
    expect(after.filter((r) => ["CreateUser", "CreateAccessKey", "RunInstances"].includes(r.eventName)).length).toBeGreaterThanOrEqual(7);
  });

  it("logs data events of the customer-data bucket only, and the intruder's reads are among them", () => {
    const data = [...inTrailFiles.values()].filter((r) => r.eventCategory === "Data");
    expect(data.length).toBeGreaterThan(500);
    expect(new Set(data.map((r) => (r.requestParameters as { bucketName: string }).bucketName))).toEqual(new Set([facts.dataBucket]));
    const reads = data.filter((r) => r.eventName === "GetObject" && key(r) === sessionKey("attackerDevRole"));
    expect(reads.map((r) => (r.requestParameters as { key: string }).key)).toEqual(facts.exfiltrated);
    expect(reads.every((r) => r.sourceIPAddress === facts.ips.attacker)).toBe(true);
    const exfil = allFindings().filter(({ f }) => f.Type === "Exfiltration:S3/AnomalousBehavior");
    expect(exfil).toHaveLength(1);
    expect(exfil[0].f.Service?.Count).toBe(reads.length);
    expect(exfil[0].f.Resource?.AccessKeyDetails?.AccessKeyId).toBe(sessionKey("attackerDevRole"));
    expect(Date.parse(String(exfil[0].f.Service?.EventFirstSeen))).toBe(Date.parse(reads[0].eventTime));
    expect(Date.parse(String(exfil[0].f.Service?.EventLastSeen))).toBe(Date.parse(reads.at(-1)?.eventTime ?? ""));
  });
});

describe("GuardDuty, the history and the resources agree", () => {
  it("each API finding's key, address and first and last moments are calls in the history", () => {
    const bad: string[] = [];
    for (const { region, f } of allFindings()) {
      const k = f.Resource?.AccessKeyDetails?.AccessKeyId;
      if (!k) continue;
      const ip = f.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4;
      const at = (iso: unknown) => history.filter((r) => key(r) === k && Date.parse(r.eventTime) === Date.parse(String(iso)));
      const first = at(f.Service?.EventFirstSeen);
      const lastCalls = at(f.Service?.EventLastSeen);
      const ok = first.length > 0 && lastCalls.length > 0 && [...first, ...lastCalls].some((r) => r.sourceIPAddress === ip);
      if (!ok) bad.push(`${region} ${f.Type} ${k}`);
    }
    expect(bad).toEqual([]);
  });

  it("the miners: RunInstances, the instances, their user data and GuardDuty's crypto findings name the same five", () => {
    const launched: Record<string, string[]> = {};
    for (const r of intruderRecords()) {
      if (r.eventName !== "RunInstances" || r.errorCode) continue;
      const ids = (r.responseElements as { instances: { instanceId: string }[] }).instances.map((i) => i.instanceId);
      launched[r.awsRegion] = [...(launched[r.awsRegion] ?? []), ...ids];
    }
    expect(launched).toEqual(facts.miners);
    expect(Object.values(launched).flat()).toHaveLength(5);
    for (const [region, ids] of Object.entries(launched)) {
      const withKey = Object.values(ec2(region).instances).filter((i) => i.KeyName === "aws-ops");
      expect(withKey.map((i) => i.InstanceId).sort()).toEqual([...ids].sort());
      for (const i of withKey) {
        expect(i.DisableApiTermination).toBe(true);
        expect(Buffer.from(String(i.UserData), "base64").toString()).toContain(facts.poolDomain);
      }
      for (const type of ["CryptoCurrency:EC2/BitcoinTool.B!DNS", "CryptoCurrency:EC2/BitcoinTool.B"]) {
        const fs = findings(region).filter((f) => f.Type === type);
        expect(fs.map((f) => f.Resource?.InstanceDetails?.InstanceId).sort()).toEqual([...ids].sort());
      }
      for (const f of findings(region).filter((x) => x.Type === "CryptoCurrency:EC2/BitcoinTool.B!DNS")) {
        expect(f.Service?.Action?.DnsRequestAction?.Domain).toBe(facts.poolDomain);
      }
    }
    // No crypto finding in the home region, where nothing was launched.
    expect(findings("ap-northeast-1").filter((f) => f.Type?.startsWith("CryptoCurrency"))).toEqual([]);
  });

  it("the backdoor: created by the session, its key in IAM with AdministratorAccess, used only from the second VPS", () => {
    const iam = state.accounts[ACCOUNT].global.iam;
    const user = iam.users[facts.backdoor.UserName];
    expect(user.AttachedPolicies).toEqual(["arn:aws:iam::aws:policy/AdministratorAccess"]);
    expect(user.AccessKeys.map((k) => k.AccessKeyId)).toEqual([facts.backdoor.AccessKeyId]);
    const created = history.find((r) => r.eventName === "CreateAccessKey");
    if (!created) throw new Error("no CreateAccessKey in the history");
    expect(key(created)).toBe(sessionKey("attackerDevRole"));
    expect((created.responseElements as { accessKey: { accessKeyId: string } }).accessKey.accessKeyId).toBe(facts.backdoor.AccessKeyId);
    const used = history.filter((r) => key(r) === facts.backdoor.AccessKeyId);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used.map((r) => r.sourceIPAddress))).toEqual(new Set([facts.ips.backdoor]));
    expect(allFindings().some(({ f }) => f.Resource?.AccessKeyDetails?.UserName === facts.backdoor.UserName)).toBe(true);
  });

  it("every call of the intruder is in at least two sources", () => {
    const state1 = (r: Rec): boolean => {
      const p = r.requestParameters as Record<string, unknown> | null;
      const iam = state.accounts[ACCOUNT].global.iam;
      switch (r.eventName) {
        case "CreateUser":
        case "AttachUserPolicy":
          return Boolean(iam.users[String(p?.userName)]);
        case "CreateAccessKey":
          return iam.users[String(p?.userName)]?.AccessKeys.length > 0;
        case "RunInstances":
          return !r.errorCode && Boolean(ec2(r.awsRegion).instances[(r.responseElements as { instances: { instanceId: string }[] }).instances[0].instanceId]);
        case "ModifyInstanceAttribute":
          return ec2(r.awsRegion).instances[String(p?.instanceId)]?.DisableApiTermination === true;
        case "ImportKeyPair":
          return Boolean(ec2(r.awsRegion).keyPairs[String(p?.keyName)]);
        case "CreateSecurityGroup":
        case "AuthorizeSecurityGroupIngress":
          return Object.values(ec2(r.awsRegion).securityGroups).some((g) => g.GroupName === "default-ssh");
        default:
          return false;
      }
    };
    const seen = (r: Rec): string[] => {
      const t = Date.parse(r.eventTime);
      const guardDuty = allFindings().some(
        ({ f }) =>
          f.Resource?.AccessKeyDetails?.AccessKeyId === key(r) &&
          Date.parse(String(f.Service?.EventFirstSeen)) <= t &&
          t <= Date.parse(String(f.Service?.EventLastSeen)),
      );
      return [
        ...(r.eventCategory !== "Data" ? ["event history"] : []),
        ...(inTrailFiles.has(r.eventID) ? ["trail files"] : []),
        ...(guardDuty ? ["GuardDuty"] : []),
        ...(state1(r) ? ["resources"] : []),
      ];
    };
    const records = intruderRecords();
    expect(records.length).toBeGreaterThan(50);
    expect(records.filter((r) => seen(r).length < 2).map((r) => `${r.eventTime} ${r.eventName} ${seen(r).join("+")}`)).toEqual([]);
  });

  it("the flow logs: the home VPC's are written, the intruder's regions have none (GuardDuty saw the miners' traffic itself)", () => {
    const flowFiles = files(join(out, "objects", "minato-vpc-flow-logs-270834561290"));
    expect(flowFiles.length).toBeGreaterThan(100);
    expect(flowFiles.every((f) => f.includes("/vpcflowlogs/ap-northeast-1/"))).toBe(true);
    const web = Object.values(ec2("ap-northeast-1").instances).find((i) => i.Tags?.some((t) => t.Value === "web-1"));
    const eni = web?.NetworkInterfaces?.[0].NetworkInterfaceId;
    const lines = flowFiles.flatMap((f) => gunzipSync(readFileSync(f)).toString().split("\n").slice(1).filter(Boolean));
    expect(lines.some((l) => l.includes(` ${eni} ${OFFICE} ${web?.PrivateIpAddress} `) && / 443 6 /.test(l))).toBe(true);
    // The operator's SSH to a miner: no flow log there, but GuardDuty reads the flows itself.
    const ssh = allFindings().filter(({ f }) => f.Type === "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
    expect(ssh.map(({ region, f }) => [region, f.Resource?.InstanceDetails?.InstanceId])).toEqual([["us-east-1", facts.miners["us-east-1"][0]]]);
    expect(ssh[0].f.Service?.Action?.NetworkConnectionAction).toMatchObject({ ConnectionDirection: "INBOUND", LocalPortDetails: { Port: 22 } });
    expect(ssh[0].f.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4).toBe(facts.ips.attacker);
    const pool = allFindings().filter(({ f }) => f.Type === "CryptoCurrency:EC2/BitcoinTool.B");
    expect(new Set(pool.map(({ f }) => f.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4))).toEqual(new Set(["198.51.100.201"]));
  });
});

let server: TestServer;
describe("in the range (shifted to its time)", () => {
  beforeAll(async () => {
    // No --clock: the walkthrough revokes sessions issued before the machine's `date`, so the incident must lie before it.
    server = await startTestServer({ scenario: NAME });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("LookupEvents has the StopLogging at the trail's StopLoggingTime and none of the S3 reads; GuardDuty and Security Hub agree", async () => {
    const shift = server.emulator.runtime.anchor.getTime() - Date.parse(manifest.recordedDiscovery);
    const home = server.sdk();
    const ct = new CloudTrailClient(home);
    const stop = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "StopLogging" }] }));
    expect(stop.Events).toHaveLength(1);
    expect(stop.Events?.[0].EventTime?.getTime()).toBe(Date.parse(facts.stop.eventTime) + shift);
    expect(stop.Events?.[0].AccessKeyId).toBe(sessionKey("attackerDevRole"));
    const status = await ct.send(new GetTrailStatusCommand({ Name: facts.trail }));
    expect(status.IsLogging).toBe(false);
    expect(status.StopLoggingTime?.getTime()).toBe(Date.parse(facts.stop.eventTime) + shift);
    const reads = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetObject" }] }));
    expect(reads.Events).toEqual([]);
    for (const region of REGIONS) {
      const gd = new GuardDutyClient(server.sdk(region));
      const detector = (await gd.send(new ListDetectorsCommand({}))).DetectorIds?.[0];
      const ids = (await gd.send(new ListFindingsCommand({ DetectorId: detector }))).FindingIds ?? [];
      expect(ids.length).toBe(findings(region).length);
      const got = (await gd.send(new GetFindingsCommand({ DetectorId: detector, FindingIds: ids }))).Findings ?? [];
      const hub = await new SecurityHubClient(server.sdk(region)).send(
        new HubFindings({ Filters: { ProductName: [{ Value: "GuardDuty", Comparison: "EQUALS" }] }, MaxResults: 100 }),
      );
      expect(new Set(hub.Findings?.map((f) => f.Id))).toEqual(new Set(got.map((f) => f.Arn)));
    }
    // Security Hub's controls over the same resources: the stopped trail, the intruder's open groups and instances.
    const failed = async (region: string, control: string) =>
      (
        await new SecurityHubClient(server.sdk(region)).send(
          new HubFindings({
            Filters: {
              ComplianceSecurityControlId: [{ Value: control, Comparison: "EQUALS" }],
              ComplianceStatus: [{ Value: "FAILED", Comparison: "EQUALS" }],
              RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
            },
          }),
        )
      ).Findings ?? [];
    const trailControl = await failed("ap-northeast-1", "CloudTrail.1");
    expect(trailControl).toHaveLength(1);
    expect(Date.parse(String(trailControl[0].FirstObservedAt))).toBeGreaterThanOrEqual(Date.parse(facts.stop.eventTime) + shift);
    for (const [region, saveName] of [
      ["us-east-1", "sgVirginia"],
      ["us-west-2", "sgOregon"],
    ]) {
      const group = String(saved[saveName].GroupId);
      expect((await failed(region, "EC2.19")).map((f) => f.Resources?.[0].Id)).toEqual([`arn:aws:ec2:${region}:${ACCOUNT}:security-group/${group}`]);
      const imds = (await failed(region, "EC2.8")).map((f) => String(f.Resources?.[0].Id).split("/").pop());
      expect(imds.sort()).toEqual([...facts.miners[region]].sort());
    }
  });

  it.skipIf(!hasAwsCli)(
    "names no answer before the response; the walkthrough's containment with the real CLI then earns every point",
    async () => {
      const assessment = loadAssessment(dir);
      const { answers } = exposedCredentialsAnswers(server.emulator.runtime.anchor);
      const before = grade(assessment, await gradingSnapshot(server.emulator), {});
      const text = [formatReport(before, "en"), formatReport(grade(assessment, await gradingSnapshot(server.emulator), {}, "ja"), "ja")].join("\n");
      // Times are never withheld (a grade may print the moment an order was broken); every other answer is.
      const times = new Set(assessment.questions.filter((q) => q.kind === "time").map((q) => q.id));
      const values = Object.entries(answers)
        .filter(([id]) => !times.has(id))
        .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
        .flatMap((v) => [v, normalizeId(v)]);
      expect(values.filter((v) => text.toLowerCase().includes(normalizeText(v)))).toEqual([]);
      expect(before.items.filter((i) => i.kind === "containment" && i.status === "pass")).toEqual([]);

      const env = {
        ...server.env,
        PYTHONUNBUFFERED: "1",
        OWNER: facts.exposedUser,
        EXPOSED_KEY: facts.exposedKey,
        ROLE: "devRole",
        BACKDOOR: facts.backdoor.UserName,
        BACKDOOR_KEY: facts.backdoor.AccessKeyId,
      };
      const { stdout } = await run("bash", ["examples/cli/exposed-credentials.sh", "contain"], { env, maxBuffer: 16 * 2 ** 20 });
      expect(stdout).toMatch(/snap-[0-9a-f]{17}/);
      expect(stdout.trim().split("\n").at(-2)).toBe("True");

      const report = grade(assessment, await gradingSnapshot(server.emulator), answers);
      expect(report.items.filter((i) => i.status !== "pass").map((i) => `${i.id}: ${i.evidence.join("; ")}`)).toEqual([]);
      expect(report.score).toBe(report.maxScore);
    },
    120_000,
  );
});
