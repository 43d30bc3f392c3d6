import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { collectChunks, textOfChunks } from "../testing/chunk-streams.ts";
import { createLocalProvider, type LocalProvider } from "./local-provider.ts";
import { runProviderContract } from "./provider.contract.ts";
import { ProviderError } from "./provider-error.ts";

const modelFile = path.resolve(import.meta.dirname, "../../../../../shared/models/llama-2-tiny-random.gguf");
const modelBytes = readFileSync(modelFile).length;
const tempDirs: string[] = [];

/** A fresh models directory holding the test model under each of `names`. */
function modelsDir(...names: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nexus-local-"));
  tempDirs.push(dir);
  for (const name of names) symlinkSync(modelFile, path.join(dir, `${name}.gguf`));
  return dir;
}

const call = (model = "tiny", signal = new AbortController().signal) => ({ model, signal });
const ask = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: "tiny",
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Say something." },
  ],
  max_tokens: 12,
  // Random weights: a fixed seed keeps every case deterministic (no early end-of-sequence by chance).
  seed: 11,
  ...extra,
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("local provider", () => {
  let provider: LocalProvider;
  let dir: string;

  beforeAll(() => {
    dir = modelsDir("tiny");
    provider = createLocalProvider({ modelsDir: dir, threads: 1, sequencesPerModel: 2 });
  });
  afterAll(() => provider.close());

  it("lists .gguf files and rescans on every call, without loading anything", async () => {
    expect(await provider.listModels()).toEqual([
      { id: "tiny", capabilities: ["chat", "tools", "embeddings"], contextLength: 4096 },
    ]);
    symlinkSync(modelFile, path.join(dir, "second.gguf"));
    writeFileSync(path.join(dir, "notes.txt"), "not a model");
    expect((await provider.listModels()).map((model) => model.id)).toEqual(["second", "tiny"]);
    rmSync(path.join(dir, "second.gguf"));
    expect((await provider.listModels()).map((model) => model.id)).toEqual(["tiny"]);
    expect(provider.loadedModels()).toEqual([]);
  });

  it("treats a missing models directory as no models", async () => {
    const missing = createLocalProvider({ modelsDir: path.join(dir, "does-not-exist"), threads: 1 });
    expect(await missing.listModels()).toEqual([]);
    await expect(missing.doGenerate(ask(), call())).rejects.toMatchObject({ status: 404 });
    await missing.close();
  });

  it("generates a completion with usage from the tokenizer", async () => {
    const completion = await provider.doGenerate(ask({ seed: 1 }), call());
    expect(completion).toMatchObject({ object: "chat.completion", model: "tiny" });
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(typeof completion.choices[0]?.message.content).toBe("string");
    expect(["stop", "length"]).toContain(completion.choices[0]?.finish_reason);
    const usage = completion.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(5);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it("respects max_tokens and max_completion_tokens with finish_reason length", async () => {
    for (const limit of [{ max_tokens: 3 }, { max_tokens: 50, max_completion_tokens: 4 }]) {
      const completion = await provider.doGenerate(ask({ ...limit, seed: 2, temperature: 1 }), call());
      expect(completion.choices[0]?.finish_reason).toBe("length");
      expect(completion.usage?.completion_tokens).toBe(limit.max_completion_tokens ?? limit.max_tokens);
    }
  });

  it("streams the role first, content deltas in order, the finish chunk, then usage", async () => {
    const request = ask({ seed: 7, temperature: 0.8, max_tokens: 10, stream: true });
    const chunks = await collectChunks(
      provider.doStream({ ...request, stream_options: { include_usage: true } }, call()),
    );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const finish = chunks.at(-2);
    expect(finish?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "length" });
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage).toMatchObject({ completion_tokens: 10 });
    const deltas = chunks.slice(1, -2);
    expect(deltas.length).toBeGreaterThan(0);
    for (const chunk of deltas) {
      expect(chunk.choices[0]?.finish_reason).toBeNull();
      expect(typeof chunk.choices[0]?.delta.content).toBe("string");
    }
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    // The same seed without streaming gives the same text.
    const whole = await provider.doGenerate(request, call());
    expect(textOfChunks(chunks)).toBe(whole.choices[0]?.message.content);
    expect(whole.usage).toEqual(usage?.usage);

    const noUsage = await collectChunks(provider.doStream(request, call()));
    expect(noUsage.at(-1)?.choices[0]?.finish_reason).toBe("length");
    expect(noUsage.some((chunk) => chunk.usage)).toBe(false);
  });

  it("gives the same text for the same seed and temperature", async () => {
    const request = ask({ seed: 42, temperature: 0.9, top_p: 0.95, max_tokens: 16 });
    const first = await provider.doGenerate(request, call());
    const second = await provider.doGenerate(request, call());
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(first.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it("stops at a stop sequence with finish_reason stop", async () => {
    const request = ask({ seed: 5, temperature: 0.7, max_tokens: 24 });
    const chunks = await collectChunks(provider.doStream(request, call()));
    const full = textOfChunks(chunks);
    const stop = chunks
      .slice(4)
      .map((chunk) => chunk.choices[0]?.delta.content?.trim() ?? "")
      .find((text) => text.length >= 2);
    expect(stop).toBeDefined();
    const completion = await provider.doGenerate(
      { ...request, stop: [stop as string, "\u0000never"] },
      call(),
    );
    const text = completion.choices[0]?.message.content ?? "";
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(text.includes(stop as string)).toBe(false);
    expect(full.startsWith(text.trimEnd())).toBe(true);
    expect(text.length).toBeLessThan(full.length);
  });

  it("constrains output to a json_schema", async () => {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, size: { enum: ["small", "large"] }, count: { const: 3 } },
      required: ["ok", "size", "count"],
      additionalProperties: false,
    };
    for (const seed of [1, 2]) {
      const completion = await provider.doGenerate(
        ask({
          seed,
          max_tokens: 200,
          response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
        }),
        call(),
      );
      const value = JSON.parse(completion.choices[0]?.message.content ?? "");
      expect(Object.keys(value).sort()).toEqual(["count", "ok", "size"]);
      expect(typeof value.ok).toBe("boolean");
      expect(["small", "large"]).toContain(value.size);
      expect(value.count).toBe(3);
    }
  });

  it("rejects invalid json_schema, tool definitions and images with 400 before loading", async () => {
    const invalid = [
      { type: "objekt" },
      { type: "object", properties: { a: { type: 5 } } },
      { $ref: "#/$defs/nope" },
    ];
    for (const schema of invalid) {
      const request = ask({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } });
      await expect(provider.doGenerate(request, call("not-loaded"))).rejects.toMatchObject({ status: 400 });
    }
    const tool = { type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } };
    const badTools: Array<Partial<ChatCompletionRequest>> = [
      { tools: [{ type: "function", function: { name: "lookup", parameters: { type: "objekt" } } }] },
      { tools: [tool], tool_choice: { type: "function", function: { name: "missing" } } },
      { tools: [tool], response_format: { type: "json_object" } },
      { tool_choice: "required" },
      {
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "lookup", arguments: "{not json" } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "result" },
        ],
      },
    ];
    for (const extra of badTools) {
      const error = await provider
        .doGenerate(ask(extra), call("not-loaded"))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 400 });
      await expect(collectChunks(provider.doStream(ask(extra), call("not-loaded")))).rejects.toMatchObject({
        status: 400,
      });
    }
    const image = ask({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] },
      ],
    });
    await expect(provider.doGenerate(image, call())).rejects.toMatchObject({ status: 400 });
  });

  const weatherTools: ChatCompletionRequest["tools"] = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city",
        parameters: {
          type: "object",
          properties: { city: { enum: ["Paris", "Oslo"] }, days: { type: "integer" } },
          required: ["city"],
        },
      },
    },
    { type: "function", function: { name: "get_time", description: "The time now" } },
  ];

  it("calls tools when tool_choice requires one, with arguments matching the schema", async () => {
    for (const seed of [1, 2, 3]) {
      const completion = await provider.doGenerate(
        ask({ seed, tools: weatherTools, tool_choice: "required", max_tokens: 60 }),
        call(),
      );
      const choice = completion.choices[0];
      expect(choice?.finish_reason).toBe("tool_calls");
      expect(choice?.message.content).toBeNull();
      const calls = choice?.message.tool_calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      for (const toolCall of calls) {
        expect(toolCall).toMatchObject({ id: expect.stringMatching(/^call_/), type: "function" });
        const args = JSON.parse(toolCall.function.arguments);
        if (toolCall.function.name === "get_weather") expect(["Paris", "Oslo"]).toContain(args.city);
        else expect(toolCall.function.name).toBe("get_time");
      }
    }
    const named = await provider.doGenerate(
      ask({
        tools: weatherTools,
        tool_choice: { type: "function", function: { name: "get_weather" } },
        max_tokens: 60,
      }),
      call(),
    );
    // With this seed the model writes an integer too large for the schema check: passed on as written.
    const namedCalls = named.choices[0]?.message.tool_calls ?? [];
    expect(namedCalls.map((toolCall) => toolCall.function.name)).toEqual(["get_weather"]);
    expect(["Paris", "Oslo"]).toContain(JSON.parse(namedCalls[0]?.function.arguments ?? "").city);
    expect(named.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("streams tool calls as deltas before the tool_calls finish", async () => {
    const chunks = await collectChunks(
      provider.doStream(
        ask({
          tools: weatherTools,
          tool_choice: { type: "function", function: { name: "get_weather" } },
          stream_options: { include_usage: true },
          max_tokens: 60,
          seed: 4,
        }),
        call(),
      ),
    );
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "get_weather", arguments: expect.any(String) },
      },
    ]);
    expect(JSON.parse(deltas[0]?.function?.arguments ?? "")).toMatchObject({ city: expect.any(String) });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("continues after tool results and ignores tools with tool_choice none", async () => {
    const messages: ChatCompletionRequest["messages"] = [
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: '{"celsius": 3}' },
    ];
    const after = await provider.doGenerate(
      ask({ messages, tools: weatherTools, max_tokens: 6, seed: 1 }),
      call(),
    );
    expect(["length", "stop", "tool_calls"]).toContain(after.choices[0]?.finish_reason);
    const none = await provider.doGenerate(
      ask({ tools: weatherTools, tool_choice: "none", max_tokens: 4 }),
      call(),
    );
    expect(none.choices[0]?.finish_reason).toBe("length");
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it("accepts every message role and json_object", async () => {
    const completion = await provider.doGenerate(
      ask({
        messages: [
          { role: "developer", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "Weather?" }] },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "call_1", content: "sunny" },
          { role: "user", content: "And now?" },
        ],
        response_format: { type: "json_object" },
        max_tokens: 8,
      }),
      call(),
    );
    expect(completion.choices[0]?.message.content?.trimStart().startsWith("{")).toBe(true);
  });

  it("runs 4 concurrent requests on 2 sequences", async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) => provider.doGenerate(ask({ seed, max_tokens: 8 }), call())),
    );
    for (const result of results) expect(result.choices[0]?.finish_reason).toBe("length");
  });

  it("frees the sequence when a stream is aborted or left early", async () => {
    for (let round = 0; round < 6; round += 1) {
      const controller = new AbortController();
      const seen: ChatCompletionChunk[] = [];
      const run = (async () => {
        for await (const chunk of provider.doStream(
          ask({ max_tokens: 2000 }),
          call("tiny", controller.signal),
        )) {
          seen.push(chunk);
          if (seen.length === 3) controller.abort();
        }
      })();
      await expect(run).rejects.toMatchObject({ name: "AbortError" });
      expect(seen.length).toBeLessThan(10);
    }
    for (let round = 0; round < 4; round += 1) {
      for await (const chunk of provider.doStream(ask({ max_tokens: 2000 }), call())) {
        if (chunk.choices[0]?.delta.content) break;
      }
    }
    // Both sequences are free again: two long generations at once still complete.
    const results = await Promise.all(
      [1, 2].map((seed) => provider.doGenerate(ask({ seed, max_tokens: 6 }), call())),
    );
    expect(results.map((result) => result.choices[0]?.finish_reason)).toEqual(["length", "length"]);
  });

  it("lets a request waiting for a sequence be aborted", async () => {
    const busy = [1, 2].map(() => new AbortController());
    const running = busy.map((controller) =>
      provider
        .doGenerate(ask({ max_tokens: 100_000 }), call("tiny", controller.signal))
        .catch((error) => error),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = new AbortController();
    const queued = provider.doGenerate(ask({ max_tokens: 4 }), call("tiny", waiting.signal));
    const after = provider.doGenerate(ask({ max_tokens: 4 }), call());
    waiting.abort();
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    for (const controller of busy) controller.abort();
    for (const error of await Promise.all(running)) expect(error).toMatchObject({ name: "AbortError" });
    expect((await after).choices[0]?.finish_reason).toBe("length");
  });

  it("returns embeddings in the OpenAI shape", async () => {
    const single = await provider.doEmbed({ model: "tiny", input: "hello world" }, call());
    expect(single?.object).toBe("list");
    expect(single?.data).toHaveLength(1);
    expect(single?.data[0]).toMatchObject({ object: "embedding", index: 0 });
    expect(single?.data[0]?.embedding).toHaveLength(8);
    expect(single?.usage.prompt_tokens).toBeGreaterThan(0);
    const many = await provider.doEmbed(
      { model: "tiny", input: ["hello world", "another text", "hello world"] },
      call(),
    );
    expect(many?.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(many?.data[0]?.embedding).toEqual(single?.data[0]?.embedding);
    expect(many?.data[1]?.embedding).not.toEqual(many?.data[0]?.embedding);
    const encoded = await provider.doEmbed(
      { model: "tiny", input: "hello world", encoding_format: "base64" },
      call(),
    );
    const bytes = Buffer.from(encoded?.data[0]?.embedding as string, "base64");
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(decoded).toEqual(single?.data[0]?.embedding);
    await expect(
      provider.doEmbed({ model: "tiny", input: "x", dimensions: 3 }, call()),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("answers unknown models with 404", async () => {
    await expect(provider.doGenerate(ask(), call("nope"))).rejects.toMatchObject({ status: 404 });
    await expect(collectChunks(provider.doStream(ask(), call("nope")))).rejects.toMatchObject({
      status: 404,
    });
    await expect(provider.doEmbed({ model: "nope", input: "x" }, call("nope"))).rejects.toMatchObject({
      status: 404,
    });
  });

  it("reports junk and truncated model files as clear errors, not crashes", async () => {
    writeFileSync(path.join(dir, "junk.gguf"), "this is not a model");
    writeFileSync(
      path.join(dir, "half.gguf"),
      readFileSync(modelFile).subarray(0, Math.floor(modelBytes * 0.6)),
    );
    expect((await provider.listModels()).map((model) => model.id)).not.toContain("junk");
    const junk = await provider.doGenerate(ask(), call("junk")).catch((error: unknown) => error);
    expect(junk).toBeInstanceOf(ProviderError);
    expect(junk).toMatchObject({ status: 500, message: expect.stringContaining("not a valid GGUF file") });
    const half = await provider.doGenerate(ask(), call("half")).catch((error: unknown) => error);
    expect(half).toBeInstanceOf(ProviderError);
    expect((half as ProviderError).status).toBe(500);
    expect((half as Error).message).toMatch(/half/);
    // The provider still works.
    expect((await provider.doGenerate(ask({ max_tokens: 2 }), call())).choices[0]?.finish_reason).toBe(
      "length",
    );
  });
});

describe("local model queue and memory", () => {
  it("serves requests beyond the free sequences in FIFO order", async () => {
    const provider = createLocalProvider({ modelsDir: modelsDir("tiny"), threads: 1, sequencesPerModel: 1 });
    try {
      const holder = new AbortController();
      const holding = provider
        .doGenerate(ask({ max_tokens: 100_000 }), call("tiny", holder.signal))
        .catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const order: number[] = [];
      const queued: Array<Promise<unknown>> = [];
      for (const index of [1, 2, 3]) {
        queued.push(provider.doGenerate(ask({ max_tokens: 3 }), call()).then(() => order.push(index)));
        // Each request reaches the queue (after its directory scan) before the next is sent.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      holder.abort();
      await Promise.all([holding, ...queued]);
      expect(order).toEqual([1, 2, 3]);
    } finally {
      await provider.close();
    }
  });

  it("keeps generation within the context and rejects prompts that do not fit", async () => {
    const provider = createLocalProvider({ modelsDir: modelsDir("tiny"), threads: 1, contextSize: 256 });
    try {
      const unbounded = await provider.doGenerate(ask({ max_tokens: undefined, temperature: 0 }), call());
      const usage = unbounded.usage;
      expect(unbounded.choices[0]?.finish_reason).toBe("length");
      expect(usage?.total_tokens).toBeLessThanOrEqual(256);
      expect(usage?.completion_tokens).toBeGreaterThan(200);
      const long = ask({ messages: [{ role: "user", content: "word ".repeat(400) }] });
      const error = await provider.doGenerate(long, call()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 400, options: { code: "context_length_exceeded" } });
    } finally {
      await provider.close();
    }
  });

  it("stops waiting for a model load when the request is aborted", async () => {
    const provider = createLocalProvider({ modelsDir: modelsDir("tiny"), threads: 1 });
    try {
      const controller = new AbortController();
      const pending = provider.doGenerate(ask({ max_tokens: 2 }), call("tiny", controller.signal));
      setTimeout(() => controller.abort(), 5);
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      expect((await provider.doGenerate(ask({ max_tokens: 2 }), call())).choices[0]?.finish_reason).toBe(
        "length",
      );
    } finally {
      await provider.close();
    }
  });

  it("loads the new version of a model file that changed on disk", async () => {
    const dir = modelsDir();
    const file = path.join(dir, "tiny.gguf");
    copyFileSync(modelFile, file);
    const provider = createLocalProvider({ modelsDir: dir, threads: 1 });
    try {
      const before = await provider.doGenerate(ask({ max_tokens: 4, seed: 9 }), call());
      const later = new Date(Date.now() + 60_000);
      utimesSync(file, later, later);
      const after = await provider.doGenerate(ask({ max_tokens: 4, seed: 9 }), call());
      expect(after.choices[0]?.message.content).toBe(before.choices[0]?.message.content);
      expect(provider.loadedModels()).toEqual(["tiny"]);
    } finally {
      await provider.close();
    }
  });

  it("unloads a model after its idle time", async () => {
    const provider = createLocalProvider({ modelsDir: modelsDir("tiny"), threads: 1, idleUnloadMs: 150 });
    try {
      await provider.doGenerate(ask({ max_tokens: 2 }), call());
      expect(provider.loadedModels()).toEqual(["tiny"]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(provider.loadedModels()).toEqual([]);
      await provider.doGenerate(ask({ max_tokens: 2 }), call());
      expect(provider.loadedModels()).toEqual(["tiny"]);
    } finally {
      await provider.close();
    }
  });

  it("evicts the least recently used model to stay within the memory budget", async () => {
    const dir = modelsDir();
    for (const name of ["first", "second", "third"]) copyFileSync(modelFile, path.join(dir, `${name}.gguf`));
    const provider = createLocalProvider({ modelsDir: dir, threads: 1, memoryBudgetBytes: modelBytes * 2.5 });
    try {
      for (const model of ["first", "second"]) await provider.doGenerate(ask({ max_tokens: 2 }), call(model));
      expect(provider.loadedModels()).toEqual(["first", "second"]);
      await provider.doEmbed({ model: "first", input: "touch" }, call("first"));
      expect(provider.loadedModels()).toEqual(["second", "first"]);
      await provider.doGenerate(ask({ max_tokens: 2 }), call("third"));
      expect(provider.loadedModels()).toEqual(["first", "third"]);
    } finally {
      await provider.close();
    }
    mkdirSync(path.join(dir, "sub.gguf"));
    const tiny = createLocalProvider({ modelsDir: dir, threads: 1, memoryBudgetBytes: 1 });
    try {
      // A budget smaller than one model still serves it, one model at a time.
      for (const model of ["first", "second"]) await tiny.doGenerate(ask({ max_tokens: 2 }), call(model));
      expect(tiny.loadedModels()).toEqual(["second"]);
      expect((await tiny.listModels()).map((model) => model.id)).toEqual(["first", "second", "third"]);
    } finally {
      await tiny.close();
    }
  });
});

runProviderContract("local", {
  create: () => createLocalProvider({ modelsDir: modelsDir("tiny"), threads: 1, sequencesPerModel: 2 }),
  chatModel: "tiny",
  embeddingModel: "tiny",
  timeoutMs: 20_000,
});
