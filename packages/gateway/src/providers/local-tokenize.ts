import type { LlamaModel, Token } from "node-llama-cpp";
import type { ProviderTokenCounts } from "../protocol/tokenize.ts";

/**
 * Counts texts with a loaded GGUF model's tokenizer as its embedding context will see them:
 * `model.tokenize(text)` plus the beginning and end tokens llama.cpp adds to a lone input for its
 * vocabulary type (WPM: CLS/BOS and SEP, as BERT-style embedders; UGM: EOS; SPM/BPE: BOS or EOS
 * when the model's metadata asks), the same rule node-llama-cpp's LlamaEmbeddingContext applies.
 * An embedding context refuses an input that fills it, so one input may hold `contextSize - 1`.
 */
export function countLocalTokens(
  model: LlamaModel,
  texts: string[],
  contextSize: number,
): ProviderTokenCounts {
  const { beginning, end } = addedTokens(model);
  const counts = texts.map((text) => {
    const tokens = model.tokenize(text);
    // An empty input is embedded as nothing at all: no special tokens either.
    if (tokens.length === 0) return 0;
    return (
      tokens.length +
      (beginning !== null && tokens[0] !== beginning ? 1 : 0) +
      (end !== null && tokens.at(-1) !== end ? 1 : 0)
    );
  });
  return { counts, maxInputTokens: contextSize - 1 };
}

function addedTokens(model: LlamaModel): { beginning: Token | null; end: Token | null } {
  const { tokens } = model;
  // Compared as strings: node-llama-cpp is imported lazily (local-model-pool.ts), its enum is not.
  switch (model.vocabularyType as string) {
    case "rwkv":
      return { beginning: null, end: null };
    case "wpm":
      return { beginning: tokens.bos, end: tokens.sep };
    case "ugm":
      return { beginning: null, end: tokens.eos };
    default:
      return {
        beginning: tokens.shouldPrependBosToken ? tokens.bos : null,
        end: tokens.shouldAppendEosToken ? tokens.eos : null,
      };
  }
}
