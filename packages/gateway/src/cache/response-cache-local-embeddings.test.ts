import path from "node:path";
import { ensureDefaultWorkspaces, getWorkspaceBySlug, openStore, type Store } from "@nexus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../core/src/testing/test-databases.ts";
import type { ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { createLocalProvider, type LocalProvider } from "../providers/local-provider.ts";
import type { RequestContext } from "../request-context.ts";
import type { CachePolicy } from "../routing/gateway-config.ts";
import { createResponseCache, type ResponseCache } from "./response-cache.ts";
import { accumulateStream, replayAsStream } from "./stream-accumulator.ts";

/**
 * The semantic cache end to end on a real local GGUF model (llama-2-tiny-random, see
 * shared/models/PROVENANCE.md) for both the answer and the embeddings. The model has random
 * weights, so its vectors mean nothing, but they are deterministic: measured with it, "Explain
 * WAL mode in SQLite" and "Explain the WAL mode in SQLite" are 0.9999 alike and "Write a haiku
 * about autumn leaves falling" is 0.16 alike to either. The store is SQLite only here; both
 * stores run the same cache code in response-cache.test.ts.
 */
const modelsDir = path.resolve(import.meta.dirname, "../../../../../shared/models");
const model = "llama-2-tiny-random";
const policy: CachePolicy = { ttlSeconds: 300, semantic: { threshold: 0.99, embeddingModel: model } };

const ask = (text: string): ChatCompletionRequest => ({
  model: "tutor",
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: text },
  ],
  max_tokens: 8,
  seed: 11,
});

describe("semantic response cache with a local GGUF model's embeddings", () => {
  let local: LocalProvider;
  let store: Store;
  let cleanup: () => void;
  let context: RequestContext;
  let cache: ResponseCache;

  beforeAll(async () => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    store = await openStore({ kind: "sqlite", file: path.join(dir.dir, "nexus.db") });
    await ensureDefaultWorkspaces(store.db);
    context = {
      workspaceId: (await getWorkspaceBySlug(store.db, "azi-learns-ai")).id,
      apiKeyId: null,
      signal: new AbortController().signal,
    };
    local = createLocalProvider({ modelsDir, threads: 1, sequencesPerModel: 1 });
    cache = createResponseCache({
      store,
      embed: async (embeddingModel, input, requestContext) => {
        const response = await local.doEmbed(
          { model: embeddingModel, input },
          { model: embeddingModel, signal: requestContext.signal },
        );
        return response.data[0]?.embedding as number[];
      },
    });
  });
  afterAll(async () => {
    await local?.close();
    await store?.close();
    cleanup?.();
  });

  it("serves a streamed local answer to a rephrased question and not to an unrelated one", async () => {
    const question = ask("Explain WAL mode in SQLite");
    expect(await cache.lookup(context, question, policy)).toBeUndefined();
    const streamed = { ...question, stream: true, stream_options: { include_usage: true } };
    const answer = await accumulateStream(local.doStream(streamed, { model, signal: context.signal }));
    expect(answer.choices[0]?.finish_reason).not.toBeNull();
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    expect(await cache.store(context, streamed, policy, answer)).toBe(true);

    const rephrased = await cache.lookup(context, ask("Explain the WAL mode in SQLite"), policy);
    expect(rephrased?.kind).toBe("semantic");
    expect(rephrased?.similarity).toBeGreaterThan(0.99);
    expect(rephrased?.completion.choices).toEqual(answer.choices);
    expect(rephrased?.completion.usage).toEqual(answer.usage);

    expect(
      await cache.lookup(context, ask("Write a haiku about autumn leaves falling"), policy),
    ).toBeUndefined();
    const same = await cache.lookup(context, question, policy);
    expect(same?.kind).toBe("exact");

    const replayed = await accumulateStream(replayAsStream(same?.completion ?? answer, streamed));
    expect(replayed.choices[0]?.message).toEqual(answer.choices[0]?.message);
    expect(replayed.usage).toEqual(answer.usage);
  });
});
