import type { Gateway } from "@nexus/gateway";
import { type Embedder, normalize, type TokenCounts } from "./embedder.ts";

/** How many texts go to the gateway in one embeddings request. */
const batchSize = 64;
/** How many texts go to the gateway in one tokenize call (a document's chunks, mostly). */
const countBatchSize = 1024;

/** Any embedding model the gateway routes (a local GGUF, Ollama, vLLM, OpenAI) by its alias. */
export function createGatewayEmbedder(gateway: Pick<Gateway, "embed" | "tokenize">, model: string): Embedder {
  async function embedBatch(texts: string[], context: Parameters<Embedder["embedDocuments"]>[1]) {
    const response = await gateway.embed({ model, input: texts, encoding_format: "float" }, context);
    const vectors = new Array<Float32Array>(texts.length);
    for (const item of response.data) {
      const values =
        typeof item.embedding === "string"
          ? new Float32Array(new Uint8Array(Buffer.from(item.embedding, "base64")).buffer)
          : Float32Array.from(item.embedding);
      vectors[item.index] = normalize(values);
    }
    if (vectors.some((vector) => vector === undefined)) {
      throw new Error(
        `the embedding model '${model}' returned ${response.data.length} vectors for ${texts.length} texts`,
      );
    }
    return { vectors, tokens: response.usage?.total_tokens ?? 0 };
  }
  return {
    model,
    embedDocuments: async (texts, context) => {
      const vectors: Float32Array[] = [];
      let tokens = 0;
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = await embedBatch(texts.slice(start, start + batchSize), context);
        vectors.push(...batch.vectors);
        tokens += batch.tokens;
      }
      return { vectors, tokens };
    },
    embedQuery: async (text, context) => (await embedBatch([text], context)).vectors[0] as Float32Array,
    countTokens: async (texts, context) => {
      const total: TokenCounts = { counts: [], exact: true };
      for (let start = 0; start < texts.length; start += countBatchSize) {
        const answer = await gateway.tokenize(
          { model, input: texts.slice(start, start + countBatchSize) },
          context,
        );
        total.counts.push(...answer.counts);
        total.exact &&= answer.exact;
        if (answer.maxInputTokens !== undefined) total.maxInputTokens = answer.maxInputTokens;
      }
      return total;
    },
  };
}
