import type { ChatTool, ToolContext } from "./chat-tool.ts";

/** What a tool call gave: the text the model reads next, marked when it is an error. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
}

const maxResultCharacters = 50_000;

/**
 * Runs one tool call the model made. Never throws: an unknown tool, arguments that are not a
 * JSON object, a tool's own failure or a stop all become an error result for the model to read.
 */
export async function runToolCall(
  tools: Readonly<Record<string, ChatTool>>,
  call: { name: string; arguments: string },
  context: ToolContext,
): Promise<ToolOutcome> {
  const tool = tools[call.name];
  if (!tool) {
    return { content: `There is no tool named '${call.name}'`, isError: true };
  }
  let input: unknown;
  try {
    input = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch {
    return { content: "The arguments are not valid JSON", isError: true };
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { content: "The arguments must be a JSON object", isError: true };
  }
  try {
    const content = await tool.run(withLoneArgumentNamed(tool, input as Record<string, unknown>), context);
    return { content: content.slice(0, maxResultCharacters), isError: false };
  } catch (error) {
    if (context.signal.aborted) return { content: "Stopped before the tool finished", isError: true };
    return { content: error instanceof Error ? error.message : String(error), isError: true };
  }
}

/**
 * Small models often rename a tool's only argument (`{"input": "2+2"}` for `expression`): when
 * none of the declared names is present and exactly one string was sent, it is taken as the
 * first declared argument.
 */
function withLoneArgumentNamed(tool: ChatTool, input: Record<string, unknown>): Record<string, unknown> {
  const declared = Object.keys(tool.parameters.properties);
  const first = declared[0];
  if (first === undefined || declared.some((name) => name in input)) return input;
  const values = Object.values(input);
  if (values.length !== 1 || typeof values[0] !== "string") return input;
  return { [first]: values[0] };
}
