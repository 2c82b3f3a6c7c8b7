/** Shared by the engine process (typeof()) and the emulator (error messages): plain JavaScript, no loader needed. */

/**
 * DuckDB's spelling of a type (what its typeof() answers) → Trino's (what Athena's typeof() answers): lowercase
 * names, row(…) for STRUCT, array(…) for T[], map(k, v), timestamp(3); a struct whose fields are field0, field1, …
 * is an anonymous ROW(…) (translate.ts names them so) and prints its types only.
 */
export function trinoTypeName(duck) {
  let i = 0;
  const s = duck;
  const ws = () => {
    while (s[i] === " ") i++;
  };
  const name = () => {
    ws();
    if (s[i] === '"') {
      let out = "";
      i++;
      while (i < s.length && !(s[i] === '"' && s[i + 1] !== '"')) {
        out += s[i];
        i += s[i] === '"' ? 2 : 1;
      }
      i++;
      return out;
    }
    const m = /^[A-Za-z0-9_$]+/.exec(s.slice(i));
    i += m ? m[0].length : 0;
    return m ? m[0] : "";
  };
  const args = () => {
    const out = [];
    i++; // (
    for (;;) {
      ws();
      if (s[i] === ")") break;
      out.push(type(true));
      ws();
      if (s[i] === ",") i++;
    }
    i++; // )
    return out;
  };
  const SIMPLE = {
    BOOLEAN: "boolean",
    TINYINT: "tinyint",
    SMALLINT: "smallint",
    INTEGER: "integer",
    BIGINT: "bigint",
    HUGEINT: "bigint",
    UTINYINT: "smallint",
    USMALLINT: "integer",
    UINTEGER: "bigint",
    UBIGINT: "bigint",
    FLOAT: "real",
    DOUBLE: "double",
    VARCHAR: "varchar",
    BLOB: "varbinary",
    DATE: "date",
    TIME: "time(3)",
    TIMESTAMP: "timestamp(3)",
    TIMESTAMP_MS: "timestamp(3)",
    TIMESTAMP_S: "timestamp(3)",
    TIMESTAMP_NS: "timestamp(3)",
    INTERVAL: "interval day to second",
    UUID: "uuid",
    JSON: "json",
    NULL: "unknown",
  };
  /** One type; inStruct: a leading name may be a field name (STRUCT(a INTEGER) or STRUCT(INTEGER)). */
  const type = (inStruct = false) => {
    ws();
    const start = i;
    let first = name();
    let field;
    ws();
    if (inStruct && s[i] !== "," && s[i] !== ")" && s[i] !== "(" && s[i] !== "[" && !/^WITH /.test(s.slice(i))) {
      field = first;
      first = name();
      ws();
    }
    let t;
    const upper = first.toUpperCase();
    if (upper === "STRUCT" && s[i] === "(") {
      const fields = args();
      const anonymous = fields.every((f, k) => f.field === undefined || f.field.toLowerCase() === `field${k}`);
      t = `row(${fields.map((f) => (anonymous || f.field === undefined ? f.t : `${f.field.toLowerCase()} ${f.t}`)).join(", ")})`;
    } else if (upper === "MAP" && s[i] === "(") {
      t = `map(${args()
        .map((f) => f.t)
        .join(", ")})`;
    } else if (upper === "DECIMAL" && s[i] === "(") {
      const end = s.indexOf(")", i);
      t = `decimal(${s.slice(i + 1, end).replace(/\s/g, "")})`;
      i = end + 1;
    } else if ((upper === "TIMESTAMP" || upper === "TIME") && /^WITH TIME ZONE/.test(s.slice(i))) {
      i += "WITH TIME ZONE".length;
      t = `${upper === "TIME" ? "time(3)" : "timestamp(3)"} with time zone`;
    } else t = SIMPLE[upper] ?? (first ? first.toLowerCase() : s.slice(start).toLowerCase());
    for (;;) {
      ws();
      if (s[i] !== "[") break;
      i = s.indexOf("]", i) + 1;
      t = `array(${t})`;
    }
    return inStruct ? { field, t } : t;
  };
  try {
    return type();
  } catch {
    return duck.toLowerCase();
  }
}
