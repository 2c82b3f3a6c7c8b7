/**
 * The prepared secutter_ir database answers the seed exercise's questions: one the way a student asks it with the
 * real aws CLI (start-query-execution, get-query-execution, get-query-results), the others through SDK v3.
 */
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { ok, waitFor } from "../athena/helpers.ts";
import { aws, awsJson, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let ath: AthenaClient;
let answers: ReturnType<typeof secutterAnswers>["answers"];
const OUTPUT = "s3://secutter-ir-evidence/athena-results/";

beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  ath = new AthenaClient(server.sdk());
  ({ answers } = secutterAnswers(server.emulator.runtime.anchor));
});
afterAll(async () => {
  await server?.stop();
});

/** The rows (without the header) of a query in secutter_ir, run in-process. */
const rows = async (sql: string) => (await ok(ath, sql, { database: "secutter_ir", output: OUTPUT })).rows;

describe.skipIf(!hasAwsCli)("Athena over the secutter evidence with the aws CLI", () => {
  it("lists the prepared tables", async () => {
    const tables = await aws(server, [
      "athena",
      "list-table-metadata",
      "--catalog-name",
      "AwsDataCatalog",
      "--database-name",
      "secutter_ir",
      "--query",
      "TableMetadataList[].Name",
    ]);
    expect(tables.json().sort()).toEqual(["cloudtrail_logs", "nginx_logs", "vpc_flow_logs"]);
  });

  it("finds the attacker's IP from the stolen key's calls: start, wait for SUCCEEDED, read the results", async () => {
    const start = await awsJson(server, [
      "athena",
      "start-query-execution",
      "--query-string",
      `SELECT sourceipaddress, count(*) FROM cloudtrail_logs WHERE useridentity.accesskeyid = '${answers["stolen-key"]}' GROUP BY 1 ORDER BY 2 DESC`,
      "--query-execution-context",
      "Database=secutter_ir",
      "--result-configuration",
      `OutputLocation=${OUTPUT}`,
    ]);
    // The student polls get-query-execution; the test polls in-process (each CLI call is a Python start-up) and asks the CLI once it is done.
    expect((await waitFor(ath, start.QueryExecutionId)).Status?.State).toBe("SUCCEEDED");
    const status = await awsJson(server, [
      "athena",
      "get-query-execution",
      "--query-execution-id",
      start.QueryExecutionId,
      "--query",
      "QueryExecution.Status.State",
    ]);
    expect(status).toBe("SUCCEEDED");
    const res = await awsJson(server, ["athena", "get-query-results", "--query-execution-id", start.QueryExecutionId]);
    const [header, ...data] = res.ResultSet.Rows.map((r: { Data: { VarCharValue?: string }[] }) => r.Data.map((d) => d.VarCharValue ?? ""));
    expect(header).toEqual(["sourceipaddress", "_col1"]);
    expect(data.map((r: string[]) => r[0])).toContain(answers["attacker-ip"]);
  });
});

describe("Athena over the secutter evidence", () => {
  it("finds the SSRF request to the metadata service in the nginx logs", async () => {
    const found = await rows(
      "SELECT client_ip, request, status FROM nginx_logs WHERE request LIKE '%169.254.169.254%security-credentials%' AND status = '200'",
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((r) => r[0] === answers["attacker-ip"])).toBe(true);
  });

  it("finds the miners' RunInstances calls in both regions", async () => {
    const found = await rows(
      "SELECT awsregion, count(*) FROM cloudtrail_logs WHERE eventname = 'RunInstances' AND errorcode IS NULL AND sourceipaddress = '203.0.113.45' GROUP BY 1 ORDER BY 1",
    );
    expect(found.map((r) => r[0])).toEqual(["ap-northeast-1", "us-east-1"]);
  });
});
