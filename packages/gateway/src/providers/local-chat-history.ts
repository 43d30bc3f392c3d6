import type { ChatHistoryItem, ChatModelResponse } from "node-llama-cpp";
import type { ChatMessage } from "../protocol/openai-chat.ts";
import { ProviderError } from "./provider-error.ts";

const textOf = (content: ChatMessage["content"]): string =>
  typeof content === "string"
    ? content
    : (content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * OpenAI messages as node-llama-cpp chat history, ending with the model turn to generate.
 * An assistant's tool calls and the tool messages answering them become function calls with
 * results inside that model turn; when the messages end with tool results the model continues
 * that turn, as node-llama-cpp's own sessions do. Unanswered results become user text.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  for (const message of messages) {
    if (message.role === "tool") results.set(message.tool_call_id, textOf(message.content));
  }
  const placed = new Set<string>();
  const history: ChatHistoryItem[] = [];
  for (const [index, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        history.push({ type: "system", text: textOf(message.content) });
        break;
      case "user":
        history.push({ type: "user", text: textOf(message.content) });
        break;
      case "tool":
        if (!placed.has(message.tool_call_id)) {
          history.push({
            type: "user",
            text: `Result of tool call ${message.tool_call_id}:\n${textOf(message.content)}`,
          });
        }
        break;
      case "assistant": {
        const response: ChatModelResponse["response"] = [];
        const text = textOf(message.content);
        if (text) response.push(text);
        for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
          response.push({
            type: "functionCall",
            name: call.function.name,
            params: parseArguments(call.function.arguments, `messages[${index}].tool_calls[${callIndex}]`),
            result: parseJson(results.get(call.id) ?? ""),
          });
          placed.add(call.id);
        }
        history.push({ type: "model", response });
        break;
      }
    }
  }
  const last = messages.at(-1);
  const continuesTurn =
    last?.role === "tool" && placed.has(last.tool_call_id) && history.at(-1)?.type === "model";
  if (!continuesTurn) history.push({ type: "model", response: [] });
  return history;
}

function parseArguments(text: string, at: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`${at}.function.arguments is not valid JSON`, {
      status: 400,
      type: "invalid_request_error",
      param: "messages",
      retryable: false,
    });
  }
}
