import type { ConversationView } from "../conversations/conversation-view.ts";
import type { MessagePart } from "../conversations/message-part.ts";
import type { MessageView } from "../conversations/message-view.ts";

const roleNames: Record<MessageView["role"], string> = {
  user: "User",
  assistant: "Assistant",
  system: "System",
  tool: "Tool",
};

/**
 * The branch on screen as Markdown: the title, then each message under a heading naming its
 * role, with attachments named (not inlined) and tool calls and results shown as code.
 */
export function conversationMarkdown(conversation: ConversationView, branch: readonly MessageView[]): string {
  const lines = [`# ${oneLine(conversation.title) || "Untitled conversation"}`, ""];
  lines.push(`- Model: ${conversation.model || "(none)"}`, `- Created: ${conversation.createdAt}`, "");
  for (const message of branch) {
    const details = [
      message.role === "assistant" && message.model ? message.model : undefined,
      message.siblings.ids.length > 1
        ? `version ${message.siblings.index + 1} of ${message.siblings.ids.length}`
        : undefined,
      message.status !== "complete" ? message.status : undefined,
    ].filter((detail) => detail !== undefined);
    lines.push(`## ${roleNames[message.role]}${details.length > 0 ? ` (${details.join(", ")})` : ""}`, "");
    if (message.content !== "") lines.push(message.content, "");
    const attachments = message.parts.flatMap(attachmentName);
    if (attachments.length > 0) lines.push(`Attachments: ${attachments.join(", ")}`, "");
    for (const part of message.parts) lines.push(...toolLines(part));
    if (message.error) lines.push(`> Error: ${oneLine(message.error)}`, "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function attachmentName(part: MessagePart): string[] {
  if (part.type === "image") return [`image ${part.name ? `\`${oneLine(part.name)}\`` : "(unnamed)"}`];
  if (part.type === "text_file") return [`file \`${oneLine(part.name)}\``];
  return [];
}

function toolLines(part: MessagePart): string[] {
  if (part.type === "tool_call") {
    return [`**Tool call** \`${oneLine(part.name)}\``, "", fence(part.arguments, "json"), ""];
  }
  if (part.type === "tool_result") {
    const label = part.isError ? "Tool error" : "Tool result";
    return [`**${label}** \`${oneLine(part.name)}\``, "", fence(part.content, ""), ""];
  }
  return [];
}

/** A code fence longer than any run of backticks inside, so content cannot close it early. */
function fence(text: string, language: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
