/**
 * `ir-range scenario check`: everything that can be known about a timeline without running it — the schema, then
 * the references between its parts: actors, services and operations the range serves, saved outputs used only after
 * the call that saves them, times inside the recording. Each problem names its file and line.
 */
import type { ScenarioManifest } from "../../core/manifest.ts";
import { editDistance } from "../../grading/unknown-keys.ts";
import { allServices } from "../../services/index.ts";
import { Rng } from "../prng.ts";
import { referencesIn } from "./interpolate.ts";
import type { Problem, ReadTimeline } from "./read.ts";
import { schedule } from "./steps.ts";
import { timeOf } from "./times.ts";

/** " (did you mean ListUsers?)" when a name is one slip away from a known one. */
function suggest(name: string, known: readonly string[]): string {
  const k = name.toLowerCase();
  let best: { id: string; d: number } | undefined;
  for (const id of known) {
    const d = editDistance(k, id.toLowerCase());
    if (d <= Math.max(2, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { id, d };
  }
  return best ? ` (did you mean ${best.id}?)` : "";
}

const BUILT_IN_REFS = new Set(["account", "region", "ip", "vars"]);

export function checkTimeline(read: ReadTimeline, manifest: ScenarioManifest): Problem[] {
  const { timeline: tl, where } = read;
  const problems: Problem[] = [];
  const discovery = Date.parse(manifest.recordedDiscovery);
  const start = timeOf(tl.start, discovery);
  const services = new Map(allServices().map((s) => [s.id, s]));
  const add = (path: (string | number)[], message: string) => problems.push({ where: where(path), message });

  if (start >= discovery) add(["start"], `start (${new Date(start).toISOString()}) must be before the discovery (${manifest.recordedDiscovery})`);
  for (const [name, a] of Object.entries(tl.actors)) {
    const kinds = [a.user, a.keyOf, a.session, a.instance].filter((x) => x !== undefined).length;
    if (kinds !== 1) add(["actors", name], `actor ${name} needs exactly one of user, keyOf, session, instance`);
    if (a.keyOf && !tl.actors[a.keyOf]) add(["actors", name, "keyOf"], `keyOf: no actor named "${a.keyOf}"`);
  }
  const saves = new Map<string, number>();
  const plan = schedule(tl, discovery, (label) => new Rng(`${tl.seed}/${label}`));
  // Saves in the order the run makes them; a reference must come after its save.
  const savedBy = new Map<string, string>();
  for (const s of plan) {
    if (s.repeat > 0 || s.path[0] === "background") continue;
    const step = s.step;
    if (step.at !== undefined && s.at > discovery) add(s.path, `this happens after the discovery (${manifest.recordedDiscovery})`);
    if (s.at < start) add(s.path, `this happens before the timeline's start (${tl.start})`);
    if ("actor" in step) {
      if (!tl.actors[step.actor]) add([...s.path, "actor"], `no actor named "${step.actor}" (actors: ${Object.keys(tl.actors).join(", ")})`);
      const a = tl.actors[step.actor];
      for (const ref of [a?.session, a?.instance])
        if (ref && !saves.has(ref)) add([...s.path, "actor"], `actor ${step.actor} uses "${ref}", which no earlier call saves`);
    }
    const refs = referencesIn("call" in step ? [step.call.input, step.call.region] : "flow" in step ? step.flow : "dns" in step ? step.dns : []);
    if ("flow" in step) for (const end of [step.flow.src, step.flow.dst]) if (end.startsWith("instance:")) refs.add(end.split(":")[1]);
    if ("dns" in step && step.dns.from.startsWith("instance:")) refs.add(step.dns.from.split(":")[1]);
    for (const r of refs) {
      if (!BUILT_IN_REFS.has(r) && !saves.has(r)) add(s.path, `\${${r}…} refers to "${r}", which no earlier call saves${suggest(r, [...saves.keys()])}`);
    }
    for (const r of refs)
      if (r === "ip" || r === "vars") {
        for (const m of JSON.stringify("call" in step ? step.call : "flow" in step ? step.flow : step).matchAll(/\$\{(ip|vars)\.([\w-]+)\}/g)) {
          const table = m[1] === "ip" ? tl.ips : tl.vars;
          if (!table?.[m[2]]) add(s.path, `\${${m[1]}.${m[2]}} is not defined under ${m[1] === "ip" ? "ips" : "vars"}`);
        }
      }
    if ("call" in step) {
      const svc = services.get(step.call.service);
      if (!svc) add([...s.path, "call", "service"], `no service "${step.call.service}" (the range serves ${[...services.keys()].join(", ")})`);
      else if (!svc.operations[step.call.operation]) {
        add(
          [...s.path, "call", "operation"],
          `${svc.id} has no operation "${step.call.operation}" in the range${suggest(step.call.operation, Object.keys(svc.operations))}`,
        );
      }
      if (step.save) {
        if (saves.has(step.save)) add([...s.path, "save"], `"${step.save}" is saved twice (first by ${savedBy.get(step.save)})`);
        saves.set(step.save, s.at);
        savedBy.set(step.save, where(s.path));
      }
    }
  }
  (tl.background ?? []).forEach((b, i) => {
    if (!tl.actors[b.actor]) add(["background", i, "actor"], `no actor named "${b.actor}"`);
    b.mix.forEach((m, k) => {
      const svc = services.get(m.call.service);
      if (!svc) add(["background", i, "mix", k, "call", "service"], `no service "${m.call.service}"`);
      else if (!svc.operations[m.call.operation]) {
        add(
          ["background", i, "mix", k, "call", "operation"],
          `${svc.id} has no operation "${m.call.operation}" in the range${suggest(m.call.operation, Object.keys(svc.operations))}`,
        );
      }
    });
    if (timeOf(b.until, discovery) > discovery) add(["background", i, "until"], "background activity must end by the discovery");
  });
  return problems;
}
