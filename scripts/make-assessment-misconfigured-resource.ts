/**
 * Writes recordings/misconfigured-resource/assessment.json and attacker.json from the scenario's built recording
 * (build/facts.json, build/history.ndjson, build/state.json; built first when stale): only salted hashes of the
 * answers go into the assessment, and the attacker's next moves name the stolen key and the instance the build made.
 * Answers are in the recording's own time (times as minutes from its discovery). Run after changing the timeline:
 *   node bin/run-ts.js scripts/make-assessment-misconfigured-resource.ts
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CloudTrailRecord } from "../emulator/core/records.ts";
import { hashAnswer, normalizeId, normalizeText } from "../emulator/grading/answers.ts";
import { type AssessmentInput, assessmentSchema } from "../emulator/grading/assessment.ts";
import { loadScenario } from "../emulator/scenario/loader.ts";
import { build, buildDir } from "../emulator/scenario/timeline/index.ts";
import { readTimeline } from "../emulator/scenario/timeline/read.ts";
import type { Ec2State } from "../emulator/services/ec2/state.ts";
import { emptyIamState } from "../emulator/services/iam/state.ts";
import { evaluateControls } from "../emulator/services/securityhub/controls.ts";
import { checkOnly, emit, finish } from "./recording-files.ts";

const NAME = "misconfigured-resource";
const SALT = "misconfigured-resource-5c1e9a07";
const REGION = "ap-northeast-1";
const t = (en: string, ja: string) => ({ en, ja });

const scenario = loadScenario(NAME);
const { manifest, dir } = scenario;
await build(dir, manifest, { ifStale: true, log: (line) => console.log(line) });
const out = buildDir(dir);
const readJson = (file: string) => JSON.parse(readFileSync(join(out, file), "utf8"));
const history: CloudTrailRecord[] = readFileSync(join(out, "history.ndjson"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const facts = readJson("facts.json") as { saved: Record<string, any> };
const state = readJson("state.json") as { accounts: Record<string, { regions: Record<string, { ec2: Ec2State }> }> };
const { timeline: tl } = readTimeline(dir);
const ips = tl.ips ?? {};
const vars = tl.vars ?? {};
const discovery = Date.parse(manifest.recordedDiscovery);
const minute = (iso: string) => String(Math.round((Date.parse(iso) - discovery) / 60_000));

// --- The facts, from the build ----------------------------------------------------------------------------------

const instanceId: string = facts.saved.trackingApi.Instances[0].InstanceId;
const groupId: string = facts.saved.trackingSg.GroupId;
const ec2 = state.accounts[manifest.accountId].regions[REGION].ec2;

/** Lists as CloudTrail writes EC2's (`{items: […]}`) or plain. */
const items = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v : ((v as { items?: Record<string, unknown>[] } | undefined)?.items ?? []));
const opensSshToWorld = (r: CloudTrailRecord) =>
  items((r.requestParameters as { ipPermissions?: unknown }).ipPermissions).some(
    (p) => Number(p.fromPort) <= 22 && 22 <= Number(p.toPort) && items(p.ipRanges).some((x) => x.cidrIp === "0.0.0.0/0"),
  );
const worldSsh = history.find((r) => r.eventName === "AuthorizeSecurityGroupIngress" && !r.errorCode && opensSshToWorld(r));
if (!worldSsh) throw new Error("no AuthorizeSecurityGroupIngress opening port 22 to 0.0.0.0/0 in the history");

const outside = history.filter((r) => r.sourceIPAddress === ips.credsAttacker);
const stolenKeys = [...new Set(outside.map((r) => (r.userIdentity as { accessKeyId?: string }).accessKeyId))];
if (stolenKeys.length !== 1 || !stolenKeys[0]) throw new Error(`expected one key used from ${ips.credsAttacker}, found ${stolenKeys.join(", ")}`);
const stolenKey = stolenKeys[0];
const downloaded = outside
  .filter((r) => r.eventName === "GetObject" && !r.errorCode)
  .map((r) => {
    const p = r.requestParameters as { bucketName: string; key: string };
    return `s3://${p.bucketName}/${p.key}`;
  });
const customerObject = downloaded.find((o) => o.includes(vars.exportsBucket));
if (!customerObject) throw new Error("the attacker read no customer export");

// The controls that fail for the instance and its group: the range's own evaluation of the built state.
const view = {
  accountId: manifest.accountId,
  region: REGION,
  homeRegion: manifest.homeRegion,
  now: discovery,
  ec2,
  iam: emptyIamState(),
  trails: [],
  buckets: [],
  guardduty: { detectors: {}, findings: {} } as never,
};
const arns = new Set([
  `arn:aws:ec2:${REGION}:${manifest.accountId}:instance/${instanceId}`,
  `arn:aws:ec2:${REGION}:${manifest.accountId}:security-group/${groupId}`,
]);
const failing = [
  ...new Set(
    evaluateControls(view)
      .filter((r) => r.status === "FAILED" && arns.has(r.resource.Id as string))
      .map((r) => r.control.id),
  ),
].sort();

console.log(`instance ${instanceId}, group ${groupId}, stolen key ${stolenKey}, failing controls ${failing.join(" ")}`);

// --- The attacker's next moves -------------------------------------------------------------------------------------

const attacker = {
  $comment:
    "Written by scripts/make-assessment-misconfigured-resource.ts from the build. The attacker's next moves after discovery, replayed by `ir-range grade` on a copy of the student's state and by `ir-range replay-attacker`; each names the containment items whose points depend on it being blocked.",
  actors: {
    "stolen-instance-credentials": {
      accessKeyId: stolenKey,
      sourceIp: ips.credsAttacker,
      userAgent: tl.actors.intruder.userAgent,
    },
  },
  attempts: [
    {
      id: "stolen-list-buckets",
      title: t("The stolen instance credentials list the account's buckets again", "盗まれたインスタンスの認証情報で再びバケットを一覧する"),
      actor: "stolen-instance-credentials",
      region: REGION,
      call: { service: "s3", operation: "ListBuckets", input: {} },
      containment: ["stolen-credentials-refused"],
    },
    {
      id: "stolen-list-exports",
      title: t("The stolen instance credentials list the customer exports again", "盗まれたインスタンスの認証情報で再び顧客エクスポートを一覧する"),
      actor: "stolen-instance-credentials",
      region: REGION,
      call: { service: "s3", operation: "ListObjectsV2", input: { Bucket: vars.exportsBucket } },
      containment: ["stolen-credentials-refused"],
    },
    {
      id: "stolen-read-export",
      title: t("The stolen instance credentials download a customer export again", "盗まれたインスタンスの認証情報で再び顧客エクスポートをダウンロードする"),
      actor: "stolen-instance-credentials",
      region: REGION,
      call: { service: "s3", operation: "GetObject", input: { Bucket: vars.exportsBucket, Key: customerObject.split("/").slice(3).join("/") } },
      containment: ["stolen-credentials-refused"],
    },
    {
      id: "ssh-password-again",
      title: t("The attacker comes back onto the instance the way they first got in", "攻撃者が最初と同じ経路でインスタンスに戻る"),
      door: { kind: "ssh", sourceIp: ips.sshAttacker, port: 22, regions: [REGION] },
      containment: ["ssh-door-closed"],
    },
    {
      id: "resteal-through-imdsv1",
      title: t(
        "The miner kit fetches fresh role credentials from the metadata service (IMDSv1)",
        "マイナーのキットがメタデータサービスから新しいロールの認証情報を取る (IMDSv1)",
      ),
      door: { kind: "imdsv1", instanceId, region: REGION },
      containment: ["imdsv2-required"],
    },
  ],
};
emit(join(dir, "attacker.json"), `${JSON.stringify(attacker, null, 2)}\n`);
if (!checkOnly) console.log(`wrote recordings/${NAME}/attacker.json (${attacker.attempts.length} moves)`);

// --- The assessment ------------------------------------------------------------------------------------------------

const h = (id: string, values: string[]) => [...new Set(values)].map((v) => hashAnswer(SALT, id, v));

const assessment: AssessmentInput = {
  scenario: NAME,
  salt: SALT,
  questions: [
    {
      id: "affected-instance",
      points: 5,
      prompt: t("Which EC2 instance did GuardDuty flag? (instance id)", "GuardDuty が検出したのはどの EC2 インスタンスですか? (インスタンス ID)"),
      hint: t(
        "aws guardduty list-findings, then get-findings: Resource.InstanceDetails.InstanceId.",
        "aws guardduty list-findings の後 get-findings の Resource.InstanceDetails.InstanceId を見ます。",
      ),
      kind: "id",
      hashes: h("affected-instance", [normalizeId(instanceId)]),
      example: "i-0123456789abcdef0",
    },
    {
      id: "ssh-attacker-ip",
      points: 10,
      prompt: t("From which IP address was the instance's SSH password guessed?", "インスタンスの SSH パスワードはどの IP アドレスから推測されましたか?"),
      hint: t(
        "GuardDuty's SSHBruteForce finding names the remote address; the VPC flow logs show its connections to port 22, and the one that lasted.",
        "GuardDuty の SSHBruteForce の検出結果にリモートアドレスがあります。VPC フローログにはそのポート 22 への接続と、長く続いた 1 本が見えます。",
      ),
      kind: "text",
      hashes: h("ssh-attacker-ip", [normalizeText(ips.sshAttacker)]),
      windowMinutes: 0,
      example: "192.0.2.1",
    },
    {
      id: "entry-method",
      points: 5,
      prompt: t(
        "How did the attacker get onto the instance? One of: ssrf, leaked-access-key, ssh-password-brute-force, phishing, exposed-database",
        "攻撃者はどうやってインスタンスに入りましたか? 次から一つ: ssrf, leaked-access-key, ssh-password-brute-force, phishing, exposed-database",
      ),
      hint: t(
        "The findings on the instance, its security group's port 22, and what its user data configures for SSH.",
        "インスタンスの検出結果、セキュリティグループのポート 22、ユーザーデータが SSH をどう設定しているかを見ます。",
      ),
      kind: "text",
      hashes: h("entry-method", ["ssh-password-brute-force"]),
      windowMinutes: 0,
      example: "phishing",
    },
    {
      id: "failing-controls",
      points: 10,
      prompt: t(
        "Which Security Hub controls fail for that instance and for its security group? (control ids)",
        "そのインスタンスとセキュリティグループについて、Security Hub のどのコントロールが失敗していますか? (コントロール ID)",
      ),
      hint: t(
        "aws securityhub get-findings with ComplianceStatus FAILED and ResourceId the instance's or the group's ARN; Compliance.SecurityControlId.",
        "aws securityhub get-findings で ComplianceStatus が FAILED、ResourceId がインスタンスかグループの ARN のものを探し、Compliance.SecurityControlId を見ます。",
      ),
      kind: "set",
      hashes: h("failing-controls", failing.map(normalizeId)),
      windowMinutes: 0,
      example: "S3.1, IAM.4",
    },
    {
      id: "ssh-opened-by",
      points: 5,
      prompt: t("Which IAM user opened port 22 to the whole internet?", "ポート 22 をインターネット全体に開いたのはどの IAM ユーザーですか?"),
      hint: t(
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AuthorizeSecurityGroupIngress",
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AuthorizeSecurityGroupIngress を使います。",
      ),
      kind: "id",
      hashes: h("ssh-opened-by", [normalizeId((worldSsh.userIdentity as { userName: string }).userName)]),
      example: "alice",
    },
    {
      id: "ssh-opened-time",
      points: 5,
      prompt: t("When was port 22 opened to the internet (ISO 8601, UTC)?", "ポート 22 がインターネットに開かれたのはいつですか (ISO 8601, UTC)?"),
      hint: t("The eventTime of that CloudTrail event.", "その CloudTrail イベントの eventTime です。"),
      kind: "time",
      hashes: h("ssh-opened-time", [minute(worldSsh.eventTime)]),
      windowMinutes: 2,
      example: "2026-01-01T00:00:00Z",
    },
    {
      id: "stolen-key",
      points: 10,
      prompt: t(
        "Which access key id of the instance's role did the attacker use from outside AWS?",
        "攻撃者が AWS の外から使った、インスタンスのロールのアクセスキー ID は何ですか?",
      ),
      hint: t(
        "GuardDuty's InstanceCredentialExfiltration finding names it (Resource.AccessKeyDetails); CloudTrail's userIdentity.accessKeyId agrees.",
        "GuardDuty の InstanceCredentialExfiltration の検出結果 (Resource.AccessKeyDetails) にあります。CloudTrail の userIdentity.accessKeyId も同じです。",
      ),
      kind: "id",
      hashes: h("stolen-key", [normalizeId(stolenKey)]),
      example: "ASIAXXXXXXXXXXXXXXXX",
    },
    {
      id: "credential-ip",
      points: 10,
      prompt: t("From which IP address were the stolen credentials used?", "盗まれた認証情報はどの IP アドレスから使われましたか?"),
      hint: t(
        "The same finding's remote IP; CloudTrail's sourceIPAddress for that key.",
        "同じ検出結果のリモート IP、そのキーの CloudTrail の sourceIPAddress です。",
      ),
      kind: "text",
      hashes: h("credential-ip", [normalizeText(ips.credsAttacker)]),
      windowMinutes: 0,
      example: "192.0.2.1",
    },
    {
      id: "drop-host-ip",
      points: 5,
      prompt: t(
        "From which IP address did the instance download the miner kit after the SSH login?",
        "SSH ログインの後、インスタンスはどの IP アドレスからマイナーのキットをダウンロードしましたか?",
      ),
      hint: t(
        "The VPC flow logs of the instance's interface right after the long SSH session began: an outbound connection with a large reply. GuardDuty's DropPoint!DNS finding names the host's domain.",
        "長い SSH セッションが始まった直後の、インスタンスのインターフェースの VPC フローログを見ます。応答の大きい外向きの接続です。GuardDuty の DropPoint!DNS の検出結果にそのホストのドメインがあります。",
      ),
      kind: "text",
      hashes: h("drop-host-ip", [normalizeText(ips.dropHost)]),
      windowMinutes: 0,
      example: "192.0.2.1",
    },
    {
      id: "exfiltrated-objects",
      points: 10,
      prompt: t("Which S3 objects did the attacker download? (s3://bucket/key)", "攻撃者がダウンロードした S3 オブジェクトはどれですか? (s3://bucket/key)"),
      hint: t(
        "GetObject is a data event: the trail's log files in its bucket have them (LookupEvents does not). Look for the stolen key.",
        "GetObject はデータイベントなので、証跡のバケットのログファイルにあります (LookupEvents にはありません)。盗まれたキーで探します。",
      ),
      kind: "set",
      hashes: h("exfiltrated-objects", downloaded.map(normalizeId)),
      windowMinutes: 0,
      example: "s3://my-bucket/path/file.csv",
    },
    {
      id: "mining-domain",
      points: 5,
      prompt: t("Which mining pool domain did the instance query?", "インスタンスが問い合わせたマイニングプールのドメインは何ですか?"),
      hint: t(
        "GuardDuty's CryptoCurrency …!DNS finding: Service.Action.DnsRequestAction.Domain.",
        "GuardDuty の CryptoCurrency …!DNS の検出結果の Service.Action.DnsRequestAction.Domain です。",
      ),
      kind: "text",
      hashes: h("mining-domain", [normalizeText(vars.poolDomain)]),
      windowMinutes: 0,
      example: "pool.example",
    },
    {
      id: "first-outside-call-time",
      points: 5,
      prompt: t(
        "When were the stolen credentials first used from outside AWS (ISO 8601, UTC)?",
        "盗まれた認証情報が初めて AWS の外から使われたのはいつですか (ISO 8601, UTC)?",
      ),
      hint: t(
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<key>: the oldest call from an address that is not the instance's.",
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<キー> で、インスタンス以外のアドレスからの最も古い呼び出しです。",
      ),
      kind: "time",
      hashes: h("first-outside-call-time", [minute(outside[0].eventTime)]),
      windowMinutes: 2,
      example: "2026-01-01T00:00:00Z",
    },
  ],
  containment: [
    {
      id: "ssh-door-closed",
      points: 10,
      title: t("The attacker's way onto the instance closed", "攻撃者がインスタンスに入った経路を閉じる"),
      hint: t(
        "Graded by effect: port 22 must no longer accept the attacker's address. Isolate the instance (aws ssm start-automation-execution --document-name AWSSupport-ContainEC2Instance …) or remove the open rule.",
        "効果で採点します: ポート 22 が攻撃者のアドレスを受け付けなければ合格です。インスタンスを隔離する (aws ssm start-automation-execution --document-name AWSSupport-ContainEC2Instance …) か、開いているルールを削除します。",
      ),
      check: "attackerBlocked",
      params: { attempts: ["ssh-password-again"] },
    },
    {
      id: "stolen-credentials-refused",
      points: 15,
      title: t("The stolen instance credentials refused", "盗まれたインスタンスの認証情報を拒否する"),
      hint: t(
        "Graded by effect: the stolen key's next calls are replayed and must be denied. Revoke the role's older sessions: an inline policy denying * when aws:TokenIssueTime is before now.",
        "効果で採点します: 盗まれたキーの次の呼び出しを再現し、拒否されれば合格です。ロールの古いセッションを無効化します (aws:TokenIssueTime が現在より前なら * を拒否するインラインポリシー)。",
      ),
      check: "attackerBlocked",
      params: { attempts: ["stolen-list-buckets", "stolen-list-exports", "stolen-read-export"] },
    },
    {
      id: "imdsv2-required",
      points: 10,
      title: t("IMDSv2 required on the instance", "インスタンスで IMDSv2 を必須にする"),
      hint: t(
        "Graded by effect: a plain GET to the metadata service must no longer return credentials. ASR-EnableIMDSV2OnInstance, or aws ec2 modify-instance-metadata-options --http-tokens required.",
        "効果で採点します: メタデータサービスへの単純な GET で認証情報が返らなければ合格です。ASR-EnableIMDSV2OnInstance、または aws ec2 modify-instance-metadata-options --http-tokens required。",
      ),
      check: "attackerBlocked",
      params: { attempts: ["resteal-through-imdsv1"] },
    },
    {
      id: "ssh-rule-removed",
      points: 10,
      title: t("The instance's security group no longer opens SSH to the internet", "インスタンスのセキュリティグループがインターネットに SSH を開いていない"),
      hint: t(
        "Isolation swaps the groups but leaves the rule for when the instance is released: remove it (ASR-DisableUnrestrictedAccessToHighRiskPorts, or aws ec2 revoke-security-group-ingress).",
        "隔離はグループを入れ替えるだけで、解除すればルールが戻ります。ルールを削除します (ASR-DisableUnrestrictedAccessToHighRiskPorts、または aws ec2 revoke-security-group-ingress)。",
      ),
      check: "worldOpenPortClosed",
      params: { groups: { [REGION]: [groupId] }, port: 22 },
    },
    {
      id: "role-least-privilege",
      points: 10,
      title: t("The instance role can no longer read data it never needed", "インスタンスのロールが不要なデータを読めない"),
      hint: t(
        "Graded by effect: a fresh session of the role must be refused the customer exports. The API reads only its assets bucket: replace AmazonS3FullAccess with a policy for that bucket.",
        "効果で採点します: ロールの新しいセッションが顧客エクスポートを拒否されれば合格です。API が読むのはアセットのバケットだけです。AmazonS3FullAccess をそのバケットだけのポリシーに置き換えます。",
      ),
      check: "roleCannotReach",
      params: {
        role: "tracking-api-role",
        sourceIp: ips.credsAttacker,
        moves: [
          {
            action: "s3:GetObject",
            resource: `arn:aws:s3:::${customerObject.slice("s3://".length)}`,
            bucket: vars.exportsBucket,
            titleEn: "A fresh session of the instance role downloads a customer export",
            titleJa: "インスタンスのロールの新しいセッションが顧客エクスポートをダウンロードする",
          },
          {
            action: "s3:ListBucket",
            resource: `arn:aws:s3:::${vars.exportsBucket}`,
            bucket: vars.exportsBucket,
            titleEn: "A fresh session of the instance role lists the customer exports",
            titleJa: "インスタンスのロールの新しいセッションが顧客エクスポートを一覧する",
          },
        ],
      },
    },
    {
      id: "disk-preserved",
      points: 10,
      title: t("The instance's disk preserved (a snapshot or an image)", "インスタンスのディスクを保全する (スナップショットかイメージ)"),
      hint: t(
        "aws ec2 create-snapshots --instance-specification InstanceId=…, or the containment runbook's CreateAMIBackup=true.",
        "aws ec2 create-snapshots --instance-specification InstanceId=…、または封じ込めランブックの CreateAMIBackup=true。",
      ),
      check: "volumesSnapshotted",
      params: { instances: { [REGION]: [instanceId] } },
    },
  ],
  order: [
    {
      id: "preserved-before-destructive",
      points: 10,
      title: t("The disk preserved before anything destructive", "破壊的な操作の前にディスクを保全する"),
      hint: t(
        "Evidence first: snapshot or image the instance before stopping, rebooting or terminating it.",
        "証拠保全が先です。インスタンスを停止・再起動・終了する前にスナップショットかイメージを取ります。",
      ),
      check: "preservedBeforeDestructive",
      params: { region: REGION, instanceId },
    },
    {
      id: "evidence-kept",
      points: 5,
      title: t("No logs deleted, logging never stopped", "ログを削除せず、ログ記録を止めない"),
      hint: t(
        "Never delete from the trail or flow-log buckets, stop the trail or disable GuardDuty during a response.",
        "対応中に証跡やフローログのバケットから削除したり、証跡や GuardDuty を止めたりしないでください。",
      ),
      check: "noEvidenceDestroyed",
      params: { buckets: [vars.trailBucket, vars.flowBucket] },
    },
  ],
};

assessmentSchema.parse(assessment);
emit(join(dir, "assessment.json"), `${JSON.stringify(assessment, null, 2)}\n`);
const objectives = assessment.containment.length + assessment.order.length;
if (!checkOnly) console.log(`wrote recordings/${NAME}/assessment.json (${assessment.questions.length} questions, ${objectives} objectives)`);
finish();
