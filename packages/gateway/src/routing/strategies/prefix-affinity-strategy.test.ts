import { describe, expect, it } from "vitest";
import {
  createPrefixAffinityStrategy,
  prefixAffinityStrategy,
  promptPrefix,
} from "./prefix-affinity-strategy.ts";
import type { RoutedRequest } from "./routing-strategy.ts";
import { chat, deployment, inputWith, seededRandom } from "./strategy-testing.ts";

const longPrompt = (topic: number) =>
  `You are assistant number ${topic}. ${"Answer carefully, cite sources and keep a friendly tone. ".repeat(30)}`;

const firstFor = (request: RoutedRequest, candidates = replicas, loads = {}) =>
  prefixAffinityStrategy.order(candidates, inputWith(request, loads))[0]?.id;

const replicas = [deployment("vllm-a"), deployment("vllm-b"), deployment("vllm-c")];

describe("prefix-affinity strategy", () => {
  it("sends prompts sharing a long leading part to the same deployment", () => {
    for (let topic = 0; topic < 20; topic++) {
      const first = firstFor(chat(longPrompt(topic), "question one"));
      for (const question of ["another question", "a third one", "x".repeat(500)]) {
        expect(firstFor(chat(longPrompt(topic), question))).toBe(first);
      }
    }
  });

  it("keeps every turn of a conversation on one deployment", () => {
    const base = chat("Short system prompt.", "What is a GGUF file?");
    if (base.kind !== "chat") throw new Error("chat expected");
    const later: RoutedRequest = {
      ...base,
      body: {
        ...base.body,
        messages: [
          ...base.body.messages,
          { role: "assistant", content: "A model file format." },
          { role: "user", content: "And how do I load one?" },
        ],
      },
    };
    expect(firstFor(later)).toBe(firstFor(base));
    expect(promptPrefix(later.body, 1024)).toBe(promptPrefix(base.body, 1024));
  });

  it("spreads different prefixes over all replicas", () => {
    const counts = new Map<string, number>();
    for (let topic = 0; topic < 600; topic++) {
      const first = firstFor(chat(longPrompt(topic))) ?? "none";
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(counts.size).toBe(3);
    for (const count of counts.values()) expect(count).toBeGreaterThan(150);
  });

  it("moves only the removed replica's prefixes when a replica goes away", () => {
    const without = replicas.filter((replica) => replica.id !== "vllm-b");
    let moved = 0;
    for (let topic = 0; topic < 600; topic++) {
      const request = chat(longPrompt(topic));
      const before = firstFor(request);
      const after = firstFor(request, without);
      if (before === "vllm-b") {
        moved++;
        expect(after).not.toBe("vllm-b");
      } else {
        expect(after).toBe(before);
      }
    }
    expect(moved).toBeGreaterThan(150);
    expect(moved).toBeLessThan(250);
  });

  it("weights the share of prefixes each replica gets", () => {
    const weighted = [deployment("big", { weight: 3 }), deployment("small", { weight: 1 })];
    let big = 0;
    for (let topic = 0; topic < 2_000; topic++)
      if (firstFor(chat(longPrompt(topic)), weighted) === "big") big++;
    expect(big / 2_000).toBeCloseTo(0.75, 1);
  });

  it("falls back to least-outstanding when the chosen replica is overloaded", () => {
    const request = chat(longPrompt(1));
    const chosen = firstFor(request) as string;
    const others = replicas.filter((replica) => replica.id !== chosen);
    expect(firstFor(request, replicas, { [chosen]: { inFlight: 3 } })).toBe(chosen);
    const overloaded = { [chosen]: { inFlight: 40 }, [others[0]?.id as string]: { inFlight: 5 } };
    expect(firstFor(request, replicas, overloaded)).toBe(others[1]?.id);
    const capped = replicas.map((replica) => ({ ...replica, maxConcurrency: 2 }));
    expect(
      firstFor(request, capped, { [chosen]: { inFlight: 2 }, [others[0]?.id as string]: { inFlight: 1 } }),
    ).toBe(others[1]?.id);
  });

  it("uses only the configured leading characters", () => {
    const strategy = createPrefixAffinityStrategy({ prefixCharacters: 64 });
    const sharedStart = "A".repeat(100);
    const picks = new Set<string | undefined>();
    for (let variant = 0; variant < 50; variant++) {
      picks.add(
        strategy.order(
          replicas,
          inputWith(chat(`${sharedStart} variant ${variant}`), {}, seededRandom(variant)),
        )[0]?.id,
      );
    }
    expect(picks.size).toBe(1);
  });

  it("routes embeddings by least-outstanding", () => {
    const request: RoutedRequest = { kind: "embed", body: { model: "e", input: "text" } };
    expect(firstFor(request, replicas, { "vllm-a": { inFlight: 2 }, "vllm-b": { inFlight: 1 } })).toBe(
      "vllm-c",
    );
  });
});
