/**
 * Answer keys that name no question: a misspelt key (`atacker-ip`) would otherwise leave its question unanswered with
 * no word why. Each is named, with the nearest question id when one is near enough to be what was meant.
 */

export interface UnknownKey {
  key: string;
  /** The question id it most likely meant, when one is close. */
  suggestion?: string;
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counted as one ("atatcker" → "attacker"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** How a key is compared: case, spaces and underscores are no spelling mistake ("Attacker_IP" means attacker-ip). */
const canonical = (key: string) =>
  key
    .normalize("NFKC")
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");

/** The nearest id within a third of the key's length (at least 2 edits), ties to the first in the assessment's order. */
export function nearest(key: string, ids: readonly string[]): string | undefined {
  const k = canonical(key);
  const limit = Math.max(2, Math.floor(k.length / 3));
  let best: { id: string; d: number } | undefined;
  for (const id of ids) {
    const d = editDistance(k, id);
    if (d <= limit && (!best || d < best.d)) best = { id, d };
  }
  return best?.id;
}

/** The answers' keys that are no question id, in the order the file gives them. */
export function unknownKeys(answers: Record<string, unknown>, ids: readonly string[]): UnknownKey[] {
  const known = new Set(ids);
  return Object.keys(answers)
    .filter((k) => !known.has(k))
    .map((key) => {
      const suggestion = nearest(key, ids);
      return suggestion ? { key, suggestion } : { key };
    });
}
