/**
 * DuckDB in a process of its own (engine-host.mjs), so that nothing a query does inside DuckDB — a native abort
 * included — can take the emulator down. What crosses the IPC channel: SQL text, rows (getRowsJson's values) with
 * their column types as plain objects, the rows of the appender, interrupts, and DuckDB's errors with their fields. Tables, views and macros live in the
 * child; the emulator keeps the catalog, the object files and the result cache. When the child dies, every call in
 * flight fails with GENERIC_INTERNAL_ERROR and the engine starts a new child at its next use (engine.ts).
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AthenaQueryError } from "./sql/translate.ts";

/** A DuckDB type as the child describes it: the DuckDBTypeId name and what formatting needs of its children. */
export interface TypeDesc {
  id: string;
  alias?: string;
  valueType?: TypeDesc;
  keyType?: TypeDesc;
  entryNames?: string[];
  entryTypes?: TypeDesc[];
  width?: number;
  scale?: number;
}

export interface ReadResult {
  names: string[];
  types: TypeDesc[];
  rows: unknown[][];
}

/** One DuckDB connection in the child. */
export interface Conn {
  run(sql: string): Promise<void>;
  read(sql: string): Promise<ReadResult>;
  /** Rows of VARCHAR (or NULL) values through DuckDB's appender. */
  append(schema: string, table: string, rows: (string | null)[][]): Promise<void>;
  interrupt(): void;
  close(): void;
}

/** What DuckDB says of an error it raised (errors_as_json): its kind, subtype, byte offset in the SQL, the name it is about. */
export interface DuckErrorInfo {
  exception_type: string;
  exception_message: string;
  error_subtype?: string;
  /** Byte offset in the statement DuckDB ran. */
  position?: string;
  name?: string;
  [key: string]: string | undefined;
}

/** An error DuckDB raised: the classic text (`Binder Error: …`) as message, its fields when DuckDB gave them. */
export class DuckError extends Error {
  constructor(
    message: string,
    readonly info?: DuckErrorInfo,
  ) {
    super(message);
  }
}

/** The engine process stopped (crashed, was killed) while a call was in flight. */
export class EngineStopped extends AthenaQueryError {
  constructor(why: string) {
    super("GENERIC_INTERNAL_ERROR", `The query engine stopped (${why}); it restarts with the next query`);
  }
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
  info?: DuckErrorInfo;
}

/** engine-host.mjs beside this file (the sources) or under the package root (this file bundled into dist/). */
function hostScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let d = here; ; d = dirname(d)) {
    for (const f of [join(d, "engine-host.mjs"), join(d, "emulator", "services", "athena", "engine-host.mjs")]) if (existsSync(f)) return f;
    if (dirname(d) === d) throw new Error(`engine-host.mjs not found from ${here}`);
  }
}

const live = new Set<ChildProcess>();
let exitHook = false;

export class DuckProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exitWhy: string | undefined;
  readonly exited: Promise<void>;
  private readonly ready: Promise<void>;
  /** Set when the child ended without being asked to (the engine then starts another). */
  onCrash?: (why: string) => void;
  private closing = false;

  private constructor() {
    // No inherited loader flags (tsx, vitest's): the host is plain JavaScript and starts faster without them.
    this.child = fork(hostScript(), [], { execArgv: [], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    live.add(this.child);
    if (!exitHook) {
      exitHook = true;
      // The emulator exiting (normally or by process.exit in a signal handler) takes its engines with it.
      process.once("exit", () => {
        for (const c of live) c.kill("SIGKILL");
      });
    }
    // The child says { id: 0 } once it listens: a message sent before that could be lost.
    this.ready = new Promise((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    this.child.on("message", (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new DuckError(m.error ?? "", m.info));
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        live.delete(this.child);
        this.exitWhy = signal ? `signal ${signal}` : `exit code ${code}`;
        const err = new EngineStopped(this.exitWhy);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        if (!this.closing) this.onCrash?.(this.exitWhy);
        resolve();
      });
    });
    // A failed spawn also ends in "exit"; the error itself needs a listener so it is not thrown.
    this.child.on("error", () => undefined);
  }

  /** Starts the child and runs the instance's options and setup statements there. */
  static async start(options: Record<string, string>, setup: string[]): Promise<DuckProcess> {
    const p = new DuckProcess();
    try {
      await p.ready;
      await p.call("init", { options, setup });
    } catch (e) {
      p.kill();
      throw e;
    }
    return p;
  }

  get alive(): boolean {
    return this.exitWhy === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exitWhy !== undefined) return Promise.reject(new EngineStopped(this.exitWhy));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, ...args });
    });
  }

  async connect(): Promise<Conn> {
    const conn = await this.call<number>("connect");
    return {
      run: (sql) => this.call("run", { conn, sql }),
      read: (sql) => this.call("read", { conn, sql }),
      append: (schema, table, rows) => this.call("append", { conn, schema, table, rows }),
      interrupt: () => {
        if (this.alive) this.child.send({ op: "interrupt", conn });
      },
      close: () => {
        if (this.alive) this.call("close", { conn }).catch(() => undefined);
      },
    };
  }

  /** CPU time and memory of the child (the benchmark adds them to the emulator's). */
  stats(): Promise<{ rss: number; cpuMs: number }> {
    return this.call("stats");
  }

  /** Ends the child at once: its queries fail, and the engine starts another for the next one. */
  kill(): void {
    this.child.kill("SIGKILL");
  }

  /** Asks the child to end (it exits when the channel closes); kills it if it has not within a few seconds. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.alive) return;
    this.child.disconnect();
    const timer = setTimeout(() => this.kill(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
