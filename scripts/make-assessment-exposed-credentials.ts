/**
 * Writes recordings/exposed-credentials/assessment.json (questions as salted hashes only, objectives) and attacker.json
 * (the intruder's next moves) from the built recording: build/facts.json (every saved output) and build/history.ndjson
 * (the CloudTrail records). Builds the recording first when its timeline changed. Run after changing the story:
 *   node bin/run-ts.js scripts/make-assessment-exposed-credentials.ts
 * `exposedCredentialsAnswers(anchor)` gives the right answers in a range's time, for tests and an instructor's key.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CloudTrailRecord } from "../emulator/core/records.ts";
import { hashAnswer, normalizeId, normalizeText } from "../emulator/grading/answers.ts";
import { type AssessmentInput, assessmentSchema } from "../emulator/grading/assessment.ts";
import { loadScenario } from "../emulator/scenario/loader.ts";
import { build } from "../emulator/scenario/timeline/index.ts";
import { readTimeline } from "../emulator/scenario/timeline/read.ts";
import { checkOnly, emit, finish } from "./recording-files.ts";

const NAME = "exposed-credentials";
const SALT = "exposed-credentials-5b1e9c07";
const t = (en: string, ja: string) => ({ en, ja });

type Saved = Record<string, Record<string, unknown>>;
type Instances = { Instances: { InstanceId: string; Placement?: { AvailabilityZone?: string } }[] };
type Who = { accessKeyId?: string; userName?: string; arn?: string; sessionContext?: { sessionIssuer?: { userName?: string } } };

/** What the story left in the built recording, in the recording's own time. */
export function exposedCredentialsFacts() {
  const { dir, manifest } = loadScenario(NAME);
  const out = join(dir, "build");
  const facts = JSON.parse(readFileSync(join(out, "facts.json"), "utf8")) as { saved: Saved };
  const history = readFileSync(join(out, "history.ndjson"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CloudTrailRecord);
  const state = JSON.parse(readFileSync(join(out, "state.json"), "utf8")) as {
    accounts: Record<string, { global: { iam: { roles: Record<string, { AttachedPolicies?: string[] }> } } }>;
  };
  const tl = readTimeline(dir).timeline;
  const ips = tl.ips ?? {};
  const vars = tl.vars ?? {};
  const saved = facts.saved;
  const who = (r: CloudTrailRecord) => r.userIdentity as Who;

  const exposedKey = String(tl.actors.haruto.accessKeyId);
  const exposedUser = String(tl.actors.haruto.user);
  const session = (name: string) => (saved[name].Credentials as { AccessKeyId: string }).AccessKeyId;
  const sessions = [session("attackerDevRole"), session("attackerDevRole2")];
  const backdoor = saved.backdoorKey.AccessKey as { AccessKeyId: string; UserName: string };
  // The intruder: the exposed key from anywhere but the office, the devRole sessions it opened, the backdoor's key.
  const intruderKeys = new Set([...sessions, backdoor.AccessKeyId]);
  const byIntruder = history.filter((r) => {
    const key = who(r).accessKeyId ?? "";
    return intruderKeys.has(key) || (key === exposedKey && r.sourceIPAddress !== ips.office);
  });
  const stop = history.find((r) => r.eventName === "StopLogging");
  if (!stop) throw new Error("no StopLogging in the history");
  const exfiltrated = byIntruder.filter((r) => r.eventName === "GetObject" && !r.errorCode).map((r) => (r.requestParameters as { key: string }).key);

  const miners: Record<string, string[]> = {};
  for (const [name, out] of Object.entries(saved)) {
    if (!name.startsWith("miner")) continue;
    const inst = (out as unknown as Instances).Instances[0];
    const region = String(inst.Placement?.AvailabilityZone).slice(0, -1);
    miners[region] = [...(miners[region] ?? []), inst.InstanceId];
  }
  const account = manifest.accountId;
  const devRolePolicies = state.accounts[account].global.iam.roles.devRole.AttachedPolicies ?? [];

  return {
    dir,
    recordedDiscovery: manifest.recordedDiscovery,
    account,
    trail: String(vars.trail),
    trailBucket: String(vars.trailBucket),
    buckets: [String(vars.trailBucket), String(vars.dataBucket), String(vars.flowBucket)],
    exposedKey,
    exposedUser,
    userAgent: String(tl.actors.intruder.userAgent),
    backdoorUserAgent: String(tl.actors["intruder-backdoor"].userAgent),
    ips: { attacker: String(ips.attacker), backdoor: String(ips.backdoor) },
    attackerIps: [...new Set(byIntruder.map((r) => String(r.sourceIPAddress)))].sort(),
    firstIntruderCall: byIntruder[0],
    stop,
    sessionName: String(who(stop).arn).split("/").pop() as string,
    liveSession: sessions[1],
    backdoor,
    exfiltrated,
    dataBucket: String(vars.dataBucket),
    miners,
    poolDomain: String(vars.poolDomain),
    devRolePolicies,
  };
}

/** The right answers, as a student reads them in a range whose discovery moment is `anchor`. */
export function exposedCredentialsAnswers(anchor?: Date) {
  const f = exposedCredentialsFacts();
  const shift = anchor ? anchor.getTime() - Date.parse(f.recordedDiscovery) : 0;
  const at = (iso: string) => new Date(Date.parse(iso) + shift).toISOString().replace(".000Z", "Z");
  const answers = {
    "intruder-session-name": f.sessionName,
    "logging-stopped-time": at(f.stop.eventTime),
    "exposed-key": f.exposedKey,
    "exposed-key-owner": f.exposedUser,
    "attacker-ips": f.attackerIps,
    "first-intruder-time": at(f.firstIntruderCall.eventTime),
    "exfiltrated-objects": f.exfiltrated.map((k) => `s3://${f.dataBucket}/${k}`),
    "backdoor-user": f.backdoor.UserName,
    "miner-instances": Object.values(f.miners).flat(),
    "miner-regions": Object.keys(f.miners),
    "mining-pool": f.poolDomain,
    "devrole-policies": f.devRolePolicies,
    "mfa-condition-key": "aws:MultiFactorAuthPresent",
  };
  return { answers, facts: f };
}

function assessmentOf(f: ReturnType<typeof exposedCredentialsFacts>): AssessmentInput {
  const { answers } = exposedCredentialsAnswers();
  const minute = (iso: string) => String(Math.round((Date.parse(iso) - Date.parse(f.recordedDiscovery)) / 60_000));
  const h = (id: string, values: string[]) => [...new Set(values)].map((v) => hashAnswer(SALT, id, v));
  return {
    scenario: NAME,
    salt: SALT,
    questions: [
      {
        id: "intruder-session-name",
        points: 5,
        prompt: t(
          "Which role session name did the intruder give the session that stopped the logging?",
          "ログ記録を停止したセッションに、侵入者はどのロールセッション名を付けましたか?",
        ),
        hint: t(
          "GuardDuty's Stealth:IAMUser/CloudTrailLoggingDisabled finding (the principal id after the colon), or the StopLogging event's userIdentity.arn.",
          "GuardDuty の Stealth:IAMUser/CloudTrailLoggingDisabled の検出結果 (プリンシパル ID のコロンの後)、または StopLogging イベントの userIdentity.arn です。",
        ),
        kind: "id",
        hashes: h("intruder-session-name", [normalizeId(answers["intruder-session-name"])]),
        windowMinutes: 0,
        example: "my-session",
      },
      {
        id: "logging-stopped-time",
        points: 5,
        prompt: t("When was the logging stopped (ISO 8601, UTC)?", "ログ記録が停止されたのはいつですか (ISO 8601, UTC)?"),
        hint: t(
          "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=StopLogging (in the trail's home region), or get-trail-status.",
          "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=StopLogging (証跡のホームリージョンで)、または get-trail-status を使います。",
        ),
        kind: "time",
        hashes: h("logging-stopped-time", [minute(f.stop.eventTime)]),
        windowMinutes: 2,
        example: "2026-01-01T00:00:00Z",
      },
      {
        id: "exposed-key",
        points: 10,
        prompt: t(
          "Which long-term access key (AKIA…) did the intruder start from to obtain that session?",
          "侵入者がそのセッションを手に入れる元になった長期のアクセスキー (AKIA…) はどれですか?",
        ),
        hint: t(
          "A session's events carry its creation time (userIdentity.sessionContext.attributes.creationDate): that is the eventTime of the AssumeRole that issued it. lookup-events for AssumeRole at that moment names the caller's key.",
          "セッションのイベントには発行時刻 (userIdentity.sessionContext.attributes.creationDate) が入っています。それがセッションを発行した AssumeRole の eventTime です。その時刻の AssumeRole を lookup-events すると呼び出し元のキーが分かります。",
        ),
        kind: "id",
        hashes: h("exposed-key", [normalizeId(answers["exposed-key"])]),
        windowMinutes: 0,
        example: "AKIAXXXXXXXXXXXXXXXX",
      },
      {
        id: "exposed-key-owner",
        points: 5,
        prompt: t("Which IAM user does that key belong to?", "そのキーはどの IAM ユーザーのものですか?"),
        hint: t(
          "The AssumeRole event's userIdentity, or aws iam list-access-keys per user.",
          "AssumeRole イベントの userIdentity、またはユーザーごとの aws iam list-access-keys で分かります。",
        ),
        kind: "id",
        hashes: h("exposed-key-owner", [normalizeId(answers["exposed-key-owner"])]),
        windowMinutes: 0,
        example: "alice",
      },
      {
        id: "attacker-ips",
        points: 10,
        prompt: t(
          "From which IP addresses did the intruder act (with the key, the role sessions and anything it created)?",
          "侵入者はどの IP アドレスから操作しましたか (キー、ロールのセッション、作成したものを使った操作すべて)?",
        ),
        hint: t(
          "lookup-events by AccessKeyId for each key and session, in every region; the company's own calls come from one office address. GuardDuty's RemoteIpDetails agree.",
          "キーとセッションごとに AccessKeyId で lookup-events を全リージョンで実行します。社員の呼び出しはオフィスのアドレス一つからです。GuardDuty の RemoteIpDetails とも一致します。",
        ),
        kind: "set",
        hashes: h(
          "attacker-ips",
          answers["attacker-ips"].map((ip) => normalizeId(ip)),
        ),
        windowMinutes: 0,
        example: "192.0.2.1, 192.0.2.2",
      },
      {
        id: "first-intruder-time",
        points: 5,
        prompt: t(
          "When did someone other than its owner first use the exposed key (ISO 8601, UTC)?",
          "持ち主以外の誰かが漏えいしたキーを最初に使ったのはいつですか (ISO 8601, UTC)?",
        ),
        hint: t(
          "lookup-events by AccessKeyId over the last days, oldest first: the first call that does not come from the office. Hours before the night's activity.",
          "AccessKeyId で数日分を lookup-events し、古い順に見て、オフィス以外から来た最初の呼び出しです。夜の活動より何時間も前です。",
        ),
        kind: "time",
        hashes: h("first-intruder-time", [minute(f.firstIntruderCall.eventTime)]),
        windowMinutes: 2,
        example: "2026-01-01T00:00:00Z",
      },
      {
        id: "exfiltrated-objects",
        points: 10,
        prompt: t(
          "Which S3 objects did the intruder read? (s3://bucket/key, all of them)",
          "侵入者が読み取った S3 オブジェクトはどれですか? (s3://bucket/key、すべて)",
        ),
        hint: t(
          "GetObject is a data event: the event history never has it. The trail logged data events of the customer-data bucket until it was stopped: read its log files in S3 (or query them with Athena). GuardDuty's S3 findings count the reads.",
          "GetObject はデータイベントで、イベント履歴には残りません。証跡は停止されるまで顧客データのバケットのデータイベントを記録していました。S3 上のログファイルを読む (または Athena で検索する) ことで分かります。GuardDuty の S3 の検出結果にも件数が出ます。",
        ),
        kind: "set",
        hashes: h(
          "exfiltrated-objects",
          answers["exfiltrated-objects"].map((o) => normalizeId(o)),
        ),
        windowMinutes: 0,
        example: "s3://my-bucket/path/a.csv, s3://my-bucket/path/b.csv",
      },
      {
        id: "backdoor-user",
        points: 10,
        prompt: t("Which IAM user did the intruder create to come back?", "侵入者が戻ってくるために作成した IAM ユーザーはどれですか?"),
        hint: t(
          "After the logging stopped, only the event history has it: CreateUser, in the region where IAM's global events are recorded.",
          "ログ記録の停止後なので、イベント履歴にしかありません: IAM のグローバルイベントが記録されるリージョンの CreateUser です。",
        ),
        kind: "id",
        hashes: h("backdoor-user", [normalizeId(answers["backdoor-user"])]),
        windowMinutes: 0,
        example: "some-user",
      },
      {
        id: "miner-instances",
        points: 10,
        prompt: t(
          "List the ids of every instance the intruder launched (all regions).",
          "侵入者が起動したインスタンスの ID をすべて挙げてください (全リージョン)。",
        ),
        hint: t(
          "The event history is per region: RunInstances in each region, or GuardDuty's CryptoCurrency findings there.",
          "イベント履歴はリージョンごとです。各リージョンの RunInstances、またはそのリージョンの GuardDuty の CryptoCurrency の検出結果を見ます。",
        ),
        kind: "set",
        hashes: h("miner-instances", answers["miner-instances"].map(normalizeId)),
        windowMinutes: 0,
        example: "i-0123456789abcdef0, i-0fedcba9876543210",
      },
      {
        id: "miner-regions",
        points: 5,
        prompt: t("In which regions did the intruder launch instances?", "侵入者はどのリージョンでインスタンスを起動しましたか?"),
        hint: t(
          "Look beyond the home region: GuardDuty and the event history of every region.",
          "ホームリージョン以外も確認します。すべてのリージョンの GuardDuty とイベント履歴です。",
        ),
        kind: "set",
        hashes: h("miner-regions", answers["miner-regions"].map(normalizeId)),
        windowMinutes: 0,
        example: "eu-west-1",
      },
      {
        id: "mining-pool",
        points: 5,
        prompt: t("Which domain do the instances query to mine?", "インスタンスはマイニングのためにどのドメインを問い合わせていますか?"),
        hint: t(
          "GuardDuty's CryptoCurrency:EC2/BitcoinTool.B!DNS finding (Service.Action.DnsRequestAction), or the instances' user data.",
          "GuardDuty の CryptoCurrency:EC2/BitcoinTool.B!DNS の検出結果 (Service.Action.DnsRequestAction)、またはインスタンスのユーザーデータです。",
        ),
        kind: "text",
        hashes: h("mining-pool", [normalizeText(answers["mining-pool"]), normalizeText(`${answers["mining-pool"]}:3333`)]),
        windowMinutes: 0,
        example: "pool.example.com",
      },
      {
        id: "devrole-policies",
        points: 5,
        prompt: t(
          "Which managed policies gave devRole the permissions the intruder used? (least privilege starts here)",
          "侵入者が使った権限を devRole に与えていたのはどの管理ポリシーですか? (最小権限はここから)",
        ),
        hint: t("aws iam list-attached-role-policies --role-name devRole", "aws iam list-attached-role-policies --role-name devRole"),
        kind: "set",
        hashes: h("devrole-policies", answers["devrole-policies"].map(normalizeId)),
        windowMinutes: 0,
        example: "ReadOnlyAccess",
      },
      {
        id: "mfa-condition-key",
        points: 5,
        prompt: t(
          "Which global condition key, in devRole's trust policy, would have let only MFA-authenticated principals assume it?",
          "devRole の信頼ポリシーでどのグローバル条件キーを使えば、MFA で認証したプリンシパルだけが引き受けられるようになりますか?",
        ),
        hint: t(
          "The IAM User Guide, 'Configuring MFA-protected API access'. The user whose key leaked has no MFA device (aws iam list-mfa-devices).",
          "IAM ユーザーガイドの「MFA 保護 API アクセスの設定」を参照してください。キーが漏えいしたユーザーには MFA デバイスがありません (aws iam list-mfa-devices)。",
        ),
        kind: "text",
        hashes: h("mfa-condition-key", ["aws:multifactorauthpresent", "aws:multifactorauthage"]),
        windowMinutes: 0,
        example: "aws:SourceIp",
      },
    ],
    containment: [
      {
        id: "exposed-key-disabled",
        points: 15,
        title: t("The exposed access key no longer works", "漏えいしたアクセスキーを使えなくする"),
        hint: t(
          "Graded by effect: the key's next calls (assuming devRole again, listing the buckets) are replayed and must fail. aws iam update-access-key --status Inactive (then delete it once the developer has a new one).",
          "効果で採点します: キーの次の呼び出し (devRole の再引き受け、バケットの一覧) を再現し、失敗すれば合格です。aws iam update-access-key --status Inactive (開発者に新しいキーを渡したら削除)。",
        ),
        check: "attackerBlocked",
        params: { attempts: ["exposed-key-assume-devrole", "exposed-key-list-buckets"] },
      },
      {
        id: "devrole-sessions-revoked",
        points: 15,
        title: t("The intruder's devRole sessions revoked", "侵入者が持つ devRole のセッションを無効化する"),
        hint: t(
          "Graded by effect: the session the intruder still holds is replayed (stop the logging, launch instances, list users) and must be denied. Deactivating the key does not end sessions already issued: add an inline policy to devRole denying * when aws:TokenIssueTime is before now (the console's 'Revoke active sessions'), or take its permissions away.",
          "効果で採点します: 侵入者がまだ持っているセッション (ログ記録の停止、インスタンスの起動、ユーザーの一覧) を再現し、すべて拒否されれば合格です。キーを無効化しても発行済みのセッションは終わりません。devRole に aws:TokenIssueTime が現在より前なら * を拒否するインラインポリシーを付ける (コンソールの「アクティブなセッションの取り消し」) か、権限を外します。",
        ),
        check: "attackerBlocked",
        params: { attempts: ["devrole-stop-logging", "devrole-run-instances", "devrole-list-users"] },
      },
      {
        id: "backdoor-user-removed",
        points: 10,
        title: t("The intruder's backdoor user can no longer act", "侵入者が作ったバックドアのユーザーを使えなくする"),
        hint: t(
          "Graded by effect: its access key's next calls are replayed and must fail. Deactivate and delete its key, detach its policy, delete the user.",
          "効果で採点します: そのアクセスキーの次の呼び出しを再現し、失敗すれば合格です。キーを無効化・削除し、ポリシーを外し、ユーザーを削除します。",
        ),
        check: "attackerBlocked",
        params: { attempts: ["backdoor-list-users", "backdoor-run-instances"] },
      },
      {
        id: "miners-stopped",
        points: 10,
        title: t("Every instance the intruder launched stopped or terminated", "侵入者が起動したインスタンスをすべて停止または終了する"),
        hint: t(
          "aws ec2 stop-instances, or terminate-instances after snapshots (the intruder turned on termination protection: modify-instance-attribute --no-disable-api-termination first).",
          "aws ec2 stop-instances、またはスナップショットを取ってから terminate-instances します (侵入者が終了保護を有効にしているので、先に modify-instance-attribute --no-disable-api-termination が必要です)。",
        ),
        check: "instancesTerminated",
        params: { instances: f.miners, alsoStopped: true },
      },
      {
        id: "miner-volumes-snapshotted",
        points: 10,
        title: t("The intruder's instances' volumes preserved as snapshots", "侵入者のインスタンスのボリュームをスナップショットで保全する"),
        hint: t("aws ec2 create-snapshot --volume-id … in each region.", "各リージョンで aws ec2 create-snapshot --volume-id … を実行します。"),
        check: "volumesSnapshotted",
        params: { instances: f.miners },
      },
      {
        id: "logging-restarted",
        points: 10,
        title: t("CloudTrail logging restarted", "CloudTrail のログ記録を再開する"),
        hint: t(
          "aws cloudtrail start-logging --name … in the trail's home region (after devRole can no longer stop it again).",
          "証跡のホームリージョンで aws cloudtrail start-logging --name … を実行します (devRole が再び止められなくなってから)。",
        ),
        check: "trailIsLogging",
        params: { region: "ap-northeast-1", trail: f.trail },
      },
    ],
    order: [
      {
        id: "snapshot-before-terminate",
        points: 10,
        title: t("No instance terminated before its volumes were preserved", "ボリュームを保全する前にインスタンスを終了しない"),
        hint: t("Evidence first: a terminated instance's volumes are gone for good.", "証拠保全が先です。終了したインスタンスのボリュームは二度と戻りません。"),
        check: "noTerminationBeforeSnapshot",
        params: { instances: f.miners },
      },
      {
        id: "evidence-kept",
        points: 5,
        title: t("No evidence deleted, logging never stopped", "証拠を削除せず、ログ記録を止めない"),
        hint: t(
          "Never delete from the log or data buckets, stop the trail or disable GuardDuty during a response.",
          "対応中にログやデータのバケットから削除したり、証跡や GuardDuty を止めたりしないでください。",
        ),
        check: "noEvidenceDestroyed",
        params: { buckets: f.buckets },
      },
    ],
  };
}

/** The intruder's next moves: the exposed key, the devRole session it still holds, the backdoor user's key. */
function attackerPlanOf(f: ReturnType<typeof exposedCredentialsFacts>) {
  const devRole = `arn:aws:iam::${f.account}:role/devRole`;
  const run = () => ({
    service: "ec2",
    operation: "RunInstances",
    input: { ImageId: "ami-0d59d2226a7661990", InstanceType: "c5.4xlarge", MinCount: 1, MaxCount: 1, DryRun: true },
  });
  return {
    $comment:
      "The intruder's next moves after discovery, replayed by `ir-range grade` on a copy of the student's state and by `ir-range replay-attacker`. Written by scripts/make-assessment-exposed-credentials.ts from the built recording.",
    actors: {
      "exposed-key": { accessKeyId: f.exposedKey, sourceIp: f.ips.attacker, userAgent: f.userAgent },
      "devrole-session": { accessKeyId: f.liveSession, sourceIp: f.ips.attacker, userAgent: f.userAgent },
      "backdoor-key": { accessKeyId: f.backdoor.AccessKeyId, sourceIp: f.ips.backdoor, userAgent: f.backdoorUserAgent },
    },
    attempts: [
      {
        id: "exposed-key-assume-devrole",
        title: t("The exposed key assumes devRole again", "漏えいしたキーで再び devRole を引き受ける"),
        actor: "exposed-key",
        region: "ap-northeast-1",
        call: { service: "sts", operation: "AssumeRole", input: { RoleArn: devRole, RoleSessionName: "dev-deploy", DurationSeconds: 43200 } },
        containment: ["exposed-key-disabled"],
      },
      {
        id: "exposed-key-list-buckets",
        title: t("The exposed key lists the account's buckets", "漏えいしたキーでバケットを一覧する"),
        actor: "exposed-key",
        region: "ap-northeast-1",
        call: { service: "s3", operation: "ListBuckets", input: {} },
        containment: ["exposed-key-disabled"],
      },
      {
        id: "devrole-stop-logging",
        title: t("The devRole session stops the trail again", "devRole のセッションで再び証跡を停止する"),
        actor: "devrole-session",
        region: "ap-northeast-1",
        call: { service: "cloudtrail", operation: "StopLogging", input: { Name: f.trail } },
        containment: ["devrole-sessions-revoked"],
      },
      {
        id: "devrole-run-instances",
        title: t("The devRole session launches more instances (DryRun)", "devRole のセッションでさらにインスタンスを起動する (DryRun)"),
        actor: "devrole-session",
        region: "us-east-1",
        call: run(),
        containment: ["devrole-sessions-revoked"],
      },
      {
        id: "devrole-list-users",
        title: t("The devRole session lists the IAM users", "devRole のセッションで IAM ユーザーを一覧する"),
        actor: "devrole-session",
        region: "us-east-1",
        call: { service: "iam", operation: "ListUsers", input: {} },
        containment: ["devrole-sessions-revoked"],
      },
      {
        id: "backdoor-list-users",
        title: t("The backdoor user's key lists the IAM users", "バックドアのユーザーのキーで IAM ユーザーを一覧する"),
        actor: "backdoor-key",
        region: "us-east-1",
        call: { service: "iam", operation: "ListUsers", input: {} },
        containment: ["backdoor-user-removed"],
      },
      {
        id: "backdoor-run-instances",
        title: t("The backdoor user's key launches instances (DryRun)", "バックドアのユーザーのキーでインスタンスを起動する (DryRun)"),
        actor: "backdoor-key",
        region: "us-west-2",
        call: run(),
        containment: ["backdoor-user-removed"],
      },
      {
        id: "ssh-to-miners",
        title: t(
          "SSH with the intruder's key pair to an instance through a world-open port 22",
          "侵入者のキーペアで全開放のポート 22 経由でインスタンスに SSH する",
        ),
        door: { kind: "ssh", sourceIp: f.ips.attacker, port: 22, regions: Object.keys(f.miners), keyName: "aws-ops" },
        containment: [],
      },
    ],
  };
}

async function main(): Promise<void> {
  const { dir, manifest } = loadScenario(NAME);
  await build(dir, manifest, { ifStale: true, log: (l) => console.log(l) });
  const f = exposedCredentialsFacts();
  const assessment = assessmentOf(f);
  assessmentSchema.parse(assessment);
  emit(join(f.dir, "assessment.json"), `${JSON.stringify(assessment, null, 2)}\n`);
  emit(join(f.dir, "attacker.json"), `${JSON.stringify(attackerPlanOf(f), null, 2)}\n`);
  const objectives = assessment.containment.length + assessment.order.length;
  if (!checkOnly)
    console.log(`wrote recordings/${NAME}/assessment.json (${assessment.questions.length} questions, ${objectives} objectives) and attacker.json`);
  finish();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
