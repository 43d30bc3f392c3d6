import os from "node:os";
import type { LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import type { EmbeddingRequest, EmbeddingResponse } from "../protocol/openai-chat.ts";
import { ProviderError } from "./provider-error.ts";

/** The request's inputs as texts or token lists, one per embedding. */
export function embeddingInputs(input: EmbeddingRequest["input"]): Array<string | number[]> {
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as Array<string | number[]>;
}

/** Embeds every input in order with one model's embedding context. */
export async function embedWithContext(
  request: EmbeddingRequest,
  modelId: string,
  context: LlamaEmbeddingContext,
  model: LlamaModel,
  signal: AbortSignal,
): Promise<EmbeddingResponse> {
  const data: EmbeddingResponse["data"] = [];
  let promptTokens = 0;
  for (const [index, input] of embeddingInputs(request.input).entries()) {
    signal.throwIfAborted();
    const tokens = typeof input === "string" ? model.tokenize(input) : (input as Token[]);
    promptTokens += tokens.length;
    const embedding = await context.getEmbeddingFor(tokens);
    const vector = [...embedding.vector];
    if (request.dimensions !== undefined && request.dimensions !== vector.length) {
      throw new ProviderError(
        `The local model '${modelId}' gives ${vector.length}-dimensional embeddings; 'dimensions' must be omitted or ${vector.length}`,
        { status: 400, type: "invalid_request_error", param: "dimensions", retryable: false },
      );
    }
    data.push({
      object: "embedding",
      index,
      embedding: request.encoding_format === "base64" ? toBase64(vector) : vector,
    });
  }
  return {
    object: "list",
    data,
    model: modelId,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** OpenAI's base64 encoding: the vector as little-endian float32s. */
function toBase64(vector: number[]): string {
  const floats = new Float32Array(vector);
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  return (os.endianness() === "LE" ? bytes : Buffer.from(bytes).swap32()).toString("base64");
}
