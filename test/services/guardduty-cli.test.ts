/** The GuardDuty triage a student does with the real aws CLI on the basic scenario's recorded findings. */
import { GetFindingsCommand, GuardDutyClient } from "@aws-sdk/client-guardduty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";

describe.skipIf(!hasAwsCli)("aws guardduty list-findings, get-findings, archive-findings", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scenario: "basic" });
  });
  afterAll(() => server?.stop());

  it("finds the high-severity findings, reads them and archives one", async () => {
    const high = await aws(server, ["guardduty", "list-findings", "--detector-id", DETECTOR, "--finding-criteria", '{"Criterion":{"severity":{"Gte":7}}}']);
    expect(high.status, high.stderr).toBe(0);
    const ids = high.json().FindingIds as string[];
    expect(ids.sort()).toEqual(["8c258d654378414b9bc26f61a93eb816", "b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00", "eeb88ab56556eb7771b266670dddee5a"]);

    const got = await aws(server, ["guardduty", "get-findings", "--detector-id", DETECTOR, "--finding-ids", ...ids]);
    const findings = got.json().Findings as Record<string, any>[];
    expect(findings).toHaveLength(3);
    for (const f of findings) expect(f.Severity).toBeGreaterThanOrEqual(7);
    const c2 = findings.find((f) => f.Type === "Backdoor:EC2/C&CActivity.B!DNS");
    expect(c2?.Resource.InstanceDetails.InstanceId).toBe("i-0a1b2c3d4e5f60001");
    expect(c2?.Service.Action.DnsRequestAction.Domain).toBe("c2.example.net");

    const archive = await aws(server, ["guardduty", "archive-findings", "--detector-id", DETECTOR, "--finding-ids", "b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00"]);
    expect(archive.status, archive.stderr).toBe(0);
    const open = await aws(server, [
      "guardduty",
      "list-findings",
      "--detector-id",
      DETECTOR,
      "--finding-criteria",
      '{"Criterion":{"severity":{"Gte":7},"service.archived":{"Eq":["false"]}}}',
    ]);
    expect((open.json().FindingIds as string[]).sort()).toEqual(["8c258d654378414b9bc26f61a93eb816", "eeb88ab56556eb7771b266670dddee5a"]);
    const after = await new GuardDutyClient(server.sdk()).send(
      new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: ["b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00"] }),
    );
    expect(after.Findings?.[0]?.Service?.Archived).toBe(true);
  });

  it("reports a detector that is not the caller's", async () => {
    const r = await aws(server, ["guardduty", "get-detector", "--detector-id", "0123456789abcdef0123456789abcdef"]);
    expect(r.status).toBeGreaterThan(0);
    expect(r.stderr).toContain("BadRequestException");
    expect(r.stderr).toContain("not owned by the current account");
  });
});
