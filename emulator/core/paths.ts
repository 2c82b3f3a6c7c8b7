/**
 * Where the project's files are, whether running from the TypeScript sources or from the dist/ bundle; and where
 * a user's own data (imported scenarios) lives, outside the project.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, posix, win32 } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "recordings"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the ir-range project root (a folder with package.json and recordings/)");
}

export const PROJECT_ROOT = findRoot();

export interface PlatformInfo {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * The user's ir-range data folder: $IR_RANGE_HOME, else the platform's data directory (XDG on Linux and the BSDs,
 * Application Support on macOS, %LOCALAPPDATA% on Windows). A fresh clone or a reinstall keeps it.
 */
const pathsOf = (platform: NodeJS.Platform) => (platform === "win32" ? win32 : posix);

export function userDataDir({ env = process.env, platform = process.platform, home = homedir() }: PlatformInfo = {}): string {
  const path = pathsOf(platform);
  if (env.IR_RANGE_HOME) return path.resolve(env.IR_RANGE_HOME);
  if (platform === "win32") return path.join(env.LOCALAPPDATA || path.join(home, "AppData", "Local"), "ir-range");
  if (platform === "darwin") return path.join(home, "Library", "Application Support", "ir-range");
  // The XDG spec says a relative XDG_DATA_HOME is invalid and to be ignored.
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, ".local", "share");
  return path.join(xdg, "ir-range");
}

/** The default folder of imported scenarios: <user data folder>/scenarios. */
export function userScenariosDir(info: PlatformInfo = {}): string {
  return pathsOf(info.platform ?? process.platform).join(userDataDir(info), "scenarios");
}
