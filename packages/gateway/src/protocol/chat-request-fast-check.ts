import { type ChatCompletionRequest, chatCompletionRequestSchema } from "./openai-chat.ts";

/**
 * A hand-written check for the common shape of a chat completion request (plain text messages,
 * sampling numbers, `stream`), which accepts only bodies that `chatCompletionRequestSchema` accepts
 * unchanged. It runs for every request before zod: zod's parse copies the body and walks its
 * discriminated unions, ~2.5% of the gateway's CPU per request. Anything it is not sure of (tools,
 * image parts, response formats, a field zod would strip or reject) answers false, and zod decides,
 * with its error messages.
 *
 * @example
 * const request = isPlainChatCompletionRequest(body) ? body : chatCompletionRequestSchema.parse(body);
 */
export function isPlainChatCompletionRequest(body: unknown): body is ChatCompletionRequest {
  if (!isRecord(body)) return false;
  const { model, messages } = body;
  if (typeof model !== "string" || model.length < 1 || model.length > 256) return false;
  if (!Array.isArray(messages) || messages.length < 1) return false;
  for (let index = 0; index < messages.length; index++) {
    if (!isPlainMessage(messages[index])) return false;
  }
  for (const key in body) {
    if (!Object.hasOwn(body, key)) continue;
    const check = topLevelChecks.get(key);
    // Fields the schema does not name pass through untouched (it is a loose object).
    if (check === undefined) continue;
    if (!check(body[key])) return false;
  }
  return true;
}

type Check = (value: unknown) => boolean;

const nullish = (value: unknown) => value === null || value === undefined;
const numberIn = (min: number, max: number) => (value: unknown) =>
  nullish(value) || (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max);
const positiveInteger = (value: unknown) =>
  nullish(value) || (typeof value === "number" && Number.isSafeInteger(value) && value > 0);
const anyInteger = (value: unknown) =>
  nullish(value) || (typeof value === "number" && Number.isSafeInteger(value));
const optionalBoolean = (value: unknown) => value === undefined || typeof value === "boolean";
const optionalString = (value: unknown) => value === undefined || typeof value === "string";

const streamOptionKeys = new Set(["include_usage"]);
const messageKeys = new Set(["role", "content", "name"]);
const plainRoles = new Set(["system", "developer", "user", "assistant"]);

/** The schema's top-level fields this check vouches for; the rest of them (tools, stop, …) go to zod. */
const topLevelChecks = new Map<string, Check>([
  ["model", () => true],
  ["messages", () => true],
  ["stream", optionalBoolean],
  [
    "stream_options",
    (value) =>
      nullish(value) ||
      (isRecord(value) && onlyKeys(value, streamOptionKeys) && optionalBoolean(value.include_usage)),
  ],
  ["temperature", numberIn(0, 2)],
  ["top_p", numberIn(0, 1)],
  ["seed", anyInteger],
  ["max_tokens", positiveInteger],
  ["max_completion_tokens", positiveInteger],
  ["n", (value) => nullish(value) || value === 1],
  ["presence_penalty", numberIn(-2, 2)],
  ["frequency_penalty", numberIn(-2, 2)],
  ["user", optionalString],
  ["parallel_tool_calls", optionalBoolean],
]);
// Every other field of the schema (stop, tools, tool_choice, response_format, and any added later)
// is zod's to check: were it missing here, it would pass as an unknown field, unchecked.
for (const key of Object.keys(chatCompletionRequestSchema.shape)) {
  if (!topLevelChecks.has(key)) topLevelChecks.set(key, () => false);
}

/** A message zod keeps as it is: a plain role, string content, an optional name, nothing else. */
function isPlainMessage(message: unknown): boolean {
  if (!isRecord(message)) return false;
  if (typeof message.role !== "string" || !plainRoles.has(message.role)) return false;
  if (typeof message.content !== "string") return false;
  if (!onlyKeys(message, messageKeys)) return false;
  return message.name === undefined || typeof message.name === "string";
}

function onlyKeys(value: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const key in value) {
    if (Object.hasOwn(value, key) && !allowed.has(key)) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
