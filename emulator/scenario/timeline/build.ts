/**
 * Builds a scenario's recording from its timeline by running it through the range itself: a runtime on a scratch
 * state directory with a clock that stands still between steps and ids from a seeded stream; each call signed by the
 * actor's real SDK client and handled by the dispatcher (authentication, IAM authorization, handler, journal). What
 * the run leaves — state, CloudTrail records, written objects — plus the evidence derived from it (evidence/) is the
 * recording, written as a static scenario the loader moves to the range's time.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../core/clock.ts";
import { withSeededEntropy } from "../../core/entropy.ts";
import { importExternal } from "../../core/external.ts";
import type { ScenarioManifest } from "../../core/manifest.ts";
import type { CloudTrailRecord } from "../../core/records.ts";
import type { LoadedScenario } from "../../core/scenario.ts";
import { operationsOf } from "../../protocols/schema.ts";
import { ServiceRouter } from "../../router/service-router.ts";
import { Dispatcher } from "../../server/dispatch.ts";
import { inProcessHandler } from "../../server/in-process-sdk.ts";
import type { Ec2State } from "../../services/ec2/state.ts";
import { allServices } from "../../services/index.ts";
import { objectsOf } from "../../services/s3/object-store.ts";
import { installedSecrets, writeInstalledSecrets } from "../../state/install-credentials.ts";
import { RangeRuntime, sealingMaterialOf } from "../../state/runtime.ts";
import { Rng } from "../prng.ts";
import { Credentials } from "./credentials.ts";
import { interpolate, type Scope } from "./interpolate.ts";
import type { BuildOutput, ResolvedDns, ResolvedFlow, ResolvedWeb } from "./model.ts";
import type { Locator } from "./read.ts";
import type { CallStep, DnsStep, FlowStep, SignInStep, Timeline, WebStep } from "./schema.ts";
import { type Scheduled, schedule } from "./steps.ts";
import { durationMs, isoSeconds, timeOf } from "./times.ts";
import { initialWorld } from "./world.ts";

export class BuildError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "BuildError";
  }
}

export interface RunOptions {
  manifest: ScenarioManifest;
  timeline: Timeline;
  where: Locator;
  dir: string;
  log?: (line: string) => void;
}

type SdkModule = Record<string, unknown>;
type SdkClient = { send(c: unknown): Promise<unknown>; destroy(): void; config: { systemClockOffset?: number } };

const DEFAULT_UA = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off";

/** An actor's address for one call: several are used in turn. */
function pickIp(ips: string[], n: number): string {
  return ips[n % ips.length];
}

/** The outputs a later step may refer to: the SDK's response without its transport metadata. */
function plain(output: unknown): unknown {
  return JSON.parse(JSON.stringify(output, (k, v) => (k === "$metadata" ? undefined : v)));
}

/** The account's address for `instance:<save>`, and the instance and interface behind it. */
function resolveEnd(
  text: string,
  scope: Scope,
  runtime: RangeRuntime,
  saved: Record<string, unknown>,
): { ip: string; local?: ResolvedFlow["local"] & { region: string } } {
  const m = /^instance:([\w-]+)(?::private)?$/.exec(text);
  if (!m) return { ip: interpolate(text, scope) };
  const id = (saved[m[1]] as { Instances?: { InstanceId?: string }[] } | undefined)?.Instances?.[0]?.InstanceId;
  if (!id) throw new Error(`instance:${m[1]}: no saved RunInstances output named "${m[1]}" (yet)`);
  for (const [region, services] of Object.entries(runtime.account(runtime.accountId).regions)) {
    const inst = (services.ec2 as Ec2State | undefined)?.instances[id];
    if (!inst) continue;
    const eni = inst.NetworkInterfaces?.[0];
    const privateIp = inst.PrivateIpAddress ?? "";
    const publicIp = inst.PublicIpAddress;
    const usePrivate = text.endsWith(":private") || !publicIp;
    return {
      ip: usePrivate ? privateIp : (publicIp as string),
      local: {
        region,
        instanceId: id,
        eni: eni?.NetworkInterfaceId ?? "",
        privateIp,
        ...(publicIp ? { publicIp } : {}),
        vpcId: inst.VpcId ?? "",
        subnetId: inst.SubnetId ?? "",
        side: "src",
      },
    };
  }
  throw new Error(`instance:${m[1]}: ${id} is not in the state`);
}

/** CloudTrail's record of a console sign-in (signin.amazonaws.com, eventType AwsConsoleSignIn). */
function signInRecord(
  step: SignInStep,
  t: number,
  principal: { arn: string; principalId: string; userName?: string },
  account: string,
  ip: string,
  ua: string,
  ids: Rng,
): CloudTrailRecord {
  const ok = (step.signIn.result ?? "Success") === "Success";
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: principal.principalId,
      arn: principal.arn,
      accountId: account,
      ...(principal.userName ? { userName: principal.userName } : {}),
    },
    eventTime: isoSeconds(t),
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: "us-east-1",
    sourceIPAddress: ip,
    userAgent: ua,
    ...(ok ? {} : { errorMessage: "Failed authentication" }),
    requestParameters: null,
    responseElements: { ConsoleLogin: ok ? "Success" : "Failure" },
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
      MobileVersion: "No",
      MFAUsed: step.signIn.mfa ? "Yes" : "No",
    },
    eventID: ids.uuid(),
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: "signin.aws.amazon.com" },
  };
}

export interface RunResult {
  output: Omit<BuildOutput, "writeObject" | "log"> & { objects: { bucket: string; key: string; body: Buffer }[] };
  /** What the run's sealed texts open with (ScenarioContent.sealingMaterial). */
  sealingMaterial: string;
  calls: number;
}

/** Runs the timeline; the caller writes the result (output.ts) after deriving the evidence. */
export async function runTimeline(opts: RunOptions): Promise<RunResult> {
  const { manifest, timeline: tl, where } = opts;
  const log = opts.log ?? (() => {});
  const discovery = Date.parse(manifest.recordedDiscovery);
  const start = timeOf(tl.start, discovery);
  const rngs = new Map<string, Rng>();
  const rng = (label: string) => {
    let r = rngs.get(label);
    if (!r) {
      r = new Rng(`${tl.seed}/${label}`);
      rngs.set(label, r);
    }
    return r;
  };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const scratch = mkdtempSync(join(tmpdir(), "ir-range-build-"));
  try {
    return await withSeededEntropy(tl.seed, async () => {
      // The manifest's keys get secrets derived from the seed, not an installation's: what the run seals (EC2's encoded
      // authorization messages) is then the same on every build, and the recording carries what opens it.
      const derived = Object.fromEntries(
        manifest.credentials.map((c) => [c.accessKeyId, createHmac("sha256", tl.seed).update(c.accessKeyId).digest("base64").slice(0, 40)]),
      );
      writeInstalledSecrets(scratch, derived);
      const world = initialWorld(tl, manifest, discovery, rng("world"));
      const scenario: LoadedScenario = {
        manifest,
        dir: opts.dir,
        briefing: { en: "", ja: "" },
        content: async () => ({
          accounts: structuredClone(world.accounts),
          objects: { list: () => [], head: () => undefined, read: () => undefined },
          history: [],
        }),
      };
      const services = allServices();
      const clock = new ManualClock(new Date(start));
      const runtime = await RangeRuntime.open({
        scenario,
        stateDir: scratch,
        clock,
        credentialResolvers: services.flatMap((s) => (s.resolveCredential ? [s.resolveCredential] : [])),
      });
      // CloudTrail's own delivery runs on wall time: the build writes the trail files from the records instead.
      for (const s of services) if (s.id !== "cloudtrail") s.lifecycle?.start?.(runtime, { log: () => {} });
      const dispatcher = new Dispatcher(runtime, new ServiceRouter(services), undefined, true);
      const handle = (req: Parameters<Dispatcher["handle"]>[0], conn: { sourceIp: string }) => dispatcher.handle(req, conn);
      const secrets = installedSecrets(scratch, manifest);
      const saved: Record<string, unknown> = {};
      const scope: Scope = { account: manifest.accountId, region: manifest.homeRegion, ips: tl.ips ?? {}, vars: tl.vars ?? {}, saved };
      const creds = new Credentials(tl, runtime, saved, (k) => secrets.get(k));
      const modules = new Map<string, SdkModule>();
      const signIns: CloudTrailRecord[] = [];
      const flows: ResolvedFlow[] = [];
      const dns: ResolvedDns[] = [];
      const web: ResolvedWeb[] = [];
      const callCount = new Map<string, number>();
      const plan = schedule(tl, discovery, rng);
      log(`running ${plan.length} steps from ${isoSeconds(start)} to ${isoSeconds(plan.at(-1)?.at ?? start)}`);
      let calls = 0;
      let lastReport = 0;

      const call = async (s: Scheduled, step: CallStep) => {
        const svc = services.find((x) => x.id === step.call.service);
        if (!svc)
          throw new BuildError(
            where([...s.path, "call", "service"]),
            `no service "${step.call.service}" (the range serves ${services.map((x) => x.id).join(", ")})`,
          );
        let mod = modules.get(svc.id);
        if (!mod) {
          mod = await importExternal<SdkModule>(`@aws-sdk/client-${svc.id}`, { whole: true });
          modules.set(svc.id, mod);
        }
        const Command = mod[`${step.call.operation}Command`] as (new (i: object) => unknown) | undefined;
        if (!Command || !svc.operations[step.call.operation]) {
          throw new BuildError(where([...s.path, "call", "operation"]), `${svc.id} has no operation ${step.call.operation} in the range`);
        }
        const region = step.call.region ? interpolate(step.call.region, scope) : svc.global ? "us-east-1" : manifest.homeRegion;
        const input = interpolate(step.call.input ?? {}, { ...scope, region }) as Record<string, unknown>;
        // The SDK would fill idempotency tokens from crypto; the recording takes them from the seeded stream.
        const ops = operationsOf(mod as never).get(step.call.operation);
        if (ops?.input.isStructSchema()) {
          for (const [member, ns] of ops.input.structIterator()) {
            if (ns.isIdempotencyToken() && input[member] === undefined) input[member] = rng("tokens").uuid();
          }
        }
        const n = callCount.get(step.actor) ?? 0;
        callCount.set(step.actor, n + 1);
        const actor = tl.actors[step.actor];
        const signer = await creds.signerOf(step.actor);
        const ip = interpolate(pickIp(creds.sourceIps(step.actor), n), scope);
        const ClientClass = Object.entries(mod).find(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")?.[1] as new (
          c: object,
        ) => SdkClient;
        const client = new ClientClass({
          region,
          // AWS's own endpoints, so records say what AWS's would (tlsDetails' host); the handler never leaves the process.
          maxAttempts: 1,
          // Signed at wall time, as the range checks signatures against it (its own clock may be anywhere: --clock).
          credentials: signer,
          requestHandler: inProcessHandler(handle, ip, interpolate(actor.userAgent ?? DEFAULT_UA, scope)),
        });
        try {
          const out = await client.send(new Command(input));
          if (step.expectError)
            throw new BuildError(where(s.path), `${svc.id}:${step.call.operation} was expected to fail with ${step.expectError} but succeeded`);
          if (step.save) saved[step.save] = plain(out);
        } catch (e) {
          if (e instanceof BuildError) throw e;
          const err = e as { name?: string; Code?: string; message?: string };
          const code = err.Code ?? err.name ?? "Error";
          const expected = step.expectError && (code === step.expectError || code.endsWith(`.${step.expectError}`));
          if (!expected && !(code === "DryRunOperation" && input.DryRun)) {
            throw new BuildError(where(s.path), `${svc.id}:${step.call.operation} as ${step.actor} failed: ${code}: ${err.message ?? ""}`);
          }
        } finally {
          client.destroy();
        }
        calls++;
      };

      for (const s of plan) {
        clock.set(new Date(Math.max(s.at, clock.now().getTime())));
        const step = s.step;
        try {
          if ("call" in step) await call(s, step as CallStep);
          else if ("flow" in step) {
            const f = (step as FlowStep).flow;
            const src = resolveEnd(f.src, scope, runtime, saved);
            const dst = resolveEnd(f.dst, scope, runtime, saved);
            const local = dst.local ? { ...dst.local, side: "dst" as const } : src.local;
            const dur = durationMs((step as FlowStep).for ?? "1m");
            flows.push({
              step: s.path[1] as number,
              start: s.at,
              end: s.at + dur,
              region: local?.region ?? manifest.homeRegion,
              src: src.ip,
              dst: dst.ip,
              ...(f.srcPort !== undefined ? { srcPort: f.srcPort } : {}),
              dstPort: f.dstPort,
              protocol: f.protocol ?? "tcp",
              connections: f.connections ?? 1,
              packets: f.packets ?? Math.max(3, Math.ceil((f.bytes ?? 180) / 500)),
              bytes: f.bytes ?? 180,
              replyBytes: f.replyBytes ?? 0,
              action: f.action ?? "ACCEPT",
              ...(local
                ? {
                    local: {
                      instanceId: local.instanceId,
                      eni: local.eni,
                      privateIp: local.privateIp,
                      ...(local.publicIp ? { publicIp: local.publicIp } : {}),
                      vpcId: local.vpcId,
                      subnetId: local.subnetId,
                      side: local.side,
                    },
                  }
                : {}),
            });
          } else if ("dns" in step) {
            const d = (step as DnsStep).dns;
            const from = resolveEnd(d.from, scope, runtime, saved);
            if (!from.local) throw new Error(`dns.from must be instance:<save>`);
            dns.push({
              step: s.path[1] as number,
              start: s.at,
              end: s.at + durationMs((step as DnsStep).for ?? "1m"),
              region: from.local.region,
              instanceId: from.local.instanceId,
              query: interpolate(d.query, scope),
              count: d.count ?? 1,
            });
          } else if ("web" in step) {
            const w = (step as WebStep).web;
            const server = resolveEnd(w.dst, scope, runtime, saved);
            if (!server.local) throw new Error("web.dst must be instance:<save>");
            const src = interpolate(w.src, scope);
            const count = w.count ?? 1;
            const span = durationMs((step as WebStep).for ?? "0s");
            const times = Array.from({ length: count }, (_, i) => s.at + Math.floor((span * i) / count));
            const bytes = w.bytes ?? 512;
            web.push({
              step: s.path[1] as number,
              instanceId: server.local.instanceId,
              region: server.local.region,
              src,
              method: w.method ?? "GET",
              path: interpolate(w.path, scope),
              status: w.status ?? 200,
              bytes,
              userAgent: interpolate(w.userAgent ?? "-", scope),
              referer: interpolate(w.referer ?? "-", scope),
              times,
            });
            // The same requests as the flow logs see them: one connection each, the response the larger direction.
            const { region: _r, ...local } = server.local;
            flows.push({
              step: s.path[1] as number,
              start: s.at,
              end: s.at + Math.max(span, 1000),
              region: server.local.region,
              src,
              dst: server.ip,
              dstPort: w.port ?? 80,
              protocol: "tcp",
              connections: count,
              packets: count * 6,
              bytes: count * (420 + w.path.length),
              replyBytes: count * (bytes + 250),
              action: "ACCEPT",
              local: { ...local, side: "dst" },
            });
          } else if ("signIn" in step) {
            const si = step as SignInStep;
            const actor = tl.actors[si.actor];
            if (!actor?.user) throw new Error(`signIn needs an actor with a user (${si.actor} has none)`);
            const n = callCount.get(si.actor) ?? 0;
            callCount.set(si.actor, n + 1);
            const user = (runtime.account(manifest.accountId).global.iam as { users: Record<string, { Arn?: string; UserId?: string }> }).users[actor.user];
            signIns.push(
              signInRecord(
                si,
                s.at,
                { arn: user?.Arn ?? "", principalId: user?.UserId ?? "", userName: actor.user },
                manifest.accountId,
                interpolate(pickIp(creds.sourceIps(si.actor), n), scope),
                interpolate(
                  actor.userAgent ?? "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                  scope,
                ),
                rng("signin"),
              ),
            );
          }
        } catch (e) {
          if (e instanceof BuildError) throw e;
          throw new BuildError(where(s.path), (e as Error).message);
        }
        if (calls - lastReport >= 500) {
          lastReport = calls;
          log(`  ${calls} calls, at ${isoSeconds(s.at)}`);
        }
      }
      clock.set(new Date(Math.max(discovery, clock.now().getTime())));
      await runtime.transact(() => creds.keepStolenSessionsUntil(discovery + 86_400_000));
      // Everything the run journaled, with the sign-ins, oldest first (equal times keep the order they happened in).
      const journaled: CloudTrailRecord[] = [];
      for (const r of runtime.journal) journaled.push(r as CloudTrailRecord);
      const records = [...journaled, ...signIns]
        .map((r, i) => ({ r, i }))
        .sort((a, b) => (a.r.eventTime < b.r.eventTime ? -1 : a.r.eventTime > b.r.eventTime ? 1 : a.i - b.i))
        .map(({ r }) => r);
      // Objects the calls wrote become recording objects; the state keeps their buckets without them.
      const store = objectsOf(runtime);
      const objects: { bucket: string; key: string; body: Buffer }[] = [];
      const accounts = structuredClone(runtime.document.accounts) as BuildOutput["accounts"];
      const s3 = accounts[manifest.accountId]?.global.s3 as
        | { buckets?: Record<string, { objects?: Record<string, unknown>; deleted?: string[]; versions?: unknown }> }
        | undefined;
      for (const [name, b] of Object.entries(s3?.buckets ?? {})) {
        for (const meta of store.list(manifest.accountId, name)) {
          const body = store.read(manifest.accountId, name, meta.key);
          if (body) objects.push({ bucket: name, key: meta.key, body });
        }
        b.objects = {};
        b.deleted = [];
        delete b.versions;
      }
      await runtime.close();
      log(`  ${calls} calls, ${records.length} CloudTrail records, ${flows.length} flows, ${dns.length} DNS steps, ${web.length} web steps`);
      return {
        calls,
        sealingMaterial: sealingMaterialOf(secrets),
        output: {
          manifest,
          timeline: tl,
          discovery,
          start,
          records,
          accounts,
          flows,
          dns,
          web,
          saved,
          interpolate: (text: string) => interpolate(text, scope),
          rng,
          objects,
        },
      };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
