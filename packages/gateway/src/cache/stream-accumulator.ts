import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  FinishReason,
  Usage,
} from "../protocol/openai-chat.ts";

type ToolCall = NonNullable<ChatCompletion["choices"][number]["message"]["tool_calls"]>[number];

interface ChoiceState {
  content: string;
  sawContent: boolean;
  toolCalls: Map<number, ToolCall>;
  finishReason: FinishReason | null;
}

/** Builds one whole completion out of a stream's chunks, as they pass. */
export interface StreamAccumulator {
  /** Takes the next chunk, in stream order. */
  add(chunk: ChatCompletionChunk): void;
  /** True once every choice seen has a finish reason: the stream ended properly, not cut off. */
  readonly finished: boolean;
  /** The last usage the stream reported (`stream_options.include_usage`), if any. */
  readonly usage: Usage | undefined;
  /**
   * The completion so far: content and tool-call arguments concatenated, id, model and created
   * from the first chunk. A choice the stream never finished has `finish_reason: null`.
   */
  completion(): ChatCompletion;
}

/**
 * Collects streamed chunks into the ChatCompletion a non-streamed call would have returned, so a
 * streamed answer can be cached and accounted like a JSON one.
 *
 * @example
 * const accumulator = createStreamAccumulator();
 * for await (const chunk of provider.doStream(request, options)) { accumulator.add(chunk); yield chunk; }
 * if (accumulator.finished) await cache.store(context, request, policy, accumulator.completion());
 */
export function createStreamAccumulator(): StreamAccumulator {
  const choices = new Map<number, ChoiceState>();
  let header: Pick<ChatCompletion, "id" | "created" | "model"> | undefined;
  let usage: Usage | undefined;

  const choiceAt = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = { content: "", sawContent: false, toolCalls: new Map(), finishReason: null };
      choices.set(index, state);
    }
    return state;
  };

  return {
    add(chunk) {
      header ??= { id: chunk.id, created: chunk.created, model: chunk.model };
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices ?? []) {
        const state = choiceAt(choice.index);
        const { content, tool_calls: toolCalls } = choice.delta ?? {};
        if (typeof content === "string" && content !== "") {
          state.content += content;
          state.sawContent = true;
        }
        for (const delta of toolCalls ?? []) {
          const call = state.toolCalls.get(delta.index) ?? {
            id: "",
            type: "function" as const,
            function: { name: "", arguments: "" },
          };
          if (delta.id) call.id = delta.id;
          // Servers send the name whole in the call's first delta; some repeat it later.
          if (delta.function?.name && call.function.name === "") call.function.name = delta.function.name;
          if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
          state.toolCalls.set(delta.index, call);
        }
        if (choice.finish_reason) state.finishReason = choice.finish_reason;
      }
    },
    get finished() {
      return choices.size > 0 && [...choices.values()].every((state) => state.finishReason !== null);
    },
    get usage() {
      return usage;
    },
    completion() {
      if (choices.size === 0) choiceAt(0);
      const built = [...choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, state]) => {
          const toolCalls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
          const message: ChatCompletion["choices"][number]["message"] = {
            role: "assistant",
            content: state.sawContent || toolCalls.length === 0 ? state.content : null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls.map((call) => structuredClone(call)) } : {}),
          };
          return { index, message, finish_reason: state.finishReason };
        });
      return {
        id: header?.id ?? "",
        object: "chat.completion",
        created: header?.created ?? 0,
        model: header?.model ?? "",
        choices: built,
        ...(usage ? { usage: { ...usage } } : {}),
      };
    },
  };
}

/** Reads a whole stream into one completion (see createStreamAccumulator). */
export async function accumulateStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletion> {
  const accumulator = createStreamAccumulator();
  for await (const chunk of stream) accumulator.add(chunk);
  return accumulator.completion();
}

/** Content is replayed in at most this many pieces: enough to look like a stream, few enough to be cheap. */
const maxContentPieces = 8;

/**
 * Replays a (cached) completion as the OpenAI chunks a streamed call would have sent: a role
 * chunk, the content in a few pieces split at whitespace, each tool call whole, a finish chunk,
 * and, when the request asks for `stream_options.include_usage` and the completion has usage,
 * a last chunk with empty choices and the usage (other chunks then carry `usage: null`, as
 * OpenAI's do).
 */
export async function* replayAsStream(
  completion: ChatCompletion,
  request: Pick<ChatCompletionRequest, "stream_options">,
): AsyncGenerator<ChatCompletionChunk> {
  const includeUsage = request.stream_options?.include_usage === true;
  const chunk = (
    index: number,
    delta: ChatCompletionChunk["choices"][number]["delta"],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk => ({
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    choices: [{ index, delta, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });

  for (const choice of completion.choices) {
    const { content, tool_calls: toolCalls } = choice.message;
    yield chunk(choice.index, { role: "assistant", content: "" });
    for (const piece of splitIntoPieces(content ?? "", maxContentPieces)) {
      yield chunk(choice.index, { content: piece });
    }
    for (const [index, call] of (toolCalls ?? []).entries()) {
      yield chunk(choice.index, {
        tool_calls: [{ index, id: call.id, type: "function", function: { ...call.function } }],
      });
    }
    yield chunk(choice.index, {}, choice.finish_reason ?? "stop");
  }
  if (includeUsage && completion.usage) {
    yield {
      id: completion.id,
      object: "chat.completion.chunk",
      created: completion.created,
      model: completion.model,
      choices: [],
      usage: { ...completion.usage },
    };
  }
}

/** Splits text at whitespace into at most `count` pieces of roughly equal length; joined, they are the text. */
export function splitIntoPieces(text: string, count: number): string[] {
  if (text === "") return [];
  const words = text.split(/(?<=\s)/);
  const target = Math.ceil(text.length / count);
  const pieces: string[] = [];
  let current = "";
  for (const word of words) {
    current += word;
    if (current.length >= target && pieces.length < count - 1) {
      pieces.push(current);
      current = "";
    }
  }
  if (current !== "") pieces.push(current);
  return pieces;
}
