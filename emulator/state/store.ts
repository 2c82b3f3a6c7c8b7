/**
 * The mutable state of the accounts: one JSON document per state directory, written atomically by lowdb's text
 * adapters (steno: temp file + rename). Recordings are never copied in here.
 *
 * The store keeps the text of its last commit: a commit that would write the same text writes nothing, and a
 * rollback restores that text, so undoing one writer never reads back a file another writer has changed since.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TextFile, TextFileSync } from "lowdb/node";
import type { AccountState, StateDoc } from "../core/records.ts";

const serialize = (doc: StateDoc) => JSON.stringify(doc, null, 2);

/**
 * Every object of the document is made without a prototype: state is keyed by names users choose (IAM users, Glue
 * databases, policy names…), and a name such as "constructor", "valueOf" or "__proto__" must find nothing — or its own
 * entry — never a member of Object.prototype.
 */
const withoutPrototype = (_key: string, value: unknown) =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? Object.assign(Object.create(null), value) : value;

const parse = (text: string) => JSON.parse(text, withoutPrototype) as StateDoc;

/** A value as the document holds it: plain objects without a prototype, all the way down. */
export function asStored<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value), withoutPrototype) as T);
}

export class StateStore {
  private doc: StateDoc;
  private committed: string;
  /** Commits written to disk, for tests and the bench: a read-only call must not add one. */
  writes = 0;

  private constructor(
    private readonly file: TextFile,
    text: string,
  ) {
    this.committed = text;
    this.doc = parse(text);
  }

  static async open(dir: string, initial: () => StateDoc | Promise<StateDoc>): Promise<{ store: StateStore; created: boolean }> {
    const path = join(dir, "state.json");
    const created = !existsSync(path);
    let text: string;
    if (created) {
      text = serialize(await initial());
      // Synchronous, the same temp file and rename: nothing else runs yet, and two thread-pool round trips (write,
      // rename) were most of the cost on the way to the first answer.
      new TextFileSync(path).write(text);
    } else {
      text = (await new TextFile(path).read()) ?? "";
      let doc: Partial<StateDoc> | undefined;
      try {
        doc = JSON.parse(text) as StateDoc;
      } catch {
        doc = undefined;
      }
      if (doc?.format !== 1) throw new Error(`${path} is not an ir-range state file (format 1)`);
    }
    return { store: new StateStore(new TextFile(path), text), created };
  }

  get data(): StateDoc {
    return this.doc;
  }

  replace(doc: StateDoc): void {
    this.doc = parse(serialize(doc));
  }

  private readonly foldIns: (() => void)[] = [];

  /** fn changes the document just before a commit that writes (never before one that would write nothing). */
  beforeWrite(fn: () => void): void {
    this.foldIns.push(fn);
  }

  /** Writes the document if it differs from the last commit; resolves when it is on disk. Returns whether it wrote. */
  async commit(): Promise<boolean> {
    let text = serialize(this.doc);
    if (text === this.committed) return false;
    if (this.foldIns.length) {
      for (const fn of this.foldIns) fn();
      text = serialize(this.doc);
    }
    await this.file.write(text);
    this.committed = text;
    this.writes++;
    // Objects the transaction made (`{}` literals) have Object.prototype: the document is read back without.
    this.doc = parse(text);
    return true;
  }

  /** Discards uncommitted changes: the document becomes the last commit again. */
  rollback(): void {
    this.doc = parse(this.committed);
  }

  account(accountId: string): AccountState {
    const accounts = this.doc.accounts;
    let acct = accounts[accountId];
    if (!acct) {
      acct = asStored({ global: {}, regions: {} });
      accounts[accountId] = acct;
    }
    return acct;
  }
}
