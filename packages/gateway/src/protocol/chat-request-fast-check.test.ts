import { describe, expect, it } from "vitest";
import { isPlainChatCompletionRequest } from "./chat-request-fast-check.ts";
import { chatCompletionRequestSchema } from "./openai-chat.ts";

const user = { role: "user", content: "hi" };

/** Field values to combine: valid ones (a valid one first), and ones zod rejects or would change. */
const fieldValues: Record<string, unknown[]> = {
  model: ["m", "", "x".repeat(256), "x".repeat(257), 7, null],
  messages: [
    [user],
    [],
    [{ role: "system", content: "be brief", name: "rules" }, user, { role: "assistant", content: "ok" }],
    [
      { role: "developer", content: "d" },
      { role: "assistant", content: null },
    ],
    [{ role: "user", content: "hi", extra: true }],
    [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    [{ role: "tool", content: "42", tool_call_id: "call_1" }],
    [{ role: "robot", content: "beep" }],
    [{ role: "user", content: "hi", name: null }],
    [{ role: "user" }],
    "hi",
    [null],
  ],
  stream: [true, false, null, "yes"],
  stream_options: [
    { include_usage: true },
    { include_usage: "no" },
    { include_usage: true, more: 1 },
    null,
    [],
  ],
  temperature: [0, 2, 2.5, -1, 0.7, null, "0.7"],
  top_p: [1, 1.5, null],
  seed: [11, -3, 1.5, 2 ** 60, null],
  max_tokens: [1, 0, -5, 2.5, 100, null],
  max_completion_tokens: [64, 0, null],
  n: [1, 2, null],
  presence_penalty: [0, -2, 3, null],
  frequency_penalty: [1, -3, null],
  user: ["someone", 5, null],
  parallel_tool_calls: [true, null],
  stop: ["\n", ["a", "b"], null],
  tools: [[{ type: "function", function: { name: "f" } }]],
  tool_choice: ["auto"],
  response_format: [{ type: "json_object" }],
  top_k: [40],
  chat_template_kwargs: [{ enable_thinking: false }],
};

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function randomFrom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("the plain chat request check", () => {
  it("passes the common shapes, which zod keeps unchanged", () => {
    const bodies = [
      { model: "m", messages: [user] },
      { model: "m", messages: [user], stream: true, stream_options: { include_usage: true } },
      {
        model: "fast",
        messages: [{ role: "system", content: "s" }, user],
        temperature: 0.2,
        max_tokens: 64,
        seed: 1,
        top_k: 20,
      },
    ];
    for (const body of bodies) {
      expect(isPlainChatCompletionRequest(body)).toBe(true);
      expect(chatCompletionRequestSchema.parse(body)).toEqual(body);
    }
  });

  it("never passes a body zod would reject or change (10,000 random bodies)", () => {
    const random = randomFrom(4);
    const fields = Object.keys(fieldValues);
    let passed = 0;
    for (let round = 0; round < 10_000; round++) {
      const body: Record<string, unknown> = {};
      for (const field of fields) {
        // model and messages are nearly always there, the rest now and then.
        const present = field === "model" || field === "messages" ? random() < 0.95 : random() < 0.2;
        const values = fieldValues[field] ?? [];
        // The first value of each field is a valid one; half the time it is taken.
        const pick = random() < 0.5 ? 0 : Math.floor(random() * values.length);
        if (present) body[field] = values[pick];
      }
      if (!isPlainChatCompletionRequest(body)) continue;
      passed++;
      const parsed = chatCompletionRequestSchema.safeParse(body);
      expect(parsed.success, JSON.stringify(body)).toBe(true);
      expect(parsed.data, JSON.stringify(body)).toEqual(body);
    }
    // The check is not trivially false: a good share of random bodies are plain and valid.
    expect(passed).toBeGreaterThan(500);
  });

  it("leaves every schema field it does not know to zod", () => {
    for (const field of ["stop", "tools", "tool_choice", "response_format"]) {
      expect(isPlainChatCompletionRequest({ model: "m", messages: [user], [field]: null })).toBe(false);
    }
    expect(isPlainChatCompletionRequest(null)).toBe(false);
    expect(isPlainChatCompletionRequest([{ model: "m", messages: [user] }])).toBe(false);
  });
});
