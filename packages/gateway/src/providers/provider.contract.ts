import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { collectChunks } from "../testing/chunk-streams.ts";
import type { ModelProvider } from "./model-provider.ts";
import { ProviderError } from "./provider-error.ts";

export interface ProviderContractOptions {
  /** Creates the provider under test; closed after the suite. */
  create(): Promise<ModelProvider> | ModelProvider;
  /** A chat model the provider lists (its upstream id). */
  chatModel: string;
  /** A chat model slow enough that a stream is still running 100 ms in; defaults to `chatModel`. */
  slowChatModel?: string;
  /** An embedding model; the embedding case is skipped without one. */
  embeddingModel?: string;
  /** Per-test timeout for providers that run real models. */
  timeoutMs?: number;
}

const messages: ChatCompletionRequest["messages"] = [{ role: "user", content: "Say hello in three words." }];

/**
 * What every ModelProvider must do, whatever its upstream. Each provider's test calls this with
 * its own factory and models (hono's `runTest` pattern), then adds its own error cases.
 *
 * @example
 * runProviderContract("local", { create: () => createLocalProvider({ modelsDir }), chatModel: "tiny" });
 */
export function runProviderContract(name: string, options: ProviderContractOptions): void {
  const timeout = options.timeoutMs ?? 10_000;
  const request = (model: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
    model: `client-name-for-${model}`,
    messages,
    max_tokens: 16,
    ...extra,
  });
  const call = (model: string) => ({ model, signal: new AbortController().signal });

  describe(`ModelProvider contract: ${name}`, () => {
    let provider: ModelProvider;
    beforeAll(async () => {
      provider = await options.create();
    });
    afterAll(async () => {
      await provider?.close?.();
    });

    it("lists its models with their capabilities", { timeout }, async () => {
      const models = await provider.listModels();
      const chat = models.find((model) => model.id === options.chatModel);
      expect(chat).toBeDefined();
      expect(chat?.capabilities.length).toBeGreaterThan(0);
    });

    it("generates a whole completion", { timeout }, async () => {
      const completion = await provider.doGenerate(request(options.chatModel), call(options.chatModel));
      expect(completion.object).toBe("chat.completion");
      expect(completion.choices[0]?.message.role).toBe("assistant");
      expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(completion.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
    });

    it("streams chunks in order, role first, ending with one finish_reason", { timeout }, async () => {
      const chunks = await collectChunks(
        provider.doStream(request(options.chatModel), call(options.chatModel)),
      );
      expect(chunks.length).toBeGreaterThan(1);
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
      for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
      expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
      const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
      expect(text.length).toBeGreaterThan(0);
      const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
      expect(finishes).toHaveLength(1);
      expect(chunks.at(-1)).toBe(finishes[0]);
      expect(finishes[0]?.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
    });

    it("ends a stream with usage when asked (stream_options.include_usage)", { timeout }, async () => {
      const streamed = request(options.chatModel, { stream: true, stream_options: { include_usage: true } });
      const chunks = await collectChunks(provider.doStream(streamed, call(options.chatModel)));
      const usage = chunks.at(-1)?.usage;
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
      expect(chunks.slice(0, -1).every((chunk) => !chunk.usage)).toBe(true);
    });

    it("stops a stream promptly when the signal aborts", { timeout }, async () => {
      const model = options.slowChatModel ?? options.chatModel;
      const controller = new AbortController();
      const long = request(model, {
        max_tokens: 256,
        messages: [{ role: "user", content: "Count to 200." }],
      });
      const started = Date.now();
      let received = 0;
      const done = (async () => {
        for await (const _chunk of provider.doStream(long, { model, signal: controller.signal })) {
          received++;
          if (received === 1) setTimeout(() => controller.abort(), 50);
        }
      })();
      // Either the iteration throws or it ends; it must not run on.
      await done.catch(() => {});
      expect(Date.now() - started).toBeLessThan(timeout);
      expect(received).toBeGreaterThan(0);
    });

    it("rejects an already aborted call without calling the model", { timeout }, async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        provider.doGenerate(request(options.chatModel), {
          model: options.chatModel,
          signal: controller.signal,
        }),
      ).rejects.toBeInstanceOf(Error);
    });

    it("answers an unknown model with a ProviderError 404", { timeout }, async () => {
      const missing = "no-such-model-anywhere";
      const generated = provider.doGenerate(request(missing), call(missing));
      await expect(generated).rejects.toBeInstanceOf(ProviderError);
      await expect(generated).rejects.toMatchObject({ status: 404, retryable: false });
      const streamed = collectChunks(provider.doStream(request(missing), call(missing)));
      await expect(streamed).rejects.toMatchObject({ status: 404 });
    });

    it.skipIf(!options.embeddingModel)("embeds each input", { timeout }, async () => {
      const model = options.embeddingModel ?? "";
      expect(provider.doEmbed).toBeDefined();
      const result = await provider.doEmbed?.({ model, input: ["one", "two"] }, call(model));
      expect(result?.data).toHaveLength(2);
      expect(result?.data.map((item) => item.index)).toEqual([0, 1]);
      const vector = result?.data[0]?.embedding;
      expect(Array.isArray(vector) && vector.length > 0 && typeof vector[0] === "number").toBe(true);
    });
  });
}
