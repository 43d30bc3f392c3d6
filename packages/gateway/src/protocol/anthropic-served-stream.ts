import { randomUUID } from "node:crypto";
import type { AnthropicStreamEvent } from "./anthropic-messages.ts";
import { anthropicMessageId, anthropicStopOf, anthropicUsageOf } from "./anthropic-served-translation.ts";
import type { ChatCompletionChunk, FinishReason, Usage } from "./openai-chat.ts";

/**
 * Turns the gateway's OpenAI chunks into Anthropic's stream events, one chunk at a time, so an
 * Anthropic client sees each piece as soon as the model makes it. Anthropic's stream is a
 * sequence of content blocks (text, tool_use), one open at a time; OpenAI's is a flat sequence
 * of text and tool-call deltas, so a change of kind closes one block and opens the next.
 * The stop reason and usage arrive at the end of OpenAI's stream and go out in `message_delta`.
 */
export interface AnthropicEventEncoder {
  /** The events for one chunk, in order (the first chunk also opens the message). */
  encode(chunk: ChatCompletionChunk): AnthropicStreamEvent[];
  /** The closing events, once the chunks have ended. */
  finish(): AnthropicStreamEvent[];
}

export interface AnthropicEventEncoderOptions {
  /** The model name the client asked for, echoed in `message_start`. */
  model: string;
  /** The request's stop sequences, to report which one ended the text when the upstream says. */
  stopSequences?: readonly string[];
}

/**
 * @example
 * const encoder = createAnthropicEventEncoder({ model: "my-model" });
 * for await (const chunk of gateway.stream(request, context)) send(encoder.encode(chunk));
 * send(encoder.finish());
 */
export function createAnthropicEventEncoder(options: AnthropicEventEncoderOptions): AnthropicEventEncoder {
  let started = false;
  let blockCount = 0;
  let openBlock: { index: number; kind: "text" | "tool_use" } | undefined;
  /** OpenAI tool-call index → Anthropic content block index. */
  const toolBlocks = new Map<number, number>();
  let finishReason: FinishReason | null = null;
  let matchedStop: unknown;
  let usage: Usage | null | undefined;

  function start(completionId: string, events: AnthropicStreamEvent[]): void {
    if (started) return;
    started = true;
    events.push({
      type: "message_start",
      message: {
        id: anthropicMessageId(completionId),
        type: "message",
        role: "assistant",
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Not known until the end; the final message_delta carries the real counts.
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
    events.push({ type: "ping" });
  }

  function closeOpenBlock(events: AnthropicStreamEvent[]): void {
    if (!openBlock) return;
    events.push({ type: "content_block_stop", index: openBlock.index });
    openBlock = undefined;
  }

  function openText(events: AnthropicStreamEvent[]): number {
    if (openBlock?.kind === "text") return openBlock.index;
    closeOpenBlock(events);
    openBlock = { index: blockCount++, kind: "text" };
    events.push({
      type: "content_block_start",
      index: openBlock.index,
      content_block: { type: "text", text: "" },
    });
    return openBlock.index;
  }

  return {
    encode(chunk) {
      const events: AnthropicStreamEvent[] = [];
      start(chunk.id, events);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return events;
      const { content, tool_calls: toolCalls } = choice.delta ?? {};
      if (content) {
        const index = openText(events);
        events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: content } });
      }
      for (const call of toolCalls ?? []) {
        let index = toolBlocks.get(call.index);
        if (index === undefined) {
          closeOpenBlock(events);
          index = blockCount++;
          toolBlocks.set(call.index, index);
          openBlock = { index, kind: "tool_use" };
          events.push({
            type: "content_block_start",
            index,
            content_block: {
              type: "tool_use",
              id: call.id ?? `toolu_${randomUUID().replaceAll("-", "")}`,
              name: call.function?.name ?? "",
              input: {},
            },
          });
        }
        const partial = call.function?.arguments;
        if (partial) {
          events.push({
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json: partial },
          });
        }
      }
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
        matchedStop = (choice as { stop_reason?: unknown }).stop_reason;
      }
      return events;
    },

    finish() {
      const events: AnthropicStreamEvent[] = [];
      start("nexus", events);
      closeOpenBlock(events);
      const { input_tokens, output_tokens } = anthropicUsageOf(usage);
      events.push({
        type: "message_delta",
        delta: anthropicStopOf(finishReason, matchedStop, options.stopSequences),
        usage: { input_tokens, output_tokens },
      });
      events.push({ type: "message_stop" });
      return events;
    },
  };
}

/** The whole translation over an iterable of chunks; stopping early stops the chunks. */
export async function* openaiChunksToAnthropicEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  options: AnthropicEventEncoderOptions,
): AsyncGenerator<AnthropicStreamEvent> {
  const encoder = createAnthropicEventEncoder(options);
  for await (const chunk of chunks) yield* encoder.encode(chunk);
  yield* encoder.finish();
}
