/**
 * Issue #12, "credentials unique to each install": the responder's secret is made at the first use of a state
 * directory and kept there; the recording's published secret signs nothing; `env` prints what the server accepts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import { CREDENTIALS_FILE } from "../../emulator/state/install-credentials.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function start(stateDir?: string): Promise<TestServer> {
  const s = await startTestServer({ scenario: "basic", stateDir });
  servers.push(s);
  return s;
}

const whoAmI = (s: TestServer, credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new STSClient({ ...s.sdk(), credentials }).send(new GetCallerIdentityCommand({}));

describe("the responder's keys", () => {
  it("differ between state directories, and the recording publishes no secret", async () => {
    const a = await start();
    const b = await start();
    expect(a.credentials.accessKeyId).toBe(b.credentials.accessKeyId);
    expect(a.credentials.secretAccessKey).not.toBe(b.credentials.secretAccessKey);
    expect(a.credentials.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(readFileSync(resolve("recordings/basic/scenario.json"), "utf8")).not.toMatch(/secretAccessKey/i);
    expect((await whoAmI(a, a.credentials)).Arn).toBe("arn:aws:iam::123456789012:user/ir-responder");
    await expect(whoAmI(a, b.credentials)).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    // The secret the recording used to publish.
    await expect(whoAmI(a, { accessKeyId: a.credentials.accessKeyId, secretAccessKey: "irRangeResponderSecretKey0000000000000001" })).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
    });
  });

  it("stay the same across a restart and a reset, in a file only its owner reads", async () => {
    const first = await start();
    const secret = first.credentials.secretAccessKey;
    const file = join(first.stateDir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await first.emulator.runtime.reset();
    expect(first.emulator.runtime.responder().secretAccessKey).toBe(secret);
    await first.stop(false);
    servers.splice(servers.indexOf(first), 1);
    const again = await start(first.stateDir);
    expect(again.credentials.secretAccessKey).toBe(secret);
    expect((await whoAmI(again, again.credentials)).Account).toBe("123456789012");
  });

  it("are what `ir-range env --state-dir` prints, before and after the server starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-env-"));
    try {
      const env = () => execFileSync(process.execPath, ["bin/ir-range.js", "env", "--scenario", "basic", "--state-dir", dir], { encoding: "utf8" });
      const printed = env();
      const secret = /export AWS_SECRET_ACCESS_KEY=(\S+)/.exec(printed)?.[1];
      expect(secret).toMatch(/^[A-Za-z0-9+/]{40}$/);
      const s = await start(dir);
      expect(s.credentials.secretAccessKey).toBe(secret);
      // Once it serves, env names the running server's endpoint (from the state directory's lock); the keys are the same.
      expect(env()).toBe(printed.replace(/AWS_ENDPOINT_URL=.*/, `AWS_ENDPOINT_URL=${s.url}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
