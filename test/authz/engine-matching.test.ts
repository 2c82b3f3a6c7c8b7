/**
 * Action and resource matching, how the engine reads documents that are not quite right, and its document cache.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cachedDocuments } from "../../emulator/authz/engine/documents.ts";
import { type AuthzPrincipal, evaluate } from "../../emulator/authz/engine/index.ts";
import { wildcardMatch } from "../../emulator/authz/engine/matching.ts";

const alice: AuthzPrincipal = { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice", accountId: "111122223333" };

const decide = (document: string, action: string, resource: string) =>
  evaluate({ principal: alice, action, resource, context: {} }, { identity: [{ kind: "identity", name: "p", document }] });

const allowing = (Resource: unknown, Action: unknown = "*") => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });

describe("resource ARNs", () => {
  const cases: [pattern: string, arn: string, matches: boolean][] = [
    ["arn:aws:iam::*", "arn:aws:iam::111122223333:user/alice", true],
    ["arn:aws:iam::*:user/*", "arn:aws:iam::111122223333:user/division/alice", true],
    ["arn:aws:iam::*:user/*", "arn:aws:iam::111122223333:role/alice", false],
    ["arn:aws:ec2:us-east-?:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true],
    ["arn:aws:ec2:us-east-?:*:instance/*", "arn:aws:ec2:us-east-10:111122223333:instance/i-1", false],
    ["arn:aws:ec2:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", false],
    ["arn:aws:logs:us-east-1:111122223333:log-group:web:*", "arn:aws:logs:us-east-1:111122223333:log-group:web:log-stream:a", true],
    ["arn:aws:s3:::b", "arn:aws:s3:::b/", false],
    ["arn:aws:s3:::b/*", "arn:aws:s3:::b/", true],
    ["arn:aws:s3:::B/*", "arn:aws:s3:::b/k", false],
    ["arn:aws:s3:::a.b(c)+/*", "arn:aws:s3:::a.b(c)+/k", true],
    ["arn:aws:s3:::a.b/*", "arn:aws:s3:::aXb/k", false],
  ];
  it.each(cases)("%s vs %s → %s", (pattern, arn, matches) => {
    expect(decide(allowing(pattern), "s3:GetObject", arn).decision).toBe(matches ? "allowed" : "implicitDeny");
  });

  it("a * resource pattern matches the * of actions without resource-level permissions; nothing else does", () => {
    expect(decide(allowing("*"), "ec2:DescribeRegions", "*").decision).toBe("allowed");
    expect(decide(allowing("arn:aws:ec2:*"), "ec2:DescribeRegions", "*").decision).toBe("implicitDeny");
  });

  it("segment wildcards in ArnLike and Resource agree with the documented StringLike contrast", () => {
    const value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    const pattern = "arn:aws:someservice:*:111122223333:finance/*";
    expect(wildcardMatch(pattern, value, "plain")).toBe(true);
    expect(wildcardMatch(pattern, value, "arn")).toBe(false);
  });
});

/**
 * The rules as a regular expression, built the obvious way: fine as an oracle on short strings, where backtracking
 * costs nothing. In a segment before the sixth a wildcard stops at a colon, unless it is in the last segment of a
 * pattern of fewer than six segments that ends with a star.
 */
function oracle(pattern: string, mode: "plain" | "arn"): RegExp {
  const k = pattern.split(":").length;
  const trailingStar = k < 6 && pattern.endsWith("*");
  let segment = 0;
  let source = "";
  for (const ch of pattern) {
    const unbounded = mode === "plain" || segment >= 5 || (trailingStar && segment === k - 1);
    if (ch === ":") segment++;
    source += ch === "*" ? (unbounded ? ".*" : "[^:]*") : ch === "?" ? (unbounded ? "." : "[^:]") : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

describe("the wildcard matcher", () => {
  const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join(""));
  it("agrees with the regular-expression reading of the rules, plain and per ARN segment", () => {
    fc.assert(
      fc.property(text(["a", "b", ":", "/", "*", "?"]), text(["a", "b", ":", "/"]), (pattern, value) => {
        expect(wildcardMatch(pattern, value, "plain")).toBe(oracle(pattern, "plain").test(value));
        expect(wildcardMatch(pattern, value, "arn")).toBe(oracle(pattern, "arn").test(value));
      }),
      { numRuns: 20_000, seed: 13 },
    );
  });

  it("decides a pathological pattern on a long resource without backtracking blow-up", () => {
    const key = "a".repeat(1000);
    const pattern = `arn:aws:s3:::b/${"*a".repeat(12)}*b`;
    expect(decide(allowing(pattern), "s3:GetObject", `arn:aws:s3:::b/${key}`).decision).toBe("implicitDeny");
    expect(decide(allowing(pattern), "s3:GetObject", `arn:aws:s3:::b/${key}b`).decision).toBe("allowed");
  });
});

describe("actions", () => {
  it("match case-insensitively, wildcards included, and never across services", () => {
    expect(decide(allowing("*", "S3:get*"), "s3:GetObject", "*").decision).toBe("allowed");
    expect(decide(allowing("*", "s3:*"), "s3express:CreateSession", "*").decision).toBe("implicitDeny");
    expect(decide(allowing("*", ["ec2:Describe*", "iam:Get?ser"]), "iam:GetUser", "*").decision).toBe("allowed");
    expect(decide(allowing("*", "iam:Get?ser"), "iam:GetUsers", "*").decision).toBe("implicitDeny");
  });
});

describe("documents that are not quite right", () => {
  it("a document that does not parse allows and denies nothing", () => {
    const d = decide("{not json", "s3:GetObject", "*");
    expect(d.decision).toBe("implicitDeny");
    expect(d.matched).toEqual([]);
  });

  it("a single Statement object counts like a list of one", () => {
    expect(decide(JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }), "s3:GetObject", "*").decision).toBe(
      "allowed",
    );
  });

  it("statements IAM would reject apply to nothing: lowercase effect, no action, no resource, a malformed condition", () => {
    for (const statement of [
      { Effect: "allow", Action: "*", Resource: "*" },
      { Effect: "Allow", Resource: "*" },
      { Effect: "Allow", Action: "*" },
      { Effect: "Allow", Action: "*", Resource: "*", Condition: { StringEquals: "x" } },
      { Effect: "Allow", Action: "*", Resource: "*", Condition: ["x"] },
    ]) {
      expect(decide(JSON.stringify({ Version: "2012-10-17", Statement: [statement] }), "s3:GetObject", "*").decision, JSON.stringify(statement)).toBe(
        "implicitDeny",
      );
    }
  });

  it("an identity policy's Principal element is not read (only resource policies name principals)", () => {
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "*", Resource: "*" }],
    });
    expect(decide(doc, "s3:GetObject", "*").decision).toBe("allowed");
  });

  it("a resource policy statement without Principal or NotPrincipal grants nothing", () => {
    const bucket = {
      kind: "resource" as const,
      name: "b",
      document: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
    };
    expect(evaluate({ principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: {} }, { identity: [], resource: bucket }).decision).toBe(
      "implicitDeny",
    );
  });
});

describe("the document cache", () => {
  it("stays bounded however many distinct documents are evaluated", () => {
    for (let i = 0; i < 2500; i++) decide(allowing(`arn:aws:s3:::bucket-${i}/*`), "s3:GetObject", `arn:aws:s3:::bucket-${i}/k`);
    expect(cachedDocuments()).toBeLessThanOrEqual(2000);
    expect(cachedDocuments()).toBeGreaterThan(1000);
  });

  it("gives the same decision for a document evaluated again after it left the cache", () => {
    const doc = allowing("arn:aws:s3:::first/*");
    expect(decide(doc, "s3:GetObject", "arn:aws:s3:::first/k").decision).toBe("allowed");
    for (let i = 0; i < 2500; i++) decide(allowing(`arn:aws:s3:::other-${i}/*`), "s3:GetObject", "*");
    expect(decide(doc, "s3:GetObject", "arn:aws:s3:::first/k").decision).toBe("allowed");
  });
});
