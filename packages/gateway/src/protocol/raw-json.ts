const texts = new WeakMap<object, string>();

/**
 * Remembers the JSON text an upstream answer (a completion, a stream chunk, embeddings) was parsed
 * from, so the server can send it on as received instead of serialising the object again (a
 * `JSON.stringify` per stream chunk on the hot path).
 *
 * The text is only valid while the object is unchanged: code that alters an upstream answer must
 * alter a copy (`{ ...chunk, model }`), which has no remembered text. Nothing in the gateway
 * mutates answers in place.
 *
 * @example
 * const chunk = parseJsonKeepingText<ChatCompletionChunk>(data);
 * reply.write(`data: ${rawJsonOf(chunk) ?? JSON.stringify(chunk)}\n\n`);
 */
export function parseJsonKeepingText<T>(text: string): T {
  const value = JSON.parse(text) as T;
  if (typeof value === "object" && value !== null) texts.set(value, text);
  return value;
}

/** The JSON text `value` was parsed from, when it came from `parseJsonKeepingText`. */
export function rawJsonOf(value: object): string | undefined {
  return texts.get(value);
}
