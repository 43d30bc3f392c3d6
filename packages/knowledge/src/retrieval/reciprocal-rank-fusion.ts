/**
 * Reciprocal rank fusion (Cormack et al. 2009): each list adds 1 / (k + rank) for every item it
 * holds. Scores are divided by the best possible (first in every list), so 1 means "top of all".
 */
export function reciprocalRankFusion<Key>(lists: Key[][], k = 60): Map<Key, number> {
  const fused = new Map<Key, number>();
  for (const list of lists) {
    for (const [index, key] of list.entries()) fused.set(key, (fused.get(key) ?? 0) + 1 / (k + index + 1));
  }
  const best = lists.length / (k + 1);
  for (const [key, score] of fused) fused.set(key, score / best);
  return fused;
}
