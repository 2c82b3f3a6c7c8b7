/**
 * The emulator's layers only depend downwards (docs/architecture.md): core on nothing of the emulator, state on
 * core, services on core (and each other), the server on services only through the registry. Read from the
 * sources' import statements, type-only imports included: a type import is still a dependency a reader follows.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const emulator = join(root, "emulator");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file, as a path under emulator/ ("core/types.ts", "services/s3/object-store.ts"). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g), ...text.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]);
  return specs.filter((s) => s.startsWith(".")).map((s) => relative(emulator, resolve(dirname(file), s)));
}

const layerOf = (path: string) => path.split("/")[0];

function violations(from: string, allowed: (target: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of sources(join(emulator, from))) {
    const me = relative(emulator, file);
    for (const target of importsOf(file)) if (!allowed(target, me)) out.push(`${me} → ${target}`);
  }
  return out;
}

describe("layers", () => {
  it("finds imports at all (the scan itself works)", () => {
    expect(importsOf(join(emulator, "server/dispatch.ts"))).toContain("core/errors.ts");
    expect(importsOf(join(emulator, "services/ec2/instances.ts")).length).toBeGreaterThan(3);
  });

  it("core imports nothing of the emulator outside core", () => {
    expect(violations("core", (t) => layerOf(t) === "core")).toEqual([]);
  });

  it("state imports only core and itself (no scenario, no service)", () => {
    expect(violations("state", (t) => ["core", "state"].includes(layerOf(t)))).toEqual([]);
  });

  it("protocols, signature checks and the router import only what is below them", () => {
    expect(violations("protocols", (t) => ["core", "protocols"].includes(layerOf(t)))).toEqual([]);
    expect(violations("auth", (t) => ["core", "protocols", "auth"].includes(layerOf(t)))).toEqual([]);
    expect(violations("router", (t) => ["core", "protocols", "auth", "router"].includes(layerOf(t)))).toEqual([]);
  });

  it("the policy engine and the actions' data import only core", () => {
    expect(violations("authz", (t) => ["core", "authz"].includes(layerOf(t)))).toEqual([]);
  });

  it("services import no scenario, state, server or grading module", () => {
    expect(violations("services", (t) => ["core", "protocols", "authz", "services"].includes(layerOf(t)))).toEqual([]);
  });

  it("the server reaches services only through the registry", () => {
    expect(violations("server", (t) => layerOf(t) !== "services" || t === "services/index.ts")).toEqual([]);
  });
});
