/** The ir-range command as a user meets it: start prints exports, profile, health, reset, shutdown, locking. */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { BIN, type StartedCli, startCli } from "../helpers/cli-process.ts";
import { aws, hasAwsCli } from "../helpers/emulator.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "ir-range-cli-"));
let cli: StartedCli;

beforeAll(async () => {
  cli = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", join(dir, "state"), "--clock", "2026-03-01T12:00:00Z"]);
});
afterAll(() => {
  cli?.proc.kill("SIGKILL");
});

describe("ir-range start", () => {
  it("prints the briefing in both languages and the exact export lines", () => {
    expect(cli.stdout()).toContain("Smoke-test account");
    expect(cli.stdout()).toContain("動作確認用アカウント");
    expect(cli.exports.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.exports).toMatchObject({ AWS_ACCESS_KEY_ID: "AKIAIRRANGERESPOND01", AWS_DEFAULT_REGION: "ap-northeast-1" });
    // The secret is this state directory's, made at its first start (never the recording's).
    const stored = JSON.parse(readFileSync(join(dir, "state", "credentials.json"), "utf8"));
    expect(cli.exports.AWS_SECRET_ACCESS_KEY).toBe(stored.AKIAIRRANGERESPOND01);
  });

  it("serves a health route outside the AWS namespace with the fixed clock", async () => {
    const res = await fetch(`${cli.exports.AWS_ENDPOINT_URL}/_ir-range/health`);
    const body = (await res.json()) as { status: string; scenario: string; now: string; anchor: string };
    expect(body.status).toBe("ok");
    expect(body.scenario).toBe("basic");
    // The clock started at --clock when the server started, and has run on with the wall clock since.
    const elapsed = Date.parse(body.now) - Date.parse("2026-03-01T12:00:00Z");
    expect(elapsed).toBeGreaterThanOrEqual(0);
    expect(elapsed).toBeLessThanOrEqual(Date.now() - cli.spawnedAt);
    expect(body.anchor).toBe("2026-03-01T10:00:00.000Z");
  });

  it("refuses a second server on the same state directory with a clear message", async () => {
    const second = await run(process.execPath, [BIN, "start", "--scenario", "basic", "--port", "0", "--state-dir", join(dir, "state")]).catch(
      (e) => e as { code: number; stderr: string },
    );
    expect((second as { code: number }).code).toBe(2);
    expect((second as { stderr: string }).stderr).toMatch(/in use by another ir-range server \(pid \d+/);
  });

  it.skipIf(!hasAwsCli)("works with the printed exports, then with a profile written by ir-range profile", async () => {
    const env = {
      ...cli.exports,
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    };
    const id = await aws({ env }, ["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    expect(id.stdout.trim()).toBe("arn:aws:iam::123456789012:user/ir-responder");

    writeFileSync(join(dir, "config"), "[default]\nregion = eu-west-1\n\n[profile other]\nregion = us-west-2\noutput = text\n");
    writeFileSync(join(dir, "credentials"), "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keepme\n");
    const profile = [BIN, "profile", "--scenario", "basic", "--endpoint", cli.exports.AWS_ENDPOINT_URL, "--state-dir", join(dir, "state")];
    await run(process.execPath, profile, { env });
    await run(process.execPath, profile, { env }); // idempotent
    const config = readFileSync(join(dir, "config"), "utf8");
    expect(config).toContain("[profile other]\nregion = us-west-2\noutput = text");
    expect(config.match(/\[profile ir-range\]/g)).toHaveLength(1);
    expect(config).toContain(`endpoint_url = ${cli.exports.AWS_ENDPOINT_URL}`);
    expect(readFileSync(join(dir, "credentials"), "utf8")).toContain("aws_secret_access_key = keepme");

    const profileEnv = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") };
    const viaProfile = await aws({ env: profileEnv }, [
      "--profile",
      "ir-range",
      "ec2",
      "describe-instances",
      "--query",
      "Reservations[].Instances[].InstanceId",
    ]);
    expect(viaProfile.json()).toEqual(["i-0a1b2c3d4e5f60001"]);
    const viaFlag = await aws({ env: profileEnv }, ["--profile", "other", "--endpoint-url", cli.exports.AWS_ENDPOINT_URL, "sts", "get-caller-identity"]);
    expect(viaFlag.stderr).toContain("InvalidClientTokenId");
  });

  it("reset goes through the running server: the journal is emptied and changes are undone", async () => {
    // A server of its own: a reset moves the anchor to the reset's time, which the health test reads.
    const stateDir = join(dir, "reset-state");
    const own = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
    onTestFinished(() => {
      own.proc.kill("SIGKILL");
    });
    const s3 = new S3Client({
      endpoint: own.exports.AWS_ENDPOINT_URL,
      region: own.exports.AWS_DEFAULT_REGION,
      credentials: { accessKeyId: own.exports.AWS_ACCESS_KEY_ID, secretAccessKey: own.exports.AWS_SECRET_ACCESS_KEY },
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "before-reset.txt", Body: "x" }));
    // The journal route wants the state directory's admin token where the range has one (docs/security.md).
    const tokenFile = join(stateDir, "admin-token");
    const headers: Record<string, string> = existsSync(tokenFile) ? { authorization: `Bearer ${readFileSync(tokenFile, "utf8").trim()}` } : {};
    const journal = async () =>
      ((await (await fetch(`${own.exports.AWS_ENDPOINT_URL}/_ir-range/journal`, { headers })).json()) as { records: { eventName: string }[] }).records;
    expect((await journal()).map((r) => r.eventName)).toContain("PutObject");
    const { stdout } = await run(process.execPath, [BIN, "reset", "--scenario", "basic", "--state-dir", stateDir]);
    expect(stdout).toContain("on the running server");
    expect(await journal()).toEqual([]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "basic-evidence" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["notes/readme.txt"]);
  });

  it("shuts down gracefully on SIGTERM and frees the state directory", async () => {
    // A server of its own: the one the other tests use keeps running.
    const stateDir = join(dir, "shutdown-state");
    const first = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
    expect(first.stdout()).not.toContain("Smoke-test");
    first.proc.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const again = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
    again.proc.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  });
});

describe("ir-range brief and errors", () => {
  it("prints the briefing in one language", async () => {
    const { stdout } = await run(process.execPath, [BIN, "brief", "--scenario", "basic", "--lang", "ja"]);
    expect(stdout).toContain("動作確認用アカウント");
    expect(stdout).not.toContain("Smoke-test account");
  });
  it("names an unknown scenario and lists the known ones", async () => {
    const r = await run(process.execPath, [BIN, "brief", "--scenario", "nope"]).catch((e) => e as { code: number; stderr: string });
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(
      /no scenario named "nope" \(built-in: basic, exposed-credentials, misconfigured-resource, secutter; yours, in .*: none\)/,
    );
  });
});
