/** `ir-range import-cloudtrail <paths...> --scenario NAME [--out DIR] [--bucket B]`: a scenario from real CloudTrail files. */
import { type Command, Option } from "commander";
import { defaultImportFolder, userScenarioFolders } from "../scenario/catalog.ts";

interface ImportCliOptions {
  scenario: string;
  out?: string;
  recordingsDir?: string;
  bucket?: string;
  accountId?: string;
  force?: boolean;
}

export function registerImportCommand(program: Command): void {
  program
    .command("import-cloudtrail")
    .description('make a scenario from CloudTrail log files (S3 delivery {"Records":[…]}, .gz or not, JSON arrays, directories)')
    .argument("<paths...>", "files or directories of CloudTrail records")
    .requiredOption("--scenario <name>", "name of the new scenario (letters, digits, dashes; not a built-in's name)")
    .option("--out <dir>", `the folder of your scenarios it goes into (default: ${defaultFolderText()})`)
    // The option's name before --out; kept so that scripts written for it still run.
    .addOption(new Option("--recordings-dir <dir>").hideHelp())
    .option("--bucket <name>", "the trail bucket the log files go into (default: aws-cloudtrail-logs-<account>-<hash>)")
    .option("--account-id <id>", "the dataset's account (default: the most common recipientAccountId)")
    .option("--force", "replace an imported scenario of the same name")
    .action(async (paths: string[], opts: ImportCliOptions) => {
      try {
        // Loaded only for this command, not at every `ir-range start`.
        const { importCloudTrail } = await import("../scenario/import-cloudtrail.ts");
        const r = importCloudTrail(paths, opts);
        // A folder `start` does not search by default needs saying so.
        const searched = userScenarioFolders().includes(r.root);
        process.stdout.write(
          `imported ${r.records} records (${r.first} – ${r.last}, as recorded) of account ${r.accountId} into ${r.dir}\n` +
            `${r.files} log files in s3://${r.bucket}/AWSLogs/ (Athena: ${r.database}.cloudtrail_logs); home region ${r.homeRegion}\n` +
            `start it with: npx ir-range start --scenario ${opts.scenario}${searched ? "" : ` --scenarios-dir ${shellWord(r.root)}`}\n`,
        );
      } catch (e) {
        process.stderr.write(`ir-range: ${(e as Error).message}\n`);
        process.exit(2);
      }
    });
}

/** Help text for the default folder, computed when the help is shown (it depends on the environment). */
function defaultFolderText(): string {
  try {
    return `${defaultImportFolder()}: the first of IR_RANGE_SCENARIOS, else $IR_RANGE_HOME/scenarios, else your platform's data folder`;
  } catch {
    return "your platform's data folder";
  }
}

/** A path as one shell word, quoted only when it needs to be. */
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
