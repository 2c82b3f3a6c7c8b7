/** The scenario manifest (recordings/<name>/scenario.json), validated on load with zod. */
// zod/mini with the English messages: the same checks and messages as zod's full API, without the ~25 ms it takes to
// load on every start.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

const accountId = z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));
const region = () => z.string().check(z.regex(/^[a-z]{2}-[a-z]+-\d$/));

const principal = z.object({
  type: z.enum(["IAMUser", "AssumedRole", "Root"]),
  accountId,
  arn: z.string().check(z.startsWith("arn:aws:")),
  principalId: z.string().check(z.minLength(1)),
  userName: z.optional(z.string()),
  sessionContext: z.optional(
    z.object({
      sessionIssuer: z.object({ type: z.literal("Role"), principalId: z.string(), arn: z.string(), accountId, userName: z.string() }),
      creationDate: z.string(),
      mfaAuthenticated: z.boolean(),
      ec2RoleDelivery: z.optional(z.string()),
    }),
  ),
});

export const credentialSchema = z.object({
  label: z.string().check(z.minLength(1)),
  accessKeyId: z.string().check(z.regex(/^(AKIA|ASIA)[A-Z0-9]{12,}$/, "must look like an AWS access key id (AKIA…/ASIA…)")),
  sessionToken: z.optional(z.string()),
  principal,
});

export const manifestSchema = z.object({
  name: z.string().check(z.regex(/^[a-z0-9-]+$/)),
  title: z.object({ en: z.string(), ja: z.string() }),
  accountId,
  homeRegion: region(),
  regions: z.array(region()).check(z.minLength(1)),
  /** The discovery moment in the recording's own time; all recorded times are relative to it. */
  recordedDiscovery: z.iso.datetime(),
  /** How long before the emulator's start the incident was discovered, in minutes. */
  discoveredMinutesBeforeStart: z._default(z.int().check(z.minimum(0)), 120),
  credentials: z.array(credentialSchema).check(z.minLength(1)),
  briefing: z.object({ en: z.string(), ja: z.string() }),
  /** A module (relative to the recording) whose generate() builds state, objects and history. */
  generator: z.optional(z.string()),
  /** The recording is built from timeline/*.yaml (docs/scenarios.md, "Authoring a scenario as a timeline") into build/. */
  timeline: z.optional(z.boolean()),
  /** The responder's credential label used for printed exports and profiles. */
  responder: z._default(z.string(), "responder"),
});

export type ScenarioManifest = z.infer<typeof manifestSchema>;
export type ScenarioCredential = z.infer<typeof credentialSchema>;

/** "scenario.json: credentials.0.accessKeyId: must look like…" — the file and field that are wrong. */
export function formatIssues(file: string, error: z.core.$ZodError): string {
  return error.issues.map((i) => `${file}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}
