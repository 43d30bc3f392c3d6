import { createSseParser } from "./sse-parser.ts";
import type { WidgetConfig } from "./widget-config.ts";

export interface WidgetSession {
  agent: { name: string; avatar: string; openingMessage: string; suggestedQuestions: string[] };
  theme: { primaryColor: string; title: string; position: "left" | "right"; greeting: string };
  limits: { messageCharacters: number };
}

export interface WidgetMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  status: "complete" | "generating" | "stopped" | "failed";
  error: string | null;
}

/** A failed call: the server's error type and message, and when a rate limit lifts. */
export class WidgetError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What a reply's stream reports as it goes. */
export interface StreamHandlers {
  snapshot(content: string): void;
  delta(text: string): void;
  done(message: WidgetMessage): void;
}

/** The widget API of one Nexus server, as one site token and one visitor. */
export function createWidgetClient(config: WidgetConfig, visitorId: string) {
  const headers = { "x-nexus-site-token": config.token, "x-nexus-visitor": visitorId };

  async function call<Answer>(path: string, body?: unknown, signal?: AbortSignal): Promise<Answer> {
    const response = await request(path, body, signal);
    return (await response.json()) as Answer;
  }

  async function request(path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(`${config.apiBase}/api/widget${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "omit",
    });
    if (response.ok) return response;
    const answer = (await response.json().catch(() => ({}))) as {
      error?: { type?: string; message?: string };
    };
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new WidgetError(
      response.status,
      answer.error?.type ?? "error",
      answer.error?.message ?? `HTTP ${response.status}`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }

  return {
    session: () => call<WidgetSession>("/session", {}),
    createConversation: () => call<{ id: string }>("/conversations", {}),
    conversation: (id: string) =>
      call<{ id: string; messages: WidgetMessage[] }>(`/conversations/${encodeURIComponent(id)}`),
    send: (conversationId: string, content: string) =>
      call<{ userMessage: WidgetMessage; assistantMessage: WidgetMessage }>(
        `/conversations/${encodeURIComponent(conversationId)}/messages`,
        { content },
      ),
    stop: (conversationId: string, messageId: string) =>
      call<WidgetMessage>(
        `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/stop`,
        {},
      ),

    /** Follows a reply to its end (SSE over fetch, so the token goes in a header, not the URL). */
    async stream(conversationId: string, messageId: string, handlers: StreamHandlers, signal: AbortSignal) {
      const response = await request(
        `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/stream`,
        undefined,
        signal,
      );
      if (!response.body) throw new WidgetError(0, "error", "The stream has no body");
      const parse = createSseParser(({ event, data }) => {
        const payload = JSON.parse(data);
        if (event === "snapshot") handlers.snapshot(payload.content);
        else if (event === "delta") handlers.delta(payload.text);
        else if (event === "done") handlers.done(payload.message);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        parse(value);
      }
    },
  };
}

export type WidgetClient = ReturnType<typeof createWidgetClient>;
