/** Run in a fresh process by benchHistory: loads and indexes the synthetic history, prints the figures as JSON. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBenchHistory } from "./history.ts";

const root = mkdtempSync(join(tmpdir(), "ir-range-bench-history-"));
try {
  const { emu, rssBefore, rss, loadMs, indexMs } = await loadBenchHistory(root);
  await emu.close();
  console.log(JSON.stringify({ rssBefore, rss, loadMs, indexMs }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
