/**
 * VPC flow logs delivered to S3, derived from the run's traffic (network.ts): for every interface a flow log of the
 * final state covers (its VPC, subnet or the interface itself), one record per direction of each connection per
 * aggregation window, in the log's format (version 2 default, with its header line), written per flow log in files
 * about every five minutes as AWS delivers them:
 * AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_<region>_<flowLogId>_<YYYYMMDDTHHmmZ>_<hash>.log.gz
 */
import type { FlowLog } from "@aws-sdk/client-ec2";
import type { Stored } from "../../../services/stored.ts";
import { DEFAULT_FLOW_LOG_FORMAT } from "../../flow-log-objects.ts";
import type { BuildOutput } from "../model.ts";
import { durationMs } from "../times.ts";
import { datePath, fileStamp, gz, hourOf, MIN, sortedBy } from "./common.ts";
import { ec2Of, type LocalEnd, protocolNumber, type Traffic, trafficOf } from "./network.ts";

/** Flow logs write a file per log about every five minutes. */
const DELIVERY_INTERVAL = 5 * MIN;

/** The version a custom format's fields belong to: a log's ${version} is the highest among its fields. */
const FIELD_VERSION: Record<string, number> = {
  "vpc-id": 3,
  "subnet-id": 3,
  "instance-id": 3,
  "tcp-flags": 3,
  type: 3,
  "pkt-srcaddr": 3,
  "pkt-dstaddr": 3,
  region: 4,
  "az-id": 4,
  "sublocation-type": 4,
  "sublocation-id": 4,
  "pkt-src-aws-service": 5,
  "pkt-dst-aws-service": 5,
  "flow-direction": 5,
  "traffic-path": 5,
};

/** One flow-log record before formatting. */
export interface FlowLine {
  eni: LocalEnd;
  region: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  /** Epoch seconds. */
  start: number;
  end: number;
  action: "ACCEPT" | "REJECT";
  direction: "ingress" | "egress";
  window: number;
}

function fieldsOf(format: string): string[] {
  return [...format.matchAll(/\$\{([a-z0-9-]+)\}/g)].map((m) => m[1]);
}

function render(fields: string[], version: number, account: string, l: FlowLine): string {
  const value = (f: string): string | number => {
    switch (f) {
      case "version":
        return version;
      case "account-id":
        return account;
      case "interface-id":
        return l.eni.eni;
      case "srcaddr":
      case "pkt-srcaddr":
        return l.src;
      case "dstaddr":
      case "pkt-dstaddr":
        return l.dst;
      case "srcport":
        return l.srcPort;
      case "dstport":
        return l.dstPort;
      case "protocol":
        return l.protocol;
      case "packets":
        return l.packets;
      case "bytes":
        return l.bytes;
      case "start":
        return l.start;
      case "end":
        return l.end;
      case "action":
        return l.action;
      case "log-status":
        return "OK";
      case "vpc-id":
        return l.eni.vpcId;
      case "subnet-id":
        return l.eni.subnetId;
      case "instance-id":
        return l.eni.instanceId;
      case "type":
        return "IPv4";
      case "region":
        return l.region;
      case "flow-direction":
        return l.direction;
      default:
        return "-";
    }
  };
  return fields.map(value).join(" ");
}

/** Splits `total` over shares (summing to 1) so the parts are whole and add up to it. */
function split(total: number, shares: number[], atLeast: number): number[] {
  let acc = 0;
  let given = 0;
  return shares.map((s) => {
    acc += s;
    const upTo = Math.round(total * acc);
    const part = Math.max(atLeast, upTo - given);
    given += upTo - given;
    return part;
  });
}

/**
 * The records one interface logs of some traffic, cut into aggregation windows of `windowMs`: the request direction
 * and, when it was admitted and answered, the reply. Addresses of the interface itself are its private address, as
 * flow logs record traffic that came through the internet gateway.
 */
export function flowLines(t: Traffic, side: "src" | "dst", windowMs: number): FlowLine[] {
  const end = side === "src" ? t.srcEnd : t.dstEnd;
  if (!end) return [];
  // The destination sees nothing its source's own groups held back.
  if (side === "dst" && t.srcAction === "REJECT") return [];
  const n = t.srcPorts.length;
  const span = Math.max(1000, t.end - t.start);
  const slot = span / n;
  const out: FlowLine[] = [];
  const proto = protocolNumber(t.protocol);
  const me = end.privateIp;
  const peer = side === "src" ? t.dst : t.src;
  // A step's bytes and packets are the whole traffic's: each connection carries its share.
  const even = Array.from({ length: n }, () => 1 / n);
  const connBytes = split(t.bytes, even, 1);
  const connPackets = split(t.packets, even, 1);
  const connReply = split(t.replyBytes, even, 0);
  for (let i = 0; i < n; i++) {
    const cs = t.start + Math.floor(i * slot);
    const ce = n === 1 ? t.start + span : Math.min(t.start + span, cs + Math.max(1000, Math.floor(slot)));
    const windows: { ws: number; from: number; to: number }[] = [];
    for (let ws = Math.floor(cs / windowMs) * windowMs; ws < ce; ws += windowMs) windows.push({ ws, from: Math.max(cs, ws), to: Math.min(ce, ws + windowMs) });
    const shares = windows.map((w) => (w.to - w.from) / (ce - cs));
    const bytes = split(connBytes[i], shares, 1);
    const packets = split(connPackets[i], shares, 1);
    const rBytes = split(connReply[i], shares, 1);
    const rPackets = split(Math.max(1, Math.ceil(connReply[i] / 1400)), shares, 1);
    const port = t.srcPorts[i];
    windows.forEach((w, k) => {
      const start = Math.floor(w.from / 1000);
      const stop = Math.max(start, Math.floor(w.to / 1000));
      const base = { eni: end, region: t.region, protocol: proto, start, end: stop, window: w.ws };
      const requestAction = side === "src" ? t.srcAction : t.action;
      out.push({
        ...base,
        src: side === "src" ? me : peer,
        dst: side === "src" ? peer : me,
        srcPort: port,
        dstPort: t.dstPort,
        packets: packets[k],
        bytes: bytes[k],
        action: requestAction,
        direction: side === "src" ? "egress" : "ingress",
      });
      if (t.action === "ACCEPT" && connReply[i] > 0) {
        out.push({
          ...base,
          src: side === "src" ? peer : me,
          dst: side === "src" ? me : peer,
          srcPort: t.dstPort,
          dstPort: port,
          packets: rPackets[k],
          bytes: rBytes[k],
          action: "ACCEPT",
          direction: side === "src" ? "ingress" : "egress",
        });
      }
    });
  }
  return out;
}

/** Same 5-tuple, action and window: one record, as a flow log aggregates them. */
function aggregate(lines: FlowLine[]): FlowLine[] {
  const byKey = new Map<string, FlowLine>();
  for (const l of lines) {
    const k = [l.eni.eni, l.src, l.dst, l.srcPort, l.dstPort, l.protocol, l.action, l.window].join("|");
    const had = byKey.get(k);
    if (!had) byKey.set(k, { ...l });
    else {
      had.packets += l.packets;
      had.bytes += l.bytes;
      had.start = Math.min(had.start, l.start);
      had.end = Math.max(had.end, l.end);
    }
  }
  return [...byKey.values()];
}

function covers(fl: Stored<FlowLog>, e: LocalEnd): boolean {
  return fl.ResourceId === e.eni || fl.ResourceId === e.subnetId || fl.ResourceId === e.vpcId;
}

function destinationOf(out: BuildOutput, fl: Stored<FlowLog>): { bucket: string; prefix: string } | undefined {
  // A destination written from the timeline's network section may still hold its ${account}.
  const arn = (fl.LogDestination ?? "").includes("${") ? out.interpolate(fl.LogDestination ?? "") : (fl.LogDestination ?? "");
  const m = /^arn:aws[a-z-]*:s3:::([^/]+)(?:\/(.*))?$/.exec(arn);
  if (!m) return undefined;
  const prefix = (m[2] ?? "").replace(/\/+$/, "");
  return { bucket: m[1], prefix: prefix ? `${prefix}/` : "" };
}

export interface FlowLogSummary {
  files: number;
  records: number;
}

/** The aggregation window: the timeline's flowLogWindow, else the flow log's own interval, else 10 minutes. */
function windowOf(out: BuildOutput, fl: Stored<FlowLog>): number {
  if (out.timeline.flowLogWindow) return durationMs(out.timeline.flowLogWindow);
  return (fl.MaxAggregationInterval ?? 600) * 1000;
}

/** Writes every S3 flow log's files (see the module's comment). */
export function writeFlowLogs(out: BuildOutput): FlowLogSummary {
  const account = out.manifest.accountId;
  const traffic = trafficOf(out);
  const rng = out.rng("evidence/flow-files");
  const buckets = (out.accounts[account]?.global.s3 as { buckets?: Record<string, unknown> } | undefined)?.buckets ?? {};
  let files = 0;
  let records = 0;
  for (const region of Object.keys(out.accounts[account]?.regions ?? {}).sort()) {
    const logs = ec2Of(out, account, region)?.flowLogs ?? {};
    for (const id of Object.keys(logs).sort()) {
      const fl = logs[id];
      if (fl.LogDestinationType !== "s3" || fl.FlowLogStatus === "INACTIVE") continue;
      const dest = destinationOf(out, fl);
      if (!dest) continue;
      if (fl.DestinationOptions?.FileFormat === "parquet" || fl.DestinationOptions?.HiveCompatiblePartitions) {
        out.log(
          `  flow logs: ${id} asks for ${fl.DestinationOptions?.FileFormat === "parquet" ? "Parquet" : "Hive-compatible"} files; written as plain text in the default layout`,
        );
      }
      if (!Object.hasOwn(buckets, dest.bucket)) {
        out.log(`  flow logs: no bucket ${dest.bucket} for ${id}; nothing delivered`);
        continue;
      }
      const since = Date.parse(fl.CreationTime ?? "") || Number.NEGATIVE_INFINITY;
      const windowMs = windowOf(out, fl);
      const kinds = fl.TrafficType ?? "ALL";
      const lines: FlowLine[] = [];
      for (const t of traffic) {
        if (t.region !== region || t.end < since) continue;
        for (const side of ["src", "dst"] as const) {
          const end = side === "src" ? t.srcEnd : t.dstEnd;
          if (!end || !covers(fl, end)) continue;
          for (const l of flowLines(t, side, windowMs)) {
            if (l.start * 1000 < since - 1000) continue;
            if (kinds !== "ALL" && l.action !== kinds) continue;
            lines.push(l);
          }
        }
      }
      const format = fl.LogFormat || DEFAULT_FLOW_LOG_FORMAT;
      const fields = fieldsOf(format);
      const version = format === DEFAULT_FLOW_LOG_FORMAT ? 2 : Math.max(2, ...fields.map((f) => FIELD_VERSION[f] ?? 2));
      const byFile = new Map<number, FlowLine[]>();
      for (const l of aggregate(lines)) {
        const at = Math.floor((l.window + windowMs) / DELIVERY_INTERVAL) * DELIVERY_INTERVAL + DELIVERY_INTERVAL;
        const list = byFile.get(at) ?? [];
        list.push(l);
        byFile.set(at, list);
      }
      const perHour = fl.DestinationOptions?.PerHourPartition === true;
      for (const at of [...byFile.keys()].sort((a, b) => a - b)) {
        const text = sortedBy(
          byFile.get(at)?.map((l) => ({ l, s: render(fields, version, account, l) })) ?? [],
          (x) => `${String(x.l.start).padStart(12, "0")} ${x.s}`,
        ).map((x) => x.s);
        const folder = `${datePath(at)}/${perHour ? `${hourOf(at)}/` : ""}`;
        const key = `${dest.prefix}AWSLogs/${account}/vpcflowlogs/${region}/${folder}${account}_vpcflowlogs_${region}_${id}_${fileStamp(at)}_${rng.hex(8)}.log.gz`;
        out.writeObject(dest.bucket, key, gz(`${fields.join(" ")}\n${text.join("\n")}\n`));
        files++;
        records += text.length;
      }
    }
  }
  return { files, records };
}
