/**
 * What each Glue catalog read asks of IAM: its action on the catalog, the database and the table(s) it reads, as
 * Glue's documentation lists them (GetTables needs the database's tables: table/<db>/*).
 */

import { permission, type Rule, serviceAuthorization, str } from "../../authz/requests.ts";
import type { AuthzCheck } from "../../core/authz.ts";
import type { RequestContext } from "../../core/types.ts";

/** A 12-digit CatalogId names the account whose catalog is read; otherwise the caller's. */
function accountOf(input: Record<string, unknown>, ctx: RequestContext): string {
  const id = str(input.CatalogId);
  return id && /^\d{12}$/.test(id) ? id : ctx.accountId;
}

function read(action: string, depth: "catalog" | "database" | "table", opts: { allDatabases?: boolean; allTables?: boolean } = {}): Rule {
  const catalog = permission(action, "rootcatalog");
  const database = permission(action, "database");
  const table = permission(action, "table");
  return (input, ctx) => {
    const Account = accountOf(input, ctx);
    const db = opts.allDatabases ? "*" : str(input.DatabaseName ?? input.Name);
    const checks: AuthzCheck[] = [catalog.check(ctx, { Account })];
    if (db === undefined) return checks;
    checks.push(database.check(ctx, { Account, DatabaseName: db }));
    if (depth !== "table") return checks;
    const name = opts.allTables ? "*" : str(input.TableName ?? input.Name);
    if (name !== undefined) checks.push(table.check(ctx, { Account, DatabaseName: db, TableName: name }));
    return checks;
  };
}

const rules: Record<string, Rule> = {
  GetDatabases: read("glue:GetDatabases", "database", { allDatabases: true }),
  GetDatabase: read("glue:GetDatabase", "database"),
  GetTables: read("glue:GetTables", "table", { allTables: true }),
  GetTable: read("glue:GetTable", "table"),
  GetPartitions: read("glue:GetPartitions", "table"),
};

export const glueAuthorization = serviceAuthorization("glue", rules);
