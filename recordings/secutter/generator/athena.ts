/**
 * The prepared Athena database `secutter_ir`, as the seed exercise handed it to students: CloudTrail, VPC flow
 * and nginx tables over the evidence bucket, written as the DDL AWS publishes, plus a few named queries.
 */
import { cloudTrailTableDdl } from "../../../emulator/services/athena/cloudtrail-ddl.ts";
import { tableFromDdl } from "../../../emulator/services/athena/ddlexec.ts";
import { ACCOUNT, NAMES } from "./world.ts";

const DB = "secutter_ir";
const EVIDENCE = `s3://${NAMES.evidence}`;

export const SECUTTER_DDL = {
  cloudtrail: cloudTrailTableDdl(`${EVIDENCE}/AWSLogs/${ACCOUNT}/CloudTrail/`),
  vpcFlow: `CREATE EXTERNAL TABLE vpc_flow_logs (
  version int,
  account_id string,
  interface_id string,
  srcaddr string,
  dstaddr string,
  srcport int,
  dstport int,
  protocol bigint,
  packets bigint,
  bytes bigint,
  start bigint,
  \`end\` bigint,
  action string,
  log_status string
)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION '${EVIDENCE}/AWSLogs/${ACCOUNT}/vpcflowlogs/'
TBLPROPERTIES ("skip.header.line.count"="1")`,
  nginx: `CREATE EXTERNAL TABLE nginx_logs (
  client_ip STRING,
  remote_user STRING,
  time_local STRING,
  request STRING,
  status STRING,
  bytes_sent STRING,
  referer STRING,
  user_agent STRING
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  'input.regex' = '^(\\\\S+) \\\\S+ (\\\\S+) \\\\[([^\\\\]]+)\\\\] "([^"]*)" (\\\\d{3}) (\\\\S+) "([^"]*)" "([^"]*)".*$'
)
LOCATION '${EVIDENCE}/nginx/'`,
};

export function buildAthena(createdAt: string) {
  const tables = Object.fromEntries(
    Object.values(SECUTTER_DDL).map((ddl) => {
      const { table } = tableFromDdl(ddl, createdAt);
      return [table.name, table];
    }),
  );
  const q = (id: string, name: string, description: string, queryString: string) => [
    id,
    { id, name, description, database: DB, queryString, workGroup: "primary" },
  ];
  return {
    catalog: { databases: { [DB]: { name: DB, description: "Evidence of the secutter incident, prepared for Athena", createTime: createdAt, tables } } },
    namedQueries: Object.fromEntries([
      q(
        "5e0c2b7a-1f3d-4c59-9a51-000000000001",
        "Who called which API, from where",
        "Count calls per identity, source IP and API",
        "SELECT useridentity.arn, sourceipaddress, eventname, count(*) AS calls FROM cloudtrail_logs GROUP BY 1, 2, 3 ORDER BY calls DESC LIMIT 100",
      ),
      q(
        "5e0c2b7a-1f3d-4c59-9a51-000000000002",
        "Requests to the metadata service",
        "Web requests whose URL names 169.254.169.254",
        "SELECT client_ip, time_local, request, status FROM nginx_logs WHERE request LIKE '%169.254.169.254%'",
      ),
      q(
        "5e0c2b7a-1f3d-4c59-9a51-000000000003",
        "Instances launched",
        "Every RunInstances call with its caller",
        "SELECT eventtime, awsregion, sourceipaddress, useridentity.accesskeyid, errorcode FROM cloudtrail_logs WHERE eventname = 'RunInstances' ORDER BY eventtime",
      ),
    ]),
  };
}
