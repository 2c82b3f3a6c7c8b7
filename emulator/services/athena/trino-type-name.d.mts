/** DuckDB's spelling of a type → Trino's (row(…), array(…), varchar, timestamp(3) with time zone, …). */
export declare function trinoTypeName(duck: string): string;
