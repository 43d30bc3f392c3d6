import type { ChatCompletionRequest } from "../../protocol/openai-chat.ts";
import type { Deployment } from "../gateway-config.ts";
import { byLeastOutstanding } from "./least-outstanding-strategy.ts";
import { defineStrategy, type RoutingStrategy, type StrategyInput } from "./routing-strategy.ts";

export interface PrefixAffinityOptions {
  /**
   * Characters of the prompt's leading part that pick the deployment. Default 1024 (about 256
   * tokens, 16 vLLM cache blocks): prompts sharing that much gain from the same replica's prefix
   * cache, and a typical system prompt alone decides where its conversations go.
   */
  prefixCharacters?: number;
}

/**
 * Requests whose prompts start alike go to the same deployment, so an upstream's prefix cache
 * (vLLM's automatic prefix caching) serves the shared part. The key is the leading part of the
 * prompt up to and including the first user message, so every turn of a conversation shares it;
 * the deployment is picked by rendezvous (highest-random-weight) hashing, so adding or removing a
 * replica moves only the prefixes that replica gains or loses. When the chosen deployment is
 * overloaded (at its `maxConcurrency`, or far over the average in-flight count), or the request is
 * an embedding, it falls back to least-outstanding.
 */
export function createPrefixAffinityStrategy(options: PrefixAffinityOptions = {}): RoutingStrategy {
  const prefixCharacters = options.prefixCharacters ?? 1024;
  return defineStrategy({
    name: "prefix-affinity",
    order(candidates, input) {
      if (input.request.kind !== "chat") return byLeastOutstanding(candidates, input);
      const prefixHash = hashString(promptPrefix(input.request.body, prefixCharacters));
      const ordered = rendezvousOrder(candidates, prefixHash);
      const first = ordered[0];
      if (first && isOverloaded(first, candidates, input)) return byLeastOutstanding(candidates, input);
      return ordered;
    },
  });
}

export const prefixAffinityStrategy = createPrefixAffinityStrategy();

/** The leading messages through the first user message, as text, cut to `length` characters. */
export function promptPrefix(request: ChatCompletionRequest, length: number): string {
  let text = "";
  for (const message of request.messages) {
    text += `${message.role}\n${contentText(message.content)}\n`;
    if (message.role === "user" || text.length >= length) break;
  }
  return text.slice(0, length);
}

/** Deployments by descending weighted rendezvous score for the key. */
export function rendezvousOrder(candidates: readonly Deployment[], keyHash: number): Deployment[] {
  return candidates
    .map((deployment) => {
      // Weighted rendezvous: -w / ln(u) keeps each deployment's share proportional to its weight.
      const unit = (mix(hashString(deployment.id, keyHash)) + 0.5) / 2 ** 32;
      return { deployment, score: -deployment.weight / Math.log(unit) };
    })
    .sort((a, b) => b.score - a.score || (a.deployment.id < b.deployment.id ? -1 : 1))
    .map(({ deployment }) => deployment);
}

function isOverloaded(
  deployment: Deployment,
  candidates: readonly Deployment[],
  input: StrategyInput,
): boolean {
  const inFlight = input.load(deployment).inFlight;
  if (deployment.maxConcurrency !== undefined && inFlight >= deployment.maxConcurrency) return true;
  const total = candidates.reduce((sum, candidate) => sum + input.load(candidate).inFlight, 0);
  // Bounded load: stick unless this one carries more than twice its fair share (plus slack for small counts).
  return inFlight > (2 * total) / candidates.length + 2;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type?: string; text?: string; image_url?: { url?: string } }) =>
      part.type === "image_url" ? (part.image_url?.url ?? "") : (part.text ?? ""),
    )
    .join("");
}

/** FNV-1a, 32 bits. */
function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Murmur3's finalizer: spreads FNV's weak low bits over the whole word. */
function mix(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}
