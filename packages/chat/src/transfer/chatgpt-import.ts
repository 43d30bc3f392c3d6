import { parseOrThrow } from "../parse-or-throw.ts";
import { type ChatGPTConversation, type ChatGPTMessage, chatgptExportSchema } from "./chatgpt-format.ts";
import type { ImportedConversation, ImportedMessage } from "./imported-conversation.ts";
import { nearestKeptAncestors } from "./tree-links.ts";

/**
 * Reads ChatGPT's `conversations.json`. Every branch is kept (edits and regenerations stay
 * siblings). Left out: system and hidden messages, tool traffic (calls addressed to a tool,
 * tool outputs), reasoning summaries, and nodes with no message; their children hang from the
 * nearest message that is kept.
 */
export function readChatGPTExport(file: unknown): ImportedConversation[] {
  const conversations = parseOrThrow(chatgptExportSchema, file, "ChatGPT export");
  return conversations.map((conversation, index) => readConversation(conversation, index));
}

function readConversation(conversation: ChatGPTConversation, index: number): ImportedConversation {
  const where = `ChatGPT export: conversation ${index}`;
  const startedAt = fromEpochSeconds(conversation.create_time) ?? new Date().toISOString();
  const parents = new Map<string, string | null>();
  const texts = new Map<string, { role: "user" | "assistant"; content: string; message: ChatGPTMessage }>();
  for (const [key, node] of Object.entries(conversation.mapping)) {
    parents.set(key, node.parent ?? null);
    const kept = node.message ? visibleText(node.message) : undefined;
    if (kept && node.message) texts.set(key, { ...kept, message: node.message });
  }
  const ancestors = nearestKeptAncestors(parents, (key) => texts.has(key), where);
  const messages: ImportedMessage[] = [];
  for (const [key, { role, content, message }] of texts) {
    const createdAt = fromEpochSeconds(message.create_time) ?? startedAt;
    messages.push({
      key,
      parentKey: ancestors.get(key) ?? null,
      role,
      content,
      parts: [],
      status: "complete",
      error: null,
      model: role === "assistant" ? (message.metadata?.model_slug ?? null) : null,
      usage: null,
      createdAt,
      updatedAt: fromEpochSeconds(message.update_time) ?? createdAt,
    });
  }
  const current = conversation.current_node ?? null;
  const activeLeafKey =
    current === null || !parents.has(current)
      ? null
      : texts.has(current)
        ? current
        : (ancestors.get(current) ?? null);
  const lastModel = messages.findLast((message) => message.model !== null)?.model;
  return {
    title: (conversation.title ?? "").trim().slice(0, 200),
    model: conversation.default_model_slug ?? lastModel ?? "",
    agentId: null,
    folder: null,
    pinned: false,
    createdAt: startedAt,
    updatedAt: fromEpochSeconds(conversation.update_time) ?? startedAt,
    activeLeafKey,
    messages,
  };
}

/** The text a person saw for this message, or undefined when it is not shown in the chat. */
function visibleText(message: ChatGPTMessage): { role: "user" | "assistant"; content: string } | undefined {
  const role = message.author.role;
  if (role !== "user" && role !== "assistant") return undefined;
  if (message.metadata?.is_visually_hidden_from_conversation) return undefined;
  if (message.recipient && message.recipient !== "all") return undefined;
  const content = message.content;
  if (!content) return undefined;
  let text: string;
  switch (content.content_type) {
    case "text":
    case "multimodal_text":
      text = (content.parts ?? [])
        .map(partText)
        .filter((part) => part !== "")
        .join("\n\n");
      break;
    case "code":
      text = content.text ? `\`\`\`${content.language ?? ""}\n${content.text}\n\`\`\`` : "";
      break;
    default:
      return undefined;
  }
  return text.trim() === "" ? undefined : { role, content: text };
}

function partText(part: unknown): string {
  if (typeof part === "string") return part;
  if (typeof part === "object" && part !== null) {
    const { content_type: type, text } = part as { content_type?: unknown; text?: unknown };
    if (typeof text === "string") return text;
    // Images and audio live in the export's other files; only their mention survives.
    if (type === "image_asset_pointer") return "[image]";
    if (typeof type === "string" && type.startsWith("audio")) return "[audio]";
  }
  return "";
}

function fromEpochSeconds(seconds: number | null | undefined): string | undefined {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString();
}
