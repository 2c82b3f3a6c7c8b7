/**
 * The attacker's live credential: the web role's session stolen through the SSRF (the keys the saved "icon" in the
 * uploads bucket reveals), stored as STS stores the sessions it issued, so that it signs requests in the range.
 *
 * A liberty of the range, said in docs/scenarios.md: instance credentials expire hours after issue, and the
 * attacker, with the SSRF open, would simply have fetched fresh ones. Here the one stolen session stays valid for a
 * day after discovery instead, so that a student can watch revocation (aws:TokenIssueTime) take effect on it.
 */
import type { StsState } from "../../../emulator/services/sts/sessions.ts";
import type { Story } from "./story.ts";
import { iso } from "./time.ts";
import { ACCOUNT, DAY, IAM_IDS, NAMES, WEB } from "./world.ts";

export function buildSts(a: number, story: Story): StsState {
  const s = story.stolen;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${NAMES.webRole}`;
  return {
    sessions: {
      [s.accessKeyId]: {
        AccessKeyId: s.accessKeyId,
        SecretAccessKey: s.secret,
        SessionToken: s.token,
        Expiration: iso(a + DAY),
        principal: {
          type: "AssumedRole",
          accountId: ACCOUNT,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${NAMES.webRole}/${WEB.instanceId}`,
          principalId: `${IAM_IDS.webRole}:${WEB.instanceId}`,
          sessionContext: {
            sessionIssuer: { type: "Role", principalId: IAM_IDS.webRole, arn: roleArn, accountId: ACCOUNT, userName: NAMES.webRole },
            creationDate: iso(a + s.issued),
            mfaAuthenticated: false,
            ec2RoleDelivery: "1.0",
          },
        },
      },
    },
  };
}
