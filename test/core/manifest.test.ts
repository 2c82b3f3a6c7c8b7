/** A broken scenario.json is refused with the file, each wrong field and what is wrong with it. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, RECORDINGS_DIR, ScenarioError } from "../../emulator/scenario/loader.ts";

const good = JSON.parse(readFileSync(join(RECORDINGS_DIR, "secutter", "scenario.json"), "utf8"));

function load(manifest: unknown): ReturnType<typeof loadScenario> {
  const root = mkdtempSync(join(tmpdir(), "ir-range-manifest-"));
  mkdirSync(join(root, "broken"));
  writeFileSync(join(root, "broken", "scenario.json"), JSON.stringify(manifest));
  for (const f of ["briefing.en.md", "briefing.ja.md"]) writeFileSync(join(root, "broken", f), "briefing\n");
  return loadScenario("broken", root);
}

describe("scenario.json", () => {
  it("applies the defaults to a valid manifest", () => {
    const { discoveredMinutesBeforeStart: _d, responder: _r, ...rest } = good;
    const m = load({ ...rest, name: "broken" }).manifest;
    expect(m.discoveredMinutesBeforeStart).toBe(120);
    expect(m.responder).toBe("responder");
  });

  it("names every wrong field with its message", () => {
    const bad = {
      ...good,
      accountId: "12",
      regions: [],
      discoveredMinutesBeforeStart: 1.5,
      credentials: [{ ...good.credentials[0], accessKeyId: "nope", principal: { ...good.credentials[0].principal, arn: "not-an-arn" } }],
      title: undefined,
    };
    let err: unknown;
    try {
      load(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const lines = (err as Error).message.split("\n").map((l) => l.replace(/^.*scenario\.json: /, ""));
    expect(lines).toEqual([
      "title: Invalid input: expected object, received undefined",
      "accountId: must be a 12-digit AWS account id",
      "regions: Too small: expected array to have >=1 items",
      "discoveredMinutesBeforeStart: Invalid input: expected int, received number",
      "credentials.0.accessKeyId: must look like an AWS access key id (AKIA…/ASIA…)",
      'credentials.0.principal.arn: Invalid string: must start with "arn:aws:"',
    ]);
  });
});
