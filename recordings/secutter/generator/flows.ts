/** VPC flow records (version 2 default format) for the web server's ENI and the miners, in offset space. */
import { Rng } from "./prng.ts";
import { webRequests } from "./web.ts";
import { DOMAIN, HOME, IP, MIN, MINERS, type MinerSpec, NET, type Region, T, USE1, WEB } from "./world.ts";

export interface FlowRec {
  flowLog: string;
  region: Region;
  eni: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: "ACCEPT" | "REJECT";
}

/** A scanner hitting a miner's open SSH port: the basis of the PortProbe findings. */
export interface Probe {
  instanceId: string;
  region: Region;
  ip: string;
  t: number;
}

export interface FlowModel {
  records: FlowRec[];
  probes: Probe[];
  /** Per miner: when its DNS lookups of the pool began and ended, and how many there were. */
  dns: Map<string, { first: number; last: number; count: number }>;
}

const WINDOW = 10 * MIN;
let cachedWeb: FlowRec[] | undefined;
let cachedMiners: FlowModel | undefined;
let cachedAll: FlowModel | undefined;

export function minerWindow(m: MinerSpec): { up: number; down: number } {
  return m.region === HOME ? { up: T.launchHome + 75_000, down: T.stopMinersHome } : { up: T.launchUse1 + 75_000, down: T.stopMinersUse1 };
}

/** Everything, sorted by start time (what the flow-log files hold). */
export function flowModel(): FlowModel {
  if (!cachedAll) {
    const m = minerFlows();
    const records = [...webFlows(), ...m.records];
    records.sort((a, b) => a.start - b.start || (a.eni < b.eni ? -1 : a.eni > b.eni ? 1 : 0));
    cachedAll = { records, probes: m.probes, dns: m.dns };
  }
  return cachedAll;
}

function recorder(r: Rng, records: FlowRec[]) {
  const eph = () => r.int(32768, 60999);
  const pair = (
    fl: string,
    region: Region,
    eni: string,
    local: string,
    remote: string,
    lport: number,
    rport: number,
    start: number,
    end: number,
    reqs: number,
    outBytes: number,
    inBytes: number,
    inbound: boolean,
  ) => {
    const pin = Math.max(1, Math.round(inBytes / 900) + reqs * 3);
    const pout = Math.max(1, Math.round(outBytes / 1200) + reqs * 2);
    const s = Math.floor(start / 1000) * 1000;
    const e = Math.max(s + 1000, Math.floor(end / 1000) * 1000);
    if (inbound) {
      records.push({
        flowLog: fl,
        region,
        eni,
        src: remote,
        dst: local,
        sport: rport,
        dport: lport,
        proto: 6,
        packets: pin,
        bytes: inBytes,
        start: s,
        end: e,
        action: "ACCEPT",
      });
      records.push({
        flowLog: fl,
        region,
        eni,
        src: local,
        dst: remote,
        sport: lport,
        dport: rport,
        proto: 6,
        packets: pout,
        bytes: outBytes,
        start: s,
        end: e,
        action: "ACCEPT",
      });
    } else {
      records.push({
        flowLog: fl,
        region,
        eni,
        src: local,
        dst: remote,
        sport: lport,
        dport: rport,
        proto: 6,
        packets: pout,
        bytes: outBytes,
        start: s,
        end: e,
        action: "ACCEPT",
      });
      records.push({
        flowLog: fl,
        region,
        eni,
        src: remote,
        dst: local,
        sport: rport,
        dport: lport,
        proto: 6,
        packets: pin,
        bytes: inBytes,
        start: s,
        end: e,
        action: "ACCEPT",
      });
    }
  };
  return { eph, pair };
}

/** The web server's ENI: derived from the nginx requests, so only built when the flow-log files are read. */
function webFlows(): FlowRec[] {
  if (cachedWeb) return cachedWeb;
  const r = new Rng("flows-web");
  const records: FlowRec[] = [];
  const { eph, pair } = recorder(r, records);
  // The web server: one flow per client per aggregation window, sized from the nginx requests.
  const groups = new Map<string, { ip: string; first: number; last: number; n: number; bytes: number }>();
  for (const q of webRequests()) {
    const k = `${q.ip}|${Math.floor(q.t / WINDOW)}`;
    const g = groups.get(k);
    if (g) {
      g.last = q.t;
      g.n++;
      g.bytes += q.bytes;
    } else groups.set(k, { ip: q.ip, first: q.t, last: q.t, n: 1, bytes: q.bytes });
  }
  for (const g of groups.values()) {
    const port = eph();
    pair(
      NET.flowLogs.app,
      HOME,
      WEB.eniId,
      IP.webPrivate,
      g.ip,
      443,
      port,
      g.first - 200,
      g.last + r.int(1000, 5000),
      g.n,
      g.bytes + g.n * 420 + 4200,
      g.n * 520 + 1900,
      true,
    );
  }
  // The SSRF test fetch: the web server itself connected out to the attacker's host.
  const test = webRequests().find((q) => q.ip === IP.attacker && q.path.includes(`${IP.minerHost}%2Ftest.png`));
  if (test) pair(NET.flowLogs.app, HOME, WEB.eniId, IP.webPrivate, IP.minerHost, eph(), 80, test.t + 100, test.t + 700, 1, 310, 4790, false);
  // Background: scanners knocking on SSH/RDP/Telnet of the web server, rejected by its group.
  for (let t = T.historyStart + r.int(0, 3 * 3600_000); t < T.stopWeb; t += r.int(40 * MIN, 4 * 3600_000)) {
    const s = Math.floor(t / 1000) * 1000;
    records.push({
      flowLog: NET.flowLogs.app,
      region: HOME,
      eni: WEB.eniId,
      src: `192.0.2.${r.int(200, 230)}`,
      dst: IP.webPrivate,
      sport: eph(),
      dport: r.pick([22, 22, 23, 3389, 3306, 8080]),
      proto: 6,
      packets: 1,
      bytes: 44,
      start: s,
      end: s + r.int(5, 50) * 1000,
      action: "REJECT",
    });
  }

  cachedWeb = records;
  return records;
}

/** The miners' ENIs: small, and needed by the GuardDuty findings at generate time. */
export function minerFlows(): FlowModel {
  if (cachedMiners) return cachedMiners;
  const r = new Rng("flows-miners");
  const records: FlowRec[] = [];
  const { eph, pair } = recorder(r, records);
  // The miners: fetch xmrig once, then hold a stratum connection to the pool until stopped.
  const probes: Probe[] = [];
  const dns = new Map<string, { first: number; last: number; count: number }>();
  for (const region of [HOME, USE1] as Region[]) {
    const fl = region === HOME ? NET.flowLogs.defaultHome : NET.flowLogs.defaultUse1;
    for (const m of MINERS[region]) {
      const { up, down } = minerWindow(m);
      const dl = up + r.int(3000, 9000);
      pair(fl, region, m.eniId, m.privateIp, IP.minerHost, eph(), 80, dl, dl + 2400, 1, 920, 6_412_288 + r.int(0, 2000), false);
      const port = eph();
      let count = 0;
      for (let w = Math.floor(dl / WINDOW) * WINDOW; w < down; w += WINDOW) {
        const s = Math.max(w, dl + 3000);
        const e = Math.min(w + WINDOW - r.int(1000, 20000), down);
        if (e <= s) continue;
        const share = r.int(18, 34);
        pair(
          fl,
          region,
          m.eniId,
          m.privateIp,
          IP.minerHost,
          port,
          DOMAIN.poolPort,
          s,
          e,
          share,
          share * 410 + r.int(0, 300),
          share * 230 + 1800 + r.int(0, 300),
          false,
        );
        count++;
      }
      dns.set(m.instanceId, { first: dl - 2000, last: down - r.int(60_000, 240_000), count: count + r.int(2, 6) });
      // Internet scanners find the world-open SSH port within minutes.
      for (let t = up + r.int(4, 25) * MIN; t < down; t += r.int(35, 150) * MIN) {
        const ip = `192.0.2.${r.int(200, 230)}`;
        const s = Math.floor(t / 1000) * 1000;
        const sp = eph();
        records.push({
          flowLog: fl,
          region,
          eni: m.eniId,
          src: ip,
          dst: m.privateIp,
          sport: sp,
          dport: 22,
          proto: 6,
          packets: r.int(3, 12),
          bytes: r.int(180, 2600),
          start: s,
          end: s + r.int(2, 30) * 1000,
          action: "ACCEPT",
        });
        records.push({
          flowLog: fl,
          region,
          eni: m.eniId,
          src: m.privateIp,
          dst: ip,
          sport: 22,
          dport: sp,
          proto: 6,
          packets: r.int(3, 12),
          bytes: r.int(900, 3200),
          start: s,
          end: s + r.int(2, 30) * 1000,
          action: "ACCEPT",
        });
        probes.push({ instanceId: m.instanceId, region, ip, t: s });
      }
    }
  }
  // The attacker checked one miner over SSH with the new key.
  const m0 = MINERS[HOME][0];
  pair(NET.flowLogs.defaultHome, HOME, m0.eniId, m0.privateIp, IP.attacker, 22, eph(), T.launchHome + 6 * MIN, T.launchHome + 9 * MIN, 40, 38_112, 9_204, true);

  cachedMiners = { records, probes, dns };
  return cachedMiners;
}

export const FLOW_HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

export function flowLine(f: FlowRec, anchor: number, account: string): string {
  return `2 ${account} ${f.eni} ${f.src} ${f.dst} ${f.sport} ${f.dport} ${f.proto} ${f.packets} ${f.bytes} ${Math.floor((anchor + f.start) / 1000)} ${Math.floor((anchor + f.end) / 1000)} ${f.action} OK`;
}
