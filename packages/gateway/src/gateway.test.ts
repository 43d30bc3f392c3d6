import { describe, expect, it } from "vitest";
import { createGateway } from "./gateway.ts";
import type { ChatCompletionRequest } from "./protocol/openai-chat.ts";
import type { ModelProvider } from "./providers/model-provider.ts";

/** A provider that answers with the upstream model it was asked for. */
function fakeProvider(id: string, models: string[] | (() => string[]), extra: Partial<ModelProvider> = {}) {
  const calls: string[] = [];
  let listings = 0;
  const provider: ModelProvider & { calls: string[]; listings: () => number } = {
    id,
    kind: "openai-compatible",
    calls,
    listings: () => listings,
    async listModels() {
      listings++;
      const ids = typeof models === "function" ? models() : models;
      return ids.map((model) => ({ id: model, capabilities: ["chat"] }));
    },
    async doGenerate(_request, { model }) {
      calls.push(model);
      return {
        id: "1",
        object: "chat.completion",
        created: 0,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: id }, finish_reason: "stop" }],
      };
    },
    async *doStream(_request, { model }) {
      calls.push(model);
      yield { id: "1", object: "chat.completion.chunk", created: 0, model, choices: [] };
    },
    ...extra,
  };
  return provider;
}

const request = (model: string): ChatCompletionRequest => ({
  model,
  messages: [{ role: "user", content: "hi" }],
});
const context = { workspaceId: "w", apiKeyId: null, signal: new AbortController().signal };

describe("gateway routing", () => {
  it("lists <provider>/<model> for all, and bare names only where one provider has them", async () => {
    const gateway = createGateway({
      providers: [fakeProvider("a", ["shared", "only-a"]), fakeProvider("b", ["shared", "org/only-b"])],
    });
    const ids = (await gateway.listModels(context)).map((model) => model.id).sort();
    expect(ids).toEqual(["a/only-a", "a/shared", "b/org/only-b", "b/shared", "only-a", "org/only-b"]);
  });

  it("routes prefixed and bare names to the provider and upstream model", async () => {
    const a = fakeProvider("a", ["shared", "only-a"]);
    const b = fakeProvider("b", ["shared", "org/only-b"]);
    const gateway = createGateway({ providers: [a, b] });
    await gateway.generate(request("b/shared"), context);
    await gateway.generate(request("only-a"), context);
    for await (const _chunk of gateway.stream(request("org/only-b"), context));
    expect(a.calls).toEqual(["only-a"]);
    expect(b.calls).toEqual(["shared", "org/only-b"]);
  });

  it("answers unknown and ambiguous names with 404 model_not_found", async () => {
    const gateway = createGateway({
      providers: [fakeProvider("a", ["shared"]), fakeProvider("b", ["shared"])],
    });
    const notFound = { status: 404, options: { code: "model_not_found", param: "model" } };
    await expect(gateway.generate(request("nothing"), context)).rejects.toMatchObject(notFound);
    await expect(gateway.resolve("w", "shared")).rejects.toThrow(/'a\/shared', 'b\/shared'/);
    const stream = gateway.stream(request("nothing"), context)[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toMatchObject(notFound);
  });

  it("skips a provider that fails to list, and says so", async () => {
    const failures: string[] = [];
    const broken = fakeProvider("broken", [], {
      listModels: () => Promise.reject(new Error("down")),
    });
    const gateway = createGateway({
      providers: [broken, fakeProvider("ok", ["m"])],
      onProviderError: (id) => failures.push(id),
    });
    expect((await gateway.listModels(context)).map((model) => model.id)).toEqual(["ok/m", "m"]);
    expect(failures).toEqual(["broken"]);
  });

  it("skips a provider that does not list in time", async () => {
    const stuck = fakeProvider("stuck", [], {
      listModels: (signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(signal.reason))),
    });
    const gateway = createGateway({ providers: [stuck, fakeProvider("ok", ["m"])], listTimeoutMs: 50 });
    expect((await gateway.listModels(context)).map((model) => model.id)).toEqual(["ok/m", "m"]);
  });

  it("caches the listing, and re-lists on a miss at most once a second", async () => {
    let offered = ["first"];
    const provider = fakeProvider("a", () => offered);
    const gateway = createGateway({ providers: [provider] });
    await gateway.resolve("w", "first");
    await gateway.resolve("w", "first");
    expect(provider.listings()).toBe(1);
    offered = ["first", "second"];
    await expect(gateway.resolve("w", "second")).rejects.toMatchObject({ status: 404 });
    expect(provider.listings()).toBe(1);
    await gateway.resolve("w", "a/second");
    expect(provider.listings()).toBe(1);
  });

  it("refuses embeddings on a provider without them", async () => {
    const gateway = createGateway({ providers: [fakeProvider("a", ["m"])] });
    await expect(gateway.embed({ model: "a/m", input: "x" }, context)).rejects.toMatchObject({ status: 400 });
  });
});
