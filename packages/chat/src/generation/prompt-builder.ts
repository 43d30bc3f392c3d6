import type { ChatMessageTable } from "@nexus/core";
import type { ChatMessage } from "@nexus/gateway";
import { type MessagePart, parseParts } from "../conversations/message-part.ts";

type BranchMessage = Pick<ChatMessageTable, "role" | "content" | "parts" | "status">;

/**
 * The messages a model sees for the next reply: the agent's system prompt, then the branch
 * root first. Text files are inlined into their user message with their names; images become
 * `image_url` parts (vision models read them, others answer with an error). An assistant
 * message's tool calls and results are replayed as OpenAI tool messages before its text.
 */
export function buildPrompt(systemPrompt: string, branch: readonly BranchMessage[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (systemPrompt.trim() !== "") messages.push({ role: "system", content: systemPrompt });
  for (const message of branch) {
    const parts = parseParts(message.parts);
    if (message.role === "system") messages.push({ role: "system", content: message.content });
    else if (message.role === "user") messages.push(userMessage(message.content, parts));
    else if (message.role === "assistant") messages.push(...assistantMessages(message, parts));
    // Stored `tool` rows (imported conversations) have no call to answer: the model would reject them.
  }
  return messages;
}

function userMessage(content: string, parts: MessagePart[]): ChatMessage {
  const files = parts.filter((part) => part.type === "text_file");
  const images = parts.filter((part) => part.type === "image");
  const text = [content, ...files.map((file) => inlinedFile(file.name, file.text))]
    .filter((piece) => piece !== "")
    .join("\n\n");
  if (images.length === 0) return { role: "user", content: text };
  return {
    role: "user",
    content: [
      ...(text === "" ? [] : [{ type: "text" as const, text }]),
      ...images.map((image) => ({ type: "image_url" as const, image_url: { url: image.dataUrl } })),
    ],
  };
}

function inlinedFile(name: string, text: string): string {
  return `<file name=${JSON.stringify(name)}>\n${text}\n</file>`;
}

function assistantMessages(message: BranchMessage, parts: MessagePart[]): ChatMessage[] {
  const results = new Map(
    parts.flatMap((part) => (part.type === "tool_result" ? [[part.toolCallId, part] as const] : [])),
  );
  // A call without a result (stopped mid-tool) cannot be replayed: OpenAI wants every call answered.
  const calls = parts.filter(
    (part): part is Extract<MessagePart, { type: "tool_call" }> =>
      part.type === "tool_call" && results.has(part.id),
  );
  const messages: ChatMessage[] = [];
  if (calls.length > 0) {
    messages.push({
      role: "assistant",
      content: null,
      tool_calls: calls.map((call) => ({
        id: call.id,
        type: "function" as const,
        function: { name: call.name, arguments: call.arguments },
      })),
    });
    for (const call of calls) {
      messages.push({ role: "tool", tool_call_id: call.id, content: results.get(call.id)?.content ?? "" });
    }
  }
  // A reply that failed or was stopped before any text is not something the model said.
  if (message.content !== "" || (calls.length === 0 && message.status === "complete")) {
    messages.push({ role: "assistant", content: message.content });
  }
  return messages;
}
