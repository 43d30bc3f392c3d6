import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { ChatCompletion } from "../protocol/openai-chat.ts";

/** Finish reasons of a whole answer worth repeating; `content_filter` may be transient moderation. */
const cacheableFinishReasons = ["stop", "length", "tool_calls"] as const;

// Loose: upstream details such as `prompt_tokens_details.cached_tokens` are kept with the answer.
const usageSchema = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});

/**
 * A completion fit to cache and to serve from the cache: exactly one choice, finished for a
 * reason other than being cut off. Lenient about extra fields (an upstream's
 * `system_fingerprint`, `logprobs`), which are kept.
 */
const cacheableCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number(),
  model: z.string(),
  choices: z
    .array(
      z.looseObject({
        index: z.literal(0),
        message: z.looseObject({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal("function"),
                function: z.object({ name: z.string().min(1), arguments: z.string() }),
              }),
            )
            .optional(),
        }),
        finish_reason: z.enum(cacheableFinishReasons),
      }),
    )
    .length(1),
  usage: usageSchema.optional(),
});

/** The completion when it may be cached, else undefined (n>1, unfinished, filtered, malformed). */
export function cacheableCompletion(completion: unknown): ChatCompletion | undefined {
  const parsed = cacheableCompletionSchema.safeParse(completion);
  return parsed.success ? (parsed.data as ChatCompletion) : undefined;
}

/** A stored row's response, or undefined when the row is not valid JSON of a cacheable completion. */
export function parseStoredCompletion(json: string): ChatCompletion | undefined {
  try {
    return cacheableCompletion(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** A cached answer as a new response: its own id and creation time, the original usage. */
export function asFreshCompletion(completion: ChatCompletion, nowMs: number): ChatCompletion {
  return {
    ...completion,
    id: `chatcmpl-${randomBytes(12).toString("hex")}`,
    created: Math.floor(nowMs / 1000),
  };
}
