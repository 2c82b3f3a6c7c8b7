/**
 * Athena cannot take the server down (issue #12): only Athena's functions reach DuckDB, however a name is spelt or
 * qualified; DuckDB runs in a process of its own, so a native abort there fails the query in flight and the next
 * query starts a new engine; the engine's directory and process go when the server stops (or at the next start,
 * when the emulator was killed).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AthenaClient, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_MACROS_SQL, engineFor, removeStaleDirs } from "../../emulator/services/athena/engine.ts";
import { ENGINE_MACROS } from "../../emulator/services/athena/sql/functions.ts";
import { startCli } from "../helpers/cli-process.ts";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { OUTPUT, ok, query, waitFor } from "./helpers.ts";

let server: TestServer;
let ath: AthenaClient;
beforeAll(async () => {
  server = await startTestServer({ scenario: "basic" });
  ath = new AthenaClient(server.sdk());
});
afterAll(async () => {
  await server?.stop();
});

const engine = () => engineFor(server.emulator.runtime);

async function refused(sql: string): Promise<string> {
  const r = await query(ath, sql);
  expect(r.exec.Status?.State, sql).toBe("FAILED");
  return r.exec.Status?.StateChangeReason ?? "";
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The engine processes pid started (Linux's /proc; none found elsewhere). */
function enginesOf(pid: number): number[] {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((t) =>
      readFileSync(join(dir, t, "children"), "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
    .filter((c) => {
      try {
        return readFileSync(`/proc/${c}/cmdline`, "utf8").includes("engine-host");
      } catch {
        return false;
      }
    });
}

describe("the reported reproductions", () => {
  it("enable_logging(storage='file') is refused, and the next query is answered", async () => {
    expect(await refused("SELECT * FROM enable_logging(storage='file', storage_path='/tmp/x')")).toBe(
      "FUNCTION_NOT_FOUND: line 1:15: Function 'enable_logging' not registered",
    );
    expect((await ok(ath, "SELECT 6 * 7")).rows).toEqual([["42"]]);
  });

  it.each([
    ["SELECT system.main.current_setting('allowed_directories')", "line 1:8: Function 'system.main.current_setting' not registered"],
    ["SELECT main.current_setting('allowed_directories')", "line 1:8: Function 'main.current_setting' not registered"],
    [`SELECT "main"."current_setting"('allowed_directories')`, "line 1:8: Function 'main.current_setting' not registered"],
    [`SELECT "system".main."getenv"('HOME')`, "line 1:8: Function 'system.main.getenv' not registered"],
    // DuckDB's method syntax: 'x'.f() is f('x').
    ["SELECT 'allowed_directories'.current_setting()", "line 1:30: Function 'current_setting' not registered"],
    ["SELECT main.lower('X')", "line 1:8: Function 'main.lower' not registered"],
  ])("a qualified name does not bypass the check: %s", async (sql, reason) => {
    expect(await refused(sql)).toBe(`FUNCTION_NOT_FOUND: ${reason}`);
  });

  it.each(["enable_profiling", "disable_peg_parser"])("%s() is refused", async (name) => {
    expect(await refused(`SELECT ${name}()`)).toBe(`FUNCTION_NOT_FOUND: line 1:8: Function '${name}' not registered`);
    expect(await refused(`SELECT * FROM ${name}()`)).toBe(`FUNCTION_NOT_FOUND: line 1:15: Function '${name}' not registered`);
  });
});

describe("only Athena's functions reach DuckDB", () => {
  it.each([
    // files
    ["file readers", "SELECT * FROM read_csv_auto('/etc/passwd')", "read_csv_auto"],
    ["file readers", "SELECT content FROM read_text('/etc/hostname')", "read_text"],
    ["file readers", "SELECT * FROM read_blob('/etc/hostname')", "read_blob"],
    ["file readers", "SELECT * FROM glob('/etc/*')", "glob"],
    ["file readers", "SELECT * FROM parquet_metadata('x.parquet')", "parquet_metadata"],
    ["file readers", "SELECT * FROM sniff_csv('/etc/passwd')", "sniff_csv"],
    // settings and secrets
    ["settings", "SELECT current_setting('allowed_directories')", "current_setting"],
    ["settings", "SELECT * FROM duckdb_settings()", "duckdb_settings"],
    ["settings", "SELECT getvariable('x')", "getvariable"],
    ["settings", "SELECT * FROM which_secret('s3://b/k', 's3')", "which_secret"],
    ["settings", "SELECT * FROM pragma_database_list()", "pragma_database_list"],
    // logging and profiling
    ["logging", "SELECT * FROM enable_logging()", "enable_logging"],
    ["logging", "SELECT disable_logging()", "disable_logging"],
    ["logging", "SELECT * FROM duckdb_logs()", "duckdb_logs"],
    ["profiling", "SELECT * FROM enable_profiling()", "enable_profiling"],
    // extensions
    ["extensions", "SELECT * FROM duckdb_extensions()", "duckdb_extensions"],
    ["extensions", "SELECT load_extension('httpfs')", "load_extension"],
    // SQL in a string
    ["query()", "SELECT * FROM query('SELECT current_setting(''threads'')')", "query"],
    ["query()", "SELECT * FROM query_table('t')", "query_table"],
    // the environment
    ["getenv", "SELECT getenv('HOME')", "getenv"],
    // state that would outlive the query
    ["state", "SELECT setseed(0.5)", "setseed"],
    ["state", "SELECT nextval('s')", "nextval"],
    // DuckDB's table functions: Athena's only one is UNNEST
    ["table functions", "SELECT * FROM range(3)", "range"],
    ["table functions", "SELECT * FROM generate_series(1, 3)", "generate_series"],
    ["table functions", "SELECT * FROM sequence(1, 3)", "sequence"],
    ["table functions", "SELECT * FROM (SELECT 1) a CROSS JOIN json_each('[1]')", "json_each"],
    ["table functions", "SELECT * FROM (SELECT 1) a, repeat(1, 3)", "repeat"],
    ["DuckDB-only functions", "SELECT list_value(1, 2)", "list_value"],
    ["DuckDB-only functions", "SELECT len('abc')", "len"],
  ])("%s: %s", async (_class, sql, name) => {
    expect(await refused(sql)).toMatch(new RegExp(`^FUNCTION_NOT_FOUND: line 1:\\d+: Function '${name}' not registered$`));
  });

  it("a quoted name is checked like any other", async () => {
    expect(await refused(`SELECT "getenv"('HOME')`)).toBe("FUNCTION_NOT_FOUND: line 1:8: Function 'getenv' not registered");
    expect(await refused(`SELECT "in"('HOME')`)).toBe("FUNCTION_NOT_FOUND: line 1:8: Function 'in' not registered");
  });

  it("a call in a subquery, a CTE, a view body or a CAST's type is checked too", async () => {
    expect(await refused("SELECT * FROM (SELECT getenv('HOME'))")).toMatch(/Function 'getenv' not registered/);
    expect(await refused("WITH x AS (SELECT current_setting('threads') AS t) SELECT * FROM x")).toMatch(/Function 'current_setting' not registered/);
    expect(await refused("SELECT 1 WHERE 'a' IN (SELECT * FROM read_text('/etc/hostname'))")).toMatch(/Function 'read_text' not registered/);
    expect(await refused("SELECT lower((SELECT 'x' FROM range(1)))")).toMatch(/Function 'range' not registered/);
    expect(await refused("SELECT CAST(1 AS decimal(random(), 2))")).toMatch(/^TYPE_NOT_FOUND: /);
    expect(await refused("CREATE VIEW sneaky AS SELECT getenv('HOME') AS h")).toMatch(/Function 'getenv' not registered/);
  });

  it("Trino's functions, special forms and clauses keep working", async () => {
    const r = await ok(
      ath,
      `WITH t(a, b) AS (SELECT * FROM (VALUES (1, 'x'), (2, 'y'), (3, 'x')))
       SELECT b, count(*) FILTER (WHERE a > 1) AS n, max(a) AS m, if(b = 'x', 'X', upper(b)) AS u,
              extract(year FROM date_parse('2024-01-02', '%Y-%m-%d')) AS y, trim(BOTH ' ' FROM lower(' Q ')) AS q,
              coalesce(NULL, 'c') AS c, try(CAST('z' AS integer)) AS bad, position('x' IN 'axb') AS p,
              CAST(1.5 AS decimal(4, 2)) AS d, row_number() OVER (ORDER BY b) AS rn
       FROM t WHERE b IS DISTINCT FROM lower('Z') GROUP BY b ORDER BY b`,
    );
    expect(r.rows).toEqual([
      ["x", "1", "3", "X", "2024", "q", "c", null, "2", "1.50", "1"],
      ["y", "1", "2", "Y", "2024", "q", "c", null, "2", "1.50", "2"],
    ]);
    const u = await ok(ath, "SELECT x, i FROM UNNEST(sequence(1, 3)) WITH ORDINALITY AS t(x, i) CROSS JOIN UNNEST(ARRAY['a']) AS s(y) ORDER BY x");
    expect(u.rows).toEqual([
      ["1", "1"],
      ["2", "2"],
      ["3", "3"],
    ]);
  });

  it("the allow-list names every macro the engine defines", () => {
    const defined = ENGINE_MACROS_SQL.map((s) => /^CREATE MACRO (\w+)/.exec(s)?.[1]);
    expect([...defined].sort()).toEqual([...ENGINE_MACROS].sort());
  });
});

describe("DuckDB runs in a process of its own", () => {
  it("a native abort fails the query in flight; the next query starts a new engine", async () => {
    const e = await engine();
    const restarts = e.restarts;
    const gone = e.processExited();
    const outside = mkdtempSync(join(tmpdir(), "ir-range-sandbox-"));
    try {
      // The reported abort, done directly in DuckDB: file logging outside the readable directories makes the next
      // connection throw from a logging callback, which ends in std::terminate — in the engine process.
      await e.runUnchecked(`SELECT * FROM enable_logging(storage='file', storage_path='${outside}')`);
      const first = await query(ath, "SELECT 1");
      expect(first.exec.Status?.State).toBe("FAILED");
      await gone;
      expect(e.restarts).toBe(restarts + 1);
      expect((await ok(ath, "SELECT 6 * 7")).rows).toEqual([["42"]]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("a query in flight when the engine process dies ends FAILED with GENERIC_INTERNAL_ERROR", async () => {
    const e = await engine();
    const { QueryExecutionId: id } = await ath.send(
      new StartQueryExecutionCommand({
        QueryString: "SELECT count(*) FROM UNNEST(sequence(1, 300000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 300000)) AS b(y) WHERE (x + y) % 11 = 1",
        ResultConfiguration: { OutputLocation: OUTPUT },
      }),
    );
    await expect.poll(() => e.inDuckDB(id as string), { timeout: 30_000, interval: 20 }).toBe(true);
    const gone = e.processExited();
    e.kill();
    await gone;
    const ex = await waitFor(ath, id as string);
    expect(ex.Status?.State).toBe("FAILED");
    expect(ex.Status?.StateChangeReason).toMatch(/^GENERIC_INTERNAL_ERROR: The query engine stopped \(signal SIGKILL\)/);
    expect((await ok(ath, "SELECT 6 * 7")).rows).toEqual([["42"]]);
  });
});

describe("the engine's directory and process", () => {
  it("are removed when the server stops", async () => {
    const own = await startTestServer({ scenario: "basic" });
    const client = new AthenaClient(own.sdk());
    await ok(client, "SELECT 1");
    const e = await engineFor(own.emulator.runtime);
    const { pid } = await e.processStats();
    expect(existsSync(e.dir)).toBe(true);
    expect(e.dir).toMatch(new RegExp(`ir-range-athena-${process.pid}-`));
    await own.stop();
    expect(existsSync(e.dir)).toBe(false);
    expect(alive(pid as number)).toBe(false);
  });

  it("of an emulator that was killed are removed at the next start", () => {
    const root = mkdtempSync(join(tmpdir(), "ir-range-stale-"));
    try {
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      const mine = `ir-range-athena-${dead}-aB3dE9`;
      const living = `ir-range-athena-${process.ppid}-xY7zQ1`;
      const other = "ir-range-athena-Zz9Yy8";
      for (const d of [mine, living, other]) mkdirSync(join(root, d, "objects"), { recursive: true });
      expect(removeStaleDirs(root)).toEqual([mine]);
      expect(readdirSync(root).sort()).toEqual([living, other].sort());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("go with SIGTERM to ir-range start", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "ir-range-sandbox-cli-"));
    const cli = await startCli(["--scenario", "basic", "--port", "0", "--state-dir", stateDir, "--quiet"]);
    try {
      const pid = cli.proc.pid as number;
      const credentials = { accessKeyId: cli.exports.AWS_ACCESS_KEY_ID, secretAccessKey: cli.exports.AWS_SECRET_ACCESS_KEY };
      const client = new AthenaClient({ endpoint: cli.exports.AWS_ENDPOINT_URL, region: cli.exports.AWS_REGION, credentials, maxAttempts: 1 });
      expect((await ok(client, "SELECT 6 * 7")).rows).toEqual([["42"]]);
      const dirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith(`ir-range-athena-${pid}-`));
      expect(dirs()).toHaveLength(1);
      const engines = enginesOf(pid);
      if (existsSync("/proc")) expect(engines).toHaveLength(1);
      cli.proc.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      expect(dirs()).toEqual([]);
      for (const c of engines) expect(alive(c)).toBe(false);
    } finally {
      if (cli.proc.exitCode === null && cli.proc.signalCode === null) cli.proc.kill("SIGKILL");
      await cli.exited;
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
