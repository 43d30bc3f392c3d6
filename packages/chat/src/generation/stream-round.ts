import { newId } from "@nexus/core";
import type { ChatCompletionChunk } from "@nexus/gateway";

/** A tool call the model made, assembled from its streamed pieces. */
export interface StreamedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What one model call produced besides its text (which went to `onText` as it came). */
export interface RoundResult {
  toolCalls: StreamedToolCall[];
  usage?: { promptTokens: number; completionTokens: number };
}

/**
 * Reads one streamed completion: text goes to `onText` chunk by chunk; tool calls, whose id,
 * name and arguments arrive in pieces keyed by index, are assembled; usage comes with the last
 * chunk when asked for.
 */
export async function streamRound(
  chunks: AsyncIterable<ChatCompletionChunk>,
  onText: (text: string) => void,
): Promise<RoundResult> {
  const calls = new Map<number, StreamedToolCall>();
  let usage: RoundResult["usage"];
  for await (const chunk of chunks) {
    if (chunk.usage) {
      usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
    }
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) onText(delta.content);
    for (const piece of delta.tool_calls ?? []) {
      const call = calls.get(piece.index) ?? { id: "", name: "", arguments: "" };
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
      calls.set(piece.index, call);
    }
  }
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    // Some servers send no id; results are matched to calls by it, so each needs one.
    .map(([, call]) => ({ ...call, id: call.id || newId("call") }));
  return { toolCalls, usage };
}
