import { describe, expect, it } from "vitest";
import type { ChatCompletion } from "../protocol/openai-chat.ts";
import type { StrategyName } from "./gateway-config.ts";
import { createRouter } from "./router.ts";
import { aliasOf, contextOf, startUpstreams } from "./router-testing.ts";
import { seededRandom, shuffledWith } from "./strategies/strategy-testing.ts";

const systemPrompts = 40;
const requestsPerPrompt = 5;
const replicas = 3;

/** A long system prompt, distinct from its first words on (like an app's or an agent's instructions). */
function systemPrompt(index: number): string {
  const rules = Array.from(
    { length: 40 },
    (_, rule) => `Rule ${rule + 1} for assistant ${index}: be precise and brief.`,
  );
  return `You are assistant ${index} of the support team. ${rules.join(" ")}`;
}

/**
 * Sends the same workload (a few long system prompts, several questions each, four at a time)
 * through an alias over three replicas and returns the share of prompt tokens the replicas' prefix
 * caches served, as they report it in `usage.prompt_tokens_details.cached_tokens` (vLLM's field).
 */
async function cacheHitRate(strategy: StrategyName): Promise<number> {
  const upstreams = await startUpstreams(replicas, { models: { "test-chat": {} } });
  const router = createRouter({ provider: upstreams.provider, random: seededRandom(2024) });
  const alias = aliasOf(
    Array.from({ length: replicas }, (_, index) => ({ provider: `up${index}`, model: "test-chat" })),
    { strategy },
  );
  const workload = shuffledWith(
    Array.from({ length: systemPrompts * requestsPerPrompt }, (_, index) => ({
      system: systemPrompt(index % systemPrompts),
      question: `Question ${index}: how do I reset my password?`,
    })),
    seededRandom(7),
  );
  let promptTokens = 0;
  let cachedTokens = 0;
  try {
    const worker = async () => {
      for (let job = workload.shift(); job; job = workload.shift()) {
        const { value } = await router.generate(
          alias,
          {
            model: "support",
            messages: [
              { role: "system", content: job.system },
              { role: "user", content: job.question },
            ],
          },
          contextOf(),
        );
        const usage = value.usage as ChatCompletion["usage"] & {
          prompt_tokens_details?: { cached_tokens?: number };
        };
        promptTokens += usage?.prompt_tokens ?? 0;
        cachedTokens += usage?.prompt_tokens_details?.cached_tokens ?? 0;
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    router.close();
    await upstreams.close();
  }
  return cachedTokens / promptTokens;
}

describe("prefix-cache hits by strategy", () => {
  it("prefix-affinity makes the replicas' prefix caches hit far more often than weighted", async () => {
    const affinity = await cacheHitRate("prefix-affinity");
    const weighted = await cacheHitRate("weighted");
    const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
    console.log(
      `prefix-cache hit rate over ${replicas} replicas, ${systemPrompts} system prompts x ${requestsPerPrompt} requests: ` +
        `prefix-affinity ${percent(affinity)}, weighted ${percent(weighted)}`,
    );
    // Affinity misses only each prompt's first request (4 in 5 hit); weighted misses once per replica it lands on.
    expect(affinity).toBeGreaterThan(0.6);
    expect(affinity - weighted).toBeGreaterThan(0.2);
  });
});
