/**
 * policyProblem(): what PutRolePolicy / CreatePolicy / PutBucketPolicy answer for a document IAM refuses, in
 * IAM's MalformedPolicyDocument words, and nothing for the documents AWS's own examples use.
 */
import { describe, expect, it } from "vitest";
import { policyProblem } from "../../emulator/authz/engine/index.ts";
import { POLICY_CASES } from "./policy-cases.ts";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("policyProblem", () => {
  it("accepts every document of the policy-case table for its kind, except the two cases about documents IAM refuses", () => {
    const refused = new Set(["an operator IAM does not know never matches, even in a Deny", "no wildcard inside a principal ARN: user/* names nobody"]);
    for (const c of POLICY_CASES.filter((c) => !refused.has(c.name))) {
      const p = c.policies;
      for (const n of [...p.identity, ...(p.resource ? [p.resource] : []), ...(p.boundary ? [p.boundary] : []), ...(p.session ?? []), ...(p.scps ?? [])]) {
        expect(policyProblem(n.document, n.kind), `${c.name}: ${n.name}`).toBeUndefined();
      }
    }
  });

  it.each([
    ["text that is not JSON", "{", "identity", "Syntax errors in policy."],
    ["a JSON array", "[]", "identity", "Syntax errors in policy."],
    ["an unknown top-level element", JSON.stringify({ Version: "2012-10-17", Statement: [], Extra: 1 }), "identity", "Syntax errors in policy."],
    [
      "an unknown version",
      JSON.stringify({ Version: "2012-10-18", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
      "identity",
      "Syntax errors in policy.",
    ],
    ["no statement", JSON.stringify({ Version: "2012-10-17", Statement: [] }), "identity", "Syntax errors in policy."],
    ["an unknown statement element", doc({ Effect: "Allow", Action: "*", Resource: "*", Actions: "s3:*" }), "identity", "Syntax errors in policy."],
    ["Action and NotAction together", doc({ Effect: "Allow", Action: "*", NotAction: "iam:*", Resource: "*" }), "identity", "Syntax errors in policy."],
    ["an Effect that is neither Allow nor Deny", doc({ Effect: "Permit", Action: "*", Resource: "*" }), "identity", "Syntax errors in policy."],
    [
      "a condition with an unknown operator",
      doc({ Effect: "Allow", Action: "*", Resource: "*", Condition: { StringEqualz: { "aws:username": "a" } } }),
      "identity",
      "Syntax errors in policy.",
    ],
    [
      "a condition value that is an object",
      doc({ Effect: "Allow", Action: "*", Resource: "*", Condition: { StringEquals: { "aws:username": { a: 1 } } } }),
      "identity",
      "Syntax errors in policy.",
    ],
    [
      "a Principal in an identity policy",
      doc({ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }),
      "identity",
      "Policy document should not specify a principal.",
    ],
    [
      "a Principal in a permissions boundary",
      doc({ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }),
      "boundary",
      "Policy document should not specify a principal.",
    ],
    ["a lowercase Effect", doc({ Effect: "allow", Action: "*", Resource: "*" }), "identity", "The policy failed legacy parsing"],
    [
      "two statements with one Sid",
      doc({ Sid: "A", Effect: "Allow", Action: "*", Resource: "*" }, { Sid: "A", Effect: "Deny", Action: "*", Resource: "*" }),
      "identity",
      "Statement IDs (SID) in a single policy must be unique.",
    ],
    ["no Action", doc({ Effect: "Allow", Resource: "*" }), "identity", "Policy statement must contain actions."],
    ["an empty Action list", doc({ Effect: "Allow", Action: [], Resource: "*" }), "identity", "Policy statement must contain actions."],
    ["no Resource", doc({ Effect: "Allow", Action: "*" }), "identity", "Policy statement must contain resources."],
    [
      "a resource that is not an ARN",
      doc({ Effect: "Allow", Action: "s3:*", Resource: "my-bucket" }),
      "identity",
      'Resource my-bucket must be in ARN format or "*".',
    ],
    [
      "an action without a service",
      doc({ Effect: "Allow", Action: "GetObject", Resource: "*" }),
      "identity",
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ],
    [
      "an action with two colons",
      doc({ Effect: "Allow", Action: "s3:Get:Object", Resource: "*" }),
      "identity",
      "Actions/Condition can contain only one colon.",
    ],
    ["a service prefix with a space", doc({ Effect: "Allow", Action: "s 3:GetObject", Resource: "*" }), "identity", "Vendor s 3 is not valid"],
    ["a trust policy without Principal", doc({ Effect: "Allow", Action: "sts:AssumeRole" }), "resource", "Missing required field Principal"],
    [
      "a wildcard inside a principal ARN",
      doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:user/*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
      "resource",
      'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"',
    ],
  ] as const)("refuses %s", (_what, document, kind, message) => {
    expect(policyProblem(document, kind)).toBe(message);
  });

  it("accepts what AWS accepts: no Version, a single statement object, JSON booleans in conditions, an empty unknown operator", () => {
    expect(policyProblem(JSON.stringify({ Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }), "identity")).toBeUndefined();
    expect(
      policyProblem(doc({ Effect: "Deny", Action: "*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": false } } }), "identity"),
    ).toBeUndefined();
    expect(policyProblem(doc({ Effect: "Allow", Action: "*", Resource: "*", Condition: { Whatever: {} } }), "identity")).toBeUndefined();
    expect(policyProblem(doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }), "resource")).toBeUndefined();
  });
});
