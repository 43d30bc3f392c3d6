import type { ChatCompletionChunk } from "../protocol/openai-chat.ts";

/** Reads a chat completion stream to its end, for a test to look at every chunk. */
export async function collectChunks(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The text the chunks' first choice carries, joined. */
export const textOfChunks = (chunks: ChatCompletionChunk[]): string =>
  chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
