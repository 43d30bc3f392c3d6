import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { canonicalJson, requestCacheKey, semanticPromptText, semanticScopeKey } from "./cache-key.ts";

const system = { role: "system", content: "Be brief." } as const;
const user = { role: "user", content: "What is WAL mode?" } as const;
const base: ChatCompletionRequest = {
  model: "chat",
  messages: [system, user],
  temperature: 0.2,
  response_format: {
    type: "json_schema",
    json_schema: { name: "a", schema: { type: "object", required: ["x"] } },
  },
};

describe("requestCacheKey", () => {
  it("is a SHA-256 hex that ignores key order at every depth", () => {
    const reordered = {
      response_format: {
        json_schema: { schema: { required: ["x"], type: "object" }, name: "a" },
        type: "json_schema",
      },
      temperature: 0.2,
      messages: [
        { content: "Be brief.", role: "system" },
        { content: "What is WAL mode?", role: "user" },
      ],
      model: "chat",
    } as ChatCompletionRequest;
    expect(requestCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestCacheKey(reordered)).toBe(requestCacheKey(base));
  });

  it("ignores stream, stream_options, user, n=1 and null parameters", () => {
    const delivered = {
      ...base,
      stream: true,
      stream_options: { include_usage: true },
      user: "someone",
      n: 1,
      top_p: null,
    } as ChatCompletionRequest;
    expect(requestCacheKey(delivered)).toBe(requestCacheKey(base));
  });

  it("changes with the model, any message, any generation parameter and unknown pass-through fields", () => {
    const variants: ChatCompletionRequest[] = [
      { ...base, model: "other" },
      { ...base, messages: [{ role: "user", content: "What is WAL mode?" }] },
      { ...base, messages: [system, { role: "user", content: "What is WAL mode!" }] },
      { ...base, temperature: 0.3 },
      { ...base, seed: 1 },
      { ...base, max_tokens: 10 },
      { ...base, stop: ["\n"] },
      { ...base, tools: [{ type: "function", function: { name: "f" } }] },
      { ...base, tool_choice: "none" },
      { ...base, response_format: { type: "json_object" } },
      { ...base, top_k: 5 } as ChatCompletionRequest,
    ];
    const keys = new Set([requestCacheKey(base), ...variants.map(requestCacheKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it("writes canonical JSON with sorted keys and array order kept", () => {
    expect(canonicalJson({ b: [2, { d: 1, c: undefined, a: null }], a: "x" })).toBe(
      '{"a":"x","b":[2,{"a":null,"d":1}]}',
    );
  });
});

describe("semantic scope and prompt text", () => {
  it("puts requests that differ only in the last user text in one scope, and embeds that text", () => {
    const other: ChatCompletionRequest = {
      ...base,
      messages: [system, { role: "user", content: "Explain write-ahead logging" }],
    };
    expect(semanticScopeKey(other)).toBe(semanticScopeKey(base));
    expect(requestCacheKey(other)).not.toBe(requestCacheKey(base));
    expect(semanticPromptText(base)).toBe("What is WAL mode?");
  });

  it("keeps the system prompt, history, parameters and images in the scope", () => {
    const scope = semanticScopeKey(base);
    const [system, user] = base.messages as [
      ChatCompletionRequest["messages"][number],
      ChatCompletionRequest["messages"][number],
    ];
    expect(semanticScopeKey({ ...base, messages: [{ role: "system", content: "Be long." }, user] })).not.toBe(
      scope,
    );
    expect(semanticScopeKey({ ...base, temperature: 1 })).not.toBe(scope);
    expect(
      semanticScopeKey({
        ...base,
        messages: [
          system,
          { role: "user", content: "earlier" },
          { role: "assistant", content: "reply" },
          user,
        ],
      }),
    ).not.toBe(scope);
    const withImage = (url: string): ChatCompletionRequest => ({
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url } },
          ],
        },
      ],
    });
    expect(semanticScopeKey(withImage("http://127.0.0.1/a.png"))).not.toBe(
      semanticScopeKey(withImage("http://127.0.0.1/b.png")),
    );
    expect(semanticPromptText(withImage("http://127.0.0.1/a.png"))).toBe("What is this?");
  });

  it("has no prompt text without a user message with text", () => {
    expect(
      semanticPromptText({ model: "m", messages: [{ role: "system", content: "only system" }] }),
    ).toBeUndefined();
    expect(
      semanticPromptText({
        model: "m",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "http://127.0.0.1/x.png" } }] },
        ],
      }),
    ).toBeUndefined();
    expect(semanticPromptText({ model: "m", messages: [{ role: "user", content: "   " }] })).toBeUndefined();
  });
});
