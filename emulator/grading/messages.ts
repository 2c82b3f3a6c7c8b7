/**
 * Every sentence of a grade, in English and Japanese. Checks and answers return evidence as a message id and its
 * values (`Evidence`); grade.ts renders it in the student's language, naming the values or, where they would give an
 * answer away, counting them (`summary`).
 */
export type Lang = "en" | "ja";

export type Args = Record<string, string | number>;

/** One piece of evidence: a message and the values it names. */
export interface Evidence {
  msg: MessageId;
  args: Args;
  /**
   * Names the values identify without printing them (the user an access key belongs to, the instance a volume is
   * attached to): the evidence is named only when none of them, and none of its printed values, is an answer the
   * student has not given.
   */
  about?: string[];
}

/** What a withheld group of evidence is counted as: how many, of how many checked, in how many regions. */
export interface Count {
  n: number;
  total: number;
  regions: number;
}

type Render = (a: Args) => string;
type Summary = (c: Count, a: Args) => string;

interface Message {
  en: Render;
  ja: Render;
  /** The withheld form, counting every piece of this message (grouped by the values in `by`), naming none. */
  summary?: { en: Summary; ja: Summary; by?: string[] };
}

const s = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** "5 of 7 instances", "the instance". */
const enSubject = (c: Count, noun: string, nouns: string) => (c.total === 1 ? `the ${noun}` : `${c.n} of ${c.total} ${nouns}`);
/** The verb agreeing with the count: "is" for one, "are" for more. */
const v = (c: Count, one: string, many: string) => s(c.n, one, many);
const enRegions = (c: Count) => (c.regions ? `, in ${c.regions} ${s(c.regions, "region", "regions")}` : "");
/** "7 台中 5 台の", "" for one. */
const jaCount = (c: Count, unit: string) => (c.total === 1 ? "" : `${c.total} ${unit}中 ${c.n} ${unit}の`);
const jaRegions = (c: Count) => (c.regions ? ` (${c.regions} リージョン)` : "");

const MESSAGES = {
  // Answers.
  noAnswer: { en: () => "no answer", ja: () => "未回答" },
  correct: { en: () => "correct", ja: () => "正解" },
  correctBeforeReset: {
    en: (a) => `correct in the range's time before a reset (discovery at ${a.anchor})`,
    ja: (a) => `リセット前の演習環境の時刻で正解 (発見時刻 ${a.anchor})`,
  },
  notTheAnswer: { en: (a) => `"${a.given}" is not the answer`, ja: (a) => `「${a.given}」は正解ではありません` },
  setFound: {
    en: (a) => `${a.right} of ${a.total} found${Number(a.wrong) ? `, ${a.wrong} wrong` : ""}`,
    ja: (a) => `${a.total} 個中 ${a.right} 個正解${Number(a.wrong) ? `、${a.wrong} 個は誤り` : ""}`,
  },
  notATime: { en: (a) => `"${a.given}" is not an ISO 8601 time`, ja: (a) => `「${a.given}」は ISO 8601 形式の時刻ではありません` },
  notWithin: {
    en: (a) => `${a.given} is not within ${a.window} min of the moment asked for`,
    ja: (a) => `${a.given} は求める時刻の前後 ${a.window} 分以内にありません`,
  },

  // Containment.
  instanceNotTerminated: {
    en: (a) => `${a.id} in ${a.region} still ${a.state}`,
    ja: (a) => `${a.region} の ${a.id} はまだ ${a.state} です`,
    summary: {
      by: ["state"],
      en: (c, a) => `${enSubject(c, "instance", "instances")} ${v(c, "is", "are")} still ${a.state}${enRegions(c)}`,
      ja: (c, a) => `${jaCount(c, "台")}インスタンスがまだ ${a.state} です${jaRegions(c)}`,
    },
  },
  volumeNotSnapshotted: {
    en: (a) => `no snapshot of ${a.volume} (${a.id}, ${a.region})`,
    ja: (a) => `${a.volume} (${a.id}, ${a.region}) のスナップショットがありません`,
    summary: {
      en: (c) => `${enSubject(c, "volume", "volumes")} ${v(c, "has", "have")} no snapshot taken during the response${enRegions(c)}`,
      ja: (c) => `${jaCount(c, "個")}ボリュームに対応中に取ったスナップショットがありません${jaRegions(c)}`,
    },
  },
  roleDeleted: {
    en: (a) => `role ${a.role} was deleted`,
    ja: (a) => `ロール ${a.role} は削除されています`,
    summary: { en: () => "the role was deleted", ja: () => "ロールは削除されています" },
  },
  sessionsDenied: {
    en: (a) => `inline policy ${a.policy} denies sessions issued before ${a.time}`,
    ja: (a) => `インラインポリシー ${a.policy} が ${a.time} より前に発行されたセッションを拒否しています`,
  },
  policiesDetached: { en: () => "over-broad policies detached", ja: () => "過剰な権限のポリシーは外されています" },
  sessionsNotRevoked: {
    en: (a) => `${a.role} still has ${a.policies} and no aws:TokenIssueTime deny after the theft`,
    ja: (a) => `${a.role} にはまだ ${a.policies} が付いており、窃取後の時刻で aws:TokenIssueTime を拒否するポリシーもありません`,
    summary: {
      en: () => "the role still has its over-broad policies and no aws:TokenIssueTime deny after the theft",
      ja: () => "ロールにはまだ過剰な権限のポリシーが付いており、窃取後の時刻で aws:TokenIssueTime を拒否するポリシーもありません",
    },
  },
  attackerBlocked: {
    en: (a) => `blocked: ${a.titleEn} — ${a.reasonEn}`,
    ja: (a) => `阻止: ${a.titleJa} — ${a.reasonJa}`,
  },
  attackerPossible: {
    en: (a) => `still possible: ${a.titleEn} — ${a.reasonEn}`,
    ja: (a) => `まだ可能: ${a.titleJa} — ${a.reasonJa}`,
    summary: {
      en: (c) => `${c.total === 1 ? "the attacker's next move is" : `${c.n} of the attacker's ${c.total} next moves are`} still possible`,
      ja: (c) => `攻撃者の次の手${c.total === 1 ? "" : ` ${c.total} 手中 ${c.n} 手`}がまだ可能です`,
    },
  },
  attackerNotReplayed: {
    en: () => "the attacker's next moves were not replayed (grade through a running range or a saved state directory)",
    ja: () => "攻撃者の次の手は再現されていません (起動中のレンジか保存した状態ディレクトリで採点してください)",
  },
  imdsv1Allowed: {
    en: (a) => `${a.id} still allows IMDSv1 (HttpTokens ${a.tokens})`,
    ja: (a) => `${a.id} はまだ IMDSv1 を許可しています (HttpTokens ${a.tokens})`,
    summary: {
      by: ["tokens"],
      en: (c, a) => `${enSubject(c, "instance", "instances")} still ${v(c, "allows", "allow")} IMDSv1 (HttpTokens ${a.tokens})`,
      ja: (c, a) => `${jaCount(c, "台")}インスタンスがまだ IMDSv1 を許可しています (HttpTokens ${a.tokens})`,
    },
  },
  keyPairLeft: {
    en: (a) => `key pair ${a.name} still in ${a.region}`,
    ja: (a) => `キーペア ${a.name} がまだ ${a.region} にあります`,
    summary: {
      en: (c) => `${enSubject(c, "key pair", "key pairs")} ${v(c, "is", "are")} still there${enRegions(c)}`,
      ja: (c) => `${jaCount(c, "個")}キーペアがまだ残っています${jaRegions(c)}`,
    },
  },
  groupOpen: {
    en: (a) => `${a.id} in ${a.region} still open to 0.0.0.0/0`,
    ja: (a) => `${a.region} の ${a.id} はまだ 0.0.0.0/0 に開いています`,
    summary: {
      en: (c) => `${enSubject(c, "security group", "security groups")} ${v(c, "is", "are")} still open to 0.0.0.0/0${enRegions(c)}`,
      ja: (c) => `${jaCount(c, "個")}セキュリティグループがまだ 0.0.0.0/0 に開いています${jaRegions(c)}`,
    },
  },
  findingNotArchived: {
    en: (a) => `${a.type} (${a.id}…, ${a.region}) not archived`,
    ja: (a) => `${a.type} (${a.id}…, ${a.region}) はアーカイブされていません`,
    summary: {
      en: (c) => `${enSubject(c, "finding", "findings")} ${v(c, "is", "are")} not archived${enRegions(c)}`,
      ja: (c) => `${jaCount(c, "件")}検出結果がアーカイブされていません${jaRegions(c)}`,
    },
  },
  keyActive: {
    en: (a) => `${a.key} is still Active`,
    ja: (a) => `${a.key} はまだ Active です`,
    summary: {
      en: (c) => `${enSubject(c, "access key", "access keys")} ${v(c, "is", "are")} still Active`,
      ja: (c) => `${jaCount(c, "個")}アクセスキーがまだ Active です`,
    },
  },

  // Order.
  terminatedBeforeSnapshot: {
    en: (a) => `${a.id} (${a.region}) was terminated at ${a.time} before any snapshot of its volumes`,
    ja: (a) => `${a.id} (${a.region}) はボリュームのスナップショットを取る前の ${a.time} に終了されました`,
    summary: {
      en: (c) =>
        `${enSubject(c, "instance", "instances")} ${v(c, "was", "were")} terminated before any snapshot of ${v(c, "its", "their")} volumes${enRegions(c)}`,
      ja: (c) => `${jaCount(c, "台")}インスタンスがボリュームのスナップショットを取る前に終了されました${jaRegions(c)}`,
    },
  },
  noneTerminated: {
    en: () => "none of the rogue instances has been terminated yet",
    ja: () => "不正なインスタンスはまだ一つも終了されていません",
  },
  archivedWhileRunning: {
    en: () => "findings were archived while rogue instances still run",
    ja: () => "不正なインスタンスが動いているうちに検出結果がアーカイブされました",
  },
  archivedBeforeContainment: {
    en: (a) => `findings archived at ${a.time}, before the last rogue instance was terminated`,
    ja: (a) => `最後の不正なインスタンスを終了する前の ${a.time} に検出結果がアーカイブされました`,
  },
  evidenceDeleted: {
    en: (a) => `${a.event} on the evidence at ${a.time}`,
    ja: (a) => `${a.time} に証拠に対する ${a.event} が実行されました`,
  },
  loggingStopped: {
    en: (a) => `${a.event} at ${a.time}`,
    ja: (a) => `${a.time} に ${a.event} が実行されました`,
  },
} satisfies Record<string, Message>;

export type MessageId = keyof typeof MESSAGES;

const messages: Record<MessageId, Message> = MESSAGES;

export const evidence = (msg: MessageId, args: Args = {}, about?: string[]): Evidence => ({ msg, args, ...(about?.length ? { about } : {}) });

/** The evidence in words, naming its values. */
export function render(e: Evidence, lang: Lang): string {
  return messages[e.msg][lang](e.args);
}

/** The values a group of withheld evidence is counted by (its message and these values). */
export function summaryKey(e: Evidence): string {
  const by = messages[e.msg].summary?.by ?? [];
  return JSON.stringify([e.msg, ...by.map((k) => e.args[k])]);
}

/** Withheld evidence, counted: every piece of the group, of `total` checked, in how many regions. */
export function renderSummary(group: Evidence[], total: number, lang: Lang): string {
  const first = group[0];
  const summary = messages[first.msg].summary;
  const regions = new Set(group.map((e) => e.args.region).filter((r) => r !== undefined)).size;
  const count = { n: group.length, total: Math.max(total, group.length), regions };
  if (summary) return summary[lang](count, first.args);
  // A message with nothing to count says only that something of its kind is withheld.
  return WITHHELD[lang](count);
}

const WITHHELD: Record<Lang, (c: Count) => string> = {
  en: (c) => `${c.n} ${s(c.n, "item", "items")} withheld until you answer the questions they would give away`,
  ja: (c) => `${c.n} 件は、その答えになる設問に正しく答えるまで伏せています`,
};

/** The words around the table. */
export const LABELS: Record<
  Lang,
  Record<"pass" | "partial" | "fail" | "question" | "containment" | "order" | "total" | "hint" | "withheld" | "warning", string>
> = {
  en: {
    pass: "PASS",
    partial: "PARTIAL",
    fail: "FAIL",
    question: "question",
    containment: "containment",
    order: "order",
    total: "Total",
    hint: "hint",
    warning: "warning",
    withheld: "Names that answer a question are withheld until you answer that question correctly; an instructor's debrief shows them with --reveal.",
  },
  ja: {
    pass: "合格",
    partial: "部分点",
    fail: "不合格",
    question: "設問",
    containment: "封じ込め",
    order: "手順",
    total: "合計",
    hint: "ヒント",
    warning: "警告",
    withheld: "設問の答えになる名前は、その設問に正しく答えるまで伏せています。講師による振り返りでは --reveal で表示できます。",
  },
};

/** An answer key that is no question id, and the id it most likely meant. */
export const UNKNOWN_KEY: Record<Lang, (key: string, suggestion?: string) => string> = {
  en: (key, suggestion) =>
    suggestion
      ? `unknown answer key '${key}' — did you mean '${suggestion}'?`
      : `unknown answer key '${key}' — no question has that id (npx ir-range answers --template lists them)`,
  ja: (key, suggestion) =>
    suggestion
      ? `不明な回答キー '${key}' — '${suggestion}' のことですか?`
      : `不明な回答キー '${key}' — その ID の設問はありません (設問の一覧は npx ir-range answers --template --lang ja)`,
};

/** The answers template's header. */
export const TEMPLATE_HEADER: Record<Lang, (scenario: string) => string[]> = {
  en: (scenario) => [`# ir-range answers for scenario "${scenario}". Fill in each value, then: npx ir-range grade --answers answers.yaml`],
  ja: (scenario) => [`# シナリオ「${scenario}」の ir-range 回答ファイル。各値を記入してから実行: npx ir-range grade --answers answers.yaml --lang ja`],
};

export const TEMPLATE_EXAMPLE: Record<Lang, string> = { en: "e.g.", ja: "例:" };
