/**
 * import() of a module outside the bundle (an SDK client's schemas, DuckDB, a scenario generator, tsx). Every
 * such import goes through here: the bundle runs from V8's code cache, where a cached function's own import()
 * has lost its loader, so the build replaces this function with the launcher's (bin/ir-range.js).
 */
export function importExternal<T = Record<string, unknown>>(specifier: string, _opts?: ExternalOptions): Promise<T> {
  return import(specifier) as Promise<T>;
}

export interface ExternalOptions {
  /**
   * An SDK client whole (its Client and Commands), not its schemas alone as the launcher serves the codecs: the
   * attacker's replay sends real SDK calls.
   */
  whole?: boolean;
}
