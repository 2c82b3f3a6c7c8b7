/** State survives what users do to servers: restarts, kill -9 mid-write, resets; the recording is never copied in. */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli-process.ts";
import { startTestServer } from "../helpers/emulator.ts";

describe("state and journal", () => {
  it("persist across a restart; reset restores the recording", async () => {
    const first = await startTestServer({ scenario: "basic" });
    const s3 = new S3Client(first.sdk());
    await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: "kept.txt", Body: "x" }));
    const journalLength = first.emulator.runtime.journal.length;
    expect(journalLength).toBeGreaterThan(0);
    await first.stop(false);

    const second = await startTestServer({ scenario: "basic", stateDir: first.stateDir });
    const list = await new S3Client(second.sdk()).send(new ListObjectsV2Command({ Bucket: "basic-evidence" }));
    expect(list.Contents?.map((c) => c.Key)).toContain("kept.txt");
    // The journal came back from disk, plus the ListObjectsV2 just made.
    expect(second.emulator.runtime.journal.length).toBe(journalLength + 1);
    expect(second.emulator.runtime.anchor.toISOString()).toBe(first.emulator.runtime.anchor.toISOString());

    await second.emulator.runtime.reset();
    const after = await new S3Client(second.sdk()).send(new ListObjectsV2Command({ Bucket: "basic-evidence" }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(["notes/readme.txt"]);
    expect(second.emulator.runtime.journal.length).toBe(1); // only the ListObjectsV2 after the reset
    await second.stop();
  });

  it("keep the recording's objects out of the state file", async () => {
    const server = await startTestServer({ scenario: "basic" });
    const doc = readFileSync(join(server.stateDir, "state.json"), "utf8");
    expect(doc).not.toContain("notes/readme.txt");
    await server.stop();
  });

  it("survive kill -9 in the middle of writes: the state file still loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ir-range-kill-"));
    const stateDir = join(dir, "state");
    for (let round = 0; round < 3; round++) {
      const cli = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
      const credentials = { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY };
      const s3 = new S3Client({ endpoint: cli.exports.AWS_ENDPOINT_URL, region: "ap-northeast-1", credentials, forcePathStyle: true, maxAttempts: 1 });
      const writes = Array.from({ length: 40 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: `r${round}/k${i}`, Body: "y".repeat(1000) })),
      );
      // Killed once a first write is committed, with the rest still arriving: no fixed delay to guess.
      await Promise.any(writes);
      cli.proc.kill("SIGKILL");
      await Promise.allSettled(writes);
      await cli.exited;
      expect(() => JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8"))).not.toThrow();
      expect(statSync(join(stateDir, "state.json")).size).toBeGreaterThan(100);
    }
    const server = await startTestServer({ scenario: "basic", stateDir });
    const list = await new S3Client(server.sdk()).send(new ListObjectsV2Command({ Bucket: "basic-evidence" }));
    expect(list.Contents?.some((c) => c.Key === "notes/readme.txt")).toBe(true);
    await server.stop();
  });
});
