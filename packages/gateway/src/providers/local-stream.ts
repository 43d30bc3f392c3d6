import { randomUUID } from "node:crypto";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import type { LocalChatHooks, LocalChatResult } from "./local-chat.ts";
import type { CallOptions } from "./model-provider.ts";

/** Starts one generation; resolves when it ends. Hooks fire on its start and on each text delta. */
export type LocalChatRun = (signal: AbortSignal, hooks: LocalChatHooks) => Promise<LocalChatResult>;

/**
 * A local generation as OpenAI chunks: the role chunk once generation starts (so loading and
 * validation errors come before any chunk), content deltas in order, one delta per tool call, the
 * finish chunk, then a usage chunk when `stream_options.include_usage` is set. Leaving the loop early or aborting
 * `options.signal` stops generation and frees the sequence before the iterator returns.
 */
export async function* streamLocalChat(
  request: ChatCompletionRequest,
  options: CallOptions,
  run: LocalChatRun,
): AsyncGenerator<ChatCompletionChunk> {
  options.signal.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener("abort", forwardAbort, { once: true });

  const events: Array<{ type: "start" } | { type: "text"; text: string }> = [];
  let wake: (() => void) | undefined;
  let settled: { result: LocalChatResult } | { error: unknown } | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const task = run(controller.signal, {
    onStart: () => {
      events.push({ type: "start" });
      notify();
    },
    onText: (text) => {
      events.push({ type: "text", text });
      notify();
    },
  }).then(
    (result) => {
      settled = { result };
      notify();
    },
    (error: unknown) => {
      settled = { error };
      notify();
    },
  );

  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (
    choices: ChatCompletionChunk["choices"],
    usage?: ChatCompletionChunk["usage"],
  ): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: options.model,
    choices,
    ...(usage !== undefined ? { usage } : {}),
  });

  try {
    for (;;) {
      for (let event = events.shift(); event; event = events.shift()) {
        if (event.type === "start") {
          yield chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
        } else if (event.text.length > 0) {
          yield chunk([{ index: 0, delta: { content: event.text }, finish_reason: null }]);
        }
      }
      if (settled) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if ("error" in settled) throw settled.error;
    const { result } = settled;
    for (const [index, call] of (result.toolCalls ?? []).entries()) {
      yield chunk([{ index: 0, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null }]);
    }
    yield chunk([{ index: 0, delta: {}, finish_reason: result.finishReason }]);
    if (request.stream_options?.include_usage) {
      yield chunk([], {
        prompt_tokens: result.promptTokens,
        completion_tokens: result.completionTokens,
        total_tokens: result.promptTokens + result.completionTokens,
      });
    }
  } finally {
    options.signal.removeEventListener("abort", forwardAbort);
    controller.abort(new DOMException("The stream was closed", "AbortError"));
    await task;
  }
}
