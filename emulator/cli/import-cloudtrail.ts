/** `ir-range import-cloudtrail <paths...> --scenario NAME [--bucket B]`: a scenario from real CloudTrail files. */
import type { Command } from "commander";

export function registerImportCommand(program: Command): void {
  program
    .command("import-cloudtrail")
    .description('make a scenario from CloudTrail log files (S3 delivery {"Records":[…]}, .gz or not, JSON arrays, directories)')
    .argument("<paths...>", "files or directories of CloudTrail records")
    .requiredOption("--scenario <name>", "name of the new scenario under recordings/")
    .option("--bucket <name>", "the trail bucket the log files go into (default: aws-cloudtrail-logs-<account>-<hash>)")
    .option("--account-id <id>", "the dataset's account (default: the most common recipientAccountId)")
    .option("--recordings-dir <dir>", "where scenarios live (default: the project's recordings/)")
    .option("--force", "replace a scenario of the same name")
    .action(async (paths: string[], opts: { scenario: string; bucket?: string; accountId?: string; recordingsDir?: string; force?: boolean }) => {
      try {
        // Loaded only for this command, not at every `ir-range start`.
        const { importCloudTrail } = await import("../scenario/import-cloudtrail.ts");
        const r = importCloudTrail(paths, opts);
        process.stdout.write(
          `imported ${r.records} records (${r.first} – ${r.last}) of account ${r.accountId} into ${r.dir}\n` +
            `${r.files} log files in s3://${r.bucket}/AWSLogs/; home region ${r.homeRegion}\n` +
            `start it with: ir-range start --scenario ${opts.scenario}\n`,
        );
      } catch (e) {
        process.stderr.write(`ir-range: ${(e as Error).message}\n`);
        process.exit(2);
      }
    });
}
