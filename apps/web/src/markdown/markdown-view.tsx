import { lazy, memo, Suspense } from "react";

// The Markdown stack (parser, sanitizer, highlighter) is its own chunk, fetched while the page
// signs in, so the first paint does not wait for it.
const loadRenderer = () => import("./markdown-renderer.tsx");
const MarkdownRenderer = lazy(loadRenderer);

/** Starts fetching the Markdown chunk before any message needs it. */
export function preloadMarkdown(): void {
  void loadRenderer();
}

/** A message's text as safe Markdown; plain text for the moment the renderer is loading. */
export const MarkdownView = memo(function MarkdownView({
  text,
  streaming = false,
}: {
  text: string;
  streaming?: boolean;
}) {
  return (
    <div className="markdown">
      <Suspense fallback={<p className="plain-text">{text}</p>}>
        <MarkdownRenderer text={text} streaming={streaming} />
      </Suspense>
    </div>
  );
});
