/**
 * Page tokens, the one implementation every service's NextToken/Marker/ContinuationToken uses.
 *
 * A token is the base64 of a small JSON object: opaque to clients, stable (the same listing at the same place
 * always gives the same token), and refused — with the service's own error — when it is not one we issued.
 * Each token carries the scope of the listing that issued it (the operation and the inputs that shape the
 * list), so a token from one listing is refused by another rather than silently paging from somewhere else.
 */

/** The base64 JSON text of a token's content. */
export function sealToken(content: object): string {
  return Buffer.from(JSON.stringify(content)).toString("base64");
}

/** A token's content, or undefined for anything that is not base64 JSON of an object. */
export function openToken(token: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(token)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// --- offset tokens: where the next page starts in a stable ordering ------------------------------------

function offsetToken(offset: number, scope: string): string {
  return sealToken({ o: offset, s: scope });
}

/** Where the page a token asks for starts (0 without one), or the service's error for a token that is not ours. */
export function pageOffset(token: string | undefined, scope: string, invalid: () => Error): number {
  if (token === undefined || token === "") return 0;
  const v = openToken(token);
  if (v === undefined || v.s !== scope || typeof v.o !== "number" || !Number.isInteger(v.o) || v.o < 0) throw invalid();
  return v.o;
}

/** The page of items starting at offset, and the token for the next page when there is one. */
export function pageAt<T>(items: readonly T[], offset: number, max: number, scope: string): { page: T[]; next?: string } {
  const page = items.slice(offset, offset + max);
  return { page, next: offset + max < items.length ? offsetToken(offset + max, scope) : undefined };
}

/** pageOffset and pageAt in one: the page a token asks for. */
export function paginate<T>(items: readonly T[], token: string | undefined, max: number, scope: string, invalid: () => Error): { page: T[]; next?: string } {
  return pageAt(items, pageOffset(token, scope, invalid), max, scope);
}

// --- resume-after tokens: the last name a page returned, for listings ordered by name (S3) -------------

export function afterToken(last: string, scope: string): string {
  return sealToken({ a: last, s: scope });
}

/** The name a token says to resume after, or the service's error for a token that is not ours. */
export function resumeAfter(token: string, scope: string, invalid: () => Error): string {
  const v = openToken(token);
  if (v === undefined || v.s !== scope || typeof v.a !== "string") throw invalid();
  return v.a;
}
