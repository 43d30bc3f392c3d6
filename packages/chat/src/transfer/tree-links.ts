import { NexusError } from "@nexus/core";

/**
 * Checks a parent-linked file is a forest: every parent is in the file and no chain of parents
 * loops. A 400 naming the node otherwise, never a hang. One pass: each node is walked once.
 */
export function assertForest(parents: ReadonlyMap<string, string | null>, where: string): void {
  const done = new Set<string>();
  for (const start of parents.keys()) {
    const path = new Set<string>();
    let current: string | null = start;
    while (current !== null && !done.has(current)) {
      if (path.has(current)) {
        throw new NexusError("invalid_request", `Invalid ${where}: parent links loop at '${current}'`);
      }
      if (!parents.has(current)) {
        throw new NexusError(
          "invalid_request",
          `Invalid ${where}: '${[...path].at(-1)}' has parent '${current}', which is not in the file`,
        );
      }
      path.add(current);
      current = parents.get(current) ?? null;
    }
    for (const key of path) done.add(key);
  }
}

/**
 * For every node of a forest (see assertForest), the nearest strict ancestor that is `kept`, or
 * null for none: the new parent of a message once the nodes between are left out.
 */
export function nearestKeptAncestors(
  parents: ReadonlyMap<string, string | null>,
  kept: (key: string) => boolean,
  where: string,
): Map<string, string | null> {
  assertForest(parents, where);
  const resolved = new Map<string, string | null>();
  for (const start of parents.keys()) {
    const path: string[] = [start];
    let current = parents.get(start) ?? null;
    let answer: string | null = null;
    while (current !== null) {
      if (kept(current)) {
        answer = current;
        break;
      }
      if (resolved.has(current)) {
        answer = resolved.get(current) ?? null;
        break;
      }
      path.push(current);
      current = parents.get(current) ?? null;
    }
    // The skipped nodes on the path share the answer: nothing between them and it was kept.
    for (const key of path) resolved.set(key, answer);
  }
  return resolved;
}
