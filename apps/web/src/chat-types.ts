import type { ConversationView } from "@nexus/chat";

/** The chat API's objects (docs/chat-api.md), as the page receives them. */

export type AgentTool = "calculator" | "current_time" | "fetch_page";
export const agentTools: AgentTool[] = ["calculator", "current_time", "fetch_page"];

export interface AgentParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
}

export interface Agent {
  id: string;
  name: string;
  /** An emoji or an image URL. */
  avatar: string;
  description: string;
  systemPrompt: string;
  model: string;
  params: AgentParams;
  openingMessage: string;
  suggestedQuestions: string[];
  tools: AgentTool[];
  /** Sites `fetch_page` may read besides the instance's list. */
  fetchAllowedHosts: string[];
  knowledgeBases: string[];
  createdAt: string;
  updatedAt: string;
}

/** What `POST`/`PUT /api/agents` take. */
export type AgentFields = Omit<Agent, "id" | "createdAt" | "updatedAt">;

export interface AgentExport {
  nexusAgent: 1;
  agent: Partial<AgentFields>;
}

/** The server's own type (a type-only import: nothing of the chat package reaches the page's bundle). */
export type Conversation = ConversationView;

export type MessagePart =
  | { type: "image"; dataUrl: string; name?: string }
  | { type: "text_file"; name: string; text: string }
  | { type: "tool_call"; id: string; name: string; arguments: string }
  | { type: "tool_result"; toolCallId: string; name: string; content: string; isError?: boolean }
  | { type: "citations"; citations: Citation[] };

/** A knowledge-base passage a reply was given, numbered as the reply cites it ([n]). */
export interface Citation {
  index: number;
  knowledgeBaseId: string;
  documentId: string;
  documentName: string;
  chunkId: string;
  page: number | null;
  score: number;
  excerpt: string;
}

/** What a person attaches to a message. */
export type AttachmentPart = Extract<MessagePart, { type: "image" | "text_file" }>;

export type MessageStatus = "complete" | "generating" | "stopped" | "failed";
export type Rating = "up" | "down" | null;

export interface Message {
  id: string;
  parentId: string | null;
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  parts: MessagePart[];
  status: MessageStatus;
  error: string | null;
  model: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  createdAt: string;
  updatedAt: string;
  siblings: { ids: string[]; index: number };
  feedback?: { rating: Rating; comment: string };
  /**
   * Page-only: the key a message keeps in the list from the moment it is sent (shown at once,
   * before the server answers) through getting its real id, so its row is not built twice.
   */
  localKey?: string;
  /** Page-only: shown before the server has it; nothing can be done with it yet. */
  pending?: boolean;
}

export interface ConversationPage {
  data: Conversation[];
  nextCursor: string | null;
}

export interface SearchHit {
  conversation: Conversation;
  message: { id: string; role: Message["role"]; snippet: string };
}

/** The SSE events of `GET …/messages/:id/stream`. */
export type StreamEvent =
  | { event: "snapshot"; data: { content: string; parts: MessagePart[]; status: MessageStatus } }
  | { event: "delta"; data: { text: string } }
  | { event: "tool"; data: { part: MessagePart } }
  | { event: "done"; data: { message: Message } }
  | { event: "error"; data: { error: { type: string; message: string; retryAfterSeconds?: number } } };
