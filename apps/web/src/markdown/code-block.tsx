import type { ReactNode } from "react";
import { CopyButton } from "../components/copy-button.tsx";

/** A fenced code block: its language, a copy button, and the highlighted code. */
export function CodeBlock({
  language,
  text,
  children,
}: {
  language: string | null;
  text: string;
  children: ReactNode;
}) {
  return (
    <div className="code-block">
      <div className="code-block-header">
        <span className="code-language">{language ?? "text"}</span>
        <CopyButton text={text} label="Copy code" />
      </div>
      <pre>{children}</pre>
    </div>
  );
}
