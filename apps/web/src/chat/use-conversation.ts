import { useCallback, useEffect, useRef, useState } from "react";
import { chatApi } from "../chat-api.ts";
import type { AttachmentPart, Conversation, Message, Rating } from "../chat-types.ts";
import { type ChatError, chatErrorOf } from "./chat-error.ts";
import { useMessageStreams } from "./use-message-streams.ts";
import { useStreamedReplies } from "./use-streamed-replies.ts";

export interface ConversationState {
  status: "new" | "loading" | "ready" | "failed";
  conversation: Conversation | null;
  /** The active branch, root first. */
  messages: Message[];
  /** A failure to load, send, stop …; generation failures live on their message. */
  error: ChatError | null;
  /** Generation errors by message id, with their type (the message itself only keeps the text). */
  streamErrors: Record<string, ChatError>;
}

export interface ConversationOptions {
  /** The conversation to show; null for a new chat, created on the first message. */
  conversationId: string | null;
  /** For a new chat: the agent and model it starts with. */
  agentId: string | null;
  model: string | null;
  /** Told about a conversation created or changed here (the sidebar lists it). */
  onConversationChanged(conversation: Conversation, options?: { created?: boolean }): void;
}

const empty: ConversationState = {
  status: "new",
  conversation: null,
  messages: [],
  error: null,
  streamErrors: {},
};

/** One conversation's active branch, and everything a person does to it. */
export function useConversation(options: ConversationOptions) {
  const { conversationId } = options;
  const [state, setState] = useState<ConversationState>(empty);
  const latestState = useRef(state);
  latestState.current = state;
  const latestOptions = useRef(options);
  latestOptions.current = options;
  // The id this hook holds, which runs ahead of the route when it creates a conversation.
  const heldId = useRef<string | null>(null);
  const titleRequested = useRef(new Set<string>());

  const shownMessages = useCallback(() => latestState.current.messages, []);
  const setMessages = useCallback((change: (messages: Message[]) => Message[]) => {
    setState((current) => {
      const messages = change(current.messages);
      return messages === current.messages ? current : { ...current, messages };
    });
  }, []);
  const replies = useStreamedReplies(setMessages, shownMessages);
  const { liveText, update, firstTextOrEnd, turnAnswered, serverIdOf, reset: resetReplies } = replies;

  const maybeTitle = useCallback(async (conversation: Conversation, messages: Message[]) => {
    if (
      titleRequested.current.has(conversation.id) ||
      messages.length > 2 ||
      conversation.title.trim() !== ""
    ) {
      return;
    }
    titleRequested.current.add(conversation.id);
    try {
      const titled = await chatApi.generateTitle(conversation.id);
      setState((current) =>
        current.conversation?.id === titled.id ? { ...current, conversation: titled } : current,
      );
      latestOptions.current.onConversationChanged(titled);
    } catch {
      // A title is a nicety; the conversation still shows as "New chat".
    }
  }, []);

  const { follow, unfollow, stopAll } = useMessageStreams({
    update,
    snapshot: replies.snapshot,
    delta: replies.delta,
    finished: (final) => {
      firstTextOrEnd(final.id);
      // The row keeps its key (localKey): the list does not mount it again.
      update(final.id, (message) => ({
        ...final,
        localKey: message.localKey,
        feedback: final.feedback ?? message.feedback,
      }));
      const { conversation, messages } = latestState.current;
      if (conversation && final.status === "complete") void maybeTitle(conversation, messages);
    },
    failed: (messageId, error) => {
      firstTextOrEnd(messageId);
      setState((current) => ({ ...current, streamErrors: { ...current.streamErrors, [messageId]: error } }));
    },
  });

  const showBranch = useCallback(
    (conversation: Conversation, messages: Message[]) => {
      stopAll();
      setState((current) => ({ ...current, status: "ready", conversation, messages, error: null }));
      for (const message of messages)
        if (message.status === "generating") follow(conversation.id, message.id);
    },
    [follow, stopAll],
  );

  const load = useCallback(
    async (id: string) => {
      try {
        const { conversation, messages } = await chatApi.conversation(id);
        if (heldId.current !== id) return;
        showBranch(conversation, messages);
      } catch (error) {
        if (heldId.current === id) setState({ ...empty, status: "failed", error: chatErrorOf(error) });
      }
    },
    [showBranch],
  );

  useEffect(() => {
    if (conversationId !== null && conversationId === heldId.current) return;
    heldId.current = conversationId;
    stopAll();
    resetReplies();
    if (conversationId === null) {
      setState(empty);
      return;
    }
    setState({ ...empty, status: "loading" });
    void load(conversationId);
  }, [conversationId, load, stopAll, resetReplies]);

  const fail = useCallback(
    (error: unknown) => setState((current) => ({ ...current, error: chatErrorOf(error) })),
    [],
  );

  /** A new sibling takes the place of `messageId` and what followed it. */
  const replaceFrom = useCallback((messageId: string, replacement: Message[]) => {
    setState((current) => {
      const index = current.messages.findIndex((message) => message.id === messageId);
      const kept = index === -1 ? current.messages : current.messages.slice(0, index);
      return { ...current, messages: [...kept, ...replacement] };
    });
  }, []);

  /**
   * Sends a message at the end of the shown branch; false when it could not be sent. The message
   * and an empty reply show at once (the page renders them while the server works); the server's
   * answer then gives them their ids, and a failure takes them away again.
   */
  const send = useCallback(
    async (content: string, parts: AttachmentPart[]): Promise<boolean> => {
      const parentId = state.messages.at(-1)?.id;
      const shown = pendingTurn(content, parts, parentId ?? null);
      setState((current) => ({ ...current, error: null, messages: [...current.messages, ...shown] }));
      const replacePending = (replacement: Message[]) =>
        setState((current) => ({
          ...current,
          messages: [...current.messages.filter((message) => !shown.includes(message)), ...replacement],
        }));
      try {
        let conversation = state.conversation;
        if (!conversation) {
          const { agentId, model } = latestOptions.current;
          conversation = await chatApi.createConversation({
            ...(agentId ? { agentId } : {}),
            ...(model ? { model } : {}),
          });
          heldId.current = conversation.id;
          setState((current) => ({ ...current, status: "ready", conversation }));
          latestOptions.current.onConversationChanged(conversation, { created: true });
        }
        const { created, stream } = await chatApi.sendMessage(conversation.id, {
          content,
          ...(parentId ? { parentId } : {}),
          ...(parts.length > 0 ? { parts } : {}),
        });
        const { userMessage, assistantMessage } = created;
        const changed = { ...conversation, updatedAt: userMessage.createdAt };
        // The sidebar moving this conversation to the top waits for the reply's first text.
        turnAnswered(
          assistantMessage.id,
          [
            { ...userMessage, localKey: shown[0]?.localKey },
            { ...assistantMessage, localKey: shown[1]?.localKey },
          ],
          () => latestOptions.current.onConversationChanged(changed),
        );
        follow(conversation.id, assistantMessage.id, stream);
        return true;
      } catch (error) {
        replacePending([]);
        fail(error);
        return false;
      }
    },
    [state.conversation, state.messages, follow, fail, turnAnswered],
  );

  const regenerate = useCallback(
    async (messageId: string) => {
      const conversation = state.conversation;
      if (!conversation) return;
      try {
        const { created, stream } = await chatApi.regenerate(conversation.id, messageId);
        replaceFrom(messageId, [created.assistantMessage]);
        follow(conversation.id, created.assistantMessage.id, stream);
      } catch (error) {
        fail(error);
      }
    },
    [state.conversation, follow, fail, replaceFrom],
  );

  const edit = useCallback(
    async (messageId: string, content: string, parts: AttachmentPart[]) => {
      const conversation = state.conversation;
      if (!conversation) return false;
      try {
        const { created, stream } = await chatApi.edit(conversation.id, messageId, { content, parts });
        replaceFrom(messageId, [created.userMessage, created.assistantMessage]);
        follow(conversation.id, created.assistantMessage.id, stream);
        return true;
      } catch (error) {
        fail(error);
        return false;
      }
    },
    [state.conversation, follow, replaceFrom, fail],
  );

  const switchBranch = useCallback(
    async (siblingId: string) => {
      const conversation = state.conversation;
      if (!conversation) return;
      try {
        await chatApi.updateConversation(conversation.id, { activeLeafId: siblingId });
        await load(conversation.id);
      } catch (error) {
        fail(error);
      }
    },
    [state.conversation, load, fail],
  );

  const stop = useCallback(async () => {
    const conversation = state.conversation;
    const generating = state.messages.filter((message) => message.status === "generating");
    if (!conversation || generating.length === 0) return;
    for (const shown of generating) {
      const id = serverIdOf(shown);
      // Sent a moment ago and not yet answered: nothing on the server to stop yet.
      if (id.startsWith("pending-")) continue;
      try {
        const stopped = await chatApi.stop(conversation.id, id);
        unfollow(id);
        update(id, (current) => ({ ...stopped, localKey: current.localKey, feedback: current.feedback }));
      } catch (error) {
        fail(error);
      }
    }
  }, [state.conversation, state.messages, unfollow, update, fail, serverIdOf]);

  const rate = useCallback(
    async (messageId: string, rating: Rating) => {
      update(messageId, (message) => ({
        ...message,
        feedback: { rating, comment: message.feedback?.comment ?? "" },
      }));
      try {
        await chatApi.feedback(messageId, rating);
      } catch (error) {
        fail(error);
      }
    },
    [update, fail],
  );

  const setModel = useCallback(
    async (model: string) => {
      const conversation = state.conversation;
      if (!conversation) return;
      try {
        const changed = await chatApi.updateConversation(conversation.id, { model });
        setState((current) => ({ ...current, conversation: changed }));
        latestOptions.current.onConversationChanged(changed);
      } catch (error) {
        fail(error);
      }
    },
    [state.conversation, fail],
  );

  const dismissError = useCallback(() => setState((current) => ({ ...current, error: null })), []);
  const generating = state.messages.some((message) => message.status === "generating");

  return {
    ...state,
    liveText,
    generating,
    send,
    regenerate,
    edit,
    switchBranch,
    stop,
    rate,
    setModel,
    dismissError,
  };
}

export type ConversationController = ReturnType<typeof useConversation>;

let pendingCount = 0;

/** A sent message and its reply as the page shows them before the server has answered. */
function pendingTurn(content: string, parts: AttachmentPart[], parentId: string | null): Message[] {
  const key = `pending-${++pendingCount}`;
  const now = new Date().toISOString();
  const common = {
    error: null,
    model: null,
    usage: null,
    createdAt: now,
    updatedAt: now,
    siblings: { ids: [], index: 0 },
    pending: true,
  };
  return [
    {
      ...common,
      id: `${key}-user`,
      localKey: `${key}-user`,
      parentId,
      role: "user",
      content,
      parts,
      status: "complete",
    },
    {
      ...common,
      id: `${key}-reply`,
      localKey: `${key}-reply`,
      parentId: `${key}-user`,
      role: "assistant",
      content: "",
      parts: [],
      status: "generating",
    },
  ];
}
