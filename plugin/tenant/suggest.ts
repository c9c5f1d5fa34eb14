/**
 * Edit distance between two strings (Damerau–Levenshtein, optimal string alignment): the number
 * of insertions, deletions, substitutions and adjacent swaps that turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i < rows; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidates close to `name`, best first, at most `limit`: within an edit distance of
 * max(2, a third of the name's length), or sharing a prefix of 3+ characters with it, or
 * containing it (as cobra's "Did you mean this?" and kubectl's suggestions do).
 *
 * @default limit 3
 */
export function closest(name: string, candidates: readonly string[], limit = 3): string[] {
  const budget = Math.max(2, Math.floor(name.length / 3));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === name) continue;
    const distance = editDistance(name, candidate);
    const related =
      (name.length >= 3 && (candidate.startsWith(name) || name.startsWith(candidate))) ||
      (name.length >= 3 && candidate.includes(name));
    if (distance <= budget || related) {
      scored.push({ candidate, score: related ? Math.min(distance, budget) : distance });
    }
  }
  return scored
    .sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}
