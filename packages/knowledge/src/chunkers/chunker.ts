import type { Gateway } from "@nexus/gateway";
import type { EmbedContext } from "../embedders/embedder.ts";
import type { ChunkingSettings } from "../knowledge-settings.ts";
import type { DocumentSection } from "../parsers/document-parser.ts";

/** A chunk before it is embedded and stored. */
export interface ChunkDraft {
  /** What is embedded, indexed and matched. */
  content: string;
  /** Returned instead of `content` for a hit (parent-child chunking). */
  parentContent?: string;
  page?: number;
  metadata: Record<string, unknown>;
}

export interface ChunkerContext {
  /** For chunkers that ask a model (QA generation). */
  gateway?: Pick<Gateway, "generate">;
  embedContext: EmbedContext;
  /** Reports chunking progress (QA generation is slow): done of total. */
  onProgress?(done: number, total: number): void;
}

/** Cuts parsed sections into chunks. One file per strategy, listed in chunker-registry.ts. */
export interface Chunker {
  readonly strategy: ChunkingSettings["strategy"];
  doChunk(
    sections: DocumentSection[],
    settings: ChunkingSettings,
    context: ChunkerContext,
  ): Promise<ChunkDraft[]>;
}
