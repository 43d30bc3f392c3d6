import type { MessagePart } from "../chat-types.ts";

/** The tools a reply called and what they answered, folded by default. */
export function ToolParts({ parts }: { parts: MessagePart[] }) {
  const calls = parts.filter((part) => part.type === "tool_call" || part.type === "tool_result");
  if (calls.length === 0) return null;
  return (
    <div className="tool-parts">
      {calls.map((part) =>
        part.type === "tool_call" ? (
          <details key={`call-${part.id}`} className="tool-call">
            <summary>
              Called <code>{part.name}</code>
            </summary>
            <pre>{part.arguments}</pre>
          </details>
        ) : part.type === "tool_result" ? (
          <details
            key={`result-${part.toolCallId}`}
            className={part.isError ? "tool-result tool-error" : "tool-result"}
          >
            <summary>
              <code>{part.name}</code> {part.isError ? "failed" : "answered"}
            </summary>
            <pre>{part.content}</pre>
          </details>
        ) : null,
      )}
    </div>
  );
}
