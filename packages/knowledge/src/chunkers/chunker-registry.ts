import type { ChunkingSettings } from "../knowledge-settings.ts";
import type { Chunker } from "./chunker.ts";
import { generalChunker } from "./general-chunker.ts";
import { markdownChunker } from "./markdown-chunker.ts";
import { parentChildChunker } from "./parent-child-chunker.ts";
import { qaChunker } from "./qa-chunker.ts";

/** Every chunking strategy; adding one is a file and a line here. */
export const chunkers: Record<ChunkingSettings["strategy"], Chunker> = {
  general: generalChunker,
  markdown: markdownChunker,
  "parent-child": parentChildChunker,
  qa: qaChunker,
};
