import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../protocol/openai-chat.ts";
import { type OpenAITestServer, startOpenAITestServer } from "../testing/openai-test-server.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";
import { parsePrometheusText } from "./prometheus-text.ts";
import { createVllmAdmin, type VllmAdmin } from "./vllm-admin.ts";

const apiKey = "sk-vllm";
let vllm: OpenAITestServer;
let admin: VllmAdmin;
let adapterDir: string;
beforeAll(async () => {
  vllm = await startOpenAITestServer({ apiKey, vllm: { waiting: 3, kvCacheUsage: 0.42 } });
  admin = createVllmAdmin({ baseURL: vllm.baseURL, apiKey });
  adapterDir = mkdtempSync(path.join(os.tmpdir(), "nexus-lora-"));
});
afterAll(async () => {
  await admin.close();
  await vllm.close();
  rmSync(adapterDir, { recursive: true, force: true });
});

describe("vLLM admin: LoRA adapters", () => {
  it("loads an adapter, lists it with its path and base model, serves it as a model, unloads it", async () => {
    expect(await admin.listAdapters()).toEqual([]);
    await admin.loadAdapter("sql-lora", adapterDir);
    expect(vllm.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/v1/load_lora_adapter",
      body: { lora_name: "sql-lora", lora_path: adapterDir },
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(await admin.listAdapters()).toEqual([
      { name: "sql-lora", path: adapterDir, baseModel: "test-chat" },
    ]);

    const provider = createOpenAICompatibleProvider({ id: "vllm", baseURL: vllm.baseURL, apiKey });
    const reply = await provider.doGenerate(
      { model: "x", messages: [{ role: "user", content: "hi" }] },
      { model: "sql-lora", signal: new AbortController().signal },
    );
    expect(reply.choices[0]?.message.content).toBe("You said: hi");
    await provider.close();

    await admin.unloadAdapter("sql-lora");
    expect(vllm.requests.at(-1)).toMatchObject({
      path: "/v1/unload_lora_adapter",
      body: { lora_name: "sql-lora" },
    });
    expect(await admin.listAdapters()).toEqual([]);
  });

  it("passes vLLM's own messages on as ProviderErrors", async () => {
    await admin.loadAdapter("twice", adapterDir);
    await expect(admin.loadAdapter("twice", adapterDir)).rejects.toMatchObject({
      status: 400,
      retryable: false,
      options: { code: "adapter_rejected", type: "invalid_request_error" },
      message: "The lora adapter 'twice' has already been loaded.",
    });
    await admin.unloadAdapter("twice");
    const missing = path.join(adapterDir, "not-there");
    await expect(admin.loadAdapter("ghost", missing)).rejects.toMatchObject({
      status: 404,
      options: { code: "adapter_not_found" },
      message: `Loading lora ghost failed: No adapter found for ${missing}`,
    });
    await expect(admin.unloadAdapter("ghost")).rejects.toMatchObject({
      status: 404,
      message: "The lora adapter 'ghost' cannot be found.",
    });
  });

  it("says how to enable runtime loading when vLLM was started without it", async () => {
    const locked = await startOpenAITestServer({ vllm: { runtimeLoraUpdating: false } });
    const lockedAdmin = createVllmAdmin({ baseURL: locked.baseURL, id: "gpu-1" });
    await expect(lockedAdmin.loadAdapter("a", adapterDir)).rejects.toMatchObject({
      status: 502,
      retryable: false,
      options: { code: "lora_updating_disabled" },
      message: expect.stringContaining("VLLM_ALLOW_RUNTIME_LORA_UPDATING=True"),
    });
    await lockedAdmin.close();
    await locked.close();
  });

  it("fails a refused connection as a retryable 502", async () => {
    const gone = createVllmAdmin({ baseURL: "http://127.0.0.1:1/v1" });
    await expect(gone.listAdapters()).rejects.toMatchObject({ status: 502, retryable: true });
    await gone.close();
  });
});

describe("vLLM admin: metrics", () => {
  it("reads queue depth and KV-cache use from /metrics at the server root", async () => {
    expect(await admin.readMetrics()).toEqual({ running: 0, waiting: 3, kvCacheUsage: 0.42 });
    expect(vllm.requests.at(-1)).toMatchObject({ method: "GET", path: "/metrics" });
  });

  it("counts the requests running now", async () => {
    const provider = createOpenAICompatibleProvider({ id: "vllm", baseURL: vllm.baseURL, apiKey });
    const streams = [1, 2].map(() =>
      provider
        .doStream(
          { model: "x", messages: [{ role: "user", content: "a b c d e" }] },
          { model: "test-dribble", signal: new AbortController().signal },
        )
        [Symbol.asyncIterator](),
    );
    const firsts: Array<IteratorResult<ChatCompletionChunk>> = await Promise.all(
      streams.map((stream) => stream.next()),
    );
    expect(firsts.every((first) => !first.done)).toBe(true);
    expect((await admin.readMetrics()).running).toBe(2);
    await Promise.all(streams.map((stream) => stream.return?.()));
    await provider.close();
  });

  it("reads older vLLM's gpu_cache_usage_perc, and fails clearly on a server without vLLM metrics", async () => {
    const older = await startOpenAITestServer({
      vllm: { kvCacheMetric: "gpu_cache_usage_perc", kvCacheUsage: 0.9 },
    });
    const olderAdmin = createVllmAdmin({ baseURL: `${older.baseURL}/` });
    expect(await olderAdmin.readMetrics()).toMatchObject({ kvCacheUsage: 0.9 });
    await olderAdmin.close();
    await older.close();

    const plain = await startOpenAITestServer({ vllm: false });
    const plainAdmin = createVllmAdmin({ baseURL: plain.baseURL, id: "ollama" });
    await expect(plainAdmin.readMetrics()).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining("/metrics answered 404"),
    });
    await plainAdmin.close();
    await plain.close();
  });
});

describe("parsePrometheusText", () => {
  it("reads samples with labels, escapes, special values and timestamps; skips comments and junk", () => {
    const text = [
      "# HELP vllm:num_requests_running Number of requests.",
      "# TYPE vllm:num_requests_running gauge",
      'vllm:num_requests_running{engine="0",model_name="a \\"b\\", c\\\\d"} 2.0',
      'vllm:num_requests_running{engine="1",model_name="x"} 3 1700000000000',
      "process_max_fds +Inf",
      "weird_value NaN",
      "no_labels 7e-1",
      "{broken} 1",
      'unterminated{a="b} 1',
      "",
    ].join("\n");
    const metrics = parsePrometheusText(text);
    expect(metrics.get("vllm:num_requests_running")).toEqual([
      { labels: { engine: "0", model_name: 'a "b", c\\d' }, value: 2 },
      { labels: { engine: "1", model_name: "x" }, value: 3 },
    ]);
    expect(metrics.get("process_max_fds")?.[0]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(metrics.get("weird_value")?.[0]?.value).toBeNaN();
    expect(metrics.get("no_labels")).toEqual([{ labels: {}, value: 0.7 }]);
    expect([...metrics.keys()]).toEqual([
      "vllm:num_requests_running",
      "process_max_fds",
      "weird_value",
      "no_labels",
    ]);
  });
});
