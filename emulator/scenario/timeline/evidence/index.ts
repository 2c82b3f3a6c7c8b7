/**
 * The evidence a timeline build derives from what its run did (BuildOutput): CloudTrail's log files, VPC flow logs,
 * GuardDuty's findings, Security Hub's control findings — each from the same records, state and traffic, so every
 * source agrees with the others by construction. Always in this order: Security Hub's GuardDuty.1 and the findings
 * it shows read what GuardDuty's step wrote.
 */
import type { BuildOutput } from "../model.ts";
import { writeFlowLogs } from "./flow-logs.ts";
import { deriveGuardDutyFindings } from "./guardduty.ts";
import { deriveSecurityHub } from "./security-hub.ts";
import { writeTrailFiles } from "./trail-files.ts";

export { EvidenceError } from "./common.ts";

export function deriveEvidence(out: BuildOutput): void {
  const trails = writeTrailFiles(out);
  out.log(
    `evidence: ${trails.files} CloudTrail log file(s), ${trails.delivered} deliveries; ${trails.undelivered} record(s) no trail was logging (LookupEvents only)`,
  );
  const flows = writeFlowLogs(out);
  out.log(`evidence: ${flows.files} VPC flow log file(s), ${flows.records} record(s)`);
  const gd = deriveGuardDutyFindings(out);
  out.log(`evidence: ${gd.findings} GuardDuty finding(s) from ${out.timeline.detections?.length ?? 0} detection rule(s)`);
  const sh = deriveSecurityHub(out);
  out.log(sh.regions.length ? `evidence: Security Hub in ${sh.regions.join(", ")}, ${sh.controls} control finding(s)` : "evidence: Security Hub not enabled");
}
