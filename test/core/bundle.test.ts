/** The bundle `ir-range start` runs (dist/, built by npm ci) drives its codecs with exactly the schemas the sources use. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../emulator/core/paths.ts";
import { operationsOf } from "../../emulator/protocols/schema.ts";
import { allServices } from "../../emulator/services/index.ts";

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

describe("the bundled CLI", () => {
  const bundled = existsSync(join(dist, "schemas")) ? readdirSync(join(dist, "schemas")).filter((f) => f.endsWith(".mjs")) : [];

  it("loads every service's schemas on their own, without the SDK client", () => {
    const app = readdirSync(join(dist, "chunks"))
      .filter((f) => f.endsWith(".mjs"))
      .map((f) => readFileSync(join(dist, "chunks", f), "utf8"))
      .join("\n");
    expect(app).not.toMatch(/["']@aws-sdk\/client-/);
    for (const svc of allServices()) {
      const client = /@aws-sdk\/(client-[a-z0-9-]+)/.exec(svc.schemas.toString())?.[1];
      expect(bundled, svc.id).toContain(`${client}.mjs`);
    }
  });

  it.each(bundled)("%s holds the same schemas as the SDK client package", async (file) => {
    const client = file.replace(/\.mjs$/, "");
    const own = (await import(pathToFileURL(join(dist, "schemas", file)).href)) as Record<string, unknown>;
    const full = (await import(`@aws-sdk/${client}`)) as Record<string, unknown>;
    expect(operationsOf(own).size).toBeGreaterThan(0);
    expect([...operationsOf(own).keys()].sort()).toEqual([...operationsOf(full).keys()].sort());
    expect(schemasOf(own)).toEqual(schemasOf(full));
  });
});
