/**
 * The attacker's next moves, as a scenario lists them (recordings/<scenario>/attacker.json): API calls made with
 * credentials the attacker holds, from the attacker's address, and doors that are no API call (re-stealing role
 * credentials through IMDSv1, SSH through a world-open port). Grading replays them to see what containment blocks.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const text = z.object({ en: z.string(), ja: z.string() });

const actor = z.object({ accessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{16}$/), sourceIp: z.string(), userAgent: z.string().optional() });

const door = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("imdsv1"), instanceId: z.string().regex(/^i-[0-9a-f]+$/), region: z.string() }),
  z.object({
    kind: z.literal("ssh"),
    sourceIp: z.string(),
    port: z.number().int().min(1).max(65535),
    regions: z.array(z.string()).min(1),
    /** The attacker's key pair: only instances launched with it let them in (deleting it in EC2 does not take it off them). */
    keyName: z.string().optional(),
  }),
]);

const attempt = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: text,
    actor: z.string().optional(),
    region: z.string().optional(),
    call: z.object({ service: z.string(), operation: z.string().regex(/^[A-Z][A-Za-z0-9]+$/), input: z.record(z.string(), z.unknown()) }).optional(),
    door: door.optional(),
    /** Containment items (assessment.json ids) whose points depend on this attempt being blocked. */
    containment: z.array(z.string()).default([]),
  })
  .refine((a) => (a.call ? 1 : 0) + (a.door ? 1 : 0) === 1, { message: "an attempt is either a call or a door" })
  .refine((a) => !a.call || (a.actor && a.region), { message: "a call needs an actor and a region" });

const plan = z.object({ $comment: z.string().optional(), actors: z.record(z.string(), actor), attempts: z.array(attempt) });

export type AttackerPlan = z.infer<typeof plan>;
export type Attempt = AttackerPlan["attempts"][number];
export type Door = NonNullable<Attempt["door"]>;

/** The scenario's plan, or undefined when it has none. A malformed plan is an authoring error: it throws. */
export function loadAttackerPlan(scenarioDir: string): AttackerPlan | undefined {
  const file = join(scenarioDir, "attacker.json");
  if (!existsSync(file)) return undefined;
  const parsed = plan.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  for (const a of parsed.data.attempts) {
    if (a.actor && !parsed.data.actors[a.actor]) throw new Error(`${file}: attempt ${a.id} names unknown actor ${a.actor}`);
  }
  return parsed.data;
}
