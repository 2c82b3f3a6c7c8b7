/** The bundle `ir-range start` runs (dist/, built by npm ci): the same schemas as the sources, and a V8 code cache that works. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../emulator/core/paths.ts";
import { operationsOf } from "../../emulator/protocols/schema.ts";
import { allServices } from "../../emulator/services/index.ts";
import { startCli } from "../helpers/cli-process.ts";

const dist = join(PROJECT_ROOT, "dist");

/** A schema as plain data: lazy member references resolved, recursion cut where a schema contains itself. */
function plain(v: unknown, path: unknown[] = []): unknown {
  if (typeof v === "function") return plain(v(), path);
  if (v === null || typeof v !== "object") return v;
  if (path.includes(v)) return "<recursive>";
  const inner = [...path, v];
  if (Array.isArray(v)) return v.map((x) => plain(x, inner));
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, plain((v as Record<string, unknown>)[k], inner)]),
  );
}

const schemasOf = (mod: Record<string, unknown>) =>
  Object.fromEntries(
    Object.keys(mod)
      .filter((k) => k.endsWith("$"))
      .sort()
      .map((k) => [k, plain(mod[k])]),
  );

describe("the bundled CLI's SDK schemas", () => {
  const bundled = existsSync(join(dist, "schemas")) ? readdirSync(join(dist, "schemas")).filter((f) => /^client-.*\.cjs$/.test(f)) : [];

  it("exist for every service, so no request loads a whole SDK client", () => {
    for (const svc of allServices()) {
      const client = /@aws-sdk\/(client-[a-z0-9-]+)/.exec(svc.schemas.toString())?.[1];
      expect(bundled, svc.id).toContain(`${client}.cjs`);
    }
  });

  it.each(bundled)("%s holds the same schemas as the SDK client package", async (file) => {
    const client = file.replace(/\.cjs$/, "");
    const own = createRequire(import.meta.url)(join(dist, "schemas", file)) as Record<string, unknown>;
    const full = (await import(`@aws-sdk/${client}`)) as Record<string, unknown>;
    expect(operationsOf(own).size).toBeGreaterThan(0);
    expect([...operationsOf(own).keys()].sort()).toEqual([...operationsOf(full).keys()].sort());
    expect(schemasOf(own)).toEqual(schemasOf(full));
  });
});

describe("the bundled CLI's code cache", () => {
  // A copy of the install, so other tests' servers never write this one's cache.
  const copy = mkdtempSync(join(tmpdir(), "ir-range-install-"));
  mkdirSync(join(copy, "bin"));
  cpSync(join(PROJECT_ROOT, "bin", "ir-range.js"), join(copy, "bin", "ir-range.js"));
  cpSync(join(PROJECT_ROOT, "package.json"), join(copy, "package.json"));
  cpSync(dist, join(copy, "dist"), { recursive: true, filter: (f) => !f.includes("code-cache") });
  for (const d of ["node_modules", "recordings", "emulator"]) symlinkSync(join(PROJECT_ROOT, d), join(copy, d));
  const bin = join(copy, "bin", "ir-range.js");
  const cacheDir = join(copy, "dist", "code-cache");
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const serve = async (state: string) => {
    const cli = await startCli(["--scenario", "secutter", "--port", "0", "--state-dir", join(copy, state), "--quiet"], { IR_RANGE_FROM_SOURCE: "" }, bin);
    const cfg = {
      endpoint: cli.exports.AWS_ENDPOINT_URL,
      region: cli.exports.AWS_REGION,
      credentials: { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY },
      forcePathStyle: true,
      maxAttempts: 1,
    };
    return { cli, cfg };
  };

  it("is written by the first start that ends normally, then used: every protocol still loads its schemas", async () => {
    const first = await serve("one");
    expect((await new STSClient(first.cfg).send(new GetCallerIdentityCommand({}))).Account).toBe("111122223333");
    expect(existsSync(cacheDir)).toBe(false);
    first.cli.proc.kill("SIGTERM");
    expect(await first.cli.exited).toBe(0);
    // The CLI's, the scenario generator's and the STS schemas'.
    const files = readdirSync(cacheDir).sort();
    expect(files.map((f) => f.replace(/-[0-9a-f]+\.bin$/, ""))).toEqual(["ir-range.cjs", "recordings_secutter_generate.cjs", "schemas_client-sts.cjs"]);
    const written = files.map((f) => statSync(join(cacheDir, f)).mtimeMs);

    const second = await serve("two");
    const c = second.cfg;
    expect((await new STSClient(c).send(new GetCallerIdentityCommand({}))).Account).toBe("111122223333");
    expect((await new EC2Client(c).send(new DescribeInstancesCommand({}))).Reservations?.length).toBeGreaterThan(0);
    expect((await new S3Client(c).send(new ListBucketsCommand({}))).Buckets).toBeDefined();
    expect((await new CloudTrailClient(c).send(new LookupEventsCommand({ MaxResults: 5 }))).Events).toHaveLength(5);
    expect((await new GuardDutyClient(c).send(new ListDetectorsCommand({}))).DetectorIds).toBeDefined();
    second.cli.proc.kill("SIGTERM");
    expect(await second.cli.exited).toBe(0);
    // A rejected cache would have been replaced on exit; the schemas first used now were added.
    expect(files.map((f) => statSync(join(cacheDir, f)).mtimeMs)).toEqual(written);
    expect(readdirSync(cacheDir).filter((f) => !files.includes(f)).length).toBe(4);
  });
});
