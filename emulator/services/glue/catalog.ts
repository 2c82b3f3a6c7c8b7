/** Glue's Data Catalog read operations: a view of the catalog Athena DDL maintains (one catalog per account and region). */
import type {
  Column,
  Database,
  GetDatabaseCommandInput,
  GetDatabaseCommandOutput,
  GetDatabasesCommandInput,
  GetDatabasesCommandOutput,
  GetPartitionsCommandInput,
  GetPartitionsCommandOutput,
  GetTableCommandInput,
  GetTableCommandOutput,
  GetTablesCommandInput,
  GetTablesCommandOutput,
  Table,
} from "@aws-sdk/client-glue";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { tableParameters } from "../athena/catalog.ts";
import { athenaState, type DatabaseDef, type TableDef } from "../athena/state.ts";

const notFound = (message: string) => new AwsError("EntityNotFoundException", message, 400);
const invalidInput = (message: string) => new AwsError("InvalidInputException", message, 400);

function checkCatalog(ctx: RequestContext, id: string | undefined): void {
  if (id !== undefined && id !== ctx.accountId) throw notFound(`Catalog ${id} not found.`);
}

/** MaxResults 1..1000 (default 100), then the page the NextToken asks for in the listing scope names. */
function page<T>(items: T[], token: string | undefined, max: number | undefined, scope: string): { page: T[]; next?: string } {
  const n = max ?? 100;
  if (n < 1 || n > 1000) throw invalidInput("MaxResults must be between 1 and 1000");
  return paginate(items, token, n, scope, () => invalidInput("Invalid NextToken"));
}

function db(ctx: RequestContext, name: string | undefined): DatabaseDef {
  if (!name) throw invalidInput("DatabaseName is required");
  const d = athenaState(ctx).catalog.databases[name.toLowerCase()];
  if (!d) throw notFound(`Database ${name} not found.`);
  return d;
}

const renderDb = (ctx: RequestContext, d: DatabaseDef): Database => ({
  Name: d.name,
  Description: d.description,
  LocationUri: d.location,
  Parameters: d.parameters ?? {},
  CreateTime: d.createTime as unknown as Date,
  CatalogId: ctx.accountId,
  CreateTableDefaultPermissions: [{ Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, Permissions: ["ALL"] }],
});

const cols = (cs: { name: string; type: string; comment?: string }[]): Column[] => cs.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment }));

function renderTable(ctx: RequestContext, d: DatabaseDef, t: TableDef): Table {
  const { location: _l, inputformat: _i, outputformat: _o, "serde.serialization.lib": _s, ...rest } = tableParameters(t);
  const params = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("serde.param.")));
  return {
    Name: t.name,
    DatabaseName: d.name,
    CatalogId: ctx.accountId,
    Owner: "hadoop",
    CreateTime: t.createTime as unknown as Date,
    UpdateTime: t.createTime as unknown as Date,
    Retention: 0,
    TableType: t.tableType,
    Parameters: params,
    PartitionKeys: cols(t.partitionKeys),
    ViewOriginalText: t.viewSql,
    ViewExpandedText: t.viewSql ? "/* Presto View */" : undefined,
    IsRegisteredWithLakeFormation: false,
    StorageDescriptor: {
      Columns: cols(t.columns),
      Location: t.location,
      InputFormat: t.inputFormat,
      OutputFormat: t.outputFormat,
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: t.serde ? { SerializationLibrary: t.serde, Parameters: t.serdeProperties } : undefined,
      BucketColumns: [],
      SortColumns: [],
      Parameters: {},
      StoredAsSubDirectories: false,
    },
  };
}

export const getDatabases: OpHandler<GetDatabasesCommandInput, GetDatabasesCommandOutput> = (input, ctx) => {
  checkCatalog(ctx, input.CatalogId);
  const all = Object.values(athenaState(ctx).catalog.databases).sort((a, b) => a.name.localeCompare(b.name));
  const p = page(all, input.NextToken, input.MaxResults, "GetDatabases");
  return { DatabaseList: p.page.map((d) => renderDb(ctx, d)), NextToken: p.next };
};

export const getDatabase: OpHandler<GetDatabaseCommandInput, GetDatabaseCommandOutput> = (input, ctx) => {
  checkCatalog(ctx, input.CatalogId);
  return { Database: renderDb(ctx, db(ctx, input.Name)) };
};

export const getTables: OpHandler<GetTablesCommandInput, GetTablesCommandOutput> = (input, ctx) => {
  checkCatalog(ctx, input.CatalogId);
  const d = db(ctx, input.DatabaseName);
  let re: RegExp | undefined;
  if (input.Expression) {
    try {
      re = new RegExp(`^(?:${input.Expression.replaceAll("*", ".*")})$`, "i");
    } catch {
      throw invalidInput(`Invalid Expression ${input.Expression}`);
    }
  }
  const all = Object.values(d.tables)
    .filter((t) => !re || re.test(t.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const p = page(all, input.NextToken, input.MaxResults, `GetTables:${d.name}:${input.Expression ?? ""}`);
  return { TableList: p.page.map((t) => renderTable(ctx, d, t)), NextToken: p.next };
};

export const getTable: OpHandler<GetTableCommandInput, GetTableCommandOutput> = (input, ctx) => {
  checkCatalog(ctx, input.CatalogId);
  const d = db(ctx, input.DatabaseName);
  const t = d.tables[(input.Name ?? "").toLowerCase()];
  if (!t) throw notFound(`Table ${input.Name} not found.`);
  return { Table: renderTable(ctx, d, t) };
};

export const getPartitions: OpHandler<GetPartitionsCommandInput, GetPartitionsCommandOutput> = (input, ctx) => {
  checkCatalog(ctx, input.CatalogId);
  const d = db(ctx, input.DatabaseName);
  const t = d.tables[(input.TableName ?? "").toLowerCase()];
  if (!t) throw notFound(`Table ${input.TableName} not found.`);
  const p = page(t.partitions, input.NextToken, input.MaxResults, `GetPartitions:${d.name}:${t.name}`);
  return {
    Partitions: p.page.map((x) => ({
      Values: x.values,
      DatabaseName: d.name,
      TableName: t.name,
      CatalogId: ctx.accountId,
      CreationTime: x.createTime as unknown as Date,
      StorageDescriptor: {
        Columns: cols(t.columns),
        Location: x.location,
        InputFormat: t.inputFormat,
        OutputFormat: t.outputFormat,
        SerdeInfo: t.serde ? { SerializationLibrary: t.serde, Parameters: t.serdeProperties } : undefined,
      },
      Parameters: {},
    })),
    NextToken: p.next,
  };
};
