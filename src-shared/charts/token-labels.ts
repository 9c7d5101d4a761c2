/**
 * Tokens as labels a reader can tell apart: a token that repeats gets its occurrence number
 * from the second time on ("the", "the#2", "the#3"), so axis labels, hover and CSV headers
 * never show two identical names for two different positions.
 */

const cache = new WeakMap<readonly string[], string[]>();

/** The tokens with repeats numbered; the same array in gives the same array out (cached). */
export function distinctTokens(tokens: readonly string[]): string[] {
  const hit = cache.get(tokens);
  if (hit) return hit;
  const seen = new Map<string, number>();
  const out = tokens.map((t) => {
    const n = (seen.get(t) ?? 0) + 1;
    seen.set(t, n);
    return n === 1 ? t : `${t}#${n}`;
  });
  cache.set(tokens, out);
  return out;
}

/** The label of token `i`: its distinct name, or its index when there are no tokens. */
export function tokenLabel(tokens: readonly string[] | null, i: number): string {
  return tokens && i < tokens.length ? distinctTokens(tokens)[i] : String(i);
}
