/** Where a scenario's state lives when no --state-dir is given: IR_RANGE_STATE_DIR, else .ir-range/<scenario>. */
import { resolve } from "node:path";

export const defaultStateDir = (scenario: string): string => resolve(process.env.IR_RANGE_STATE_DIR ?? `.ir-range/${scenario}`);
