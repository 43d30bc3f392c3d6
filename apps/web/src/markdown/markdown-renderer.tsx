import { useEffect, useMemo, useState } from "react";
import Markdown, { type Components, type Options } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "./code-block.tsx";
import { codeOf, textOf } from "./hast-text.ts";
import { loadedMathPlugins, loadMathPlugins, type MathPlugins, mayContainMath } from "./math-plugins.ts";
import { MermaidDiagram } from "./mermaid-diagram.tsx";
import { rehypeRawHtmlAsText } from "./raw-html-as-text.ts";
import { markdownSchema } from "./sanitize-schema.ts";

type Plugins = NonNullable<Options["rehypePlugins"]>;

// rehype-highlight registers all of its ~37 languages each time it is attached, and react-markdown
// attaches its plugins on every render: that was most of a streamed token's render. The transform
// holds nothing per document, so it is made once and every render reuses it.
const highlightCode = rehypeHighlight({ detect: false });
const rehypeHighlightOnce = () => highlightCode;

/** The math plugins once `text` needs them and they have loaded (null until then). */
function useMathPlugins(text: string): MathPlugins | null {
  const needed = mayContainMath(text);
  const [plugins, setPlugins] = useState(() => (needed ? loadedMathPlugins() : null));
  useEffect(() => {
    if (!needed || plugins) return;
    let cancelled = false;
    void loadMathPlugins().then((loaded) => {
      if (!cancelled) setPlugins(loaded);
    });
    return () => {
      cancelled = true;
    };
  }, [needed, plugins]);
  return plugins;
}

function componentsFor(streaming: boolean): Components {
  return {
    pre({ node, children }) {
      const { code, classes } = codeOf(node);
      const language =
        classes.find((name) => name.startsWith("language-"))?.slice("language-".length) ?? null;
      const text = textOf(code).replace(/\n$/, "");
      // A diagram still being written would fail to parse on every token; it is drawn once complete.
      if (language === "mermaid" && !streaming) return <MermaidDiagram source={text} />;
      return (
        <CodeBlock language={language} text={text}>
          {children}
        </CodeBlock>
      );
    },
    a({ href, children }) {
      return (
        <a href={href} target="_blank" rel="noopener noreferrer nofollow">
          {children}
        </a>
      );
    },
    // A remote image in model output could carry conversation text to a third party in its URL
    // the moment it loads; it is offered as a link to open instead.
    img({ src, alt }) {
      const address = typeof src === "string" ? src : "";
      return (
        <a className="markdown-image-link" href={address} target="_blank" rel="noopener noreferrer nofollow">
          🖼 {alt || address}
        </a>
      );
    },
  };
}

/**
 * Markdown as model output and chat messages need it: GFM tables, highlighted code with copy
 * buttons, KaTeX math, Mermaid diagrams, and nothing that runs. HTML in the text is shown as
 * text, never parsed into elements; the tree is then sanitized with GitHub's rules; and URLs pass
 * react-markdown's transform, which empties `javascript:` and other unsafe schemes.
 */
export default function MarkdownRenderer({ text, streaming }: { text: string; streaming: boolean }) {
  const math = useMathPlugins(text);
  const remarkPlugins = useMemo(() => [remarkGfm, ...(math?.remark ?? [])], [math]);
  const rehypePlugins = useMemo<Plugins>(
    () => [
      rehypeRawHtmlAsText,
      [rehypeSanitize, markdownSchema],
      ...(math?.rehype ?? []),
      rehypeHighlightOnce,
    ],
    [math],
  );
  const components = useMemo(() => componentsFor(streaming), [streaming]);
  return (
    <Markdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
      {text}
    </Markdown>
  );
}
