/** The minimal shape of a hast node this module reads. */
interface HastNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** The text inside a hast node (a code block's source, for copying or for Mermaid). */
export function textOf(node: HastNode | undefined): string {
  if (!node) return "";
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(textOf).join("");
}

/** The `code` element of a `pre`, and its classes. */
export function codeOf(pre: HastNode | undefined): { code: HastNode | undefined; classes: string[] } {
  const code = pre?.children?.find((child) => child.type === "element" && child.tagName === "code");
  const className = code?.properties?.className;
  const classes = Array.isArray(className) ? className.map(String) : [];
  return { code, classes };
}
