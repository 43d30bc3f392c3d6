/**
 * Fits text parameters to the tool's input schema: a Dify `mixed` parameter renders to text, so
 * "42" meant for a number property becomes 42, "true" a boolean, JSON text an object or array.
 * Values that do not convert stay as they are; the server's own validation then says what is wrong.
 */
export function coerceArguments(
  parameters: Record<string, unknown>,
  inputSchema: Record<string, unknown>,
): Record<string, unknown> {
  const properties = (inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const coerced: Record<string, unknown> = { ...parameters };
  for (const [name, value] of Object.entries(parameters)) {
    const declared = properties[name]?.type;
    const types = Array.isArray(declared) ? declared : [declared];
    if (typeof value !== "string" || types.includes("string")) continue;
    const text = value.trim();
    if (
      (types.includes("number") || types.includes("integer")) &&
      text !== "" &&
      !Number.isNaN(Number(text))
    ) {
      coerced[name] = Number(text);
    } else if (types.includes("boolean") && (text === "true" || text === "false")) {
      coerced[name] = text === "true";
    } else if ((types.includes("object") || types.includes("array")) && /^[[{]/.test(text)) {
      try {
        coerced[name] = JSON.parse(text);
      } catch {
        // Not JSON after all: left as text.
      }
    }
  }
  return coerced;
}
