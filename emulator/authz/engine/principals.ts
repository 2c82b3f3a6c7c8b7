/**
 * Principal and NotPrincipal in resource-based policies (reference_policies_elements_principal.html,
 * reference_policies_elements_notprincipal.html).
 *
 * A caller is several identities at once: a role session is the session, its role and its account; an IAM user is
 * the user and its account. `Principal` matches when any of them is named, and how it was named decides what the
 * grant is worth within the account (evaluate.ts): the caller itself ("direct"), the role or federating user
 * ("entity", still limited by boundaries and session policies), or only the account ("account": a delegation to
 * the account's identity policies). `NotPrincipal` spares a caller only when every one of its identities is listed,
 * which is why AWS asks for the session, role and account ARNs together.
 */
import type { AuthzPrincipal } from "./types.ts";

export type GrantStrength = "direct" | "entity" | "account";

export interface CompiledPrincipal {
  /** "*" or {"AWS": "*"}: everyone, anonymous callers included. */
  everyone: boolean;
  /** Typed identities: "aws:<arn>", "account:<id>", "service:<name>", "federated:<provider>", "canonical:<id>". */
  names: Set<string>;
}

export interface Identity {
  name: string;
  strength: GrantStrength;
}

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;

function awsName(value: string): string {
  if (ACCOUNT_ID.test(value)) return `account:${value}`;
  const root = ACCOUNT_ARN.exec(value);
  return root ? `account:${root[1]}` : `aws:${value}`;
}

const KEYS: Record<string, string> = { Service: "service", Federated: "federated", CanonicalUser: "canonical" };

export function compilePrincipal(raw: unknown): CompiledPrincipal {
  const p: CompiledPrincipal = { everyone: false, names: new Set() };
  if (raw === "*") p.everyone = true;
  else if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [type, values] of Object.entries(raw)) {
      for (const v of Array.isArray(values) ? values : [values]) {
        if (typeof v !== "string") continue;
        if (type === "AWS") {
          if (v === "*") p.everyone = true;
          else p.names.add(awsName(v));
        } else if (KEYS[type]) p.names.add(`${KEYS[type]}:${v}`);
      }
    }
  }
  return p;
}

/** The identities a caller is, each with the worth of a grant that names it. */
export function identitiesOf(principal: AuthzPrincipal): Identity[] {
  const account: Identity = { name: `account:${principal.accountId}`, strength: "account" };
  const out: Identity[] = [];
  switch (principal.type) {
    case "IAMUser":
      out.push({ name: `aws:${principal.arn}`, strength: "direct" }, account);
      break;
    case "AssumedRole":
      out.push({ name: `aws:${principal.arn}`, strength: "direct" });
      if (principal.roleArn) out.push({ name: `aws:${principal.roleArn}`, strength: "entity" });
      if (principal.federatedProvider) out.push({ name: `federated:${principal.federatedProvider}`, strength: "direct" });
      out.push(account);
      break;
    case "FederatedUser":
      out.push({ name: `aws:${principal.arn}`, strength: "direct" });
      if (principal.userArn) out.push({ name: `aws:${principal.userArn}`, strength: "entity" });
      out.push(account);
      break;
    case "Root":
      // The root user is its account: "arn:aws:iam::ACCT:root" and "ACCT" both name it.
      out.push({ name: account.name, strength: "direct" });
      break;
    case "Service":
      if (principal.service) out.push({ name: `service:${principal.service}`, strength: "direct" });
      break;
    case "Anonymous":
      break;
  }
  if (principal.canonicalUserId) out.push({ name: `canonical:${principal.canonicalUserId}`, strength: "account" });
  return out;
}

const RANK: Record<GrantStrength, number> = { account: 1, entity: 2, direct: 3 };

/** How strongly a `Principal` element names the caller, or undefined when it does not. */
export function principalMatch(p: CompiledPrincipal, who: readonly Identity[]): GrantStrength | undefined {
  if (p.everyone) return "direct";
  let best: GrantStrength | undefined;
  for (const id of who) if (p.names.has(id.name) && (!best || RANK[id.strength] > RANK[best])) best = id.strength;
  return best;
}

/** Whether a `NotPrincipal` statement applies to the caller: some identity of it is not listed. */
export function notPrincipalApplies(p: CompiledPrincipal, who: readonly Identity[]): boolean {
  if (p.everyone) return false;
  return who.length === 0 || who.some((id) => !p.names.has(id.name));
}
