/**
 * Replays the attacker's next moves through the range's own request path — signed by the attacker's real SDK
 * client, authenticated, authorized and handled by the dispatcher — and reports each as blocked or still possible,
 * with the reason. The caller decides where: a copy of the student's state (grading) or the live range
 * (`replay-attacker --apply`, journaled like any call).
 */
import { importExternal } from "../core/external.ts";
import { statementsOf } from "../core/policy-document.ts";
import type { Runtime } from "../core/runtime.ts";
import type { RequestContext } from "../core/types.ts";
import { type Handle, inProcessHandler } from "../server/in-process-sdk.ts";
import { decide } from "../services/iam/authorization/authorize.ts";
import { allServices } from "../services/index.ts";
import { judgeDoor } from "./doors.ts";
import type { AttackerPlan, Attempt } from "./plan.ts";

export type { Handle } from "../server/in-process-sdk.ts";

export interface AttemptResult {
  id: string;
  title: { en: string; ja: string };
  containment: string[];
  /** True when the attacker's move failed. */
  blocked: boolean;
  /** The error the attacker got (AccessDenied, ExpiredToken…), for calls. */
  errorCode?: string;
  /** Why, naming no resource id or address (what a student may see before answering). */
  reason: { en: string; ja: string };
  /** The resources concerned, for a debrief (replay-attacker --reveal). */
  detail?: string;
}

/** Errors that mean the range refused the caller, not the request. */
const REFUSALS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "AuthFailure",
  "InvalidAccessKeyId",
  "UnrecognizedClientException",
]);

type SdkModule = Record<string, unknown>;

async function sdkCall(
  mod: SdkModule,
  attempt: Attempt,
  plan: AttackerPlan,
  runtime: Runtime,
  handle: Handle,
): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  const call = attempt.call!;
  const actor = plan.actors[attempt.actor!];
  const cred = runtime.resolveCredential(actor.accessKeyId);
  if (!cred) return { ok: false, code: "InvalidClientTokenId", message: `the key ${actor.accessKeyId} no longer exists` };
  const ClientClass = Object.entries(mod).find(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")?.[1] as new (
    c: object,
  ) => {
    send(c: unknown): Promise<unknown>;
    destroy(): void;
  };
  const Command = mod[`${call.operation}Command`] as (new (i: object) => unknown) | undefined;
  if (!ClientClass || !Command) throw new Error(`attacker plan: ${call.service} has no operation ${call.operation}`);
  // The range's own clients: the SDK's warning about the Node version it will need next year is not the user's
  // business when `ir-range grade` replays the attacker (set only if the user has not chosen).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const client = new ClientClass({
    region: attempt.region,
    endpoint: "http://127.0.0.1:4566",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey, ...(cred.sessionToken ? { sessionToken: cred.sessionToken } : {}) },
    customUserAgent: actor.userAgent,
    requestHandler: inProcessHandler(handle, actor.sourceIp),
  });
  try {
    await client.send(new Command(call.input));
    return { ok: true };
  } catch (e) {
    const err = e as { name?: string; Code?: string; message?: string };
    const code = err.Code ?? err.name ?? "Error";
    // EC2's answer to a DryRun the caller was allowed to make: the move would have worked.
    if (code === "DryRunOperation") return { ok: true };
    return { ok: false, code, message: err.message ?? "" };
  } finally {
    client.destroy();
  }
}

/** Names the deny statement behind a refusal: "denied by inline policy X of role/R (aws:TokenIssueTime)". */
function explainDenial(runtime: Runtime, attempt: Attempt, plan: AttackerPlan): { en: string; ja: string } | undefined {
  const actor = plan.actors[attempt.actor!];
  const cred = runtime.resolveCredential(actor.accessKeyId);
  const svc = allServices().find((s) => s.id === attempt.call?.service);
  if (!cred || !svc?.authorization || !attempt.call) return undefined;
  const principal = Object.assign({}, cred.principal, { accessKeyId: actor.accessKeyId });
  const ctx: RequestContext = {
    requestId: "replay",
    accountId: principal.accountId,
    region: attempt.region ?? runtime.manifest.homeRegion,
    service: svc.id,
    operation: attempt.call.operation,
    principal,
    accessKeyId: actor.accessKeyId,
    sourceIp: actor.sourceIp,
    userAgent: actor.userAgent ?? "",
    time: runtime.clock.now(),
    readOnly: true,
    runtime,
  };
  const { denied } = decide(ctx, svc.authorization(attempt.call.operation, attempt.call.input, ctx));
  if (!denied) return undefined;
  const d = denied.decision;
  if (d.decision === "explicitDeny") {
    const m = d.matched.find((s) => s.effect === "Deny");
    const p = m?.policy ?? d.deniedBy?.policy;
    const where = p
      ? `${p.arn ? "managed policy" : "inline policy"} ${p.name}${p.attachedTo ? ` of ${p.attachedTo.split(":").pop()}` : ""}`
      : "an explicit deny";
    const keys = conditionKeysOf(m?.policy.document, m?.index);
    const on = keys.length ? ` (${keys.join(", ")})` : "";
    return { en: `${denied.check.action} denied by ${where}${on}`, ja: `${denied.check.action} は ${where}${on} により拒否` };
  }
  return { en: `${denied.check.action} not allowed by any policy of the caller`, ja: `${denied.check.action} を許可するポリシーがない` };
}

function conditionKeysOf(document: string | undefined, index: number | undefined): string[] {
  if (document === undefined || index === undefined) return [];
  const cond = statementsOf(document)[index]?.Condition;
  if (!cond || typeof cond !== "object" || Array.isArray(cond)) return [];
  return [...new Set(Object.values(cond).flatMap((o) => (o && typeof o === "object" && !Array.isArray(o) ? Object.keys(o) : [])))];
}

/** Why the range refused the caller itself (no policy decision to name). */
function refusalReason(code: string, message: string): { en: string; ja: string } {
  if (["InvalidClientTokenId", "AuthFailure", "InvalidAccessKeyId", "UnrecognizedClientException"].includes(code))
    return { en: `${code}: the access key is inactive or deleted`, ja: `${code}: アクセスキーは無効化または削除済み` };
  if (code.startsWith("ExpiredToken")) return { en: `${code}: the session has expired`, ja: `${code}: セッションは期限切れ` };
  const text = message.split(". Encoded")[0];
  return { en: `${code}: ${text}`, ja: `${code}: ${text}` };
}

export async function replayAttacker(runtime: Runtime, handle: Handle, plan: AttackerPlan): Promise<AttemptResult[]> {
  const services = allServices();
  const out: AttemptResult[] = [];
  for (const attempt of plan.attempts) {
    const base = { id: attempt.id, title: attempt.title, containment: attempt.containment };
    if (attempt.door) {
      const d = judgeDoor(runtime, attempt.door);
      out.push({ ...base, blocked: !d.possible, reason: d.reason, ...(d.detail ? { detail: d.detail } : {}) });
      continue;
    }
    const svc = services.find((s) => s.id === attempt.call?.service);
    if (!svc) throw new Error(`attacker plan: unknown service ${attempt.call?.service}`);
    // Explained before the call: a call that succeeds may change what the explanation would read.
    const why = explainDenial(runtime, attempt, plan);
    // The whole SDK client (the codecs' schemas alone have no Client or Commands in the bundled CLI).
    const r = await sdkCall(await importExternal(`@aws-sdk/client-${svc.id}`, { whole: true }), attempt, plan, runtime, handle);
    if (r.ok) {
      out.push({ ...base, blocked: false, reason: { en: "the call succeeds", ja: "呼び出しが成功する" } });
    } else if (REFUSALS.has(r.code)) {
      out.push({
        ...base,
        blocked: true,
        errorCode: r.code,
        reason: why ?? refusalReason(r.code, r.message),
      });
    } else {
      // Failed for another reason (the bucket deleted, the image gone): the credentials still work, so the door is
      // open — deleting the wrong thing is no containment.
      out.push({
        ...base,
        blocked: false,
        errorCode: r.code,
        reason: { en: `the credentials still work (the call failed only with ${r.code})`, ja: `認証情報はまだ有効 (呼び出しは ${r.code} で失敗しただけ)` },
      });
    }
  }
  return out;
}
