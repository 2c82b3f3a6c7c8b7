/** The published Athena queries the suites run, with only table names, bucket, accounts and dates substituted. */
import { read, statements } from "./helpers.ts";

export interface Published {
  source: string;
  sql: string;
}

/** Substitutions per source: table names and the placeholders the authors ask readers to replace. */
function fill(sql: string): string {
  return sql
    .replaceAll('"irworkshopgluedatabase"."irworkshopgluetablecloudtrail"', "cloudtrail")
    .replaceAll('"irworkshopgluedatabase"."irworkshopgluetablevpcflow"', "vpcflow")
    .replaceAll("DATABASE.TABLE", "cloudtrail")
    .replaceAll("cloudtrail_logs", "cloudtrail")
    .replaceAll("'111122223333'", "'218007301253'")
    .replaceAll("AKIAIOSFODNN7EXAMPLE", "AKIATFQR7NSC8Q4X20BJ")
    .replaceAll("'START_TIME'", "'2023-07-10T00:00:00Z'")
    .replaceAll("'END_TIME'", "'2023-07-11T00:00:00Z'")
    .replaceAll("2021/07/01", "2023/07/01")
    .replaceAll("2021/07/31", "2023/07/31");
}

const FILES: { file: string; targets: RegExp }[] = [
  { file: "sql/aws-security-analytics-bootstrap/cloudtrail_demo_queries.sql", targets: /\bcloudtrail\b/i },
  { file: "sql/aws-security-analytics-bootstrap/vpcflow_demo_queries.sql", targets: /\bvpcflow\b/i },
  { file: "sql/aws-incident-response-playbooks-workshop/cloudtrail_demo_queries.sql", targets: /irworkshopgluetablecloudtrail/i },
  { file: "sql/aws-incident-response-playbooks-workshop/vpcflow_demo_queries.sql", targets: /irworkshopgluetablevpcflow/i },
  { file: "sql/aws-incident-response-playbooks/athena-queries-credential-compromise.sql", targets: /\bcloudtrail_logs\b/i },
  { file: "sql/aws-incident-response-playbooks/athena-queries-data-access.sql", targets: /\bcloudtrail_logs\b/i },
  { file: "sql/aws-incident-response-playbooks/athena-queries-dos.sql", targets: /\bcloudtrail_logs\b|\bvpc_flow_logs\b/i },
  { file: "sql/aws-incident-response-playbooks/athena-queries-personal-data-breach.sql", targets: /\bcloudtrail_logs\b/i },
  { file: "sql/aws-incident-response-playbooks/athena-queries-ransomware.sql", targets: /\bcloudtrail_logs\b/i },
];

/** The bootstrap's CTAS (ORC, partitioned_by) and INSERT INTO statements, substituted like the queries. */
export function bootstrapCtasAndInsert(): { ctas: string; insert: string } {
  const all = statements(read("sql/aws-security-analytics-bootstrap/cloudtrail_demo_queries.sql"));
  return {
    ctas: fill(all.find((s) => /^CREATE TABLE cloudtrail_orc/i.test(s)) as string),
    insert: fill(all.find((s) => /^INSERT INTO cloudtrail_orc/i.test(s)) as string),
  };
}

export function publishedQueries(): Published[] {
  const out: Published[] = [];
  for (const { file, targets } of FILES) {
    statements(read(file)).forEach((sql, i) => {
      if (!targets.test(sql) || !/^\s*(SELECT|WITH)\b/i.test(sql)) return;
      out.push({ source: `${file.replace(/^sql\//, "")}#${i + 1}`, sql: fill(sql) });
    });
  }
  for (const line of read("sql/invictus/Invictus-AWS__queries.yaml").split("\n")) {
    const m = /^([\w-]+):\s*(SELECT .*)$/.exec(line);
    if (m) out.push({ source: `invictus/Invictus-AWS__queries.yaml#${m[1]}`, sql: fill(m[2]) });
  }
  return out;
}
