/** Writes the [profile ir-range] section of ~/.aws/config (and its credentials) without touching other profiles. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Replaces or appends one INI section, keeping every other line as it was. */
export function upsertIniSection(text: string, section: string, values: Record<string, string>): string {
  const lines = text.split(/\r?\n/);
  const header = `[${section}]`;
  const start = lines.findIndex((l) => l.trim() === header);
  const body = Object.entries(values).map(([k, v]) => `${k} = ${v}`);
  if (start < 0) {
    const trimmed = text.replace(/\s*$/, "");
    return `${trimmed ? `${trimmed}\n\n` : ""}${header}\n${body.join("\n")}\n`;
  }
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end])) end++;
  // Keep blank lines that separated this section from the next one.
  let keep = end;
  while (keep > start + 1 && lines[keep - 1].trim() === "") keep--;
  const out = [...lines.slice(0, start + 1), ...body, ...lines.slice(keep, end), ...lines.slice(end)];
  return out.join("\n");
}

export interface ProfileSettings {
  profile: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  configFile?: string;
  credentialsFile?: string;
}

export function writeProfile(p: ProfileSettings): { configFile: string; credentialsFile: string } {
  const configFile = p.configFile ?? process.env.AWS_CONFIG_FILE ?? join(homedir(), ".aws", "config");
  const credentialsFile = p.credentialsFile ?? process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials");
  for (const f of [configFile, credentialsFile]) mkdirSync(dirname(f), { recursive: true });
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
  writeFileSync(configFile, upsertIniSection(read(configFile), `profile ${p.profile}`, { region: p.region, endpoint_url: p.endpoint, output: "json" }));
  const creds: Record<string, string> = { aws_access_key_id: p.accessKeyId, aws_secret_access_key: p.secretAccessKey };
  if (p.sessionToken) creds.aws_session_token = p.sessionToken;
  writeFileSync(credentialsFile, upsertIniSection(read(credentialsFile), p.profile, creds), { mode: 0o600 });
  return { configFile, credentialsFile };
}
