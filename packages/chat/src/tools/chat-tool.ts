/**
 * A tool an agent may offer the model: a name and JSON-schema parameters the model sees, and a
 * function that runs it. A tool's failure is an answer too: `ToolInputError` (or any error) becomes
 * a tool result marked `isError`, which the model reads and can recover from.
 */
export interface ChatTool {
  /** The function name the model calls: 1-64 letters, digits, `_` or `-`. */
  name: string;
  /** What the tool does and when to use it, for the model. */
  description: string;
  /** JSON Schema of the arguments object (`type: "object"`). */
  parameters: { type: "object"; properties: Record<string, unknown>; required?: string[] };
  /** Runs the tool on arguments already parsed from JSON; returns the text the model reads. */
  run(input: Record<string, unknown>, context: ToolContext): Promise<string>;
}

export interface ToolContext {
  /** Aborted when the generation is stopped; a tool stops its work with it. */
  signal: AbortSignal;
  /**
   * Hosts `fetch_page` may read: the instance's list and the agent's. Entries are `host`,
   * `host:port`, `*.domain` or `*` (any public host); a private address is reachable only when
   * its host is named exactly.
   */
  fetchAllowedHosts: readonly string[];
  /** The clock (tests pin it). */
  now(): Date;
}

/** A mistake in the arguments the model sent; its message is shown to the model. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolInputError";
  }
}

/** Keeps a tool's definition typed; no registration happens here (see registry.ts). */
export function defineChatTool(tool: ChatTool): ChatTool {
  return tool;
}

/** Reads a string argument, or throws a ToolInputError naming it. */
export function stringArgument(input: Record<string, unknown>, name: string, required: true): string;
export function stringArgument(
  input: Record<string, unknown>,
  name: string,
  required: false,
): string | undefined;
export function stringArgument(
  input: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") {
    if (required) throw new ToolInputError(`'${name}' is required`);
    return undefined;
  }
  if (typeof value !== "string") throw new ToolInputError(`'${name}' must be a string`);
  return value;
}
