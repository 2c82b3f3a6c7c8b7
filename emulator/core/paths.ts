/** Where the project's files are, whether running from the TypeScript sources or from the dist/ bundle. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
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
