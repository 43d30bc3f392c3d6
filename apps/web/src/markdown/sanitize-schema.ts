import { defaultSchema } from "rehype-sanitize";

type Schema = typeof defaultSchema;

/**
 * GitHub's sanitizing rules (no scripts, event handlers, `javascript:` URLs, iframes, `style`),
 * plus the two classes remark-math marks formulas with so KaTeX can find them afterwards.
 * KaTeX and highlighting run after sanitizing: their output (KaTeX's inline sizes included) is
 * produced by us from text that was already clean, so it needs no `style` allowance here.
 */
export const markdownSchema: Schema = {
  ...defaultSchema,
  attributes: {
    ...defaultSchema.attributes,
    code: [["className", /^language-./, "math-inline", "math-display"]],
  },
};
