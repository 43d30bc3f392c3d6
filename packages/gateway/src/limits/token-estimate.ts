import type { ChatCompletionRequest, EmbeddingRequest } from "../protocol/openai-chat.ts";

/**
 * Characters per token for the estimate. English text and code average about four characters per
 * token with GPT-style tokenizers; the true count arrives with the response and replaces this
 * estimate when the admission is settled, so it only needs to be close.
 */
const charactersPerToken = 4;
/** Role markers and separators every chat message costs on top of its text. */
const tokensPerMessage = 4;
/** What an image part is reserved at: OpenAI bills a low-detail image at 85 tokens and more for high detail. */
const tokensPerImage = 85;

/**
 * A quick prompt-size estimate for reserving tokens at admission: characters / 4 (plus a few
 * tokens per message and a flat charge per image). No tokenizer runs on the hot path.
 *
 * @example
 * estimatePromptTokens({ model: "chat", messages: [{ role: "user", content: "Hello there" }] }); // 7
 */
export function estimatePromptTokens(request: ChatCompletionRequest | EmbeddingRequest): number {
  if ("messages" in request) {
    let characters = 0;
    let extra = 0;
    for (const message of request.messages) {
      extra += tokensPerMessage;
      const { content } = message;
      if (typeof content === "string") characters += content.length;
      else if (Array.isArray(content)) {
        for (const part of content) {
          if (part.type === "text") characters += part.text.length;
          else extra += tokensPerImage;
        }
      }
      if (message.role === "assistant" && message.tool_calls) {
        for (const call of message.tool_calls) {
          characters += call.function.name.length + call.function.arguments.length;
        }
      }
    }
    if (request.tools) characters += JSON.stringify(request.tools).length;
    return Math.ceil(characters / charactersPerToken) + extra;
  }
  return estimateEmbeddingInput(request.input);
}

function estimateEmbeddingInput(input: EmbeddingRequest["input"]): number {
  if (typeof input === "string") return Math.ceil(input.length / charactersPerToken);
  let tokens = 0;
  for (const item of input) {
    // Token-id inputs are exact: one number is one token.
    if (typeof item === "number") tokens += 1;
    else if (typeof item === "string") tokens += Math.ceil(item.length / charactersPerToken);
    else tokens += item.length;
  }
  return tokens;
}
