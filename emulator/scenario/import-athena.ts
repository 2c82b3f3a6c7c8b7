/**
 * The Athena database an imported scenario ships: one `cloudtrail_logs` table over the trail bucket's log files,
 * written as the Athena user guide's CloudTrail DDL, so a student queries the evidence without writing it first.
 */
import { tableFromDdl } from "../services/athena/ddlexec.ts";

/** `my-case` → `my_case_ir`: Athena database names take underscores, not dashes. */
export const importDatabaseName = (scenario: string) => `${scenario.replaceAll("-", "_")}_ir`;

const cloudTrailDdl = (location: string) => `CREATE EXTERNAL TABLE cloudtrail_logs (
  eventversion STRING,
  useridentity STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, invokedby:STRING, accesskeyid:STRING, username:STRING,
    sessioncontext:STRUCT<attributes:STRUCT<mfaauthenticated:STRING, creationdate:STRING>,
      sessionissuer:STRUCT<type:STRING, principalid:STRING, arn:STRING, accountid:STRING, username:STRING>, ec2roledelivery:STRING>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  resources ARRAY<STRUCT<arn:STRING, accountid:STRING, type:STRING>>,
  eventtype STRING,
  apiversion STRING,
  readonly STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  tlsdetails STRUCT<tlsversion:STRING, ciphersuite:STRING, clientprovidedhostheader:STRING>
)
ROW FORMAT SERDE 'com.amazon.emr.hive.serde.CloudTrailSerde'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'`;

/**
 * accounts.<id>.regions.<home>.athena of the imported state: the database with its table over every account's
 * folder of the bucket (a dataset's files may be named for another account than its records').
 */
export function importedAthena(scenario: string, bucket: string, createdAt: string) {
  const db = importDatabaseName(scenario);
  const { table } = tableFromDdl(cloudTrailDdl(`s3://${bucket}/AWSLogs/`), createdAt);
  return {
    catalog: {
      databases: {
        [db]: { name: db, description: `CloudTrail logs imported as scenario ${scenario}`, createTime: createdAt, tables: { [table.name]: table } },
      },
    },
  };
}
