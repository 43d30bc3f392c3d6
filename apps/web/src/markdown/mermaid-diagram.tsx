import { useEffect, useState } from "react";

let renderCount = 0;

/**
 * Mermaid sizes its SVG `width="100%"` for inline use; as an image it needs its own size, taken
 * from the viewBox, or it stretches to the page's width.
 */
export function sizedSvg(svg: string): string {
  const viewBox = /viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ([\d.]+)"/.exec(svg);
  if (!viewBox) return svg;
  const [, width, height] = viewBox;
  return svg.replace(/<svg([^>]*?) width="[^"]*"/, `<svg$1 width="${width}" height="${height}"`);
}

/** Which Mermaid theme suits the page's current light or dark colors. */
function mermaidTheme(): "dark" | "default" {
  const chosen = document.documentElement.dataset.theme;
  const dark = chosen ? chosen === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  return dark ? "dark" : "default";
}

/**
 * A Mermaid diagram, rendered once its source stops changing. Mermaid is a large library: it is
 * imported only when a diagram is shown. `securityLevel: "strict"` encodes labels and drops click
 * handlers, and the SVG is shown as an image, where no script or handler can ever run.
 */
export function MermaidDiagram({ source }: { source: string }) {
  const [result, setResult] = useState<{ image: string } | { error: string } | null>(null);

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(async () => {
      const id = `mermaid-${++renderCount}`;
      try {
        const { default: mermaid } = await import("mermaid");
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: "strict",
          theme: mermaidTheme(),
          flowchart: { htmlLabels: false },
        });
        const { svg } = await mermaid.render(id, source);
        if (!cancelled)
          setResult({ image: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(sizedSvg(svg))}` });
      } catch (error) {
        // Mermaid leaves its error drawing in the page when a render fails.
        document.getElementById(`d${id}`)?.remove();
        document.getElementById(id)?.remove();
        if (!cancelled) setResult({ error: error instanceof Error ? error.message : String(error) });
      }
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [source]);

  if (result && "image" in result) {
    return (
      <figure className="mermaid-diagram">
        <img src={result.image} alt="Mermaid diagram" />
      </figure>
    );
  }
  return (
    <div className="mermaid-diagram pending">
      {result && "error" in result && <p className="muted small">Diagram not drawn: {result.error}</p>}
      <pre>
        <code>{source}</code>
      </pre>
    </div>
  );
}
