/** A hand parser for the Hive DDL and utility statements Athena accepts, in the forms AWS documents them. */
import { hiveTypeString, parseHiveType } from "./hivetypes.ts";
import { identName, isIdent, isOp, isWord, SqlSyntaxError, significant, stringValue, type Token, tokenize } from "./tokens.ts";

export interface QName {
  db?: string;
  name: string;
  pos: number;
}

export interface ColumnSpec {
  name: string;
  type: string;
  comment?: string;
}

export type Statement =
  | { kind: "select"; sql: string }
  | { kind: "createDatabase"; name: string; ifNotExists: boolean; comment?: string; location?: string; properties: Record<string, string> }
  | { kind: "dropDatabase"; name: string; ifExists: boolean; cascade: boolean }
  | {
      kind: "createTable";
      table: QName;
      ifNotExists: boolean;
      columns: ColumnSpec[];
      partitionKeys: ColumnSpec[];
      serde?: string;
      serdeProperties: Record<string, string>;
      inputFormat?: string;
      outputFormat?: string;
      location?: string;
      tableProperties: Record<string, string>;
      comment?: string;
    }
  | { kind: "ctas"; table: QName; ifNotExists: boolean; properties: Record<string, string>; select: string; withData: boolean }
  | { kind: "createView"; view: QName; orReplace: boolean; select: string }
  | { kind: "insert"; table: QName; columns?: string[]; select: string }
  | { kind: "dropTable"; table: QName; ifExists: boolean; view: boolean }
  | { kind: "addPartitions"; table: QName; ifNotExists: boolean; partitions: { spec: Record<string, string>; location?: string }[] }
  | { kind: "dropPartitions"; table: QName; ifExists: boolean; specs: Record<string, string>[] }
  | { kind: "setTblProperties"; table: QName; properties: Record<string, string> }
  | { kind: "setLocation"; table: QName; location: string }
  | { kind: "msck"; table: QName }
  | { kind: "showDatabases"; like?: string }
  | { kind: "showTables"; db?: string; like?: string }
  | { kind: "showViews"; db?: string; like?: string }
  | { kind: "showColumns"; table: QName }
  | { kind: "showPartitions"; table: QName }
  | { kind: "showCreateTable"; table: QName; view: boolean }
  | { kind: "showTblProperties"; table: QName }
  | { kind: "describe"; table: QName; formatted: boolean }
  | { kind: "unsupported"; what: string; pos: number };

class Parser {
  private i = 0;
  constructor(
    readonly sql: string,
    readonly toks: Token[],
  ) {}

  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new SqlSyntaxError("mismatched input '<EOF>'", this.sql.length);
    return t;
  }
  word(...w: string[]): boolean {
    if (isWord(this.peek(), ...w)) {
      this.i++;
      return true;
    }
    return false;
  }
  words(...seq: string[]): boolean {
    for (let k = 0; k < seq.length; k++) if (!isWord(this.peek(k), seq[k])) return false;
    this.i += seq.length;
    return true;
  }
  expectWord(...w: string[]): void {
    const t = this.peek();
    if (!this.word(...w)) throw this.mismatch(t, w.join(", ").toUpperCase());
  }
  op(o: string): boolean {
    if (isOp(this.peek(), o)) {
      this.i++;
      return true;
    }
    return false;
  }
  expectOp(o: string): void {
    const t = this.peek();
    if (!this.op(o)) throw this.mismatch(t, `'${o}'`);
  }
  mismatch(t: Token | undefined, expecting: string): SqlSyntaxError {
    return new SqlSyntaxError(`mismatched input '${t ? t.text : "<EOF>"}'. Expecting: ${expecting}`, t ? t.pos : this.sql.length);
  }
  ident(): Token {
    const t = this.peek();
    if (!isIdent(t)) throw this.mismatch(t, "<identifier>");
    this.i++;
    return t;
  }
  qname(): QName {
    const a = this.ident();
    if (this.op(".")) {
      const b = this.ident();
      if (this.op(".")) {
        // catalog.db.table: only AwsDataCatalog exists.
        const c = this.ident();
        return { db: identName(b), name: identName(c), pos: a.pos };
      }
      return { db: identName(a), name: identName(b), pos: a.pos };
    }
    return { name: identName(a), pos: a.pos };
  }
  str(hive = true): string {
    const t = this.peek();
    if (t?.kind !== "string") throw this.mismatch(t, "<string>");
    this.i++;
    return stringValue(t, hive);
  }
  atEnd(): boolean {
    while (isOp(this.peek(), ";")) this.i++;
    return this.i >= this.toks.length;
  }
  /** ('k'='v', …) as in TBLPROPERTIES, SERDEPROPERTIES and WITH (…). */
  props(): Record<string, string> {
    const out: Record<string, string> = {};
    this.expectOp("(");
    while (!this.op(")")) {
      const kt = this.next();
      const key = kt.kind === "string" ? stringValue(kt, true) : kt.kind === "qident" ? kt.text.slice(1, -1) : kt.text;
      this.expectOp("=");
      const vt = this.next();
      let value: string;
      if (isWord(vt, "array") && isOp(this.peek(), "[")) {
        const parts: string[] = [];
        this.i++;
        while (!this.op("]")) {
          parts.push(this.str());
          this.op(",");
        }
        value = parts.join(",");
      } else value = vt.kind === "string" ? stringValue(vt, true) : vt.kind === "qident" ? vt.text.slice(1, -1).replaceAll('""', '"') : vt.text;
      out[key] = value;
      if (!this.op(",") && !isOp(this.peek(), ")")) throw this.mismatch(this.peek(), "',', ')'");
    }
    return out;
  }
  /** A column type up to the next top-level ',' or ')' or COMMENT. */
  type(): string {
    let depth = 0;
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (depth === 0 && (isOp(t, ",") || isOp(t, ")") || isWord(t, "comment"))) break;
      if (isOp(t, "<") || isOp(t, "(")) depth++;
      if (isOp(t, ">") || isOp(t, ")")) depth--;
      parts.push(t.kind === "bident" || t.kind === "qident" ? t.text.slice(1, -1) : t.text);
      this.i++;
    }
    const text = parts.join("");
    try {
      return hiveTypeString(parseHiveType(text));
    } catch (e) {
      throw new SqlSyntaxError(`Unknown type '${text}': ${(e as Error).message}`, this.peek()?.pos ?? this.sql.length);
    }
  }
  columns(): ColumnSpec[] {
    const cols: ColumnSpec[] = [];
    this.expectOp("(");
    while (!this.op(")")) {
      const name = identName(this.ident());
      const type = this.type();
      let comment: string | undefined;
      if (this.word("comment")) comment = this.str();
      cols.push({ name, type, comment });
      if (!this.op(",") && !isOp(this.peek(), ")")) throw this.mismatch(this.peek(), "',', ')'");
    }
    return cols;
  }
  partitionSpec(): Record<string, string> {
    const spec: Record<string, string> = {};
    this.expectOp("(");
    while (!this.op(")")) {
      const k = identName(this.ident());
      this.expectOp("=");
      const v = this.next();
      spec[k] = v.kind === "string" ? stringValue(v, true) : v.text;
      this.op(",");
    }
    return spec;
  }
  /** The rest of the statement as written (for CREATE VIEW / CTAS bodies). */
  rest(): string {
    const t = this.peek();
    if (!t) throw this.mismatch(undefined, "<query>");
    this.i = this.toks.length;
    return this.sql.slice(t.pos).replace(/;\s*$/, "");
  }
}

/** Parses one statement; SELECT/WITH/VALUES come back as { kind: "select" } for the translator. */
export function parseStatement(sql: string): Statement {
  // Queries are Trino SQL (no backslash escapes); everything else is Hive DDL.
  const head = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
  if (/^(\(|(select|with|values|table)\b)/i.test(head)) return { kind: "select", sql };
  const toks = significant(tokenize(sql, true));
  const p = new Parser(sql, toks);
  const first = p.peek();
  if (!first) throw new SqlSyntaxError("mismatched input '<EOF>'. Expecting: 'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'SELECT', 'SHOW', 'WITH', <query>", 0);
  if (isWord(first, "select", "with", "values", "table") || isOp(first, "(")) return { kind: "select", sql };
  if (isWord(first, "explain")) return { kind: "unsupported", what: "EXPLAIN", pos: first.pos };
  const st = parseDdl(p);
  if (st.kind === "unsupported") return st;
  if (!p.atEnd()) throw p.mismatch(p.peek(), "<EOF>");
  return st;
}

function parseDdl(p: Parser): Statement {
  const first = p.peek() as Token;
  if (p.word("create")) {
    if (p.word("database", "schema")) {
      const ifNotExists = p.words("if", "not", "exists");
      const name = identName(p.ident());
      let comment: string | undefined;
      let location: string | undefined;
      let properties: Record<string, string> = {};
      for (;;) {
        if (p.word("comment")) comment = p.str();
        else if (p.word("location")) location = p.str();
        else if (p.words("with", "dbproperties")) properties = p.props();
        else break;
      }
      return { kind: "createDatabase", name, ifNotExists, comment, location, properties };
    }
    const orReplace = p.words("or", "replace");
    if (p.word("view")) {
      const view = p.qname();
      p.expectWord("as");
      return { kind: "createView", view, orReplace, select: p.rest() };
    }
    const external = p.word("external");
    if (!p.word("table")) throw p.mismatch(p.peek(), "'DATABASE', 'EXTERNAL', 'SCHEMA', 'TABLE', 'VIEW'");
    const ifNotExists = p.words("if", "not", "exists");
    const table = p.qname();
    if (!external && isWord(p.peek(), "with", "as")) {
      const properties = p.word("with") ? p.props() : {};
      p.expectWord("as");
      let select = p.rest();
      let withData = true;
      const m = /\)?\s*with\s+(no\s+)?data\s*$/i.exec(select);
      if (m && /with\s+(no\s+)?data\s*$/i.test(select)) {
        withData = !m[1];
        select = select.slice(0, select.length - m[0].length + (m[0].startsWith(")") ? 1 : 0));
      }
      select = select.trim().replace(/^\(([\s\S]*)\)$/, "$1");
      return { kind: "ctas", table, ifNotExists, properties, select, withData };
    }
    const columns = p.columns();
    const st: Extract<Statement, { kind: "createTable" }> = {
      kind: "createTable",
      table,
      ifNotExists,
      columns,
      partitionKeys: [],
      serdeProperties: {},
      tableProperties: {},
    };
    for (;;) {
      if (p.word("comment")) st.comment = p.str();
      else if (p.words("partitioned", "by")) st.partitionKeys = p.columns();
      else if (p.words("clustered", "by")) {
        // Bucketing is accepted and ignored: it does not change which rows a query sees.
        while (!p.atEnd() && !isWord(p.peek(), "row", "stored", "location", "tblproperties")) p.next();
      } else if (p.words("row", "format")) {
        if (p.word("serde")) {
          st.serde = p.str();
          if (p.words("with", "serdeproperties")) st.serdeProperties = { ...st.serdeProperties, ...p.props() };
        } else {
          p.expectWord("delimited");
          st.serde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
          for (;;) {
            if (p.words("fields", "terminated", "by")) {
              st.serdeProperties["field.delim"] = p.str();
              if (p.words("escaped", "by")) st.serdeProperties["escape.delim"] = p.str();
            } else if (p.words("collection", "items", "terminated", "by")) st.serdeProperties["collection.delim"] = p.str();
            else if (p.words("map", "keys", "terminated", "by")) st.serdeProperties["mapkey.delim"] = p.str();
            else if (p.words("lines", "terminated", "by")) st.serdeProperties["line.delim"] = p.str();
            else if (p.words("null", "defined", "as")) st.serdeProperties["serialization.null.format"] = p.str();
            else break;
          }
        }
      } else if (p.words("with", "serdeproperties")) st.serdeProperties = { ...st.serdeProperties, ...p.props() };
      else if (p.words("stored", "as")) {
        if (p.word("inputformat")) {
          st.inputFormat = p.str();
          if (p.word("outputformat")) st.outputFormat = p.str();
        } else {
          const fmt = identName(p.ident());
          const formats: Record<string, [string, string, string]> = {
            textfile: [
              "org.apache.hadoop.mapred.TextInputFormat",
              "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
              "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            ],
            parquet: [
              "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
              "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
              "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            ],
          };
          const f = formats[fmt];
          if (!f) return { kind: "unsupported", what: `STORED AS ${fmt.toUpperCase()}`, pos: first.pos };
          st.inputFormat = f[0];
          st.outputFormat = f[1];
          st.serde ??= f[2];
        }
      } else if (p.word("location")) st.location = p.str();
      else if (p.word("tblproperties")) st.tableProperties = p.props();
      else break;
    }
    st.serde ??= "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
    st.inputFormat ??= "org.apache.hadoop.mapred.TextInputFormat";
    st.outputFormat ??= "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
    return st;
  }
  if (p.word("drop")) {
    if (p.word("database", "schema")) {
      const ifExists = p.words("if", "exists");
      const name = identName(p.ident());
      const cascade = p.word("cascade");
      p.word("restrict");
      return { kind: "dropDatabase", name, ifExists, cascade };
    }
    const view = p.word("view");
    if (!view) p.expectWord("table");
    const ifExists = p.words("if", "exists");
    return { kind: "dropTable", table: p.qname(), ifExists, view };
  }
  if (p.word("alter")) {
    p.expectWord("table");
    const table = p.qname();
    if (p.word("add")) {
      const ifNotExists = p.words("if", "not", "exists");
      const partitions: { spec: Record<string, string>; location?: string }[] = [];
      while (p.word("partition")) {
        const spec = p.partitionSpec();
        const location = p.word("location") ? p.str() : undefined;
        partitions.push({ spec, location });
      }
      if (!partitions.length) throw p.mismatch(p.peek(), "'PARTITION'");
      return { kind: "addPartitions", table, ifNotExists, partitions };
    }
    if (p.word("drop")) {
      const ifExists = p.words("if", "exists");
      const specs: Record<string, string>[] = [];
      do {
        p.expectWord("partition");
        specs.push(p.partitionSpec());
      } while (p.op(","));
      return { kind: "dropPartitions", table, ifExists, specs };
    }
    if (p.words("set", "tblproperties")) return { kind: "setTblProperties", table, properties: p.props() };
    if (p.words("set", "location")) return { kind: "setLocation", table, location: p.str() };
    return { kind: "unsupported", what: "this ALTER TABLE form", pos: first.pos };
  }
  if (isWord(first, "insert") && isWord(p.peek(1), "into")) {
    p.next();
    p.next();
    const table = p.qname();
    let columns: string[] | undefined;
    if (isOp(p.peek(), "(") && !isWord(p.peek(1), "select", "with", "values")) {
      p.next();
      columns = [];
      while (!p.op(")")) {
        columns.push(identName(p.ident()));
        p.op(",");
      }
    }
    return { kind: "insert", table, columns, select: p.rest() };
  }
  if (p.word("msck")) {
    p.expectWord("repair");
    p.expectWord("table");
    return { kind: "msck", table: p.qname() };
  }
  if (p.word("show")) {
    if (p.word("databases", "schemas")) {
      p.word("like");
      const like = p.peek()?.kind === "string" ? p.str() : undefined;
      return { kind: "showDatabases", like };
    }
    if (p.word("tables", "views")) {
      const views = isWord(p.toks[p.toks.indexOf(p.peek() as Token) - 1], "views");
      const db = p.word("in", "from") ? identName(p.ident()) : undefined;
      p.word("like");
      const like = p.peek()?.kind === "string" ? p.str() : undefined;
      return views ? { kind: "showViews", db, like } : { kind: "showTables", db, like };
    }
    if (p.word("columns")) {
      p.expectWord("in", "from");
      const table = p.qname();
      if (p.word("in", "from")) table.db = identName(p.ident());
      return { kind: "showColumns", table };
    }
    if (p.word("partitions")) return { kind: "showPartitions", table: p.qname() };
    if (p.word("create")) {
      const view = p.word("view");
      if (!view) p.expectWord("table");
      return { kind: "showCreateTable", table: p.qname(), view };
    }
    if (p.word("tblproperties")) {
      const table = p.qname();
      if (p.op("(")) while (!p.atEnd() && !p.op(")")) p.next();
      return { kind: "showTblProperties", table };
    }
    throw p.mismatch(p.peek(), "'COLUMNS', 'CREATE', 'DATABASES', 'PARTITIONS', 'SCHEMAS', 'TABLES', 'TBLPROPERTIES', 'VIEWS'");
  }
  if (p.word("describe", "desc")) {
    const formatted = p.word("formatted", "extended");
    const table = p.qname();
    // DESCRIBE t col: accepted, the whole table is described.
    while (!p.atEnd()) p.next();
    return { kind: "describe", table, formatted };
  }
  // DuckDB's own statements (and Athena's DML we do not run) are refused by name; anything else is a syntax error.
  if (isWord(first, ...ENGINE_STATEMENTS)) return { kind: "unsupported", what: first.text.toUpperCase(), pos: first.pos };
  throw p.mismatch(first, "'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'MSCK', 'SELECT', 'SHOW', 'WITH', <query>");
}

const ENGINE_STATEMENTS = [
  "copy",
  "attach",
  "detach",
  "install",
  "load",
  "force",
  "set",
  "reset",
  "pragma",
  "export",
  "import",
  "call",
  "checkpoint",
  "vacuum",
  "use",
  "insert",
  "update",
  "delete",
  "merge",
  "prepare",
  "execute",
  "deallocate",
  "begin",
  "commit",
  "rollback",
  "summarize",
  "pivot",
  "unpivot",
  "from",
  "analyze",
  "optimize",
  "unload",
];
