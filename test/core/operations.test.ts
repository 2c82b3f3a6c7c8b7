/**
 * Every service declares its operations (emulator/core/service.ts): each one is a real operation of the service's
 * SDK, says whether it may change state and how CloudTrail logs it, and no implemented handler goes undeclared.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { ServiceDefinition } from "../../emulator/core/service.ts";
import { operationsOf } from "../../emulator/protocols/schema.ts";
import { allServices } from "../../emulator/services/index.ts";

const servicesDir = join(dirname(fileURLToPath(import.meta.url)), "../../emulator/services");

/** How many operations each service implements; adding or removing one means changing this line too. */
const OPERATION_COUNTS: Record<string, number> = {
  athena: 21,
  cloudtrail: 14,
  ec2: 46,
  glue: 5,
  guardduty: 17,
  iam: 87,
  s3: 50,
  securityhub: 19,
  ssm: 9,
  sts: 5,
};

/** Handlers defined in a service's index.ts rather than exported from a handler module. */
const LOCAL_HANDLERS: Record<string, string[]> = {
  sts: ["GetCallerIdentity"],
};

/** EC2 wraps each handler with withDryRun, so its table holds wrappers, not the exported functions. */
const WRAPPED = new Set(["ec2"]);

/**
 * Declarations that depart from what the operation's name suggests, each with the reason. An entry nobody needs
 * fails the test too, so the list stays true.
 */
const EXCEPTIONS: Record<string, string> = {
  "sts:AssumeRole": "CloudTrail logs it readOnly, but it issues a session the range must store",
  "sts:GetSessionToken": "CloudTrail logs it readOnly, but it issues a session the range must store",
  "securityhub:GetFindings": "evaluates the controls and records what changed in the control findings",
  "securityhub:GetInsightResults": "evaluates the controls and records what changed in the control findings",
};

const WRITE_VERB = /^(Create|Delete|Put|Update|Modify|Attach|Detach|Run|Start|Stop|Terminate|Authorize|Revoke|Enable|Disable)/;
const READ_VERB = /^(Describe|Get|List)/;

type Spec = NonNullable<ServiceDefinition["operations"][string]>;

/** Why a declaration needs an exception, or undefined when it matches the operation's name. */
function departure(name: string, spec: Pick<Spec, "mutates" | "readOnly">): string | undefined {
  if (spec.readOnly && WRITE_VERB.test(name)) return "logged readOnly but named as a write";
  if (spec.mutates && READ_VERB.test(name)) return "runs as a transaction but named as a read";
  if (spec.mutates && spec.readOnly) return "runs as a transaction but logged readOnly";
  return undefined;
}

const declared = (svc: ServiceDefinition) => Object.entries(svc.operations).filter((e): e is [string, Spec] => e[1] !== undefined);

/** The functions a service's handler modules export under an operation's name (describeInstances → DescribeInstances). */
async function exportedHandlers(svc: ServiceDefinition, operations: ReadonlySet<string>): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const dir = join(servicesDir, svc.id);
  // Handler modules may sit in sub-folders (iam/authorization/simulate.ts).
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && f !== "index.ts");
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      const op = name[0].toUpperCase() + name.slice(1);
      if (typeof value === "function" && operations.has(op)) out.set(op, value);
    }
  }
  return out;
}

const services = allServices();

describe("operation declarations", () => {
  it("covers every service with a count", () => {
    expect(Object.keys(OPERATION_COUNTS).sort()).toEqual(services.map((s) => s.id).sort());
  });

  for (const svc of services) {
    describe(svc.id, () => {
      it("declares as many operations as it implements", () => {
        expect(declared(svc).length).toBe(OPERATION_COUNTS[svc.id]);
      });

      it("declares only operations of its SDK", async () => {
        const sdk = operationsOf(await svc.schemas());
        const unknown = declared(svc)
          .map(([name]) => name)
          .filter((name) => !sdk.has(name));
        expect(unknown).toEqual([]);
      });

      it("gives each operation a handler, mutates, readOnly and a category", () => {
        for (const [name, spec] of declared(svc)) {
          expect(typeof spec.handler, name).toBe("function");
          expect(typeof spec.mutates, name).toBe("boolean");
          expect(typeof spec.readOnly, name).toBe("boolean");
          expect(["Management", "Data"], name).toContain(spec.category);
          // A call that runs outside a transaction must not write, so CloudTrail cannot call it a write.
          if (!spec.mutates) expect(spec.readOnly, `${name} runs without a transaction but is logged as a write`).toBe(true);
        }
      });

      it("declares reads and writes as their names say, or says why not", () => {
        const unexplained: string[] = [];
        for (const [name, spec] of declared(svc)) {
          const why = departure(name, spec);
          if (why && !EXCEPTIONS[`${svc.id}:${name}`]) unexplained.push(`${name}: ${why}`);
        }
        expect(unexplained).toEqual([]);
      });

      it("declares every handler its modules export, and maps each to it", async () => {
        const sdk = new Set(operationsOf(await svc.schemas()).keys());
        const exported = await exportedHandlers(svc, sdk);
        const names = new Set(declared(svc).map(([name]) => name));
        const expected = new Set([...exported.keys(), ...(LOCAL_HANDLERS[svc.id] ?? [])]);
        expect([...expected].filter((n) => !names.has(n)).sort(), "implemented but not declared").toEqual([]);
        expect([...names].filter((n) => !expected.has(n)).sort(), "declared without an exported handler").toEqual([]);
        if (WRAPPED.has(svc.id)) return;
        for (const [name, fn] of exported) expect(svc.operations[name]?.handler === fn, `${name} runs another handler`).toBe(true);
      });
    });
  }

  it("lists only exceptions that are needed", () => {
    const byId = new Map(services.map((s) => [s.id, s]));
    const stale = Object.keys(EXCEPTIONS).filter((key) => {
      const [id, name] = key.split(":");
      const spec = byId.get(id)?.operations[name];
      return !spec || departure(name, spec) === undefined;
    });
    expect(stale).toEqual([]);
  });
});
