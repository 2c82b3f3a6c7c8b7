/**
 * Writes each scenario's recordings/<name>/assessment.json from its facts: only salted hashes of the answers go into
 * the recording. Answers are taken in the recording's own time (its manifest's recordedDiscovery); what the range
 * shifts with the incident is declared (times as minutes from discovery, dates spelt into names as `spelled`), so
 * grading judges them in the range's time. Run after changing a story: node bin/run-ts.js scripts/make-assessment.ts
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../emulator/core/paths.ts";
import { hashAnswer, normalizeId, normalizeText } from "../emulator/grading/answers.ts";
import { type AssessmentInput, assessmentSchema } from "../emulator/grading/assessment.ts";
import { buildStory } from "../recordings/secutter/generator/story.ts";
import { secutterAnswers } from "./secutter-answers.ts";

const recording = (name: string) => join(PROJECT_ROOT, "recordings", name);
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const t = (en: string, ja: string) => ({ en, ja });

/** Writes an assessment once it parses as one. */
function write(name: string, assessment: AssessmentInput): void {
  assessmentSchema.parse(assessment);
  writeFileSync(join(recording(name), "assessment.json"), `${JSON.stringify(assessment, null, 2)}\n`);
  const objectives = assessment.containment.length + assessment.order.length;
  console.log(`wrote recordings/${name}/assessment.json (${assessment.questions.length} questions, ${objectives} objectives)`);
}

// --- secutter: from the generator's facts, at the recording's own discovery moment ----------------------------------

const SALT = "secutter-2f8d61c4";
const anchor = new Date(readJson(join(recording("secutter"), "scenario.json")).recordedDiscovery);
const { answers, facts } = secutterAnswers(anchor);
/** The moment the exfiltrated dump was written: its key spells the date (JST) and shifts with the incident. */
const story = buildStory(anchor.getTime());
const dump = story.daily.find((d) => d.dumpKey === story.exfiltratedKey);
if (!dump) throw new Error(`no daily run wrote ${story.exfiltratedKey}`);
const dumpDate = { at: new Date(anchor.getTime() + dump.dumpAt).toISOString(), format: "YYYYMMDD", utcOffset: "+09:00" };

const minute = (iso: string) => String(Math.round((Date.parse(iso) - anchor.getTime()) / 60_000));
const h = (id: string, values: string[]) => values.map((v) => hashAnswer(SALT, id, v));

const secutter: AssessmentInput = {
  scenario: "secutter",
  salt: SALT,
  questions: [
    {
      id: "attacker-ip",
      points: 10,
      prompt: t("From which IP address did the attacker use the stolen credentials?", "攻撃者は盗んだ認証情報をどの IP アドレスから使いましたか?"),
      hint: t(
        "GuardDuty's InstanceCredentialExfiltration finding names the caller; CloudTrail's sourceIPAddress agrees.",
        "GuardDuty の InstanceCredentialExfiltration の検出結果に呼び出し元が書かれています。CloudTrail の sourceIPAddress も同じです。",
      ),
      kind: "text",
      hashes: h("attacker-ip", [normalizeText(answers["attacker-ip"])]),
      windowMinutes: 0,
      example: "192.0.2.1",
    },
    {
      id: "credential-theft",
      points: 10,
      prompt: t(
        "How were the credentials obtained? One of: ssrf, sql-injection, leaked-access-key, phishing, password-guessing",
        "認証情報はどのように入手されましたか? 次から一つ: ssrf, sql-injection, leaked-access-key, phishing, password-guessing",
      ),
      hint: t(
        "Search the nginx access logs in the evidence bucket for 169.254.169.254.",
        "証拠バケットの nginx アクセスログで 169.254.169.254 を検索してください。",
      ),
      kind: "text",
      hashes: h("credential-theft", ["ssrf"]),
      windowMinutes: 0,
      example: "phishing",
    },
    {
      id: "stolen-key",
      points: 10,
      prompt: t("Which access key id did the attacker use?", "攻撃者が使ったアクセスキー ID は何ですか?"),
      hint: t(
        "An ASIA… key of the web server's role session, used from outside AWS.",
        "Web サーバーのロールセッションの ASIA… キーが AWS の外から使われています。",
      ),
      kind: "id",
      hashes: h("stolen-key", [normalizeId(answers["stolen-key"])]),
      windowMinutes: 0,
      example: "ASIAXXXXXXXXXXXXXXXX",
    },
    {
      id: "first-malicious-call",
      points: 5,
      prompt: t("What was the first API call the attacker made with the stolen key?", "盗んだキーで攻撃者が最初に呼んだ API は何ですか?"),
      hint: t(
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<key>, oldest last.",
        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<キー> の一番古いものです。",
      ),
      kind: "text",
      hashes: h("first-malicious-call", [normalizeText(answers["first-malicious-call"])]),
      windowMinutes: 0,
      example: "ListBuckets",
    },
    {
      id: "first-malicious-time",
      points: 5,
      prompt: t("When was that call made (ISO 8601, UTC)?", "その呼び出しはいつでしたか (ISO 8601, UTC)?"),
      hint: t("The eventTime of that CloudTrail event.", "その CloudTrail イベントの eventTime です。"),
      kind: "time",
      hashes: h("first-malicious-time", [minute(answers["first-malicious-time"])]),
      windowMinutes: 2,
      example: "2026-01-01T00:00:00Z",
    },
    {
      id: "rogue-instances",
      points: 10,
      prompt: t(
        "List the ids of every instance the attacker launched (all regions).",
        "攻撃者が起動したインスタンスの ID をすべて挙げてください (全リージョン)。",
      ),
      hint: t(
        "RunInstances calls by the stolen key in each region; or instances with the attacker's key pair.",
        "各リージョンで盗まれたキーによる RunInstances、または攻撃者のキーペアを持つインスタンスを探します。",
      ),
      kind: "set",
      hashes: h("rogue-instances", answers["rogue-instances"].map(normalizeId)),
      windowMinutes: 0,
      example: "i-0123456789abcdef0, i-0fedcba9876543210",
    },
    {
      id: "rogue-regions",
      points: 5,
      prompt: t("In which regions did the attacker launch instances?", "攻撃者はどのリージョンでインスタンスを起動しましたか?"),
      hint: t(
        "Look beyond the home region: aws ec2 describe-instances --region …",
        "ホームリージョン以外も確認しましょう: aws ec2 describe-instances --region …",
      ),
      kind: "set",
      hashes: h("rogue-regions", answers["rogue-regions"].map(normalizeId)),
      windowMinutes: 0,
      example: "eu-west-1",
    },
    {
      id: "exfiltrated-object",
      points: 10,
      prompt: t("Which S3 object did the attacker download? (s3://bucket/key)", "攻撃者がダウンロードした S3 オブジェクトはどれですか? (s3://bucket/key)"),
      hint: t("S3 data events (GetObject) of the stolen key in CloudTrail.", "CloudTrail で盗まれたキーによる S3 データイベント (GetObject) を探します。"),
      kind: "text",
      hashes: h("exfiltrated-object", [normalizeText(answers["exfiltrated-object"]), normalizeText(answers["exfiltrated-object"].replace(/^s3:\/\//, ""))]),
      windowMinutes: 0,
      spelled: [dumpDate],
      example: "s3://my-bucket/path/file.gz",
    },
    {
      id: "persistence",
      points: 10,
      prompt: t(
        "What did the attacker create that is still in the account? List key pair names and security group ids.",
        "攻撃者が作成し、まだアカウントに残っているものは何ですか? キーペア名とセキュリティグループ ID を挙げてください。",
      ),
      hint: t(
        "CreateKeyPair and CreateSecurityGroup calls of the stolen key, in both regions.",
        "盗まれたキーによる CreateKeyPair と CreateSecurityGroup の呼び出しを両リージョンで探します。",
      ),
      kind: "set",
      hashes: h("persistence", answers.persistence.map(normalizeId)),
      windowMinutes: 0,
      example: "my-key, sg-0123456789abcdef0",
    },
    {
      id: "miner-host",
      points: 5,
      prompt: t(
        "From which IP address did the rogue instances download the miner?",
        "不正なインスタンスはどの IP アドレスからマイナーをダウンロードしましたか?",
      ),
      hint: t(
        "Decode the rogue instances' user data (describe-instance-attribute --attribute userData).",
        "不正なインスタンスのユーザーデータをデコードします (describe-instance-attribute --attribute userData)。",
      ),
      kind: "text",
      hashes: h("miner-host", [normalizeText(answers["miner-host"])]),
      windowMinutes: 0,
      example: "192.0.2.2",
    },
  ],
  containment: [
    {
      id: "miners-terminated",
      points: 15,
      title: t("Every rogue instance terminated, in every region", "すべてのリージョンで不正なインスタンスを終了する"),
      hint: t(
        "Snapshot their volumes first, then aws ec2 terminate-instances in each region.",
        "先にボリュームのスナップショットを取り、各リージョンで aws ec2 terminate-instances を実行します。",
      ),
      check: "instancesTerminated",
      params: { instances: facts.miners },
    },
    {
      id: "miner-volumes-snapshotted",
      points: 10,
      title: t("The rogue instances' volumes preserved as snapshots", "不正なインスタンスのボリュームをスナップショットで保全する"),
      hint: t(
        "aws ec2 create-snapshot --volume-id … (or create-snapshots --instance-specification) before terminating.",
        "終了する前に aws ec2 create-snapshot --volume-id …(または create-snapshots)を実行します。",
      ),
      check: "volumesSnapshotted",
      params: { instances: facts.miners },
    },
    {
      id: "stolen-sessions-revoked",
      points: 15,
      title: t("The stolen role sessions revoked", "盗まれたロールセッションを無効化する"),
      hint: t(
        "Graded by effect: the stolen session's next calls (ec2 describe-regions, run-instances in both regions, listing the backups) are replayed and must be denied. Add an inline policy to secutter-web-role denying * when aws:TokenIssueTime is before now (what the console's 'Revoke active sessions' does); detaching AmazonEC2FullAccess alone leaves what the role's other policy allows.",
        "効果で採点します: 盗まれたセッションの次の呼び出し (ec2 describe-regions、両リージョンでの run-instances、バックアップの一覧) を再現し、すべて拒否されれば合格です。secutter-web-role に aws:TokenIssueTime が現在より前なら * を拒否するインラインポリシーを付けます (コンソールの「アクティブなセッションの取り消し」と同じ)。AmazonEC2FullAccess を外すだけでは、ロールの別のポリシーが許す操作が残ります。",
      ),
      check: "attackerBlocked",
      params: { attempts: ["recon-identity-check", "run-miners-home", "run-miners-use1", "read-backups"] },
    },
    {
      id: "imdsv2-required",
      points: 10,
      title: t("IMDSv2 required on the web server", "Web サーバーで IMDSv2 を必須にする"),
      hint: t(
        "aws ec2 modify-instance-metadata-options --instance-id … --http-tokens required",
        "aws ec2 modify-instance-metadata-options --instance-id … --http-tokens required",
      ),
      // Graded by effect: the attacker re-stealing credentials through the SSRF must fail.
      check: "attackerBlocked",
      params: { attempts: ["resteal-through-ssrf"] },
    },
    {
      id: "attacker-key-pairs-deleted",
      points: 5,
      title: t("The attacker's key pairs deleted in every region", "すべてのリージョンで攻撃者のキーペアを削除する"),
      hint: t("aws ec2 delete-key-pair --key-name … in each region.", "各リージョンで aws ec2 delete-key-pair --key-name … を実行します。"),
      check: "keyPairsDeleted",
      params: { keyPairs: { "ap-northeast-1": [facts.keyPairName], "us-east-1": [facts.keyPairName] } },
    },
    {
      id: "attacker-security-groups-closed",
      points: 5,
      title: t("The attacker's world-open SSH groups deleted or closed", "攻撃者が作った SSH 全開放のセキュリティグループを削除または閉じる"),
      hint: t(
        "revoke-security-group-ingress, or delete-security-group once no instance uses it.",
        "revoke-security-group-ingress するか、使うインスタンスがなくなってから delete-security-group します。",
      ),
      check: "securityGroupsClosed",
      params: { groups: { "ap-northeast-1": [facts.securityGroups["ap-northeast-1"]], "us-east-1": [facts.securityGroups["us-east-1"]] } },
    },
  ],
  order: [
    {
      id: "findings-archived-after-containment",
      points: 5,
      title: t("GuardDuty findings archived, and only after the threat was contained", "脅威を封じ込めた後で GuardDuty の検出結果をアーカイブする"),
      hint: t(
        "Archive (aws guardduty archive-findings) once the rogue instances are gone; archiving first only hides the alerts.",
        "不正なインスタンスを止めてから aws guardduty archive-findings でアーカイブします。先にアーカイブすると警告を隠すだけです。",
      ),
      check: "findingsArchivedAfterContainment",
      params: { regions: ["ap-northeast-1", "us-east-1"], instances: facts.miners },
    },
    {
      id: "snapshot-before-terminate",
      points: 10,
      title: t("Each rogue instance's volumes snapshotted before it was terminated", "不正なインスタンスは終了する前にボリュームのスナップショットを取る"),
      hint: t("Evidence first: a terminated instance's volumes are gone for good.", "証拠保全が先です。終了したインスタンスのボリュームは二度と戻りません。"),
      check: "snapshotBeforeTerminate",
      params: { instances: facts.miners },
    },
    {
      id: "evidence-kept",
      points: 10,
      title: t("No evidence deleted, logging never stopped", "証拠を削除せず、ログ記録を止めない"),
      hint: t(
        "Never delete from the evidence or backup buckets, stop the trail or disable GuardDuty during a response.",
        "対応中に証拠・バックアップのバケットから削除したり、証跡や GuardDuty を止めたりしないでください。",
      ),
      check: "noEvidenceDestroyed",
      params: { buckets: ["secutter-ir-evidence", facts.exfiltrated.bucket] },
    },
  ],
};

write("secutter", secutter);

// --- basic: from its recorded state --------------------------------------------------------------------------------

interface BasicState {
  accounts: Record<
    string,
    {
      global: { iam: { users: Record<string, { UserName: string; CreateDate: string; AccessKeys?: { AccessKeyId: string }[] }> } };
      regions: Record<string, { ec2?: { instances?: Record<string, { InstanceId: string; Tags?: { Key: string; Value: string }[] }> } }>;
    }
  >;
}
const basicManifest = readJson(join(recording("basic"), "scenario.json"));
const basicState = readJson(join(recording("basic"), "state.json")) as BasicState;
const account = basicState.accounts[basicManifest.accountId];
const responder = basicManifest.credentials.find((c: { label: string }) => c.label === basicManifest.responder).principal.userName;
const instances = Object.entries(account.regions).flatMap(([region, r]) => Object.values(r.ec2?.instances ?? {}).map((i) => ({ region, ...i })));
const web = instances.find((i) => i.Tags?.some((tag) => tag.Key === "Name" && tag.Value === "web-1"));
const other = Object.values(account.global.iam.users).find((u) => u.UserName !== responder && u.AccessKeys?.length);
if (!web || !other) throw new Error("recordings/basic/state.json: no web-1 instance or no other user with an access key");
const BASIC_SALT = "basic-7f3a9c21";
const bh = (id: string, values: string[]) => values.map((v) => hashAnswer(BASIC_SALT, id, v));
const basicMinute = (iso: string) => String(Math.round((Date.parse(iso) - Date.parse(basicManifest.recordedDiscovery)) / 60_000));

const basic: AssessmentInput = {
  scenario: "basic",
  salt: BASIC_SALT,
  questions: [
    {
      id: "web-instance",
      points: 10,
      prompt: t("What is the instance id of the web server?", "Web サーバーのインスタンス ID は何ですか?"),
      hint: t(
        "aws ec2 describe-instances --filters Name=tag:Name,Values=web-1",
        "aws ec2 describe-instances --filters Name=tag:Name,Values=web-1 を試してください",
      ),
      kind: "id",
      hashes: bh("web-instance", [normalizeId(web.InstanceId)]),
      example: "i-0123456789abcdef0",
    },
    {
      id: "other-user",
      points: 5,
      prompt: t("Which IAM user other than you has an access key?", "あなた以外でアクセスキーを持つ IAM ユーザーは誰ですか?"),
      hint: t("aws iam list-users, then aws iam list-access-keys --user-name …", "aws iam list-users の後に aws iam list-access-keys --user-name … を使います"),
      kind: "id",
      hashes: bh("other-user", [normalizeId(other.UserName)]),
      example: "alice",
    },
    {
      id: "user-created",
      points: 5,
      prompt: t("When was that user created (ISO 8601)?", "そのユーザーはいつ作成されましたか (ISO 8601)?"),
      hint: t("aws iam get-user --user-name … shows CreateDate", "aws iam get-user --user-name … の CreateDate を見てください"),
      kind: "time",
      hashes: bh("user-created", [basicMinute(other.CreateDate)]),
      windowMinutes: 1,
      example: "2026-01-01T00:00:00Z",
    },
    {
      id: "regions-with-instances",
      points: 5,
      prompt: t("In which regions does the account run instances?", "インスタンスが動いているリージョンはどこですか?"),
      hint: t("Ask each region: aws ec2 describe-instances --region …", "リージョンごとに aws ec2 describe-instances --region … で確認します"),
      kind: "set",
      hashes: bh("regions-with-instances", [...new Set(instances.map((i) => normalizeId(i.region)))]),
      example: "us-east-1, eu-west-1",
    },
  ],
  containment: [
    {
      id: "imdsv2",
      points: 10,
      title: t("IMDSv2 required on the web server", "Web サーバーで IMDSv2 を必須にする"),
      hint: t("aws ec2 modify-instance-metadata-options --http-tokens required", "aws ec2 modify-instance-metadata-options --http-tokens required"),
      check: "imdsv2Required",
      params: { region: web.region, instanceId: web.InstanceId },
    },
    {
      // Neither its id nor its title names the user: that is a question's answer.
      id: "other-user-key",
      points: 10,
      title: t("The other user's exposed access key no longer works", "もう一人のユーザーの漏えいしたアクセスキーを使えなくする"),
      hint: t(
        "Graded by effect: the key's next calls are replayed and must fail. aws iam update-access-key --status Inactive (or attach AWSDenyAll to the user).",
        "効果で採点します: キーの次の呼び出しを再現し、失敗すれば合格です。aws iam update-access-key --status Inactive (またはユーザーに AWSDenyAll を付ける)。",
      ),
      check: "attackerBlocked",
      params: { attempts: ["list-buckets", "start-web"] },
    },
  ],
  order: [
    {
      id: "evidence-kept",
      points: 5,
      title: t("No evidence deleted, logging never stopped", "証拠を削除せず、ログ記録を止めない"),
      hint: t(
        "Never delete from the evidence bucket or stop the trail during a response.",
        "対応中に証拠バケットから削除したり証跡を停止したりしないでください。",
      ),
      check: "noEvidenceDestroyed",
      params: { buckets: readdirSync(join(recording("basic"), "objects")) },
    },
  ],
};

write("basic", basic);
