import type { AnthropicContentBlockParam, AnthropicCountTokensRequest } from "./anthropic-messages.ts";

/** English text averages about four characters per token across common tokenizers. */
const charactersPerToken = 4;
/** Role markers and separators each message adds. */
const tokensPerMessage = 3;
/** Anthropic bills an image by its size (width × height / 750); a typical ~1 megapixel image. */
const tokensPerImage = 1_600;

/**
 * An estimate of a Messages request's input tokens, for `POST /v1/messages/count_tokens`: no
 * tokenizer is run (models behind the gateway use different ones), so it counts characters.
 *
 * @example
 * estimateAnthropicInputTokens({ model: "m", messages: [{ role: "user", content: "Hello, world" }] }); // 6
 */
export function estimateAnthropicInputTokens(request: AnthropicCountTokensRequest): number {
  let characters = 0;
  let images = 0;
  const countBlocks = (blocks: AnthropicContentBlockParam[]) => {
    for (const block of blocks) {
      if (block.type === "text") characters += block.text.length;
      else if (block.type === "image") images++;
      else if (block.type === "tool_use")
        characters += block.name.length + JSON.stringify(block.input).length;
      else if (block.type === "tool_result") {
        if (typeof block.content === "string") characters += block.content.length;
        else countBlocks(block.content ?? []);
      }
    }
  };
  if (typeof request.system === "string") characters += request.system.length;
  else countBlocks(request.system ?? []);
  for (const message of request.messages) {
    if (typeof message.content === "string") characters += message.content.length;
    else countBlocks(message.content);
  }
  for (const tool of request.tools ?? []) characters += JSON.stringify(tool).length;
  return (
    Math.ceil(characters / charactersPerToken) +
    request.messages.length * tokensPerMessage +
    images * tokensPerImage
  );
}
