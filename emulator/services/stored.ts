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

/** AWS pagination tokens here are opaque base64 offsets into a stable ordering. */
export function encodeToken(offset: number, salt = ""): string {
  return Buffer.from(JSON.stringify({ o: offset, s: salt })).toString("base64");
}

export function decodeToken(token: string | undefined, salt = ""): number | undefined {
  if (token === undefined || token === "") return 0;
  try {
    const v = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { o: unknown; s: unknown };
    return typeof v.o === "number" && v.o >= 0 && v.s === salt ? v.o : undefined;
  } catch {
    return undefined;
  }
}

/** One page of items and the token for the next. */
export function paginate<T>(items: T[], offset: number, max: number, salt = ""): { page: T[]; next?: string } {
  const page = items.slice(offset, offset + max);
  return { page, next: offset + max < items.length ? encodeToken(offset + max, salt) : undefined };
}

/** Fills collections a recording left out, so handlers can rely on every one being there. */
export function withDefaults<T extends object>(state: T, empty: T): T {
  const s = state as Record<string, unknown>;
  for (const [k, v] of Object.entries(empty)) if (s[k] === undefined) s[k] = v;
  return state;
}
