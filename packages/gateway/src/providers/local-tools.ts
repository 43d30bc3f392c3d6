import { randomUUID } from "node:crypto";
import type {
  ChatModelFunctions,
  ChatWrapper,
  ChatWrapperGenerateContextStateOptions,
  ChatWrapperGeneratedContextState,
  LlamaChatResponseFunctionCall,
} from "node-llama-cpp";
import type { ChatCompletion, ChatCompletionRequest } from "../protocol/openai-chat.ts";
import { jsonSchemaProblem } from "./json-schema-check.ts";
import { ProviderError } from "./provider-error.ts";

export type ToolCall = NonNullable<ChatCompletion["choices"][number]["message"]["tool_calls"]>[number];

const badRequest = (message: string, param: string) =>
  new ProviderError(message, { status: 400, type: "invalid_request_error", param, retryable: false });

/** Checks `tools` and `tool_choice` before any model is loaded. */
export function assertToolsValid(request: ChatCompletionRequest): void {
  const functions = toolFunctions(request);
  if (!functions) return;
  for (const [index, tool] of (request.tools ?? []).entries()) {
    const parameters = tool.function.parameters;
    const problem = parameters === undefined ? undefined : jsonSchemaProblem(parameters);
    if (problem) throw badRequest(`Invalid tools[${index}].function.parameters: ${problem}`, "tools");
  }
  if (request.response_format && request.response_format.type !== "text") {
    throw badRequest(
      "Local models can't combine `tools` with a JSON `response_format` in one request",
      "tools",
    );
  }
}

/**
 * The request's tools as node-llama-cpp functions, or undefined when none may be called
 * (`tool_choice: "none"`). A named `tool_choice` leaves only that tool.
 */
export function toolFunctions(request: ChatCompletionRequest): ChatModelFunctions | undefined {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === "none") {
    if (typeof choice === "object" || choice === "required") {
      throw badRequest("`tool_choice` asks for a tool call but `tools` is empty", "tool_choice");
    }
    return undefined;
  }
  const allowed =
    typeof choice === "object" ? tools.filter((tool) => tool.function.name === choice.function.name) : tools;
  if (allowed.length === 0 && typeof choice === "object") {
    throw badRequest(`tool_choice names '${choice.function.name}', which is not in tools`, "tool_choice");
  }
  return Object.fromEntries(
    allowed.map((tool) => [
      tool.function.name,
      {
        description: tool.function.description,
        // biome-ignore lint/suspicious/noExplicitAny: user JSON schema, checked by jsonSchemaProblem
        params: tool.function.parameters as any,
      },
    ]),
  );
}

/** Whether the reply must be a tool call (`tool_choice` "required" or a named function). */
export const mustCallTool = (request: ChatCompletionRequest): boolean =>
  (request.tools?.length ?? 0) > 0 &&
  (request.tool_choice === "required" || typeof request.tool_choice === "object");

/**
 * The same chat format, but the reply starts inside a function call, so the model must call one
 * of the functions it is given (node-llama-cpp's "initially engaged" function calling).
 */
export function forcingFunctionCall(wrapper: ChatWrapper): ChatWrapper {
  const forcing = Object.create(wrapper) as ChatWrapper;
  forcing.generateContextState = (
    options: ChatWrapperGenerateContextStateOptions,
  ): ChatWrapperGeneratedContextState => {
    const state = wrapper.generateContextState(options);
    return {
      contextText: state.contextText,
      stopGenerationTriggers: state.stopGenerationTriggers,
      ignoreStartText: state.ignoreStartText,
      functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] },
    };
  };
  return forcing;
}

/** node-llama-cpp's function calls as OpenAI tool calls. */
export function toToolCalls(
  calls: ReadonlyArray<LlamaChatResponseFunctionCall<ChatModelFunctions>>,
): ToolCall[] {
  return calls.map((call) => ({
    id: `call_${randomUUID().replaceAll("-", "")}`,
    type: "function",
    function: { name: call.functionName, arguments: JSON.stringify(call.params ?? {}) },
  }));
}

/** A function call as the model wrote it: its name and its arguments' text. */
export interface RawFunctionCall {
  name: string;
  params: string;
  done: boolean;
}

/** Function calls as written by the model (arguments text unparsed) as OpenAI tool calls. */
export function rawToolCalls(calls: RawFunctionCall[]): ToolCall[] {
  return calls.map((call) => ({
    id: `call_${randomUUID().replaceAll("-", "")}`,
    type: "function",
    function: { name: call.name, arguments: call.params.trim() || "{}" },
  }));
}
