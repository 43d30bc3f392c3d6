import { apiErrorOf, requestJson } from "./api-client.ts";
import { startStreamedTurn } from "./chat/message-stream.ts";
import type {
  Agent,
  AgentExport,
  AgentFields,
  AttachmentPart,
  Conversation,
  ConversationPage,
  Message,
  Rating,
  SearchHit,
} from "./chat-types.ts";

const conversationPath = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;
const messagePath = (conversationId: string, messageId: string) =>
  `${conversationPath(conversationId)}/messages/${encodeURIComponent(messageId)}`;

export interface ConversationChanges {
  title?: string;
  pinned?: boolean;
  folder?: string | null;
  model?: string;
  activeLeafId?: string;
}

/** The chat API of docs/chat-api.md. */
export const chatApi = {
  listConversations: (options: { cursor?: string | null; limit?: number } = {}) => {
    const query = new URLSearchParams();
    if (options.limit) query.set("limit", String(options.limit));
    if (options.cursor) query.set("cursor", options.cursor);
    return requestJson<ConversationPage>(`/api/conversations?${query}`);
  },
  createConversation: (fields: { agentId?: string; model?: string; title?: string }) =>
    requestJson<Conversation>("/api/conversations", { method: "POST", body: fields }),
  conversation: (id: string) =>
    requestJson<{ conversation: Conversation; messages: Message[] }>(conversationPath(id)),
  updateConversation: (id: string, changes: ConversationChanges) =>
    requestJson<Conversation>(conversationPath(id), { method: "PATCH", body: changes }),
  deleteConversation: (id: string) => requestJson<void>(conversationPath(id), { method: "DELETE" }),
  generateTitle: (id: string) =>
    requestJson<Conversation>(`${conversationPath(id)}/title`, { method: "POST", body: {} }),
  search: (q: string, limit = 50) =>
    requestJson<{ data: SearchHit[] }>(
      `/api/conversations/search?${new URLSearchParams({ q, limit: String(limit) })}`,
    ),
  exportConversation: async (id: string, format: "markdown" | "json"): Promise<string> => {
    const response = await fetch(`${conversationPath(id)}/export?format=${format}`);
    if (!response.ok) throw await apiErrorOf(response);
    return response.text();
  },
  importConversations: (file: unknown) =>
    requestJson<{ data: Conversation[] }>("/api/conversations/import", { method: "POST", body: file }),

  /** Sends a message; the reply's stream comes back in the same response. */
  sendMessage: (
    conversationId: string,
    body: { content: string; parentId?: string; parts?: AttachmentPart[] },
  ) =>
    startStreamedTurn<{ userMessage: Message; assistantMessage: Message }>(
      `${conversationPath(conversationId)}/messages`,
      body,
    ),
  regenerate: (conversationId: string, messageId: string) =>
    startStreamedTurn<{ assistantMessage: Message }>(
      `${messagePath(conversationId, messageId)}/regenerate`,
      {},
    ),
  edit: (conversationId: string, messageId: string, body: { content: string; parts?: AttachmentPart[] }) =>
    startStreamedTurn<{ userMessage: Message; assistantMessage: Message }>(
      `${messagePath(conversationId, messageId)}/edit`,
      body,
    ),
  stop: (conversationId: string, messageId: string) =>
    requestJson<Message>(`${messagePath(conversationId, messageId)}/stop`, { method: "POST", body: {} }),
  streamUrl: (conversationId: string, messageId: string) =>
    `${messagePath(conversationId, messageId)}/stream`,
  feedback: (messageId: string, rating: Rating, comment?: string) =>
    requestJson<unknown>(`/api/messages/${encodeURIComponent(messageId)}/feedback`, {
      method: "PUT",
      body: comment === undefined ? { rating } : { rating, comment },
    }),

  agents: () => requestJson<{ data: Agent[] }>("/api/agents"),
  agent: (id: string) => requestJson<Agent>(`/api/agents/${encodeURIComponent(id)}`),
  createAgent: (fields: Partial<AgentFields>) =>
    requestJson<Agent>("/api/agents", { method: "POST", body: fields }),
  updateAgent: (id: string, fields: Partial<AgentFields>) =>
    requestJson<Agent>(`/api/agents/${encodeURIComponent(id)}`, { method: "PUT", body: fields }),
  deleteAgent: (id: string) =>
    requestJson<void>(`/api/agents/${encodeURIComponent(id)}`, { method: "DELETE" }),
  exportAgent: (id: string) => requestJson<AgentExport>(`/api/agents/${encodeURIComponent(id)}/export`),
  importAgent: (file: unknown) => requestJson<Agent>("/api/agents/import", { method: "POST", body: file }),
};
