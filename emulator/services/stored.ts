/** State keeps the SDK's own shapes, with Dates as ISO strings (lowdb stores JSON). */
export type Stored<T> = T extends Date
  ? string
  : T extends Uint8Array
    ? string
    : T extends (infer U)[]
      ? Stored<U>[]
      : T extends object
        ? { [K in keyof T]: Stored<T[K]> }
        : T;

/** Fills collections a recording left out, so handlers can rely on every one being there. */
export function withDefaults<T extends object>(state: T, empty: T): T {
  const s = state as Record<string, unknown>;
  for (const [k, v] of Object.entries(empty)) if (s[k] === undefined) s[k] = v;
  return state;
}
