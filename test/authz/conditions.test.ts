// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${aws:username} and the like are IAM policy variables, written literally.
/**
 * Condition operators beyond the documented examples of the case table: value forms (dates, numbers, booleans,
 * addresses), qualifiers with IfExists, variables where AWS allows them and not elsewhere, and the CIDR matcher
 * against node:net's BlockList on random addresses.
 */
import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inRanges, parseAddress, parseRange } from "../../emulator/authz/engine/addresses.ts";
import { type AuthzPrincipal, evaluate } from "../../emulator/authz/engine/index.ts";
import type { ContextValues } from "../../emulator/core/authz.ts";

const alice: AuthzPrincipal = { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice", accountId: "111122223333" };

/** Whether an Allow statement with this one condition allows the request with this context. */
function holds(operator: string, key: string, values: unknown, context: ContextValues = {}, version = "2012-10-17"): boolean {
  const document = JSON.stringify({
    Version: version,
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { [operator]: { [key]: values } } }],
  });
  return (
    evaluate({ principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context }, { identity: [{ kind: "identity", name: "p", document }] })
      .decision === "allowed"
  );
}

describe("date conditions", () => {
  const at = { "aws:CurrentTime": "2026-02-26T04:00:00Z" };
  it("compare instants whatever the notation: offsets, the basic form, epoch seconds, Date objects", () => {
    expect(holds("DateEquals", "aws:CurrentTime", "2026-02-26T13:00:00+09:00", at)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", "20260226T040000Z", at)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", "1772078400", at)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", 1772078400, at)).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", "2026-02-26T04:00:00Z", { "aws:CurrentTime": new Date("2026-02-26T04:00:00Z") })).toBe(true);
    expect(holds("DateEquals", "aws:CurrentTime", "2026-02-26T04:00:00Z", { "aws:EpochTime": 1772078400, "aws:CurrentTime": 1772078400 })).toBe(true);
  });

  it("order dates, not text: 2026-02-26T10:00:00+09:00 is before 2026-02-26T04:00:00Z", () => {
    expect(holds("DateLessThan", "aws:CurrentTime", "2026-02-26T10:00:00+09:00", at)).toBe(false);
    expect(holds("DateGreaterThan", "aws:CurrentTime", "2026-02-26T10:00:00+09:00", at)).toBe(true);
  });

  it("never match a policy value that is not a date", () => {
    expect(holds("DateLessThan", "aws:CurrentTime", "next tuesday-ish", at)).toBe(false);
    expect(holds("DateGreaterThan", "aws:CurrentTime", "", at)).toBe(false);
  });

  it("take no policy variables (the text stays literal)", () => {
    expect(holds("DateEquals", "aws:CurrentTime", "${aws:TokenIssueTime}", { ...at, "aws:TokenIssueTime": "2026-02-26T04:00:00Z" })).toBe(false);
  });
});

describe("numeric conditions", () => {
  it("compare numbers, decimals and exponents included, not text", () => {
    expect(holds("NumericLessThan", "s3:max-keys", "100", { "s3:max-keys": "9" })).toBe(true);
    expect(holds("NumericLessThan", "s3:max-keys", "1.5", { "s3:max-keys": "1.25" })).toBe(true);
    expect(holds("NumericEquals", "s3:max-keys", "1e3", { "s3:max-keys": 1000 })).toBe(true);
    expect(holds("NumericGreaterThan", "s3:max-keys", "-1", { "s3:max-keys": "0" })).toBe(true);
  });

  it("never match text that is not a number, on either side", () => {
    expect(holds("NumericLessThan", "s3:max-keys", "ten", { "s3:max-keys": "9" })).toBe(false);
    expect(holds("NumericEquals", "s3:max-keys", "10", { "s3:max-keys": "0x0a" })).toBe(false);
    expect(holds("NumericEquals", "s3:max-keys", "10", { "s3:max-keys": true })).toBe(false);
  });
});

describe("Bool and Binary", () => {
  it("Bool compares true/false case-insensitively, as JSON booleans or text", () => {
    expect(holds("Bool", "aws:SecureTransport", "TRUE", { "aws:SecureTransport": true })).toBe(true);
    expect(holds("Bool", "aws:SecureTransport", true, { "aws:SecureTransport": "True" })).toBe(true);
    expect(holds("Bool", "aws:SecureTransport", false, { "aws:SecureTransport": "true" })).toBe(false);
    expect(holds("Bool", "aws:SecureTransport", "yes", { "aws:SecureTransport": "yes" })).toBe(false);
  });

  it("Bool takes a policy variable", () => {
    expect(holds("Bool", "aws:SecureTransport", "${aws:PrincipalTag/https}", { "aws:SecureTransport": "true", "aws:PrincipalTag/https": "true" })).toBe(true);
  });

  it("BinaryEquals compares bytes, so equivalent base64 encodings agree", () => {
    expect(holds("BinaryEquals", "key", "QmluYXJ5", { key: "QmluYXJ5" })).toBe(true);
    expect(holds("BinaryEquals", "key", "QmluYXJ5", { key: "QmluYXJ6" })).toBe(false);
  });
});

describe("IP address conditions", () => {
  it("match IPv4-mapped IPv6 addresses against IPv4 ranges, and compressed IPv6 forms", () => {
    expect(holds("IpAddress", "aws:SourceIp", "203.0.113.0/24", { "aws:SourceIp": "::ffff:203.0.113.5" })).toBe(true);
    expect(holds("IpAddress", "aws:SourceIp", "2001:db8::/32", { "aws:SourceIp": "2001:0db8:0000:0000:0000:0000:0000:0001" })).toBe(true);
    expect(holds("IpAddress", "aws:SourceIp", "2001:db8::/32", { "aws:SourceIp": "2001:db9::1" })).toBe(false);
    expect(holds("IpAddress", "aws:SourceIp", "0.0.0.0/0", { "aws:SourceIp": "198.51.100.1" })).toBe(true);
  });

  it("treat a network written with host bits as its network", () => {
    expect(holds("IpAddress", "aws:SourceIp", "203.0.113.77/24", { "aws:SourceIp": "203.0.113.1" })).toBe(true);
  });

  it("ignore malformed ranges and source values that are not addresses", () => {
    expect(holds("IpAddress", "aws:SourceIp", ["203.0.113.0/33", "not-an-ip"], { "aws:SourceIp": "203.0.113.1" })).toBe(false);
    expect(holds("IpAddress", "aws:SourceIp", "0.0.0.0/0", { "aws:SourceIp": "AWS Internal" })).toBe(false);
    expect(holds("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", { "aws:SourceIp": "AWS Internal" })).toBe(true);
  });

  it("agree with node:net's BlockList on random IPv4 and IPv6 addresses and ranges", () => {
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4());
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6());
    for (const [arb, family] of [
      [v4, "ipv4"],
      [v6, "ipv6"],
    ] as const) {
      fc.assert(
        fc.property(arb, ([network, bits, address]) => {
          const list = new BlockList();
          list.addSubnet(network, bits, family);
          const range = parseRange(`${network}/${bits}`);
          const parsed = parseAddress(address);
          expect(range && parsed && inRanges([range], parsed)).toBe(list.check(address, family));
        }),
        { numRuns: 2000, seed: 13 },
      );
    }
  });
});

describe("string and ARN conditions", () => {
  it("StringEquals takes * and ? literally; StringLike treats them as wildcards", () => {
    expect(holds("StringEquals", "s3:prefix", "home/*", { "s3:prefix": "home/alice" })).toBe(false);
    expect(holds("StringEquals", "s3:prefix", "home/*", { "s3:prefix": "home/*" })).toBe(true);
    expect(holds("StringLike", "s3:prefix", "home/?", { "s3:prefix": "home/a" })).toBe(true);
    expect(holds("StringLike", "s3:prefix", "home/?", { "s3:prefix": "home/ab" })).toBe(false);
    expect(holds("StringLike", "s3:prefix", "a*b", { "s3:prefix": "a\nb" })).toBe(true);
  });

  it("compare JSON numbers in a policy as their text", () => {
    expect(holds("StringEquals", "s3:max-keys", 10, { "s3:max-keys": "10" })).toBe(true);
  });

  it("StringEqualsIgnoreCase folds case on both sides, variables included", () => {
    expect(
      holds("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "${aws:ResourceTag/team}", { "aws:PrincipalTag/team": "Red", "aws:ResourceTag/team": "rED" }),
    ).toBe(true);
  });

  it("a variable with a default in a condition value", () => {
    expect(holds("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team, 'none'}", { "aws:ResourceTag/team": "none" })).toBe(true);
  });

  it("a multivalued key cannot be a variable: it leaves the value unresolved", () => {
    expect(holds("StringEquals", "aws:ResourceTag/team", "${aws:TagKeys}", { "aws:ResourceTag/team": "a", "aws:TagKeys": ["a"] })).toBe(false);
  });

  it("ArnLike's ? stays within a segment", () => {
    expect(holds("ArnLike", "aws:SourceArn", "arn:aws:s3:::bucket?", { "aws:SourceArn": "arn:aws:s3:::bucket1" })).toBe(true);
    expect(holds("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-?:111122223333:topic", { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic" })).toBe(
      true,
    );
    expect(holds("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-1?111122223333:topic", { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic" })).toBe(
      false,
    );
  });

  it("ArnEquals takes a variable (aws:PrincipalArn compared with a tag)", () => {
    expect(holds("ArnEquals", "aws:PrincipalArn", "${aws:ResourceTag/owner}", { "aws:ResourceTag/owner": "arn:aws:iam::111122223333:user/alice" })).toBe(true);
  });

  it("in a 2008-10-17 document a variable is the literal text", () => {
    expect(holds("StringEquals", "s3:prefix", "${aws:username}", { "s3:prefix": "alice" }, "2008-10-17")).toBe(false);
    expect(holds("StringEquals", "s3:prefix", "${aws:username}", { "s3:prefix": "${aws:username}" }, "2008-10-17")).toBe(true);
  });
});

describe("qualifiers and presence", () => {
  it("…IfExists is true on an absent key and tests the value when present", () => {
    expect(holds("StringEqualsIfExists", "ec2:InstanceType", "t3.micro")).toBe(true);
    expect(holds("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", { "ec2:InstanceType": "c5.4xlarge" })).toBe(false);
    expect(holds("NotIpAddressIfExists", "aws:SourceIp", "203.0.113.0/24", { "aws:SourceIp": "203.0.113.9" })).toBe(false);
  });

  it("ForAnyValue:…IfExists on an absent key is true", () => {
    expect(holds("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "Owner")).toBe(true);
  });

  it("ForAnyValue on an empty string is false, ForAllValues true (a null data set)", () => {
    expect(holds("ForAnyValue:StringEquals", "aws:TagKeys", "", { "aws:TagKeys": "" })).toBe(false);
    expect(holds("ForAllValues:StringEquals", "aws:TagKeys", "Owner", { "aws:TagKeys": "" })).toBe(true);
  });

  it("a set qualifier on a single value tests that value", () => {
    expect(holds("ForAnyValue:StringLike", "aws:TagKeys", "cost-*", { "aws:TagKeys": "cost-center" })).toBe(true);
    expect(holds("ForAllValues:StringNotEquals", "aws:TagKeys", "Owner", { "aws:TagKeys": "Owner" })).toBe(false);
  });

  it("Null treats an empty set as absent", () => {
    expect(holds("Null", "aws:TagKeys", "true", { "aws:TagKeys": [] })).toBe(true);
    expect(holds("Null", "aws:TagKeys", "false", { "aws:TagKeys": ["Owner"] })).toBe(true);
  });

  it("condition key names are case-insensitive", () => {
    expect(holds("StringEquals", "AWS:PrincipalTag/Team", "red", { "aws:principaltag/team": "red" })).toBe(true);
  });

  it("operators IAM does not know never match: misspelt, a third qualifier, Null with IfExists, wrong case", () => {
    const ctx = { "aws:PrincipalTag/team": "red" };
    expect(holds("StringEquals", "aws:PrincipalTag/team", "red", ctx)).toBe(true);
    for (const op of ["StringEqual", "ForSomeValues:StringEquals", "stringequals", "NullIfExists", "ForAnyValue:Null"]) {
      expect(holds(op, "aws:PrincipalTag/team", op.includes("Null") ? "false" : "red", ctx), op).toBe(false);
    }
  });
});
