/**
 * A range for the benchmark, in a process of its own: `ir-range start` without its banner, and with IAM
 * authorization turned off when asked (EmulatorOptions.authorization exists for this alone; the CLI has no such flag).
 *   node bin/run-ts.js bench/serve-range.ts <scenario> <port> <state-dir> [no-authorization]
 */
import { startServer } from "../emulator/server/app.ts";

const [scenario, port, stateDir, flag] = process.argv.slice(2);
const server = await startServer({ scenario, stateDir, host: "127.0.0.1", port: Number(port), authorization: flag !== "no-authorization" });
process.once("SIGTERM", () => {
  server.close().then(() => process.exit(0));
});
