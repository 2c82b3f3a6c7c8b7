import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { AthenaClient } from "@aws-sdk/client-athena";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startTestServer } from "../helpers/emulator.ts";
import { ok, read } from "./helpers.ts";
const server = await startTestServer({ scenario: "basic", clock: "2023-07-11T09:00:00Z" });
const ath = new AthenaClient(server.sdk());
const s3 = new S3Client(server.sdk());
const dir = "/work/shared/corpus/cloudtrail/invictus-ir-aws_dataset/";
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
let n = 0;
for (let copy = 0; copy < 30; copy++) for (const f of files) {
  const doc = JSON.parse(readFileSync(dir + f, "utf8")); n += doc.Records.length;
  await s3.send(new PutObjectCommand({ Bucket: "basic-evidence", Key: `AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/c${copy}_${f}.gz`, Body: gzipSync(JSON.stringify(doc)) }));
}
console.log("records", n);
await ok(ath, read("sql/aws-security-analytics-bootstrap/create_cloudtrail_table.sql").replaceAll("<bucket_name>/<optional_prefix>/", "basic-evidence/").replace("<YYYY>/<MM>/<DD>", "2023/07/01").replace("<account_num_1>,<account_num_2>,...", "218007301253"));
for (const sql of ["SELECT count(*) FROM cloudtrail", "SELECT eventname, count(*) FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 5", "SELECT * FROM cloudtrail LIMIT 1000"]) {
  const t = Date.now(); const r = await ok(ath, sql); console.log(Date.now() - t, "ms", r.rows.length, r.exec.Statistics?.EngineExecutionTimeInMillis, sql);
}
console.log("rss MB", Math.round(process.memoryUsage().rss / 1e6));
await server.stop(); process.exit(0);
