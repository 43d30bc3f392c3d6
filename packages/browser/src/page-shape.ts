import { createHash } from "node:crypto";

/** What a cached action list is keyed on besides its instruction: where it ran and how the page was built. */
export interface PageShape {
  /** Origin and path, numeric and id-like segments as `*`, no query: `/orders/42` and `/orders/7` match. */
  urlPattern: string;
  /** SHA-256 (16 hex) of the page's element structure down to a few levels, text and attributes left out. */
  domHash: string;
}

/** Something that can run a script in the page (Stagehand's page). */
export interface EvaluatingPage {
  url(): string;
  evaluate<Result>(expression: string): Promise<Result>;
}

/**
 * The tag tree to depth 3 below body as text. Deep enough to tell a login form from a shop, shallow enough
 * that a list growing or a button moving inside its section keeps the shape, so the cached
 * actions are tried (and healed when they miss) rather than skipped.
 */
const structureScript = `(() => {
  const walk = (node, depth) => {
    if (depth > 3) return "";
    const children = Array.from(node.children).filter((child) => !["SCRIPT","STYLE","TEMPLATE"].includes(child.tagName));
    const kinds = [...new Set(children.map((child) => child.tagName.toLowerCase()))];
    return node.tagName.toLowerCase() + "(" + kinds.map((kind) => {
      const first = children.find((child) => child.tagName.toLowerCase() === kind);
      return walk(first, depth + 1);
    }).join(",") + ")";
  };
  return document.body ? walk(document.body, 0) : "";
})()`;

export async function pageShapeOf(page: EvaluatingPage): Promise<PageShape> {
  const structure = await page.evaluate<string>(structureScript).catch(() => "");
  return {
    urlPattern: urlPatternOf(page.url()),
    domHash: createHash("sha256").update(structure).digest("hex").slice(0, 16),
  };
}

export function urlPatternOf(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname
      .split("/")
      .map((segment) => (/^\d+$|^[0-9a-f-]{16,}$/i.test(segment) ? "*" : segment))
      .join("/");
    return `${parsed.origin}${path}`;
  } catch {
    return url;
  }
}
