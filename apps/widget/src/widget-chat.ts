import type { VisitorStore } from "./visitor-store.ts";
import { createWidgetClient, WidgetError, type WidgetMessage } from "./widget-client.ts";
import type { WidgetConfig } from "./widget-config.ts";
import { createWidgetView, type ShownMessage, type WidgetView } from "./widget-view.ts";

/**
 * The chat behind the bubble: starts the session (nothing is shown when the token or the page's
 * origin is refused), keeps one conversation per visitor and token (reopened after a reload, a
 * reply still being written resumed), sends, streams and stops.
 */
export async function startWidgetChat(host: HTMLElement, config: WidgetConfig, visitor: VisitorStore) {
  const client = createWidgetClient(config, visitor.visitorId);
  const session = await client.session();
  let conversationId = visitor.conversationId();
  let current: { messageId: string; controller: AbortController } | undefined;
  let restored = false;

  const view: WidgetView = createWidgetView(
    host,
    {
      primaryColor: config.color ?? session.theme.primaryColor,
      title: config.title ?? session.theme.title,
      position: config.position ?? session.theme.position,
      greeting: session.theme.greeting,
      avatar: session.agent.avatar,
      suggestedQuestions: session.agent.suggestedQuestions,
      messageCharacters: session.limits.messageCharacters,
    },
    {
      submit: (text) => void ask(text),
      stop: () => void stop(),
      opened: () => void restore(),
    },
  );

  /** The visitor's conversation from an earlier visit, once, when the panel first opens. */
  async function restore() {
    if (restored || conversationId === null) return;
    restored = true;
    try {
      const { messages } = await client.conversation(conversationId);
      if (messages.length > 0) view.hideSuggestions();
      for (const message of messages) {
        const shown = view.addMessage(message.role, message.content, message.status);
        if (message.status === "generating") void follow(message.id, shown);
        else finish(shown, message);
      }
    } catch (error) {
      if (error instanceof WidgetError && error.status === 404) visitor.setConversationId(null);
      conversationId = visitor.conversationId();
    }
  }

  async function ask(text: string) {
    if (current) return;
    view.showError(null);
    view.hideSuggestions();
    restored = true;
    const shownQuestion = view.addMessage("user", text);
    try {
      const { assistantMessage } = await sendStartingIfNeeded(text);
      await follow(assistantMessage.id, view.addMessage("assistant", "", "generating"));
    } catch (error) {
      shownQuestion.setStatus("failed");
      view.showError(describe(error));
    }
  }

  /** Sends into the visitor's conversation, starting one when there is none (or it is gone). */
  async function sendStartingIfNeeded(text: string) {
    if (conversationId !== null) {
      try {
        return await client.send(conversationId, text);
      } catch (error) {
        if (!(error instanceof WidgetError && error.status === 404)) throw error;
      }
    }
    conversationId = (await client.createConversation()).id;
    visitor.setConversationId(conversationId);
    return client.send(conversationId, text);
  }

  async function follow(messageId: string, shown: ShownMessage) {
    if (conversationId === null) return;
    const controller = new AbortController();
    current = { messageId, controller };
    view.setBusy(true);
    try {
      await client.stream(
        conversationId,
        messageId,
        {
          snapshot: (content) => shown.setText(content),
          delta: (text) => shown.append(text),
          done: (message) => finish(shown, message),
        },
        controller.signal,
      );
    } catch (error) {
      if (!controller.signal.aborted) view.showError(describe(error));
    } finally {
      current = undefined;
      view.setBusy(false);
    }
  }

  async function stop() {
    if (!current || conversationId === null) return;
    try {
      await client.stop(conversationId, current.messageId);
    } catch (error) {
      view.showError(describe(error));
    }
  }

  function finish(shown: ShownMessage, message: WidgetMessage) {
    shown.setText(message.content);
    const note = message.status === "stopped" ? "Stopped" : (message.error ?? undefined);
    shown.setStatus(message.status, note);
  }
}

function describe(error: unknown): string {
  if (error instanceof WidgetError) {
    if (error.status === 429) {
      return `Too many messages right now; try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : " soon"}.`;
    }
    if (error.status === 400 || error.status === 413) return error.message;
  }
  return "Something went wrong. Please try again.";
}
