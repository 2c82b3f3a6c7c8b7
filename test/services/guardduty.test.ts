/** GuardDuty detectors, findings, statistics, samples and filters (SDK v3, basic scenario). */
import {
  ArchiveFindingsCommand,
  CreateDetectorCommand,
  CreateFilterCommand,
  CreateSampleFindingsCommand,
  DeleteDetectorCommand,
  DeleteFilterCommand,
  GetDetectorCommand,
  GetFilterCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListFindingsCommand,
  paginateListFindings,
  UnarchiveFindingsCommand,
  UpdateDetectorCommand,
  UpdateFilterCommand,
  UpdateFindingsFeedbackCommand,
} from "@aws-sdk/client-guardduty";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";
const INSTANCE = "i-0a1b2c3d4e5f60001";
/** The recorded findings of the basic scenario (from Panther's GuardDuty samples) by severity. */
const RECORDED = {
  critical: "8c258d654378414b9bc26f61a93eb816",
  high: "eeb88ab56556eb7771b266670dddee5a",
  medium: "4ac5b4d2e1f3a7c8b9d0e1f2a3b4c5d6",
  lowArchived: "90b82273685661b9318f078d0851fe9a",
  instance: "b2c7e1f0a9d84e3c8f6a5b4c3d2e1f00",
};

let server: TestServer;
let gd: GuardDutyClient;

beforeEach(async () => {
  server = await startTestServer({ scenario: "basic" });
  gd = new GuardDutyClient(server.sdk());
});
afterEach(() => server?.stop());

const list = async (FindingCriteria?: object, extra: object = {}) =>
  (await gd.send(new ListFindingsCommand({ DetectorId: DETECTOR, FindingCriteria: FindingCriteria as never, ...extra }))).FindingIds ?? [];

describe("detectors", () => {
  it("shows the recorded detector with its features and data sources", async () => {
    const d = await gd.send(new GetDetectorCommand({ DetectorId: DETECTOR }));
    expect(d.Status).toBe("ENABLED");
    expect(d.CreatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(d.DataSources?.CloudTrail?.Status).toBe("ENABLED");
    expect(d.DataSources?.S3Logs?.Status).toBe("ENABLED");
    expect(d.DataSources?.MalwareProtection?.ScanEc2InstanceWithFindings?.EbsVolumes?.Status).toBe("ENABLED");
    const names = d.Features?.map((f) => f.Name);
    expect(names).toEqual(expect.arrayContaining(["CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS", "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS"]));
    await expect(gd.send(new GetDetectorCommand({ DetectorId: "00000000000000000000000000000000" }))).rejects.toMatchObject({
      name: "BadRequestException",
      message: "The request is rejected because the input detectorId is not owned by the current account.",
    });
  });

  it("updates features and frequency; refuses a second detector; creates and deletes one in another region", async () => {
    await gd.send(
      new UpdateDetectorCommand({
        DetectorId: DETECTOR,
        FindingPublishingFrequency: "FIFTEEN_MINUTES",
        Features: [{ Name: "S3_DATA_EVENTS", Status: "DISABLED" }],
      }),
    );
    const d = await gd.send(new GetDetectorCommand({ DetectorId: DETECTOR }));
    expect(d.FindingPublishingFrequency).toBe("FIFTEEN_MINUTES");
    expect(d.Features?.find((f) => f.Name === "S3_DATA_EVENTS")?.Status).toBe("DISABLED");
    expect(d.DataSources?.S3Logs?.Status).toBe("DISABLED");
    await expect(gd.send(new CreateDetectorCommand({ Enable: true }))).rejects.toMatchObject({ name: "BadRequestException" });

    const other = new GuardDutyClient(server.sdk("eu-west-1"));
    const created = await other.send(new CreateDetectorCommand({ Enable: true, FindingPublishingFrequency: "ONE_HOUR" }));
    expect(created.DetectorId).toMatch(/^[0-9a-f]{32}$/);
    expect((await other.send(new ListDetectorsCommand({}))).DetectorIds).toEqual([created.DetectorId]);
    await other.send(new DeleteDetectorCommand({ DetectorId: created.DetectorId }));
    expect((await other.send(new ListDetectorsCommand({}))).DetectorIds).toEqual([]);
  });
});

describe("findings", () => {
  it("lists all findings, archived ones included, as AWS does without criteria", async () => {
    expect(new Set(await list())).toEqual(new Set(Object.values(RECORDED)));
    expect(await list({ Criterion: { "service.archived": { Eq: ["false"] } } })).not.toContain(RECORDED.lowArchived);
  });

  it("filters on any field path with every comparator", async () => {
    const cases: [object, string[]][] = [
      [{ severity: { Gte: 7 } }, [RECORDED.critical, RECORDED.high, RECORDED.instance]],
      [{ severity: { GreaterThanOrEqual: 7 } }, [RECORDED.critical, RECORDED.high, RECORDED.instance]],
      [{ severity: { Gt: 8 } }, [RECORDED.critical]],
      [{ severity: { GreaterThan: 8 } }, [RECORDED.critical]],
      [{ severity: { Lt: 5 } }, [RECORDED.lowArchived]],
      [{ severity: { LessThan: 5 } }, [RECORDED.lowArchived]],
      [{ severity: { Lte: 5 } }, [RECORDED.medium, RECORDED.lowArchived]],
      [{ severity: { LessThanOrEqual: 5 } }, [RECORDED.medium, RECORDED.lowArchived]],
      [{ severity: { Eq: ["8"] } }, [RECORDED.high, RECORDED.instance]],
      [{ type: { Eq: ["Backdoor:EC2/C&CActivity.B!DNS"] } }, [RECORDED.instance]],
      [{ type: { Equals: ["AttackSequence:IAM/CompromisedCredentials"] } }, [RECORDED.critical]],
      [{ type: { Neq: ["PrivilegeEscalation:IAMUser/AdministrativePermissions"] } }, [RECORDED.critical, RECORDED.instance]],
      [{ type: { NotEquals: ["PrivilegeEscalation:IAMUser/AdministrativePermissions", "Backdoor:EC2/C&CActivity.B!DNS"] } }, [RECORDED.critical]],
      [{ "resource.instanceDetails.instanceId": { Eq: [INSTANCE] } }, [RECORDED.instance]],
      [{ "resource.instanceDetails.networkInterfaces.publicIp": { Eq: ["198.51.100.10"] } }, [RECORDED.instance]],
      [{ "resource.accessKeyDetails.accessKeyId": { Eq: ["AKIAEXAMPLEALICE0001"] } }, [RECORDED.high, RECORDED.medium, RECORDED.lowArchived]],
      [{ "resource.resourceType": { Eq: ["Instance"] } }, [RECORDED.instance]],
      [{ "service.action.actionType": { Eq: ["DNS_REQUEST"] } }, [RECORDED.instance]],
      [{ "service.archived": { Eq: ["true"] } }, [RECORDED.lowArchived]],
      [{ id: { Eq: [RECORDED.medium] } }, [RECORDED.medium]],
      [{ region: { Eq: [server.region] } }, Object.values(RECORDED)],
      [{ region: { Eq: ["us-east-1"] } }, []],
    ];
    for (const [Criterion, expected] of cases) expect(new Set(await list({ Criterion })), JSON.stringify(Criterion)).toEqual(new Set(expected));
    // Times compare as epoch milliseconds.
    const g = (await gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.instance] }))).Findings?.[0];
    const updated = Date.parse(g?.UpdatedAt as string);
    expect(await list({ Criterion: { updatedAt: { Gte: updated } } })).toContain(RECORDED.instance);
    expect(await list({ Criterion: { updatedAt: { Gt: updated } } })).not.toContain(RECORDED.instance);
  });

  it("sorts and pages", async () => {
    const bySeverity = await list(undefined, { SortCriteria: { AttributeName: "severity", OrderBy: "DESC" } });
    expect(bySeverity[0]).toBe(RECORDED.critical);
    expect(bySeverity.at(-1)).toBe(RECORDED.lowArchived);
    const asc = await list(undefined, { SortCriteria: { AttributeName: "severity", OrderBy: "ASC" } });
    expect(asc[0]).toBe(RECORDED.lowArchived);
    const ids: string[] = [];
    for await (const page of paginateListFindings(
      { client: gd, pageSize: 2 },
      { DetectorId: DETECTOR, SortCriteria: { AttributeName: "updatedAt", OrderBy: "DESC" } },
    )) {
      expect(page.FindingIds?.length).toBeLessThanOrEqual(2);
      ids.push(...(page.FindingIds ?? []));
    }
    expect(new Set(ids)).toEqual(new Set(Object.values(RECORDED)));
    expect(ids).toHaveLength(5);
    await expect(gd.send(new ListFindingsCommand({ DetectorId: DETECTOR, MaxResults: 51 }))).rejects.toMatchObject({ name: "BadRequestException" });
    await expect(gd.send(new ListFindingsCommand({ DetectorId: DETECTOR, NextToken: "garbage" }))).rejects.toMatchObject({ name: "BadRequestException" });
  });

  it("returns the full finding schema", async () => {
    const out = await gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.instance, "ffffffffffffffffffffffffffffffff"] }));
    expect(out.Findings).toHaveLength(1);
    const f = out.Findings?.[0];
    expect(f).toMatchObject({
      AccountId: "123456789012",
      Region: "ap-northeast-1",
      Type: "Backdoor:EC2/C&CActivity.B!DNS",
      Severity: 8,
      Arn: `arn:aws:guardduty:ap-northeast-1:123456789012:detector/${DETECTOR}/finding/${RECORDED.instance}`,
      Resource: { ResourceType: "Instance", InstanceDetails: { InstanceId: INSTANCE, NetworkInterfaces: [{ PublicIp: "198.51.100.10" }] } },
      Service: { DetectorId: DETECTOR, Archived: false, Count: 14, Action: { ActionType: "DNS_REQUEST", DnsRequestAction: { Domain: "c2.example.net" } } },
    });
    // Times are moved with the scenario: the finding is from before the discovery, not from 2024.
    expect(Date.parse(f?.CreatedAt as string)).toBeLessThan(server.emulator.runtime.anchor.getTime());
    expect(Date.parse(f?.CreatedAt as string)).toBeGreaterThan(server.emulator.runtime.anchor.getTime() - 24 * 3600_000);
  });

  it("archives, unarchives and records feedback", async () => {
    const before = (await gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.high] }))).Findings?.[0];
    // Listed first so the field's kept values exist when the archive changes them.
    expect(await list({ Criterion: { "service.archived": { Eq: ["false"] } } })).toContain(RECORDED.high);
    await gd.send(new ArchiveFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.high] }));
    const archived = (await gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.high] }))).Findings?.[0];
    expect(archived?.Service?.Archived).toBe(true);
    expect(Date.parse(archived?.UpdatedAt as string)).toBeGreaterThan(Date.parse(before?.UpdatedAt as string));
    expect(await list({ Criterion: { "service.archived": { Eq: ["false"] } } })).not.toContain(RECORDED.high);
    await gd.send(new UnarchiveFindingsCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.high] }));
    expect(await list({ Criterion: { "service.archived": { Eq: ["false"] } } })).toContain(RECORDED.high);
    await gd.send(new UpdateFindingsFeedbackCommand({ DetectorId: DETECTOR, FindingIds: [RECORDED.high], Feedback: "USEFUL" }));
    expect(await list({ Criterion: { "service.userFeedback": { Eq: ["USEFUL"] } } })).toEqual([RECORDED.high]);
    await expect(gd.send(new ArchiveFindingsCommand({ DetectorId: "bad", FindingIds: [RECORDED.high] }))).rejects.toMatchObject({
      name: "BadRequestException",
    });
  });

  it("counts by severity and groups", async () => {
    const legacy = await gd.send(new GetFindingsStatisticsCommand({ DetectorId: DETECTOR, FindingStatisticTypes: ["COUNT_BY_SEVERITY"] }));
    expect(legacy.FindingStatistics?.CountBySeverity).toEqual({ "9.0": 1, "8.0": 2, "5.0": 1, "1.0": 1 });
    const byType = await gd.send(new GetFindingsStatisticsCommand({ DetectorId: DETECTOR, GroupBy: "FINDING_TYPE", OrderBy: "DESC" }));
    expect(byType.FindingStatistics?.GroupedByFindingType?.[0]).toMatchObject({
      FindingType: "PrivilegeEscalation:IAMUser/AdministrativePermissions",
      TotalFindings: 3,
    });
    expect(byType.FindingStatistics?.GroupedByFindingType?.[0].LastGeneratedAt).toBeInstanceOf(Date);
    const byResource = await gd.send(
      new GetFindingsStatisticsCommand({
        DetectorId: DETECTOR,
        GroupBy: "RESOURCE",
        FindingCriteria: { Criterion: { "resource.resourceType": { Eq: ["Instance"] } } },
      }),
    );
    expect(byResource.FindingStatistics?.GroupedByResource).toEqual([
      expect.objectContaining({ ResourceId: INSTANCE, ResourceType: "Instance", AccountId: "123456789012", TotalFindings: 1 }),
    ]);
    const bySeverity = await gd.send(new GetFindingsStatisticsCommand({ DetectorId: DETECTOR, GroupBy: "SEVERITY" }));
    expect(bySeverity.FindingStatistics?.GroupedBySeverity?.[0]).toMatchObject({ Severity: 8, TotalFindings: 2 });
  });
});

describe("sample findings and filters", () => {
  it("creates GuardDuty-shaped samples and lets ARCHIVE filters suppress matching findings", async () => {
    await expect(
      gd.send(new CreateFilterCommand({ DetectorId: DETECTOR, Name: "x", Action: "ARCHIVE", FindingCriteria: { Criterion: { severity: { Lt: 4 } } } })),
    ).rejects.toMatchObject({ name: "BadRequestException" });
    await gd.send(
      new CreateFilterCommand({
        DetectorId: DETECTOR,
        Name: "suppress-port-probes",
        Description: "expected scanner noise",
        Action: "ARCHIVE",
        Rank: 1,
        FindingCriteria: { Criterion: { type: { Eq: ["Recon:EC2/PortProbeUnprotectedPort"] } } },
      }),
    );
    await gd.send(
      new CreateFilterCommand({
        DetectorId: DETECTOR,
        Name: "watch-instance",
        Action: "NOOP",
        FindingCriteria: { Criterion: { "resource.instanceDetails.instanceId": { Eq: [INSTANCE] } } },
      }),
    );
    expect((await gd.send(new ListFiltersCommand({ DetectorId: DETECTOR }))).FilterNames).toEqual(["suppress-port-probes", "watch-instance"]);
    expect(await gd.send(new GetFilterCommand({ DetectorId: DETECTOR, FilterName: "suppress-port-probes" }))).toMatchObject({
      Name: "suppress-port-probes",
      Action: "ARCHIVE",
      Rank: 1,
      Description: "expected scanner noise",
    });

    await gd.send(
      new CreateSampleFindingsCommand({
        DetectorId: DETECTOR,
        FindingTypes: ["Recon:EC2/PortProbeUnprotectedPort", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"],
      }),
    );
    const sampleIds = await list({ Criterion: { "service.additionalInfo.value": { Eq: ['{"sample":true}'] } } });
    expect(sampleIds).toHaveLength(2);
    const samples = (await gd.send(new GetFindingsCommand({ DetectorId: DETECTOR, FindingIds: sampleIds }))).Findings ?? [];
    const probe = samples.find((f) => f.Type === "Recon:EC2/PortProbeUnprotectedPort");
    const exfil = samples.find((f) => f.Type?.startsWith("UnauthorizedAccess:IAMUser"));
    expect(probe).toMatchObject({ Resource: { ResourceType: "Instance", InstanceDetails: { InstanceId: "i-99999999" } }, Service: { Archived: true } });
    expect(exfil).toMatchObject({
      Resource: { ResourceType: "AccessKey", AccessKeyDetails: { AccessKeyId: "GeneratedFindingAccessKeyId" } },
      Service: { Archived: false },
    });
    expect(exfil?.Id).toMatch(/^[0-9a-f]{32}$/);

    // Changing a filter to ARCHIVE applies it to the existing findings it matches.
    await gd.send(new UpdateFilterCommand({ DetectorId: DETECTOR, FilterName: "watch-instance", Action: "ARCHIVE" }));
    expect(await list({ Criterion: { "service.archived": { Eq: ["true"] }, "resource.instanceDetails.instanceId": { Eq: [INSTANCE] } } })).toEqual([
      RECORDED.instance,
    ]);
    await gd.send(new DeleteFilterCommand({ DetectorId: DETECTOR, FilterName: "watch-instance" }));
    await expect(gd.send(new GetFilterCommand({ DetectorId: DETECTOR, FilterName: "watch-instance" }))).rejects.toMatchObject({ name: "BadRequestException" });

    // Without types: one sample of each common type.
    await gd.send(new CreateSampleFindingsCommand({ DetectorId: DETECTOR }));
    const all = await list({ Criterion: { "service.additionalInfo.value": { Eq: ['{"sample":true}'] } } });
    expect(all.length).toBeGreaterThan(10);
  });
});
