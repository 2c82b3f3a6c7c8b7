/**
 * The Athena database an imported scenario ships: one `cloudtrail_logs` table over the trail bucket's log files,
 * written as the Athena user guide's CloudTrail DDL, so a student queries the evidence without writing it first.
 */
import { cloudTrailTableDdl } from "../services/athena/cloudtrail-ddl.ts";
import { tableFromDdl } from "../services/athena/ddlexec.ts";

/** `my-case` → `my_case_ir`: Athena database names take underscores, not dashes. */
export const importDatabaseName = (scenario: string) => `${scenario.replaceAll("-", "_")}_ir`;

/**
 * accounts.<id>.regions.<home>.athena of the imported state: the database with its table over every account's
 * folder of the bucket (a dataset's files may be named for another account than its records').
 */
export function importedAthena(scenario: string, bucket: string, createdAt: string) {
  const db = importDatabaseName(scenario);
  const { table } = tableFromDdl(cloudTrailTableDdl(`s3://${bucket}/AWSLogs/`), createdAt);
  return {
    catalog: {
      databases: {
        [db]: { name: db, description: `CloudTrail logs imported as scenario ${scenario}`, createTime: createdAt, tables: { [table.name]: table } },
      },
    },
  };
}
