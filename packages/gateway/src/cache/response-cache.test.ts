import {
  ensureDefaultWorkspaces,
  getWorkspaceBySlug,
  openStore,
  type Store,
  type StoreOptions,
} from "@nexus/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshStoreOptions } from "../../../core/src/testing/test-databases.ts";
import type { ChatCompletion, ChatCompletionRequest, Usage } from "../protocol/openai-chat.ts";
import type { ModelProvider } from "../providers/model-provider.ts";
import { createOpenAICompatibleProvider } from "../providers/openai-compatible-provider.ts";
import type { RequestContext } from "../request-context.ts";
import type { CachePolicy } from "../routing/gateway-config.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import { createResponseCache, type ResponseCache, type ResponseCacheOptions } from "./response-cache.ts";

let upstream: OpenAITestServer;
let embedder: ModelProvider;
beforeAll(async () => {
  upstream = await startOpenAITestServer();
  embedder = createOpenAICompatibleProvider({ id: "double", baseURL: upstream.baseURL });
});
afterAll(() => upstream.close());

const exactPolicy: CachePolicy = { ttlSeconds: 60 };
const semanticPolicy: CachePolicy = {
  ttlSeconds: 600,
  semantic: { threshold: 0.99, embeddingModel: "test-embed" },
};

const ask = (text: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "support-bot",
  messages: [
    { role: "system", content: "Answer in one line." },
    { role: "user", content: text },
  ],
  temperature: 0,
  ...extra,
});

const answer = (content: string, extra: Partial<ChatCompletion["choices"][number]> = {}): ChatCompletion => ({
  id: "chatcmpl-upstream",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "test-chat",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", ...extra }],
  // Upstream extras in usage (vLLM's prefix-cache count) are kept with the answer.
  usage: {
    prompt_tokens: 12,
    completion_tokens: 5,
    total_tokens: 17,
    prompt_tokens_details: { cached_tokens: 4 },
  } as Usage,
});

describe.each(["sqlite", "postgres"] as const)("response cache on %s", (kind) => {
  let store: Store;
  let storeOptions: StoreOptions;
  let drop: () => Promise<void>;
  let clock: number;
  let agentx: RequestContext;
  let learns: RequestContext;
  let embedCalls: string[];
  let errors: Array<{ error: unknown; operation: string }>;

  /**
   * Embeds through the OpenAI test double's `test-embed` over real HTTP, after folding case and
   * punctuation: the double's vectors are a hash of the text, so this is what makes two
   * phrasings of one question embed alike.
   */
  const embed: NonNullable<ResponseCacheOptions["embed"]> = async (model, input, context) => {
    embedCalls.push(input);
    const folded = input
      .toLowerCase()
      .replace(/[^a-z0-9 ]/g, "")
      .trim();
    const response = await embedder.doEmbed?.({ model, input: folded }, { model, signal: context.signal });
    return response?.data[0]?.embedding as number[];
  };
  const cacheWith = (options: Partial<ResponseCacheOptions> = {}): ResponseCache =>
    createResponseCache({
      store,
      embed,
      now: () => clock,
      onError: (error, operation) => errors.push({ error, operation }),
      ...options,
    });
  const rows = () =>
    store.db.selectFrom("gateway_response_cache").selectAll().orderBy("created_at").execute();

  beforeEach(async () => {
    const fresh = freshStoreOptions(kind);
    drop = fresh.drop;
    storeOptions = fresh.options;
    store = await openStore(storeOptions);
    await ensureDefaultWorkspaces(store.db);
    const context = async (slug: string): Promise<RequestContext> => ({
      workspaceId: (await getWorkspaceBySlug(store.db, slug)).id,
      apiKeyId: null,
      signal: new AbortController().signal,
    });
    agentx = await context("agentx");
    learns = await context("azi-learns-ai");
    clock = Date.UTC(2030, 0, 1);
    embedCalls = [];
    errors = [];
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  it("misses, then answers the same request exactly with a fresh id and created and the original usage", async () => {
    const cache = cacheWith();
    expect(await cache.lookup(agentx, ask("What is WAL?"), exactPolicy)).toBeUndefined();
    expect(await cache.store(agentx, ask("What is WAL?"), exactPolicy, answer("Write-ahead logging."))).toBe(
      true,
    );
    clock += 5_000;

    const streamed = ask("What is WAL?", {
      stream: true,
      stream_options: { include_usage: true },
      user: "u1",
    });
    const hit = await cache.lookup(agentx, streamed, exactPolicy);
    expect(hit).toMatchObject({ kind: "exact", similarity: 1 });
    expect(hit?.completion.choices).toEqual(answer("Write-ahead logging.").choices);
    expect(hit?.completion.usage).toEqual({
      ...answer("").usage,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    expect(hit?.completion.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(hit?.completion.created).toBe(Math.floor(clock / 1000));
    const again = await cache.lookup(agentx, ask("What is WAL?"), exactPolicy);
    expect(again?.completion.id).not.toBe(hit?.completion.id);

    expect(await cache.lookup(agentx, ask("What is WAL?", { temperature: 1 }), exactPolicy)).toBeUndefined();
    expect(await cache.lookup(agentx, ask("What is WAL"), exactPolicy)).toBeUndefined();
    const [row] = await rows();
    expect(row).toMatchObject({
      model: "support-bot",
      hits: 2,
      cache_key: cache.cacheKey(ask("What is WAL?")),
    });
    expect(row?.embedding).toBeNull();
    expect(embedCalls).toEqual([]);
  });

  it("answers an identical request that arrives while the first one's entry is still being written", async () => {
    const cache = cacheWith();
    // The gateway stores without waiting; a client repeating itself asks again straight away.
    // A semantic policy makes the store slow to reach the database: it embeds the prompt first.
    const storing = cache.store(agentx, ask("Again?"), semanticPolicy, answer("Yes."));
    const hit = await cache.lookup(agentx, ask("Again?"), semanticPolicy);
    expect(hit).toMatchObject({ kind: "exact" });
    expect(hit?.completion.choices[0]?.message.content).toBe("Yes.");
    expect(await storing).toBe(true);
  });

  it("expires entries after the TTL, honours a shorter TTL set later, and purges expired rows", async () => {
    const cache = cacheWith();
    await cache.store(agentx, ask("a"), exactPolicy, answer("A"));
    await cache.store(agentx, ask("b"), { ttlSeconds: 3600 }, answer("B"));
    clock += 59_000;
    expect(await cache.lookup(agentx, ask("a"), exactPolicy)).toBeDefined();
    clock += 1_000;
    expect(await cache.lookup(agentx, ask("a"), exactPolicy)).toBeUndefined();
    expect(await cache.lookup(agentx, ask("b"), exactPolicy)).toBeUndefined();
    expect(await cache.lookup(agentx, ask("b"), { ttlSeconds: 3600 })).toBeDefined();

    expect(await cache.purgeExpired()).toBe(1);
    expect((await rows()).map((row) => row.cache_key)).toEqual([cache.cacheKey(ask("b"))]);
    expect(await cache.purgeExpired()).toBe(0);
  });

  it("keeps only whole single answers, and honours no-store and no-cache", async () => {
    const cache = cacheWith();
    const stored = (request: ChatCompletionRequest, completion: unknown, context = agentx) =>
      cache.store(context, request, exactPolicy, completion as ChatCompletion);
    const twoChoices = {
      ...answer("x"),
      choices: [...answer("x").choices, { ...answer("y").choices[0], index: 1 }],
    };
    expect(await stored(ask("cut"), answer("partial", { finish_reason: null }))).toBe(false);
    expect(await stored(ask("filtered"), answer("", { finish_reason: "content_filter" }))).toBe(false);
    expect(await stored(ask("two"), twoChoices)).toBe(false);
    expect(await stored(ask("n"), answer("x"))).toBe(true);
    expect(await stored({ ...ask("n2"), n: 2 } as unknown as ChatCompletionRequest, answer("x"))).toBe(false);
    expect(await stored(ask("junk"), { error: { message: "upstream failed" } })).toBe(false);
    expect(await stored(ask("long"), answer("cut at max_tokens", { finish_reason: "length" }))).toBe(true);
    expect(await stored(ask("nostore"), answer("x"), { ...agentx, cacheDirective: "no-store" })).toBe(false);
    expect((await rows()).length).toBe(2);

    const refresh = { ...agentx, cacheDirective: "no-cache" as const };
    expect(await cache.lookup(refresh, ask("n"), exactPolicy)).toBeUndefined();
    expect(await cache.store(refresh, ask("n"), exactPolicy, answer("newer"))).toBe(true);
    const hit = await cache.lookup(agentx, ask("n"), exactPolicy);
    expect(hit?.completion.choices[0]?.message.content).toBe("newer");
    expect(
      await cache.lookup({ ...agentx, cacheDirective: "no-store" }, ask("n"), exactPolicy),
    ).toBeUndefined();
    expect((await rows()).length).toBe(2);
  });

  it("never lets one workspace see another's entries", async () => {
    const cache = cacheWith();
    await cache.store(agentx, ask("What is WAL?"), semanticPolicy, answer("agentx answer"));
    expect(await cache.lookup(learns, ask("What is WAL?"), semanticPolicy)).toBeUndefined();
    expect(await cache.lookup(learns, ask("what is wal"), semanticPolicy)).toBeUndefined();

    await cache.store(learns, ask("What is WAL?"), semanticPolicy, answer("learns answer"));
    const forAgentx = await cache.lookup(agentx, ask("What is WAL?"), semanticPolicy);
    const forLearns = await cache.lookup(learns, ask("what is wal"), semanticPolicy);
    expect(forAgentx?.completion.choices[0]?.message.content).toBe("agentx answer");
    expect(forLearns).toMatchObject({ kind: "semantic" });
    expect(forLearns?.completion.choices[0]?.message.content).toBe("learns answer");
    expect(await cacheWith().purgeExpired()).toBe(0);
  });

  it("bounds entries per workspace, evicting the oldest, without touching other workspaces", async () => {
    const cache = cacheWith({ maxEntriesPerWorkspace: 3 });
    await cache.store(learns, ask("other workspace"), exactPolicy, answer("kept"));
    for (const question of ["alpha", "bravo", "charlie", "delta", "echo"]) {
      await cache.store(agentx, ask(question), semanticPolicy, answer(`answer ${question}`));
      clock += 1_000;
    }
    const left = await rows();
    expect(left.filter((row) => row.workspace_id === agentx.workspaceId)).toHaveLength(3);
    for (const question of ["alpha", "bravo"])
      expect(await cache.lookup(agentx, ask(question), semanticPolicy)).toBeUndefined();
    for (const question of ["charlie", "delta", "echo"]) {
      expect(await cache.lookup(agentx, ask(question), semanticPolicy)).toMatchObject({ kind: "exact" });
    }
    expect(await cache.lookup(learns, ask("other workspace"), exactPolicy)).toBeDefined();
  });

  it("treats corrupt rows as misses and recovers when the answer is stored again", async () => {
    const cache = cacheWith();
    for (const question of ["json", "shape", "vector"]) {
      await cache.store(agentx, ask(question), semanticPolicy, answer(question));
    }
    const corrupt = (question: string, values: { response?: string; embedding?: string }) =>
      store.db
        .updateTable("gateway_response_cache")
        .set(values)
        .where("cache_key", "=", cache.cacheKey(ask(question)))
        .execute();
    await corrupt("json", { response: "{not json" });
    await corrupt("shape", { response: JSON.stringify({ choices: [], object: "chat.completion" }) });
    await corrupt("vector", { embedding: "!!not base64, three bytes: abc" });

    const fresh = cacheWith();
    expect(await fresh.lookup(agentx, ask("json"), semanticPolicy)).toBeUndefined();
    expect(await fresh.lookup(agentx, ask("JSON!"), semanticPolicy)).toBeUndefined();
    expect(await fresh.lookup(agentx, ask("shape"), semanticPolicy)).toBeUndefined();
    expect(await fresh.lookup(agentx, ask("Vector?"), semanticPolicy)).toBeUndefined();
    expect(await fresh.lookup(agentx, ask("vector"), semanticPolicy)).toMatchObject({ kind: "exact" });
    expect(errors).toEqual([]);

    await fresh.store(agentx, ask("json"), semanticPolicy, answer("repaired"));
    const repaired = await fresh.lookup(agentx, ask("Json?"), semanticPolicy);
    expect(repaired?.completion.choices[0]?.message.content).toBe("repaired");
  });

  it("answers a differently phrased question from the semantic index, within its scope only", async () => {
    const cache = cacheWith();
    const question = ask("What is WAL mode?");
    expect(await cache.lookup(agentx, question, semanticPolicy)).toBeUndefined();
    await cache.store(agentx, question, semanticPolicy, answer("Write-ahead logging."));
    // The lookup's embedding is reused by the store of the same request.
    expect(embedCalls).toEqual(["What is WAL mode?"]);
    const [row] = await rows();
    expect(row).toMatchObject({ embedding_model: "test-embed" });
    expect(row?.embedding).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const hit = await cache.lookup(agentx, ask("what is WAL mode"), semanticPolicy);
    expect(hit?.kind).toBe("semantic");
    expect(hit?.similarity).toBeCloseTo(1, 5);
    expect(hit?.completion.choices[0]?.message.content).toBe("Write-ahead logging.");
    expect(await cache.lookup(agentx, ask("Write a haiku about autumn"), semanticPolicy)).toBeUndefined();

    const otherScope: ChatCompletionRequest[] = [
      ask("what is WAL mode", { temperature: 0.5 }),
      ask("what is WAL mode", { model: "other-alias" }),
      { ...ask("what is WAL mode"), messages: [{ role: "user", content: "what is WAL mode" }] },
    ];
    for (const request of otherScope)
      expect(await cache.lookup(agentx, request, semanticPolicy)).toBeUndefined();
    const otherEmbeddings = { ...semanticPolicy, semantic: { threshold: 0.99, embeddingModel: "test-chat" } };
    expect(await cache.lookup(agentx, ask("what is WAL mode"), otherEmbeddings)).toBeUndefined();
    expect(await cache.lookup(agentx, ask("what is WAL mode"), exactPolicy)).toBeUndefined();
    expect(
      await cache.lookup(agentx, ask("What is WAL mode?", { temperature: 0.5 }), exactPolicy),
    ).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it("loads a replica's semantic index lazily from the store and refreshes it to see other replicas' entries", async () => {
    const writer = cacheWith();
    const reader = cacheWith({ semanticIndex: { refreshMs: 10_000 } });
    await writer.store(agentx, ask("What is WAL mode?"), semanticPolicy, answer("first"));
    expect((await reader.lookup(agentx, ask("what is wal mode"), semanticPolicy))?.kind).toBe("semantic");

    await writer.store(agentx, ask("How do I vacuum?"), semanticPolicy, answer("second"));
    // Held in memory: the reader does not query the table for vectors until its refresh is due.
    expect(await reader.lookup(agentx, ask("how do i vacuum"), semanticPolicy)).toBeUndefined();
    clock += 10_000;
    const seen = await reader.lookup(agentx, ask("how do i vacuum"), semanticPolicy);
    expect(seen?.completion.choices[0]?.message.content).toBe("second");

    // A row deleted under a held vector is a miss, not an error.
    await store.db.deleteFrom("gateway_response_cache").execute();
    expect(await reader.lookup(agentx, ask("what is wal mode"), semanticPolicy)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it("falls back to exact matching when the embedding model fails, and reports it", async () => {
    const cache = cacheWith();
    const broken: CachePolicy = {
      ttlSeconds: 60,
      semantic: { threshold: 0.9, embeddingModel: "no-such-model" },
    };
    expect(await cache.lookup(agentx, ask("What is WAL?"), broken)).toBeUndefined();
    expect(await cache.store(agentx, ask("What is WAL?"), broken, answer("exact only"))).toBe(true);
    expect((await rows())[0]?.embedding).toBeNull();
    expect(await cache.lookup(agentx, ask("What is WAL?"), broken)).toMatchObject({ kind: "exact" });
    expect(await cache.lookup(agentx, ask("what is wal"), broken)).toBeUndefined();
    expect(errors.map((failure) => failure.operation)).toEqual(["lookup", "store", "lookup"]);
    expect(String(errors[0]?.error)).toMatch(/no-such-model/);

    const withoutUserText: ChatCompletionRequest = {
      model: "m",
      messages: [{ role: "system", content: "hi" }],
    };
    expect(await cache.store(agentx, withoutUserText, semanticPolicy, answer("ok"))).toBe(true);
    expect(await cache.lookup(agentx, withoutUserText, semanticPolicy)).toMatchObject({ kind: "exact" });
    expect(embedCalls).not.toContain("hi");
  });

  it("turns database failures into misses and unstored answers, never into thrown errors", async () => {
    const closed = await openStore(storeOptions);
    const cache = cacheWith({ store: closed });
    await closed.close();
    expect(await cache.lookup(agentx, ask("What is WAL?"), semanticPolicy)).toBeUndefined();
    expect(await cache.store(agentx, ask("What is WAL?"), exactPolicy, answer("x"))).toBe(false);
    expect(errors.map((failure) => failure.operation)).toEqual(["lookup", "store"]);
    await expect(cache.purgeExpired()).rejects.toThrow();
  });
});
