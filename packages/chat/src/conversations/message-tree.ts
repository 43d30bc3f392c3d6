/**
 * A conversation's messages form a tree: editing a message or regenerating an answer adds a
 * sibling under the same parent, and the conversation shows one branch — the chain of parents
 * from its active leaf up to the root. Pure functions over the rows, shared by the API and the
 * generation runner.
 */
export interface TreeNode {
  id: string;
  parent_id: string | null;
  created_at: string;
}

export interface MessageTree<Node extends TreeNode> {
  byId: Map<string, Node>;
  /** Children of each message (and of `null`, the roots), oldest first. */
  children: Map<string | null, Node[]>;
}

export function buildTree<Node extends TreeNode>(nodes: readonly Node[]): MessageTree<Node> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const children = new Map<string | null, Node[]>();
  const ordered = [...nodes].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  for (const node of ordered) {
    // A parent that is gone (never expected) makes its children roots rather than orphans.
    const parent = node.parent_id !== null && byId.has(node.parent_id) ? node.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), node]);
  }
  return { byId, children };
}

/** The branch ending at `leafId`, root first. Empty for an unknown leaf. Stops on a cycle. */
export function branchOf<Node extends TreeNode>(tree: MessageTree<Node>, leafId: string | null): Node[] {
  const branch: Node[] = [];
  const seen = new Set<string>();
  let current = leafId === null ? undefined : tree.byId.get(leafId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    branch.push(current);
    current = current.parent_id === null ? undefined : tree.byId.get(current.parent_id);
  }
  return branch.reverse();
}

/** Where a message sits among its siblings, for "2 / 3" and the arrows between branches. */
export function siblingsOf<Node extends TreeNode>(
  tree: MessageTree<Node>,
  id: string,
): { ids: string[]; index: number } {
  const node = tree.byId.get(id);
  const parent =
    node?.parent_id !== null && node?.parent_id !== undefined && tree.byId.has(node.parent_id)
      ? node.parent_id
      : null;
  const ids = (tree.children.get(parent) ?? []).map((sibling) => sibling.id);
  return { ids, index: ids.indexOf(id) };
}

/**
 * The leaf to show when switching to `id`'s branch: follow the newest child down from it, so
 * returning to a branch shows its own continuation.
 */
export function latestLeafUnder<Node extends TreeNode>(tree: MessageTree<Node>, id: string): string {
  let current = id;
  const seen = new Set<string>();
  for (;;) {
    seen.add(current);
    const next = tree.children.get(current)?.at(-1);
    if (!next || seen.has(next.id)) return current;
    current = next.id;
  }
}
