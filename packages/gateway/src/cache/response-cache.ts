import type { Store } from "@nexus/core";
import type { ChatCompletion, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import type { RequestContext } from "../request-context.ts";
import type { CachePolicy } from "../routing/gateway-config.ts";
import { requestCacheKey, semanticPromptText, semanticScopeKey } from "./cache-key.ts";
import { asFreshCompletion, cacheableCompletion, parseStoredCompletion } from "./cached-completion.ts";
import { decodeVector, encodeVector, unitVector } from "./embedding-vector.ts";
import { type IndexedVector, SemanticIndex } from "./semantic-index.ts";

export interface ResponseCacheOptions {
  store: Store;
  /**
   * Embeds one text with the named model (any name the gateway resolves), for semantic matches.
   * Without it, `policy.semantic` is ignored and only exact matches are served.
   */
  embed?: (model: string, input: string, context: RequestContext) => Promise<number[]>;
  /** Epoch milliseconds; tests move it. Default `Date.now`. */
  now?: () => number;
  /** Rows kept per workspace; storing beyond it deletes the oldest. Default 10,000. */
  maxEntriesPerWorkspace?: number;
  /** Bounds of the in-memory vectors behind semantic lookups. */
  semanticIndex?: {
    /** Default: `maxEntriesPerWorkspace`, at most 5,000. */
    maxVectorsPerWorkspace?: number;
    /** Default 8. */
    maxWorkspaces?: number;
    /** Reload a workspace's vectors from the store this often, to see other replicas' entries. Default 30 s. */
    refreshMs?: number;
  };
  /**
   * Told about failures that `lookup` and `store` swallow (database or embedding errors), for
   * logs; a failed lookup is a miss and a failed store keeps nothing. Never given secrets.
   */
  onError?: (error: unknown, operation: "lookup" | "store") => void;
}

/** An answer served from the cache. */
export interface CacheHit {
  /** The cached answer with a fresh `id` and `created`; its `usage` is the original call's. */
  completion: ChatCompletion;
  kind: "exact" | "semantic";
  /** Cosine similarity of the prompts; 1 for an exact hit. */
  similarity: number;
}

export interface ResponseCache {
  /** The exact-match key of a request (see requestCacheKey). */
  cacheKey(request: ChatCompletionRequest): string;
  /**
   * The cached answer for the request in the context's workspace: an exact match first, then,
   * when `policy.semantic` is set and an embedder was given, the most similar unexpired answer
   * in the same scope (same model, parameters, system prompt and history; only the last user
   * text may differ) at or above the threshold. Entries older than `policy.ttlSeconds` are not
   * served even if stored under a longer TTL. Skipped (undefined) when `context.cacheDirective`
   * is `no-cache` or `no-store`. Never throws: failures are misses.
   */
  lookup(
    context: RequestContext,
    request: ChatCompletionRequest,
    policy: CachePolicy,
  ): Promise<CacheHit | undefined>;
  /**
   * Keeps an answer for `policy.ttlSeconds`, replacing an entry with the same key. Keeps nothing
   * for n>1, for `context.cacheDirective` `no-store`, or for an answer that is not whole
   * (unfinished, `content_filter`, malformed). Resolves
   * to whether it stored; never throws. Reuses the embedding computed by `lookup` for the same
   * request object.
   */
  store(
    context: RequestContext,
    request: ChatCompletionRequest,
    policy: CachePolicy,
    completion: ChatCompletion,
  ): Promise<boolean>;
  /** Deletes every expired entry of every workspace; resolves to how many. Throws on database errors. */
  purgeExpired(): Promise<number>;
}

const table = "gateway_response_cache";

/**
 * The gateway's response cache over the store (SQLite or PostgreSQL), shared by all replicas.
 * Workspaces never see each other's entries.
 *
 * @example
 * const cache = createResponseCache({
 *   store,
 *   embed: async (model, input, context) =>
 *     (await gateway.embed({ model, input }, context)).data[0]?.embedding as number[],
 * });
 * const hit = await cache.lookup(context, request, alias.cache);
 * if (!hit) await cache.store(context, request, alias.cache, await callUpstream(request));
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { db } = options.store;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntriesPerWorkspace ?? 10_000;
  const report = (error: unknown, operation: "lookup" | "store", context: RequestContext) => {
    if (!context.signal.aborted) options.onError?.(error, operation);
  };
  const index = new SemanticIndex({
    now,
    maxVectorsPerWorkspace: options.semanticIndex?.maxVectorsPerWorkspace ?? Math.min(maxEntries, 5_000),
    maxWorkspaces: options.semanticIndex?.maxWorkspaces ?? 8,
    refreshMs: options.semanticIndex?.refreshMs ?? 30_000,
    load: async (workspaceId, limit) => {
      const rows = await db
        .selectFrom(table)
        .select(["cache_key", "scope_key", "embedding", "embedding_model", "created_at", "expires_at"])
        .where("workspace_id", "=", workspaceId)
        .where("embedding", "is not", null)
        .where("expires_at", ">", now())
        .orderBy("created_at", "desc")
        .limit(limit)
        .execute();
      return rows.flatMap((row): IndexedVector[] => {
        const vector = row.embedding ? decodeVector(row.embedding) : undefined;
        if (!vector || !row.embedding_model) return [];
        const bucket = bucketOf(row.scope_key, row.embedding_model);
        return [
          { cacheKey: row.cache_key, bucket, vector, createdAt: row.created_at, expiresAt: row.expires_at },
        ];
      });
    },
  });
  // The prompt embedding of a request, computed once for its lookup and reused by its store.
  const embeddings = new WeakMap<
    ChatCompletionRequest,
    { model: string; vector: Promise<Float32Array | undefined> }
  >();

  const embedPrompt = (context: RequestContext, request: ChatCompletionRequest, model: string) => {
    const memo = embeddings.get(request);
    if (memo?.model === model) return memo.vector;
    const text = semanticPromptText(request);
    const vector =
      options.embed && text !== undefined
        ? options.embed(model, text, context).then((values) => unitVector(values))
        : Promise.resolve(undefined);
    // A failed embedding is not kept: the store after a failed lookup tries again.
    vector.catch(() => embeddings.delete(request));
    embeddings.set(request, { model, vector });
    return vector;
  };

  // Stores still being written, by workspace and key: an identical request arriving meanwhile
  // (the next one of a client repeating itself) waits for the entry instead of missing it.
  const pendingStores = new Map<string, Promise<boolean>>();
  const pendingKey = (workspaceId: string, cacheKey: string) => `${workspaceId}\n${cacheKey}`;

  /** The completion of an unexpired, young-enough row; counts the hit. Corrupt rows are misses. */
  const read = async (workspaceId: string, cacheKey: string, createdAfter: number) => {
    const row = await db
      .selectFrom(table)
      .select("response")
      .where("workspace_id", "=", workspaceId)
      .where("cache_key", "=", cacheKey)
      .where("expires_at", ">", now())
      .where("created_at", ">", createdAfter)
      .executeTakeFirst();
    const completion = row ? parseStoredCompletion(row.response) : undefined;
    if (!completion) return undefined;
    await db
      .updateTable(table)
      .set((expression) => ({ hits: expression("hits", "+", 1) }))
      .where("workspace_id", "=", workspaceId)
      .where("cache_key", "=", cacheKey)
      .execute();
    return completion;
  };

  const evictBeyondBound = async (workspaceId: string) => {
    const { count } = await db
      .selectFrom(table)
      .select((expression) => expression.fn.countAll().as("count"))
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirstOrThrow();
    const excess = Number(count) - maxEntries;
    if (excess <= 0) return;
    const oldest = await db
      .selectFrom(table)
      .select("cache_key")
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at", "asc")
      .orderBy("cache_key", "asc")
      .limit(excess)
      .execute();
    const keys = oldest.map((row) => row.cache_key);
    if (keys.length === 0) return;
    await db
      .deleteFrom(table)
      .where("workspace_id", "=", workspaceId)
      .where("cache_key", "in", keys)
      .execute();
    for (const key of keys) index.remove(workspaceId, key);
  };

  return {
    cacheKey: requestCacheKey,

    async lookup(context, request, policy) {
      const skip = context.cacheDirective === "no-cache" || context.cacheDirective === "no-store";
      if (skip || !cacheApplies(request, policy)) return undefined;
      const { workspaceId } = context;
      try {
        const cacheKey = requestCacheKey(request);
        await pendingStores.get(pendingKey(workspaceId, cacheKey));
        const createdAfter = now() - policy.ttlSeconds * 1000;
        const exact = await read(workspaceId, cacheKey, createdAfter);
        if (exact) return { completion: asFreshCompletion(exact, now()), kind: "exact", similarity: 1 };
        if (!policy.semantic || !options.embed) return undefined;
        const { embeddingModel, threshold } = policy.semantic;
        const query = await embedPrompt(context, request, embeddingModel);
        if (!query) return undefined;
        const bucket = bucketOf(semanticScopeKey(request), embeddingModel);
        for (const match of await index.search(workspaceId, bucket, query, threshold, createdAfter)) {
          const completion = await read(workspaceId, match.cacheKey, createdAfter);
          if (completion) {
            return {
              completion: asFreshCompletion(completion, now()),
              kind: "semantic",
              similarity: match.similarity,
            };
          }
          index.remove(workspaceId, match.cacheKey);
        }
        return undefined;
      } catch (error) {
        report(error, "lookup", context);
        return undefined;
      }
    },

    store(context, request, policy, completion) {
      if (!cacheApplies(request, policy) || context.cacheDirective === "no-store") {
        return Promise.resolve(false);
      }
      const cacheable = cacheableCompletion(completion);
      if (!cacheable) return Promise.resolve(false);
      const cacheKey = requestCacheKey(request);
      const key = pendingKey(context.workspaceId, cacheKey);
      const written = writeEntry(context, request, policy, cacheKey, cacheable);
      pendingStores.set(key, written);
      return written.then(async (stored) => {
        if (pendingStores.get(key) === written) pendingStores.delete(key);
        if (!stored) return false;
        try {
          await evictBeyondBound(context.workspaceId);
          return true;
        } catch (error) {
          report(error, "store", context);
          return false;
        }
      });
    },

    async purgeExpired() {
      const result = await db.deleteFrom(table).where("expires_at", "<=", now()).executeTakeFirst();
      // Held vectors of purged rows drop out as searches meet them expired.
      return Number(result.numDeletedRows);
    },
  };

  /** Writes the entry (and its vector); resolves to whether it did. Never throws. */
  async function writeEntry(
    context: RequestContext,
    request: ChatCompletionRequest,
    policy: CachePolicy,
    cacheKey: string,
    cacheable: NonNullable<ReturnType<typeof cacheableCompletion>>,
  ): Promise<boolean> {
    const { workspaceId } = context;
    let embedding: { vector: Float32Array; model: string } | undefined;
    if (policy.semantic && options.embed) {
      const model = policy.semantic.embeddingModel;
      // Without its embedding the answer is still worth keeping for exact matches.
      const vector = await embedPrompt(context, request, model).catch((error: unknown) => {
        report(error, "store", context);
        return undefined;
      });
      if (vector) embedding = { vector, model };
    }
    try {
      const createdAt = now();
      const row = {
        scope_key: semanticScopeKey(request),
        model: request.model,
        response: JSON.stringify(cacheable),
        embedding: embedding ? encodeVector(embedding.vector) : null,
        embedding_model: embedding?.model ?? null,
        hits: 0,
        created_at: createdAt,
        expires_at: createdAt + policy.ttlSeconds * 1000,
      };
      await db
        .insertInto(table)
        .values({ workspace_id: workspaceId, cache_key: cacheKey, ...row })
        .onConflict((conflict) => conflict.columns(["workspace_id", "cache_key"]).doUpdateSet(row))
        .execute();
      if (embedding) {
        index.add(workspaceId, {
          cacheKey,
          bucket: bucketOf(row.scope_key, embedding.model),
          vector: embedding.vector,
          createdAt,
          expiresAt: row.expires_at,
        });
      } else {
        index.remove(workspaceId, cacheKey);
      }
      return true;
    } catch (error) {
      report(error, "store", context);
      return false;
    }
  }
}

function cacheApplies(request: ChatCompletionRequest, policy: CachePolicy): boolean {
  return policy.ttlSeconds > 0 && (request.n === undefined || request.n === null || request.n === 1);
}

function bucketOf(scopeKey: string, embeddingModel: string): string {
  return `${scopeKey}\n${embeddingModel}`;
}
