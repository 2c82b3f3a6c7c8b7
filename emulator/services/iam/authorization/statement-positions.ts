/**
 * Where each statement of a policy document starts and ends (1-based line and column), as simulate-principal-policy
 * reports matched statements. A small scanner over the JSON text: strings skipped, braces counted.
 */
export interface StatementPosition {
  start: { Line: number; Column: number };
  end: { Line: number; Column: number };
}

const cache = new Map<string, StatementPosition[]>();

export function statementPositions(document: string): StatementPosition[] {
  let found = cache.get(document);
  if (!found) {
    found = scan(document);
    if (cache.size > 500) cache.clear();
    cache.set(document, found);
  }
  return found;
}

function scan(text: string): StatementPosition[] {
  const out: StatementPosition[] = [];
  let line = 1;
  let col = 0;
  let depth = 0;
  // Depth of the "Statement" value's container: 1 when it is a single object, 2 inside the array.
  let statementDepth = -1;
  let start: StatementPosition["start"] | undefined;
  let lastKey = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    col++;
    if (c === "\n") {
      line++;
      col = 0;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      lastKey = text.slice(i + 1, j);
      col += j - i;
      i = j;
      continue;
    }
    if (c === "[" || c === "{") {
      depth++;
      if (statementDepth < 0 && depth === 2 && lastKey === "Statement") statementDepth = c === "[" ? 3 : 2;
      if (depth === statementDepth && c === "{") start = { Line: line, Column: col };
    } else if (c === "]" || c === "}") {
      if (depth === statementDepth && c === "}" && start) {
        out.push({ start, end: { Line: line, Column: col + 1 } });
        start = undefined;
      }
      depth--;
      if (depth < 2 && statementDepth > 0) statementDepth = depth < 1 ? statementDepth : -2;
    } else if (c !== ":" && c !== "," && c !== " " && c !== "\t" && c !== "\r") {
      // A non-string value: not a key.
    }
  }
  return out;
}
