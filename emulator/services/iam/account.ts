/** Account-wide IAM views: GetAccountAuthorizationDetails and the credential report. */
import type {
  DeleteAccountPasswordPolicyCommandInput,
  DeleteAccountPasswordPolicyCommandOutput,
  GenerateCredentialReportCommandInput,
  GenerateCredentialReportCommandOutput,
  GetAccountAuthorizationDetailsCommandInput,
  GetAccountAuthorizationDetailsCommandOutput,
  GetAccountPasswordPolicyCommandInput,
  GetAccountPasswordPolicyCommandOutput,
  GetAccountSummaryCommandInput,
  GetAccountSummaryCommandOutput,
  GetCredentialReportCommandInput,
  GetCredentialReportCommandOutput,
  GroupDetail,
  ListAccountAliasesCommandInput,
  ListAccountAliasesCommandOutput,
  ListVirtualMFADevicesCommandInput,
  ListVirtualMFADevicesCommandOutput,
  ManagedPolicyDetail,
  RoleDetail,
  SummaryKeyType,
  UserDetail,
} from "@aws-sdk/client-iam";
import { AwsError } from "../../core/errors.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { isAwsManagedArn } from "./aws-managed-policies.ts";
import { byName, encodeDocument, isoNow, pageOf } from "./common.ts";
import { lastUseOf } from "./key-use.ts";
import { allPolicies, attachedPolicies, publicPolicy, publicVersion } from "./policies.ts";
import { publicInstanceProfile } from "./roles.ts";
import { type IamState, iamState, type StoredAccessKey } from "./state.ts";
import { publicUser } from "./users.ts";

const FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;

const inlineList = (policies: Record<string, string>) =>
  Object.keys(policies)
    .sort()
    .map((name) => ({ PolicyName: name, PolicyDocument: encodeDocument(policies[name]) }));

function userDetails(st: IamState): UserDetail[] {
  return Object.values(st.users)
    .sort(byName("UserName"))
    .map((u) => ({
      Path: u.Path,
      UserName: u.UserName,
      UserId: u.UserId,
      Arn: u.Arn,
      CreateDate: u.CreateDate as unknown as Date,
      UserPolicyList: inlineList(u.InlinePolicies),
      GroupList: [...u.Groups],
      AttachedManagedPolicies: attachedPolicies(st, u.AttachedPolicies),
      ...(u.PermissionsBoundary ? { PermissionsBoundary: u.PermissionsBoundary } : {}),
      Tags: (u.Tags ?? []) as UserDetail["Tags"],
    }));
}

function groupDetails(st: IamState): GroupDetail[] {
  return Object.values(st.groups)
    .sort(byName("GroupName"))
    .map((g) => ({
      Path: g.Path,
      GroupName: g.GroupName,
      GroupId: g.GroupId,
      Arn: g.Arn,
      CreateDate: g.CreateDate as unknown as Date,
      GroupPolicyList: inlineList(g.InlinePolicies),
      AttachedManagedPolicies: attachedPolicies(st, g.AttachedPolicies),
    }));
}

function roleDetails(st: IamState): RoleDetail[] {
  return Object.values(st.roles)
    .sort(byName("RoleName"))
    .map((r) => ({
      Path: r.Path,
      RoleName: r.RoleName,
      RoleId: r.RoleId,
      Arn: r.Arn,
      CreateDate: r.CreateDate as unknown as Date,
      AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicyDocument),
      InstanceProfileList: Object.values(st.instanceProfiles)
        .filter((p) => (p.Roles ?? []).some((x) => x.RoleName === r.RoleName))
        .sort(byName("InstanceProfileName"))
        .map((p) => publicInstanceProfile(st, p)),
      RolePolicyList: inlineList(r.InlinePolicies),
      AttachedManagedPolicies: attachedPolicies(st, r.AttachedPolicies),
      ...(r.PermissionsBoundary ? { PermissionsBoundary: r.PermissionsBoundary } : {}),
      Tags: (r.Tags ?? []) as RoleDetail["Tags"],
      RoleLastUsed: (r.RoleLastUsed ?? {}) as RoleDetail["RoleLastUsed"],
    }));
}

/** Customer managed policies, and the AWS managed ones that something in the account uses. */
function policyDetails(st: IamState, local: boolean, aws: boolean): ManagedPolicyDetail[] {
  return allPolicies(st)
    .filter((p) => {
      const isAws = isAwsManagedArn(p.Arn ?? "");
      if (isAws) return aws && (p.AttachmentCount ?? 0) + (p.PermissionsBoundaryUsageCount ?? 0) > 0;
      return local;
    })
    .sort(byName("PolicyName"))
    .map((p) => ({
      ...(publicPolicy(p, true) as ManagedPolicyDetail & { Tags?: unknown }),
      PolicyVersionList: p.Versions.map((v) => publicVersion(v, true)),
    }))
    .map(({ Tags: _t, ...rest }) => rest);
}

export const getAccountAuthorizationDetails: OpHandler<GetAccountAuthorizationDetailsCommandInput, GetAccountAuthorizationDetailsCommandOutput> = (
  input,
  ctx,
) => {
  const st = iamState(ctx);
  const filter = input.Filter ?? [];
  for (const f of filter) {
    if (!(FILTERS as readonly string[]).includes(f)) {
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value '[${filter.join(", ")}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [LocalManagedPolicy, Group, AWSManagedPolicy, User, Role]]`,
      );
    }
  }
  const want = (f: (typeof FILTERS)[number]) => filter.length === 0 || filter.includes(f);
  // One ordered sequence so that Marker/MaxItems page across all four lists as IAM does.
  type Item = { k: "U"; v: UserDetail } | { k: "G"; v: GroupDetail } | { k: "R"; v: RoleDetail } | { k: "P"; v: ManagedPolicyDetail };
  const items: Item[] = [
    ...(want("User") ? userDetails(st).map((v) => ({ k: "U" as const, v })) : []),
    ...(want("Group") ? groupDetails(st).map((v) => ({ k: "G" as const, v })) : []),
    ...(want("Role") ? roleDetails(st).map((v) => ({ k: "R" as const, v })) : []),
    ...policyDetails(st, want("LocalManagedPolicy"), want("AWSManagedPolicy")).map((v) => ({ k: "P" as const, v })),
  ];
  const { page, IsTruncated, Marker } = pageOf(items, input, `GetAccountAuthorizationDetails:${filter.join(",")}`);
  const pick = <K extends Item["k"]>(k: K) => page.filter((i): i is Extract<Item, { k: K }> => i.k === k).map((i) => i.v);
  return {
    UserDetailList: pick("U") as UserDetail[],
    GroupDetailList: pick("G") as GroupDetail[],
    RoleDetailList: pick("R") as RoleDetail[],
    Policies: pick("P") as ManagedPolicyDetail[],
    IsTruncated,
    Marker,
  };
};

// ---- credential report ----

/** A report takes a moment to generate; IAM reuses one for four hours, then calls it expired. */
export const REPORT_GENERATION_MS = 1000;
const REPORT_LIFETIME_MS = 4 * 3600_000;

export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
];

/** The report writes times as 2024-01-15T08:12:00+00:00. */
function reportTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

interface KeyColumns {
  active: boolean;
  rotated?: string;
  usedDate?: string;
  usedRegion?: string;
  usedService?: string;
}

function keyCells(k: KeyColumns | undefined): string[] {
  if (!k) return ["false", "N/A", "N/A", "N/A", "N/A"];
  return [
    String(k.active),
    reportTime(k.rotated) ?? "N/A",
    reportTime(k.usedDate) ?? "N/A",
    k.usedDate ? (k.usedRegion ?? "N/A") : "N/A",
    k.usedDate ? (k.usedService ?? "N/A") : "N/A",
  ];
}

function certCells(c: { Status?: string; UploadDate?: string } | undefined): string[] {
  return c ? [String(c.Status === "Active"), reportTime(c.UploadDate) ?? "N/A"] : ["false", "N/A"];
}

/** lastUse: a key's last use as IAM knows it now (uses noted since the last write included). */
export function credentialReportCsv(
  st: IamState,
  accountId: string,
  fallbackCreated: string,
  lastUse: (k: StoredAccessKey) => StoredAccessKey["LastUsed"] = (k) => k.LastUsed,
): string {
  const created = [...Object.values(st.users), ...Object.values(st.roles), ...Object.values(st.groups)]
    .map((e) => e.CreateDate ?? "")
    .filter(Boolean)
    .sort()[0];
  const root = st.root ?? {};
  const rootKeys = (root.AccessKeys ?? []).map((k) => ({
    active: k.Active,
    rotated: k.LastRotated,
    usedDate: k.LastUsedDate,
    usedRegion: k.LastUsedRegion,
    usedService: k.LastUsedService,
  }));
  const rows: string[][] = [
    [
      "<root_account>",
      `arn:aws:iam::${accountId}:root`,
      reportTime(root.CreateDate ?? created ?? fallbackCreated) ?? "N/A",
      "not_supported",
      reportTime(root.PasswordLastUsed) ?? "no_information",
      "not_supported",
      "not_supported",
      String(root.MfaActive ?? false),
      ...keyCells(rootKeys[0]),
      ...keyCells(rootKeys[1]),
      "false",
      "N/A",
      "false",
      "N/A",
    ],
  ];
  for (const u of Object.values(st.users).sort(byName("UserName"))) {
    const password = u.LoginProfile !== undefined;
    const keys = [...u.AccessKeys]
      .sort((a, b) => (a.CreateDate ?? "").localeCompare(b.CreateDate ?? ""))
      .map((k) => ({
        active: k.Status === "Active",
        rotated: k.CreateDate,
        usedDate: lastUse(k)?.LastUsedDate,
        usedRegion: lastUse(k)?.Region,
        usedService: lastUse(k)?.ServiceName,
      }));
    rows.push([
      u.UserName ?? "",
      u.Arn ?? "",
      reportTime(u.CreateDate) ?? "N/A",
      String(password),
      password ? (reportTime(u.PasswordLastUsed) ?? "no_information") : "N/A",
      password ? (reportTime(u.LoginProfile?.CreateDate) ?? "N/A") : "N/A",
      nextRotation(st, password ? u.LoginProfile?.CreateDate : undefined),
      String((u.MFADevices ?? []).length > 0),
      ...keyCells(keys[0]),
      ...keyCells(keys[1]),
      ...certCells(u.SigningCertificates?.[0]),
      ...certCells(u.SigningCertificates?.[1]),
    ]);
  }
  return `${[CREDENTIAL_REPORT_COLUMNS, ...rows].map((r) => r.join(",")).join("\n")}`;
}

/** With a password policy that expires passwords, the date the user's password must change. */
function nextRotation(st: IamState, lastChanged: string | undefined): string {
  const days = st.passwordPolicy?.ExpirePasswords ? st.passwordPolicy.MaxPasswordAge : undefined;
  if (!lastChanged || !days) return "N/A";
  return reportTime(new Date(Date.parse(lastChanged) + days * 86_400_000).toISOString()) ?? "N/A";
}

/** Measured against a millisecond ReadyAt: GeneratedTime is whole seconds, too coarse for a one-second generation. */
function inProgress(st: IamState, ctx: RequestContext): boolean {
  const ready = st.credentialReport?.ReadyAt;
  return ready !== undefined && ctx.runtime.clock.now().getTime() < Date.parse(ready);
}

function reportAge(st: IamState, ctx: RequestContext): number | undefined {
  const r = st.credentialReport;
  return r ? ctx.runtime.clock.now().getTime() - Date.parse(r.GeneratedTime) : undefined;
}

export const generateCredentialReport: OpHandler<GenerateCredentialReportCommandInput, GenerateCredentialReportCommandOutput> = (_input, ctx) => {
  const st = iamState(ctx);
  const age = reportAge(st, ctx);
  if (age === undefined || Number.isNaN(age) || age >= REPORT_LIFETIME_MS) {
    // The snapshot is taken now: changes after this call show up only in the next report.
    const now = ctx.runtime.clock.now();
    st.credentialReport = {
      GeneratedTime: isoNow(ctx),
      Content: credentialReportCsv(st, ctx.accountId, ctx.runtime.anchor.toISOString(), (k) => lastUseOf(ctx.runtime, k)),
      ReadyAt: new Date(now.getTime() + REPORT_GENERATION_MS).toISOString(),
    };
    return { State: "STARTED", Description: "No report exists. Starting a new report generation task" };
  }
  if (inProgress(st, ctx)) return { State: "INPROGRESS", Description: "Report generation task is in progress." };
  return { State: "COMPLETE" };
};

export const getCredentialReport: OpHandler<GetCredentialReportCommandInput, GetCredentialReportCommandOutput> = (_input, ctx) => {
  const st = iamState(ctx);
  const age = reportAge(st, ctx);
  const report = st.credentialReport;
  if (!report || age === undefined || Number.isNaN(age)) {
    throw new AwsError(
      "ReportNotPresent",
      "Credential report not present in this account. Call GenerateCredentialReport to generate a credential report.",
      410,
    );
  }
  if (inProgress(st, ctx)) throw new AwsError("ReportInProgress", "Credential report generation is in progress. Try again later.", 404);
  if (age >= REPORT_LIFETIME_MS) {
    throw new AwsError("ReportExpired", "The credential report has expired. Call GenerateCredentialReport to generate a new credential report.", 410);
  }
  const csv = report.Content ?? credentialReportCsv(st, ctx.accountId, ctx.runtime.anchor.toISOString(), (k) => lastUseOf(ctx.runtime, k));
  return { Content: Buffer.from(csv, "utf8"), ReportFormat: "text/csv", GeneratedTime: report.GeneratedTime as unknown as Date };
};

// ---- account summary, aliases, password policy, virtual MFA ----

export const getAccountSummary: OpHandler<GetAccountSummaryCommandInput, GetAccountSummaryCommandOutput> = (_input, ctx) => {
  const st = iamState(ctx);
  const users = Object.values(st.users);
  const mfa = users.reduce((n, u) => n + (u.MFADevices ?? []).length, 0) + (st.root?.MfaActive ? 1 : 0);
  const attachedLocal = Object.keys(st.policies).filter((arn) =>
    [...users, ...Object.values(st.roles), ...Object.values(st.groups)].some((e) => e.AttachedPolicies.includes(arn)),
  );
  const summary: Partial<Record<SummaryKeyType, number>> = {
    Users: users.length,
    UsersQuota: 5000,
    Groups: Object.keys(st.groups).length,
    GroupsQuota: 300,
    Roles: Object.keys(st.roles).length,
    RolesQuota: 1000,
    Policies: Object.keys(st.policies).length,
    PoliciesQuota: 1500,
    InstanceProfiles: Object.keys(st.instanceProfiles).length,
    InstanceProfilesQuota: 1000,
    ServerCertificates: 0,
    ServerCertificatesQuota: 20,
    MFADevices: mfa,
    MFADevicesInUse: mfa,
    AccountMFAEnabled: st.root?.MfaActive ? 1 : 0,
    AccountAccessKeysPresent: (st.root?.AccessKeys ?? []).length > 0 ? 1 : 0,
    AccountPasswordPresent: 1,
    AccountSigningCertificatesPresent: 0,
    AccessKeysPerUserQuota: 2,
    SigningCertificatesPerUserQuota: 2,
    UserPolicySizeQuota: 2048,
    GroupPolicySizeQuota: 5120,
    RolePolicySizeQuota: 10240,
    AssumeRolePolicySizeQuota: 2048,
    PolicySizeQuota: 6144,
    PolicyVersionsInUse: attachedLocal.length,
    PolicyVersionsInUseQuota: 10000,
    VersionsPerPolicyQuota: 5,
    GroupsPerUserQuota: 10,
    AttachedPoliciesPerUserQuota: 10,
    AttachedPoliciesPerGroupQuota: 10,
    AttachedPoliciesPerRoleQuota: 10,
    GlobalEndpointTokenVersion: 1,
    Providers: 0,
  };
  return { SummaryMap: summary };
};

export const listAccountAliases: OpHandler<ListAccountAliasesCommandInput, ListAccountAliasesCommandOutput> = (input, ctx) => {
  const { page, IsTruncated, Marker } = pageOf(iamState(ctx).accountAliases ?? [], input, "ListAccountAliases");
  return { AccountAliases: page, IsTruncated, Marker };
};

export const getAccountPasswordPolicy: OpHandler<GetAccountPasswordPolicyCommandInput, GetAccountPasswordPolicyCommandOutput> = (_input, ctx) => {
  const policy = iamState(ctx).passwordPolicy;
  if (!policy) throw new AwsError("NoSuchEntity", `The Password Policy with domain name ${ctx.accountId} cannot be found.`, 404);
  return { PasswordPolicy: policy };
};

/** Virtual devices are the users' MFA devices whose serial is an IAM mfa/ ARN (hardware tokens have plain serials). */
export const listVirtualMFADevices: OpHandler<ListVirtualMFADevicesCommandInput, ListVirtualMFADevicesCommandOutput> = (input, ctx) => {
  const st = iamState(ctx);
  const status = input.AssignmentStatus ?? "Any";
  const devices =
    status === "Unassigned"
      ? []
      : Object.values(st.users)
          .sort(byName("UserName"))
          .flatMap((u) =>
            (u.MFADevices ?? [])
              .filter((d) => (d.SerialNumber ?? "").includes(":mfa/"))
              .map((d) => ({ SerialNumber: d.SerialNumber ?? "", User: publicUser(u), EnableDate: d.EnableDate as unknown as Date })),
          );
  const { page, IsTruncated, Marker } = pageOf(devices, input, `ListVirtualMFADevices:${status}`);
  return { VirtualMFADevices: page, IsTruncated, Marker };
};

export const deleteAccountPasswordPolicy: OpHandler<DeleteAccountPasswordPolicyCommandInput, DeleteAccountPasswordPolicyCommandOutput> = (_input, ctx) => {
  const st = iamState(ctx);
  if (!st.passwordPolicy) throw new AwsError("NoSuchEntity", `The account policy with name PasswordPolicy cannot be found.`, 404);
  delete st.passwordPolicy;
  return {};
};
