/** ListDocuments, DescribeDocument and GetDocument over the runbooks the range has (documents.ts). */
import type {
  DescribeDocumentCommandInput,
  DescribeDocumentCommandOutput,
  DocumentDescription,
  DocumentIdentifier,
  DocumentParameter,
  GetDocumentCommandInput,
  GetDocumentCommandOutput,
  ListDocumentsCommandInput,
  ListDocumentsCommandOutput,
} from "@aws-sdk/client-ssm";
import { AwsError } from "../../core/errors.ts";
import { paginate } from "../../core/page-token.ts";
import type { OpHandler, RequestContext } from "../../core/types.ts";
import { type AutomationDocument, allDocuments, contentIn, createdDate, findDocument, resolveVersion } from "./documents.ts";

/** Every Automation runbook runs on any platform, as AWS lists them. */
const PLATFORMS = ["Windows", "Linux", "MacOS"] as const;

const invalidDocument = () => new AwsError("InvalidDocument", "The specified document does not exist.");
const invalidVersion = () => new AwsError("InvalidDocumentVersion", "The document version is not valid or does not exist.");
const invalidToken = () => new AwsError("ValidationException", "The specified token is not valid.");

const ownerOf = (doc: AutomationDocument, ctx: RequestContext) => (doc.owner === "Amazon" ? "Amazon" : ctx.accountId);

/** A document a request names, with its version; AWS's errors otherwise. */
export function documentFor(name: string | undefined, version: string | undefined): { doc: AutomationDocument; version: string } {
  const doc = name ? findDocument(name) : undefined;
  if (!doc) throw invalidDocument();
  const v = resolveVersion(doc, version);
  if (!v) throw invalidVersion();
  return { doc, version: v };
}

/** DescribeDocument's DefaultValue: lists and maps as JSON, scalars as text. */
function defaultText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : Array.isArray(v) || (v && typeof v === "object") ? JSON.stringify(v) : String(v);
}

function parametersOf(doc: AutomationDocument): DocumentParameter[] {
  return Object.entries(doc.content.parameters ?? {}).map(([Name, p]) => ({
    Name,
    // DescribeDocument gives the parameter types of the document model (String, StringList); AWS:: types read as String.
    Type: p.type === "StringList" || p.type === "List<AWS::EC2::Instance::Id>" ? "StringList" : "String",
    Description: p.description,
    ...(p.default !== undefined ? { DefaultValue: defaultText(p.default) } : {}),
  }));
}

function identifier(doc: AutomationDocument, ctx: RequestContext): DocumentIdentifier {
  return {
    Name: doc.name,
    CreatedDate: createdDate(doc, ctx.runtime.anchor) as unknown as Date,
    Owner: ownerOf(doc, ctx),
    PlatformTypes: [...PLATFORMS],
    DocumentVersion: doc.version,
    DocumentType: "Automation",
    SchemaVersion: doc.content.schemaVersion,
    DocumentFormat: doc.format,
    ...(doc.targetType ? { TargetType: doc.targetType } : {}),
    Tags: [],
  };
}

/** Whether a document passes one owner filter value (Self, Amazon, Public, Private, ThirdParty, All). */
function ownerMatches(doc: AutomationDocument, value: string, ctx: RequestContext): boolean {
  switch (value) {
    case "All":
      return true;
    case "Self":
    case "Private":
      return doc.owner === "Self";
    case "Amazon":
    case "Public":
      return doc.owner === "Amazon";
    case "ThirdParty":
      return false;
    default:
      return value === ctx.accountId && doc.owner === "Self";
  }
}

function matches(doc: AutomationDocument, key: string, values: string[], ctx: RequestContext): boolean {
  switch (key) {
    case "Owner":
      return values.some((v) => ownerMatches(doc, v, ctx));
    case "Name":
      return values.some((v) => doc.name.startsWith(v));
    case "DocumentType":
      return values.includes("Automation");
    case "PlatformTypes":
      return values.some((v) => (PLATFORMS as readonly string[]).includes(v));
    case "SchemaVersion":
      return values.includes(doc.content.schemaVersion);
    case "TargetType":
      return values.some((v) => doc.targetType === v);
    case "SearchKeyword":
      return values.some((v) => doc.name.toLowerCase().includes(v.toLowerCase()) || (doc.content.description ?? "").toLowerCase().includes(v.toLowerCase()));
    default:
      // tag:<key> and tag-key: the range's runbooks carry no tags.
      if (key.startsWith("tag:") || key === "tag-key") return false;
      throw new AwsError("InvalidFilterKey", `The filter key ${key} is not valid.`);
  }
}

export const listDocuments: OpHandler<ListDocumentsCommandInput, ListDocumentsCommandOutput> = (input, ctx) => {
  if (input.DocumentFilterList?.length && input.Filters?.length) {
    throw new AwsError("ValidationException", "Only one of DocumentFilterList or Filters can be specified in the request.");
  }
  const max = input.MaxResults ?? 50;
  if (max < 1 || max > 50) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? "greater than or equal to 1" : "less than or equal to 50"}`,
    );
  }
  const filters = [
    ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? "", values: f.Values ?? [] })),
    ...(input.DocumentFilterList ?? []).map((f) => ({ key: f.key ?? "", values: [f.value ?? ""] })),
  ];
  for (const f of filters) if (!f.values.length) throw new AwsError("InvalidFilterValue", `The filter value for ${f.key} is not valid.`);
  const docs = allDocuments().filter((d) => filters.every((f) => matches(d, f.key, f.values, ctx)));
  const scope = `ListDocuments:${JSON.stringify(filters)}`;
  const { page, next } = paginate(docs, input.NextToken, max, scope, invalidToken);
  return { DocumentIdentifiers: page.map((d) => identifier(d, ctx)), ...(next ? { NextToken: next } : {}) };
};

export const describeDocument: OpHandler<DescribeDocumentCommandInput, DescribeDocumentCommandOutput> = (input, ctx) => {
  const { doc, version } = documentFor(input.Name, input.DocumentVersion);
  const d: DocumentDescription = {
    Hash: doc.hash,
    HashType: "Sha256",
    Name: doc.name,
    Owner: ownerOf(doc, ctx),
    CreatedDate: createdDate(doc, ctx.runtime.anchor) as unknown as Date,
    Status: "Active",
    DocumentVersion: version,
    Description: doc.content.description,
    Parameters: parametersOf(doc),
    PlatformTypes: [...PLATFORMS],
    DocumentType: "Automation",
    SchemaVersion: doc.content.schemaVersion,
    LatestVersion: doc.version,
    DefaultVersion: doc.version,
    DocumentFormat: doc.format,
    ...(doc.targetType ? { TargetType: doc.targetType } : {}),
    Tags: [],
  };
  return { Document: d };
};

export const getDocument: OpHandler<GetDocumentCommandInput, GetDocumentCommandOutput> = (input, ctx) => {
  const { doc, version } = documentFor(input.Name, input.DocumentVersion);
  if (input.DocumentFormat !== undefined && !["JSON", "YAML", "TEXT"].includes(input.DocumentFormat)) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${input.DocumentFormat}' at 'documentFormat' failed to satisfy constraint: Member must satisfy enum value set: [YAML, JSON, TEXT]`,
    );
  }
  if (input.DocumentFormat === "TEXT") throw new AwsError("InvalidDocumentOperation", "TEXT format is not supported for Automation documents.");
  const { text, format } = contentIn(doc, input.DocumentFormat);
  return {
    Name: doc.name,
    CreatedDate: createdDate(doc, ctx.runtime.anchor) as unknown as Date,
    DocumentVersion: version,
    Status: "Active",
    Content: text,
    DocumentType: "Automation",
    DocumentFormat: format,
  };
};
