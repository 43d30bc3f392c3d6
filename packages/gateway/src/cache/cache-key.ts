import { createHash } from "node:crypto";
import type { ChatCompletionRequest } from "../protocol/openai-chat.ts";

/**
 * Request fields that change how an answer is delivered or who is billed, not what the answer
 * is: a streamed and a JSON request for the same prompt share one entry.
 */
const deliveryFields = new Set(["stream", "stream_options", "user"]);

/** Bumped when the canonical form changes, so old rows simply stop matching. */
const keyVersion = "nexus-cache-v1";

/** Stands for the last user text in the scope key; a NUL cannot come from a JSON client unnoticed. */
const promptPlaceholder = "\u0000prompt";

/**
 * The exact-match key: SHA-256 (hex) of the canonical request — model, messages and every
 * generation parameter including unknown pass-through ones — with object keys sorted, `null` and
 * absent top-level parameters treated alike and `stream`, `stream_options`, `user` left out.
 *
 * @example
 * requestCacheKey({ model: "m", messages, temperature: 0 }) === requestCacheKey({ temperature: 0, messages, model: "m" });
 */
export function requestCacheKey(request: ChatCompletionRequest): string {
  return hash(canonicalRequest(request));
}

/**
 * The semantic scope: the key of the request with its last user message's text replaced by a
 * placeholder. Two requests in one scope differ at most in that text — same model, parameters,
 * tools, system prompt, history and images — so only that text is compared by embedding.
 * The system prompt is part of the scope rather than of the embedded text because a long shared
 * system prompt would dominate the embedding and make unrelated questions look alike.
 */
export function semanticScopeKey(request: ChatCompletionRequest): string {
  const lastUser = lastUserIndex(request);
  const messages = request.messages.map((message, index) => {
    if (index !== lastUser || message.role !== "user") return message;
    const content =
      typeof message.content === "string"
        ? promptPlaceholder
        : message.content.map((part) => (part.type === "text" ? { ...part, text: promptPlaceholder } : part));
    return { ...message, content };
  });
  return hash(canonicalRequest({ ...request, messages }));
}

/**
 * The text a semantic lookup embeds: the last user message's text parts, joined by newlines.
 * Undefined when there is none (no user message, or only images), so no semantic match is tried.
 */
export function semanticPromptText(request: ChatCompletionRequest): string | undefined {
  const message = request.messages[lastUserIndex(request)];
  if (message?.role !== "user") return undefined;
  const text =
    typeof message.content === "string"
      ? message.content
      : message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  return text.trim() === "" ? undefined : text;
}

function lastUserIndex(request: ChatCompletionRequest): number {
  return request.messages.findLastIndex((message) => message.role === "user");
}

function canonicalRequest(request: ChatCompletionRequest): Record<string, unknown> {
  const canonical: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) {
    if (deliveryFields.has(field) || value === undefined || value === null) continue;
    // n=1 is the only n accepted and the default, so it must not split entries.
    if (field === "n" && value === 1) continue;
    canonical[field] = value;
  }
  return canonical;
}

function hash(value: unknown): string {
  return createHash("sha256").update(keyVersion).update("\n").update(canonicalJson(value)).digest("hex");
}

/** JSON with object keys sorted at every depth; `undefined` members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== "object" || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
    return sorted;
  });
}
