/** The scenario manifest (recordings/<name>/scenario.json), validated on load with zod. */
import { z } from "zod";

const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");

const principal = z.object({
  type: z.enum(["IAMUser", "AssumedRole", "Root"]),
  accountId,
  arn: z.string().startsWith("arn:aws:"),
  principalId: z.string().min(1),
  userName: z.string().optional(),
  sessionContext: z
    .object({
      sessionIssuer: z.object({ type: z.literal("Role"), principalId: z.string(), arn: z.string(), accountId, userName: z.string() }),
      creationDate: z.string(),
      mfaAuthenticated: z.boolean(),
      ec2RoleDelivery: z.string().optional(),
    })
    .optional(),
});

export const credentialSchema = z.object({
  label: z.string().min(1),
  accessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{12,}$/, "must look like an AWS access key id (AKIA…/ASIA…)"),
  secretAccessKey: z.string().min(16),
  sessionToken: z.string().optional(),
  principal,
});

export const manifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  title: z.object({ en: z.string(), ja: z.string() }),
  accountId,
  homeRegion: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
  regions: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d$/)).min(1),
  /** The discovery moment in the recording's own time; all recorded times are relative to it. */
  recordedDiscovery: z.iso.datetime(),
  /** How long before the emulator's start the incident was discovered, in minutes. */
  discoveredMinutesBeforeStart: z.number().int().min(0).default(120),
  credentials: z.array(credentialSchema).min(1),
  briefing: z.object({ en: z.string(), ja: z.string() }),
  /** A module (relative to the recording) whose generate() builds state, objects and history. */
  generator: z.string().optional(),
  /** The responder's credential label used for printed exports and profiles. */
  responder: z.string().default("responder"),
});

export type ScenarioManifest = z.infer<typeof manifestSchema>;
export type ScenarioCredential = z.infer<typeof credentialSchema>;

/** "scenario.json: credentials.0.accessKeyId: must look like…" — the file and field that are wrong. */
export function formatIssues(file: string, error: z.ZodError): string {
  return error.issues.map((i) => `${file}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}
