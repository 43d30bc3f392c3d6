import { z } from "zod";

/**
 * Counting texts in a model's own tokens (`Gateway.tokenize`): what chunkers need to keep every
 * chunk within an embedding model's limits. Each text is counted as the model sees it alone,
 * special tokens it adds (BOS, EOS, SEP) included, as vLLM's `/tokenize` counts with its default
 * `add_special_tokens: true`.
 */

/** The most texts one tokenize call takes; callers batch beyond it. */
export const maxTokenizeInputs = 4096;

export const tokenizeRequestSchema = z
  .object({
    /** An alias or model name, resolved as for embeddings. */
    model: z.string().min(1).max(256),
    /** Texts counted one by one, in order. */
    input: z
      .array(z.string(), { error: "must be an array of strings" })
      .max(maxTokenizeInputs, `must hold at most ${maxTokenizeInputs} texts`),
  })
  .strict();

export type TokenizeRequest = z.infer<typeof tokenizeRequestSchema>;

/** A provider's answer: exact counts by the model's tokenizer. */
export interface ProviderTokenCounts {
  /** Tokens of each input, in input order. */
  counts: number[];
  /** The most tokens one input may hold (the model's context for it), when the provider knows. */
  maxInputTokens?: number;
}

/**
 * The gateway's answer: always a number per text; `exact` says whether the model's tokenizer
 * counted them or (no deployment of the model can tokenize) they are `estimateTextTokens`.
 *
 * @example
 * { model: "embedder", counts: [12, 431], exact: true, maxInputTokens: 511 }
 */
export interface TokenizeResponse extends ProviderTokenCounts {
  /** The model name asked for. */
  model: string;
  exact: boolean;
}
