import type { ChatMessageTable } from "@nexus/core";
import type { Agent } from "../agents/agent-schema.ts";
import type { ConversationOwner } from "../conversations/conversation-access.ts";
import type { MessageView } from "../conversations/message-view.ts";
import type { FollowedGeneration } from "../generation/stored-generation-follower.ts";
import type { SiteTokenInfo, WidgetTheme } from "./site-token-schema.ts";

/** What a widget may send, well below the chat API's limits: visitors are anonymous. */
export const widgetLimits = {
  messageCharacters: 4_000,
  /** A whole request to the widget API. */
  bodyBytes: 16 * 1024,
} as const;

/** The random id a widget keeps in its page's localStorage (header `x-nexus-visitor`). */
export const visitorIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The owner of a visitor's conversations: one token's visitor sees only its own, and no API
 * key's owner id can take this form (`key_…` or `workspace`).
 */
export function widgetOwnerOf(
  token: SiteTokenInfo & { workspaceId: string },
  visitorId: string,
): ConversationOwner {
  return { workspaceId: token.workspaceId, ownerId: `widget:${token.id}:${visitorId}` };
}

/** The agent as a site's visitors see it: no prompt, model or tools. */
export interface WidgetSession {
  agent: { name: string; avatar: string; openingMessage: string; suggestedQuestions: string[] };
  theme: Required<WidgetTheme>;
  limits: { messageCharacters: number };
}

export function widgetSessionOf(agent: Agent, token: SiteTokenInfo): WidgetSession {
  return {
    agent: {
      name: agent.name,
      avatar: agent.avatar,
      openingMessage: agent.openingMessage,
      suggestedQuestions: agent.suggestedQuestions,
    },
    theme: {
      primaryColor: token.theme.primaryColor,
      position: token.theme.position,
      title: token.theme.title ?? agent.name,
      greeting: token.theme.greeting ?? agent.openingMessage,
    },
    limits: { messageCharacters: widgetLimits.messageCharacters },
  };
}

/** A message as a widget gets it: text only, failures without the upstream's details. */
export interface WidgetMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  status: MessageView["status"];
  error: string | null;
  createdAt: string;
}

export const widgetFailureMessage = "The assistant could not answer just now. Please try again.";

/** The widget's view of a message, from the API's view or a stored row. */
export function widgetMessageOf(
  message: Pick<MessageView, "id" | "role" | "content" | "status" | "createdAt"> | ChatMessageTable,
): WidgetMessage {
  return {
    id: message.id,
    role: message.role === "user" ? "user" : "assistant",
    content: message.content,
    status: message.status,
    error: message.status === "failed" ? widgetFailureMessage : null,
    createdAt: "createdAt" in message ? message.createdAt : message.created_at,
  };
}

/** The messages of a branch a widget shows: what visitors and the agent said (no tool turns). */
export function widgetMessagesOf(messages: readonly MessageView[]): WidgetMessage[] {
  return messages
    .filter((message) => message.role === "user" || message.role === "assistant")
    .map(widgetMessageOf);
}

/**
 * A generation as a widget follows it: the text only (tool calls and results, which may hold
 * fetched pages or internal data, are left out), and a failure's reason replaced by a generic one.
 */
export function widgetGenerationOf(followed: FollowedGeneration): FollowedGeneration {
  return {
    snapshot: { content: followed.snapshot.content, parts: [], status: followed.snapshot.status },
    close: () => followed.close(),
    events: (async function* () {
      for await (const event of followed.events) {
        if (event.type === "tool") continue;
        if (event.type === "done" && event.error) {
          yield { ...event, error: { type: event.error.type, message: widgetFailureMessage } };
        } else {
          yield event;
        }
      }
    })(),
  };
}
