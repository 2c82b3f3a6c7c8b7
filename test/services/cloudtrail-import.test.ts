/** importCloudTrail and `ir-range import-cloudtrail`: real CloudTrail files in any of their shapes become a scenario. */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerImportCommand } from "../../emulator/cli/import-cloudtrail.ts";
import { importCloudTrail } from "../../emulator/scenario/import-cloudtrail.ts";
import { loadScenario } from "../../emulator/scenario/loader.ts";

const STRATUS = join(import.meta.dirname, "../fixtures/stratus-red-team");
const INVICTUS = join(import.meta.dirname, "../fixtures/invictus-ir");
const stratusFiles = readdirSync(STRATUS).filter((f) => f.endsWith(".json.gz"));
const read = (file: string) => JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"));
const ndjson = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "ir-range-import-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("importCloudTrail", () => {
  it("reads gzipped and plain files, arrays and {Records}, from nested directories", async () => {
    // One Stratus log gzipped, one plain array two levels down, one Invictus delivery file decompressed.
    const input = join(work, "input");
    mkdirSync(join(input, "a/b"), { recursive: true });
    copyFileSync(join(STRATUS, stratusFiles[0]), join(input, stratusFiles[0]));
    writeFileSync(join(input, "a/b", stratusFiles[1].replace(/\.gz$/, "")), JSON.stringify(read(join(STRATUS, stratusFiles[1]))));
    const invictusName = readdirSync(INVICTUS).find((f) => f.endsWith(".json.gz")) as string;
    writeFileSync(join(input, "a", invictusName.replace(/\.gz$/, "")), gunzipSync(readFileSync(join(INVICTUS, invictusName))));
    writeFileSync(join(input, "notes.txt"), "not a log");

    const expected = [
      ...read(join(STRATUS, stratusFiles[0])),
      ...read(join(STRATUS, stratusFiles[1])),
      ...read(join(INVICTUS, invictusName)).Records,
    ] as Record<string, any>[];
    const result = importCloudTrail([input], { scenario: "mixed", recordingsDir: join(work, "rec"), bucket: "evidence-logs" });
    expect(result.records).toBe(expected.length);
    const history = ndjson(join(result.dir, "history.ndjson"));
    expect(new Set(history.map((r) => r.eventID))).toEqual(new Set(expected.map((r) => r.eventID)));
    expect(history.map((r) => r.eventTime)).toEqual([...history.map((r) => r.eventTime)].sort());
    // The Invictus records dominate: its recipient account and its (real) region become the scenario's.
    expect(result.accountId).toBe("123837392027");
    expect(result.homeRegion).toBe("us-east-1");

    const s = loadScenario("mixed", join(work, "rec"));
    expect(s.manifest.accountId).toBe("123837392027");
    expect(s.manifest.credentials[0].accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(Date.parse(s.manifest.recordedDiscovery)).toBeGreaterThan(Date.parse(history.at(-1)?.eventTime));
    const loaded = [...(await s.content(new Date())).history];
    expect(loaded.map((r) => r.eventID)).toEqual(history.map((r) => r.eventID));
    expect(loaded.at(-1)?.eventTime.localeCompare(new Date().toISOString())).toBeLessThan(0);

    const objects = walk(join(result.dir, "objects/evidence-logs")).map((f) => f.slice(join(result.dir, "objects/evidence-logs").length + 1));
    // The CloudTrail-named file keeps its name and goes where CloudTrail delivered it; each array becomes a log file.
    expect(objects).toContain(`AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/${invictusName.replace(/\.gz$/, "")}`);
    const generated = objects.filter((o) => !o.includes("218007301253"));
    expect(generated).toHaveLength(2);
    for (const o of generated)
      expect(o).toMatch(
        /^AWSLogs\/123837392027\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/123837392027_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/,
      );
    const delivered = generated.flatMap((o) => read(join(result.dir, "objects/evidence-logs", o)).Records as Record<string, any>[]);
    expect(delivered).toHaveLength(read(join(STRATUS, stratusFiles[0])).length + read(join(STRATUS, stratusFiles[1])).length);
  });

  it("refuses an existing scenario unless forced, and input that is not CloudTrail", () => {
    const rec = join(work, "rec");
    importCloudTrail([join(STRATUS, stratusFiles[0])], { scenario: "one", recordingsDir: rec });
    expect(() => importCloudTrail([join(STRATUS, stratusFiles[0])], { scenario: "one", recordingsDir: rec })).toThrow(/already exists/);
    expect(importCloudTrail([join(STRATUS, stratusFiles[1])], { scenario: "one", recordingsDir: rec, force: true }).records).toBe(
      read(join(STRATUS, stratusFiles[1])).length,
    );
    const bad = join(work, "bad.json");
    writeFileSync(bad, JSON.stringify({ hello: "world" }));
    expect(() => importCloudTrail([bad], { scenario: "two", recordingsDir: rec })).toThrow(/neither a CloudTrail log file/);
    expect(() => importCloudTrail([bad], { scenario: "Bad Name", recordingsDir: rec })).toThrow(/scenario name/);
    expect(existsSync(join(rec, "two"))).toBe(false);
  });
});

describe("ir-range import-cloudtrail", () => {
  it("imports from the command line", async () => {
    const program = new Command().exitOverride();
    registerImportCommand(program);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await program.parseAsync(["import-cloudtrail", STRATUS, "--scenario", "cli-made", "--bucket", "cli-bucket", "--recordings-dir", join(work, "rec")], {
        from: "user",
      });
      expect(String(out.mock.calls[0][0])).toMatch(/^imported \d+ records/);
    } finally {
      out.mockRestore();
    }
    const s = loadScenario("cli-made", join(work, "rec"));
    const state = JSON.parse(readFileSync(join(s.dir, "state.json"), "utf8"));
    expect(Object.keys(state.accounts[s.manifest.accountId].global.s3.buckets)).toEqual(["cli-bucket"]);
    const total = stratusFiles.reduce((n, f) => n + read(join(STRATUS, f)).length, 0);
    expect(ndjson(join(s.dir, "history.ndjson"))).toHaveLength(total);
  });
});
