import type { Store } from "@nexus/core";
import type { ChunkIndex } from "./chunk-index.ts";
import { createPostgresChunkIndex } from "./postgres-chunk-index.ts";
import { createSqliteChunkIndex } from "./sqlite-chunk-index.ts";

/** The chunk index for a store's database. */
export function createChunkIndex(store: Pick<Store, "db" | "dialect">): Promise<ChunkIndex> {
  return store.dialect === "sqlite" ? createSqliteChunkIndex(store.db) : createPostgresChunkIndex(store.db);
}
