/**
 * Whose keys sign an actor's calls: a user's own key (as the state has it now: a key deactivated by an earlier step
 * no longer works), another actor's key (the exposed one), a saved AssumeRole's session, or an instance's role
 * credentials as IMDS hands them out (an STS session named after the instance, delivered by EC2).
 */

import { randomBytes } from "../../core/entropy.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { Ec2State } from "../../services/ec2/state.ts";
import { iamStateOf } from "../../services/iam/state.ts";
import { stsStateOf } from "../../services/sts/sessions.ts";
import type { Actor, Timeline } from "./schema.ts";

export interface Signer {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const chars = (n: number, alphabet: string) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");

/** Instance credentials live six hours; a new set is fetched when the old one is within five minutes of expiring. */
const INSTANCE_SESSION_MS = 6 * 3_600_000;

export class Credentials {
  private instanceSessions = new Map<string, { signer: Signer; expires: number; attacker: boolean }>();

  constructor(
    private readonly tl: Timeline,
    private readonly runtime: Runtime,
    private readonly saved: Record<string, unknown>,
    private readonly manifestSecret: (accessKeyId: string) => string | undefined,
  ) {}

  private actor(name: string): Actor {
    const a = this.tl.actors[name];
    if (!a) throw new Error(`no actor named "${name}"`);
    return a;
  }

  async signerOf(name: string, seen: string[] = []): Promise<Signer> {
    if (seen.includes(name)) throw new Error(`actors ${[...seen, name].join(" → ")} refer to each other`);
    const a = this.actor(name);
    if (a.keyOf) return this.signerOf(a.keyOf, [...seen, name]);
    if (a.user) {
      const user = iamStateOf(this.runtime, this.runtime.accountId).users[a.user];
      const key = user?.AccessKeys.find((k) => !a.accessKeyId || k.AccessKeyId === a.accessKeyId) ?? user?.AccessKeys[0];
      if (!key?.AccessKeyId) throw new Error(`actor ${name}: user ${a.user} has no access key any more`);
      const secret = key.SecretAccessKey ?? this.manifestSecret(key.AccessKeyId);
      if (!secret) throw new Error(`actor ${name}: no secret for ${key.AccessKeyId}`);
      return { accessKeyId: key.AccessKeyId, secretAccessKey: secret };
    }
    if (a.session) {
      type Keys = { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
      const out = this.saved[a.session] as { Credentials?: Keys; AccessKey?: Keys } | undefined;
      // An AssumeRole's session, or the long-term key a saved iam CreateAccessKey made (a backdoor user's).
      const c = out?.Credentials ?? out?.AccessKey;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`actor ${name}: "${a.session}" is not a saved AssumeRole or CreateAccessKey output (yet)`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    }
    if (a.instance) return this.instanceSigner(name, a.instance);
    throw new Error(`actor ${name} has no credentials (user, keyOf, session or instance)`);
  }

  /** The instance's current role credentials, issued as EC2 delivers them (ec2RoleDelivery 1.0 for IMDSv1, 2.0 for v2). */
  private async instanceSigner(name: string, save: string): Promise<Signer> {
    const out = this.saved[save] as { Instances?: { InstanceId?: string }[] } | undefined;
    const instanceId = out?.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new Error(`actor ${name}: "${save}" is not a saved RunInstances output (yet)`);
    const now = this.runtime.clock.now().getTime();
    const held = this.instanceSessions.get(instanceId);
    if (held && held.expires - now > 300_000) return held.signer;
    const account = this.runtime.accountId;
    return this.runtime.transact(() => {
      let found: { region: string; ec2: Ec2State } | undefined;
      for (const [region, services] of Object.entries(this.runtime.account(account).regions)) {
        const ec2 = services.ec2 as Ec2State | undefined;
        if (ec2?.instances[instanceId]) found = { region, ec2 };
      }
      const instance = found?.ec2.instances[instanceId];
      const profileArn = instance?.IamInstanceProfile?.Arn;
      if (!instance || !profileArn) throw new Error(`actor ${name}: instance ${instanceId} has no instance profile`);
      const iam = iamStateOf(this.runtime, account);
      const profile = Object.values(iam.instanceProfiles).find((p) => p.Arn === profileArn);
      const roleName = profile?.Roles?.[0]?.RoleName;
      const role = roleName ? iam.roles[roleName] : undefined;
      if (!role?.RoleId || !role.Arn || !roleName) throw new Error(`actor ${name}: the profile of ${instanceId} has no role`);
      const accessKeyId = `ASIA${chars(16, B32)}`;
      const signer: Signer = {
        accessKeyId,
        secretAccessKey: chars(40, SECRET),
        sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(480).toString("base64")}`,
      };
      const expires = now + INSTANCE_SESSION_MS;
      stsStateOf(this.runtime, account).sessions[accessKeyId] = {
        AccessKeyId: accessKeyId,
        SecretAccessKey: signer.secretAccessKey,
        SessionToken: signer.sessionToken as string,
        Expiration: new Date(expires).toISOString(),
        principal: {
          type: "AssumedRole",
          accountId: account,
          arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${instanceId}`,
          principalId: `${role.RoleId}:${instanceId}`,
          sessionContext: {
            sessionIssuer: { type: "Role", principalId: role.RoleId, arn: role.Arn, accountId: account, userName: roleName },
            creationDate: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
            mfaAuthenticated: false,
            ec2RoleDelivery: instance.MetadataOptions?.HttpTokens === "required" ? "2.0" : "1.0",
          },
        },
      };
      this.instanceSessions.set(instanceId, { signer, expires, attacker: this.actor(name).attacker === true });
      return signer;
    });
  }

  /**
   * A liberty the range takes, as Secutter does (docs/scenarios.md): instance credentials an attacker holds at the
   * discovery stay valid until `until` instead of hours, so that a responder can watch revocation take effect on them.
   */
  keepStolenSessionsUntil(until: number): void {
    if (this.instanceSessions.size === 0) return;
    const sessions = stsStateOf(this.runtime, this.runtime.accountId).sessions;
    for (const held of this.instanceSessions.values()) {
      const s = sessions[held.signer.accessKeyId];
      if (held.attacker && s && Date.parse(s.Expiration) > this.runtime.clock.now().getTime()) s.Expiration = new Date(until).toISOString();
    }
  }

  /** The addresses an actor calls from: one, or several used in turn. */
  sourceIps(name: string, seen: string[] = []): string[] {
    const a = this.actor(name);
    if (a.sourceIp) return Array.isArray(a.sourceIp) ? a.sourceIp : [a.sourceIp];
    if (a.keyOf && !seen.includes(name)) return this.sourceIps(a.keyOf, [...seen, name]);
    return ["203.0.113.10"];
  }
}
