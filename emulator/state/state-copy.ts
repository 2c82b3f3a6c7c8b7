/**
 * A copy of a state directory that can be opened as a range of its own (offline grading, the attacker's replay):
 * its state, journal, anchors, secrets and S3 bodies, without what belongs to the process that owns the original.
 */
import { constants, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Not copied: the owner's lock and admin token (the copy has its own owner), temp files of an interrupted write. */
const SKIP = new Set(["server.lock", "admin-token"]);
const skipped = (name: string) => SKIP.has(name) || name.endsWith(".tmp");

/**
 * Copies a state directory's files. S3 bodies (blobs/, content-addressed, written by rename and never in place) are
 * hard-linked where the file system allows: a class's uploads need not be copied. Symbolic links are not followed.
 */
export function copyStateDir(from: string, to: string, blobs = false): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(from)) {
    if (skipped(name) || (blobs && (name.startsWith(".spool-") || name.startsWith(".join-")))) continue;
    const src = join(from, name);
    const dst = join(to, name);
    const st = lstatSync(src);
    if (st.isDirectory()) copyStateDir(src, dst, blobs || name === "blobs");
    else if (st.isFile()) {
      if (blobs) {
        try {
          linkSync(src, dst);
          continue;
        } catch {
          // Another file system, or links not allowed: copy.
        }
      }
      copyFileSync(src, dst, constants.COPYFILE_FICLONE);
    }
  }
}
