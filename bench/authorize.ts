/**
 * What IAM authorization costs a request, in-process (no socket, whose jitter on a shared machine is larger than the
 * cost): secutter signed by its responder (SecurityAudit and the inline ir-containment policy: issue #13's Secutter
 * policies), whose budget is ≤ 50 µs median per request.
 * - DescribeInstances through the whole dispatcher, a range with authorization on and one with it off, called in
 *   turn (which goes first alternates by round): the difference of their medians.
 * - authorize() alone, as the dispatcher runs it before each handler (the operation's checks from its service's
 *   authz.ts, the caller's policies read from IAM's state, the request's keys, the engine), and decide() with the
 *   checks already made, for a read and a containment call of EC2, S3 and IAM.
 * Printed, never asserted:
 *   node bin/run-ts.js bench/authorize.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { RequestContext } from "../emulator/core/types.ts";
import type { WireRequest } from "../emulator/protocols/wire.ts";
import { type RunningServer, startServer } from "../emulator/server/app.ts";
import { authorize, decide } from "../emulator/services/iam/authorization/authorize.ts";
import { microTimes, percentile, table, us } from "./lib.ts";

const BUDGET_US = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5) * 2;
const PAIRS = 500;

/** A DescribeInstances request as the SDK signs it, for the dispatcher without a socket. */
async function describeRequest(credentials: { accessKeyId: string; secretAccessKey: string }, region: string): Promise<WireRequest> {
  const body = "Action=DescribeInstances&Version=2016-11-15";
  const request = new HttpRequest({
    method: "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    path: "/",
    headers: { host: "127.0.0.1", "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
  });
  const signed = await new SignatureV4({ credentials, region, service: "ec2", sha256: Sha256 }).sign(request);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return { method: "POST", rawPath: "/", query: [], headers, body: Buffer.from(body) };
}

/** Median per-round p50 of handle() on each range, µs, calls taken in turn; and the rounds' differences. */
async function dispatcherPair(on: RunningServer, off: RunningServer, region: string): Promise<{ on: number; off: number; added: number[] }> {
  const requests = [await describeRequest(on.emulator.runtime.responder(), region), await describeRequest(off.emulator.runtime.responder(), region)];
  const ranges = [on, off];
  const call = async (i: number) => {
    const req = requests[i];
    const t = performance.now();
    const res = await ranges[i].emulator.handle({ ...req, headers: { ...req.headers } });
    const took = performance.now() - t;
    if (res.status !== 200) throw new Error(`DescribeInstances answered ${res.status}`);
    return took * 1000;
  };
  for (let i = 0; i < 1000; i++) await call(i % 2);
  const p50s: [number[], number[]] = [[], []];
  const added: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const times: [number[], number[]] = [[], []];
    const first = r % 2;
    for (let i = 0; i < PAIRS; i++) {
      times[first].push(await call(first));
      times[1 - first].push(await call(1 - first));
    }
    p50s[0].push(percentile(times[0], 50));
    p50s[1].push(percentile(times[1], 50));
    added.push(p50s[0][r] - p50s[1][r]);
  }
  return { on: percentile(p50s[0], 50), off: percentile(p50s[1], 50), added };
}

interface Call {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

export async function benchAuthorize(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ir-range-bench-authorize-"));
  const server = await startServer({ scenario: "secutter", stateDir: join(dir, "on"), host: "127.0.0.1", port: 0 });
  const off = await startServer({ scenario: "secutter", stateDir: join(dir, "off"), host: "127.0.0.1", port: 0, authorization: false }).catch(async (e) => {
    await server.close();
    throw e;
  });
  try {
    const runtime = server.emulator.runtime;
    const m = runtime.scenario.manifest;
    const credentials = runtime.responder();
    const cfg = { endpoint: server.url, region: m.homeRegion, credentials, forcePathStyle: true, maxAttempts: 1 };
    // The scenario's own resources, found as the responder finds them.
    const reservations = (await new EC2Client(cfg).send(new DescribeInstancesCommand({}))).Reservations ?? [];
    const instanceId = reservations.flatMap((r) => r.Instances ?? [])[0]?.InstanceId ?? "i-00000000000000000";
    const s3 = new S3Client(cfg);
    const bucket = (await s3.send(new ListBucketsCommand({}))).Buckets?.find((b) => b.Name?.startsWith("secutter-uploads"))?.Name ?? "";
    const key = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }))).Contents?.[0]?.Key ?? "index.html";
    const role = (await new IAMClient(cfg).send(new ListRolesCommand({}))).Roles?.find((r) => r.RoleName?.startsWith("secutter-web"))?.RoleName ?? "";
    const calls: Call[] = [
      { service: "ec2", operation: "DescribeInstances", input: {} },
      { service: "ec2", operation: "TerminateInstances", input: { InstanceIds: [instanceId] } },
      { service: "s3", operation: "GetObject", input: { Bucket: bucket, Key: key } },
      {
        service: "iam",
        operation: "PutRolePolicy",
        input: {
          RoleName: role,
          PolicyName: "RevokeOlderSessions",
          PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
        },
      },
    ];
    const resolved = runtime.resolveCredential(credentials.accessKeyId);
    if (!resolved) throw new Error(`the responder's key ${credentials.accessKeyId} does not resolve`);
    const principal = Object.assign({}, resolved.principal, { accessKeyId: credentials.accessKeyId });
    const rows = [["authorization per call (secutter responder)", "decision", "checks", "authorize() p50", "p95", "decide() p50", `≤${BUDGET_US} µs`]];
    const medians: number[] = [];
    for (const call of calls) {
      const svc = server.emulator.router.all.find((s) => s.id === call.service);
      if (!svc?.authorization) throw new Error(`no authorization declared for ${call.service}`);
      // The context the dispatcher gives the call (dispatch.ts, serve).
      const ctx: RequestContext = {
        requestId: "bench",
        accountId: principal.accountId,
        region: svc.global ? "us-east-1" : m.homeRegion,
        service: svc.id,
        operation: call.operation,
        principal,
        accessKeyId: principal.accessKeyId,
        sourceIp: "127.0.0.1",
        userAgent: "aws-cli/1.44.0 bench",
        time: runtime.clock.now(),
        readOnly: svc.operations[call.operation]?.readOnly ?? false,
        runtime,
      };
      const checks = svc.authorization(call.operation, call.input, ctx);
      const denied = decide(ctx, checks).denied;
      const full = microTimes(
        () => {
          try {
            authorize(svc, ctx, call.input);
          } catch {
            // A denial is its own answer; its cost is part of the call's.
          }
        },
        100,
        100,
      );
      const engine = microTimes(() => decide(ctx, checks), 100, 100);
      medians.push(full.median);
      rows.push([
        `${svc.signingName}:${call.operation}`,
        denied ? `denied (${denied.decision.decision})` : "allowed",
        String(checks.length),
        us(full.median),
        us(full.p95),
        us(engine.median),
        full.median <= BUDGET_US ? "yes" : "NO",
      ]);
    }
    const worst = Math.max(...medians);
    const pair = await dispatcherPair(server, off, m.homeRegion);
    const added = percentile(pair.added, 50);
    const dispatcher = table([
      [`DescribeInstances through the dispatcher, in-process, ${ROUNDS} rounds of ${PAIRS} calls in turn`, "handle() p50 (median of rounds)"],
      ["secutter responder, IAM authorization on", us(pair.on)],
      ["secutter responder, IAM authorization off", us(pair.off)],
    ]);
    return `${dispatcher}\nIAM authorization adds ${us(added)} per DescribeInstances (median of rounds' on − off, target ≤${BUDGET_US} µs: ${added <= BUDGET_US ? "met" : "NOT met"}; round by round ${pair.added.map((x) => x.toFixed(0)).join(", ")} µs)\n\n${table(rows)}\nauthorize() per request: median ${us(percentile(medians, 50))} over these calls, at most ${us(worst)} (target ≤${BUDGET_US} µs: ${worst <= BUDGET_US ? "met" : "NOT met"})`;
  } finally {
    await server.close();
    await off.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) console.log(await benchAuthorize());
