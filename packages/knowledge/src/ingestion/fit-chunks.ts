import { estimateTextTokens, invalidRequest } from "@nexus/core";
import type { ChunkDraft } from "../chunkers/chunker.ts";
import { splitText } from "../chunkers/split-text.ts";
import type { EmbedContext, Embedder } from "../embedders/embedder.ts";
import type { ChunkingSettings } from "../knowledge-settings.ts";
import { DocumentError } from "../parsers/document-parser.ts";

/** Rounds of count-then-split; each shrinks an over-long piece by its measured excess, so two nearly always do. */
const maxRounds = 6;
/** Re-split pieces aim this far under the limit: token density varies within a chunk. */
const headroom = 0.9;

export interface FitOptions {
  embedder: Embedder;
  settings: ChunkingSettings;
  context: EmbedContext;
}

/**
 * Makes every chunk fit the embedding model in its own tokens. The chunkers cut by an estimate;
 * here each chunk is counted with the model's tokenizer (one gateway call per batch of a
 * document's chunks) and any over the knowledge base's chunk size, or over the most the model
 * takes in one input, is split again at the same separators, aiming under the limit by the ratio
 * it was over, then counted again. Each chunk's count lands in `metadata.tokens` (with
 * `tokensEstimated: true` where no tokenizer was reachable: then nothing is re-split, the
 * estimate being what the chunker already cut by).
 */
export async function fitChunksToModel(drafts: ChunkDraft[], options: FitOptions): Promise<ChunkDraft[]> {
  const { settings } = options;
  let items: Array<{ draft: ChunkDraft; tokens: number | undefined }> = drafts.map((draft) => ({
    draft,
    tokens: undefined,
  }));
  for (let round = 0; round < maxRounds; round++) {
    const uncounted = items.filter((item) => item.tokens === undefined);
    if (uncounted.length === 0) break;
    const answer = await options.embedder.countTokens(
      uncounted.map((item) => item.draft.content),
      options.context,
    );
    for (const [index, item] of uncounted.entries()) item.tokens = answer.counts[index] ?? 0;
    if (!answer.exact) return items.map(({ draft, tokens }) => withTokens(draft, tokens ?? 0, false));
    const limit = Math.min(settings.size, answer.maxInputTokens ?? Number.POSITIVE_INFINITY);
    let over = false;
    items = items.flatMap((item) => {
      if ((item.tokens as number) <= limit) return [item];
      over = true;
      return splitSmaller(item.draft, item.tokens as number, limit, settings).map((draft) => ({
        draft,
        tokens: undefined,
      }));
    });
    if (!over) break;
  }
  const unfit = items.find((item) => item.tokens === undefined);
  if (unfit) {
    throw new DocumentError(
      `a chunk could not be cut under the embedding model's limit in ${maxRounds} rounds: "${unfit.draft.content.slice(0, 60)}…"`,
    );
  }
  return items.map(({ draft, tokens }) => withTokens(draft, tokens as number, true));
}

/**
 * An edited chunk's token count for its metadata; throws a 400 when the model counts it over the
 * knowledge base's chunk size or the model's input limit (an edit re-embeds one chunk, it does not split).
 */
export async function countEditedChunk(
  embedder: Embedder,
  text: string,
  settings: ChunkingSettings,
  context: EmbedContext,
): Promise<{ tokens: number; tokensEstimated?: true }> {
  const answer = await embedder.countTokens([text], context);
  const tokens = answer.counts[0] ?? 0;
  if (!answer.exact) return { tokens, tokensEstimated: true };
  const limit = Math.min(settings.size, answer.maxInputTokens ?? Number.POSITIVE_INFINITY);
  if (tokens > limit) {
    throw invalidRequest(
      `the chunk is ${tokens} tokens of '${embedder.model}'; this knowledge base's chunks hold at most ${limit}`,
      "content",
    );
  }
  return { tokens };
}

/** Pieces of an over-long chunk, each aimed under `limit` by the ratio the whole was over it. */
function splitSmaller(draft: ChunkDraft, tokens: number, limit: number, settings: ChunkingSettings) {
  const ratio = limit / tokens;
  const size = Math.max(1, Math.floor(estimateTextTokens(draft.content) * ratio * headroom));
  const overlap = Math.max(0, Math.min(size - 1, Math.floor(settings.overlap * ratio)));
  let pieces = splitText(draft.content, size, overlap, settings.separators);
  if (pieces.length < 2) {
    // The estimate saw nothing to cut (a very dense piece): halve it by characters.
    const characters = [...draft.content];
    const middle = Math.ceil(characters.length / 2);
    pieces = [characters.slice(0, middle).join(""), characters.slice(middle).join("")].filter(Boolean);
  }
  return pieces.map((content): ChunkDraft => ({ ...draft, content, metadata: { ...draft.metadata } }));
}

function withTokens(draft: ChunkDraft, tokens: number, exact: boolean): ChunkDraft {
  return {
    ...draft,
    metadata: { ...draft.metadata, tokens, ...(exact ? {} : { tokensEstimated: true }) },
  };
}
