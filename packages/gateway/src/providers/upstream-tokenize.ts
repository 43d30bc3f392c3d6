import { z } from "zod";
import type { ProviderTokenCounts } from "../protocol/tokenize.ts";
import { ProviderError } from "./provider-error.ts";

/** Texts counted at once against one upstream: vLLM's `/tokenize` takes one prompt per request. */
const parallelRequests = 8;
/** How long an upstream found without vLLM's `/tokenize` is not asked again. */
const unsupportedForMs = 10 * 60_000;

// Lenient, but `count` is required: llama.cpp's server also has a `/tokenize`, which ignores
// `prompt` and answers `{"tokens": []}`: taking that for zero tokens would be wrong, not estimated.
const vllmTokenizeAnswer = z.object({
  count: z.number().int().nonnegative(),
  max_model_len: z.number().nullish(),
});

/**
 * vLLM's tokenizer endpoint, `POST /tokenize` at the server root (beside `/v1`): body
 * `{model, prompt, add_special_tokens}`, answer `{count, max_model_len, tokens}`. An upstream
 * without it (OpenAI, Ollama, LM Studio answer 404; llama.cpp answers without `count`) is
 * remembered for a while and answered `tokenize_not_supported`, so the gateway estimates without
 * asking again for every batch.
 */
export function createVllmTokenizeClient(providerId: string) {
  let unsupportedUntil = 0;
  return {
    async count(
      texts: string[],
      post: (prompt: string) => Promise<unknown>,
      isMissingEndpoint: (error: ProviderError) => boolean,
    ): Promise<ProviderTokenCounts> {
      if (Date.now() < unsupportedUntil) throw tokenizeNotSupported(providerId, "it had no vLLM /tokenize");
      const counts = new Array<number>(texts.length);
      let maxInputTokens: number | undefined;
      let next = 0;
      let failed = false;
      const worker = async () => {
        while (!failed && next < texts.length) {
          const index = next++;
          let answer: unknown;
          try {
            answer = await post(texts[index] as string);
          } catch (error) {
            failed = true;
            if (error instanceof ProviderError && isMissingEndpoint(error)) {
              unsupportedUntil = Date.now() + unsupportedForMs;
              throw tokenizeNotSupported(providerId, `POST /tokenize answered 404: ${error.message}`, error);
            }
            throw error;
          }
          const parsed = vllmTokenizeAnswer.safeParse(answer);
          if (!parsed.success) {
            failed = true;
            unsupportedUntil = Date.now() + unsupportedForMs;
            throw tokenizeNotSupported(providerId, "POST /tokenize did not answer vLLM's {count}");
          }
          counts[index] = parsed.data.count;
          if (parsed.data.max_model_len) maxInputTokens = parsed.data.max_model_len;
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallelRequests, texts.length) }, worker));
      return { counts, ...(maxInputTokens ? { maxInputTokens } : {}) };
    },
  };
}

function tokenizeNotSupported(providerId: string, detail: string, cause?: unknown): ProviderError {
  return new ProviderError(`Upstream '${providerId}' has no tokenizer endpoint (${detail})`, {
    status: 400,
    type: "invalid_request_error",
    code: "tokenize_not_supported",
    param: "model",
    retryable: false,
    cause,
  });
}
