import type { UpstreamAnthropicEvent } from "./anthropic-messages.ts";
import { openaiFinishOf, openaiUsageOf } from "./anthropic-upstream-translation.ts";
import type { ChatCompletionChunk, Usage } from "./openai-chat.ts";

/**
 * Turns Anthropic's stream events into OpenAI chunks as they arrive: `message_start` gives the
 * role chunk, text and tool-input deltas give content and tool-call chunks, `message_delta` gives
 * the one chunk with a finish reason, and `message_stop` the usage chunk when it was asked for.
 * Thinking blocks and pings give nothing. Error events are the caller's (see the provider).
 */
export interface OpenAIChunkDecoder {
  /** The chunks for one event, in order. */
  decode(event: UpstreamAnthropicEvent): ChatCompletionChunk[];
  /** `message_stop` arrived: the answer is complete. */
  readonly finished: boolean;
}

export interface OpenAIChunkDecoderOptions {
  /** End with a chunk carrying usage and no choices (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** Reported as the chunks' `model` until `message_start` names the upstream's. */
  model: string;
}

/**
 * @example
 * const decoder = createOpenAIChunkDecoder({ includeUsage: true, model: "claude-x" });
 * for (const event of events) yield* decoder.decode(event);
 */
export function createOpenAIChunkDecoder(options: OpenAIChunkDecoderOptions): OpenAIChunkDecoder {
  let id = "msg_unknown";
  let model = options.model;
  const created = Math.floor(Date.now() / 1000);
  let finished = false;
  let finishSent = false;
  /** Anthropic content block index → OpenAI tool-call index. */
  const toolCalls = new Map<number, number>();
  let usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let startUsage: {
    input_tokens?: number | null;
    cache_creation_input_tokens?: number | null;
    cache_read_input_tokens?: number | null;
  } = {};

  const chunk = (
    delta: ChatCompletionChunk["choices"][number]["delta"],
    finishReason: ChatCompletionChunk["choices"][number]["finish_reason"] = null,
  ): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  return {
    get finished() {
      return finished;
    },

    decode(event) {
      switch (event.type) {
        case "message_start":
          id = event.message.id;
          model = event.message.model ?? model;
          startUsage = event.message.usage ?? {};
          return [chunk({ role: "assistant", content: "" })];
        case "content_block_start": {
          const block = event.content_block;
          if (block.type === "tool_use") {
            const index = toolCalls.size;
            toolCalls.set(event.index, index);
            const call = {
              index,
              id: block.id ?? "",
              type: "function" as const,
              function: { name: block.name ?? "", arguments: "" },
            };
            return [chunk({ tool_calls: [call] })];
          }
          // A text block may start with text already (Anthropic sends it empty, others may not).
          return block.type === "text" && block.text ? [chunk({ content: block.text })] : [];
        }
        case "content_block_delta": {
          const { delta } = event;
          if (delta.type === "text_delta" && delta.text) return [chunk({ content: delta.text })];
          const index = toolCalls.get(event.index);
          if (delta.type === "input_json_delta" && delta.partial_json && index !== undefined) {
            return [chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
          }
          return [];
        }
        case "message_delta":
          // message_delta's counts are the whole message's so far; input counts may be left out.
          usage = openaiUsageOf({ ...startUsage, ...withoutNulls(event.usage ?? {}) });
          if (finishSent) return [];
          finishSent = true;
          return [chunk({}, openaiFinishOf(event.delta.stop_reason))];
        case "message_stop": {
          finished = true;
          // OpenAI clients wait for a finish reason; an upstream that skipped message_delta still ends.
          const last = finishSent ? [] : [chunk({}, "stop")];
          finishSent = true;
          if (!options.includeUsage) return last;
          return [...last, { id, object: "chat.completion.chunk", created, model, choices: [], usage }];
        }
        default:
          return [];
      }
    },
  };
}

const withoutNulls = <T extends Record<string, unknown>>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry != null)) as Partial<T>;
