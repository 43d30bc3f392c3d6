/** A hast node as far as this plugin looks at it. */
interface Node {
  type: string;
  value?: string;
  children?: Node[];
}

function visit(node: Node): void {
  if (node.type === "raw") node.type = "text";
  for (const child of node.children ?? []) visit(child);
}

/**
 * Shows HTML written in Markdown as the text it is, instead of dropping it: a person asking about
 * `<div>` sees `<div>`. It never becomes elements, so nothing in it can run.
 */
export function rehypeRawHtmlAsText() {
  return (tree: Node) => visit(tree);
}
