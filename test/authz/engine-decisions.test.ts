// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${aws:username} and the like are IAM policy variables, written literally.
/**
 * What a decision reports besides allow/deny, as simulate-principal-policy and AWS's denial messages use it: the
 * matched statements in order, the policy named for a denial, the missing context keys, and the keys the engine
 * derives from the principal.
 */
import { describe, expect, it } from "vitest";
import { type AuthzPrincipal, evaluate, type PolicySet } from "../../emulator/authz/engine/index.ts";
import type { NamedPolicy } from "../../emulator/core/authz.ts";

const ACCOUNT = "111122223333";
const alice: AuthzPrincipal = { type: "IAMUser", arn: `arn:aws:iam::${ACCOUNT}:user/division/alice`, accountId: ACCOUNT };
const webSession: AuthzPrincipal = {
  type: "AssumedRole",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/secutter-web/i-0a1b2c3d4e5f60718`,
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/secutter-web`,
};
const policy = (kind: NamedPolicy["kind"], name: string, ...Statement: object[]): NamedPolicy => ({
  kind,
  name,
  document: JSON.stringify({ Version: "2012-10-17", Statement }),
  ...(kind === "boundary" && { arn: `arn:aws:iam::${ACCOUNT}:policy/${name}` }),
});

describe("matched statements", () => {
  it("lists every matching statement, allow and deny, in AWS's order: SCPs, resource, identity, boundary, session", () => {
    const policies: PolicySet = {
      scps: [policy("scp", "FullAWSAccess", { Sid: "Scp", Effect: "Allow", Action: "*", Resource: "*" })],
      resource: policy("resource", "bucket", { Sid: "Bucket", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      identity: [
        policy(
          "identity",
          "one",
          { Sid: "NotThis", Effect: "Allow", Action: "ec2:*", Resource: "*" },
          { Sid: "Read", Effect: "Allow", Action: "s3:Get*", Resource: "*" },
        ),
        policy("identity", "two", { Sid: "Deny", Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/secret/*" }),
      ],
      boundary: policy("boundary", "Boundary", { Sid: "S3", Effect: "Allow", Action: "s3:*", Resource: "*" }),
      session: [policy("session", "session", { Sid: "Session", Effect: "Allow", Action: "*", Resource: "*" })],
    };
    const d = evaluate({ principal: webSession, action: "s3:GetObject", resource: "arn:aws:s3:::b/secret/k", context: {} }, policies);
    expect(d.decision).toBe("explicitDeny");
    expect(d.deniedBy).toEqual({ kind: "identity", policy: policies.identity[1] });
    expect(d.matched.map((m) => [m.policy.name, m.index, m.sid, m.effect])).toEqual([
      ["FullAWSAccess", 0, "Scp", "Allow"],
      ["bucket", 0, "Bucket", "Allow"],
      ["one", 1, "Read", "Allow"],
      ["two", 0, "Deny", "Deny"],
      ["Boundary", 0, "S3", "Allow"],
      ["session", 0, "Session", "Allow"],
    ]);
  });

  it("an implicit deny by the boundary names the boundary policy; by the identity policies, none", () => {
    const boundary = policy("boundary", "S3Only", { Effect: "Allow", Action: "s3:*", Resource: "*" });
    const byBoundary = evaluate(
      { principal: alice, action: "ec2:RunInstances", resource: "*", context: {} },
      { identity: [policy("identity", "all", { Effect: "Allow", Action: "*", Resource: "*" })], boundary },
    );
    expect(byBoundary.deniedBy).toEqual({ kind: "boundary", policy: boundary });
    const byIdentity = evaluate({ principal: alice, action: "ec2:RunInstances", resource: "*", context: {} }, { identity: [], boundary });
    expect(byIdentity.deniedBy).toEqual({ kind: "identity" });
  });

  it("an allowed decision names no denial", () => {
    const d = evaluate(
      { principal: alice, action: "s3:GetObject", resource: "*", context: {} },
      { identity: [policy("identity", "all", { Effect: "Allow", Action: "*", Resource: "*" })] },
    );
    expect(d).toEqual({ decision: "allowed", matched: [expect.objectContaining({ index: 0, effect: "Allow" })], missingContextKeys: [] });
  });
});

describe("missing context keys", () => {
  it("names each key once, as the policy first wrote it, only for statements about this action and resource", () => {
    const identity = [
      policy(
        "identity",
        "p",
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/Team": "red", "s3:ExistingObjectTag/Team": "${aws:PrincipalTag/team}" } },
        },
        { Effect: "Deny", Action: "s3:GetObject", Resource: "*", Condition: { DateLessThan: { "AWS:TokenIssueTime": "2026-01-01T00:00:00Z" } } },
        { Effect: "Allow", Action: "ec2:*", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } },
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::elsewhere/*", Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } } },
      ),
    ];
    const d = evaluate({ principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: { "aws:principaltag/team": "red" } }, { identity });
    expect(d.missingContextKeys).toEqual(["s3:ExistingObjectTag/Team", "AWS:TokenIssueTime"]);
  });
});

describe("keys derived from the principal", () => {
  const allowIf = (condition: object) => [policy("identity", "p", { Effect: "Allow", Action: "*", Resource: "*", Condition: condition })];
  const decide = (principal: AuthzPrincipal, condition: object, context = {}) =>
    evaluate({ principal, action: "s3:GetObject", resource: "*", context }, { identity: allowIf(condition) }).decision;

  it("aws:username is an IAM user's name without its path; a role session has none", () => {
    expect(decide(alice, { StringEquals: { "aws:username": "alice" } })).toBe("allowed");
    expect(decide(webSession, { Null: { "aws:username": "true" } })).toBe("allowed");
  });

  it("aws:PrincipalArn of a role session is the role's ARN; aws:PrincipalType says AssumedRole", () => {
    expect(decide(webSession, { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/secutter-web` } })).toBe("allowed");
    expect(decide(webSession, { StringEquals: { "aws:PrincipalType": "AssumedRole", "aws:PrincipalAccount": ACCOUNT } })).toBe("allowed");
    expect(decide(alice, { StringEquals: { "aws:PrincipalType": "User" } })).toBe("allowed");
  });

  it("aws:ResourceAccount is the resource's account", () => {
    const d = evaluate(
      { principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", resourceAccount: ACCOUNT, context: {} },
      { identity: allowIf({ StringEquals: { "aws:ResourceAccount": ACCOUNT } }) },
    );
    expect(d.decision).toBe("allowed");
  });

  it("a key the caller gives wins over the derived one", () => {
    expect(decide(alice, { StringEquals: { "aws:username": "someone-else" } }, { "AWS:UserName": "someone-else" })).toBe("allowed");
  });
});
