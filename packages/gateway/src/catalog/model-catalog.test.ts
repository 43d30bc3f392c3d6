import { NexusError } from "@nexus/core";
import { describe, expect, it } from "vitest";
import {
  findCatalogModel,
  formatBytes,
  modelCatalog,
  pullCommandFor,
  suggestedCatalogModels,
} from "./model-catalog.ts";
import { resolvePullSource } from "./pull-source.ts";

describe("model catalog", () => {
  it("has unique names usable as model ids, and both chat and embedding models", () => {
    const names = modelCatalog.map((model) => model.name);
    expect(new Set(names).size).toBe(names.length);
    for (const model of modelCatalog) {
      expect(model.name).toMatch(/^[a-z0-9][a-z0-9.-]+$/);
      expect(model.uri).toMatch(/^hf:[^/]+\/[^/]+-(GGUF|gguf)\/[^/]+\.gguf$/);
      expect(model.sizeBytes).toBeGreaterThan(10_000_000);
      expect(model.sizeBytes).toBeLessThan(3_000_000_000);
      expect(model.contextLength).toBeGreaterThanOrEqual(512);
      expect(model.license.length).toBeGreaterThan(2);
    }
    expect(modelCatalog.filter((model) => model.purpose === "chat").length).toBeGreaterThanOrEqual(5);
    expect(modelCatalog.filter((model) => model.purpose === "embedding").length).toBeGreaterThanOrEqual(3);
    const suggested = suggestedCatalogModels.map((name) => findCatalogModel(name)?.purpose);
    expect(suggested).toEqual(["chat", "embedding"]);
  });

  it("finds models by name, case-insensitively, and says how to pull them", () => {
    expect(findCatalogModel(" Qwen2.5-0.5B-Instruct ")?.uri).toBe(
      "hf:bartowski/Qwen2.5-0.5B-Instruct-GGUF/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
    );
    expect(findCatalogModel("gpt-4")).toBeUndefined();
    expect(pullCommandFor({ name: "qwen3-0.6b" })).toBe("nexus models pull qwen3-0.6b");
    expect([formatBytes(397_808_192), formatBytes(1_834_426_016), formatBytes(36_800_000)]).toEqual([
      "398 MB",
      "1.8 GB",
      "36.8 MB",
    ]);
  });
});

describe("resolvePullSource", () => {
  const endpoint = "http://127.0.0.1:9/";

  it("resolves catalog names and Hugging Face URIs to download URLs, naming the file after the model", () => {
    expect(resolvePullSource("qwen3-0.6b", { huggingFaceEndpoint: endpoint })).toMatchObject({
      url: "http://127.0.0.1:9/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf?download=true",
      fileName: "qwen3-0.6b.gguf",
      catalog: { name: "qwen3-0.6b" },
    });
    expect(resolvePullSource("hf:someone/Some-GGUF/sub/Model+Q4.gguf#dev")).toEqual({
      url: "https://huggingface.co/someone/Some-GGUF/resolve/dev/sub/Model%2BQ4.gguf?download=true",
      fileName: "Model-Q4.gguf",
      fromHuggingFace: true,
    });
    expect(resolvePullSource("https://example.test/files/tiny.gguf?x=1", { modelId: "tiny-one" })).toEqual({
      url: "https://example.test/files/tiny.gguf?x=1",
      fileName: "tiny-one.gguf",
      fromHuggingFace: false,
    });
    expect(resolvePullSource("https://example.test/my%20model.GGUF").fileName).toBe("my-model.gguf");
    // Every catalog entry resolves.
    for (const model of modelCatalog)
      expect(resolvePullSource(model.name).fileName).toBe(`${model.name}.gguf`);
  });

  it("follows HF_ENDPOINT like node-llama-cpp does", () => {
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = "http://127.0.0.1:7/mirror";
    try {
      expect(resolvePullSource("hf:a/b/c.gguf").url).toBe(
        "http://127.0.0.1:7/mirror/a/b/resolve/main/c.gguf?download=true",
      );
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });

  it("refuses what it cannot pull, saying what would work", () => {
    const problem = (source: string, modelId?: string) => {
      try {
        resolvePullSource(source, { modelId });
      } catch (error) {
        expect(error).toBeInstanceOf(NexusError);
        return `${(error as NexusError).type}: ${(error as NexusError).message}`;
      }
      throw new Error(`accepted ${source}`);
    };
    expect(problem("qwen-0.5b")).toMatch(
      /invalid_request: 'qwen-0.5b' is not in the catalog.*Did you mean qwen2.5/,
    );
    expect(problem("hf:user/repo:Q4_K_M")).toMatch(/hf:<user>\/<repo>\/<file>\.gguf/);
    expect(problem("hf:user/repo/readme.md")).toMatch(/not a Hugging Face file URI/);
    expect(problem("https://example.test/download?id=3")).toMatch(/--name <model-id>/);
    expect(problem("ftp://example.test/a.gguf")).toMatch(/not in the catalog/);
    expect(problem("tiny", "../escape")).toMatch(/not a usable model id/);
  });
});
