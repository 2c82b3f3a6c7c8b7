/**
 * The mutable state of an account: one lowdb JSON document per state directory, written atomically
 * (temp file + rename, by lowdb's steno writer). Recordings are never copied in here.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Low } from "lowdb";
import { JSONFile, JSONFileSync } from "lowdb/node";

export interface AccountState {
  /** Services without regions (IAM, S3's bucket namespace). */
  global: Record<string, unknown>;
  regions: Record<string, Record<string, unknown>>;
}

export interface StateDoc {
  format: 1;
  scenario: string;
  /** The emulator time at which the incident was discovered; fixed at first load and by reset. */
  anchor: string;
  accounts: Record<string, AccountState>;
}

export class StateStore {
  private constructor(private readonly db: Low<StateDoc>) {}

  static async open(dir: string, initial: () => StateDoc | Promise<StateDoc>): Promise<{ store: StateStore; created: boolean }> {
    const file = join(dir, "state.json");
    const created = !existsSync(file);
    const db = new Low<StateDoc>(new JSONFile<StateDoc>(file), { format: 1, scenario: "", anchor: "", accounts: {} });
    if (created) {
      db.data = await initial();
      // Synchronous, the same temp file and rename: nothing else runs yet, and two thread-pool round trips (write,
      // rename) were most of the cost on the way to the first answer.
      new JSONFileSync<StateDoc>(file).write(db.data);
    } else {
      await db.read();
      if (db.data?.format !== 1) throw new Error(`${file} is not an ir-range state file (format 1)`);
    }
    return { store: new StateStore(db), created };
  }

  get data(): StateDoc {
    return this.db.data;
  }

  replace(doc: StateDoc): void {
    this.db.data = doc;
  }

  commit(): Promise<void> {
    return this.db.write();
  }

  /** Discards uncommitted changes by re-reading the last committed document. */
  rollback(): Promise<void> {
    return this.db.read();
  }

  account(accountId: string): AccountState {
    const accounts = this.db.data.accounts;
    let acct = accounts[accountId];
    if (!acct) {
      acct = { global: {}, regions: {} };
      accounts[accountId] = acct;
    }
    return acct;
  }
}
