/**
 * A model of an upstream's prefix cache (vLLM's automatic prefix caching) for the OpenAI test
 * double: it remembers the prompts one server instance served and says how many of a new
 * prompt's tokens a real cache would have held, so routing tests can measure cache hits the way
 * `usage.prompt_tokens_details.cached_tokens` reports them.
 *
 * Tokens are the test double's estimate: whitespace-separated pieces of the messages' JSON. The
 * cached count is the tokens lying wholly inside the longest prefix shared with an earlier prompt.
 */
export interface PromptPrefixCache {
  /** Cached tokens for this prompt; then remembers it. */
  cachedTokens(messages: unknown): number;
}

export function createPromptPrefixCache(capacity = 1_000): PromptPrefixCache {
  // Most recent last; the oldest is forgotten past `capacity`, as a real cache evicts.
  const seen: string[] = [];
  return {
    cachedTokens(messages) {
      const prompt = JSON.stringify(messages ?? "");
      let shared = 0;
      for (const earlier of seen) shared = Math.max(shared, commonPrefixLength(prompt, earlier));
      seen.push(prompt);
      if (seen.length > capacity) seen.shift();
      if (shared === 0) return 0;
      if (shared === prompt.length) return prompt.split(/\s+/).length;
      // The piece cut by the end of the shared prefix is not cached.
      return prompt.slice(0, shared).split(/\s+/).length - 1;
    },
  };
}

function commonPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a.charCodeAt(index) === b.charCodeAt(index)) index++;
  return index;
}
