/** examples/boto3 runs unmodified against the range: boto3 users get the same account as CLI and SDK users. */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";

const run = promisify(execFile);
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"]).status === 0;
if (!hasBoto3 && process.env.CI === "true") throw new Error("python3 with boto3 is required in CI");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!hasBoto3)("examples/boto3/investigate.py", () => {
  it("prints identity, instances, findings and buckets from the range", async () => {
    const { stdout } = await run("python3", ["examples/boto3/investigate.py", "ap-northeast-1"], { env: server.env });
    expect(stdout).toContain("caller: arn:aws:iam::123456789012:user/ir-responder");
    expect(stdout).toMatch(/ap-northeast-1 {2}i-0a1b2c3d4e5f60001 {2}t3\.small +running +web-1/);
    expect(stdout).toContain('buckets: ["basic-evidence"]');
  });
});
