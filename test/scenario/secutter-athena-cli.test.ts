/** The prepared secutter_ir database answers the seed exercise's questions through the real aws CLI. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secutterAnswers } from "../../scripts/secutter-answers.ts";
import { aws, hasAwsCli, startTestServer, type TestServer } from "../helpers/emulator.ts";

let server: TestServer;
let answers: ReturnType<typeof secutterAnswers>["answers"];

beforeAll(async () => {
  server = await startTestServer({ scenario: "secutter", clock: "2026-03-01T12:00:00Z" });
  ({ answers } = secutterAnswers(server.emulator.runtime.anchor));
});
afterAll(async () => {
  await server?.stop();
});

/** start-query-execution, poll get-query-execution, then get-query-results, as a student does. */
async function athena(sql: string): Promise<string[][]> {
  const start = await aws(server, [
    "athena",
    "start-query-execution",
    "--query-string",
    sql,
    "--query-execution-context",
    "Database=secutter_ir",
    "--result-configuration",
    "OutputLocation=s3://secutter-ir-evidence/athena-results/",
  ]);
  expect(start.status, start.stderr).toBe(0);
  const id = start.json().QueryExecutionId;
  for (let i = 0; i < 120; i++) {
    const st = (await aws(server, ["athena", "get-query-execution", "--query-execution-id", id])).json().QueryExecution.Status;
    if (st.State === "SUCCEEDED") break;
    if (st.State === "FAILED" || st.State === "CANCELLED") throw new Error(`${st.State}: ${st.StateChangeReason}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const res = (await aws(server, ["athena", "get-query-results", "--query-execution-id", id])).json();
  return res.ResultSet.Rows.slice(1).map((r: { Data: { VarCharValue?: string }[] }) => r.Data.map((d) => d.VarCharValue ?? ""));
}

describe.skipIf(!hasAwsCli)("Athena over the secutter evidence", () => {
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

  it("finds the attacker's IP from the stolen key's calls", async () => {
    const rows = await athena(
      `SELECT sourceipaddress, count(*) FROM cloudtrail_logs WHERE useridentity.accesskeyid = '${answers["stolen-key"]}' GROUP BY 1 ORDER BY 2 DESC`,
    );
    expect(rows.map((r) => r[0])).toContain(answers["attacker-ip"]);
  });

  it("finds the SSRF request to the metadata service in the nginx logs", async () => {
    const rows = await athena(
      "SELECT client_ip, request, status FROM nginx_logs WHERE request LIKE '%169.254.169.254%security-credentials%' AND status = '200'",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[0] === answers["attacker-ip"])).toBe(true);
  });

  it("finds the miners' RunInstances calls in both regions", async () => {
    const rows = await athena(
      "SELECT awsregion, count(*) FROM cloudtrail_logs WHERE eventname = 'RunInstances' AND errorcode IS NULL AND sourceipaddress = '203.0.113.45' GROUP BY 1 ORDER BY 1",
    );
    expect(rows.map((r) => r[0])).toEqual(["ap-northeast-1", "us-east-1"]);
  });
});
