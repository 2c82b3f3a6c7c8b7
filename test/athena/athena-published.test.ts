/**
 * AWS-published and Invictus Athena SQL, run as written (only table names, bucket, accounts and dates substituted)
 * over CloudTrail, VPC flow and web-server logs; several answers are recomputed in plain TypeScript.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/emulator.ts";
import { BUCKET, cloudTrailRecords, FIXTURES, ok, query, read, upload } from "./helpers.ts";
import { bootstrapCtasAndInsert, publishedQueries } from "./published.ts";

let server: TestServer;
let ath: AthenaClient;
const records = cloudTrailRecords();
const VPC_KEY = "AWSLogs/123456789010/vpcflowlogs/us-east-1/2015/05/10/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20150510T0000Z_a1b2c3d4.log.gz";
const flowLines = gunzipSync(readFileSync(join(FIXTURES, "vpcflow", VPC_KEY)))
  .toString("utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(" "));

const bootstrap = (file: string, from: string, account: string) =>
  read(`sql/aws-security-analytics-bootstrap/${file}`)
    .replaceAll("<bucket_name>/<optional_prefix>/", `${BUCKET}/`)
    .replace("<YYYY>/<MM>/<DD>", from)
    .replace("<account_num_1>,<account_num_2>,...", account);

/**
 * Published queries that fail — in Athena too — with the reason they fail. Each entry is asserted, so a change in
 * behaviour (or in the corpus) shows up here.
 */
const KNOWN_FAILURES: Record<string, RegExp> = {
  // The query names flow_direction; the bootstrap DDL calls the column flowdirection.
  "aws-security-analytics-bootstrap/vpcflow_demo_queries.sql#14": /^COLUMN_NOT_FOUND: .*Column 'flow_direction' cannot be resolved/,
  "aws-incident-response-playbooks-workshop/vpcflow_demo_queries.sql#14": /^COLUMN_NOT_FOUND: .*Column 'flow_direction' cannot be resolved/,
  // vpcflow.event_date is not a column of the bootstrap table (Trino names the reference as written, lowercase).
  "aws-security-analytics-bootstrap/vpcflow_demo_queries.sql#16": /^COLUMN_NOT_FOUND: line 17:10: Column 'vpcflow.event_date' cannot be resolved/,
  "aws-incident-response-playbooks-workshop/vpcflow_demo_queries.sql#16": /^COLUMN_NOT_FOUND: line 17:10: Column 'vpcflow.event_date' cannot be resolved/,
  // The playbook treats requestParameters/additionalEventData as structs; AWS's DDL declares them STRING. Trino prints
  // the expression as written, unquoted (ExpressionAnalyzer: "Expression %s is not of type ROW").
  "aws-incident-response-playbooks/athena-queries-data-access.sql#2": /^TYPE_MISMATCH: line \d+:\d+: Expression additionalEventData is not of type ROW$/,
  // HAVING on a SELECT alias: Trino resolves HAVING against the input columns only.
  "aws-incident-response-playbooks/athena-queries-ransomware.sql#6":
    /^COLUMN_NOT_FOUND: line 7:8: Column 'call_count' cannot be resolved or requester is not authorized to access requested resources$/,
  ...Object.fromEntries(
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [
      `aws-incident-response-playbooks/athena-queries-personal-data-breach.sql#${n}`,
      /^TYPE_MISMATCH: .*is not of type ROW/,
    ]),
  ),
};

beforeAll(async () => {
  server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z" });
  ath = new AthenaClient(server.sdk());
  const s3 = new S3Client(server.sdk());
  await upload(s3, "cloudtrail");
  await upload(s3, "vpcflow");
  await upload(s3, "weblogs", "weblogs/");
  await ok(ath, bootstrap("create_cloudtrail_table.sql", "2023/07/01", "218007301253"));
  await ok(ath, bootstrap("create_vpcflowlog_table.sql", "2015/01/01", "123456789010"));
  // The Athena user guide's VPC flow table (partitioned by a DATE) and its ADD PARTITION step.
  const vpcDocs = (
    /CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` \([\s\S]*?TBLPROPERTIES \([^)]*\)/.exec(read("sql/awsdocs-athena/vpc-flow-logs.md")) as RegExpExecArray
  )[0]
    .replace("DOC-EXAMPLE-BUCKET/prefix", BUCKET)
    .replace("{account_id}", "123456789010")
    .replace("{region_code}", "us-east-1");
  await ok(ath, vpcDocs);
  await ok(
    ath,
    `ALTER TABLE vpc_flow_logs ADD PARTITION (\`date\`='2015-05-10') LOCATION 's3://${BUCKET}/AWSLogs/123456789010/vpcflowlogs/us-east-1/2015/05/10'`,
  );
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe("published queries", () => {
  const all = publishedQueries();
  it("the corpus is there", () => {
    expect(all.length).toBeGreaterThan(100);
  });
  it.each(all.map((p) => [p.source, p.sql]))("%s", async (source, sql) => {
    const r = await query(ath, sql);
    const known = KNOWN_FAILURES[source];
    if (known) {
      expect(r.exec.Status?.State).toBe("FAILED");
      expect(r.exec.Status?.StateChangeReason).toMatch(known);
    } else {
      expect(r.exec.Status?.StateChangeReason).toBeUndefined();
      expect(r.exec.Status?.State).toBe("SUCCEEDED");
    }
  });

  const find = (source: string) => all.find((p) => p.source === source)?.sql as string;

  it("bootstrap: event count by region and eventname equals TypeScript's", async () => {
    const r = await ok(ath, find("aws-security-analytics-bootstrap/cloudtrail_demo_queries.sql#10"));
    expect(r.header).toEqual(["region_partition", "eventname", "eventcount"]);
    const counts = new Map<string, number>();
    for (const x of records) counts.set(x.eventName, (counts.get(x.eventName) ?? 0) + 1);
    expect(new Map(r.rows.map((row) => [row[1], Number(row[2])]))).toEqual(counts);
    expect(new Set(r.rows.map((row) => row[0]))).toEqual(new Set(["us-east-1"]));
    const sorted = r.rows.map((row) => Number(row[2]));
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
  });

  it("bootstrap: user login summary aggregates source IPs with array_agg(DISTINCT … ORDER BY)", async () => {
    const r = await ok(ath, find("aws-security-analytics-bootstrap/cloudtrail_demo_queries.sql#11"));
    const expected = new Map<string, Set<string>>();
    for (const x of records) {
      if (!x.userIdentity?.arn || (x.eventName !== "AssumeRole" && x.eventName !== "ConsoleLogin")) continue;
      const k = `${x.userIdentity.arn}|${x.eventName}`;
      if (!expected.has(k)) expected.set(k, new Set());
      expected.get(k)?.add(x.sourceIPAddress);
    }
    const got = new Map(r.rows.map((row) => [`${row[0]}|${row[1]}`, row[2]]));
    expect(new Set(got.keys())).toEqual(new Set(expected.keys()));
    for (const [k, ips] of expected) expect(got.get(k)).toBe(`[${[...ips].sort().join(", ")}]`);
  });

  it("Invictus: AssumeRole misuse rule returns exactly the role sessions", async () => {
    const r = await ok(ath, find("invictus/Invictus-AWS__queries.yaml#aws_sts_assumerole_misuse"));
    const expected = records.filter((x) => x.userIdentity?.type === "AssumedRole" && x.userIdentity?.sessionContext?.sessionIssuer?.type === "Role");
    expect(r.rows.length).toBe(expected.length);
    const idCol = r.header.indexOf("eventid");
    expect(r.rows.map((row) => row[idCol]).sort()).toEqual(expected.map((x) => x.eventID).sort());
  });

  it("playbook: access-key activity per source IP equals TypeScript's", async () => {
    const r = await ok(ath, find("aws-incident-response-playbooks/athena-queries-credential-compromise.sql#2"));
    const key = "AKIATFQR7NSC8Q4X20BJ";
    const groups = new Map<string, { n: number; first: string; last: string }>();
    for (const x of records) {
      if (x.userIdentity?.accessKeyId !== key) continue;
      const k = `${x.sourceIPAddress}|${x.userAgent}`;
      const g = groups.get(k) ?? { n: 0, first: x.eventTime, last: x.eventTime };
      g.n++;
      if (x.eventTime < g.first) g.first = x.eventTime;
      if (x.eventTime > g.last) g.last = x.eventTime;
      groups.set(k, g);
    }
    expect(r.rows.length).toBe(groups.size);
    for (const row of r.rows) {
      expect(groups.get(`${row[0]}|${row[1]}`)).toEqual({ n: Number(row[2]), first: row[3], last: row[4] });
    }
  });
});

describe("bootstrap CTAS and INSERT INTO", () => {
  it("copies CloudTrail into a new table that keeps struct columns, and INSERT INTO appends", async () => {
    const { ctas, insert } = bootstrapCtasAndInsert();
    const c = await ok(ath, ctas);
    expect(c.exec.StatementType).toBe("DDL");
    expect(c.rows).toEqual([[String(records.length)]]);
    const q = "SELECT count(*), count(DISTINCT useridentity.arn), max(eventtime) FROM cloudtrail_orc";
    const arns = new Set(records.map((x) => x.userIdentity?.arn).filter(Boolean));
    const maxTime = records
      .map((x) => x.eventTime as string)
      .sort()
      .at(-1);
    expect((await ok(ath, q)).rows).toEqual([[String(records.length), String(arns.size), maxTime]]);
    // As published, the INSERT adds us-east-2, where this account has no events.
    const ins = await ok(ath, insert);
    expect(ins.exec.StatementType).toBe("DML");
    expect(ins.rows).toEqual([["0"]]);
    const again = await ok(ath, insert.replace("'us-east-2'", "'us-east-1'"));
    expect(again.rows).toEqual([[String(records.length)]]);
    expect((await ok(ath, q)).rows).toEqual([[String(2 * records.length), String(arns.size), maxTime]]);
  });
});

describe("VPC flow logs (ROW FORMAT DELIMITED, skip.header.line.count)", () => {
  it("bootstrap table returns the example records field by field, '-' as NULL for numbers", async () => {
    const r = await ok(
      ath,
      "SELECT version, account, interfaceid, sourceaddress, destinationport, numbytes, starttime, action, logstatus, date_partition FROM vpcflow",
    );
    expect(r.rows.length).toBe(flowLines.length);
    const expected = flowLines.map((f) => [f[0], f[1], f[2], f[3], f[6] === "-" ? null : f[6], f[9] === "-" ? null : f[9], f[10], f[12], f[13], "2015/05/10"]);
    expect(r.rows.sort()).toEqual(expected.sort());
  });

  it("a published flow query (rejected traffic by source) over the docs table equals TypeScript's", async () => {
    const r = await ok(
      ath,
      `SELECT srcaddr, dstport, sum(bytes) AS total, count(*) AS flows FROM vpc_flow_logs
       WHERE action = 'REJECT' OR dstport = 22 GROUP BY srcaddr, dstport ORDER BY total DESC`,
    );
    const expected = flowLines.filter((f) => f[12] === "REJECT" || f[6] === "22").map((f) => [f[3], f[6], f[9], "1"]);
    expect(r.rows).toEqual(expected.sort((a, b) => Number(b[2]) - Number(a[2])));
    const d = await ok(ath, `SELECT DISTINCT "date", typeof("date") FROM vpc_flow_logs`);
    expect(d.rows).toEqual([["2015-05-10", "date"]]);
  });

  it("CIDR membership with contains(…, CAST(x AS IPADDRESS))", async () => {
    const r = await ok(ath, "SELECT count(*) FROM vpcflow WHERE contains('172.16.0.0/12', CAST(sourceaddress AS IPADDRESS))");
    expect(r.rows).toEqual([[String(flowLines.filter((f) => /^172\.(1[6-9]|2\d|3[01])\./.test(f[3])).length)]]);
  });
});

describe("web server logs", () => {
  const nginxLines = readFileSync(join(FIXTURES, "weblogs/nginx/access.log"), "utf8").trim().split("\n");

  it("nginx combined log through RegexSerDe: parsed fields, non-matching lines as NULL rows", async () => {
    await ok(
      ath,
      `CREATE EXTERNAL TABLE nginx_access (
         remote_addr string, remote_user string, time_local string, request string,
         status int, body_bytes_sent bigint, http_referer string, http_user_agent string)
       ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
       WITH SERDEPROPERTIES ('input.regex' = '^(\\\\S+) \\\\S+ (\\\\S+) \\\\[([^\\\\]]+)\\\\] "([^"]*)" (\\\\d{3}) (\\\\d+) "([^"]*)" "([^"]*)"$')
       LOCATION 's3://${BUCKET}/weblogs/nginx/'`,
    );
    const r = await ok(ath, "SELECT remote_addr, status, count(*) AS n, sum(body_bytes_sent) FROM nginx_access GROUP BY 1, 2 ORDER BY 1, 2");
    const re = /^(\S+) \S+ (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/;
    const groups = new Map<string, [number, number]>();
    for (const l of nginxLines) {
      const m = re.exec(l);
      const k = m ? `${m[1]}|${m[5]}` : "null|null";
      const g = groups.get(k) ?? [0, 0];
      groups.set(k, [g[0] + 1, g[1] + (m ? Number(m[6]) : 0)]);
    }
    expect(new Map(r.rows.map((row) => [`${row[0]}|${row[1]}`, [Number(row[2]), row[3] === null ? 0 : Number(row[3])]]))).toEqual(groups);
    const scan = await ok(ath, "SELECT request FROM nginx_access WHERE regexp_like(request, '\\.\\./|/\\.env') ORDER BY 1");
    expect(scan.rows).toEqual([["GET /.env HTTP/1.1"], ["GET /index.php?page=../../../../proc/self/environ HTTP/1.1"]]);
  });

  it("the Athena guide's Apache table (GrokSerDe) parses the guide's example lines", async () => {
    const ddl = (
      /CREATE EXTERNAL TABLE apache_logs\([\s\S]*?LOCATION\s+'[^']*'/.exec(read("sql/awsdocs-athena/querying-apache-logs.md")) as RegExpExecArray
    )[0].replace(/LOCATION\s+'[^']*'/, `LOCATION 's3://${BUCKET}/weblogs/apache/'`);
    await ok(ath, ddl);
    const r = await ok(ath, "SELECT client_ip, user_id, server_status, returned_obj_size FROM apache_logs WHERE server_status = '404' ORDER BY 1");
    expect(r.rows).toEqual([
      ["198.51.100.2", "Ana", "404", "30"],
      ["198.51.100.9", "Nikki", "404", "230"],
    ]);
  });
});
